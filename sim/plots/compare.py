"""Several runs on one axis: each scenario's median strength and 25-75 % band."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import InputError
from .annotations import add_footnote, ceiling_and_target, deadline_lines, history_marks, scale_top
from .style import (
    BOTTOM,
    COMPARE_PALETTE,
    LABEL_SIZE,
    LEFT,
    RIGHT,
    STRENGTH_LABEL,
    TOP,
    add_legend,
    add_title,
    last_date,
    new_figure,
    plain_text,
    style_time_axis,
)

#: Line styles of the scenarios' medians, so that medians that coincide stay told apart.
DASHES = ("solid", (0, (6, 2)), (0, (2, 1.5)), (0, (6, 2, 1.5, 2)))


def compare_chart(results: Sequence[Any]) -> Figure:
    """Several runs on one axis: each scenario's median strength and its 25-75 % band.

    Colours tell the scenarios apart (legend with their names). A band is drawn as its two
    edges, thin lines of its scenario's colour, and never filled, so overlapping bands never
    blend into a colour the legend does not name; medians are thick, later ones a little
    thinner and dashed, so that coinciding medians stay visible. Each distinct ceiling (step)
    and target is drawn once, over the medians, labelled with the scenarios it belongs to
    when they differ; the deadlines are those of the first scenario.
    """
    results = list(results)
    if not results:
        raise InputError("compare_chart needs at least one result")
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)

    handles: list = []
    upper = 0.0
    for i, result in enumerate(results):
        colour = COMPARE_PALETTE[i % len(COMPARE_PALETTE)]
        dash = DASHES[(i // len(COMPARE_PALETTE) + i) % len(DASHES)] if i else "solid"
        q = result.quantiles("total")
        for edge in ("p25", "p75"):
            ax.plot(result.dates, q[edge], color=colour, linewidth=0.9, alpha=0.9, zorder=3.5)
        line, = ax.plot(result.dates, q["p50"], color=colour, linewidth=max(1.6, 2.8 - 0.4 * i), linestyle=dash,
                        zorder=4 + 0.01 * i, label=result.scenario.name)
        handles.append(line)
        upper = max(upper, float(np.max(q["p75"])))
    ax.set_ylim(0, scale_top([r.scenario for r in results], upper))
    style_time_axis(ax, np.concatenate([r.dates for r in results]), show_labels=True)
    handles += ceiling_and_target(ax, [r.scenario for r in results], end=last_date(results))
    handles += deadline_lines(ax, results[0].scenario.deadlines(), labels=True)
    handles += history_marks(ax, results[0].scenario, labels=True)  # the first scenario's, as its deadlines
    handles.append(Line2D([], [], color="#333333", linewidth=2.4, label="median (thick line)"))
    handles.append(Line2D([], [], color="#333333", linewidth=0.9, label="25–75% of runs (thin lines)"))
    ax.set_ylabel(STRENGTH_LABEL, fontsize=LABEL_SIZE)
    add_legend(ax, handles, title="Scenario")
    counts = sorted({r.replications for r in results})
    runs = f"{counts[0]:,} replications each" if len(counts) == 1 else "replications: " + ", ".join(
        f"{r.scenario.name} {r.replications:,}" for r in results)
    add_title(fig, f"Scenarios compared — projected personnel ({runs})",
              "common random numbers: the differences come from the assumptions, not from sampling")
    add_footnote(fig, results)
    return plain_text(fig)

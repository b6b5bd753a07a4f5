"""Several runs on one axis: each scenario's median strength and 25-75 % band."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import InputError
from .annotations import add_footnote, ceiling_and_target, deadline_lines, highest_line
from .style import (
    BOTTOM,
    COMPARE_PALETTE,
    LABEL_SIZE,
    LEFT,
    RIGHT,
    TITLE_SIZE,
    TOP,
    add_legend,
    last_date,
    new_figure,
    nice_top,
    plain_text,
    style_time_axis,
    with_alpha,
)


def compare_chart(results: Sequence[Any]) -> Figure:
    """Several runs on one axis: each scenario's median strength and 25-75 % band.

    Colours tell the scenarios apart (legend with their names); where medians coincide, the
    later scenarios' lines are thinner so every one stays visible. Each distinct ceiling
    (step) and target is drawn once, labelled with the scenarios it belongs to when they
    differ; the deadlines are those of the first scenario.
    """
    results = list(results)
    if not results:
        raise InputError("compare_chart needs at least one result")
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)

    handles: list = []
    upper = 0.0
    all_dates = []
    for i, result in enumerate(results):
        colour = COMPARE_PALETTE[i % len(COMPARE_PALETTE)]
        q = result.quantiles("total")
        ax.fill_between(result.dates, q["p25"], q["p75"], color=colour, alpha=0.18, linewidth=0)
        # later scenarios a little thinner, so that where medians coincide each stays visible
        ax.plot(result.dates, q["p50"], color=colour, linewidth=max(1.4, 3.0 - 0.5 * i), zorder=4 + 0.01 * i)
        handles.append(Patch(facecolor=with_alpha(colour, 0.25), edgecolor=colour,
                             label=result.scenario.name))
        upper = max(upper, float(np.max(q["p75"])), highest_line(result.scenario))
        all_dates.append(result.dates)
    ax.set_ylim(0, nice_top(upper))

    handles += ceiling_and_target(ax, [r.scenario for r in results], end=last_date(results))
    handles += deadline_lines(ax, results[0].scenario.deadlines(), labels=True)
    handles.append(Line2D([], [], color="#333333", linewidth=2.0, label="median (line)"))
    handles.append(Patch(facecolor="#bbbbbb", label="25–75% of runs (band)"))
    style_time_axis(ax, np.concatenate(all_dates), show_labels=True)
    ax.set_ylabel("Personnel in Haiti (total)", fontsize=LABEL_SIZE)
    add_legend(ax, handles, title="Scenario")
    counts = sorted({r.replications for r in results})
    runs = f"{counts[0]:,} replications each" if len(counts) == 1 else "replications: " + ", ".join(
        f"{r.scenario.name} {r.replications:,}" for r in results)
    fig.suptitle(f"Scenarios compared — projected personnel ({runs})",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    add_footnote(fig, results)
    return plain_text(fig)

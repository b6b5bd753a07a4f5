"""Fan charts of one run: projected strength (with each contingent below) and the funding balance."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..errors import InputError
from ..text import percent_text
from .annotations import add_footnote, ceiling_and_target, deadline_lines, history_marks, scale_top
from .style import (
    BOTTOM,
    DEFICIT,
    FAN_INNER,
    FAN_OUTER,
    LABEL_SIZE,
    LEFT,
    MEAN,
    MEDIAN,
    PALETTE,
    RIGHT,
    STRENGTH_LABEL,
    TOP,
    add_legend,
    add_title,
    millions,
    new_figure,
    nice_top,
    plain_text,
    style_time_axis,
)

#: The funding band's edges, so that it reads as one band where it is thin.
BAND_EDGE = "#9ecae1"


def strength_chart(result: Any) -> Figure:
    """Fan chart of projected total strength, with each contingent's mean strength stacked below.

    Top panel: the 5-95 % band (light), the 25-75 % band (darker), the median (solid) and the
    mean (thin dashed) of total strength per day, the authorized ceiling and the target as
    labelled horizontal lines (a far target is named in the legend, not drawn), mandate
    deadlines as dashed verticals named above the panel. Bottom panel: each contingent's mean
    strength, stacked: means add up, so the top of the stack is the mean total (drawn dashed).
    """
    sc = result.scenario
    fig = new_figure()
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 2), hspace=0.08,
                            left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
    top = fig.add_subplot(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)

    handles = fan(top, result)
    top.set_ylim(0, scale_top([sc], float(np.max(result.quantiles("total")["p95"]))))
    style_time_axis(top, result.dates, show_labels=False)
    handles += ceiling_and_target(top, [sc])
    handles += deadline_lines(top, sc.deadlines(), labels=True)
    handles += history_marks(top, sc, labels=True)
    top.set_ylabel(STRENGTH_LABEL, fontsize=LABEL_SIZE)
    add_legend(top, handles, title="Total strength")

    countries, layers = composition(result)
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(countries))]
    if layers:
        bottom.stackplot(result.dates, *layers, colors=colours, alpha=0.85, linewidth=0.4, edgecolor="white")
    total = result.mean("total")
    bottom.plot(result.dates, total, color=MEAN, linewidth=1.0, linestyle=(0, (4, 3)))
    bottom.set_ylim(0, nice_top(float(np.max(total)) if len(total) else 0.0))
    deadline_lines(bottom, sc.deadlines(), labels=False)
    history_marks(bottom, sc, labels=False)
    style_time_axis(bottom, result.dates, show_labels=True)
    bottom.set_ylabel("By contingent\n(mean, stacked)", fontsize=LABEL_SIZE)
    # legend in the stacking order, top of the stack first
    country_handles = [Patch(facecolor=col, alpha=0.85, label=c) for c, col in zip(countries, colours)][::-1]
    country_handles.append(Line2D([], [], color=MEAN, linewidth=1.0, linestyle=(0, (4, 3)),
                                  label="mean total (stack top)"))
    add_legend(bottom, country_handles, title="Contingent (mean)")

    add_title(fig, f"{sc.name} — projected personnel ({result.replications:,} replications)",
              "below, each contingent's mean strength, stacked: it adds up to the mean total",
              overrides=sc.overrides)
    add_footnote(fig, [result])
    return plain_text(fig)


def composition(result: Any) -> tuple[list[str], list[np.ndarray]]:
    """The contingents and their mean daily strength: the layers of the stacked panel, which add up to the mean total."""
    countries = list(result.series[:-1])
    return countries, [np.asarray(result.mean(c), dtype=float) for c in countries]


def funding_chart(result: Any) -> Figure:
    """Fan chart of the mission's cash balance in US$ millions.

    The 5-95 % band (one band, its edges drawn, as end-of-day steps), the median and the mean
    balance per day, a zero line, mandate deadlines, and, only when some run goes into deficit,
    the deficit region (below zero) shaded and named with its probability. The band is opaque,
    so that it never blends with the shading into a colour the legend does not name. Raises
    InputError when the scenario has no ``[funding]`` table.
    """
    balance = result.balance_quantiles()
    if balance is None:
        raise InputError("scenario has no [funding] table")
    sc = result.scenario
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
    dates = result.dates
    m = {k: np.asarray(v, dtype=float) / 1e6 for k, v in balance.items()}

    band = ax.fill_between(dates, m["p5"], m["p95"], step="post", facecolor=FAN_OUTER, edgecolor=BAND_EDGE,
                           linewidth=0.8, zorder=1, label="5–95% of runs")
    median, = ax.step(dates, m["p50"], where="post", color=MEDIAN, linewidth=2.2, zorder=3, label="median")
    mean, = ax.step(dates, m["mean"], where="post", color=MEAN, linewidth=1.0, linestyle=(0, (4, 3)), zorder=3,
                    label="mean")

    low = min(float(np.min(m["p5"])), 0.0)
    high = max(float(np.max(m["p95"])), 0.0)
    span = max(high - low, 1.0)
    bottom_limit = min(low - 0.05 * span, -0.04 * span)
    ax.set_ylim(bottom_limit, high + 0.08 * span)
    zero = ax.axhline(0, color="#444444", linewidth=1.0, zorder=2, label="zero balance")
    handles = [band, median, mean, zero]
    p_deficit = float(result.summary()["funding"]["p_deficit"])
    if p_deficit > 0:
        deficit = ax.axhspan(bottom_limit, 0, color=DEFICIT, linewidth=0, zorder=0,
                             label=f"deficit: {percent_text(p_deficit, 0, bounded=True)} of runs")
        handles.append(deficit)
    style_time_axis(ax, dates, show_labels=True)
    handles += deadline_lines(ax, sc.deadlines(), labels=True)
    handles += history_marks(ax, sc, labels=True)
    ax.yaxis.set_major_formatter(FuncFormatter(millions))
    ax.set_ylabel("Cash balance (US$ millions)", fontsize=LABEL_SIZE)
    add_legend(ax, handles, title="Balance")
    add_title(fig, f"{sc.name} — projected funding balance ({result.replications:,} replications)",
              "nobody leaves home while the balance is below zero", overrides=sc.overrides)
    add_footnote(fig, [result])
    return plain_text(fig)


def fan(ax: Axes, result: Any) -> list:
    """The total-strength fan (bands, median, mean) on ``ax``; returns legend handles."""
    q = result.quantiles("total")
    dates = result.dates
    outer = ax.fill_between(dates, q["p5"], q["p95"], color=FAN_OUTER, linewidth=0, label="5–95% of runs")
    inner = ax.fill_between(dates, q["p25"], q["p75"], color=FAN_INNER, alpha=0.75, linewidth=0,
                            label="25–75% of runs")
    median, = ax.plot(dates, q["p50"], color=MEDIAN, linewidth=2.2, label="median")
    mean, = ax.plot(dates, result.mean("total"), color=MEAN, linewidth=1.0, linestyle=(0, (4, 3)),
                    label="mean")
    return [outer, inner, median, mean]

"""Fan charts of one run: projected strength (with each contingent below) and the funding balance."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..errors import InputError
from .annotations import add_footnote, ceiling_and_target, deadline_lines, highest_line
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
    TITLE_SIZE,
    TOP,
    add_legend,
    millions,
    new_figure,
    nice_top,
    plain_text,
    style_time_axis,
)


def strength_chart(result: Any) -> Figure:
    """Fan chart of projected total strength, with the per-contingent medians below.

    Top panel: the 5-95 % band (light), the 25-75 % band (darker), the median (solid) and the
    mean (thin dashed) of total strength per day, the authorized ceiling and the target as
    labelled horizontal lines, mandate deadlines as labelled vertical dashed lines.
    Bottom panel: each contingent's median strength, stacked (the sum of the medians need
    not equal the median of the total).
    """
    sc = result.scenario
    fig = new_figure()
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 2), hspace=0.08,
                            left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
    top = fig.add_subplot(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)

    handles = fan(top, result)
    upper = max(float(np.max(result.quantiles("total")["p95"])), highest_line(sc))
    top.set_ylim(0, nice_top(upper))
    handles += ceiling_and_target(top, [sc])
    handles += deadline_lines(top, sc.deadlines(), labels=True)
    style_time_axis(top, result.dates, show_labels=False)
    top.set_ylabel("Personnel in Haiti (total)", fontsize=LABEL_SIZE)
    add_legend(top, handles, title="Total strength")

    countries = list(result.series[:-1])
    medians = [result.quantiles(c)["p50"] for c in countries]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(countries))]
    bottom.stackplot(result.dates, *medians, colors=colours, alpha=0.85, linewidth=0.4,
                     edgecolor="white")
    stacked = np.sum(medians, axis=0) if medians else np.zeros(len(result.dates))
    bottom.set_ylim(0, nice_top(max(float(np.max(stacked)) if len(stacked) else 0.0, 1.0)))
    deadline_lines(bottom, sc.deadlines(), labels=False)
    style_time_axis(bottom, result.dates, show_labels=True)
    bottom.set_ylabel("By contingent\n(median, stacked)", fontsize=LABEL_SIZE)
    # legend in the stacking order, top of the stack first
    country_handles = [Patch(facecolor=col, alpha=0.85, label=c) for c, col in zip(countries, colours)]
    add_legend(bottom, country_handles[::-1], title="Contingent median")

    fig.suptitle(f"{sc.name} — projected personnel ({result.replications:,} replications)",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    add_footnote(fig, [result])
    return plain_text(fig)

def funding_chart(result: Any) -> Figure:
    """Fan chart of the mission's cash balance in US$ millions.

    The 5-95 % band, the median and the mean balance per day, a zero line with the deficit
    region (below zero) shaded light red, and mandate deadlines. Raises InputError when the
    scenario has no ``[funding]`` table.
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

    band = ax.fill_between(dates, m["p5"], m["p95"], color=FAN_OUTER, linewidth=0,
                           label="5–95% of runs")
    median, = ax.plot(dates, m["p50"], color=MEDIAN, linewidth=2.2, label="median")
    mean, = ax.plot(dates, m["mean"], color=MEAN, linewidth=1.0, linestyle=(0, (4, 3)), label="mean")

    low = min(float(np.min(m["p5"])), 0.0)
    high = max(float(np.max(m["p95"])), 0.0)
    span = max(high - low, 1.0)
    # always show a strip below zero, so the deficit region is visible even if never reached
    bottom_limit = min(low - 0.05 * span, -0.06 * span)
    top_limit = high + 0.08 * span
    ax.set_ylim(bottom_limit, top_limit)
    deficit = ax.axhspan(bottom_limit, 0, color=DEFICIT, linewidth=0, zorder=0,
                         label="deficit (below zero)")
    zero = ax.axhline(0, color="#444444", linewidth=1.0, zorder=1.5, label="zero balance")
    handles = [band, median, mean, zero, deficit] + deadline_lines(ax, sc.deadlines(), labels=True)

    style_time_axis(ax, dates, show_labels=True)
    ax.yaxis.set_major_formatter(FuncFormatter(millions))
    ax.set_ylabel("Cash balance (US$ millions)", fontsize=LABEL_SIZE)
    add_legend(ax, handles, title="Balance")
    fig.suptitle(f"{sc.name} — projected funding balance ({result.replications:,} replications)",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
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

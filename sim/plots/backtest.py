"""The fan chart with reported figures overlaid, as ``sim backtest`` draws it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .annotations import (
    add_footnote,
    ceiling_and_target,
    deadline_lines,
    highest_line,
    observed_points,
)
from .fan import fan
from .style import (
    BOTTOM,
    COUNTRY_LINES,
    LABEL_SIZE,
    LEFT,
    OBSERVED,
    RIGHT,
    TITLE_SIZE,
    TOP,
    add_legend,
    as_date,
    new_figure,
    nice_top,
    plain_text,
    style_time_axis,
    with_alpha,
)


def backtest_chart(result: Any, observations: Sequence[tuple]) -> Figure:
    """The total-strength fan chart with observed figures from the articles overlaid.

    ``observations`` are ``(datetime.date, series, value, source)``. Observations of "total"
    are plotted on the total fan (top panel); observations of a country are plotted, with
    that country's median and 5-95 % band, in a second panel (shown only if there are any).
    Each point is labelled with its value and the article number it comes from.
    """
    sc = result.scenario
    observations = [tuple(o) for o in observations]
    start, end = as_date(result.dates[0]), as_date(result.dates[-1])
    stop = end + dt.timedelta(days=1)
    shown = [o for o in observations if start <= as_date(o[0]) <= end and o[1] in result.series]
    hidden = len(observations) - len(shown)
    total_obs = [o for o in shown if o[1] == "total"]
    countries = [c for c in result.series[:-1] if any(o[1] == c for o in shown)]

    fig = new_figure()
    if countries:
        grid = fig.add_gridspec(2, 1, height_ratios=(3, 2), hspace=0.08,
                                left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
        top = fig.add_subplot(grid[0])
        bottom = fig.add_subplot(grid[1], sharex=top)
    else:
        top = fig.add_subplot(1, 1, 1)
        fig.subplots_adjust(left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
        bottom = None

    handles = fan(top, result)
    upper = max(float(np.max(result.quantiles("total")["p95"])), highest_line(sc),
                max((float(o[2]) for o in total_obs), default=0.0))
    top.set_ylim(0, nice_top(upper))
    handles += ceiling_and_target(top, [sc])
    handles += deadline_lines(top, sc.deadlines(), labels=True)
    if total_obs:
        handles.append(observed_points(top, total_obs, start, stop, label="observed (article)"))
    style_time_axis(top, result.dates, show_labels=bottom is None)
    top.set_ylabel("Personnel in Haiti (total)", fontsize=LABEL_SIZE)
    add_legend(top, handles, title="Total strength")

    if bottom is not None:
        country_handles = []
        upper = 1.0
        for i, country in enumerate(countries):
            colour = COUNTRY_LINES[i % len(COUNTRY_LINES)]
            q = result.quantiles(country)
            bottom.fill_between(result.dates, q["p5"], q["p95"], color=colour, alpha=0.16, linewidth=0)
            bottom.plot(result.dates, q["p50"], color=colour, linewidth=1.8)
            points = [o for o in shown if o[1] == country]
            several = len(countries) > 1
            observed_points(bottom, points, start, stop, edge=colour if several else "white",
                      prefix=f"{country} " if several else "")
            country_handles.append(Patch(facecolor=with_alpha(colour, 0.2), edgecolor=colour,
                                         label=f"{country} (median, 5–95%)"))
            upper = max(upper, float(np.max(q["p95"])), max(float(o[2]) for o in points))
        country_handles.append(Line2D([], [], marker="D", color=OBSERVED, linestyle="none", markersize=7,
                                      markeredgecolor="white", label="observed (article)"))
        bottom.set_ylim(0, nice_top(upper))
        deadline_lines(bottom, sc.deadlines(), labels=False)
        style_time_axis(bottom, result.dates, show_labels=True)
        bottom.set_ylabel("By contingent", fontsize=LABEL_SIZE)
        add_legend(bottom, country_handles, title="Contingent")

    fig.suptitle(f"{sc.name} — projected personnel against reported figures "
                 f"({result.replications:,} replications)",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    extra = [str(o[3]) for o in observations if o[3]]
    note = f"{hidden} observation(s) outside the run or of unknown series not shown." if hidden else ""
    add_footnote(fig, [result], extra_sources=extra, extra_note=note)
    return plain_text(fig)

"""The fan chart with reported figures overlaid, as ``sim backtest`` draws it."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .annotations import add_footnote, ceiling_and_target, deadline_lines, history_marks, scale_top
from .fan import fan
from .observed import kind_of, observed_points, scores_box
from .style import (
    BOTTOM,
    COUNTRY_LINES,
    LABEL_SIZE,
    LEFT,
    OBSERVED,
    RIGHT,
    STRENGTH_LABEL,
    TOP,
    add_legend,
    add_title,
    as_date,
    new_figure,
    nice_top,
    plain_text,
    style_time_axis,
    with_alpha,
)


def backtest_chart(result: Any, observations: Sequence[tuple], scores: dict | None = None) -> Figure:
    """The total-strength fan chart with observed figures from the articles overlaid, and the scores.

    ``observations`` are ``(datetime.date, series, value, source)`` (with a ``kind`` and a ``quantity``
    when they are :class:`~sim.analysis.observations.Observation`). Observations of "total"
    are plotted on the total fan (top panel); observations of a country are plotted, with
    that country's median and 5-95 % band, in a second panel (shown only if there are any).
    Cumulative arrivals are scored but not drawn (the footnote counts them).
    Each point is labelled with its value, its date and its article's short name; the labels
    are spread across the top of the panel. ``scores`` (``coverage_50``, ``coverage_90``,
    ``mae_median``, ``crps_mean``, as :func:`sim.backtest` gives them) are shown under the legend.
    """
    sc = result.scenario
    name = sc.facts.source_name
    observations = list(observations)
    start, end = as_date(result.dates[0]), as_date(result.dates[-1])
    arrived = [o for o in observations if getattr(o, "quantity", "strength") == "arrived"]
    shown = [o for o in observations if start <= as_date(o[0]) <= end and o[1] in result.series
             and getattr(o, "quantity", "strength") == "strength"]
    hidden = len(observations) - len(shown) - len(arrived)
    kinds = {kind_of(o)[0] for o in shown}
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
    style_time_axis(top, result.dates, show_labels=bottom is None)
    upper = scale_top([sc], max([float(np.max(result.quantiles("total")["p95"]))] + [_top(o) for o in total_obs]))
    points, free = observed_points(top, total_obs, name, label="reported figure (article)")
    top.set_ylim(0, upper / (1 - free))
    handles += ceiling_and_target(top, [sc])
    handles += deadline_lines(top, sc.deadlines(), labels=True)
    handles += history_marks(top, sc, labels=True)
    if total_obs:
        handles.append(points)
    top.set_ylabel(STRENGTH_LABEL, fontsize=LABEL_SIZE)
    add_legend(top, handles, title="Total strength")
    scores_box(top, scores, len(shown) + len(arrived))

    if bottom is not None:
        country_handles = []
        upper = 1.0
        style_time_axis(bottom, result.dates, show_labels=True)
        several = len(countries) > 1
        for i, country in enumerate(countries):
            colour = COUNTRY_LINES[i % len(COUNTRY_LINES)]
            q = result.quantiles(country)
            bottom.fill_between(result.dates, q["p5"], q["p95"], color=colour, alpha=0.16, linewidth=0)
            bottom.plot(result.dates, q["p50"], color=colour, linewidth=1.8)
            country_handles.append(Patch(facecolor=with_alpha(colour, 0.2), edgecolor=colour,
                                         label=f"{country} (median, 5–95%)"))
            upper = max([upper, float(np.max(q["p95"]))] + [_top(o) for o in shown if o[1] == country])
        points = [o for o in shown if o[1] in countries]
        _, free = observed_points(bottom, points, name, with_series=several)  # several: the country leads each label
        bottom.set_ylim(0, nice_top(upper) / (1 - free))
        country_handles.append(Line2D([], [], marker="D", color=OBSERVED, linestyle="none", markersize=7,
                                      markeredgecolor="white", label="reported figure (article)"))
        deadline_lines(bottom, sc.deadlines(), labels=False)
        history_marks(bottom, sc, labels=False)
        bottom.set_ylabel("By contingent", fontsize=LABEL_SIZE)
        add_legend(bottom, country_handles, title="Contingent")

    add_title(fig, f"{sc.name} — projected personnel against reported figures ({result.replications:,} replications)",
              ("each diamond is a figure an article reported; the fan is what the scenario projects"
               if kinds <= {"exact"} else "each marker is a figure an article reported (a bar: an approximate figure; "
               "▲ at least, ▼ at most); the fan is what the scenario projects"),
              overrides=sc.overrides)
    extra = [str(o[3]) for o in observations if o[3]]
    note = f"{hidden} observation(s) outside the run or of unknown series not shown." if hidden else ""
    if arrived:
        note = (note + " " if note else "") + (f"{len(arrived)} figure(s) of cumulative arrivals scored (backtest.csv), "
                                               f"not drawn: the chart shows strength.")
    add_footnote(fig, [result], extra_sources=extra, extra_note=note)
    return plain_text(fig)


def _top(observation) -> float:
    """The highest value an observed figure marks on the chart (the top of an approximate figure's bar)."""
    kind, error = kind_of(observation)
    return float(observation[2]) * (1 + error) if kind == "approx" else float(observation[2])

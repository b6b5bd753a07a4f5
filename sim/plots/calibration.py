"""The chart of ``sim calibrate``: the posterior predictive fan with the reported figures (those fitted apart from
those after the cutoff), and the prior and posterior of each fitted key."""

from __future__ import annotations

import datetime as dt
from typing import Any, Sequence

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..text import plural
from .annotations import add_footnote, ceiling_and_target, deadline_lines, scale_top
from .fan import fan
from .style import (
    AS_OF, BOTTOM, COUNTRY_LINES, FAN_INNER, LABEL_SIZE, LEFT, MEDIAN, NOTE_SIZE, OBSERVED, RIGHT, STRENGTH_LABEL,
    TICK_SIZE, TOP, add_legend, add_title, as_date, day_month, new_figure, plain_text, style_time_axis,
)

#: The most keys given a panel of their own (the others are named in the footnote).
PANELS = 4


def calibration_chart(result: Any, used: Sequence[tuple], later: Sequence[tuple], until: dt.date | None,
                      keys: Sequence[dict], simulated: int, particles: int, arrived: Sequence[tuple] = ()) -> Figure:
    """The predictive fan of total strength, each observed contingent's median and 5-95% band, the figures fitted
    (filled diamonds) and those after ``until`` (open diamonds, not fitted), ``until`` as a vertical line, and
    the figures of cumulative arrivals (``arrived``: counted and credited in the footnote, not drawn); below,
    each key's prior density (grey) against its posterior (a weighted histogram). ``used`` and ``later`` are
    ``(date, series, value, source)``; ``keys`` are ``{"key", "prior", "grid", "density", "values", "weights"}``."""
    sc = result.scenario
    fig = new_figure()
    shown = list(keys)[:PANELS]
    grid = fig.add_gridspec(2, max(len(shown), 1), height_ratios=(2.2, 1), hspace=0.42, wspace=0.3,
                            left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM + 0.02)
    top = fig.add_subplot(grid[0, :])
    handles = fan(top, result)
    everything = list(used) + list(later)
    countries = [c for c in result.series[:-1] if any(o[1] == c for o in everything)]
    highest = float(np.max(result.quantiles("total")["p95"]))
    for i, country in enumerate(countries):
        colour = COUNTRY_LINES[i % len(COUNTRY_LINES)]
        q = result.quantiles(country)
        top.plot(result.dates, q["p50"], color=colour, linewidth=1.4)
        top.plot(result.dates, q["p5"], color=colour, linewidth=0.7, linestyle=(0, (2, 2)))
        top.plot(result.dates, q["p95"], color=colour, linewidth=0.7, linestyle=(0, (2, 2)))
        handles.append(Line2D([], [], color=colour, linewidth=1.4, label=f"{country}: median, 5–95%"))
    for observations, filled, label in ((used, True, "reported, fitted"), (later, False, "reported after the cutoff")):
        if observations:
            xs = [as_date(o[0]) for o in observations]
            ys = [float(o[2]) for o in observations]
            top.scatter(xs, ys, s=55, marker="D", zorder=6, linewidth=1.3, clip_on=False,
                        color=OBSERVED if filled else "white", edgecolor=OBSERVED)
            handles.append(Line2D([], [], marker="D", linestyle="none", markersize=7, markeredgecolor=OBSERVED,
                                  color=OBSERVED if filled else "white", label=label))
            highest = max(highest, max(ys))
    top.set_ylim(0, scale_top([sc], highest))
    style_time_axis(top, result.dates, show_labels=True)
    handles += ceiling_and_target(top, [sc])
    handles += deadline_lines(top, sc.deadlines(), labels=True)
    if until is not None:
        top.axvline(mdates.date2num(until), color=AS_OF, linewidth=1.3, zorder=2.6)
        handles.append(Line2D([], [], color=AS_OF, linewidth=1.3, label=f"fitted up to {day_month(until)}"))
    top.set_ylabel(STRENGTH_LABEL, fontsize=LABEL_SIZE)
    add_legend(top, handles, title="Posterior predictive")
    for k, item in enumerate(shown):
        ax = fig.add_subplot(grid[1, k])
        ax.plot(item["grid"], item["density"], color="#777777", linewidth=1.4)
        ax.hist(item["values"], bins=30, weights=item["weights"], density=True, color=FAN_INNER, alpha=0.8,
                edgecolor=MEDIAN, linewidth=0.4)
        ax.set_title(_short(item["key"]), fontsize=NOTE_SIZE + 0.5, loc="left")
        ax.tick_params(labelsize=TICK_SIZE - 2)
        ax.set_yticks([])
    if shown:
        fig.axes[-1].legend(handles=[Line2D([], [], color="#777777", linewidth=1.4, label="prior"),
                                     Line2D([], [], color=FAN_INNER, linewidth=6, label="posterior")],
                            loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=NOTE_SIZE, frameon=False)
    more = f" Keys not drawn: {', '.join(item['key'] for item in keys[PANELS:])}." if len(keys) > PANELS else ""
    if arrived:
        more += f" {plural(len(arrived), 'figure')} of cumulative arrivals (arrived:COUNTRY) not drawn (calibration.json)."
    add_title(fig, f"{sc.name} — posterior predictive ({result.replications:,} replications)",
              f"fitted by ABC-SMC: {plural(particles, 'particle')} a generation, "
              f"{simulated:,} replications simulated; below, each key's prior and posterior", overrides=sc.overrides)
    sources = [str(o[3]) for o in [*everything, *arrived] if o[3]]
    add_footnote(fig, [result], extra_sources=sources, extra_note=more.strip())
    return plain_text(fig)


def _short(key: str) -> str:
    """A key cut to fit a small panel's title, its end kept."""
    return key if len(key) <= 34 else "…" + key[-33:]

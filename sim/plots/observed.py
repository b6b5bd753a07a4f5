"""Reported figures on a fan chart: diamonds (triangles for bounds, bars for approximate figures), labels spread
across the top of the panel, and the scores box."""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

import matplotlib.dates as mdates
from matplotlib.axes import Axes

from ..text import count_text, figure_text, percent_text, plural
from .annotations import text_days
from .style import LEGEND_SIZE, LEGEND_X, OBSERVED, as_date, day_month

#: Labels of reported figures: the size of their text, the height of a row of them (pixels), how many rows at most.
LABEL_SIZE = 8.5
ROW_PX = 31
MAX_ROWS = 3
#: The most observed points labelled in a panel: thousands of labels would take minutes to draw and hide the chart.
LABELLED = 60
#: The marker of a bound: "at least" points up, "at most" down.
BOUND_MARKERS = {"at_least": "^", "at_most": "v"}


def kind_of(observation) -> tuple[str, float | None]:
    """``(kind, relative_error)`` of an observation (a plain tuple is an exact figure)."""
    return getattr(observation, "kind", "exact"), getattr(observation, "relative_error", None)


def observed_points(ax: Axes, observations: Sequence[tuple], name: Callable[[str], str], label: str | None = None,
                    with_series: bool = False) -> tuple[Any, float]:
    """Observed figures as diamonds, each labelled with its value, date and article (by its short name), when
    there are at most LABELLED of them. A bound (``at_least``, ``at_most``) is a triangle pointing where the truth
    lies, an approximate figure a diamond with a bar over the values it allows; their labels say so (``≥``, ``≤``,
    ``≈ ±``).

    The labels sit in a row at the top of the panel (more rows only when the axis is full), each
    as near above its point as the labels before it allow, spread along the whole axis if need be
    and joined to its point by a thin line, so that figures reported on nearby dates never overlap. Call after the x limits are set.
    Returns the points (a legend handle) and the share of the panel's height the labels take at
    its top: keep the data below it.
    """
    observations = sorted(observations, key=lambda o: (as_date(o[0]), float(o[2])))
    xs = [as_date(o[0]) for o in observations]
    ys = [float(o[2]) for o in observations]
    kinds = [kind_of(o) for o in observations]
    plain = [k for k, (kind, _) in enumerate(kinds) if kind not in BOUND_MARKERS]
    points = ax.scatter([xs[k] for k in plain], [ys[k] for k in plain], s=60, marker="D", color=OBSERVED,
                        edgecolor="white", linewidth=1.0, zorder=6, label=label, clip_on=False)
    for kind, marker in BOUND_MARKERS.items():
        bound = [k for k, (other, _) in enumerate(kinds) if other == kind]
        if bound:
            ax.scatter([xs[k] for k in bound], [ys[k] for k in bound], s=80, marker=marker, color=OBSERVED,
                       edgecolor="white", linewidth=1.0, zorder=6, clip_on=False)
    for x, v, (kind, error) in zip(xs, ys, kinds):
        if kind == "approx":
            ax.plot([x, x], [v * (1 - error), v * (1 + error)], color=OBSERVED, linewidth=2.0, zorder=5,
                    solid_capstyle="butt")
    if not observations or len(observations) > LABELLED:
        return points, 0.0
    low, high = (mdates.num2date(x).date() for x in ax.get_xlim())
    start, stop = mdates.date2num(low), mdates.date2num(high)
    gap = 0.01 * (stop - start)
    ends: list[float] = []  # per row, where its last label ends
    height = ax.get_position().height * ax.figure.get_figheight() * ax.figure.dpi  # the panel's height in pixels
    for k, (o, x, v) in enumerate(zip(observations, xs, ys)):
        text = f"{o[1] + ' ' if with_series else ''}{figure_text(count_text(v), *kinds[k])} on {day_month(x)}\n"
        text += name(str(o[3])) if o[3] else "no source given"
        width = text_days(text, low, high, LABEL_SIZE, pad=8)
        wanted = min(max(mdates.date2num(x) - width / 2, start), stop - width)
        places = [max(wanted, end + gap) for end in ends]
        if len(ends) < MAX_ROWS:
            places.append(wanted)
        row = next((k for k, place in enumerate(places) if place + width <= stop), len(places) - 1)
        left = min(places[row], stop - width)
        if row == len(ends):
            ends.append(left + width)
        else:
            ends[row] = left + width
        ax.annotate(text, xy=(mdates.date2num(x), v), xycoords="data",
                    xytext=(left + width / 2, 1 - (3 + ROW_PX * row) / height), textcoords=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=LABEL_SIZE, color="#7a3500", linespacing=1.15, zorder=7,
                    bbox=dict(facecolor="white", edgecolor="#e0c2a8", alpha=0.92, pad=1.5, linewidth=0.6),
                    arrowprops=dict(arrowstyle="-", color="#7a3500", linewidth=0.7, shrinkA=0, shrinkB=4),
                    gid=f"observation-label-{re.sub(r'[^A-Za-z0-9]+', '_', str(o[1]))}-{k}")
    return points, (6 + ROW_PX * len(ends)) / height


def scores_box(ax: Axes, scores: dict[str, Any] | None, count: int) -> None:
    """The backtest's scores (band coverage, mean absolute error, mean CRPS) under the legend of ``ax``."""
    if not scores or not count:
        return
    lines = [f"Scores ({plural(count, 'observation')})",
             f"inside the 50% band: {percent_text(scores['coverage_50'], 0)}",
             f"inside the 90% band: {percent_text(scores['coverage_90'], 0)}",
             f"mean |error| {count_text(scores['mae_median'])}, CRPS {count_text(scores['crps_mean'], 1)}"]
    ax.text(LEGEND_X + 0.01, 0.02, "\n".join(lines), transform=ax.transAxes, ha="left", va="bottom",
            fontsize=LEGEND_SIZE, color="#222222", linespacing=1.35, gid="scores",
            bbox=dict(facecolor="#f4f6f8", edgecolor="#d0d4d8", pad=5))

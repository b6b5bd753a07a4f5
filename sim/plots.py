"""Charts of a run: strength and funding fan charts, scenario comparisons, sweeps, backtests.

Every function returns a :class:`matplotlib.figure.Figure` of 1200 x 700 pixels built with
matplotlib's object-oriented API only: this module never imports ``pyplot`` and never
changes ``matplotlib.rcParams`` (every size and colour is given to the artist that uses
it), so importing it or drawing a chart leaves the process's matplotlib settings alone and
needs no GUI backend. :func:`save_figure` writes PNG (exactly 1200 x 700) or SVG
(reproducible: no date, fixed ids).

The common elements of the time charts:

* the x axis is by month (a tick every 1, 2, 3 or 6 months depending on the span);
* mandate deadlines (``Scenario.deadlines()``) are vertical dashed lines labelled with the
  mandate's name near the top of the axes;
* the authorized ceiling is a labelled horizontal line, drawn as a step where a mandate's
  ``authorized_after`` changes it at its expiry, and the target a second labelled line;
* legends sit outside the axes, to the right, so that they never cover data;
* a small grey footnote names the article files behind the scenario's facts, the seed, the
  scenario hash and the mss-sim version.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any, Iterable, Sequence

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

__all__ = [
    "strength_chart",
    "funding_chart",
    "compare_chart",
    "sweep_chart",
    "backtest_chart",
    "save_figure",
]

FIGSIZE = (12, 7)  # inches; at DPI this is 1200 x 700 pixels
DPI = 100

# Figure margins (fractions of the figure): room for the title at the top, the footnote at
# the bottom and the legends on the right.
LEFT, RIGHT, TOP, BOTTOM = 0.075, 0.785, 0.905, 0.125
LEGEND_X = 1.015  # legend anchor, in axes coordinates (just right of the axes)

TITLE_SIZE = 15
LABEL_SIZE = 11
TICK_SIZE = 10
LEGEND_SIZE = 9.5
NOTE_SIZE = 8.5
DEADLINE_SIZE = 8.5

# Colours (a blue fan, a red ceiling, a dark grey target, grey deadlines)
FAN_OUTER = "#c6dbef"
FAN_INNER = "#6baed6"
MEDIAN = "#08519c"
MEAN = "#08306b"
CEILING = "#b2182b"
TARGET = "#4d4d4d"
DEADLINE = "#666666"
NOTE = "#666666"
GRID = "#e5e5e5"
DEFICIT = "#fbe3e3"
OBSERVED = "#d95f02"
TARGET_STYLE = (0, (6, 2, 1, 2))  # dash-dot
LABEL_Z = 1.9  # line labels: over the bands (zorder 1), under every line (2 and up)
LABEL_BOX = dict(facecolor="white", edgecolor="none", alpha=0.75, pad=1.0)
# Contingents in the stacked panel (ColorBrewer Dark2, then Paired)
PALETTE = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
    "#1f78b4", "#b15928", "#6a3d9a", "#33a02c", "#fb9a99", "#999999", "#17becf",
)
# Lines of scenarios (compare) and of contingents (backtest; no orange, the observed points'
# colour); no red in either: red is the ceiling
COUNTRY_LINES = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
COMPARE_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


# --------------------------------------------------------------------------- public charts


def strength_chart(result: Any) -> Figure:
    """Fan chart of projected total strength, with the per-contingent medians below.

    Top panel: the 5-95 % band (light), the 25-75 % band (darker), the median (solid) and the
    mean (thin dashed) of total strength per day, the authorized ceiling and the target as
    labelled horizontal lines, mandate deadlines as labelled vertical dashed lines.
    Bottom panel: each contingent's median strength, stacked (the sum of the medians need
    not equal the median of the total).
    """
    sc = result.scenario
    fig = _figure()
    grid = fig.add_gridspec(2, 1, height_ratios=(3, 2), hspace=0.08,
                            left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
    top = fig.add_subplot(grid[0])
    bottom = fig.add_subplot(grid[1], sharex=top)

    handles = _fan(top, result)
    upper = max(float(np.max(result.quantiles("total")["p95"])), _highest_line(sc))
    top.set_ylim(0, _nice_top(upper))
    handles += _ceiling_and_target(top, [sc])
    handles += _deadlines(top, sc.deadlines(), labels=True)
    _style_time_axis(top, result.dates, show_labels=False)
    top.set_ylabel("Personnel in Haiti (total)", fontsize=LABEL_SIZE)
    _legend(top, handles, title="Total strength")

    countries = list(result.series[:-1])
    medians = [result.quantiles(c)["p50"] for c in countries]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(countries))]
    bottom.stackplot(result.dates, *medians, colors=colours, alpha=0.85, linewidth=0.4,
                     edgecolor="white")
    stacked = np.sum(medians, axis=0) if medians else np.zeros(len(result.dates))
    bottom.set_ylim(0, _nice_top(max(float(np.max(stacked)) if len(stacked) else 0.0, 1.0)))
    _deadlines(bottom, sc.deadlines(), labels=False)
    _style_time_axis(bottom, result.dates, show_labels=True)
    bottom.set_ylabel("By contingent\n(median, stacked)", fontsize=LABEL_SIZE)
    # legend in the stacking order, top of the stack first
    country_handles = [Patch(facecolor=col, alpha=0.85, label=c) for c, col in zip(countries, colours)]
    _legend(bottom, country_handles[::-1], title="Contingent median")

    fig.suptitle(f"{sc.name} — projected personnel ({result.replications:,} replications)",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    _footnote(fig, [result])
    return fig


def funding_chart(result: Any) -> Figure:
    """Fan chart of the mission's cash balance in US$ millions.

    The 5-95 % band, the median and the mean balance per day, a zero line with the deficit
    region (below zero) shaded light red, and mandate deadlines. Raises ValueError when the
    scenario has no ``[funding]`` table.
    """
    balance = result.balance_quantiles()
    if balance is None:
        raise ValueError("scenario has no [funding] table")
    sc = result.scenario
    fig = _figure()
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
    handles = [band, median, mean, zero, deficit] + _deadlines(ax, sc.deadlines(), labels=True)

    _style_time_axis(ax, dates, show_labels=True)
    ax.yaxis.set_major_formatter(FuncFormatter(_millions))
    ax.set_ylabel("Cash balance (US$ millions)", fontsize=LABEL_SIZE)
    _legend(ax, handles, title="Balance")
    fig.suptitle(f"{sc.name} — projected funding balance ({result.replications:,} replications)",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    _footnote(fig, [result])
    return fig


def compare_chart(results: Sequence[Any]) -> Figure:
    """Several runs on one axis: each scenario's median strength and 25-75 % band.

    Colours tell the scenarios apart (legend with their names); where medians coincide, the
    later scenarios' lines are thinner so every one stays visible. Each distinct ceiling
    (step) and target is drawn once, labelled with the scenarios it belongs to when they
    differ; the deadlines are those of the first scenario.
    """
    results = list(results)
    if not results:
        raise ValueError("compare_chart needs at least one result")
    fig = _figure()
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
        handles.append(Patch(facecolor=_with_alpha(colour, 0.25), edgecolor=colour,
                             label=result.scenario.name))
        upper = max(upper, float(np.max(q["p75"])), _highest_line(result.scenario))
        all_dates.append(result.dates)
    ax.set_ylim(0, _nice_top(upper))

    handles += _ceiling_and_target(ax, [r.scenario for r in results], end=_last_date(results))
    handles += _deadlines(ax, results[0].scenario.deadlines(), labels=True)
    handles.append(Line2D([], [], color="#333333", linewidth=2.0, label="median (line)"))
    handles.append(Patch(facecolor="#bbbbbb", label="25–75% of runs (band)"))
    _style_time_axis(ax, np.concatenate(all_dates), show_labels=True)
    ax.set_ylabel("Personnel in Haiti (total)", fontsize=LABEL_SIZE)
    _legend(ax, handles, title="Scenario")
    counts = sorted({r.replications for r in results})
    runs = f"{counts[0]:,} replications each" if len(counts) == 1 else "replications: " + ", ".join(
        f"{r.scenario.name} {r.replications:,}" for r in results)
    fig.suptitle(f"Scenarios compared — projected personnel ({runs})",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    _footnote(fig, results)
    return fig


def sweep_chart(rows: Sequence[dict], x: str, y: str, by: str | None = None, title: str = "") -> Figure:
    """``y`` against ``x`` over a parameter sweep, one line (with markers) per value of ``by``.

    ``rows`` are dicts with numeric values, one per sweep point (a None ``x`` or ``y`` is
    skipped). When every ``y`` lies in [0, 1] the y axis runs from 0 to 1 and is labelled in
    percent; otherwise it has thousands separators and starts at 0 if no value is negative.
    """
    rows = list(rows)
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=LEFT, right=RIGHT if by else 0.96, top=TOP, bottom=0.1)

    groups: dict[Any, list[tuple[float, float]]] = {}
    for row in rows:
        if x not in row or y not in row:
            raise KeyError(f"sweep row has no {x!r} or {y!r}: {sorted(row)}")
        if row[x] is None or row[y] is None:  # e.g. a date never reached: no point
            continue
        key = row.get(by) if by else None
        groups.setdefault(key, []).append((float(row[x]), float(row[y])))
    ys = [v for points in groups.values() for _, v in points]
    fraction = bool(ys) and all(0.0 <= v <= 1.0 for v in ys)

    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    handles = []
    for i, key in enumerate(_sorted_keys(groups)):
        points = sorted(groups[key])
        xs = [p[0] for p in points]
        vs = [p[1] for p in points]
        colour = COMPARE_PALETTE[i % len(COMPARE_PALETTE)] if by else MEDIAN
        label = _format_key(key) if by else y
        line, = ax.plot(xs, vs, color=colour, linewidth=2.0, marker=markers[i % len(markers)],
                        markersize=6.5, label=label)
        handles.append(line)

    if fraction:
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        if ys and min(ys) >= 0:  # counts and amounts: the axis starts at zero
            ax.set_ylim(0, max(ys) * 1.08 or 1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(_plain_number))
    distinct = sorted({p[0] for points in groups.values() for p in points})
    if 0 < len(distinct) <= 12:  # ticks at the sweep points themselves
        ax.set_xticks(distinct)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10))
    ax.tick_params(labelsize=TICK_SIZE)
    ax.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(x, fontsize=LABEL_SIZE)
    ax.set_ylabel(y, fontsize=LABEL_SIZE)
    if by:
        _legend(ax, handles, title=by)
    fig.suptitle(title or f"{y} by {x}" + (f", by {by}" if by else ""),
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    fig.text(LEFT, 0.02, f"{len(rows)} sweep points", fontsize=NOTE_SIZE, color=NOTE, ha="left", va="bottom")
    return fig


def backtest_chart(result: Any, observations: Sequence[tuple]) -> Figure:
    """The total-strength fan chart with observed figures from the articles overlaid.

    ``observations`` are ``(datetime.date, series, value, source)``. Observations of "total"
    are plotted on the total fan (top panel); observations of a country are plotted, with
    that country's median and 5-95 % band, in a second panel (shown only if there are any).
    Each point is labelled with its value and the article number it comes from.
    """
    sc = result.scenario
    observations = [tuple(o) for o in observations]
    start, end = _as_date(result.dates[0]), _as_date(result.dates[-1])
    stop = end + dt.timedelta(days=1)
    shown = [o for o in observations if start <= _as_date(o[0]) <= end and o[1] in result.series]
    hidden = len(observations) - len(shown)
    total_obs = [o for o in shown if o[1] == "total"]
    countries = [c for c in result.series[:-1] if any(o[1] == c for o in shown)]

    fig = _figure()
    if countries:
        grid = fig.add_gridspec(2, 1, height_ratios=(3, 2), hspace=0.08,
                                left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
        top = fig.add_subplot(grid[0])
        bottom = fig.add_subplot(grid[1], sharex=top)
    else:
        top = fig.add_subplot(1, 1, 1)
        fig.subplots_adjust(left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM)
        bottom = None

    handles = _fan(top, result)
    upper = max(float(np.max(result.quantiles("total")["p95"])), _highest_line(sc),
                max((float(o[2]) for o in total_obs), default=0.0))
    top.set_ylim(0, _nice_top(upper))
    handles += _ceiling_and_target(top, [sc])
    handles += _deadlines(top, sc.deadlines(), labels=True)
    if total_obs:
        handles.append(_observed(top, total_obs, start, stop, label="observed (article)"))
    _style_time_axis(top, result.dates, show_labels=bottom is None)
    top.set_ylabel("Personnel in Haiti (total)", fontsize=LABEL_SIZE)
    _legend(top, handles, title="Total strength")

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
            _observed(bottom, points, start, stop, edge=colour if several else "white",
                      prefix=f"{country} " if several else "")
            country_handles.append(Patch(facecolor=_with_alpha(colour, 0.2), edgecolor=colour,
                                         label=f"{country} (median, 5–95%)"))
            upper = max(upper, float(np.max(q["p95"])), max(float(o[2]) for o in points))
        country_handles.append(Line2D([], [], marker="D", color=OBSERVED, linestyle="none", markersize=7,
                                      markeredgecolor="white", label="observed (article)"))
        bottom.set_ylim(0, _nice_top(upper))
        _deadlines(bottom, sc.deadlines(), labels=False)
        _style_time_axis(bottom, result.dates, show_labels=True)
        bottom.set_ylabel("By contingent", fontsize=LABEL_SIZE)
        _legend(bottom, country_handles, title="Contingent")

    fig.suptitle(f"{sc.name} — projected personnel against reported figures "
                 f"({result.replications:,} replications)",
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    extra = [str(o[3]) for o in observations if o[3]]
    note = f"{hidden} observation(s) outside the run or of unknown series not shown." if hidden else ""
    _footnote(fig, [result], extra_sources=extra, extra_note=note)
    return fig


def save_figure(fig: Figure, path: Path) -> None:
    """Write ``fig`` to ``path`` as PNG or SVG, chosen by the suffix.

    PNGs keep the figure's exact pixel size (1200 x 700 for these charts: no tight bounding
    box). SVGs carry no date and use a fixed id salt, so the same chart gives the same bytes.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        fig.savefig(path, format="png", dpi=fig.dpi, bbox_inches=None, facecolor="white")
    elif suffix == ".svg":
        # svg.hashsalt only while saving: ids derived from a fixed salt instead of a random
        # uuid; rc_context restores every setting afterwards.
        with matplotlib.rc_context({"svg.hashsalt": "mss-sim"}):
            fig.savefig(path, format="svg", dpi=fig.dpi, bbox_inches=None, facecolor="white",
                        metadata={"Date": None})
    else:
        raise ValueError(f"cannot save a chart as {path.suffix or 'a file without suffix'!r}: use .png or .svg")


# --------------------------------------------------------------------------- building blocks


def _figure() -> Figure:
    return Figure(figsize=FIGSIZE, dpi=DPI, facecolor="white")


def _fan(ax: Axes, result: Any) -> list:
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


def _ceiling_steps(scenario: Any) -> list[tuple[dt.date, int]]:
    """(from date, ceiling) pairs: the authorized strength, changed by renewals with ``authorized_after``.

    As in the model, a mandate that expired before ``start`` sets the ceiling from day 0.
    """
    steps = [(scenario.start, int(scenario.authorized))]
    for mandate in sorted(scenario.mandates, key=lambda m: m.expires):
        after = getattr(mandate, "authorized_after", None)
        if after is None or mandate.expires > scenario.end:
            continue
        when = max(mandate.expires, scenario.start)
        if after == steps[-1][1]:
            continue
        if when == steps[-1][0]:
            steps[-1] = (when, int(after))
        else:
            steps.append((when, int(after)))
    return steps


def _highest_line(scenario: Any) -> float:
    return float(max([scenario.target] + [v for _, v in _ceiling_steps(scenario)]))


def _text_days(text: str, first: dt.date, stop: dt.date) -> float:
    """Roughly how many days of the x axis ``text`` covers at 9.5 pt (about 7 px a character)."""
    axes_px = (RIGHT - LEFT) * FIGSIZE[0] * DPI
    return (7.0 * len(text) + 14) * max((stop - first).days, 1) / axes_px


def _line_label(ax: Axes, value: float, text: str, colour: str, earliest: dt.date, first: dt.date,
                stop: dt.date, deadlines: Sequence[dt.date]) -> None:
    """Text just above a horizontal line, from ``earliest`` on, where no deadline line crosses it.

    Candidate places are ``earliest`` and just right of each later deadline; if none is free
    (or the text would run past the end) the label goes flush right at the end of the axes.
    Drawn at zorder 1.9: over the bands, so it stays readable, but under every line.
    """
    width = dt.timedelta(days=_text_days(text, first, stop))
    candidates = [earliest + dt.timedelta(days=2 if earliest > first else 0)]
    candidates += [d + dt.timedelta(days=3) for d in sorted(deadlines) if d >= earliest]
    for x in candidates:
        if x + width <= stop and not any(x <= d <= x + width for d in deadlines):
            ax.text(mdates.date2num(x), value, " " + text, fontsize=9.5, color=colour, ha="left",
                    va="bottom", zorder=LABEL_Z, bbox=LABEL_BOX)
            return
    ax.text(0.994, value, text, transform=ax.get_yaxis_transform(), fontsize=9.5, color=colour,
            ha="right", va="bottom", zorder=LABEL_Z, bbox=LABEL_BOX)


def _ceiling_and_target(ax: Axes, scenarios: Sequence[Any], end: dt.date | None = None) -> list:
    """Labelled ceiling (a step where renewals change it) and target lines; returns legend handles.

    With several scenarios, each distinct ceiling and target is drawn once; a level that not
    every scenario shares is labelled with the names of the scenarios it belongs to. Label
    placement avoids the deadlines of the first scenario (the ones the charts draw).
    """
    scenarios = list(scenarios)
    stop = max([s.end for s in scenarios] + ([end] if end else [])) + dt.timedelta(days=1)
    first = min(s.start for s in scenarios)
    deadlines = [d for _, d in scenarios[0].deadlines()]

    ceilings: dict[tuple, list[str]] = {}
    for sc in scenarios:
        ceilings.setdefault(tuple(_ceiling_steps(sc)), []).append(sc.name)
    several = len(ceilings) > 1
    starts_differ = len({steps[0][1] for steps in ceilings}) > 1
    # a target equal to the ceiling at the start would draw two lines and labels in one place:
    # there the ceiling's label says "= target" and the target gets no line of its own
    merged = {int(sc.target) for sc in scenarios} & {steps[0][1] for steps in ceilings}
    labelled: set = set()
    for steps, names in ceilings.items():
        xs = [when for when, _ in steps] + [stop]
        ys = [value for _, value in steps] + [steps[-1][1]]
        ax.step(xs, ys, where="post", color=CEILING, linewidth=1.6, zorder=3)
        who = f"({', '.join(names)})"
        for k, (when, value) in enumerate(steps):
            if k == 0:
                key = ("start", value)
                text = ("authorized = target " if value in merged else "authorized ") + f"{value:,}"
                text += f" {who}" if starts_differ else ""
            else:
                key = (when, value)
                text = f"authorized {value:,} " + (who if several else f"from {_day_month(when)}")
            if key not in labelled:
                labelled.add(key)
                _line_label(ax, value, text, CEILING, when, first, stop, deadlines)
    if several:
        ceiling_label = "authorized ceiling"
    else:
        ceiling_label = "authorized " + " → ".join(f"{v:,}" for _, v in next(iter(ceilings)))
    handles = [Line2D([], [], color=CEILING, linewidth=1.6, label=ceiling_label)]

    targets: dict[int, list[str]] = {}
    for sc in scenarios:
        targets.setdefault(int(sc.target), []).append(sc.name)
    for target, names in targets.items():
        if target in merged:
            continue
        ax.axhline(target, color=TARGET, linewidth=1.4, linestyle=TARGET_STYLE, zorder=3)
        who = f" ({', '.join(names)})" if len(targets) > 1 else ""
        _line_label(ax, target, f"target {target:,}{who}", TARGET, first, first, stop, deadlines)
    target_label = f"target {next(iter(targets)):,}" if len(targets) == 1 else "target"
    if set(targets) <= merged:  # no target line drawn: the ceiling's legend entry says it
        handles[0].set_label(handles[0].get_label().replace("authorized", "authorized = target", 1))
        return handles
    handles.append(Line2D([], [], color=TARGET, linewidth=1.4, linestyle=TARGET_STYLE, label=target_label))
    return handles


def _deadlines(ax: Axes, deadlines: Iterable[tuple[str, dt.date]], labels: bool) -> list[Line2D]:
    """Vertical dashed lines at mandate deadlines, names written up the line near the top.

    Returns the legend handle (a list of one, or empty without deadlines).
    """
    deadlines = list(deadlines)
    previous = None
    for name, date in deadlines:
        ax.axvline(date, color=DEADLINE, linewidth=1.1, linestyle=(0, (5, 3)), zorder=2.5)
        if not labels:
            continue
        # text just left of the line; if the previous label is too close, put this one right of it
        right = previous is not None and (date - previous).days < 45
        offset = 3 if right else -3
        ax.annotate(
            f"{name}\n{_day_month(date)}", xy=(mdates.date2num(date), 0.985),
            xycoords=ax.get_xaxis_transform(), xytext=(offset, 0), textcoords="offset points",
            rotation=90, fontsize=DEADLINE_SIZE, color="#333333", ha="left" if right else "right",
            va="top", linespacing=1.1, zorder=5,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.75, pad=0.8),
        )
        previous = date
    if not deadlines:
        return []
    return [Line2D([], [], color=DEADLINE, linewidth=1.1, linestyle=(0, (5, 3)), label="mandate deadline")]


def _observed(ax: Axes, observations: Sequence[tuple], first: dt.date, stop: dt.date,
              label: str | None = None, edge: str = "white", prefix: str = ""):
    """Observed figures as diamonds, each labelled "value [article]"; close labels are stacked."""
    observations = sorted(observations, key=lambda o: (_as_date(o[0]), float(o[2])))
    xs = [_as_date(o[0]) for o in observations]
    ys = [float(o[2]) for o in observations]
    points = ax.scatter(xs, ys, s=60, marker="D", color=OBSERVED, edgecolor=edge,
                        linewidth=1.4 if edge != "white" else 1.0, zorder=6, label=label)
    ends: list[dt.date] = []  # per stacking level, where the last label there ends
    for (date, _series, value, source), x, v in zip(observations, xs, ys):
        text = f"{prefix}{v:,.0f} [{_article(source)}]"
        level = next((k for k, end in enumerate(ends) if x > end), len(ends))
        width = dt.timedelta(days=_text_days(text, first, stop) * 0.95)
        if level == len(ends):
            ends.append(x + width)
        else:
            ends[level] = x + width
        ax.annotate(text, xy=(mdates.date2num(x), v), xytext=(6, 6 + 13 * level), textcoords="offset points",
                    fontsize=8.5, color="#7a3500", fontweight="bold", zorder=7,
                    bbox=dict(facecolor="white", edgecolor="none", alpha=0.75, pad=0.8),
                    arrowprops=dict(arrowstyle="-", color="#7a3500", linewidth=0.7, shrinkA=0, shrinkB=5)
                    if level else None)
    return points


def _style_time_axis(ax: Axes, dates: np.ndarray, show_labels: bool) -> None:
    first, last = _as_date(np.min(dates)), _as_date(np.max(dates))
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    interval = next((k for k in (1, 2, 3, 6, 12) if months / k <= 14), 12)
    locator = mdates.MonthLocator(bymonth=range(1, 13, interval) if 12 % interval == 0 else None,
                                  interval=1 if 12 % interval == 0 else interval)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    formatter = mdates.ConciseDateFormatter(locator, formats=["%Y", "%b", "%d", "%H:%M", "%H:%M", "%S.%f"],
                                            offset_formats=["", "", "%b %Y", "%d %b %Y", "%d %b %Y", "%d %b %Y"])
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlim(first, last + dt.timedelta(days=1))
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.tick_params(labelsize=TICK_SIZE)
    ax.tick_params(axis="x", which="minor", length=2.5)
    ax.tick_params(axis="x", labelbottom=show_labels)
    ax.grid(True, axis="y", color=GRID, linewidth=0.8)
    ax.grid(True, axis="x", which="major", color=GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend(ax: Axes, handles: list, title: str) -> None:
    legend = ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(LEGEND_X, 1.0), borderaxespad=0.0,
                       fontsize=LEGEND_SIZE, title=title, title_fontsize=LEGEND_SIZE + 0.5, frameon=False,
                       alignment="left", handlelength=2.4)
    legend.set_zorder(10)


def _footnote(fig: Figure, results: Sequence[Any], extra_sources: Sequence[str] = (), extra_note: str = "") -> None:
    """Small grey text at the bottom: sources, seed, scenario hash, version."""
    sources: list[str] = []
    for result in results:
        for fact in result.scenario.facts_used:
            if fact.source not in sources:
                sources.append(fact.source)
    for source in extra_sources:
        if source not in sources:
            sources.append(source)
    sources.sort()
    text = "Sources: " + (", ".join(sources) if sources else "none (the scenario uses no sourced facts)") + ". "
    if len(results) == 1:
        r = results[0]
        text += f"Seed {r.seed}, scenario hash {r.scenario.hash[:12]}, mss-sim v{r.version}."
        if r.scenario.overrides:  # a chart shared without its summary.json still says what was changed
            from .analysis import point_text

            changed = point_text(r.scenario.overrides)
            text += " With " + (changed if len(changed) <= 140 else changed[:139] + "…") + "."
    else:
        runs = "; ".join(f"{r.scenario.name}: seed {r.seed}, scenario hash {r.scenario.hash[:12]}" for r in results)
        versions = sorted({str(r.version) for r in results})
        text += f"{runs}. mss-sim v{', v'.join(versions)}."
    if extra_note:
        text += " " + extra_note
    fig.text(LEFT, 0.012, textwrap.fill(text, width=150), fontsize=NOTE_SIZE, color=NOTE,
             ha="left", va="bottom", linespacing=1.3)


# --------------------------------------------------------------------------- small helpers


def _nice_top(value: float) -> float:
    """An upper y limit a little above ``value``."""
    return max(value, 1.0) * 1.1


def _thousands(value: float, _pos=None) -> str:
    return f"{value:,.0f}"


def _millions(value: float, _pos=None) -> str:
    text = f"{value:,.0f}" if abs(value) >= 10 or value == 0 else f"{value:,.1f}"
    return text.replace("-", "−")


def _plain_number(value: float, _pos=None) -> str:
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _format_key(key: Any) -> str:
    if isinstance(key, float):
        return _plain_number(key)
    return str(key)


def _sorted_keys(groups: dict) -> list:
    try:
        return sorted(groups)
    except TypeError:
        return sorted(groups, key=str)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").astype(dt.date)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _last_date(results: Sequence[Any]) -> dt.date:
    return max(_as_date(r.dates[-1]) for r in results)


def _day_month(date: dt.date) -> str:
    return f"{date.day} {date:%b %Y}"


def _article(source: str) -> str:
    """A short label for an article file name: its number ("001_7e9b....txt" -> "001")."""
    stem = str(source).rsplit("/", 1)[-1]
    return stem.split("_", 1)[0] if "_" in stem else stem.rsplit(".", 1)[0]


def _with_alpha(colour: str, alpha: float) -> tuple:
    return to_rgba(colour, alpha)

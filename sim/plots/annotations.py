"""What the time charts draw over the data: the ceiling and target lines, mandate deadlines,
observed figures, and the footnote naming sources, seed, scenario hash and version."""

from __future__ import annotations

import datetime as dt
import functools
import textwrap
from typing import Any, Iterable, Sequence

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.textpath import TextPath

from ..text import point_text
from .style import (
    AS_OF,
    CEILING,
    DEADLINE,
    DEADLINE_SIZE,
    DPI,
    FIGSIZE,
    HISTORY,
    LABEL_BOX,
    LABEL_Z,
    LEFT,
    NOTE,
    NOTE_SIZE,
    RIGHT,
    TARGET,
    TARGET_STYLE,
    day_month,
)

#: Ceiling and target lines: over the bands and the medians (medians are at 4 and a little more).
LINES_Z = 4.8

#: The most sources a footnote names (the others are counted).
FOOTNOTE_SOURCES = 20


def scale_top(scenarios: Sequence[Any], data_top: float, room: float = 1.1) -> float:
    """The upper y limit of a strength chart: the data and every ceiling, and a target only if it is
    near them (within 1.5 times), so that a far target does not leave half the panel empty."""
    ceiling = max(float(v) for sc in scenarios for _, v in sc.ceilings())
    top = max(float(data_top), ceiling, 1.0)
    near = [float(sc.target) for sc in scenarios if sc.target <= 1.5 * top]
    return max([top] + near) * room


def text_days(text: str, first: dt.date, stop: dt.date, size: float = 9.5, pad: float = 14) -> float:
    """How many days of the x axis ``text`` (its widest line, and ``pad`` pixels) covers at ``size`` pt."""
    axes_px = (RIGHT - LEFT) * FIGSIZE[0] * DPI
    return (text_width(text, size) + pad) * max((stop - first).days, 1) / axes_px


@functools.lru_cache(maxsize=1024)
def text_width(text: str, size: float) -> float:
    """The width in pixels of the widest line of ``text`` at ``size`` points, in the charts' font (measured once:
    the charts of one run measure the same deadline labels).

    A ``$`` is measured as an ``S`` of about its width: the charts show it as written (:func:`plain_text`),
    and a path of a text with two of them would be parsed as math (and may fail to parse).
    """
    widths = [TextPath((0, 0), line.replace("$", "S"), size=size).get_extents().width if line.strip() else 0.0
              for line in text.split("\n")]
    return max(widths) * DPI / 72


def line_label(ax: Axes, value: float, text: str, colour: str, earliest: dt.date, first: dt.date,
                stop: dt.date, deadlines: Sequence[dt.date]) -> None:
    """Text just above a horizontal line, from ``earliest`` on, where no deadline line crosses it.

    Candidate places are ``earliest`` and just right of each later deadline; if none is free
    (or the text would run past the end) the label goes flush right at the end of the axes.
    Drawn at zorder 1.9: over the bands, so it stays readable, but under every line.
    """
    width = dt.timedelta(days=text_days(text, first, stop))
    candidates = [earliest + dt.timedelta(days=2 if earliest > first else 0)]
    candidates += [d + dt.timedelta(days=3) for d in sorted(deadlines) if d >= earliest]
    for x in candidates:
        if x + width <= stop and not any(x <= d <= x + width for d in deadlines):
            ax.text(mdates.date2num(x), value, " " + text, fontsize=9.5, color=colour, ha="left",
                    va="bottom", zorder=LABEL_Z, bbox=LABEL_BOX)
            return
    ax.text(0.994, value, text, transform=ax.get_yaxis_transform(), fontsize=9.5, color=colour,
            ha="right", va="bottom", zorder=LABEL_Z, bbox=LABEL_BOX)

def ceiling_and_target(ax: Axes, scenarios: Sequence[Any], end: dt.date | None = None) -> list:
    """Labelled ceiling (a step where renewals change it) and target lines; returns legend handles.

    With several scenarios, each distinct ceiling and target is drawn once; a level that not
    every scenario shares is labelled with the names of the scenarios it belongs to. Label
    placement avoids the deadlines of the first scenario (the ones the charts draw). The lines
    are drawn over the medians, so that no median hides them. A target above the y axis' upper
    limit (see :func:`scale_top`) is not drawn: its legend entry says it lies above the chart.
    """
    top = ax.get_ylim()[1]
    scenarios = list(scenarios)
    stop = max([s.end for s in scenarios] + ([end] if end else [])) + dt.timedelta(days=1)
    first = min(s.start for s in scenarios)
    deadlines = [d for _, d in scenarios[0].deadlines()]

    ceilings: dict[tuple, list[str]] = {}
    for sc in scenarios:
        ceilings.setdefault(tuple(sc.ceilings()), []).append(sc.name)
    several = len(ceilings) > 1
    starts_differ = len({steps[0][1] for steps in ceilings}) > 1
    # a target equal to the ceiling at the start would draw two lines and labels in one place:
    # there the ceiling's label says "= target" and the target gets no line of its own
    merged = {int(sc.target) for sc in scenarios} & {steps[0][1] for steps in ceilings}
    labelled: set = set()
    for steps, names in ceilings.items():
        xs = [when for when, _ in steps] + [stop]
        ys = [value for _, value in steps] + [steps[-1][1]]
        ax.step(xs, ys, where="post", color=CEILING, linewidth=1.6, zorder=LINES_Z)
        who = f"({', '.join(names)})"
        for k, (when, value) in enumerate(steps):
            if k == 0:
                key = ("start", value)
                text = ("authorized = target " if value in merged else "authorized ") + f"{value:,}"
                text += f" {who}" if starts_differ else ""
            else:
                key = (when, value)
                text = f"authorized {value:,} " + (who if several else f"from {day_month(when)}")
            if key not in labelled:
                labelled.add(key)
                line_label(ax, value, text, CEILING, when, first, stop, deadlines)
    if several:
        ceiling_label = "authorized ceiling"
    else:
        ceiling_label = "authorized " + " → ".join(f"{v:,}" for _, v in next(iter(ceilings)))
    handles = [Line2D([], [], color=CEILING, linewidth=1.6, label=ceiling_label)]

    targets: dict[int, list[str]] = {}
    for sc in scenarios:
        targets.setdefault(int(sc.target), []).append(sc.name)
    above = sorted(t for t in targets if t not in merged and t > top)
    for target, names in targets.items():
        if target in merged or target > top:
            continue
        ax.axhline(target, color=TARGET, linewidth=1.4, linestyle=TARGET_STYLE, zorder=LINES_Z)
        who = f" ({', '.join(names)})" if len(targets) > 1 else ""
        line_label(ax, target, f"target {target:,}{who}", TARGET, first, first, stop, deadlines)
    drawn = [t for t in targets if t not in merged and t <= top]
    if set(targets) <= merged:  # no target line drawn: the ceiling's legend entry says it
        handles[0].set_label(handles[0].get_label().replace("authorized", "authorized = target", 1))
        return handles
    if drawn:
        label = f"target {drawn[0]:,}" if len(targets) == 1 else "target"
        handles.append(Line2D([], [], color=TARGET, linewidth=1.4, linestyle=TARGET_STYLE, label=label))
    if above:
        levels = ", ".join(f"{t:,}" for t in above)
        handles.append(Line2D([], [], color=TARGET, marker="^", linestyle="none", markersize=7,
                              label=f"target {levels} (above)"))
    return handles

def deadline_lines(ax: Axes, deadlines: Iterable[tuple[str, dt.date]], labels: bool) -> list[Line2D]:
    """Vertical dashed lines at mandate deadlines; with ``labels``, each named above the axes.

    Names sit over the top of the axes, never over the data or the horizontal lines; a name
    that would overlap the one before it moves right. Call after the x limits are set.
    Returns the legend handle (a list of one, or empty without deadlines).
    """
    deadlines = list(deadlines)
    for _name, date in deadlines:
        ax.axvline(date, color=DEADLINE, linewidth=1.1, linestyle=(0, (5, 3)), zorder=2.5)
    if labels and deadlines:
        low, high = (mdates.num2date(x).date() for x in ax.get_xlim())
        previous_end = None
        for k, (name, date) in enumerate(sorted(deadlines, key=lambda item: item[1])):
            text = f"{name}\n{day_month(date)}"
            width = text_days(text, low, high, DEADLINE_SIZE, pad=0)
            left = mdates.date2num(date) - width / 2
            if previous_end is not None:
                left = max(left, previous_end + 0.01 * (high - low).days)
            left = max(min(left, mdates.date2num(high) - width), mdates.date2num(low))
            ax.annotate(text, xy=(mdates.date2num(date), 1.0), xycoords=ax.get_xaxis_transform(),
                        xytext=(left, 1.0), textcoords=ax.get_xaxis_transform(), ha="left", va="bottom",
                        fontsize=DEADLINE_SIZE, color="#333333", linespacing=1.1, annotation_clip=False,
                        gid=f"deadline-label-{k}")
            previous_end = left + width
    if not deadlines:
        return []
    return [Line2D([], [], color=DEADLINE, linewidth=1.1, linestyle=(0, (5, 3)), label="mandate deadline")]

def history_marks(ax: Axes, scenario: Any, labels: bool) -> list:
    """The days up to a scenario's ``as_of`` shaded as history, and ``as_of`` as a solid vertical line.

    Returns legend handles (none when the scenario has no ``as_of``).
    """
    as_of = getattr(scenario, "as_of", None)
    if as_of is None:
        return []
    shade = ax.axvspan(mdates.date2num(scenario.start), mdates.date2num(as_of), color=HISTORY, linewidth=0,
                       zorder=0.5, label="history (known)")
    line = ax.axvline(mdates.date2num(as_of), color=AS_OF, linewidth=1.3, zorder=2.6, label=f"as of {day_month(as_of)}")
    if labels:
        ax.annotate(f"as of {day_month(as_of)}", xy=(mdates.date2num(as_of), 0.02), xycoords=ax.get_xaxis_transform(),
                    xytext=(3, 0), textcoords="offset points", rotation=90, fontsize=DEADLINE_SIZE, color=AS_OF,
                    ha="left", va="bottom", zorder=5, bbox=dict(facecolor="white", edgecolor="none", alpha=0.75, pad=0.8))
    return [shade, line]

def add_footnote(fig: Figure, results: Sequence[Any], extra_sources: Sequence[str] = (), extra_note: str = "") -> None:
    """Small grey text at the bottom: the articles (by their short names), seed, scenario hash, version."""
    files: list[str] = []
    for result in results:
        for fact in result.scenario.facts_used:
            if fact.source not in files:
                files.append(fact.source)
    for source in extra_sources:
        if source not in files:
            files.append(source)
    name = results[0].scenario.facts.source_name
    sources = [name(file) for file in sorted(files)]
    if len(sources) > FOOTNOTE_SOURCES:  # thousands of observations' sources would bury the chart
        sources = sources[:FOOTNOTE_SOURCES] + [f"and {len(sources) - FOOTNOTE_SOURCES:,} more"]
    text = "Sources: " + ("; ".join(sources) if sources else "none (the scenario uses no sourced facts)") + ". "
    if len(results) == 1:
        r = results[0]
        text += f"Seed {r.seed}, scenario hash {r.scenario.hash[:12]}, mss-sim v{r.version}."
        if r.scenario.overrides:  # a chart shared without its summary.json still says what was changed
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

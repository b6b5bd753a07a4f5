"""What the time charts draw over the data: the ceiling and target lines, mandate deadlines,
observed figures, and the footnote naming sources, seed, scenario hash and version."""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any, Iterable, Sequence

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..text import point_text
from .style import (
    CEILING,
    DEADLINE,
    DEADLINE_SIZE,
    DPI,
    FIGSIZE,
    LABEL_BOX,
    LABEL_Z,
    LEFT,
    NOTE,
    NOTE_SIZE,
    OBSERVED,
    RIGHT,
    TARGET,
    TARGET_STYLE,
    article,
    as_date,
    day_month,
)


#: The most sources a footnote names (the others are counted), and the most observed points labelled in a panel.
FOOTNOTE_SOURCES = 20
LABELLED = 60

def highest_line(scenario: Any) -> float:
    """The highest horizontal line of ``scenario``'s charts: its target or its highest ceiling."""
    return float(max([scenario.target] + [v for _, v in scenario.ceilings()]))

def text_days(text: str, first: dt.date, stop: dt.date) -> float:
    """Roughly how many days of the x axis ``text`` covers at 9.5 pt (about 7 px a character)."""
    axes_px = (RIGHT - LEFT) * FIGSIZE[0] * DPI
    return (7.0 * len(text) + 14) * max((stop - first).days, 1) / axes_px

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
    placement avoids the deadlines of the first scenario (the ones the charts draw).
    """
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
        ax.step(xs, ys, where="post", color=CEILING, linewidth=1.6, zorder=3)
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
    for target, names in targets.items():
        if target in merged:
            continue
        ax.axhline(target, color=TARGET, linewidth=1.4, linestyle=TARGET_STYLE, zorder=3)
        who = f" ({', '.join(names)})" if len(targets) > 1 else ""
        line_label(ax, target, f"target {target:,}{who}", TARGET, first, first, stop, deadlines)
    target_label = f"target {next(iter(targets)):,}" if len(targets) == 1 else "target"
    if set(targets) <= merged:  # no target line drawn: the ceiling's legend entry says it
        handles[0].set_label(handles[0].get_label().replace("authorized", "authorized = target", 1))
        return handles
    handles.append(Line2D([], [], color=TARGET, linewidth=1.4, linestyle=TARGET_STYLE, label=target_label))
    return handles

def deadline_lines(ax: Axes, deadlines: Iterable[tuple[str, dt.date]], labels: bool) -> list[Line2D]:
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
            f"{name}\n{day_month(date)}", xy=(mdates.date2num(date), 0.985),
            xycoords=ax.get_xaxis_transform(), xytext=(offset, 0), textcoords="offset points",
            rotation=90, fontsize=DEADLINE_SIZE, color="#333333", ha="left" if right else "right",
            va="top", linespacing=1.1, zorder=5,
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.75, pad=0.8),
        )
        previous = date
    if not deadlines:
        return []
    return [Line2D([], [], color=DEADLINE, linewidth=1.1, linestyle=(0, (5, 3)), label="mandate deadline")]

def observed_points(ax: Axes, observations: Sequence[tuple], first: dt.date, stop: dt.date,
              label: str | None = None, edge: str = "white", prefix: str = ""):
    """Observed figures as diamonds, each labelled "value [article]" (up to LABELLED of them); close labels are stacked."""
    observations = sorted(observations, key=lambda o: (as_date(o[0]), float(o[2])))
    xs = [as_date(o[0]) for o in observations]
    ys = [float(o[2]) for o in observations]
    points = ax.scatter(xs, ys, s=60, marker="D", color=OBSERVED, edgecolor=edge,
                        linewidth=1.4 if edge != "white" else 1.0, zorder=6, label=label)
    if len(observations) > LABELLED:
        return points  # thousands of labels would take minutes to draw and hide the chart
    ends: list[dt.date] = []  # per stacking level, where the last label there ends
    for (date, _series, value, source), x, v in zip(observations, xs, ys):
        text = f"{prefix}{v:,.0f} [{article(source)}]"
        level = next((k for k, end in enumerate(ends) if x > end), len(ends))
        width = dt.timedelta(days=text_days(text, first, stop) * 0.95)
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

"""Sweep charts: a headline statistic against a swept value, one line per value of the other keys."""

from __future__ import annotations

import re
import textwrap
from typing import Any, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from ..text import clip, value_text
from .style import (
    COMPARE_PALETTE,
    GRID,
    LABEL_SIZE,
    LEFT,
    MEDIAN,
    NOTE,
    NOTE_SIZE,
    RIGHT,
    TICK_SIZE,
    TITLE_SIZE,
    TOP,
    add_legend,
    format_key,
    new_figure,
    plain_number,
    plain_text,
    sorted_keys,
    thousands,
)


def sweep_chart(rows: Sequence[dict], x: str, y: str, by: str | None = None, title: str = "",
                note: str = "") -> Figure:
    """``y`` against ``x`` over a parameter sweep, one line (with markers) per value of ``by``.

    ``rows`` are dicts with numeric values, one per sweep point (a None ``x`` or ``y`` is
    skipped). When every ``y`` lies in [0, 1] the y axis runs from 0 to 1 and is labelled in
    percent; otherwise it has thousands separators and starts at 0 if no value is negative.
    ``note`` replaces the footnote (by default, the number of points).
    """
    rows = list(rows)
    fig = new_figure()
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
    for i, key in enumerate(sorted_keys(groups)):
        points = sorted(groups[key])
        xs = [p[0] for p in points]
        vs = [p[1] for p in points]
        colour = COMPARE_PALETTE[i % len(COMPARE_PALETTE)] if by else MEDIAN
        label = format_key(key) if by else y
        line, = ax.plot(xs, vs, color=colour, linewidth=2.0, marker=markers[i % len(markers)],
                        markersize=6.5, label=label)
        handles.append(line)

    if fraction:
        ax.set_ylim(-0.02, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        if ys and min(ys) >= 0:  # counts and amounts: the axis starts at zero
            ax.set_ylim(0, max(ys) * 1.08 or 1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(plain_number))
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
        add_legend(ax, handles, title=by)
    fig.suptitle(title or f"{y} by {x}" + (f", by {by}" if by else ""),
                 x=LEFT, ha="left", fontsize=TITLE_SIZE, fontweight="bold")
    if note:
        fig.text(LEFT, 0.012, textwrap.fill(note, 150), fontsize=NOTE_SIZE, color=NOTE, ha="left", va="bottom")
        fig.subplots_adjust(bottom=0.13)  # room for a two-line footnote under the axis label
    else:
        fig.text(LEFT, 0.02, f"{len(rows)} sweep points", fontsize=NOTE_SIZE, color=NOTE, ha="left", va="bottom")
    return plain_text(fig)


def sweep_points_chart(scenario: Any, keys: Sequence[str], rows: Sequence[dict], headline: str, label: str,
                       replications: int | None = None, seed: int | None = None) -> Figure:
    """The chart of ``sim sweep``: column ``headline`` (shown as ``label``) against the first key, one line per
    value of the other keys; non-numeric values (dates, tables, words) are placed in order and labelled."""
    keys = list(keys)
    y, x = label, keys[0]
    numeric = all(isinstance(row[x], (int, float)) and not isinstance(row[x], bool) for row in rows)
    labels: list[str] = []
    if not numeric:  # dates, tables, words: plot at their position, label with the value
        for row in rows:
            if value_text(row[x]) not in labels:
                labels.append(value_text(row[x]))
    by = ", ".join(keys[1:]) or None  # one line per combination of the other keys' values
    chart_rows = []
    for row in rows:
        chart = {x: row[x] if numeric else labels.index(value_text(row[x])), y: row[headline]}
        if by:
            other = row[keys[1]]
            if len(keys) == 2 and isinstance(other, (int, float)) and not isinstance(other, bool):
                chart[by] = other
            else:  # long values wrapped, so that the legend stays inside the figure
                chart[by] = wrap(", ".join(value_text(row[k]) for k in keys[1:]), 24)
        chart_rows.append(chart)
    note = f"{len(rows)} sweep points"
    if replications is not None:
        note += f", {replications:,} replications each, seed {seed} (common random numbers)"
    note += f"; scenario {scenario.name!r}, hash {scenario.hash[:12]}."
    if headline == "total_p50_end":
        note += f" P(reach authorized {scenario.authorized:,} by end) is 0 at every point: the chart shows the median."
    title = f"{clip(scenario.name, 40)} — sweep: {y}"  # the axis and the legend name the keys
    fig = sweep_chart(chart_rows, x=x, y=y, by=by, title=title, note=note)
    ax = fig.axes[0]
    if not numeric:
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels([clip(label, 24) for label in labels], rotation=20 if len(labels) > 6 else 0)
    if by and ax.get_legend() is not None:
        ax.get_legend().set_title(wrap(by, 30))
    return plain_text(fig)


def wrap(text: str, width: int) -> str:
    """``text`` on lines of about ``width`` characters, broken after dots, commas or spaces."""
    pieces = [piece for piece in re.split(r"(?<=[,\s])(?=\S)|(?<=\.)(?=[^\d\s])", text) if piece]
    lines, line = [], ""
    for piece in pieces:
        if line and len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines) or text

"""Sweep charts: a headline statistic against a swept value, one line per value of the other keys, with its band."""

from __future__ import annotations

import math
import re
import textwrap
from typing import Any, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from ..scenario.paths import key_label
from ..text import clip, key_value_text, value_text
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
    TOP,
    add_legend,
    add_title,
    format_key,
    new_figure,
    plain_number,
    plain_text,
    sorted_keys,
    thousands,
)

#: z of a two-sided 90% interval, for the Monte Carlo interval of a probability.
Z90 = 1.6448536269514722


def sweep_chart(rows: Sequence[dict], x: str, y: str, by: str | None = None, title: str = "",
                note: str = "", band: tuple[str, str] | None = None, band_label: str = "",
                x_label: str = "", y_label: str = "", by_format=format_key) -> Figure:
    """``y`` against ``x`` over a parameter sweep, one line (with markers) per value of ``by``.

    ``rows`` are dicts with numeric values, one per sweep point (a None ``x`` or ``y`` is
    skipped). ``band`` names the columns of a band's low and high edges, drawn around each line
    (filled light for a single line; as two thin lines of its colour for several, so that bands
    never blend into colours the legend does not name) and named ``band_label`` in the legend.
    ``by_format`` writes a value of ``by`` in the legend. When every ``y`` lies in [0, 1] the y
    axis runs from 0 to 1 and is labelled in percent; otherwise it has thousands separators and
    starts at 0 if no value is negative. Points on the axes' edges (a probability of 0 or 1, a
    strength of 0) are drawn whole. ``x_label`` and ``y_label`` title the axes (default the
    column names); ``note`` replaces the footnote (by default, the number of points).
    """
    rows = list(rows)
    fig = new_figure()
    ax = fig.add_subplot(1, 1, 1)
    fig.subplots_adjust(left=LEFT, right=RIGHT, top=TOP + 0.04, bottom=0.16)

    groups: dict[Any, list[tuple[float, float, float | None, float | None]]] = {}
    for row in rows:
        if x not in row or y not in row:
            raise KeyError(f"sweep row has no {x!r} or {y!r}: {sorted(row)}")
        if row[x] is None or row[y] is None:  # e.g. a date never reached: no point
            continue
        key = row.get(by) if by else None
        low, high = (row.get(band[0]), row.get(band[1])) if band else (None, None)
        groups.setdefault(key, []).append((float(row[x]), float(row[y]), low, high))
    ys = [v for points in groups.values() for p in points for v in p[1:] if v is not None]
    fraction = bool(ys) and all(0.0 <= v <= 1.0 for v in ys)

    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    handles = []
    for i, key in enumerate(sorted_keys(groups)):
        points = sorted(groups[key], key=lambda p: p[0])
        xs = [p[0] for p in points]
        colour = COMPARE_PALETTE[i % len(COMPARE_PALETTE)] if by else MEDIAN
        if band and all(p[2] is not None and p[3] is not None for p in points):
            edges = ([p[2] for p in points], [p[3] for p in points])
            if by:
                for edge in edges:
                    ax.plot(xs, edge, color=colour, linewidth=0.9, linestyle=(0, (4, 2)), zorder=3, clip_on=False)
            else:
                ax.fill_between(xs, *edges, color=colour, alpha=0.15, linewidth=0)
        # later lines a little thinner, with smaller markers, so that lines that coincide all stay visible
        line, = ax.plot(xs, [p[1] for p in points], color=colour, linewidth=max(1.2, 2.6 - 0.4 * i),
                        marker=markers[i % len(markers)], markersize=max(4.0, 8.5 - 1.5 * i),
                        label=by_format(key) if by else (y_label or y), clip_on=False, zorder=4 + 0.01 * i)
        handles.append(line)

    if fraction:
        ax.set_ylim(0, 1)
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
    if len(distinct) > 1:  # room on either side, so that the first and last markers are whole
        pad = 0.03 * (distinct[-1] - distinct[0])
        ax.set_xlim(distinct[0] - pad, distinct[-1] + pad)
    ax.tick_params(labelsize=TICK_SIZE)
    ax.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(x_label or x, fontsize=LABEL_SIZE)
    ax.set_ylabel(y_label or y, fontsize=LABEL_SIZE)
    if band and band_label and by:
        handles.append(Line2D([], [], color="#555555", linewidth=0.9, linestyle=(0, (4, 2)),
                              label=f"{band_label} (thin lines)"))
    elif band and band_label:
        handles.append(Patch(facecolor=MEDIAN, alpha=0.15, label=band_label))
    if by or band:
        add_legend(ax, handles, title=by or "")
    else:
        fig.subplots_adjust(right=0.96)
    add_title(fig, title or f"{y} by {x}" + (f", by {by}" if by else ""))
    text = note or f"{len(rows)} sweep points"
    fig.text(LEFT, 0.012, textwrap.fill(text, 150), fontsize=NOTE_SIZE, color=NOTE, ha="left", va="bottom")
    return plain_text(fig)


def wilson(p: float, n: int, z: float = Z90) -> tuple[float, float]:
    """The Wilson interval of a probability ``p`` estimated from ``n`` replications (90% by default)."""
    if n <= 0:
        return (0.0, 1.0)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def sweep_points_chart(scenario: Any, keys: Sequence[str], rows: Sequence[dict], headline: str, label: str,
                       replications: int | None = None, seed: int | None = None) -> Figure:
    """The chart of ``sim sweep``: column ``headline`` (shown as ``label``) against the first key, one line per
    value of the other keys, with a band: the 5-95% of runs for the median strength (columns
    ``total_p5_end`` and ``total_p95_end``), the 90% Monte Carlo interval of a probability. Non-numeric
    values (dates, tables, words) are placed in order and labelled; money in dollars."""
    keys = list(keys)
    x = keys[0]
    numeric = all(isinstance(row[x], (int, float)) and not isinstance(row[x], bool) for row in rows)
    labels: list[str] = []
    if not numeric:  # dates, tables, words: plot at their position, label with the value
        for row in rows:
            if value_text(row[x]) not in labels:
                labels.append(value_text(row[x]))
    by = ", ".join(key_label(k) for k in keys[1:]) or None  # one line per combination of the other keys' values
    probability = headline.startswith("p_")
    chart_rows = []
    for row in rows:
        chart = {x: row[x] if numeric else labels.index(value_text(row[x])), label: row[headline]}
        if probability and row[headline] is not None and replications:
            chart["low"], chart["high"] = wilson(float(row[headline]), replications)
        elif not probability:
            chart["low"], chart["high"] = row.get("total_p5_end"), row.get("total_p95_end")
        if by:
            other = row[keys[1]]
            if len(keys) == 2 and isinstance(other, (int, float)) and not isinstance(other, bool):
                chart[by] = other
            else:  # long values wrapped, so that the legend stays inside the figure
                chart[by] = wrap(", ".join(key_value_text(k, row[k]) for k in keys[1:]), 24)
        chart_rows.append(chart)
    note = f"{len(rows)} sweep points"
    if replications is not None:
        note += f", {replications:,} replications each, seed {seed} (common random numbers)"
    note += f"; scenario {scenario.name!r}, hash {scenario.hash[:12]}; swept: {', '.join(keys)}."
    if headline == "total_p50_end":
        note += f" P(reach authorized {scenario.authorized:,} by end) is 0 at every point: the chart shows the median."
    band_label = "90% interval" if probability else "5–95% of runs"
    note += (" Band: the 90% interval of each probability's estimate (Wilson)." if probability
             else " Band: 5–95% of runs at the end.")
    def legend_value(value) -> str:
        """A value of the second key as the legend shows it (money in dollars)."""
        return key_value_text(keys[1], value) if isinstance(value, (int, float)) else format_key(value)

    fig = sweep_chart(chart_rows, x=x, y=label, by=by, title=f"{clip(scenario.name, 40)} — sweep: {label}",
                      note=note, band=("low", "high"), band_label=band_label, x_label=key_label(x), y_label=label,
                      by_format=legend_value)
    ax = fig.axes[0]
    if x.endswith("_usd") and numeric:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos=None: key_value_text(x, float(v))))
    if not numeric:
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels([clip(label, 24) for label in labels], rotation=20 if len(labels) > 6 else 0)
        if len(labels) > 1:
            ax.set_xlim(-0.2, len(labels) - 0.8)
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

"""Scenario discovery charts: PRIM's peeling trajectory (coverage against density), and the boxes' limits
drawn over the design's points."""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from typing import Any, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from ..scenario.paths import key_words
from ..text import clip
from ..version import __version__
from .style import (
    COMPARE_PALETTE,
    GRID,
    LABEL_SIZE,
    LEFT,
    LEGEND_SIZE,
    MEDIAN,
    NOTE,
    NOTE_SIZE,
    TICK_SIZE,
    add_title,
    new_figure,
    plain_number,
    plain_text,
)

#: Colours of the boxes, in order (no red: red is the ceiling elsewhere; no blue: the points that meet it).
BOX_COLOURS = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")
MISSED = "#c8c8c8"


def _style(ax, x_grid: bool = True) -> None:
    """Light grid, no top or right spine."""
    ax.tick_params(labelsize=TICK_SIZE)
    ax.grid(True, color=GRID, linewidth=0.8, axis="both" if x_grid else "y")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _note(fig: Figure, scenario: Any, points: int, replications: int, seed: int, extra: str = "") -> None:
    """The footnote: the design, the seed, the scenario's hash and the version."""
    note = (f"{points:,} design points x {replications:,} replications, seed {seed} (common random numbers); scenario "
            f"hash {scenario.hash[:12]}, mss-sim v{__version__}. {extra}")
    fig.text(LEFT, 0.012, textwrap.fill(note, 150), fontsize=NOTE_SIZE, color=NOTE, ha="left", va="bottom")


def peeling_chart(scenario: Any, condition: str, threshold: float, trajectories: Sequence[Any], boxes: Sequence[Any],
                  points: int, replications: int, seed: int) -> Figure:
    """Each peeling step's coverage (x) against its density (y), one line per box searched, the markers
    coloured by how many keys the step restricts; the box chosen on each trajectory ringed, the box after
    pasting starred, the density threshold dashed."""
    fig = new_figure()
    fig.subplots_adjust(left=0.08, right=0.78, top=0.82, bottom=0.16)
    ax = fig.add_subplot(1, 1, 1)
    most = max([len(s.restricted) for t in trajectories for s in t.steps] + [1])
    shades = [COMPARE_PALETTE[k % len(COMPARE_PALETTE)] for k in range(most + 1)]
    handles = []
    for b, trajectory in enumerate(trajectories):
        cov = [s.coverage for s in trajectory.steps]
        den = [s.density for s in trajectory.steps]
        colour = BOX_COLOURS[b % len(BOX_COLOURS)]
        ax.plot(cov, den, color=colour, linewidth=1.0, alpha=0.6, zorder=2)
        ax.scatter(cov, den, c=[shades[len(s.restricted)] for s in trajectory.steps], s=18, zorder=3, linewidths=0)
        if trajectory.chosen is not None:
            step = trajectory.steps[trajectory.chosen]
            ax.scatter([step.coverage], [step.density], s=140, facecolors="none", edgecolors=colour, linewidths=1.8,
                       zorder=4)
        if b < len(boxes):
            ax.scatter([boxes[b].coverage], [boxes[b].density], marker="*", s=220, color=colour, edgecolors="black",
                       linewidths=0.6, zorder=5)
        handles.append(Line2D([], [], color=colour, marker="*", markersize=11, markeredgecolor="black",
                              label=f"box {b + 1}" + ("" if b < len(boxes) else " (none reached the threshold)")))
    ax.axhline(threshold, color="#444444", linestyle="--", linewidth=1.0)
    handles.append(Line2D([], [], color="#444444", linestyle="--", label=f"density threshold {threshold:.0%}"))
    handles.append(Line2D([], [], color="#444444", marker="o", markersize=11, markerfacecolor="none",
                          linestyle="none", label="chosen on the trajectory"))
    handles += [Line2D([], [], color=shades[k], marker="o", linestyle="none", markersize=6,
                       label=f"{k} key{'s' if k != 1 else ''} restricted") for k in range(most + 1)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=LEGEND_SIZE, frameon=False)
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("coverage: share of the points meeting the condition that the box holds", fontsize=LABEL_SIZE)
    ax.set_ylabel("density: share of the box's points meeting it", fontsize=LABEL_SIZE)
    _style(ax)
    add_title(fig, f"{clip(scenario.name, 50)} — peeling trajectory", f"PRIM boxes where {clip(condition, 80)}",
              scenario.overrides)
    _note(fig, scenario, points, replications, seed, "Peeling moves from the right (every point) to the left.")
    return plain_text(fig)


def _pairs(ranges: Sequence[Any], boxes: Sequence[Any]) -> list[tuple[int, int]]:
    """The pairs of keys to draw: the keys the boxes restrict (the first three), completed by the next keys."""
    shown = list(dict.fromkeys(j for box in boxes for j in box.restricted))[:3]
    for j in range(len(ranges)):
        if len(shown) >= 2:
            break
        if j not in shown:
            shown.append(j)
    if len(shown) < 2:
        return [(shown[0], shown[0])] if shown else []
    return list(itertools.combinations(shown, 2))


def _axis(axis, limit, label, r: Any) -> None:
    """An axis over key ``r``'s range: its words, its limits (a little room), dates or plain numbers."""
    if r.kind == "date":
        axis.set_major_formatter(FuncFormatter(lambda v, _p=None: dt.date.fromordinal(max(1, int(round(v)))).isoformat()))
    else:
        axis.set_major_formatter(FuncFormatter(plain_number))
    low, high = r.number(r.low), r.number(r.high)
    limit(low - 0.02 * (high - low), high + 0.02 * (high - low))
    label(textwrap.fill(clip(key_words(r.key), 80), 40), fontsize=LABEL_SIZE - 1)


def boxes_chart(scenario: Any, condition: str, ranges: Sequence[Any], x: np.ndarray, flags: np.ndarray,
                boxes: Sequence[Any], replications: int, seed: int) -> Figure:
    """The design's points over pairs of the keys the boxes restrict (those meeting the condition dark, the
    others light), and each box's limits as a rectangle (an unrestricted key spans its whole range)."""
    fig = new_figure()
    pairs = _pairs(ranges, boxes)
    fig.subplots_adjust(left=0.08, right=0.8, top=0.8, bottom=0.2, wspace=0.35)
    flags = np.asarray(flags, dtype=bool)
    for p, (a, b) in enumerate(pairs):
        ax = fig.add_subplot(1, len(pairs), p + 1)
        xa, xb = x[:, a], (x[:, b] if b != a else flags.astype(float))
        ax.scatter(xa[~flags], xb[~flags], s=9, color=MISSED, linewidths=0, zorder=2)
        ax.scatter(xa[flags], xb[flags], s=11, color=MEDIAN, linewidths=0, zorder=3)
        for k, box in enumerate(boxes):
            low_a, high_a = box.limits[a]
            low_b, high_b = box.limits[b] if b != a else (-0.1, 1.1)
            ax.add_patch(Rectangle((low_a, low_b), high_a - low_a, high_b - low_b, fill=False, zorder=4,
                                   edgecolor=BOX_COLOURS[k % len(BOX_COLOURS)], linewidth=2.2 if k == 0 else 1.6,
                                   linestyle="-" if k == 0 else (0, (5, 2))))
        _axis(ax.xaxis, ax.set_xlim, ax.set_xlabel, ranges[a])
        if b != a:
            _axis(ax.yaxis, ax.set_ylim, ax.set_ylabel, ranges[b])
        else:  # one key alone: the points spread by whether they meet the condition
            ax.set_yticks([0, 1], ["no", "yes"])
            ax.set_ylabel("meets the condition", fontsize=LABEL_SIZE - 1)
        _style(ax)
    handles = [Line2D([], [], color=MEDIAN, marker="o", linestyle="none", markersize=5, label="meets the condition"),
               Line2D([], [], color=MISSED, marker="o", linestyle="none", markersize=5, label="does not")]
    handles += [Line2D([], [], color=BOX_COLOURS[k % len(BOX_COLOURS)], linewidth=2,
                       linestyle="-" if k == 0 else (0, (5, 2)), label=f"box {k + 1}") for k in range(len(boxes))]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.81, 0.8), fontsize=LEGEND_SIZE, frameon=False)
    add_title(fig, f"{clip(scenario.name, 50)} — where {clip(condition, 60)}",
              "the design's points and the boxes PRIM found", scenario.overrides)
    _note(fig, scenario, len(x), replications, seed)
    return plain_text(fig)

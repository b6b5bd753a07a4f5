"""The sensitivity chart: a tornado of each key's index at the end of the run, and the indices at each
mandate deadline, so that what matters early and what matters late are one picture."""

from __future__ import annotations

import textwrap
from typing import Any, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

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
    plain_text,
    with_alpha,
)

#: The two outcomes charted, with how each is drawn: bar colour in the tornado, line style over time.
CHARTED = (("strength", "median strength", MEDIAN, "-"), ("p_reach_authorized", "P(reach authorized)", "#e6ab02", "--"))
RANKED = {"sobol": ("ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf")}


def _values(rows: Sequence[dict], output: str, keys: Sequence[str], method: str) -> tuple[list, list]:
    """Each key's index for ``output`` and its interval; Morris' mu* relative to the output's largest, so that
    outcomes in people and in probability share an axis (0 where there is no index)."""
    name, conf = RANKED[method]
    found = {r["key"]: (r[name], r[conf]) for r in rows if r["output"] == output}
    values = [found.get(k, (None, None))[0] or 0.0 for k in keys]
    intervals = [found.get(k, (None, None))[1] or 0.0 for k in keys]
    if method == "morris":
        top = max(values) or 1.0
        values, intervals = [v / top for v in values], [c / top for c in intervals]
    return values, intervals


def sensitivity_chart(scenario: Any, keys: Sequence[str], rows: Sequence[dict], checkpoints: Sequence[tuple[str, int]],
                      method: str, points: int, replications: int, seed: int) -> Figure:
    """Left: a tornado of each key's index (ST; for Morris mu* relative to the largest) for the median strength
    and P(reach authorized) at the end, with 95% intervals, the most influential key on top. Right: the same
    indices at each mandate deadline and the end, one colour per key (solid: strength; dashed: P)."""
    fig = new_figure()
    fig.subplots_adjust(left=0.2, right=0.8, top=0.82, bottom=0.2, wspace=0.3)
    tornado, over_time = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    index = "total-order index ST" if method == "sobol" else "μ*, relative to the largest"
    colours = {k: COMPARE_PALETTE[i % len(COMPARE_PALETTE)] for i, k in enumerate(keys)}

    ends = {stat: _values(rows, f"{stat}@end", keys, method) for stat, *_ in CHARTED}
    order = sorted(range(len(keys)), key=lambda i: ends["strength"][0][i])  # bottom to top: the largest on top
    height = 0.38
    for s, (stat, words, colour, _) in enumerate(CHARTED):
        values, intervals = ends[stat]
        ys = [k + (0.5 - s) * height for k in range(len(order))]
        constant = all(r[RANKED[method][0]] is None for r in rows if r["output"] == f"{stat}@end")
        label = f"{words} (no index: the same at every point)" if constant else words
        tornado.barh(ys, [values[i] for i in order], height=height, color=colour, label=label,
                     xerr=[intervals[i] for i in order], error_kw={"ecolor": "#333333", "elinewidth": 0.9, "capsize": 2})
    tornado.set_yticks(range(len(order)))
    tornado.set_yticklabels([textwrap.fill(clip(key_words(keys[i]), 60), 28) for i in order], fontsize=TICK_SIZE - 0.5)
    for label, i in zip(tornado.get_yticklabels(), order):
        label.set_color(colours[keys[i]])
    tornado.set_xlim(0, max(1.0, max((max(v[0], default=0) for v in ends.values()), default=0) * 1.05))
    tornado.set_xlabel(f"{index} at the end of the run", fontsize=LABEL_SIZE)
    tornado.set_title("What matters by the end", fontsize=LABEL_SIZE + 1, loc="left")
    tornado.legend(fontsize=LEGEND_SIZE, loc="lower right", frameon=False)

    labels = [label for label, _ in checkpoints]
    top = 1.0
    for stat, _, _, style in CHARTED:
        series = [_values(rows, f"{stat}@{label}", keys, method)[0] for label in labels]  # per checkpoint, per key
        for i, k in enumerate(keys):
            ys = [values[i] for values in series]
            top = max(top, *ys)
            over_time.plot(range(len(labels)), ys, color=colours[k], linestyle=style, marker="o", markersize=4,
                           linewidth=2.0 if style == "-" else 1.3, clip_on=False)
    over_time.set_xticks(range(len(labels)))
    over_time.set_xticklabels([textwrap.fill(clip(label, 30), 14) for label in labels], fontsize=TICK_SIZE - 0.5)
    over_time.set_ylim(0, top * 1.02)
    over_time.set_ylabel(index, fontsize=LABEL_SIZE)
    over_time.set_title("What matters when: at each mandate deadline, and at the end", fontsize=LABEL_SIZE + 1,
                        loc="left")
    handles = [Patch(facecolor=with_alpha(colours[k], 1.0), label=textwrap.fill(clip(key_words(k), 60), 24)) for k in keys]
    handles += [Line2D([], [], color="#444444", linestyle=style, label=words) for _, words, _, style in CHARTED]
    over_time.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=LEGEND_SIZE - 0.5,
                     frameon=False, title="keys", title_fontsize=LEGEND_SIZE)
    for ax in (tornado, over_time):
        ax.tick_params(labelsize=TICK_SIZE)
        ax.grid(True, axis="x" if ax is tornado else "y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    what = "Sobol' indices (Saltelli's scheme)" if method == "sobol" else "Morris elementary effects"
    add_title(fig, f"{clip(scenario.name, 50)} — which assumption matters",
              f"{what}; bars and whiskers: the index and its 95% bootstrap interval", scenario.overrides)
    note = (f"{points:,} design points x {replications:,} replications, seed {seed} (common random numbers); scenario "
            f"hash {scenario.hash[:12]}, mss-sim v{__version__}. An index near 0: the outcome does not depend on the key "
            "within its range.")
    fig.text(LEFT, 0.012, textwrap.fill(note, 150), fontsize=NOTE_SIZE, color=NOTE, ha="left", va="bottom")
    return plain_text(fig)


"""Scenario discovery: which combinations of assumptions lead to an outcome, as boxes over the varied keys
found by PRIM (:mod:`sim.analysis.prim`) among a design's points.

``discover(scenario, {key: "LOW:HIGH"}, when="strength@end >= 2500")`` checks everything before
anything runs, spreads its points over the ranges with a scrambled Sobol' sequence (from SciPy, which
SALib brings), runs them with common random numbers (:mod:`sim.analysis.designs`) and looks for boxes
where the points that meet the condition are dense. :meth:`Sensitivity.discover` does the same on a
sensitivity analysis' own design. The :class:`Discovery` shows as a table, draws the peeling trajectory
and the boxes over the points, and saves its folder (boxes.csv, design.csv, peeling.png, boxes.png,
discover.json, sources.csv, report.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..files import text_writer, write_folder
from ..html import DIV, MUTED, esc
from ..html import table as html_table
from ..results.exports import article_files, sources_csv
from ..scenario import Scenario, as_scenario
from ..text import clip, json_text, percent_text, rows_csv, value_text
from ..text import table as text_table
from ..version import __version__
from .designs import check_size, design_csv, evaluate_design, frame, prepare
from .indices import salib, sub_seed
from .outcomes import Condition, Outcomes, parse_condition
from .prim import Box, Peeling, prim
from .ranges import DesignError, Range, design_points, numbers

#: Points of a discovery's own design unless asked (a power of 2), and the density a box must reach.
DEFAULT_POINTS = 256
DEFAULT_THRESHOLD = 0.8
BOX_COLUMNS = ("box", "key", "low", "high", "coverage", "density", "mass", "p_value")


@dataclass(repr=False)
class Discovery:
    """Boxes of the varied keys where a design's points meet a condition, and how PRIM found them."""

    scenario: Scenario
    ranges: list[Range]
    condition: Condition
    threshold: float
    seed: int
    replications: int
    design: str  # where the points come from, in words
    outcomes: Outcomes
    points: list[dict] = field(repr=False)
    outputs: list[dict] = field(repr=False)
    boxes: list[Box] = field(repr=False)
    trajectories: list[Peeling] = field(repr=False)
    reused: int = 0

    @property
    def keys(self) -> list[str]:
        """The varied keys, in the order given."""
        return [r.key for r in self.ranges]

    @property
    def flags(self) -> np.ndarray:
        """Whether each point meets the condition."""
        return self.condition.holds([o[self.condition.outcome.name] for o in self.outputs])

    def limits(self, box: Box) -> dict[str, tuple[Any, Any]]:
        """``{key: (low, high)}`` of the keys ``box`` restricts, as values of the keys (dates, whole numbers)."""
        out = {}
        for j in box.restricted:
            r = self.ranges[j]
            low, high = box.limits[j]
            out[r.key] = (r.from_number(low) if low != r.number(r.low) else r.low,
                          r.from_number(high) if high != r.number(r.high) else r.high)
        return out

    def rows(self) -> list[dict]:
        """boxes.csv: one row per restricted key per box (a box that restricts nothing: one row, no key)."""
        out = []
        for b, box in enumerate(self.boxes, start=1):
            stats = {"coverage": round(box.coverage, 4), "density": round(box.density, 4), "mass": round(box.mass, 4)}
            limits = self.limits(box)
            if not limits:
                out.append({"box": b, "key": None, "low": None, "high": None, **stats, "p_value": None})
            for j, (key, (low, high)) in zip(box.restricted, limits.items()):
                out.append({"box": b, "key": key, "low": low, "high": high, **stats, "p_value": box.p_values.get(j)})
        return out

    def boxes_csv(self) -> str:
        """boxes.csv."""
        return rows_csv(self.rows(), BOX_COLUMNS)

    def design_csv(self) -> str:
        """design.csv: each point's values and outcomes."""
        return design_csv(self.ranges, self.points, self.outputs, self.outcomes.names)

    def sentences(self) -> list[str]:
        """What the boxes say, in words."""
        hits, total = int(self.flags.sum()), len(self.points)
        out = [f"{hits:,} of {total:,} points ({percent_text(hits / total, 0)}) meet {self.condition.text}."]
        if not self.boxes:
            best = max((s.density for t in self.trajectories for s in t.steps), default=0.0)
            out.append(f"No box reaches a density of {percent_text(self.threshold, 0)}; the densest box on the "
                       f"peeling trajectory has {percent_text(best, 0)}." if hits else "PRIM has nothing to find.")
        for b, box in enumerate(self.boxes, start=1):
            limits = "; ".join(f"{key} from {value_text(low)} to {value_text(high)}"
                               for key, (low, high) in self.limits(box).items()) or "anywhere in the ranges"
            out.append(f"Box {b}: {limits}. It holds {percent_text(box.coverage, 0)} of the points that meet the "
                       f"condition (coverage), and {percent_text(box.density, 0)} of its points meet it (density).")
        return out

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        """boxes.csv as people read it."""
        header = ["box", "key", "low", "high", "coverage", "density", "p-value"]
        body = [[str(r["box"]), clip(r["key"] or "(no restriction)", 50), value_text(r["low"] if r["low"] is not None else "-"),
                 value_text(r["high"] if r["high"] is not None else "-"), percent_text(r["coverage"], 0),
                 percent_text(r["density"], 0), "-" if r["p_value"] is None else f"{r['p_value']:.3f}"]
                for r in self.rows()]
        return header, body

    def text(self) -> str:
        """A fixed-width table of the boxes for terminals, with the sentences."""
        header, body = self._cells()
        lines = [f"{self.scenario.name}: PRIM on {self.design} ({len(self.points):,} points x "
                 f"{self.replications:,} replications, seed {self.seed}), density threshold "
                 f"{percent_text(self.threshold, 0)}"]
        if body:
            lines += text_table(header, body, "llrrrrr", indent="  ")
        return "\n".join(lines + ["  " + s for s in self.sentences()])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:  # one line: the points and the boxes are there to be looked at one by one
        return (f"<Discovery of {self.scenario.name!r} where {self.condition.text}: {len(self.boxes)} boxes among "
                f"{len(self.points):,} points x {self.replications:,} replications, seed {self.seed}>")

    def _repr_html_(self) -> str:
        """The boxes and the sentences, for Jupyter."""
        header, body = self._cells()
        return (f'<div class="mss-sim" style="{DIV}"><div><b>{esc(self.scenario.name)}</b>: where '
                f"<code>{esc(self.condition.text)}</code>"
                f' <span style="{MUTED}">(PRIM on {esc(self.design)}, {len(self.points):,} points × '
                f"{self.replications:,} replications, seed {esc(self.seed)})</span></div>"
                + (html_table(None, header, body, left=2) if body else "")
                + "".join(f"<div>{esc(s)}</div>" for s in self.sentences()) + "</div>")

    def summary(self) -> dict:
        """The machine-readable summary (discover.json, ``sim discover --json``)."""
        return {
            "command": "discover", "version": __version__, "scenario": self.scenario.name,
            "scenario_file": self.scenario.source, "scenario_hash": self.scenario.hash, "when": self.condition.text,
            "threshold": self.threshold, "design": self.design, "points": len(self.points),
            "points_meeting": int(self.flags.sum()), "seed": self.seed, "replications": self.replications,
            "vary": [{"key": r.key, "low": r.low, "high": r.high, "kind": r.kind} for r in self.ranges],
            "boxes": [{"box": b, "coverage": round(box.coverage, 4), "density": round(box.density, 4),
                       "mass": round(box.mass, 4), "limits": {k: list(v) for k, v in self.limits(box).items()}}
                      for b, box in enumerate(self.boxes, start=1)],
        }

    def to_frame(self):
        """boxes.csv as a pandas DataFrame (needs pandas)."""
        return frame(self.boxes_csv(), "Discovery.to_frame")

    def plot_peeling(self):
        """The peeling trajectory chart (peeling.png)."""
        from ..plots.discovery import peeling_chart

        return peeling_chart(self.scenario, self.condition.text, self.threshold, self.trajectories, self.boxes,
                             len(self.points), self.replications, self.seed)

    def plot_boxes(self):
        """The boxes drawn over the design's points (boxes.png)."""
        from ..plots.discovery import boxes_chart

        return boxes_chart(self.scenario, self.condition.text, self.ranges, numbers(self.ranges, self.points),
                           self.flags, self.boxes, self.replications, self.seed)

    def save(self, directory, formats: Sequence[str] = ("png",), force: bool = False,
             question: str | None = None) -> dict:
        """Write the folder atomically; return the summary."""
        from ..plots import Chart
        from .pages import discovery_page

        summary = self.summary()
        peeling, boxes = Chart(self.plot_peeling), Chart(self.plot_boxes)
        writers = {"boxes.csv": text_writer(self.boxes_csv()), "design.csv": text_writer(self.design_csv()),
                   "sources.csv": text_writer(sources_csv(self.scenario.facts, article_files([self.scenario])))}
        for fmt in formats:
            writers[f"peeling.{fmt}"] = peeling.writer(fmt)
            writers[f"boxes.{fmt}"] = boxes.writer(fmt)
        files = list(writers) + ["report.html", "discover.json"]
        writers["report.html"] = lambda path: path.write_text(
            discovery_page(self, peeling.svg(), boxes.svg(), files), encoding="utf-8")
        writers["discover.json"] = text_writer(json_text(summary))
        write_folder(directory, writers, force=force, question=question)
        return summary


def check_threshold(threshold: float | None) -> float:
    """The density a box must reach (default 0.8), in (0, 1]."""
    threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    if not 0 < threshold <= 1:
        raise DesignError(f"--threshold must be a density above 0 and at most 1, got {threshold:g}")
    return threshold


def check_points(samples: int | None) -> int:
    """The points of a discovery's own design (default 256): a power of 2 of at least 2, at most MAX_DESIGN_POINTS."""
    samples = DEFAULT_POINTS if samples is None else int(samples)
    if samples < 2 or samples & (samples - 1):
        raise DesignError(f"--samples for discover must be a power of 2 of at least 2 (a balanced Sobol' sequence), "
                          f"got {samples}")
    check_size(samples)
    return samples


def discover_points(scenario: Scenario, ranges: Sequence[Range], points: Sequence[dict], outputs: Sequence[dict],
                    outcomes: Outcomes, when: str, threshold: float | None, seed: int, replications: int,
                    design: str, reused: int = 0) -> Discovery:
    """PRIM on points already run: ``when`` must name one of ``outcomes``."""
    condition = when if isinstance(when, Condition) else parse_condition(scenario, when)
    if condition.outcome.name not in outcomes.names:
        raise DesignError(f"--when {condition.text!r}: {condition.outcome.name} was not measured in this design; "
                          f"measured: {', '.join(outcomes.names)}")
    threshold = check_threshold(threshold)
    x = numbers(ranges, points)
    bounds = np.array([[r.number(r.low), r.number(r.high)] for r in ranges], dtype=float)
    flags = condition.holds([o[condition.outcome.name] for o in outputs])
    boxes, trajectories = prim(x, flags, bounds, threshold)
    return Discovery(scenario, list(ranges), condition, threshold, seed, replications, design, outcomes, list(points),
                     list(outputs), boxes, trajectories, reused)


def discover(scenario, vary: Mapping[str, Any], when: str, samples: int | None = None, threshold: float | None = None,
             replications: int | None = None, seed: int | None = None, outputs: Sequence[str] = (),
             workers: int | None = None, backend: Any = "local", scheduler: str | None = None,
             progress: bool | Callable[[int], None] | None = None, journal: str | Path | None = None) -> Discovery:
    """Which combinations of the keys in ``vary`` lead to ``when`` (``'OUTCOME OP NUMBER'``, e.g.
    ``'strength@end >= 2500'``): PRIM boxes at least ``threshold`` (default 0.8) dense.

    ``samples`` points (a power of 2, default 256) of a scrambled Sobol' sequence over the ranges, each run
    with ``replications`` (default 200) and ``seed`` (common random numbers); the other arguments as in
    :func:`sim.sensitivity`. Everything is checked before anything runs.
    """
    base = as_scenario(scenario)
    condition = when if isinstance(when, Condition) else parse_condition(base, when)
    base, ranges, outcomes, replications, seed = prepare(base, vary, [*outputs, condition.outcome.name],
                                                        replications, seed)
    threshold = check_threshold(threshold)
    samples = check_points(samples)
    salib()
    from scipy.stats import qmc  # SciPy comes with SALib

    unit = qmc.Sobol(d=len(ranges), scramble=True, seed=sub_seed(seed, 3)).random(samples)
    points = design_points(ranges, unit)
    values, reused = evaluate_design(base, points, outcomes, seed, replications, workers=workers, backend=backend,
                                     scheduler=scheduler, progress=progress, journal=journal,
                                     name=f"{base.name} discover")
    return discover_points(base, ranges, points, values, outcomes, condition, threshold, seed, replications,
                           f"a Sobol' sequence of {samples:,} points", reused)

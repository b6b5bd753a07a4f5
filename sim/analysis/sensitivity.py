"""Which assumption matters: a global sensitivity analysis (Sobol' or Morris, from SALib) of a scenario's
outcomes over ranges of its assumptions, with common random numbers across the design's points.

``sensitivity(scenario, {key: "LOW:HIGH"})`` checks every range and outcome before anything runs, draws
the design in the unit cube, maps it to the keys' values, runs every point (:mod:`sim.analysis.designs`)
and computes each outcome's indices with bootstrap confidence intervals. The :class:`Sensitivity` it
returns shows as a table (text, and HTML in Jupyter), draws its chart, saves its folder
(sensitivity.csv, design.csv, interactions.csv for Sobol', sensitivity.png, sensitivity.json,
sources.csv, report.html) and looks for boxes in its own design (:meth:`Sensitivity.discover`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..errors import InputError
from ..files import text_writer, write_folder
from ..html import DIV, MUTED, esc
from ..html import table as html_table
from ..results.exports import article_files, sources_csv
from ..scenario import Scenario
from ..scenario.paths import key_words
from ..text import clip, json_text, rows_csv
from ..text import table as text_table
from ..version import __version__
from .designs import check_size, design_csv, evaluate_design, frame, prepare
from .indices import COLUMNS, analyse, check_method, design_size, salib, sample
from .outcomes import Outcomes, checkpoints
from .ranges import Range, design_points

#: The index each method ranks keys by, and its interval.
RANKED = {"sobol": ("ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf")}


@dataclass(repr=False)
class Sensitivity:
    """A sensitivity analysis: the design, each point's outcomes and each outcome's indices per key."""

    scenario: Scenario
    ranges: list[Range]
    method: str
    samples: int
    seed: int
    replications: int
    outcomes: Outcomes
    unit: np.ndarray = field(repr=False)  # the design in the unit cube (points x keys)
    points: list[dict] = field(repr=False)  # each point's overrides
    outputs: list[dict] = field(repr=False)  # each point's outcomes
    rows: list[dict] = field(repr=False)  # sensitivity.csv: output, key, the method's indices
    interactions: list[dict] = field(repr=False)  # interactions.csv (Sobol' only)
    reused: int = 0  # points taken from a journal

    @property
    def keys(self) -> list[str]:
        """The varied keys, in the order given."""
        return [r.key for r in self.ranges]

    def index(self, output: str, key: str, column: str | None = None) -> float | None:
        """One index of ``key`` for ``output`` (by default the ranking one: ST, or mu_star for Morris)."""
        column = column or RANKED[self.method][0]
        for r in self.rows:
            if r["output"] == output and r["key"] == key and column in r:
                return r[column]
        raise InputError(f"no {column} of {key!r} for {output!r}; outputs: {', '.join(self.outcomes.names)}; keys: "
                         f"{', '.join(self.keys)}; columns: {', '.join(COLUMNS[self.method])}")

    def ranking(self, output: str) -> list[str]:
        """The keys from the most to the least influential on ``output`` (keys without an index last)."""
        return sorted(self.keys, key=lambda k: -(self.index(output, k) or 0.0))

    def sensitivity_csv(self) -> str:
        """sensitivity.csv: one row per (output, key)."""
        return rows_csv(self.rows, ["output", "key", *COLUMNS[self.method]])

    def design_csv(self) -> str:
        """design.csv: each point's values and outcomes."""
        return design_csv(self.ranges, self.points, self.outputs, self.outcomes.names)

    def interactions_csv(self) -> str:
        """interactions.csv: second-order Sobol' indices of each pair of keys, per output."""
        return rows_csv(self.interactions, ["output", "key", "other", "S2", "S2_conf"])

    def summary(self) -> dict:
        """The machine-readable summary (sensitivity.json, ``sim sensitivity --json``)."""
        return {
            "command": "sensitivity", "version": __version__, "scenario": self.scenario.name,
            "scenario_file": self.scenario.source, "scenario_hash": self.scenario.hash, "method": self.method,
            "samples": self.samples, "points": len(self.points), "seed": self.seed,
            "replications": self.replications,
            "vary": [{"key": r.key, "low": r.low, "high": r.high, "kind": r.kind} for r in self.ranges],
            "outputs": self.outcomes.names, "ranking": {o: self.ranking(o) for o in self.outcomes.names},
            "indices": self.rows,
        }

    def headline(self) -> list[str]:
        """Sentences: the most influential key on each outcome (median strength and P(authorized) at each
        checkpoint, P(deficit), and any outcome the user named)."""
        name, interval = RANKED[self.method]
        out = []
        for outcome in self.outcomes.items:
            first = self.ranking(outcome.name)[0]
            value = self.index(outcome.name, first)
            if value is None:
                out.append(f"{outcome.words}: the same at every point; no key changes it.")
                continue
            conf = self.index(outcome.name, first, interval)
            shown = first if key_words(first) == first else f"{key_words(first)} ({first})"
            out.append(f"{outcome.words}: {shown} matters most, {name} {value:.2f}"
                       + (f" ± {conf:.2f}" if conf is not None else "") + ".")
        return out

    def _cells(self) -> tuple[list[str], list[list[str]]]:
        """The table people read: one row per key, the ranking index (± its interval) per output."""
        name, interval = RANKED[self.method]
        header = ["key"] + [clip(o, 26) for o in self.outcomes.names]
        body = []
        for key in self.keys:
            line = [clip(key, 50)]
            for o in self.outcomes.names:
                value, conf = self.index(o, key), self.index(o, key, interval)
                line.append("-" if value is None else f"{value:.2f}" + (f" ±{conf:.2f}" if conf is not None else ""))
            body.append(line)
        return header, body

    def text(self) -> str:
        """A fixed-width table for terminals, with the headline sentences."""
        header, body = self._cells()
        what = "total-order index ST" if self.method == "sobol" else "mu* (mean absolute elementary effect)"
        lines = [f"{self.scenario.name}: {self.method} design of {len(self.points):,} points x "
                 f"{self.replications:,} replications, seed {self.seed}; {what} ± 95% interval"]
        lines += text_table(header, body, "l" + "r" * (len(header) - 1), indent="  ")
        return "\n".join(lines + ["  " + s for s in self.headline()])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:  # one line: the design and its tables are there to be looked at one by one
        return (f"<Sensitivity of {self.scenario.name!r}: {self.method}, {len(self.ranges)} keys, {len(self.points):,} "
                f"points x {self.replications:,} replications, seed {self.seed}>")

    def _repr_html_(self) -> str:
        """The table and the headline sentences, for Jupyter."""
        header, body = self._cells()
        what = "total-order index ST" if self.method == "sobol" else "μ* (mean absolute elementary effect)"
        return (f'<div class="mss-sim" style="{DIV}"><div><b>{esc(self.scenario.name)}</b>: {esc(self.method)} '
                f"design of {len(self.points):,} points × {self.replications:,} replications, seed {esc(self.seed)}"
                f' <span style="{MUTED}">({esc(what)} ± 95% interval)</span></div>'
                + html_table(None, header, body, left=1)
                + "".join(f"<div>{esc(s)}</div>" for s in self.headline()) + "</div>")

    def to_frame(self):
        """sensitivity.csv as a pandas DataFrame (needs pandas: ``pip install 'mss-sim[notebook]'``)."""
        return frame(self.sensitivity_csv(), "Sensitivity.to_frame")

    def design_frame(self):
        """design.csv as a pandas DataFrame (needs pandas)."""
        return frame(self.design_csv(), "Sensitivity.design_frame")

    def plot(self):
        """The chart of sensitivity.png: a tornado of the indices at the end, and the indices per deadline."""
        from ..plots.sensitivity import sensitivity_chart  # matplotlib only when a chart is drawn

        return sensitivity_chart(self.scenario, self.keys, self.rows, checkpoints(self.scenario), self.method,
                                 len(self.points), self.replications, self.seed)

    def discover(self, when: str, threshold: float | None = None):
        """Scenario discovery (PRIM) on this design's points for the condition ``when``."""
        from .discovery import discover_points

        return discover_points(self.scenario, self.ranges, self.points, self.outputs, self.outcomes, when,
                               threshold, self.seed, self.replications, f"the {self.method} design")

    def save(self, directory, formats: Sequence[str] = ("png",), force: bool = False,
             question: str | None = None) -> dict:
        """Write the folder atomically (see the module's docstring); return the summary."""
        from ..plots import Chart
        from .pages import sensitivity_page

        summary = self.summary()
        chart = Chart(self.plot)
        writers = {"sensitivity.csv": text_writer(self.sensitivity_csv()), "design.csv": text_writer(self.design_csv())}
        if self.method == "sobol":
            writers["interactions.csv"] = text_writer(self.interactions_csv())
        writers["sources.csv"] = text_writer(sources_csv(self.scenario.facts, article_files([self.scenario])))
        for fmt in formats:
            writers[f"sensitivity.{fmt}"] = chart.writer(fmt)
        files = list(writers) + ["report.html", "sensitivity.json"]
        writers["report.html"] = lambda path: path.write_text(sensitivity_page(self, chart.svg(), files), encoding="utf-8")
        writers["sensitivity.json"] = text_writer(json_text(summary))
        write_folder(directory, writers, force=force, question=question)
        return summary


def sensitivity(scenario, vary: Mapping[str, Any], method: str = "sobol", samples: int | None = None,
                replications: int | None = None, seed: int | None = None, outputs: Sequence[str] = (),
                workers: int | None = None, backend: Any = "local", scheduler: str | None = None,
                progress: bool | Callable[[int], None] | None = None, journal: str | Path | None = None) -> Sensitivity:
    """Which of the keys in ``vary`` (``{key: "LOW:HIGH"}`` or ``{key: (low, high)}``) drive ``scenario``'s outcomes.

    ``method`` is ``sobol`` (first-order and total indices, ``samples`` = N, a power of 2, default 64: N x
    (2 keys + 2) points) or ``morris`` (mu*, sigma; ``samples`` trajectories, default 20: trajectories x
    (keys + 1) points). Every point runs ``replications`` (default 200) with ``seed`` (the scenario's by
    default): common random numbers. ``outputs`` adds outcomes to the default ones (``strength@`` and
    ``p_reach_authorized@`` each deadline and the end, ``p_deficit`` with funding). ``backend``,
    ``scheduler``, ``workers`` and ``progress`` as in :func:`sim.run`; ``journal`` as in :func:`sim.sweep`.
    Everything is checked before anything runs (:class:`~sim.analysis.ranges.DesignError`); SALib is needed
    (``pip install 'mss-sim[analysis]'``).
    """
    scenario, ranges, outcomes, replications, seed = prepare(scenario, vary, outputs, replications, seed)
    samples = check_method(method, samples)
    check_size(design_size(method, samples, len(ranges)))
    salib()
    keys = [r.key for r in ranges]
    unit = sample(method, keys, samples, seed)
    points = design_points(ranges, unit)
    values, reused = evaluate_design(scenario, points, outcomes, seed, replications, workers=workers, backend=backend,
                                     scheduler=scheduler, progress=progress, journal=journal,
                                     name=f"{scenario.name} {method}")
    rows, pairs = [], []
    for name in outcomes.names:
        indices, interactions = analyse(method, keys, unit, [v[name] for v in values], seed)
        rows += [{"output": name, "key": key, **indices[key]} for key in keys]
        pairs += [{"output": name, "key": a, "other": b, "S2": s2, "S2_conf": conf} for a, b, s2, conf in interactions]
    return Sensitivity(scenario, ranges, method, samples, seed, replications, outcomes, unit, points, values, rows,
                       pairs, reused)


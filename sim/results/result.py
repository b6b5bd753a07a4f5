"""The Result of ``sim.run``: daily quantiles, probabilities, funding, the summary, and its provenance."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import InputError
from ..version import environment
from .aggregate import FUNDING_BINS, QUANTILES
from .draws import draws_csv, draws_frame
from .quantiles import binned_quantile, binned_quantiles, day_counts, histogram_quantiles
from .report import result_frame, result_html, summary_text
from .save import funding_csv, save_run, strength_csv

if TYPE_CHECKING:
    from ..scenario import Scenario
    from .aggregate import Accumulator


class Result:
    """The aggregated outcome of ``sim.run``: curves, probabilities, funding, and their provenance."""

    def __init__(self, scenario: Scenario, seed: int, accumulator: Accumulator, version: str):
        self.scenario = scenario
        self.seed = seed
        self.acc = accumulator
        self.version = version
        self.environment = environment()  # where the numbers came from: summary.json records it
        self.replications = accumulator.replications
        self.series = list(accumulator.layout.series)
        first = np.datetime64(scenario.start, "D")
        self.dates = np.arange(first, first + np.timedelta64(scenario.days, "D"))
        self._quantiles: dict[str, dict[str, np.ndarray]] = {}
        self._balance: dict[str, np.ndarray] | None = None
        #: what each replication took for its own, for provenance: {key: prior as text, or "column of FILE"}
        self.varied: dict[str, str] = {}

    # ------------------------------------------------------------------ curves

    def quantiles(self, series: str = "total") -> dict[str, np.ndarray]:
        """Per-day ``{"p5", "p25", "p50", "p75", "p95"}`` of a series (a country or "total")."""
        if series not in self._quantiles:
            layout = self.acc.layout
            s = self.series.index(series)
            counts = day_counts(self.acc.histogram[layout.offsets[s] : layout.offsets[s + 1]], layout.days)
            values = histogram_quantiles(counts, [q / 100 for q in QUANTILES])
            self._quantiles[series] = {f"p{q}": v for q, v in zip(QUANTILES, values)}
        return self._quantiles[series]

    def distribution(self, series: str, day: int) -> np.ndarray:
        """How many replications had each strength (the index) in ``series`` at the end of ``day``."""
        layout = self.acc.layout
        s = self.series.index(series)
        diff = self.acc.histogram[layout.offsets[s] : layout.offsets[s + 1]].reshape(layout.days, -1)
        return diff[: day + 1].sum(axis=0, dtype=np.int64)

    def distributions(self, series: str, days) -> dict[int, np.ndarray]:
        """:meth:`distribution` of ``series`` on each of ``days`` (a dict by day), the histogram summed once."""
        layout = self.acc.layout
        s = self.series.index(series)
        diff = self.acc.histogram[layout.offsets[s] : layout.offsets[s + 1]].reshape(layout.days, -1)
        out, running, done = {}, np.zeros(diff.shape[1], dtype=np.int64), 0
        for day in sorted(set(days)):
            running += diff[done : day + 1].sum(axis=0, dtype=np.int64)
            out[day], done = running.copy(), day + 1
        return out

    def arrived_distribution(self, series: str, day) -> np.ndarray:
        """How many replications had each number (the index) of cumulative arrivals in ``series`` (a country or
        "total") by the end of ``day`` (a date or a day number); InputError unless the run recorded it
        (``sim.run(..., arrivals=[(series, date), ...])``)."""
        return self.acc.arrived[self._probe(series, day)].copy()

    def _probe(self, series: str, day) -> int:
        """The index of ``(series, day)`` among the recorded arrival probes; InputError if it was not recorded."""
        layout = self.acc.layout
        when = self.scenario.day(day) if isinstance(day, dt.date) else day
        probe = (self.series.index(series), when) if series in self.series else None
        if probe not in layout.arrived:
            raise InputError(f"the cumulative arrivals of {series!r} on {day} were not recorded: run with "
                             f"sim.run(..., arrivals=[({series!r}, date), ...]) (sim.arrivals_needed(observations) "
                             f"lists those a backtest needs)")
        return layout.arrived.index(probe)

    def mean(self, series: str = "total") -> np.ndarray:
        """Per-day mean strength of a series across replications."""
        return self.acc.sums[self.series.index(series)] / self.replications

    def p_reach(self, level: str = "authorized") -> np.ndarray:
        """Per day, the probability that total strength has reached ``authorized`` or ``target`` by then."""
        row = 0 if level == "authorized" else 1
        return np.cumsum(self.acc.first_reach[row][:-1]) / self.replications

    def first_reach_counts(self, level: str = "authorized") -> np.ndarray:
        """Replications by the day total strength first reached ``authorized`` or ``target``;
        the last entry counts those that never did within the run."""
        return self.acc.first_reach[0 if level == "authorized" else 1].copy()

    def first_reach_quantile(self, q: float, level: str = "authorized") -> dt.date | None:
        """The day by which a share ``q`` of replications had reached the level (the order statistic of
        rank floor((n - 1) q)); None if that many did not reach it within the run."""
        rank = math.floor((self.replications - 1) * q)
        day = int((np.cumsum(self.acc.first_reach[0 if level == "authorized" else 1]) <= rank).sum())
        return None if day >= self.scenario.days else self.scenario.date(day)

    def first_reach_median(self, level: str = "authorized") -> dt.date | None:
        """Median day the level is first reached (None if it is not reached in at least half the replications)."""
        return self.first_reach_quantile(0.5, level)

    @property
    def has_replications(self) -> bool:
        """Whether every replication's curves were kept (``run(..., keep_replications=True)``)."""
        return bool(self.acc.kept)

    def replication_curves(self, series: str = "total") -> np.ndarray:
        """Every replication's daily strength (replications, days); needs ``run(..., keep_replications=True)``."""
        s = self.series.index(series)
        return np.concatenate([strength[:, s, :] for _, strength, _, _ in self._kept()]).astype(np.int64)

    def replication_strength(self) -> np.ndarray:
        """Every replication's daily strength (replications, series, days); needs ``keep_replications``."""
        return np.concatenate([strength for _, strength, _, _ in self._kept()])

    def replication_balances(self) -> np.ndarray:
        """Every replication's daily balance in dollars (replications, days); needs ``keep_replications``."""
        if not self.acc.layout.funding:
            raise InputError("scenario has no [funding] table")
        return np.concatenate([balance for _, _, balance, _ in self._kept()]) / 100

    def replication_arrived(self, series: str, day) -> np.ndarray:
        """Every replication's cumulative arrivals in ``series`` (a country or "total") by the end of ``day`` (a date
        or day number), as int64 (replications,); needs ``keep_replications`` and that probe in ``arrivals``."""
        probe = self._probe(series, day)
        return np.concatenate([arrived[:, probe] for _, _, _, arrived in self._kept()]).astype(np.int64)

    def without_replications(self) -> "Result":
        """This result without the kept curves: all a chart needs, light to send to another process."""
        if not self.acc.kept:
            return self
        light = copy.copy(self)
        light.acc = copy.copy(self.acc)
        light.acc.kept = []
        return light

    def _kept(self) -> list:
        """The kept curves in replication order, whatever the workers."""
        if not self.acc.kept:
            raise InputError("replications were not kept: run with keep_replications=True (--keep-replications)")
        return sorted(self.acc.kept, key=lambda item: item[0])

    @property
    def has_draws(self) -> bool:
        """Whether every replication's named draws were kept (``run(..., keep_draws=True)``)."""
        return bool(self.acc.draws)

    def draws(self):
        """Every replication's varied values and named draws: a pandas DataFrame indexed by replication where
        pandas is installed, else a dict of columns; needs ``run(..., keep_draws=True)`` (``--keep-draws``)."""
        if not self.acc.draws:
            raise InputError("draws were not kept: run with keep_draws=True (--keep-draws)")
        return draws_frame(self.acc.draws)

    def draws_csv(self) -> str:
        """draws.csv: a replication column, the varied keys, then every named draw (exact values)."""
        if not self.acc.draws:
            raise InputError("draws were not kept: run with keep_draws=True (--keep-draws)")
        return draws_csv(self.acc.draws)

    def balance_quantiles(self) -> dict[str, np.ndarray] | None:
        """Per-day balance quantiles in US dollars, or None without funding (computed once)."""
        acc = self.acc
        if not acc.layout.funding:
            return None
        if self._balance is None:
            lo, hi = acc.layout.balance_low, acc.layout.balance_high
            out = {"mean": acc.balance_sum / self.replications / 100}
            counts = day_counts(acc.balance_hist, acc.layout.days)
            values = binned_quantiles(counts, lo, hi, [0.05, 0.5, 0.95], acc.balance_min, acc.balance_max)
            out.update({f"p{q}": v / 100 for q, v in zip((5, 50, 95), values)})
            self._balance = out
        return {k: v.copy() for k, v in self._balance.items()}

    def _balance_on(self, day: int) -> dict[str, float]:
        """The balance's mean, p5, p50 and p95 in US dollars on ``day``: from the per-day ones if computed, else
        from that day's histogram alone (the same numbers, without every other day's)."""
        if self._balance is not None:
            return {k: float(v[day]) for k, v in self._balance.items()}
        acc = self.acc
        lo, hi = acc.layout.balance_low, acc.layout.balance_high
        counts = acc.balance_hist[: day + 1].sum(axis=0, dtype=np.int64)[None, :]
        values = binned_quantiles(counts, lo, hi, [0.05, 0.5, 0.95], acc.balance_min[day : day + 1],
                                  acc.balance_max[day : day + 1])
        out = {"mean": float((acc.balance_sum / self.replications / 100)[day])}
        return out | {f"p{q}": float(v[0] / 100) for q, v in zip((5, 50, 95), values)}

    # ------------------------------------------------------------------ headline numbers and their views

    def _at(self, day: int) -> dict:
        """Total strength on ``day``: mean, p5, p50 and p95, rounded to 3 decimals."""
        q = self.quantiles("total")
        return {
            "mean": round(float(self.mean("total")[day]), 3),
            "p5": round(float(q["p5"][day]), 3),
            "p50": round(float(q["p50"][day]), 3),
            "p95": round(float(q["p95"][day]), 3),
        }

    def _first_days(self, level: str) -> dict:
        """The ISO dates by which 5%, 50% and 95% of replications had reached ``level`` (None: not reached)."""
        out = {}
        for q in (5, 50, 95):
            date = self.first_reach_quantile(q / 100, level)
            out[f"p{q}"] = date.isoformat() if date else None
        return out

    def summary(self) -> dict:
        """The headline numbers and their provenance (the content of summary.json)."""
        sc = self.scenario
        last = sc.days - 1
        deadlines = []
        for name, date in sc.deadlines():
            day = sc.day(date)
            deadlines.append({
                "mandate": name, "date": date.isoformat(), "strength": self._at(day),
                "p_reach_authorized": round(float(self.p_reach("authorized")[day]), 4),
                "p_reach_target": round(float(self.p_reach("target")[day]), 4),
            })
        reach = self.first_reach_median("authorized")
        reach_target = self.first_reach_median("target")
        out = {
            "scenario": sc.name,
            "description": sc.description,
            "scenario_file": sc.source,
            "scenario_hash": sc.hash,
            **({"overrides": {k: _jsonable(v) for k, v in sc.overrides.items()}} if sc.overrides else {}),
            **({"varied": dict(self.varied)} if self.varied else {}),
            "seed": self.seed,
            "replications": self.replications,
            "version": self.version,
            "environment": self.environment,
            "start": sc.start.isoformat(),
            "end": sc.end.isoformat(),
            **({"as_of": sc.as_of.isoformat()} if sc.as_of else {}),
            "authorized": sc.authorized,
            "target": sc.target,
            "facts": [{"id": f.id, "value": _jsonable(f.value), "source": f.source, "source_name": f.source_name,
                       "quote": f.quote, "used_at": f.path} for f in sc.facts_used],
            "strength": {
                "at_end": self._at(last),
                "at_deadlines": deadlines,
                "p_reach_authorized": round(float(self.p_reach("authorized")[last]), 4),
                "p_reach_target": round(float(self.p_reach("target")[last]), 4),
                "median_first_day_authorized": reach.isoformat() if reach else None,
                "median_first_day_target": reach_target.isoformat() if reach_target else None,
                "first_day_authorized": self._first_days("authorized"),
                "first_day_target": self._first_days("target"),
                "p_lapse": round(self.acc.lapses / self.replications, 4),
            },
            "events_per_replication": round(self.acc.events / self.replications, 1),
        }
        if self.acc.layout.funding:
            acc = self.acc
            lo, hi = acc.layout.balance_low, acc.layout.balance_high
            lowest = binned_quantile(acc.lowest_hist[None, :], lo, hi, 0.5, acc.lowest_min, acc.lowest_max)[0]
            days_hist = acc.deficit_days
            out["funding"] = {
                "p_deficit": round(acc.deficits / self.replications, 4),
                "median_minimum_balance_usd": round(float(lowest) / 100, 2),
                "mean_days_in_deficit": round(float((np.arange(days_hist.size) * days_hist).sum()) / self.replications, 3),
                "balance_at_end_usd": {k: round(v, 2) for k, v in self._balance_on(last).items()},
                "resolution_usd": round((hi - lo) / FUNDING_BINS / 100, 2),
            }
            in_kind = [p for p in sc.funding.pledges if p.in_kind]
            if in_kind:  # reported, never in the balance
                out["funding"]["in_kind"] = [
                    {"donor": p.donor, "amount_usd": round(float(p.amount_usd), 2),
                     "dates": [d.isoformat() for d in p.planned_dates()]} for p in in_kind]
        return out

    def text(self) -> str:
        """A one-screen summary for terminals."""
        return summary_text(self.summary(), self.scenario.overrides)

    def __repr__(self) -> str:
        return f"<Result {self.scenario.name!r}: {self.replications} replications, seed {self.seed}>"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        """The headline numbers of summary() as HTML tables for Jupyter."""
        return result_html(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Readable text in IPython terminals and text outputs: ``str()``."""
        printer.text("<Result ...>" if cycle else str(self))

    def to_frame(self, series=None):
        """Daily strength as a tidy pandas DataFrame: date, series, mean, p5, p25, p50, p75, p95.

        ``series``: a country, "total", a list of them, or None for all (total first).
        Needs pandas: ``pip install 'mss-sim[notebook]'``.
        """
        return result_frame(self, series)

    # ------------------------------------------------------------------ files and charts

    def strength_csv(self) -> str:
        """strength.csv: date, series, mean and quantiles per day, total first."""
        return strength_csv(self)

    def funding_csv(self) -> str | None:
        """funding.csv: date, mean and quantiles of the balance per day (None without funding)."""
        return funding_csv(self)

    def save(self, directory, formats: tuple[str, ...] = ("png",), force: bool = False,
             question: str | None = None, drawers=None) -> Path:
        """Write the run's files (docs/design.md section 5) into ``directory`` atomically; return its path.

        ``formats`` empty: no charts. ``drawers`` (:class:`sim.plots.parallel.Drawers`): charts drawn in other
        processes meanwhile, the same bytes."""
        return save_run(self, directory, formats=formats, force=force, question=question, drawers=drawers)

    def plot(self, kind: str = "strength"):
        """A matplotlib Figure: ``"strength"`` (fan chart) or ``"funding"``."""
        from ..plots import funding_chart, strength_chart

        charts = {"strength": strength_chart, "funding": funding_chart}
        if kind not in charts:
            raise InputError(f"unknown chart {kind!r}; choose one of {', '.join(charts)}")
        return charts[kind](self)

    def summary_json(self) -> str:
        """summary.json's text."""
        return json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n"


def _jsonable(value):
    """``value`` with every date in it (in dicts and lists too) as ISO text."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value

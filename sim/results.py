"""From replications to projected curves: streaming aggregation and the Result.

Replications are reduced as they come, so memory stays O(days x series) however
many there are:

* **strength** quantiles are exact: a per-day histogram of integer strengths
  (strength never exceeds the pledges nor the highest ceiling) gives the same
  quantiles as sorting every curve (NumPy's default "linear" method);
* means and probabilities come from exact integer sums and counts;
* the **funding balance** is a number of cents with no small range: its per-day
  quantiles come from a histogram of :data:`FUNDING_BINS` equal bins spanning the
  balances the scenario can possibly reach (start balance plus every pledge, down
  to the start balance minus the most the mission could spend). Each order statistic
  is taken at its bin's centre, interpolated as NumPy does, and clamped to the exact
  per-day minimum and maximum: the result is within half a bin of the exact quantile
  (``funding.resolution_usd`` in summary.json is the bin width). Means are exact.

Partial aggregates merge by addition, so the result does not depend on how
replications were spread over workers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .model import Trace
from .scenario import Scenario

QUANTILES = (5, 25, 50, 75, 95)
FUNDING_BINS = 4096


@dataclass(frozen=True)
class Layout:
    """The shape of a run's aggregates, fixed before the first replication."""

    series: tuple[str, ...]  # each country, then "total"
    maxima: tuple[int, ...]  # largest possible strength of each series
    days: int
    funding: bool
    balance_low: float = 0.0  # funding histogram range, cents
    balance_high: float = 0.0

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> "Layout":
        pledged = [c.pledged for c in scenario.contingents]
        ceilings = [scenario.authorized] + [m.authorized_after for m in scenario.mandates if m.authorized_after]
        maxima = tuple(pledged) + (min(sum(pledged), max(ceilings)),)
        low = high = 0.0
        if scenario.funding is not None:
            low, high = balance_bounds(scenario, maxima[-1])
        return cls(
            series=tuple(c.country for c in scenario.contingents) + ("total",), maxima=maxima,
            days=scenario.days, funding=scenario.funding is not None, balance_low=low, balance_high=high,
        )

    @property
    def offsets(self) -> np.ndarray:
        sizes = [self.days * (m + 1) for m in self.maxima]
        return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def curves(traces: list[Trace], layout: Layout) -> tuple[np.ndarray, np.ndarray | None]:
    """Daily end-of-day strength (series, days, replications) and balance in cents (days, replications).

    Replications are the last axis, so that everything done per day and per series
    walks memory in order.
    """
    countries, days = len(layout.series) - 1, layout.days
    strength = np.empty((countries + 1, days, len(traces)), dtype=np.int32)
    _steps([t.strength for t in traces], countries, days, out=strength[:countries])
    strength[countries] = strength[:countries].sum(axis=0)
    balance = None
    if layout.funding:
        balance = np.empty((1, days, len(traces)), dtype=np.int64)
        _steps([t.balance for t in traces], 0, days, out=balance)
        balance = balance[0]
    return strength, balance


def _steps(logs: list[list[int]], series: int, days: int, out: np.ndarray) -> None:
    """Daily values into ``out`` (max(series, 1), days, replications) from flat change-point logs.

    A log is ``day, series, delta, ...`` (or ``day, delta, ...`` when ``series`` is 0).
    Days before 0 count on day 0. Integer sums below 2**53 are exact in float64.
    """
    width = 3 if series else 2
    n = len(logs)
    lengths = np.fromiter((len(log) // width for log in logs), dtype=np.int64, count=n)
    flat = np.fromiter(itertools.chain.from_iterable(logs), dtype=np.int64, count=int(lengths.sum()) * width)
    points = flat.reshape(-1, width)
    index = np.clip(points[:, 0], 0, days - 1) * n + np.repeat(np.arange(n, dtype=np.int64), lengths)
    if series:
        index += points[:, 1] * (days * n)
    daily = np.bincount(index, weights=points[:, -1], minlength=max(series, 1) * days * n)
    daily = daily.reshape(max(series, 1), days, n)
    np.cumsum(daily, axis=1, out=daily)
    out[...] = daily


def balance_bounds(scenario: Scenario, most_people: int) -> tuple[float, float]:
    """The lowest and highest balance (cents) a replication can reach, with a margin of one cent."""
    funding = scenario.funding
    high = funding.start_balance_usd + sum(p.amount_usd for p in funding.pledges)
    first = min([scenario.start] + [b.planned for c in scenario.contingents for b in c.batches])
    span = (scenario.end - first).days + 1
    arrivals = 0
    for c in scenario.contingents:
        shortest = max(1, math.floor(c.tour_days.support()[0] + 0.5))
        arrivals += c.pledged * (span // shortest + 1)
    months = (scenario.end.year - scenario.start.year) * 12 + scenario.end.month - scenario.start.month + 1
    spend = (funding.cost_per_officer_day_usd * most_people * scenario.days
             + funding.fixed_cost_per_month_usd * months + funding.deploy_cost_per_officer_usd * arrivals)
    low = min(funding.start_balance_usd, 0) - spend
    return math.floor(low * 100) - 1.0, math.ceil(high * 100) + 1.0


@dataclass
class Accumulator:
    """Sums and histograms of replications; ``merge`` adds another one in."""

    layout: Layout
    thresholds: tuple[int, int]  # authorized, target
    replications: int = 0
    histogram: np.ndarray = field(default=None, repr=False)  # day-differenced: see day_counts()
    sums: np.ndarray = field(default=None, repr=False)
    first_reach: np.ndarray = field(default=None, repr=False)  # (2, days + 1): day first >= threshold, last = never
    lapses: int = 0
    balance_hist: np.ndarray = field(default=None, repr=False)  # (days, bins), day-differenced
    balance_sum: np.ndarray = field(default=None, repr=False)
    balance_min: np.ndarray = field(default=None, repr=False)
    balance_max: np.ndarray = field(default=None, repr=False)
    deficits: int = 0
    deficit_days: np.ndarray = field(default=None, repr=False)
    lowest_hist: np.ndarray = field(default=None, repr=False)  # minimum balance of each replication, binned
    lowest_min: float = math.inf
    lowest_max: float = -math.inf
    events: int = 0
    kept: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        layout = self.layout
        days, series = layout.days, len(layout.series)
        if self.histogram is None:
            self.histogram = np.zeros(int(layout.offsets[-1]), dtype=np.int32)
            self.sums = np.zeros((series, days), dtype=np.int64)
            self.first_reach = np.zeros((2, days + 1), dtype=np.int64)
            if layout.funding:
                self.balance_hist = np.zeros((days, FUNDING_BINS), dtype=np.int32)
                self.balance_sum = np.zeros(days, dtype=np.int64)
                self.balance_min = np.full(days, np.iinfo(np.int64).max, dtype=np.int64)
                self.balance_max = np.full(days, np.iinfo(np.int64).min, dtype=np.int64)
                self.deficit_days = np.zeros(days + 1, dtype=np.int64)
                self.lowest_hist = np.zeros(FUNDING_BINS, dtype=np.int64)

    def add(self, traces: list[Trace], keep_from: int | None = None) -> None:
        """Reduce replications into the aggregate; keep their curves too if ``keep_from`` (their first index) is given."""
        strength, balance = curves(traces, self.layout)
        self.add_curves(strength, balance)
        self.lapses += sum(t.lapsed_on is not None for t in traces)
        self.events += sum(t.events for t in traces)
        if keep_from is not None:  # kept as (replications, series, days) and (replications, days)
            self.kept.append((keep_from, strength.transpose(2, 0, 1).copy(), None if balance is None else balance.T.copy()))

    def add_curves(self, strength: np.ndarray, balance: np.ndarray | None) -> None:
        """Reduce curves laid out as :func:`curves` returns them."""
        layout = self.layout
        series, days, n = strength.shape
        self.replications += n
        self.sums += strength.sum(axis=2, dtype=np.int64)
        maxima = np.asarray(layout.maxima, dtype=np.int64)
        values = np.minimum(strength, maxima[:, None, None].astype(np.int32))
        _count_steps(self.histogram, values, layout.offsets[:-1], maxima + 1)
        total = strength[-1]
        for row, level in enumerate(self.thresholds):
            reached = total >= level
            first = np.where(reached.any(axis=0), reached.argmax(axis=0), days)
            self.first_reach[row] += np.bincount(first, minlength=days + 1)
        if balance is not None:
            self._add_balance(balance)

    def _add_balance(self, balance: np.ndarray) -> None:
        days, n = balance.shape
        self.balance_sum += balance.sum(axis=1)
        np.minimum(self.balance_min, balance.min(axis=1), out=self.balance_min)
        np.maximum(self.balance_max, balance.max(axis=1), out=self.balance_max)
        bins = self._bin(balance)[None, :, :]
        _count_steps(self.balance_hist.reshape(-1), bins, np.zeros(1, np.int64), np.array([FUNDING_BINS]))
        below = balance < 0
        self.deficits += int(below.any(axis=0).sum())
        self.deficit_days += np.bincount(below.sum(axis=0), minlength=days + 1)
        lowest = balance.min(axis=0)
        self.lowest_hist += np.bincount(self._bin(lowest), minlength=FUNDING_BINS)
        self.lowest_min = min(self.lowest_min, float(lowest.min()))
        self.lowest_max = max(self.lowest_max, float(lowest.max()))

    def _bin(self, cents: np.ndarray) -> np.ndarray:
        low, high = self.layout.balance_low, self.layout.balance_high
        width = (high - low) / FUNDING_BINS
        return np.clip(((cents - low) / width).astype(np.int64), 0, FUNDING_BINS - 1)

    def __getstate__(self) -> dict:
        """Pickled sparsely: the day-differenced histograms are mostly zeros (partials cross processes)."""
        state = dict(self.__dict__)
        for name in ("histogram", "balance_hist"):
            dense = state[name]
            if dense is not None:
                where = np.flatnonzero(dense)
                state[name] = (dense.shape, where.astype(np.int64), dense.ravel()[where])
        return state

    def __setstate__(self, state: dict) -> None:
        for name in ("histogram", "balance_hist"):
            if state[name] is not None:
                shape, where, values = state[name]
                dense = np.zeros(shape, dtype=np.int32)
                dense.ravel()[where] = values
                state[name] = dense
        self.__dict__.update(state)

    def merge(self, other: "Accumulator") -> None:
        """Add ``other`` (from the same layout) into this one."""
        self.replications += other.replications
        np.add(self.histogram, other.histogram, out=self.histogram)
        self.sums += other.sums
        self.first_reach += other.first_reach
        self.lapses += other.lapses
        self.events += other.events
        self.kept.extend(other.kept)
        if self.layout.funding:
            np.add(self.balance_hist, other.balance_hist, out=self.balance_hist)
            self.balance_sum += other.balance_sum
            np.minimum(self.balance_min, other.balance_min, out=self.balance_min)
            np.maximum(self.balance_max, other.balance_max, out=self.balance_max)
            self.deficits += other.deficits
            self.deficit_days += other.deficit_days
            self.lowest_hist += other.lowest_hist
            self.lowest_min = min(self.lowest_min, other.lowest_min)
            self.lowest_max = max(self.lowest_max, other.lowest_max)


def _count_steps(diff: np.ndarray, values: np.ndarray, offsets: np.ndarray, widths: np.ndarray) -> None:
    """Count ``values`` (series, days, replications) into day-differenced histograms, in place.

    Series ``s`` owns ``diff[offsets[s] : offsets[s] + days * widths[s]]``, laid out (day, value).
    Curves are step functions, so instead of one count per day we add +1 where a
    replication takes a value and -1 where it leaves it; a cumulative sum over days
    (:func:`day_counts`) gives the per-day histogram. Work is per change, not per
    day, and the changes come in (series, day) order, so memory is walked in order.
    """
    np.add.at(diff, (offsets[:, None] + values[:, 0, :]).ravel(), 1)
    s, d, r = np.nonzero(values[:, 1:, :] != values[:, :-1, :])
    d += 1
    cell = offsets[s] + d * widths[s]
    np.add.at(diff, cell + values[s, d, r], 1)
    np.add.at(diff, cell + values[s, d - 1, r], -1)


def day_counts(diff: np.ndarray, days: int) -> np.ndarray:
    """The per-day histogram (days, width) from one series' day-differenced counts."""
    return np.cumsum(diff.reshape(days, -1), axis=0)


def histogram_quantile(counts: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` (0-1) per row of integer-value histograms, as ``np.quantile(..., method='linear')``."""
    cumulative = np.cumsum(counts, axis=-1)
    n = int(cumulative[..., -1].flat[0])
    h = (n - 1) * q
    low = math.floor(h)
    high = min(low + 1, n - 1)
    below = (cumulative <= low).sum(axis=-1).astype(np.float64)
    above = (cumulative <= high).sum(axis=-1).astype(np.float64)
    return _lerp(below, above, h - low)


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    # NumPy's own interpolation formula, so that results match np.quantile to the last bit
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def binned_quantile(counts: np.ndarray, low: float, high: float, q: float, lo_exact, hi_exact) -> np.ndarray:
    """Quantile ``q`` per row of values binned uniformly over [low, high], within half a bin of the exact one.

    As NumPy's "linear" method, between the order statistics of ranks floor(h) and
    floor(h) + 1 (h = (n - 1) q), each taken at its bin's centre; then clamped to
    the exact range of the row.
    """
    cumulative = np.cumsum(counts, axis=-1)
    n = int(cumulative[..., -1].flat[0])
    h = (n - 1) * q
    rank = math.floor(h)
    width = (high - low) / counts.shape[-1]
    below = low + ((cumulative <= rank).sum(axis=-1) + 0.5) * width
    above = low + ((cumulative <= min(rank + 1, n - 1)).sum(axis=-1) + 0.5) * width
    return np.clip(_lerp(below, above, h - rank), lo_exact, hi_exact)


class Result:
    """The aggregated outcome of ``sim.run``: curves, probabilities, funding, and their provenance."""

    def __init__(self, scenario: Scenario, seed: int, accumulator: Accumulator, version: str):
        self.scenario = scenario
        self.seed = seed
        self.acc = accumulator
        self.version = version
        self.replications = accumulator.replications
        self.series = list(accumulator.layout.series)
        self.dates = np.arange(
            np.datetime64(scenario.start, "D"), np.datetime64(scenario.start, "D") + scenario.days
        )
        self._quantiles: dict[str, dict[str, np.ndarray]] = {}

    # ------------------------------------------------------------------ curves

    def quantiles(self, series: str = "total") -> dict[str, np.ndarray]:
        """Per-day ``{"p5", "p25", "p50", "p75", "p95"}`` of a series (a country or "total")."""
        if series not in self._quantiles:
            layout = self.acc.layout
            s = self.series.index(series)
            counts = day_counts(self.acc.histogram[layout.offsets[s] : layout.offsets[s + 1]], layout.days)
            self._quantiles[series] = {f"p{q}": histogram_quantile(counts, q / 100) for q in QUANTILES}
        return self._quantiles[series]

    def distribution(self, series: str, day: int) -> np.ndarray:
        """How many replications had each strength (the index) in ``series`` at the end of ``day``."""
        layout = self.acc.layout
        s = self.series.index(series)
        diff = self.acc.histogram[layout.offsets[s] : layout.offsets[s + 1]].reshape(layout.days, -1)
        return diff[: day + 1].sum(axis=0, dtype=np.int64)

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

    def replication_curves(self, series: str = "total") -> np.ndarray:
        """Every replication's daily strength (replications, days); needs ``run(..., keep_replications=True)``."""
        kept = self._kept()
        return np.concatenate([strength[:, self.series.index(series), :] for _, strength, _ in kept]).astype(np.int64)

    def replication_balances(self) -> np.ndarray:
        """Every replication's daily balance in dollars (replications, days); needs ``keep_replications``."""
        if not self.acc.layout.funding:
            raise ValueError("scenario has no [funding] table")
        return np.concatenate([balance for _, _, balance in self._kept()]) / 100

    def _kept(self) -> list:
        if not self.acc.kept:
            raise ValueError("replications were not kept: run with keep_replications=True (--keep-replications)")
        return sorted(self.acc.kept, key=lambda item: item[0])

    def balance_quantiles(self) -> dict[str, np.ndarray] | None:
        """Per-day balance quantiles in US dollars, or None without funding."""
        acc = self.acc
        if not acc.layout.funding:
            return None
        lo, hi = acc.layout.balance_low, acc.layout.balance_high
        out = {"mean": acc.balance_sum / self.replications / 100}
        for q in (5, 50, 95):
            counts = day_counts(acc.balance_hist, acc.layout.days)
            out[f"p{q}"] = binned_quantile(counts, lo, hi, q / 100, acc.balance_min, acc.balance_max) / 100
        return out

    # ------------------------------------------------------------------ headline numbers

    def _at(self, day: int) -> dict:
        q = self.quantiles("total")
        return {
            "mean": round(float(self.mean("total")[day]), 3),
            "p5": round(float(q["p5"][day]), 3),
            "p50": round(float(q["p50"][day]), 3),
            "p95": round(float(q["p95"][day]), 3),
        }

    def _first_days(self, level: str) -> dict:
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
            "seed": self.seed,
            "replications": self.replications,
            "version": self.version,
            "start": sc.start.isoformat(),
            "end": sc.end.isoformat(),
            "authorized": sc.authorized,
            "target": sc.target,
            "facts": [{"id": f.id, "value": _jsonable(f.value), "source": f.source, "used_at": f.path} for f in sc.facts_used],
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
                "balance_at_end_usd": {k: round(float(v[last]), 2) for k, v in self.balance_quantiles().items()},
                "resolution_usd": round((hi - lo) / FUNDING_BINS / 100, 2),
            }
        return out

    def text(self) -> str:
        """A one-screen summary for terminals."""
        s = self.summary()
        st = s["strength"]
        lines = [
            f"{s['scenario']}: {s['replications']:,} replications, seed {s['seed']}, scenario {s['scenario_hash'][:12]}",
            f"  authorized {s['authorized']:,}, target {s['target']:,}",
        ]
        if self.scenario.overrides:
            from .analysis import point_text

            lines.append(f"  with {point_text(self.scenario.overrides)}")
        rows = [(f"{d['date']} {d['mandate'][:18]}", d["strength"], d["p_reach_authorized"]) for d in st["at_deadlines"]]
        rows.append((f"{s['end']} end of run", st["at_end"], st["p_reach_authorized"]))
        width = max(len(f"{x['p50']:,.0f}") for _, x, _ in rows)  # medians right-aligned
        cells = [(label, f"{x['p50']:>{width},.0f} [{x['p5']:,.0f}-{x['p95']:,.0f}]", p) for label, x, p in rows]
        left = max(len(label) for label, _, _ in cells)
        middle = max([len("total strength (median [5%-95%])")] + [len(cell) for _, cell, _ in cells])
        lines.append(f"  {'':<{left}}  {'total strength (median [5%-95%])':<{middle}}  P(reached authorized)")
        lines += [f"  {label:<{left}}  {cell:<{middle}}  {p:>8.0%}" for label, cell, p in cells]
        first = st["median_first_day_authorized"]
        lines.append(f"  median first day at authorized strength: {first or 'not reached in half the runs'}")
        lines.append(f"  P(reach target {s['target']:,} by end): {st['p_reach_target']:.0%}   P(mandate lapses): {st['p_lapse']:.0%}")
        if "funding" in s:
            from .analysis import money_text

            f = s["funding"]
            lines.append(
                f"  funding: P(deficit) {f['p_deficit']:.0%}, median lowest balance {money_text(f['median_minimum_balance_usd'])},"
                f" median balance at end {money_text(f['balance_at_end_usd']['p50'])}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Result {self.scenario.name!r}: {self.replications} replications, seed {self.seed}>"

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        """The headline numbers of summary() as HTML tables for Jupyter (see :mod:`sim.display`)."""
        from .display import result_html

        return result_html(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Readable text in IPython terminals and text outputs (see :mod:`sim.display`)."""
        from .display import pretty

        pretty(self, printer, cycle)

    def to_frame(self, series=None):
        """Daily strength as a tidy pandas DataFrame: date, series, mean, p5, p25, p50, p75, p95.

        ``series``: a country, "total", a list of them, or None for all (total first).
        Needs pandas: ``pip install 'mss-sim[notebook]'``.
        """
        from .display import result_frame

        return result_frame(self, series)

    # ------------------------------------------------------------------ files

    def strength_csv(self) -> str:
        rows = ["date,series,mean,p5,p25,p50,p75,p95"]
        dates = [str(d) for d in self.dates]
        for series in ["total"] + self.series[:-1]:
            q = self.quantiles(series)
            mean = self.mean(series)
            columns = [mean] + [q[f"p{p}"] for p in QUANTILES]
            for day, date in enumerate(dates):
                rows.append(",".join([date, _csv_text(series)] + [_number(c[day]) for c in columns]))
        return "\n".join(rows) + "\n"

    def funding_csv(self) -> str | None:
        q = self.balance_quantiles()
        if q is None:
            return None
        rows = ["date,mean,p5,p50,p95"]
        for day, date in enumerate(self.dates):
            rows.append(",".join([str(date)] + [_number(q[k][day]) for k in ("mean", "p5", "p50", "p95")]))
        return "\n".join(rows) + "\n"

    def save(self, directory, formats: tuple[str, ...] = ("png",), force: bool = False) -> Path:
        """Write DESIGN.md section 5's files into ``directory`` atomically; return its path."""
        from .output import write_result

        return write_result(self, directory, formats=formats, force=force)

    def plot(self, kind: str = "strength"):
        """A matplotlib Figure: ``"strength"`` (fan chart) or ``"funding"``."""
        from . import plots

        charts = {"strength": plots.strength_chart, "funding": plots.funding_chart}
        if kind not in charts:
            raise ValueError(f"unknown chart {kind!r}; choose one of {', '.join(charts)}")
        return charts[kind](self)

    def summary_json(self) -> str:
        return json.dumps(self.summary(), indent=2, ensure_ascii=False) + "\n"


def _number(x: float) -> str:
    text = f"{float(x):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _csv_text(text: str) -> str:
    return f'"{text}"' if ("," in text or '"' in text) else text


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value

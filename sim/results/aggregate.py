"""From replications to aggregates: sums and histograms that merge, built from change points.

Replications are reduced as they come, so memory stays O(days x series) however
many there are; the strength aggregates are counted straight from the change points
(:mod:`sim.results.points`), without laying every replication out day by day:

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
  (``funding.resolution_usd`` in summary.json is the bin width). Means are exact;
* **cumulative arrivals** only at the (series, day) probes a run is asked for
  (:mod:`sim.results.arrivals`): one exact histogram each, none at all otherwise.

Partial aggregates merge by addition, so the result does not depend on how
replications were spread over workers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..scenario.bounds import arrival_maxima, strength_maxima
from .arrivals import add_counts, arrival_probes, arrival_values
from .points import balance_curves, change_points, count_bins, strength_aggregates

if TYPE_CHECKING:
    from ..model import Trace
    from ..scenario import Scenario

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
    arrived: tuple[tuple[int, int], ...] = ()  # (series index, day) whose cumulative arrivals are recorded

    @classmethod
    def for_scenario(cls, scenario: Scenario, arrivals=()) -> "Layout":
        """``scenario``'s layout: series, each one's largest strength (total capped by the ceilings), balance range,
        and the ``arrivals`` ``(country or "total", date or day)`` to record (InputError for one not in the run)."""
        maxima = strength_maxima(scenario.contingents, scenario.authorized, scenario.mandates)
        low = high = 0.0
        if scenario.funding is not None:
            low, high = balance_bounds(scenario, maxima[-1])
        series = tuple(c.country for c in scenario.contingents) + ("total",)
        return cls(
            series=series, maxima=maxima, days=scenario.days, funding=scenario.funding is not None,
            balance_low=low, balance_high=high, arrived=arrival_probes(scenario, series, arrivals),
        )

    @property
    def offsets(self) -> np.ndarray:
        """Where each series' (days, largest + 1) histogram starts in the flat array, and where the last one ends."""
        sizes = [self.days * (m + 1) for m in self.maxima]
        return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def curves(traces: list[Trace], layout: Layout) -> tuple[np.ndarray, np.ndarray | None]:
    """Daily end-of-day strength (series, days, replications) and balance in cents (days, replications).

    For one replication in full (``sim.replicate``) and for the kept curves; the aggregates are
    built from the change points themselves (:mod:`sim.results.points`). Summed along the days
    as the last axis, where a cumulative sum is fast, and returned as views in this layout.
    """
    countries, days, n = len(layout.series) - 1, layout.days, len(traces)
    replication, day, series, delta = change_points([t.strength for t in traces], 3, days)
    strength = np.zeros((countries + 1) * n * days, dtype=np.int64)
    np.add.at(strength, (series * n + replication) * days + day, delta)
    strength = strength.reshape(countries + 1, n, days)
    np.cumsum(strength[:countries], axis=2, out=strength[:countries])
    strength[countries] = strength[:countries].sum(axis=0)
    balance = balance_curves(traces, days).T if layout.funding else None
    return strength.astype(np.int32).transpose(0, 2, 1), balance


def balance_bounds(scenario: Scenario, most_people: int) -> tuple[float, float]:
    """The lowest and highest balance (cents) a replication can reach, with a margin of one cent."""
    funding = scenario.funding
    high = funding.start_balance_usd + sum(p.amount_usd for p in funding.pledges if not p.in_kind)
    arrivals = arrival_maxima(scenario)[-1]
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
    arrived: list = field(default=None, repr=False)  # per probe of layout.arrived: replications by cumulative arrivals
    draws: list = field(default_factory=list, repr=False)  # (replication, {name: value}) with --keep-draws

    def __post_init__(self):
        layout = self.layout
        days, series = layout.days, len(layout.series)
        if self.arrived is None:
            self.arrived = [np.zeros(0, dtype=np.int64) for _ in layout.arrived]
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

    def add(self, traces: list[Trace], keep_from: int | None = None, days: tuple[int, ...] | None = None) -> None:
        """Reduce replications into the aggregate; with ``keep_from`` (their first index), keep their curves too
        (with ``days``, only those days of the strength curves, and no balances)."""
        layout, n = self.layout, len(traces)
        self.replications += n
        sums, firsts = strength_aggregates(traces, layout.maxima, layout.offsets, layout.days, self.thresholds,
                                           self.histogram)
        self.sums += sums
        for row, first in enumerate(firsts):
            self.first_reach[row] += np.bincount(first, minlength=layout.days + 1)
        if layout.funding:
            self._add_balance(balance_curves(traces, layout.days))
        self.lapses += sum(t.lapsed_on is not None for t in traces)
        self.events += sum(t.events for t in traces)
        values = None
        if layout.arrived:
            values = arrival_values(traces, layout.arrived, len(layout.series) - 1)
            self.arrived = [add_counts(h, np.bincount(v)) for h, v in zip(self.arrived, values)]
        if keep_from is not None:  # kept: (first, strength, balance, arrivals by probe (replications, probes))
            strength, balance = curves(traces, layout)
            arrived = None if values is None else values.T.copy()
            if days is not None:  # (replications, series, len(days)): what a fit compares
                self.kept.append((keep_from, strength[:, list(days), :].transpose(2, 0, 1).copy(), None, arrived))
            else:  # kept as (replications, series, days) and (replications, days)
                kept_balance = None if balance is None else balance.T.copy()
                self.kept.append((keep_from, strength.transpose(2, 0, 1).copy(), kept_balance, arrived))

    def _add_balance(self, balance: np.ndarray) -> None:
        """Reduce balances in cents (replications, days): sums, extremes, histograms, deficits, lowest balances."""
        n, days = balance.shape
        self.balance_sum += balance.sum(axis=0)
        np.minimum(self.balance_min, balance.min(axis=0), out=self.balance_min)
        np.maximum(self.balance_max, balance.max(axis=0), out=self.balance_max)
        count_bins(self.balance_hist.reshape(-1), self._bin(balance), FUNDING_BINS)
        below = balance < 0
        self.deficits += int(below.any(axis=1).sum())
        self.deficit_days += np.bincount(below.sum(axis=1), minlength=days + 1)
        lowest = balance.min(axis=1)
        self.lowest_hist += np.bincount(self._bin(lowest), minlength=FUNDING_BINS)
        self.lowest_min = min(self.lowest_min, float(lowest.min()))
        self.lowest_max = max(self.lowest_max, float(lowest.max()))

    def _bin(self, cents: np.ndarray) -> np.ndarray:
        """The funding histogram bin of each balance in cents (0 to FUNDING_BINS - 1, clipped)."""
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
        self.arrived = [add_counts(a, b) for a, b in zip(self.arrived, other.arrived)]
        self.draws.extend(other.draws)
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

"""Aggregates straight from change points: strength histograms, sums and first days without a dense day grid.

A replication logs a change point ``(day, country, delta)`` only when something happens, a few
dozen a run. Summing the deltas of each (series, replication, day) and running them up within each
(series, replication) gives every value a curve takes and the day it takes it; that is all the
day-differenced histograms (:func:`sim.results.quantiles.day_counts`), the daily sums and the first
days at a level need. Work and memory are per change, not per day. The balance, whose extremes are
needed per day, is laid out densely (replications, days), summed along its last axis.

Every number is an exact integer, so the aggregates are the same as from the daily curves
(``tests/test_aggregation.py`` checks it against them).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from ..model import Trace

#: A count of one in the histograms' own type: ``np.add.at`` is many times faster when the types match.
ONE = np.int32(1)


def change_points(logs: Sequence[list[int]], width: int, days: int) -> tuple[np.ndarray, ...]:
    """Flat logs (``day, [series,] delta, ...``; ``width`` 3 or 2) as arrays: replication, day (clipped to the run:
    days before 0 count on day 0), series (zeros when ``width`` is 2) and delta, all int64."""
    n = len(logs)
    lengths = np.fromiter((len(log) // width for log in logs), dtype=np.int64, count=n)
    flat = np.fromiter(itertools.chain.from_iterable(logs), dtype=np.int64, count=int(lengths.sum()) * width)
    points = flat.reshape(-1, width)
    replication = np.repeat(np.arange(n, dtype=np.int64), lengths)
    day = np.clip(points[:, 0], 0, days - 1)
    series = points[:, 1] if width == 3 else np.zeros(len(points), dtype=np.int64)
    return replication, day, series, points[:, -1]


def runs(group: np.ndarray, day: np.ndarray, delta: np.ndarray, groups: int, days: int):
    """The values curves take: per (group, day) with a change, the value from that day on and the value before.

    ``group`` numbers the curves (0 .. groups - 1); each starts at 0. Returns (group, day, new, old) of each day
    on which a curve's net change is not zero, ordered by group then day, and the value of every curve on day 0.
    """
    key = group * days + day
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = starts(key)
    key, step = key[first], np.add.reduceat(delta[order], first) if len(first) else delta[:0]
    group, day = key // days, key % days
    running = np.cumsum(step)
    begins = starts(group)
    before = np.repeat(running[begins] - step[begins], np.diff(np.append(begins, len(group))))
    new = running - before
    old = new - step
    at_start = np.zeros(groups, dtype=np.int64)
    zero = day == 0
    at_start[group[zero]] = new[zero]
    moved = (~zero) & (step != 0)
    return group[moved], day[moved], new[moved], old[moved], at_start


def starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values begins in ``values`` (sorted); none in an empty array."""
    return np.flatnonzero(np.diff(values, prepend=values[:1] - 1))


def count_values(diff: np.ndarray, offset: int, width: int, at_start: np.ndarray, day: np.ndarray,
                 new: np.ndarray, old: np.ndarray, top: int) -> None:
    """Count one series' curves into its day-differenced histogram ``diff[offset : offset + days * width]``, in
    place: +1 at each curve's value on day 0, and on each day a value changes, +1 at the new value and -1 at
    the old one. Values are capped at ``top`` (the histogram's last cell); a change within the cap is none."""
    np.add.at(diff, offset + np.minimum(at_start, top), ONE)
    new, old = np.minimum(new, top), np.minimum(old, top)
    moved = new != old
    cell = offset + day[moved] * width
    np.add.at(diff, cell + new[moved], ONE)
    np.add.at(diff, cell + old[moved], -ONE)


def first_days(group: np.ndarray, day: np.ndarray, new: np.ndarray, at_start: np.ndarray, level: int,
               days: int) -> np.ndarray:
    """The first day each curve is at ``level`` or above (``days`` if never), from :func:`runs`' output."""
    first = np.where(at_start >= level, 0, days)
    hit = new >= level
    curves, where = np.unique(group[hit], return_index=True)  # runs are ordered by day within a curve
    first[curves] = np.minimum(first[curves], day[hit][where])
    return first


def strength_aggregates(traces: Sequence[Trace], maxima: Sequence[int], offsets: np.ndarray, days: int,
                        thresholds: Sequence[int], histogram: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Count the replications' strength into ``histogram`` (every series, the total last); return the daily sums
    (series, days) and, per threshold, the first day each replication's total reached it (``days``: never)."""
    n, countries = len(traces), len(maxima) - 1
    replication, day, series, delta = change_points([t.strength for t in traces], 3, days)
    sums = np.zeros((countries + 1) * days, dtype=np.int64)
    np.add.at(sums, series * days + day, delta)
    sums = sums.reshape(countries + 1, days)
    np.cumsum(sums[:countries], axis=1, out=sums[:countries])
    sums[countries] = sums[:countries].sum(axis=0)
    group, on, new, old, at_start = runs(series * n + replication, day, delta, countries * n, days)
    which = group // n
    for s in range(countries):
        mine = which == s
        count_values(histogram, int(offsets[s]), maxima[s] + 1, at_start[s * n : (s + 1) * n], on[mine], new[mine],
                     old[mine], maxima[s])
    group, on, new, old, at_start = runs(replication, day, delta, n, days)  # the total: every country's deltas
    count_values(histogram, int(offsets[countries]), maxima[-1] + 1, at_start, on, new, old, maxima[-1])
    return sums, [first_days(group, on, new, at_start, level, days) for level in thresholds]


def balance_curves(traces: Sequence[Trace], days: int) -> np.ndarray:
    """Every replication's end-of-day balance in cents, (replications, days), summed exactly in int64."""
    replication, day, _series, delta = change_points([t.balance for t in traces], 2, days)
    balance = np.zeros(len(traces) * days, dtype=np.int64)
    np.add.at(balance, replication * days + day, delta)
    balance = balance.reshape(len(traces), days)
    return np.cumsum(balance, axis=1, out=balance)


def count_bins(diff: np.ndarray, bins: np.ndarray, width: int) -> None:
    """Count binned curves (replications, days) into a day-differenced (days, width) histogram, in place."""
    np.add.at(diff, bins[:, 0], ONE)
    r, d = np.nonzero(bins[:, 1:] != bins[:, :-1])
    d += 1
    np.add.at(diff, d * width + bins[r, d], ONE)
    np.add.at(diff, d * width + bins[r, d - 1], -ONE)

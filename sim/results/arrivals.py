"""Cumulative arrivals at the (series, day) probes a run is asked for: per-replication values, merging histograms.

The officers who have ever arrived by the end of a day are the sum of every arrival up to that day: first-tour
groups and reliefs alike, each part of a group that came through the gate, arrivals before the start included.
Departures never lower it. Only the probes a run is asked for are recorded (``sim.run(..., arrivals=...)``), as
one histogram each whose length grows with the largest count seen, so a run asked for none does no more work.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Iterable

import numpy as np

from ..errors import InputError
from ..scenario.bounds import arrival_maxima
from ..scenario.limits import MAX_HISTOGRAM_CELLS
from ..text import clip, did_you_mean

if TYPE_CHECKING:
    from ..model import Trace
    from ..scenario import Scenario


def arrival_probes(scenario: Scenario, series: tuple[str, ...], asked: Iterable) -> tuple[tuple[int, int], ...]:
    """``asked`` ``(country or "total", date or day)`` pairs as sorted, distinct ``(series index, day)``.

    Raises InputError for a series that is neither "total" nor a country of ``scenario``, or a day outside the run.
    """
    out = set()
    for item in asked:
        try:
            name, when = item
        except (TypeError, ValueError):
            raise InputError(f"arrivals: each item is a (country or 'total', date) pair, got {clip(repr(item), 80)}") from None
        if name not in series:
            raise InputError(f"arrivals: {clip(repr(name), 60)} is neither 'total' nor a country of "
                             f"{scenario.name!r}{did_you_mean(name, series)}")
        if isinstance(when, dt.datetime):
            when = when.date()
        day = scenario.day(when) if isinstance(when, dt.date) else when
        if isinstance(day, bool) or not isinstance(day, (int, np.integer)) or not 0 <= day < scenario.days:
            raise InputError(f"arrivals: {clip(repr(when), 60)} is not a date of the run "
                             f"({scenario.start} to {scenario.end})")
        out.add((series.index(name), int(day)))
    maxima = arrival_maxima(scenario)
    cells = sum(maxima[s] + 1 for s, _ in out)
    if cells > MAX_HISTOGRAM_CELLS:
        raise InputError(f"arrivals: recording the cumulative arrivals of {len(out):,} (series, date) pairs could take "
                         f"{cells:,} histogram cells (up to {max(maxima):,} officers arriving in a run); at most "
                         f"{MAX_HISTOGRAM_CELLS:,}: ask for fewer")
    return tuple(sorted(out))


def arrival_values(traces: list[Trace], probes: tuple[tuple[int, int], ...], countries: int) -> np.ndarray:
    """(probes, replications): each probe's cumulative arrivals by the end of its day, in each trace.

    A probe's series index ``countries`` is the total. Work is per arrival, not per day.
    """
    n = len(traces)
    out = np.zeros((len(probes), n), dtype=np.int64)
    if not probes or not n:
        return out
    lengths = np.fromiter((len(t.arrivals) for t in traces), dtype=np.int64, count=n)
    rows = np.array([a[:3] for t in traces for a in t.arrivals], dtype=np.int64).reshape(-1, 3)  # day, country, n
    replica = np.repeat(np.arange(n, dtype=np.int64), lengths)
    for s in sorted({s for s, _ in probes}):
        mine = [p for p, (t, _) in enumerate(probes) if t == s]  # the probes are sorted: days ascending
        days = np.array([probes[p][1] for p in mine], dtype=np.int64)
        chosen = slice(None) if s == countries else rows[:, 1] == s
        # the first of this series' probes each arrival counts for (days before the start count for all)
        first = np.searchsorted(days, rows[chosen, 0], side="left")
        width = len(mine) + 1
        counts = np.bincount(replica[chosen] * width + first, weights=rows[chosen, 2], minlength=n * width)
        out[mine] = np.cumsum(counts.reshape(n, width), axis=1)[:, :-1].T.astype(np.int64)
    return out


def add_counts(total: np.ndarray, more: np.ndarray) -> np.ndarray:
    """Two histograms of counts (value -> replications) added, the shorter padded with zeros."""
    if more.size > total.size:
        total, more = more, total
    total = total.copy()
    total[: more.size] += more
    return total

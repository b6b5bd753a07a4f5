"""Aggregates built straight from change points (issue #12) are those of the daily curves, counted by hand.

The oracle in this file lays every replication out day by day with plain loops and counts: the
per-day histograms of every series (capped at the series' largest value), the daily sums, the first
day the total reaches each threshold, and the balance's sums, extremes, histogram, deficits and
lowest values. Change points come in any order, several on one day, before the first day, and
cancelling out.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model import Trace
from sim.results import Accumulator, Layout
from sim.results.aggregate import FUNDING_BINS
from sim.results.quantiles import day_counts


@st.composite
def runs(draw):
    """(layout, thresholds, traces): a few replications of 1-3 contingents over 1-40 days, with funding."""
    days = draw(st.integers(1, 40))
    countries = draw(st.integers(1, 3))
    n = draw(st.integers(1, 7))
    maxima = tuple(draw(st.integers(0, 12)) for _ in range(countries))
    maxima += (draw(st.integers(0, 30)),)
    traces = []
    for _ in range(n):
        strength: list[int] = []
        for c in range(countries):
            value = 0
            for day in sorted(draw(st.lists(st.integers(-3, days - 1), max_size=8))):
                new = draw(st.integers(0, 15))
                parts = draw(st.integers(1, 3))  # one change written as several points on the same day
                for k in range(parts):
                    step = new - value if k == parts - 1 else draw(st.integers(-4, 4))
                    strength += [day, c, step]
                    value += step
        balance: list[int] = []
        for day in draw(st.lists(st.integers(-2, days - 1), max_size=10)):
            balance += [day, draw(st.integers(-3_000_000, 3_000_000))]
        order = draw(st.permutations(range(len(strength) // 3)))  # logs are not in day order
        strength = [x for k in order for x in strength[3 * k : 3 * k + 3]]
        traces.append(Trace(strength=strength, balance=balance, events=draw(st.integers(0, 9))))
    thresholds = (draw(st.integers(0, 20)), draw(st.integers(0, 40)))
    layout = Layout(series=tuple(f"c{c}" for c in range(countries)) + ("total",), maxima=maxima, days=days,
                    funding=True, balance_low=-10_000_000.0, balance_high=12_000_000.0)
    return layout, thresholds, traces


def by_hand(trace_log, width, days):
    """A log laid out day by day: {series: daily values} (days before 0 count on day 0; days after the run never)."""
    out: dict[int, list[int]] = {}
    for k in range(0, len(trace_log), width):
        day, series, delta = (trace_log[k], trace_log[k + 1], trace_log[k + 2]) if width == 3 else \
            (trace_log[k], 0, trace_log[k + 1])
        values = out.setdefault(series, [0] * days)
        for d in range(max(day, 0), days):
            values[d] += delta
    return out


@settings(max_examples=150, deadline=None)
@given(runs())
def test_aggregates_from_change_points_are_those_of_the_daily_curves(case):
    layout, thresholds, traces = case
    days, countries, n = layout.days, len(layout.series) - 1, len(traces)
    acc = Accumulator(layout, thresholds)
    half = max(1, n // 2)
    acc.add(traces[:half])
    if traces[half:]:
        acc.add(traces[half:])  # in two parts: they add up

    strength = np.zeros((countries + 1, n, days), dtype=np.int64)
    balance = np.zeros((n, days), dtype=np.int64)
    for r, trace in enumerate(traces):
        for c, values in by_hand(trace.strength, 3, days).items():
            strength[c, r] = values
        balance[r] = by_hand(trace.balance, 2, days).get(0, [0] * days)
    strength[countries] = strength[:countries].sum(axis=0)

    assert acc.replications == n and acc.events == sum(t.events for t in traces)
    assert np.array_equal(acc.sums, strength.sum(axis=1))
    for s, top in enumerate(layout.maxima):
        counts = day_counts(acc.histogram[layout.offsets[s] : layout.offsets[s + 1]], days)
        for d in range(days):
            expected = np.bincount(np.minimum(strength[s, :, d], top), minlength=top + 1)
            assert np.array_equal(counts[d], expected), (s, d)
    for row, level in enumerate(thresholds):
        first = [next((d for d in range(days) if strength[countries, r, d] >= level), days) for r in range(n)]
        assert np.array_equal(acc.first_reach[row], np.bincount(first, minlength=days + 1))

    assert np.array_equal(acc.balance_sum, balance.sum(axis=0))
    assert np.array_equal(acc.balance_min, balance.min(axis=0))
    assert np.array_equal(acc.balance_max, balance.max(axis=0))
    width = (layout.balance_high - layout.balance_low) / FUNDING_BINS
    bins = np.clip(((balance - layout.balance_low) / width).astype(np.int64), 0, FUNDING_BINS - 1)
    counts = day_counts(acc.balance_hist, days)
    for d in range(days):
        assert np.array_equal(counts[d], np.bincount(bins[:, d], minlength=FUNDING_BINS))
    assert acc.deficits == int((balance < 0).any(axis=1).sum())
    assert np.array_equal(acc.deficit_days, np.bincount((balance < 0).sum(axis=1), minlength=days + 1))
    lowest = balance.min(axis=1)
    assert np.array_equal(acc.lowest_hist, np.bincount(bins.min(axis=1), minlength=FUNDING_BINS))
    assert (acc.lowest_min, acc.lowest_max) == (float(lowest.min()), float(lowest.max()))

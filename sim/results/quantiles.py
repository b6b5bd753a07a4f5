"""Quantiles from histograms: exact for integer strengths, within half a bin for binned balances."""

from __future__ import annotations

import math

import numpy as np


def day_counts(diff: np.ndarray, days: int) -> np.ndarray:
    """The per-day histogram (days, width) from one series' day-differenced counts.

    Summed row by row: NumPy's cumsum along the first axis of a wide array is many times slower.
    """
    counts = diff.reshape(days, -1).astype(np.int64)
    for day in range(1, days):
        np.add(counts[day - 1], counts[day], out=counts[day])
    return counts


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
    """From ``a`` towards ``b`` by ``t`` (0-1), by NumPy's own formula: results match np.quantile to the last bit."""
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

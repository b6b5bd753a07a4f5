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


def at_most(cumulative: np.ndarray, k: int) -> np.ndarray:
    """Per row of cumulative counts that all end at the same total ``n``, how many entries are at most ``k``
    (0 <= k <= n): ``(cumulative <= k).sum(axis=-1)``, found by one binary search over all rows at once."""
    rows, width = cumulative.shape
    return at_most_rows(shifted(cumulative), k, rows, width)


def shifted(cumulative: np.ndarray) -> np.ndarray:
    """The rows of ``cumulative`` (each from 0 to its total ``n``) laid end to end, row ``r`` raised by r (n + 1):
    one non-decreasing array, so that one binary search answers every row."""
    rows = cumulative.shape[0]
    n = int(cumulative[0, -1])
    return (cumulative + (np.arange(rows, dtype=np.int64) * (n + 1))[:, None]).ravel()


def at_most_rows(flat: np.ndarray, k: int, rows: int, width: int) -> np.ndarray:
    """:func:`at_most` on rows already :func:`shifted` into ``flat``."""
    n = int(flat[width - 1])
    row = np.arange(rows, dtype=np.int64)
    return np.searchsorted(flat, row * (n + 1) + k, side="right") - row * width


def histogram_quantiles(counts: np.ndarray, qs) -> list[np.ndarray]:
    """Quantiles ``qs`` (0-1) per row of integer-value histograms, as ``np.quantile(..., method='linear')``."""
    cumulative = np.cumsum(np.atleast_2d(counts), axis=-1)
    rows, width = cumulative.shape
    flat = shifted(cumulative)
    n = int(cumulative[0, -1])
    out = []
    for q in qs:
        h = (n - 1) * q
        low = math.floor(h)
        high = min(low + 1, n - 1)
        below = at_most_rows(flat, low, rows, width).astype(np.float64)
        above = at_most_rows(flat, high, rows, width).astype(np.float64)
        out.append(_lerp(below, above, h - low))
    return out


def histogram_quantile(counts: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` (0-1) per row of integer-value histograms, as ``np.quantile(..., method='linear')`` (one number
    for one histogram)."""
    out = histogram_quantiles(counts, [q])[0]
    return out[0] if np.ndim(counts) == 1 else out


def _lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """From ``a`` towards ``b`` by ``t`` (0-1), by NumPy's own formula: results match np.quantile to the last bit."""
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def binned_quantiles(counts: np.ndarray, low: float, high: float, qs, lo_exact, hi_exact) -> list[np.ndarray]:
    """Quantiles ``qs`` per row of values binned uniformly over [low, high], within half a bin of the exact ones.

    As NumPy's "linear" method, between the order statistics of ranks floor(h) and
    floor(h) + 1 (h = (n - 1) q), each taken at its bin's centre; then clamped to
    the exact range of the row.
    """
    cumulative = np.cumsum(np.atleast_2d(counts), axis=-1)
    rows, width = cumulative.shape
    flat = shifted(cumulative)
    n = int(cumulative[0, -1])
    size = (high - low) / width
    out = []
    for q in qs:
        h = (n - 1) * q
        rank = math.floor(h)
        below = low + (at_most_rows(flat, rank, rows, width) + 0.5) * size
        above = low + (at_most_rows(flat, min(rank + 1, n - 1), rows, width) + 0.5) * size
        out.append(np.clip(_lerp(below, above, h - rank), lo_exact, hi_exact))
    return out


def binned_quantile(counts: np.ndarray, low: float, high: float, q: float, lo_exact, hi_exact) -> np.ndarray:
    """Quantile ``q`` per row of values binned uniformly over [low, high] (see :func:`binned_quantiles`)."""
    return binned_quantiles(counts, low, high, [q], lo_exact, hi_exact)[0]

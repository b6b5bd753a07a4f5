"""Scores of a projected distribution of integers against one reported figure, whatever its kind.

``counts[k]`` is the number of replications with value ``k``; ``F`` its distribution function. A
figure allows a set of true values: ``exact v`` the value itself, ``approx v`` with relative error
``e`` the interval [v(1 - e), v(1 + e)] (the truth taken as uniform on it), ``at_least v`` [v, inf),
``at_most v`` (-inf, v]. The scores, docs/design.md section 5 (``sim backtest``):

* percentile: the mid-rank of that set, ``100 * (P(X < low) + P(low <= X <= high) / 2)`` (for an
  exact figure the usual mid-rank, for a censored one the middle of the percentiles it allows);
* CRPS, a proper score each, 0 for a projection that is certainly right:
  ``exact``: ``CRPS(F, v) = ∫ (F(x) - 1[x >= v])² dx``;
  ``approx``: its mean over the truth, ``E CRPS(F, Y)`` for ``Y`` uniform on the interval,
  ``= ∫ (F - G)² dx + (high - low) / 6`` with ``G`` the uniform distribution function;
  ``at_least v``: the threshold-weighted CRPS with weight ``1[x < v]``, ``∫_{-inf}^{v} F(x)² dx``:
  the CRPS of the projection cut at ``v``, ``min(X, v)`` (every draw above ``v`` counted as ``v``),
  against ``v``; ``at_most v``: ``∫_{v}^{inf} (1 - F(x))² dx``, that of ``max(X, v)``. So
  ``at_least`` and ``at_most`` at ``v`` add up to the exact CRPS at ``v``.
"""

from __future__ import annotations

import math

import numpy as np

#: An unbounded end of what a figure allows.
INF = math.inf


def midrank_percentile(counts: np.ndarray, value: float) -> float:
    """``100 * (P(X < v) + P(X = v) / 2)`` for ``X`` with ``counts[k]`` replications at strength ``k``."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        raise ValueError("empty distribution")
    cut = min(max(math.ceil(value), 0), counts.size)
    below = int(counts[:cut].sum())
    equal = int(counts[int(value)]) if float(value).is_integer() and 0 <= value < counts.size else 0
    return 100.0 * (below + equal / 2) / n


def distribution_function(counts: np.ndarray) -> tuple[np.ndarray, int]:
    """(F(v) for v = 0..top, top) of the integer-valued ``X`` with ``counts[v]`` replications at ``v``."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum()
    if n <= 0:
        raise ValueError("empty distribution")
    return np.cumsum(counts) / n, counts.size - 1


def crps(counts: np.ndarray, y: float) -> float:
    """Continuous ranked probability score of observation ``y`` for the integer-valued ``X`` of ``counts``.

    CRPS = ∫ (F(x) − 1[x ≥ y])² dx. For integer ``X``, ``F`` is constant on each [v, v + 1), equal
    to F(v), so for an integer ``y`` the integral is the sum over integers v of
    (F(v) − 1[v ≥ y])². For a non-integer ``y`` the unit interval [⌊y⌋, ⌊y⌋ + 1) that contains it
    splits into (y − ⌊y⌋)·F(⌊y⌋)² + (⌊y⌋ + 1 − y)·(F(⌊y⌋) − 1)². Outside the span of the support
    and ``y`` the integrand is 0. Equals E|X − y| − ½ E|X − X'| for the empirical distribution.
    Between the support and a ``y`` outside it the integrand is 1: that stretch is added as its
    length, so the work and memory depend on the support only, however far ``y`` lies.
    """
    F, top = distribution_function(counts)
    v = np.arange(0, top + 1)
    # fraction of [v, v + 1) lying at or after y
    after = np.clip(v + 1 - y, 0.0, 1.0)
    score = float(np.sum((1 - after) * F**2 + after * (F - 1) ** 2))
    if y < 0:  # below 0, F = 0 and x >= y on [y, 0)
        score += -y
    elif y > top + 1:  # from top + 1 on, F = 1 and x < y on [top + 1, y)
        score += y - (top + 1)
    return score


def allowed(kind: str, value: float, relative_error: float | None = None) -> tuple[float, float]:
    """``(low, high)``: the true values a figure of ``kind`` allows (an unbounded end is ``±INF``)."""
    if kind == "approx":
        return value * (1 - relative_error), value * (1 + relative_error)
    if kind == "at_least":
        return value, INF
    if kind == "at_most":
        return -INF, value
    return value, value


def probabilities(counts: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """``(P(X < low), P(low <= X <= high))`` for the integer ``X`` of ``counts``."""
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        raise ValueError("empty distribution")
    cut = 0 if low == -INF else min(max(math.ceil(low), 0), counts.size)
    stop = counts.size if high == INF else min(max(math.floor(high) + 1, 0), counts.size)
    below = int(counts[:cut].sum())
    inside = int(counts[cut:stop].sum()) if stop > cut else 0
    return below / n, inside / n


def set_percentile(counts: np.ndarray, low: float, high: float) -> float:
    """The mid-rank of the set [low, high]: ``100 * (P(X < low) + P(low <= X <= high) / 2)``."""
    below, inside = probabilities(counts, low, high)
    return 100.0 * (below + inside / 2)


def crps_at_least(counts: np.ndarray, x: float) -> float:
    """Threshold-weighted CRPS of "at least ``x``": ``∫_{-inf}^{x} F(z)² dz`` (0 when every draw is ``>= x``)."""
    F, top = distribution_function(counts)
    overlap = np.clip(x - np.arange(0, top + 1), 0.0, 1.0)  # of [v, v + 1) with (-inf, x)
    return float(np.sum(overlap * F**2)) + max(0.0, x - (top + 1))  # beyond the support F = 1


def crps_at_most(counts: np.ndarray, x: float) -> float:
    """Threshold-weighted CRPS of "at most ``x``": ``∫_{x}^{inf} (1 - F(z))² dz`` (0 when every draw is ``<= x``)."""
    F, top = distribution_function(counts)
    overlap = np.clip(np.arange(1, top + 2) - x, 0.0, 1.0)  # of [v, v + 1) with [x, inf)
    return float(np.sum(overlap * (1 - F) ** 2)) + max(0.0, -x)  # below 0 F = 0


def crps_uniform(counts: np.ndarray, low: float, high: float) -> float:
    """``E CRPS(F, Y)`` for ``Y`` uniform on [low, high] (``low < high``): ``∫ (F - G)² dz + (high - low) / 6``.

    Exact: on each piece between the integers, ``low`` and ``high``, ``F`` is constant and ``G``
    linear, so the square integrates to ``length * (d0² + d0 d1 + d1²) / 3`` with ``d = F - G``
    at its ends. Work and memory depend on the support only.
    """
    F, top = distribution_function(counts)
    points = np.unique(np.concatenate([np.arange(0, top + 2, dtype=np.float64), [low, high]]))
    left, right = points[:-1], points[1:]
    index = np.floor(left).astype(np.int64)
    f = np.where(index < 0, 0.0, F[np.clip(index, 0, top)])
    f = np.where(index > top, 1.0, f)
    d0 = f - np.clip((left - low) / (high - low), 0.0, 1.0)
    d1 = f - np.clip((right - low) / (high - low), 0.0, 1.0)
    return float(np.sum((right - left) * (d0**2 + d0 * d1 + d1**2) / 3)) + (high - low) / 6


def figure_crps(counts: np.ndarray, kind: str, value: float, relative_error: float | None = None) -> float:
    """The CRPS of a figure of ``kind`` (module docstring); an approx figure of value 0 is exact."""
    if kind == "at_least":
        return crps_at_least(counts, value)
    if kind == "at_most":
        return crps_at_most(counts, value)
    if kind == "approx":
        low, high = allowed(kind, value, relative_error)
        if high > low:
            return crps_uniform(counts, low, high)
    return crps(counts, value)

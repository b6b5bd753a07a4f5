"""The beta distribution's functions NumPy lacks: its distribution function and quantiles, to about 1e-12."""

from __future__ import annotations

import math

import numpy as np


def beta_quantile(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """The ``u``-quantiles of Beta(a, b), to about 1e-12: a bracket on a cached grid, then safeguarded Newton steps."""
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    grid, cdf = _beta_grid(a, b)
    i = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, len(grid) - 2)
    guess = np.interp(u, cdf, grid)
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return np.array([
        0.0 if p <= 0 else 1.0 if p >= 1 else beta_root(a, b, log_norm, p, x, low, high)
        for p, x, low, high in zip(u.tolist(), guess.tolist(), grid[i].tolist(), grid[i + 1].tolist())
    ])


def beta_root(a: float, b: float, log_norm: float, p: float, x: float, low: float, high: float) -> float:
    """The x in [low, high] where Beta(a, b)'s distribution function is ``p``: Newton, bisecting when it strays."""
    x = min(max(x, low), high)
    for _ in range(100):
        f = _beta_cdf(a, b, log_norm, x) - p
        if f == 0:
            return x
        if f < 0:
            low = x
        else:
            high = x
        step = x
        if 0 < x < 1:
            density = math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x))
            if density > 0 and math.isfinite(density):
                step = x - f / density
        new = step if low <= step <= high and step != x else (low + high) / 2
        if abs(new - x) <= 1e-13 * max(x, 1e-12) or high - low <= 1e-15:
            return new
        x = new
    return x


_BETA_GRIDS: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}


def _beta_grid(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Points of [0, 1], denser at both ends, and Beta(a, b)'s distribution function there (cached)."""
    key = (a, b)
    if key not in _BETA_GRIDS:
        grid = np.sin(np.linspace(0.0, math.pi / 2, 1025)) ** 2
        grid[-1] = 1.0
        _BETA_GRIDS[key] = (grid, np.maximum.accumulate(beta_cdf(a, b, grid)))
    return _BETA_GRIDS[key]


def beta_cdf(a: float, b: float, x: np.ndarray) -> np.ndarray:
    """The regularized incomplete beta function I_x(a, b) at each ``x``."""
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return np.array([_beta_cdf(a, b, log_norm, v) for v in np.asarray(x, dtype=float).tolist()])


def _beta_cdf(a: float, b: float, log_norm: float, x: float) -> float:
    """I_x(a, b) by its continued fraction (Lentz, as Numerical Recipes' betai), on the side where it converges fast."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):
        return 1.0 - math.exp(log_norm + b * math.log1p(-x) + a * math.log(x)) * _beta_fraction(b, a, 1 - x) / b
    return math.exp(log_norm + a * math.log(x) + b * math.log1p(-x)) * _beta_fraction(a, b, x) / a


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function."""
    tiny = 1e-300
    c = 1.0
    d = 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((a - 1 + m2) * (a + m2)),
                          -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h

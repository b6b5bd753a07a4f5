"""The priors of a calibration: read from ``--fit`` or [calibration], checked to have a density, their densities,
their draws, and the box of values a fit may propose (docs/design.md section 5, ``sim calibrate``)."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..dists import MIXTURE, Dist, DistError
from ..errors import InputError
from ..scenario.fitted import prior_problem
from ..scenario.varied import extremes


def as_priors(fit: Mapping[str, Any], option: str = "--fit") -> dict[str, Dist]:
    """``{key: prior}`` from distribution tables or Dists, each checked to have a density (InputError if not)."""
    out = {}
    for key, prior in fit.items():
        if not isinstance(prior, Dist):
            if not isinstance(prior, dict):
                raise InputError(f"{option} {key}: give a prior as a distribution table, e.g. "
                                 f'{{dist = "uniform", low = 10, high = 150}}, got {prior!r}')
            try:
                prior = Dist.from_table(prior)
            except DistError as error:
                raise InputError(f"{option} {key}: {error}") from None
        problem = prior_problem(prior)
        if problem:
            raise InputError(f"{option} {key}: {problem}")
        out[str(key)] = prior
    if not out:
        raise InputError("nothing to fit: give --fit KEY=PRIOR, or a [calibration] table in the scenario")
    return out


def density(prior: Dist, x: np.ndarray) -> np.ndarray:
    """The prior's density at each ``x`` (0 outside its support)."""
    x = np.asarray(x, dtype=float)
    if prior.kind == MIXTURE:
        return sum((w * density(part, x) for w, part in prior.weighted_parts()), np.zeros_like(x))
    p = prior.params
    out = np.zeros_like(x)
    if prior.kind == "uniform":
        inside = (x >= p[0]) & (x <= p[1])
        out[inside] = 1.0 / (p[1] - p[0])
    elif prior.kind == "triangular":
        low, mode, high = p
        left = (x >= low) & (x < mode)
        right = (x >= mode) & (x <= high)
        if mode > low:
            out[left] = 2 * (x[left] - low) / ((high - low) * (mode - low))
        if high > mode:
            out[right] = 2 * (high - x[right]) / ((high - low) * (high - mode))
        else:
            out[x == high] = 2 / (high - low)
    elif prior.kind == "normal":
        out = np.exp(-0.5 * ((x - p[0]) / p[1]) ** 2) / (p[1] * math.sqrt(2 * math.pi))
    elif prior.kind == "lognormal":
        positive = x > 0
        z = (np.log(x[positive]) - math.log(p[0])) / p[1]
        out[positive] = np.exp(-0.5 * z * z) / (p[1] * x[positive] * math.sqrt(2 * math.pi))
    elif prior.kind == "beta":
        mean, sd = p
        common = mean * (1 - mean) / (sd * sd) - 1
        a, b = mean * common, (1 - mean) * common
        inside = (x > 0) & (x < 1)
        log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        out[inside] = np.exp(log_norm + (a - 1) * np.log(x[inside]) + (b - 1) * np.log1p(-x[inside]))
    else:
        raise InputError(f"{prior} has no density")
    return out


def joint_density(priors: Mapping[str, Dist], particles: np.ndarray) -> np.ndarray:
    """The product of the priors' densities at each particle (rows of ``particles``, one column per key), 0 outside
    the box a fit proposes in (:func:`box`)."""
    out = np.ones(len(particles))
    low, high = box(priors)
    for k, prior in enumerate(priors.values()):
        column = particles[:, k]
        out *= np.where((column >= low[k]) & (column <= high[k]), density(prior, column), 0.0)
    return out


def box(priors: Mapping[str, Dist]) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest value of each key a fit may propose: its prior's support, an unbounded one cut at the
    1e-12 tails (the values ``--vary`` checks, so every proposal is a valid scenario)."""
    ranges = [extremes(prior) for prior in priors.values()]
    return np.array([lo for lo, _ in ranges]), np.array([hi for _, hi in ranges])


def draw(prior: Dist, generator: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws of the prior by inverse transform of ``generator``'s uniform numbers (a beta's too)."""
    return prior.quantile(generator.random(n))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative normalised weight (in sorted order) reaches ``q``."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    k = min(int(np.searchsorted(cumulative, q - 1e-12, side="left")), len(values) - 1)
    return float(values[order][k])

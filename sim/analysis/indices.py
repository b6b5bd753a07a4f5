"""Sensitivity designs and indices from SALib: Sobol' (Saltelli's scheme) and Morris, with bootstrap
confidence intervals, in the unit cube (each key's range mapped to [0, 1]).

SALib is an optional dependency (the ``analysis`` extra): it is imported only here, when a design is
made or analysed. Designs and confidence intervals are drawn from seeds derived from the run's seed,
so the same seed gives the same design and the same intervals.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ..errors import missing
from .ranges import DesignError

METHODS = ("sobol", "morris")
#: Columns of sensitivity.csv per method (after ``output`` and ``key``).
COLUMNS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf", "sigma")}
#: The default number of samples: Sobol's base sample N (points: N x (2 keys + 2)), Morris' trajectories.
DEFAULT_SAMPLES = {"sobol": 64, "morris": 20}
#: Levels of a Morris grid, and the confidence level of every interval.
MORRIS_LEVELS = 4
CONFIDENCE = 0.95
#: Bootstrap resamples of the intervals (SALib's defaults).
RESAMPLES = {"sobol": 100, "morris": 1000}


def salib():
    """The SALib package, or a MissingDependencyError with the install line of the ``analysis`` extra."""
    try:
        import SALib  # noqa: F401
        from SALib.analyze import morris as analyze_morris
        from SALib.analyze import sobol as analyze_sobol
        from SALib.sample import morris as sample_morris
        from SALib.sample import sobol as sample_sobol
    except ImportError:
        raise missing("sensitivity analysis (and scenario discovery)", "SALib", "analysis") from None
    return {"sobol": (sample_sobol, analyze_sobol), "morris": (sample_morris, analyze_morris)}


def sub_seed(seed: int, purpose: int) -> int:
    """A seed for one use of the run's ``seed`` (the design, the bootstrap): never 0, which SALib takes as none."""
    return int(np.random.SeedSequence([seed, purpose]).generate_state(1, np.uint64)[0]) | 1


def problem(keys: Sequence[str]) -> dict:
    """SALib's problem: every key in the unit interval."""
    return {"num_vars": len(keys), "names": list(keys), "bounds": [[0.0, 1.0]] * len(keys)}


def check_method(method: str, samples: int | None) -> int:
    """The number of samples for ``method`` (its default if None); DesignError for an unknown method or a bad count."""
    if method not in METHODS:
        raise DesignError(f"unknown method {method!r}; choose {' or '.join(METHODS)}")
    samples = DEFAULT_SAMPLES[method] if samples is None else int(samples)
    if samples < 2:
        raise DesignError(f"--samples must be at least 2, got {samples}")
    if method == "sobol" and samples & (samples - 1):
        raise DesignError(f"--samples for sobol must be a power of 2 (Sobol' sequences are balanced only then), "
                          f"got {samples}; e.g. {1 << (samples.bit_length() - 1)} or {1 << samples.bit_length()}")
    return samples


def design_size(method: str, samples: int, keys: int) -> int:
    """How many points a design has: N x (2 keys + 2) for Sobol', trajectories x (keys + 1) for Morris."""
    return samples * (2 * keys + 2) if method == "sobol" else samples * (keys + 1)


def sample(method: str, keys: Sequence[str], samples: int, seed: int) -> np.ndarray:
    """The design in the unit cube (points x keys): Saltelli's cross-sampling of a scrambled Sobol' sequence
    (second-order indices included), or Morris trajectories on a grid of MORRIS_LEVELS levels."""
    sampler = salib()[method][0]
    if method == "sobol":
        return sampler.sample(problem(keys), samples, calc_second_order=True, scramble=True, seed=sub_seed(seed, 1))
    return sampler.sample(problem(keys), samples, num_levels=MORRIS_LEVELS, seed=sub_seed(seed, 1))


def analyse(method: str, keys: Sequence[str], unit: np.ndarray, y: Sequence[float], seed: int) -> tuple[dict, list]:
    """The indices of one output ``y`` (one value per design point): ``({key: {column: value}}, interactions)``,
    interactions (Sobol' only) as ``(key, other, S2, S2_conf)``. An output that does not change gives no index
    (None): nothing explains a variance of 0."""
    y = np.asarray(y, dtype=float)
    analyser = salib()[method][1]
    if np.ptp(y) == 0:  # either method (Morris would give every key 0, as if measured and found not to matter)
        empty = {key: {c: None for c in COLUMNS[method]} for key in keys}
        pairs = [(a, b, None, None) for i, a in enumerate(keys) for b in keys[i + 1:]] if method == "sobol" else []
        return empty, pairs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's notes on sample sizes; the intervals say how sure the indices are
        if method == "sobol":
            s = analyser.analyze(problem(keys), y, calc_second_order=True, num_resamples=RESAMPLES[method],
                                 conf_level=CONFIDENCE, seed=sub_seed(seed, 2))
        else:
            s = analyser.analyze(problem(keys), np.asarray(unit, dtype=float), y, num_resamples=RESAMPLES[method],
                                 conf_level=CONFIDENCE, num_levels=MORRIS_LEVELS, seed=sub_seed(seed, 2))
    rows = {key: {c: _number(s[c][k]) for c in COLUMNS[method]} for k, key in enumerate(keys)}
    pairs = []
    if method == "sobol":
        pairs = [(a, keys[j], _number(s["S2"][i, j]), _number(s["S2_conf"][i, j]))
                 for i, a in enumerate(keys) for j in range(i + 1, len(keys))]
    return rows, pairs


def _number(value) -> float | None:
    """An index rounded to 4 decimals (None if SALib gave no number)."""
    value = float(value)
    return round(value, 4) if np.isfinite(value) else None

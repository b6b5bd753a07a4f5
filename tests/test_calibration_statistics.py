"""Simulation-based calibration of ``sim.calibrate`` (issue #13): draw the truth from the prior, simulate the
observations from it, calibrate, and count how often the truth falls inside the posterior's 90% interval; and a key
the observations cannot tell stays as wide as its prior.

The scenario is FAST (calibration_helpers.py): ten batches whose slips share a median, observed as the total on four
dates, and a contingent ("Late") that comes after every observation. Each trial is deterministic (its seeds are
fixed), so the test gives the same counts on every run; the tolerances say how far a correct method may fall by
chance: with 20 trials, an exactly calibrated 90% interval holds the truth in 15 or fewer of them with probability
0.043 and in 14 or fewer with probability 0.011 (binomial), and ABC with a finite tolerance errs on the wide side.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.analysis.abc import Options

from calibration_helpers import LATE, MEDIAN, fast_scenario, observations_of

TRIALS = 20
PRIORS = {MEDIAN: {"dist": "uniform", "low": 10, "high": 90}, LATE: {"dist": "uniform", "low": 0, "high": 1}}


@pytest.mark.slow
def test_the_truth_falls_inside_the_90_percent_interval_at_the_expected_rate(tmp_path):
    scenario = fast_scenario(tmp_path)
    inside = {MEDIAN: 0, LATE: 0}
    widths = {MEDIAN: [], LATE: []}
    for trial in range(TRIALS):
        truth = np.random.default_rng(1000 + trial)
        values = {MEDIAN: truth.uniform(10, 90), LATE: truth.uniform(0, 1)}
        observed = observations_of(scenario, values[MEDIAN], values[LATE], seed=500 + trial)
        cal = sim.calibrate(scenario, observed, fit=PRIORS, particles=100, seed=trial, replications=64, workers=1,
                            options=Options(generations=4, simulations=2500, min_acceptance=0.05))
        posterior = cal.summary()["posterior"]
        for key in inside:
            inside[key] += posterior[key]["p5"] <= values[key] <= posterior[key]["p95"]
            widths[key].append(posterior[key]["p95"] - posterior[key]["p5"])
    # the median is identified: the truth inside its 90% interval in at least 15 of 20 trials, and the interval
    # much narrower than the prior's (72 days wide)
    assert inside[MEDIAN] >= 15, inside
    assert np.mean(widths[MEDIAN]) < 0.5 * 72, widths[MEDIAN]
    # Late's fulfilment is not: nothing observed depends on it, so its posterior keeps the prior's width (0.9)
    assert inside[LATE] >= 15 and np.mean(widths[LATE]) > 0.75 * 0.9, widths[LATE]


def test_a_key_the_observations_cannot_tell_keeps_its_prior(tmp_path):
    """One fit, fast: the median narrows, Late's fulfilment keeps its prior's 5-95% width (0.9) and centre (0.5)."""
    scenario = fast_scenario(tmp_path)
    cal = sim.calibrate(scenario, observations_of(scenario, 30.0), fit=PRIORS, particles=300, seed=1,
                        replications=64, workers=1, options=Options(generations=4, simulations=5000))
    posterior = cal.summary()["posterior"]
    assert posterior[MEDIAN]["p95"] - posterior[MEDIAN]["p5"] < 0.6 * 72
    late = posterior[LATE]
    assert late["p95"] - late["p5"] > 0.75 * 0.9 and abs(late["mean"] - 0.5) < 0.1, late

"""Statistical checks of mixtures and correlated draws, each with its tolerance stated.

The draws are taken from the model's own named streams (blocks of 64 replications), the way
``sim.run`` takes them; one test runs the model itself to show it draws what these tests check.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

import sim
from sim.dists import Dist
from sim.streams import Streams

BLOCKS = 160  # 160 x 64 = 10,240 replications
N = BLOCKS * 64

MIXTURE = Dist.from_table({"dist": "mixture", "weights": [0.2, 0.3, 0.5], "of": [
    {"dist": "fixed", "value": 0}, {"dist": "uniform", "low": 0.02, "high": 0.1},
    {"dist": "beta", "mean": 0.7, "sd": 0.15}]})


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (no ties in continuous draws)."""
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    return float(np.corrcoef(rx, ry)[0, 1])


def draws(name: tuple, dist: Dist, rho: float | None = None, kind: str = "fulfilment", seed: int = 11) -> np.ndarray:
    """N replications' draws of ``name`` (correlated through the factor of ``kind`` when rho is given)."""
    out = []
    for block in range(BLOCKS):
        streams = Streams(seed, block)
        if rho is None:
            out.extend(streams.values(name, dist))
        else:
            out.extend(streams.correlated(name, dist, ("factor", kind), rho))
    return np.array(out)


@pytest.mark.slow
def test_mixture_weights():
    x = draws(("fulfilment", "A"), MIXTURE)
    zero, token = np.mean(x == 0), np.mean((x >= 0.02) & (x <= 0.1))
    # binomial standard errors sqrt(p (1 - p) / N): 0.0040 and 0.0045; tolerance 4.5 of them
    assert abs(zero - 0.2) < 4.5 * math.sqrt(0.2 * 0.8 / N)
    assert abs(token - 0.3) < 4.5 * math.sqrt(0.3 * 0.7 / N)
    rest = x[x > 0.1]
    # the beta part keeps its mean (0.7) and sd (0.15): the mean within 4.5 standard errors
    assert abs(rest.mean() - 0.7) < 4.5 * 0.15 / math.sqrt(rest.size)
    assert abs(rest.std() - 0.15) < 0.01
    assert abs(x.mean() - MIXTURE.mean()) < 4.5 * x.std() / math.sqrt(N)


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.3, 0.7])
def test_spearman_correlation_of_two_contingents(rho):
    a = Dist.from_table({"dist": "uniform", "low": 0.2, "high": 1})
    b = Dist.from_table({"dist": "triangular", "low": 0, "mode": 0.8, "high": 1})
    x, y = draws(("fulfilment", "A"), a, rho), draws(("fulfilment", "B"), b, rho)
    want = 6 / math.pi * math.asin(rho / 2)
    # the standard error of Spearman's rho is below 1 / sqrt(N - 1) = 0.0099; tolerance 0.04 (about 4 of them)
    assert abs(spearman(x, y) - want) < 0.04
    # the marginals are kept: a uniform stays uniform (mean 0.6 within 4.5 standard errors, sd 0.8 / sqrt(12))
    assert abs(x.mean() - 0.6) < 4.5 * 0.231 / math.sqrt(N)
    assert abs(x.std() - 0.8 / math.sqrt(12)) < 0.01


@pytest.mark.slow
def test_spearman_correlation_of_two_mixtures_with_beta_parts():
    rho = 0.5
    x = draws(("fulfilment", "A"), MIXTURE, rho)
    y = draws(("fulfilment", "B"), MIXTURE, rho)
    # ties at 0 (a fifth of the draws) lower Spearman's rho below the copula's 0.4826; it stays well above 0
    assert 0.3 < spearman(x, y) < 0.5
    assert abs(np.mean(x == 0) - 0.2) < 4.5 * math.sqrt(0.16 / N)  # the weights hold under correlation


@pytest.mark.slow
def test_independent_contingents_are_uncorrelated():
    a = Dist.from_table({"dist": "uniform", "low": 0, "high": 1})
    x, y = draws(("fulfilment", "A"), a), draws(("fulfilment", "B"), a)
    assert abs(spearman(x, y)) < 0.04


@pytest.mark.slow
def test_the_model_draws_the_same_correlated_values(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(textwrap.dedent("""
        [scenario]
        name = "correlated"
        start = 2024-01-01
        end = 2024-02-01
        seed = 11

        [mission]
        authorized = 100000

        [correlation]
        fulfilment = 0.7

        [[contingent]]
        country = "A"
        pledged = 10000
        fulfilment = { dist = "uniform", low = 0.2, high = 1 }
        batches = [ { arrive = 2024-01-02, size = 10000 } ]

        [[contingent]]
        country = "B"
        pledged = 10000
        fulfilment = { dist = "triangular", low = 0, mode = 0.8, high = 1 }
        batches = [ { arrive = 2024-01-02, size = 10000 } ]
    """))
    sc = sim.load(path)
    result = sim.run(sc, replications=640, workers=1, keep_replications=True)
    strength = result.replication_strength()  # (replications, series, days)
    series = list(result.series)
    a = strength[:, series.index("A"), -1] / 10000
    b = strength[:, series.index("B"), -1] / 10000
    x = draws(("fulfilment", "A"), Dist.from_table({"dist": "uniform", "low": 0.2, "high": 1}), 0.7)[:640]
    assert np.allclose(a, x, atol=0.5 / 10000 + 1e-12)
    assert abs(spearman(a, b) - 6 / math.pi * math.asin(0.35)) < 0.12  # 640 replications: standard error 0.04

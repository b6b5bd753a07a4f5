"""Distributions (sim.dists): the forms a scenario may use, their checks, supports, means and draws."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.dists import FORMS, Dist, DistError, round_half_up


@pytest.mark.parametrize("table, expected", [
    ({"dist": "fixed", "value": 3}, Dist("fixed", (3.0,))),
    ({"dist": "uniform", "low": 0, "high": 1}, Dist("uniform", (0.0, 1.0))),
    ({"dist": "triangular", "low": 0, "mode": 1, "high": 3}, Dist("triangular", (0.0, 1.0, 3.0))),
    ({"dist": "normal", "mean": 5, "sd": 2}, Dist("normal", (5.0, 2.0))),
    ({"dist": "lognormal", "median": 30, "sigma": 1}, Dist("lognormal", (30.0, 1.0))),
    ({"dist": "beta", "mean": 0.6, "sd": 0.1}, Dist("beta", (0.6, 0.1))),
    ({"dist": "bernoulli", "p": 0.7}, Dist("bernoulli", (0.7,))),
])
def test_every_form_is_read_in_the_order_of_its_parameters(table, expected):
    assert Dist.from_table(table) == expected
    assert Dist.from_table(dict(reversed(list(table.items())))) == expected  # the order of the keys is free
    assert expected.kind in FORMS and len(expected.params) == len(FORMS[expected.kind])


@pytest.mark.parametrize("table, key, says", [
    ({"low": 0}, "dist", "needs dist = one of fixed, uniform"),
    ({"dist": "poisson", "lam": 3}, "dist", "unknown distribution 'poisson'"),
    ({"dist": "uniform", "low": 0, "hi": 1}, "hi", "unknown parameter 'hi' for uniform (did you mean 'high'?); expected low, high"),
    ({"dist": "uniform", "low": 0}, "high", "'high' is missing"),
    ({"dist": "uniform", "low": 0, "high": "x"}, "high", "must be a finite number"),
    ({"dist": "bernoulli", "p": True}, "p", "must be a finite number"),
    ({"dist": "normal", "mean": 0, "sd": math.inf}, "sd", "must be a finite number"),
    ({"dist": "uniform", "low": 5, "high": 1}, "high", "low <= high"),
    ({"dist": "triangular", "low": 0, "mode": 2, "high": 1}, "mode", "low <= mode <= high"),
    ({"dist": "normal", "mean": 0, "sd": -1}, "sd", "sd must be >= 0"),
    ({"dist": "lognormal", "median": 0, "sigma": 1}, "median", "median must be > 0"),
    ({"dist": "bernoulli", "p": 1.5}, "p", "p must be in [0, 1]"),
    ({"dist": "beta", "mean": 1, "sd": 0.1}, "mean", "strictly between 0 and 1"),
    ({"dist": "beta", "mean": 0.5, "sd": 0.6}, "sd", "impossible beta"),
])
def test_a_bad_table_names_its_key(table, key, says):
    with pytest.raises(DistError) as info:
        Dist.from_table(table)
    assert says in str(info.value)
    assert info.value.key == key
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("dist, support, mean", [
    (Dist.fixed(4), (4.0, 4.0), 4.0),
    (Dist("uniform", (2.0, 6.0)), (2.0, 6.0), 4.0),
    (Dist("triangular", (0.0, 3.0, 6.0)), (0.0, 6.0), 3.0),
    (Dist("normal", (5.0, 2.0)), (-math.inf, math.inf), 5.0),
    (Dist("normal", (5.0, 0.0)), (5.0, 5.0), 5.0),           # degenerate: a fixed value
    (Dist("lognormal", (2.0, 0.0)), (2.0, 2.0), 2.0),
    (Dist("lognormal", (2.0, 1.0)), (0.0, math.inf), 2.0 * math.exp(0.5)),
    (Dist("beta", (0.6, 0.1)), (0.0, 1.0), 0.6),
    (Dist("bernoulli", (0.7,)), (0.0, 1.0), 0.7),
])
def test_support_and_mean(dist, support, mean):
    assert dist.support() == support
    assert dist.mean() == pytest.approx(mean)


@pytest.mark.parametrize("dist", [
    Dist("uniform", (2.0, 6.0)), Dist("triangular", (0.0, 1.0, 6.0)), Dist("normal", (5.0, 2.0)),
    Dist("lognormal", (2.0, 0.5)), Dist("beta", (0.6, 0.1)), Dist("bernoulli", (0.7,)),
])
def test_draws_stay_in_the_support_and_average_to_the_mean(dist):
    n = 20_000
    draws = dist.sample(np.random.default_rng(1), n)
    low, high = dist.support()
    assert draws.shape == (n,) and low <= draws.min() and draws.max() <= high
    assert abs(draws.mean() - dist.mean()) < 4.5 * draws.std() / math.sqrt(n)  # fails by chance 1 in 150,000


def test_a_fixed_value_draws_nothing():
    gen = np.random.default_rng(1)
    before = gen.bit_generator.state
    assert Dist.fixed(7).sample(gen, 3).tolist() == [7.0, 7.0, 7.0]
    assert gen.bit_generator.state == before


def test_as_written_in_a_scenario_file():
    assert Dist.fixed(180).to_toml() == 180.0 and str(Dist.fixed(180)) == "180"
    beta = Dist("beta", (0.6, 0.1))
    assert beta.to_toml() == {"dist": "beta", "mean": 0.6, "sd": 0.1}
    assert Dist.from_table(beta.to_toml()) == beta
    assert str(beta) == "beta(mean=0.6, sd=0.1)"


def test_round_half_up():
    assert [round_half_up(x) for x in (2.5, 0.5, -0.5, 1.49999, 3, -1.5)] == [3, 1, 0, 1, 3, -1]

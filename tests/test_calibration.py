"""Calibration (issue #13): the ABC-SMC fit, the observation distance, and the [posterior] and [calibration] tables.

Known answers: a Gaussian mean whose posterior is known in closed form; the distance of each kind computed by hand;
a two-particle posterior whose draws follow its weights. The command line is in test_calibration_cli.py, the
simulation-based calibration in test_calibration_statistics.py.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.analysis.abc import Options, smc
from sim.analysis.distance import KINDS, targets
from sim.analysis.observations import check_observations
from sim.analysis.priors import density, weighted_quantile
from sim.dists import Dist
from sim.errors import InputError
from sim.scenario import ScenarioError

from calibration_helpers import FAST, FIT, fast_scenario, observations_of

UNIFORM = Dist.from_table({"dist": "uniform", "low": -5, "high": 5})


@pytest.fixture(scope="module")
def fast(tmp_path_factory) -> sim.Scenario:
    return fast_scenario(tmp_path_factory.mktemp("fast"))


def gaussian(table: dict, seed: int) -> np.ndarray:
    """A simulator whose posterior is known: x ~ N(m, 1), observed x = 1, distance |x - 1|."""
    generator = np.random.default_rng(seed)
    return np.abs(table["m"] + generator.standard_normal(len(table["m"])) - 1.0)


def test_abc_recovers_a_gaussian_mean():
    """Prior m ~ U(-5, 5), x ~ N(m, 1), x = 1 observed: the posterior is N(1, 1) cut to [-5, 5] (mean 1, sd 1).
    With 2,000 particles the estimates are within 0.1 of both (their Monte Carlo error is about 0.03)."""
    fit = smc({"m": UNIFORM}, gaussian, 7, Options(particles=2000, generations=8, simulations=200_000))
    values, weights = fit.last.particles[:, 0], fit.last.weights
    mean = float(np.sum(weights * values))
    sd = math.sqrt(float(np.sum(weights * (values - mean) ** 2)))
    assert abs(mean - 1.0) < 0.1 and abs(sd - 1.0) < 0.1, (mean, sd)
    tolerances = [g.tolerance for g in fit.generations[1:]]
    assert fit.generations[0].tolerance is None and all(a > b for a, b in zip(tolerances, tolerances[1:]))
    assert all(len(g.particles) == 2000 and abs(g.weights.sum() - 1) < 1e-12 for g in fit.generations)
    assert all((g.distances <= g.tolerance).all() for g in fit.generations[1:])
    assert fit.simulated == sum(g.simulated for g in fit.generations) + (fit.simulated - sum(
        g.simulated for g in fit.generations))  # a generation left unfinished counts too
    assert fit.stopped in ("generations", "budget")


def test_a_fit_is_a_pure_function_of_its_seed():
    options = Options(particles=200, generations=4, simulations=20_000)
    one = smc({"m": UNIFORM}, gaussian, 3, options)
    two = smc({"m": UNIFORM}, gaussian, 3, options)
    other = smc({"m": UNIFORM}, gaussian, 4, options)
    assert [g.to_json() for g in one.generations] == [g.to_json() for g in two.generations]
    assert not np.array_equal(one.last.particles, other.last.particles)


def test_a_fit_stops_when_every_particle_matches_or_acceptance_falls():
    exact = smc({"m": UNIFORM}, lambda table, seed: np.zeros(len(table["m"])), 1, Options(particles=50))
    assert exact.stopped == "exact" and len(exact.generations) == 1 and exact.simulated == 50
    # at a minimum acceptance of 90%, generation 1 (about half accepted at the median tolerance) cannot be completed
    # within 50 / 0.9 = 56 simulations: the prior's generation is the result, and the spent ones are counted
    low = smc({"m": UNIFORM}, gaussian, 1, Options(particles=50, min_acceptance=0.9))
    assert low.stopped == "acceptance" and len(low.generations) == 1 and low.simulated == 50 + 56
    budget = smc({"m": UNIFORM}, gaussian, 1, Options(particles=50, simulations=120))
    assert budget.stopped == "budget" and budget.simulated == 120


def test_every_proposal_stays_inside_the_priors():
    """Proposals outside a prior's support are drawn again (ancestor and move): every particle of every
    generation lies in the box, even when the posterior piles up against an edge."""
    edge = {"m": Dist.from_table({"dist": "uniform", "low": 0.8, "high": 3})}
    fit = smc(edge, gaussian, 5, Options(particles=300, generations=5, simulations=30_000))
    for generation in fit.generations:
        assert generation.particles.min() >= 0.8 and generation.particles.max() <= 3


@pytest.mark.parametrize("table", [
    {"dist": "uniform", "low": 2, "high": 6},
    {"dist": "triangular", "low": 0, "mode": 1, "high": 4},
    {"dist": "normal", "mean": 1, "sd": 2},
    {"dist": "lognormal", "median": 30, "sigma": 0.7},
    {"dist": "beta", "mean": 0.3, "sd": 0.1},
    {"dist": "mixture", "weights": [0.4, 0.6], "of": [{"dist": "uniform", "low": 0, "high": 1},
                                                     {"dist": "triangular", "low": 1, "mode": 2, "high": 5}]},
])
def test_prior_densities_integrate_to_one_and_match_their_quantiles(table):
    prior = Dist.from_table(table)
    low, high = prior.quantile(np.array([1e-9, 1 - 1e-9]))
    grid = np.linspace(low, high, 400_001)
    values = density(prior, grid)
    assert abs(np.trapezoid(values, grid) - 1) < 1e-3
    median = float(prior.quantile(np.array([0.5]))[0])
    below = grid <= median
    assert abs(np.trapezoid(values[below], grid[below]) - 0.5) < 1e-3


def test_a_prior_without_a_density_is_refused(fast):
    for prior in ({"dist": "fixed", "value": 3}, {"dist": "bernoulli", "p": 0.5}, {"dist": "uniform", "low": 2, "high": 2},
                  {"dist": "mixture", "weights": [0.5, 0.5], "of": [0.4, {"dist": "uniform", "low": 0, "high": 1}]}):
        with pytest.raises(InputError, match="density|range of values"):
            sim.calibrate(fast, [(dt.date(2024, 2, 1), "total", 0)], fit={"assumptions.slip_days.median": prior})


def test_weighted_quantile_by_hand():
    values = np.array([3.0, 1.0, 2.0, 4.0])
    assert weighted_quantile(values, np.array([1, 1, 1, 1.0]), 0.5) == 2.0
    assert weighted_quantile(values, np.array([0.1, 0.1, 0.1, 0.7]), 0.5) == 4.0
    assert weighted_quantile(values, np.array([0.1, 0.6, 0.2, 0.1]), 0.5) == 1.0


def test_the_distance_of_each_kind_by_hand(fast):
    """x = 90 against v = 100, scaled by 100: exact 0.10; approx with a 5% band 0.05; at_least 0.10;
    at_most 0 (90 is at most 100); and against v = 0 the scale is 1 (not 0)."""
    start = dt.date(2024, 1, 1)
    observed = [Observed(start, "total", 100.0, kind, rel) for kind, rel in
                (("exact", 0), ("approx", 0.05), ("at_least", 0), ("at_most", 0))] + [Observed(start, "total", 0.0)]
    aims = targets(fast, observed)
    errors = aims.errors(np.array([[90.0, 90, 90, 90, 3]]))
    assert np.allclose(errors, [[0.10, 0.05, 0.10, 0.0, 3.0]])
    assert np.allclose(aims.distances(np.full((1, 12, 1), 90)), np.sqrt(np.mean(
        np.array([0.1, 0.05, 0.1, 0.0, 90.0]) ** 2)))  # every series 90: only "total" counts here
    assert KINDS == ("exact", "approx", "at_least", "at_most")


class Observed(tuple):
    """An observation that carries a kind and a relative error, as sim.Observation does."""

    def __new__(cls, date, series, value, kind="exact", rel_error=0.0):
        self = super().__new__(cls, (date, series, value, ""))
        self.kind, self.relative_error = kind, rel_error
        return self


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.floats(0, 1e5), v=st.floats(0, 1e5), rel=st.floats(0, 1))
def test_the_errors_of_the_kinds_bound_each_other(fast, x, v, rel):
    """Whatever the figures: every error is >= 0; an approximate figure never counts more than an exact one; the
    two one-sided errors add up to the exact one (one of them is 0); and a replication on the figure scores 0."""
    start = dt.date(2024, 1, 1)
    aims = targets(fast, [Observed(start, "total", v, kind, rel) for kind in KINDS])
    exact, approx, least, most = aims.errors(np.array([[x] * 4]))[0]
    assert min(exact, approx, least, most) >= 0 and approx <= exact + 1e-12
    assert least * most == 0 and math.isclose(least + most, exact, rel_tol=1e-12, abs_tol=1e-12)
    assert not aims.errors(np.array([[v] * 4])).any()


def test_an_unknown_kind_is_refused_and_cumulative_arrivals_are_kept(fast):
    scenario = fast
    with pytest.raises(sim.analysis.observations.ObservationError, match="kind 'roughly'"):
        targets(scenario, [Observed(dt.date(2024, 2, 1), "total", 1.0, "roughly")])
    kept, warnings = check_observations(scenario, [(dt.date(2024, 2, 1), "arrived:C0", 20.0),
                                                   (dt.date(2024, 2, 1), "total", 9.0),
                                                   (dt.date(2024, 2, 1), "Nowhere", 9.0)])
    assert [(obs.series, obs.value) for obs in kept] == [("arrived:C0", 20.0), ("total", 9.0)]
    assert len(warnings) == 1 and "'Nowhere' is neither 'total' nor a country" in warnings[0]


def test_the_distance_of_cumulative_arrivals_by_hand(fast):
    """Strength and arrivals side by side, the arrivals listed out of their probes' order and one probe observed
    twice: each observation takes its own figure of the replication."""
    feb, mar = dt.date(2024, 2, 1), dt.date(2024, 3, 1)
    aims = targets(fast, [Observed(mar, "arrived", 200.0, "at_least"), Observed(feb, "total", 100.0),
                          Observed(feb, "arrived:C1", 20.0), Observed(mar, "arrived:total", 300.0, "at_most")])
    assert aims.days == (fast.day(feb), fast.day(mar))
    assert aims.arrivals == (("C1", fast.day(feb)), ("total", fast.day(mar)))  # in the run's series order
    kept = np.zeros((2, 12, 2))
    kept[:, -1, 0] = [90, 100]  # the total on 1 February
    arrived = np.array([[20, 150], [10, 400]])  # C1 on 1 February, everyone by 1 March
    errors = [[0.25, 0.1, 0.0, 0.0], [0.0, 0.0, 0.5, 100 / 300]]
    assert np.allclose(aims.distances(kept, arrived), np.sqrt(np.mean(np.square(errors), axis=1)))
    with pytest.raises(sim.analysis.observations.ObservationError, match="'Nowhere' is neither 'total' nor"):
        targets(fast, [Observed(feb, "arrived:Nowhere", 1.0)])
    with pytest.raises(sim.analysis.observations.ObservationError, match="unknown quantity 'sent'"):
        targets(fast, [Observed(feb, "sent:C1", 1.0)])


ONE_TOUR = """\
[scenario]
name = "One short tour"
start = 2024-01-01
end = 2024-06-30
replications = 64
seed = 5

[mission]
authorized = 1000

[assumptions]
tour_days = 30
rotation = { probability = 0 }

[[contingent]]
country = "X"
pledged = 100
fulfilment = { dist = "uniform", low = 0, high = 1 }
batches = [{ arrive = 2024-01-10, size = 100 }]
"""


def test_cumulative_arrivals_tell_what_strength_no_longer_shows(tmp_path):
    """Known answer: 100 pledged, round(fulfilment x 100) arrive on 10 January, serve 30 days and leave unrelieved.
    On 31 March the strength is 0 whatever the fulfilment, so only "60 have arrived" tells it: the posterior of the
    fulfilment must close in on 0.6 (exactly 60 arrive for 0.595 <= f < 0.605), from a uniform prior on [0, 1]
    whose 90% interval is [0.05, 0.95]. A fit that compared strength there would keep the prior."""
    path = tmp_path / "one.toml"
    path.write_text(ONE_TOUR, encoding="utf-8")
    scenario = sim.load(path)
    day = dt.date(2024, 3, 31)
    run = sim.run(scenario, replications=200, seed=3, workers=1, keep_replications=True, arrivals=[("X", day)])
    each = run.replication_arrived("X", day)
    assert (run.replication_curves("X")[:, scenario.day(day)] == 0).all() and each.max() > 0
    assert np.array_equal(np.bincount(each, minlength=len(run.arrived_distribution("X", day))),
                          run.arrived_distribution("X", day))
    early = dt.date(2024, 1, 20)  # several kept chunks, merged from two workers: each replication's own, in order
    one, two = (sim.run(scenario, replications=1500, seed=4, workers=w, keep_replications=True,
                        arrivals=[("X", early), ("total", day)]) for w in (1, 2))
    for series, when in (("X", early), ("total", day)):
        assert np.array_equal(one.replication_arrived(series, when), two.replication_arrived(series, when))
    assert np.array_equal(one.replication_arrived("X", early), one.replication_curves("X")[:, scenario.day(early)])
    observed = [sim.Observation(day, "arrived:X", 60), sim.Observation(day, "total", 0)]
    fitted = sim.calibrate(scenario, observed, fit={"contingent.X.fulfilment": {"dist": "uniform", "low": 0, "high": 1}},
                           particles=200, options=Options(generations=5, simulations=20_000), replications=64,
                           workers=1)
    last = fitted.main.fit.last
    low, high = (weighted_quantile(last.particles[:, 0], last.weights, q) for q in (0.05, 0.95))
    assert 0.5 < low < 0.6 < high < 0.7, (low, high)
    assert fitted.main.in_sample["rows"][0]["series"] == "arrived:X"  # the predictive recorded them to score them
    assert fitted.main.in_sample["rows"][0]["median"] == pytest.approx(60, abs=6)


def test_keep_days_keeps_those_days_of_every_replication(fast):
    scenario = fast
    full = sim.run(scenario, replications=70, seed=2, workers=1, keep_replications=True)
    some = sim.run(scenario, replications=70, seed=2, workers=1, keep_replications=True, keep_days=[5, 40, 41])
    assert np.array_equal(some.replication_strength(), full.replication_strength()[:, :, [5, 40, 41]])
    assert some.strength_csv() == full.strength_csv()
    with pytest.raises(InputError, match="keep_days"):
        sim.run(scenario, replications=10, keep_replications=True, keep_days=[scenario.days])


# ------------------------------------------------------------------------------------------- [posterior]


def write_posterior(tmp_path, text: str, name: str = "posterior.csv"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "fast.toml").write_text(FAST, encoding="utf-8")
    (tmp_path / "calibrated.toml").write_text(f'extends = "fast.toml"\n[posterior]\nfile = "{name}"\n', encoding="utf-8")
    return tmp_path / "calibrated.toml"


def test_each_replication_draws_one_particle_jointly_and_by_weight(tmp_path):
    """Two particles weighted 1 and 3: about a quarter of the replications take the first (2,048 replications:
    the share's standard error is 0.0096; allowed 0.04), and each takes both of its particle's values together."""
    path = write_posterior(tmp_path, "assumptions.slip_days.median,contingent.Late.fulfilment,weight\n"
                                     "20,0.25,1\n70,0.75,3\n")
    scenario = sim.load(path)
    result = sim.run(scenario, replications=2048, seed=5, workers=1, keep_draws=True)
    draws = result.draws()
    median, fulfilment = draws["assumptions.slip_days.median"], draws["contingent.Late.fulfilment"]
    assert set(zip(median, fulfilment)) == {(20.0, 0.25), (70.0, 0.75)}
    assert abs(float((median == 20).mean()) - 0.25) < 0.04
    assert "jointly" in result.summary()["varied"]["assumptions.slip_days.median"]
    again = sim.run(scenario, replications=2048, seed=5, workers=2)
    assert again.strength_csv() == result.strength_csv()


def test_the_hash_follows_the_posterior_content_not_its_path(tmp_path):
    text = "assumptions.slip_days.median,weight\n20,1\n70,3\n"
    for name in "abc":
        (tmp_path / name).mkdir()
    one = sim.load(write_posterior(tmp_path / "a", text))
    two = sim.load(write_posterior(tmp_path / "b", text, "other.csv"))
    three = sim.load(write_posterior(tmp_path / "c", text.replace("70,3", "70,4")))
    assert one.hash == two.hash != three.hash
    assert sim.load(tmp_path / "a" / "fast.toml").hash != one.hash


@pytest.mark.parametrize("text, where", [
    ("assumptions.slip_days.median,weight\n20,1\n-5,3\n", "posterior.csv:3: assumptions.slip_days.median: lognormal "
                                                           "median must be > 0, got -5 (at -5, on this line)"),
    ("assumptions.slip_days.median,weight\n20,1\n# a comment\n30,-1\n", "posterior.csv:4: weight: must be >= 0, got -1"),
    ("assumptions.slip_days.median,weight\n20,1\n30,x\n", "posterior.csv:3: weight: not a finite number: 'x'"),
    ("assumptions.slip_dys.median,weight\n20,1\n", "posterior.csv:1: assumptions.slip_dys.median: is not a value drawn"),
    ("assumptions.slip_days.median\n20\n", "posterior.csv:1: posterior: no weight column"),
    ("assumptions.slip_days.median,weight\n20,0\n", "posterior.csv: every weight is 0"),
])
def test_a_bad_posterior_file_is_named_with_its_line_and_column(tmp_path, capsys, text, where):
    from sim.cli import main

    path = write_posterior(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    assert where in capsys.readouterr().err
    assert main(["run", str(path), "-n", "10", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert where in err and "Traceback" not in err


def test_a_missing_posterior_file_is_a_problem_of_the_scenario(tmp_path):
    path = write_posterior(tmp_path, "assumptions.slip_days.median,weight\n20,1\n")
    (tmp_path / "posterior.csv").unlink()
    with pytest.raises(ScenarioError, match=r"calibrated.toml:3: posterior.file: .*posterior.csv: no such file"):
        sim.load(path)


# ------------------------------------------------------------------------------------------- [calibration]


def test_the_calibration_table_gives_the_default_keys(tmp_path):
    (tmp_path / "fast.toml").write_text(FAST + '\n[calibration]\n"assumptions.slip_days.median" = '
                                               '{ dist = "uniform", low = 10, high = 90 }\n', encoding="utf-8")
    scenario = sim.load(tmp_path / "fast.toml")
    assert list(scenario.calibration) == ["assumptions.slip_days.median"]
    cal = sim.calibrate(scenario, observations_of(scenario, 40), particles=50, replications=64, workers=1,
                        options=Options(generations=2, simulations=500))
    assert cal.keys == ["assumptions.slip_days.median"] and cal.summary()["priors"] == {
        "assumptions.slip_days.median": {"dist": "uniform", "low": 10.0, "high": 90.0}}
    # a child's [calibration] replaces its parent's whole; without one it inherits the parent's
    (tmp_path / "child.toml").write_text('extends = "fast.toml"\n[calibration]\ncontingent.Late.fulfilment = '
                                         '{ dist = "uniform", low = 0, high = 1 }\n', encoding="utf-8")
    assert list(sim.load(tmp_path / "child.toml").calibration) == ["contingent.Late.fulfilment"]
    (tmp_path / "plain.toml").write_text('extends = "fast.toml"\n', encoding="utf-8")
    assert list(sim.load(tmp_path / "plain.toml").calibration) == ["assumptions.slip_days.median"]


@pytest.mark.parametrize("item, message", [
    ('"assumptions.slip_days.median" = 3', "calibration.assumptions.slip_days.median: must be a prior"),
    ('"assumptions.slip_days.median" = { dist = "fixed", value = 3 }', "calibration.assumptions.slip_days.median: "
                                                                       "a prior needs a density"),
    ('assumptions.slip_days.medain = { dist = "uniform", low = 1, high = 3 }', "calibration.assumptions."
                                                                               "slip_days.medain: 'medain' is no"),
    ('"assumptions.slip_days.median" = { dist = "uniform", low = -10, high = 3 }', "calibration.assumptions."
                                                                                   "slip_days.median: lognormal median "
                                                                                   "must be > 0, got -10"),
])
def test_a_bad_calibration_item_is_named_at_its_line(tmp_path, capsys, item, message):
    from sim.cli import main

    head, rest = FAST.split("\n[[contingent]]", 1)
    text = head + "\n[calibration]\n" + item + "\n\n[[contingent]]" + rest
    (tmp_path / "bad.toml").write_text(text, encoding="utf-8")
    line = text.splitlines().index(item) + 1
    assert main(["validate", str(tmp_path / "bad.toml")]) == 2
    assert f"bad.toml:{line}: {message}" in capsys.readouterr().err


def test_fit_keys_are_checked_before_anything_runs(fast, monkeypatch):
    import sim.analysis.calibration as calibration

    monkeypatch.setattr(calibration, "smc", lambda *a, **k: pytest.fail("ran"))
    scenario = fast
    observed = observations_of(scenario, 40)
    with pytest.raises(ScenarioError, match="--fit assumptions.tour_days.median: assumptions.tour_days is not a table"):
        sim.calibrate(scenario, observed, fit={"assumptions.tour_days.median": {"dist": "uniform", "low": 1, "high": 2}})
    with pytest.raises(ScenarioError, match="lognormal median must be > 0"):
        sim.calibrate(scenario, observed, fit={"assumptions.slip_days.median": {"dist": "normal", "mean": 5, "sd": 10}})
    with pytest.raises(InputError, match="nothing to fit"):
        sim.calibrate(scenario, observed)
    with pytest.raises(sim.analysis.observations.ObservationError, match="no observation is dated up to 2023-12-31"):
        sim.calibrate(scenario, observed, fit=FIT, until=dt.date(2023, 12, 31))

"""Replications that carry their own values (``--vary``, ``--params``) and every draw recorded (``--keep-draws``)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.dists import round_half_up
from sim.errors import InputError, SimError

from conftest import BASELINE, DETERMINISTIC, GOOD_DIR
from helpers import one_error_line, outputs, read_csv, run_sim

EVERY = GOOD_DIR / "every_distribution.toml"

#: Value keys and parameters of every_distribution.toml: a contingent's tour, a mandate's renewal, the mode of
#: Eastland's slips (its batch 1 inherits them), the mean of its batch 2's own slip, and the sd of the tours
#: Eastland inherits from [assumptions].
VARY = {
    "contingent.Westland.tour_days": {"dist": "uniform", "low": 150, "high": 400},
    "mandate.Second mandate.renewal_probability": {"dist": "uniform", "low": 0.2, "high": 1.0},
    "contingent.Eastland.slip_days.mode": {"dist": "triangular", "low": 0, "mode": 30, "high": 90},
    "contingent.Eastland.batches.2.slip_days.mean": {"dist": "uniform", "low": -20, "high": 80},
    "assumptions.tour_days.sd": {"dist": "uniform", "low": 0, "high": 60},
}


@pytest.fixture(scope="module")
def every() -> sim.Scenario:
    return sim.load(EVERY)


def deterministic(tmp_path, authorized: int = 100):
    path = tmp_path / "det.toml"
    path.write_text(DETERMINISTIC.format(authorized=authorized), encoding="utf-8")
    return sim.load(path)


def test_each_replication_reruns_from_its_recorded_values(every):
    """The issue's check: replication r's curve is what a plain run with r's recorded values gives."""
    result = sim.run(every, replications=70, seed=5, workers=1, vary=VARY, keep_draws=True, keep_replications=True)
    draws = result.draws()
    curves = result.replication_strength()
    balances = result.replication_balances()
    for r in (0, 1, 63, 64, 69):  # both sides of a block boundary
        plain = every.with_overrides({key: float(draws.loc[r, key]) for key in VARY})
        again = sim.replicate(plain, r, seed=5)
        for s, series in enumerate(result.series):
            assert np.array_equal(again.strength[series], curves[r, s]), (r, series)
        assert np.array_equal(again.balance_usd, balances[r])


def test_a_beta_parameter_reruns_from_the_draw_beneath_it(every):
    """A varied beta is inverted from its uniform, not drawn by NumPy's beta: the rerun fixes the draw itself."""
    vary = {"assumptions.fulfilment.mean": {"dist": "uniform", "low": 0.3, "high": 0.9}}
    result = sim.run(every, replications=20, seed=2, workers=1, vary=vary, keep_draws=True, keep_replications=True)
    draws = result.draws()
    assert "fulfilment:Westland" in draws and "fulfilment:Eastland" not in draws  # Eastland's own is fixed
    for r in (0, 7, 19):
        plain = every.with_overrides({"contingent.Westland.fulfilment": float(draws.loc[r, "fulfilment:Westland"])})
        assert np.array_equal(sim.replicate(plain, r, seed=2).strength["total"], result.replication_curves()[r])


def test_replicate_gives_the_replication_run_aggregates(every):
    result = sim.run(every, replications=10, seed=4, workers=1, vary=VARY, keep_draws=True, keep_replications=True)
    one = sim.replicate(every, 9, seed=4, vary=VARY)
    assert np.array_equal(one.strength["total"], result.replication_curves()[9])
    row = result.draws().loc[9].dropna()
    assert one.draws == pytest.approx({name: float(value) for name, value in row.items()})


def test_a_fixed_prior_at_the_scenario_value_is_the_plain_run(every):
    """A parameter's own draw inverts the same uniform as the plain draw: at the scenario's value nothing changes."""
    plain = sim.run(every, replications=130, seed=9, workers=1)
    varied = sim.run(every, replications=130, seed=9, workers=1,
                     vary={"contingent.Eastland.slip_days.mode": 20, "assumptions.tour_days.sd": 15})
    assert outputs(varied)[1:] == outputs(plain)[1:]


def test_known_answer_each_replication_sends_its_own_fulfilment(tmp_path):
    """Deterministic but for the fulfilment: a replication's end strength is round(f * 100) of its own f."""
    scenario = deterministic(tmp_path)
    result = sim.run(scenario, replications=200, seed=1, workers=1, keep_draws=True, keep_replications=True,
                     vary={"contingent.A.fulfilment": {"dist": "uniform", "low": 0.2, "high": 0.9}})
    f = result.draws()["contingent.A.fulfilment"].to_numpy()
    assert f.min() >= 0.2 and f.max() <= 0.9 and np.unique(f).size == 200
    assert [round_half_up(x * 100) for x in f] == result.replication_curves()[:, -1].tolist()
    # a uniform(0.2, 0.9) prior: the mean end strength is 55 within 4 standard errors (sd 70/sqrt(12)/sqrt(200))
    assert abs(result.mean("total")[-1] - 55) < 4 * 70 / np.sqrt(12) / np.sqrt(200)


def test_params_rows_cycle_over_replications(tmp_path):
    scenario = deterministic(tmp_path)
    table = {"contingent.A.fulfilment": [0.1, 0.5, 1.0]}
    result = sim.run(scenario, replications=100, seed=1, workers=1, params=table, keep_replications=True)
    expected = [[10, 50, 100][r % 3] for r in range(100)]
    assert result.replication_curves()[:, -1].tolist() == expected
    assert "3 rows" in result.summary()["varied"]["contingent.A.fulfilment"]


def test_params_from_a_file_and_from_a_table_agree(every, tmp_path):
    path = tmp_path / "params.csv"
    path.write_text("# two sets\ncontingent.Eastland.slip_days.high,contingent.Westland.tour_days\n30,200\n\n90,365\n",
                    encoding="utf-8")
    table = {"contingent.Eastland.slip_days.high": [30, 90], "contingent.Westland.tour_days": [200, 365]}
    from_file = sim.run(every, replications=80, seed=3, workers=1, params=str(path))
    from_table = sim.run(every, replications=80, seed=3, workers=1, params=table)
    pandas = pytest.importorskip("pandas")
    from_frame = sim.run(every, replications=80, seed=3, workers=1, params=pandas.DataFrame(table))
    assert outputs(from_file)[1:] == outputs(from_table)[1:] == outputs(from_frame)[1:]


@pytest.mark.slow
def test_one_or_two_workers_give_the_same_bytes(every, tmp_path):
    options = dict(replications=1100, seed=8, vary=VARY, params={"contingent.Eastland.tour_days": [200, 300, 400]},
                   keep_draws=True, keep_replications=True)
    one = sim.run(every, workers=1, **options)
    two = sim.run(every, workers=2, **options)
    assert outputs(one) == outputs(two)
    assert one.draws_csv() == two.draws_csv()
    one.save(tmp_path / "one")
    two.save(tmp_path / "two")
    for name in ("draws.csv", "replications.npz", "strength.csv", "funding.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_draws_name_every_decision_readably(every):
    result = sim.run(every, replications=64, seed=1, workers=1, keep_draws=True)
    columns = list(result.draws().columns)
    for column in ("fulfilment:Westland", "tour_days:Eastland", "attrition:Eastland", "slip:Eastland:1",
                   "slip:Eastland:2", "renewal_probability:Second mandate:0", "renewal:Second mandate:0"):
        assert column in columns, column
    assert any(c.startswith("relief:Westland:") for c in columns)
    assert any(c.startswith("relief_gap:Eastland:") for c in columns)
    assert "fulfilment:Eastland" not in columns  # a fixed value draws nothing
    text = result.draws_csv().splitlines()
    assert text[0].split(",")[0] == "replication" and len(text) == 65
    renewals = result.draws()["renewal:Second mandate:0"].dropna()
    assert set(renewals.unique()) <= {0.0, 1.0}


def test_without_keep_draws_there_is_nothing_to_read(every):
    result = sim.run(every, replications=10, seed=1, workers=1)
    assert not result.has_draws
    with pytest.raises(InputError, match="keep_draws"):
        result.draws()


@pytest.mark.parametrize("vary, message", [
    ({"contingent.Westland.pledged": 3}, "is not a value drawn per replication"),
    ({"contingent.Westlnd.tour_days": 100}, "did you mean 'Westland'"),
    ({"assumptions.slip_days.medain": 3}, "did you mean 'median'"),
    ({"assumptions.slip_days.median": 30}, "sets no value this scenario draws"),
    ({"contingent.Eastland.slip_days.mode": {"dist": "uniform", "low": -5, "high": 5}}, "the lowest value the prior gives"),
    ({"contingent.Westland.fulfilment": {"dist": "normal", "mean": 0.5, "sd": 0.1}}, "can leave [0, 1]"),
    ({"assumptions.fulfilment": {"dist": "uniform", "low": 0.5}}, "'high' is missing"),
    ({"assumptions.tour_days.sd": float("nan")}, "must be a finite number, got nan"),
    ({"assumptions.tour_days.sd": {"dist": "uniform", "low": 0, "high": float("inf")}}, "must be a finite number"),
    ({"assumptions.tour_days.sd": "wide"}, "give a distribution table"),
])
def test_bad_keys_and_priors_are_refused_before_anything_runs(every, no_runs, vary, message):
    with pytest.raises(SimError) as error:
        sim.run(every, replications=10, vary=vary)
    assert message in str(error.value)


def test_a_misspelt_key_is_blamed_not_the_value_its_prior_gives(every, no_runs):
    """Every value fails alike for a key naming no contingent: the message says so without "(at 7, ...)"; a value
    that only some of the prior's values break is named with the value."""
    with pytest.raises(SimError) as error:
        sim.run(every, replications=10, vary={"contingent.Westlnd.slip_days.median": {"dist": "uniform", "low": 7,
                                                                                      "high": 30}})
    assert "did you mean 'Westland'" in str(error.value) and "the lowest value" not in str(error.value)
    with pytest.raises(SimError, match=r"got -7 \(at -7, the lowest value the prior gives\)"):
        sim.run(every, replications=10, vary={"assumptions.slip_days.median": {"dist": "uniform", "low": -7,
                                                                                "high": 30}})


def test_parameters_varied_together_are_checked_at_their_corners(every, no_runs):
    vary = {"assumptions.fulfilment.mean": {"dist": "uniform", "low": 0.1, "high": 0.9},
            "assumptions.fulfilment.sd": {"dist": "uniform", "low": 0.05, "high": 0.35}}
    with pytest.raises(SimError, match="a corner of the ranges"):
        sim.run(every, replications=10, vary=vary)


def test_a_key_no_contingent_inherits_is_refused(tmp_path, no_runs):
    scenario = deterministic(tmp_path)  # [assumptions] sets the fulfilment only
    with pytest.raises(SimError, match="sets no value this scenario draws"):
        sim.run(scenario.with_overrides({"contingent.A.tour_days": 100}), replications=5,
                vary={"assumptions.tour_days": {"dist": "uniform", "low": 10, "high": 20}})


def test_cli_vary_and_keep_draws(tmp_path):
    out = tmp_path / "out"
    done = run_sim("run", str(EVERY), "-n", "70", "-q", "--keep-draws", "-o", str(out),
                   "--vary", 'contingent.Westland.tour_days={dist="uniform", low=150, high=400}',
                   "--vary", "contingent.Eastland.slip_days.mode=30", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = read_csv(out / "draws.csv")
    assert len(rows) == 70 and list(rows[0])[:3] == ["replication", "contingent.Westland.tour_days",
                                                      "contingent.Eastland.slip_days.mode"]
    assert {row["contingent.Eastland.slip_days.mode"] for row in rows} == {"30"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["varied"] == {"contingent.Westland.tour_days": "uniform(low=150, high=400)",
                                 "contingent.Eastland.slip_days.mode": "30"}


def test_cli_default_folder_of_a_varied_run_is_not_the_plain_one(tmp_path):
    scenario = tmp_path / "det.toml"
    scenario.write_text(DETERMINISTIC.format(authorized=100), encoding="utf-8")
    done = run_sim("run", str(scenario), "-n", "5", "-q", "--vary", "contingent.A.fulfilment=0.5", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["det+vary_contingent.A.fulfilment=0.5"]


@pytest.mark.parametrize("args, message", [
    (["--vary", "assumptions.slip_days"], "--vary needs KEY=PRIOR"),
    (["--vary", "a.fulfilment=1", "--vary", "a.fulfilment=2"], "given twice"),
    (["--vary", "contingent.A.tour_days={dist='uniform', low=0, high=5}"], "must be >= 1"),
    (["--params", "missing.csv"], "missing.csv: no such file"),
    (["--params", "params.csv"], "params.csv:3: contingent.A.fulfilment: not a finite number: 'nan'"),
    (["--params", "good.csv", "--vary", "contingent.A.fulfilment=1"], "also given by --vary"),
])
def test_cli_bad_vary_and_params_exit_2_with_one_line(tmp_path, args, message):
    scenario = tmp_path / "det.toml"
    scenario.write_text(DETERMINISTIC.format(authorized=100), encoding="utf-8")
    (tmp_path / "params.csv").write_text("contingent.A.fulfilment\n0.5\nnan\n", encoding="utf-8")
    (tmp_path / "good.csv").write_text("contingent.A.fulfilment\n0.5\n", encoding="utf-8")
    done = run_sim("run", str(scenario), "-n", "5", "-q", "-o", str(tmp_path / "out"), *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in one_error_line(done.stderr)
    assert not (tmp_path / "out").exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(low=st.floats(0, 1), width=st.floats(0, 1), seed=st.integers(0, 2**32))
def test_property_own_values_stay_in_the_prior_and_decide_the_strength(tmp_path, low, width, seed):
    high = min(1.0, low + width)
    scenario = deterministic(tmp_path)
    result = sim.run(scenario, replications=64, seed=seed, workers=1, keep_draws=True, keep_replications=True,
                     vary={"contingent.A.fulfilment": {"dist": "uniform", "low": low, "high": high}})
    f = result.draws()["contingent.A.fulfilment"].to_numpy()
    assert (f >= low).all() and (f <= high).all()
    assert [round_half_up(x * 100) for x in f] == result.replication_curves()[:, -1].tolist()


def test_baseline_hyperparameter_under_correlation_reruns(tmp_path):
    """Under [correlation] a varied parameter's draw goes through the mission-wide factor, as the plain draw does."""
    baseline = sim.load(BASELINE)
    vary = {"contingent.Kenya.slip_days.median": {"dist": "uniform", "low": 10, "high": 150}}
    result = sim.run(baseline, replications=8, seed=3, workers=1, vary=vary, keep_draws=True, keep_replications=True)
    draws = result.draws()
    for r in (0, 5):
        key = "contingent.Kenya.slip_days.median"
        plain = baseline.with_overrides({key: float(draws.loc[r, key])})
        assert np.array_equal(sim.replicate(plain, r, seed=3).strength["total"], result.replication_curves()[r])

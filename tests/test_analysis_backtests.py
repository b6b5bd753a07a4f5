"""Backtests (sim.analysis.backtests, ``sim backtest``): percentiles, CRPS and coverage of reported figures."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

import sim
from sim.analysis.backtests import BACKTEST_COLUMNS, crps, midrank_percentile
from sim.cli import main

from conftest import BASELINE, OBSERVED
from helpers import png_size, read_csv


def brute_crps(sample: np.ndarray, y: float) -> float:
    """E|X - y| - 1/2 E|X - X'| over the empirical distribution of ``sample``."""
    x = sample.astype(float)
    return float(np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


def test_crps_matches_the_brute_force_formula():
    rng = np.random.default_rng(7)
    for _ in range(20):
        sample = rng.integers(0, 12, size=rng.integers(1, 25))
        counts = np.bincount(sample, minlength=15)
        for y in (0, 3, 7, 11, 14, 20, 2.5, 6.25, 0.3):
            assert crps(counts, y) == pytest.approx(brute_crps(sample, y), abs=1e-12)


def test_crps_and_percentile_of_a_point_mass():
    counts = np.zeros(10, dtype=np.int64)
    counts[4] = 7  # X = 4 always
    assert crps(counts, 4) == 0
    assert crps(counts, 9) == 5 and crps(counts, 0) == 4 and crps(counts, 30) == 26
    assert midrank_percentile(counts, 4) == 50
    assert midrank_percentile(counts, 5) == 100 and midrank_percentile(counts, 3.5) == 0


def test_midrank_percentile_matches_its_definition():
    rng = np.random.default_rng(3)
    sample = rng.integers(0, 8, size=40)
    counts = np.bincount(sample, minlength=8)
    for v in (0, 1, 3, 7, 8, 2.5, -1):
        expected = 100 * (np.mean(sample < v) + np.mean(sample == v) / 2)
        assert midrank_percentile(counts, v) == pytest.approx(expected)


def test_backtest_percentiles_on_a_deterministic_scenario(det100, tmp_path, capsys):
    observed = tmp_path / "obs.csv"
    observed.write_text(textwrap.dedent("""\
        date,series,value,source
        2024-01-15,total,0,before arrival
        2024-03-01,total,100,exact
        2024-03-01,A,100,exact country
        2024-06-01,total,130,above
        2024-06-01,A,70,below
    """), encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(det100), "--observed", str(observed), "-n", "64", "-o", str(out)]) == 0
    assert "coverage" in capsys.readouterr().out
    rows = read_csv(out / "backtest.csv")
    assert list(rows[0]) == list(BACKTEST_COLUMNS)
    assert [float(r["percentile"]) for r in rows] == [50, 50, 50, 100, 0]
    assert [float(r["crps"]) for r in rows] == [0, 0, 0, 30, 30]
    assert [float(r["error"]) for r in rows] == [0, 0, 0, 30, -30]
    assert [r["in_50"] for r in rows] == ["true", "true", "true", "false", "false"]
    report = json.loads((out / "backtest.json").read_text())
    assert report["scores"] == {"coverage_50": 0.6, "coverage_90": 0.6, "mae_median": 12.0, "crps_mean": 12.0}
    assert report["replications"] == 64 and report["seed"] == 3 and len(report["scenario_hash"]) == 64
    assert png_size(out / "backtest.png") == (1200, 700)

    exact = [o for o in sim.read_observations(observed) if o.source.startswith("exact")]
    scores = sim.backtest(sim.run(sim.load(det100), replications=16), exact)["scores"]
    assert scores["coverage_50"] == scores["coverage_90"] == 1.0 and scores["crps_mean"] == 0


def test_backtest_baseline_against_the_seed_observations(tmp_path, capsys):
    out = tmp_path / "bt"
    assert main(["backtest", str(BASELINE), "--observed", str(OBSERVED), "-n", "64", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["observations"] == len(sim.read_observations(OBSERVED)) > 0
    assert set(report["scores"]) == {"coverage_50", "coverage_90", "mae_median", "crps_mean"}
    assert all(0 <= r["percentile"] <= 100 and r["crps"] >= 0 for r in report["rows"])
    assert (out / "backtest.csv").is_file() and (out / "backtest.png").is_file()


@pytest.mark.parametrize("rows, warned", [
    ("", False),  # the header alone
    ("2024-07-16,Haiti,400,,,\n", True),  # a country the scenario lacks: left out, with a warning
])
def test_backtest_with_nothing_to_score_is_bad_input(rows, warned, tmp_path, capsys):
    observed = tmp_path / "obs.csv"
    header = next(line for line in OBSERVED.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    observed.write_text(header + "\n" + rows, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["backtest", str(BASELINE), "--observed", str(observed), "-n", "20", "-q", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{observed}: no observation to score against 'Baseline'" in err
    assert ("every row was left out" in err) is warned and ("warning:" in err) is warned
    assert not out.exists()

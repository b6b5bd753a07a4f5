"""Results (sim.results): the aggregates give NumPy's statistics of the replications, and a run saves atomically."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.errors import InputError

from conftest import SCENARIOS
from helpers import interrupt_chart_saving

# --------------------------------------------------------------------------- statistics of the replications


def test_quantiles_are_exact(baseline):
    result = sim.run(baseline, replications=300, seed=2, workers=2, keep_replications=True)
    for series in ("total", "Kenya", "Benin"):
        curves = result.replication_curves(series)
        assert curves.shape == (300, baseline.days)
        q = result.quantiles(series)
        for p in (5, 25, 50, 75, 95):
            assert np.array_equal(q[f"p{p}"], np.quantile(curves, p / 100, axis=0))
        assert np.allclose(result.mean(series), curves.mean(axis=0), rtol=0, atol=1e-9)


def test_funding_quantiles_within_stated_resolution():
    sc = sim.load(SCENARIOS / "funding_constrained.toml")
    result = sim.run(sc, replications=400, seed=2, workers=1, keep_replications=True)
    balances = result.replication_balances()
    resolution = result.summary()["funding"]["resolution_usd"]
    q = result.balance_quantiles()
    for p in (5, 50, 95):
        exact = np.quantile(balances, p / 100, axis=0)
        assert np.abs(q[f"p{p}"] - exact).max() <= resolution / 2 + 0.01
    assert np.allclose(q["mean"], balances.mean(axis=0), atol=0.01)
    deficit = (balances < 0).any(axis=1).mean()
    assert result.summary()["funding"]["p_deficit"] == round(float(deficit), 4)


def test_first_day_distribution_matches_the_replications():
    sc = sim.load(SCENARIOS / "announced.toml")
    result = sim.run(sc, replications=200, seed=6, workers=1, keep_replications=True)
    total = result.replication_curves("total")
    reached = total >= sc.authorized
    first = np.where(reached.any(axis=1), reached.argmax(axis=1), sc.days)
    assert np.array_equal(result.first_reach_counts("authorized"), np.bincount(first, minlength=sc.days + 1))
    ordered = np.sort(first)
    for q in (0.05, 0.5, 0.95):
        day = ordered[math.floor(199 * q)]
        expected = None if day >= sc.days else sc.date(int(day))
        assert result.first_reach_quantile(q) == expected
    days = result.summary()["strength"]["first_day_authorized"]
    assert days["p50"] == (result.first_reach_median().isoformat() if result.first_reach_median() else None)


# --------------------------------------------------------------------------- kept replications


def test_kept_replications_hold_every_series_in_replication_order(baseline):
    kept = sim.run(baseline, replications=70, seed=4, workers=2, keep_replications=True)
    assert kept.has_replications
    strength = kept.replication_strength()
    assert strength.shape == (70, len(kept.series), baseline.days) and kept.series[-1] == "total"
    for s, series in enumerate(kept.series):
        assert np.array_equal(strength[:, s, :], kept.replication_curves(series))
    assert np.array_equal(strength[69, kept.series.index("Kenya")], sim.replicate(baseline, 69, seed=4).strength["Kenya"])


def test_without_kept_replications_the_curves_are_refused(baseline):
    result = sim.run(baseline, replications=16, seed=4, workers=1)
    assert not result.has_replications
    for method in (result.replication_strength, result.replication_curves, result.replication_balances):
        with pytest.raises(InputError, match="keep_replications=True"):
            method()


# --------------------------------------------------------------------------- saving


def test_an_interrupted_write_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    result = sim.run(sim.load(SCENARIOS / "kenya_only.toml"), replications=64, workers=1)
    target = tmp_path / "out"
    interrupt_chart_saving(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        result.save(target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary folder is gone too
    monkeypatch.undo()
    result.save(target)
    assert (target / "summary.json").exists()

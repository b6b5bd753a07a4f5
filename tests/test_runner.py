"""The runner: reproducibility, worker-independence, common random numbers, statistics."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def write(tmp_path, body: str, name: str = "s.toml") -> sim.Scenario:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return sim.load(path)


def outputs(result: sim.Result) -> tuple[str, str, str | None]:
    return result.summary_json(), result.strength_csv(), result.funding_csv()


def test_same_seed_same_result_and_different_seed_differs():
    sc = sim.load(BASELINE)
    a = sim.run(sc, replications=130, seed=11, workers=1)
    b = sim.run(sc, replications=130, seed=11, workers=1)
    c = sim.run(sc, replications=130, seed=12, workers=1)
    assert outputs(a) == outputs(b)
    assert outputs(a)[1] != outputs(c)[1]


def test_one_and_two_workers_give_identical_bytes():
    sc = sim.load(BASELINE)
    one = sim.run(sc, replications=2 * 1024 + 77, seed=5, workers=1)
    two = sim.run(sc, replications=2 * 1024 + 77, seed=5, workers=2)
    assert outputs(one) == outputs(two)


@pytest.mark.parametrize("bad, says", [
    ({"replications": 0}, "replications must be at least 1"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"workers": 0}, "workers must be at least 1"),
    ({"backend": "threads"}, "unknown backend 'threads'"),
])
def test_run_refuses_what_it_cannot_do(bad, says):
    with pytest.raises(ValueError, match=says):
        sim.run(sim.load(BASELINE), **{"replications": 64, **bad})


def test_replications_are_a_prefix_of_longer_runs():
    """Replication r depends on (seed, r) only: a longer run contains the shorter one's replications."""
    sc = sim.load(BASELINE)
    short = sim.run(sc, replications=20, seed=9, workers=1, keep_replications=True)
    long = sim.run(sc, replications=150, seed=9, workers=1, keep_replications=True)
    first = short.replication_curves("total")
    assert np.array_equal(first, long.replication_curves("total")[:20])
    assert np.array_equal(first[7], sim.replicate(sc, 7, seed=9).strength["total"])


def test_common_random_numbers_other_contingents_unchanged(tmp_path):
    """Changing one contingent's assumption never changes another contingent's draws."""
    sc = sim.load(BASELINE)
    variant = sc.with_overrides({"contingent.Benin.fulfilment": 0.2, "contingent.Chad.tour_days": 200})
    for r in (0, 1, 63, 64, 200):
        a, b = sim.replicate(sc, r, seed=4), sim.replicate(variant, r, seed=4)
        assert np.array_equal(a.strength["Kenya"], b.strength["Kenya"])
        assert np.array_equal(a.strength["Jamaica"], b.strength["Jamaica"])


def test_adding_a_contingent_leaves_the_others_draws_alone(tmp_path):
    base = """
        [scenario]
        name = "crn"
        start = 2024-01-01
        end = 2024-12-31
        [mission]
        authorized = 100000
        [assumptions]
        fulfilment = { dist = "beta", mean = 0.5, sd = 0.2 }
        slip_days = { dist = "lognormal", median = 30, sigma = 1 }
        tour_days = { dist = "uniform", low = 60, high = 200 }
        attrition_per_year = 0.5
        rotation = { probability = 0.6, gap_days = { dist = "uniform", low = 0, high = 30 } }
        [[contingent]]
        country = "A"
        pledged = 500
        schedule = { first = 2024-02-01, batches = 5, interval_days = 20 }
    """
    extra = """
        [[contingent]]
        country = "B"
        pledged = 300
        schedule = { first = 2024-01-15, batches = 3, interval_days = 10 }
    """
    one = write(tmp_path, base, "one.toml")
    two = write(tmp_path, base + extra, "two.toml")
    for r in range(0, 300, 37):
        assert np.array_equal(sim.replicate(one, r).strength["A"], sim.replicate(two, r).strength["A"])


def test_quantiles_are_exact(tmp_path):
    sc = sim.load(BASELINE)
    result = sim.run(sc, replications=300, seed=2, workers=2, keep_replications=True)
    for series in ("total", "Kenya", "Benin"):
        curves = result.replication_curves(series)
        assert curves.shape == (300, sc.days)
        q = result.quantiles(series)
        for p in (5, 25, 50, 75, 95):
            assert np.array_equal(q[f"p{p}"], np.quantile(curves, p / 100, axis=0))
        assert np.allclose(result.mean(series), curves.mean(axis=0), rtol=0, atol=1e-9)


def test_funding_quantiles_within_stated_resolution():
    sc = sim.load(ROOT / "scenarios" / "funding_constrained.toml")
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


# --------------------------------------------------------------------------- statistics


def one_batch(tmp_path, fulfilment: str = "1.0", attrition: float = 0.0, size: int = 1000, extra: str = "") -> sim.Scenario:
    return write(tmp_path, f"""
        [scenario]
        name = "stats"
        start = 2024-01-01
        end = 2024-12-31
        [mission]
        authorized = 100000
        {extra}
        [[contingent]]
        country = "A"
        pledged = {size}
        fulfilment = {fulfilment}
        tour_days = 365
        attrition_per_year = {attrition}
        batches = [ {{ arrive = 2024-01-01, size = {size} }} ]
    """)


def test_mean_fulfilment_matches_its_distribution(tmp_path):
    sc = one_batch(tmp_path, '{ dist = "beta", mean = 0.6, sd = 0.1 }')
    n = 2000
    result = sim.run(sc, replications=n, seed=1, workers=1)
    mean = result.mean("total")[0]
    standard_error = 1000 * 0.1 / math.sqrt(n)
    assert abs(mean - 600) < 4.5 * standard_error  # 4.5 standard errors: fails by chance about 1 in 150,000


@pytest.mark.parametrize("size", [40, 1000])  # exact inversion and the normal approximation
def test_attrition_counts_match_the_binomial(tmp_path, size):
    hazard = 0.5
    sc = one_batch(tmp_path, attrition=hazard, size=size)
    n = 2000
    result = sim.run(sc, replications=n, seed=1, workers=1, keep_replications=True)
    left = size - result.replication_curves("total")[:, 363]  # everyone who left early is gone by day 363
    q = -math.expm1(-hazard * 365 / 365)
    mean, variance = size * q, size * q * (1 - q)
    assert abs(left.mean() - mean) < 4.5 * math.sqrt(variance / n)
    assert abs(left.var() / variance - 1) < 4.5 * math.sqrt(2 / n)
    # leaving times follow the exponential hazard: about half of the leavers are gone by the
    # median of the truncated exponential
    curves = result.replication_curves("total")
    median_day = -math.log1p(-q / 2) / (hazard / 365)
    gone_by_median = (size - curves[:, int(round(median_day))]).sum() / left.sum()
    assert abs(gone_by_median - 0.5) < 0.02


def test_renewal_probability(tmp_path):
    sc = one_batch(tmp_path, extra="""
        [[mandate]]
        name = "M"
        expires = 2024-06-01
        renewal_probability = 0.7
        renewed_months = 12
    """)
    n = 3000
    lapses = sim.run(sc, replications=n, seed=8, workers=1).summary()["strength"]["p_lapse"]
    assert abs(lapses - 0.3) < 4.5 * math.sqrt(0.3 * 0.7 / n)


def test_first_day_distribution_matches_the_replications():
    sc = sim.load(ROOT / "scenarios" / "announced.toml")
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


def test_a_replication_shows_itself_in_one_line():
    sc = sim.load(ROOT / "scenarios" / "mandate_lapse.toml")
    shown = [repr(sim.replicate(sc, replication=r)) for r in range(8)]
    assert all("\n" not in text and len(text) < 200 for text in shown)
    one = sim.replicate(sc, replication=1)
    total = one.strength["total"]
    assert f"peak {int(total.max()):,}, at end {int(total[-1]):,}" in repr(one)
    assert any(", lapsed on 2025-10-02>" in text for text in shown)  # half the runs lapse at the 2025 renewal

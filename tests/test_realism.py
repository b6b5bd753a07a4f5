"""Hand-computed curves for the realism mechanisms of docs/design.md section 3 (issue #11).

Mixtures, correlated draws, early arrivals (negative slips), known history and ``as_of``,
overlapping and partial reliefs, in-kind pledges, and the empty batch. Each test writes a
scenario file the project has never seen and compares what the model does with numbers worked
out by hand. Day 0 is 2024-01-01 in every scenario here (2024 is a leap year: Jan 31 is day 30,
Feb 29 day 59, Mar 31 day 90).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap
from statistics import NormalDist

import numpy as np
import pytest

import sim
from helpers import curve, expected
from sim.dists import Dist, beta_quantile, round_half_up
from sim.scenario import ScenarioError
from sim.streams import BLOCK, Streams

HEAD = """
[scenario]
name = "realism"
start = 2024-01-01
end = {end}
replications = 64
seed = {seed}

[mission]
authorized = {authorized}
"""


def scenario(tmp_path, body: str, end: str = "2024-03-31", authorized: int = 10_000, seed: int = 1,
             name: str = "s.toml") -> sim.Scenario:
    """A scenario file made of the common head and ``body``, loaded."""
    path = tmp_path / name
    path.write_text(HEAD.format(end=end, authorized=authorized, seed=seed) + textwrap.dedent(body))
    return sim.load(path)


def own_uniforms(seed: int, name: tuple) -> np.ndarray:
    """The 64 uniforms of block 0 that a plain inverse-transform draw of ``name`` inverts."""
    return Streams(seed, 0).generator(name).random(BLOCK)


MIXTURE = '{ dist = "mixture", weights = [0.3, 0.7], of = [ { dist = "fixed", value = 0 }, { dist = "uniform", low = 0.4, high = 0.8 } ] }'


# ---------------------------------------------------------------------------- mixtures


def test_mixture_at_its_interval_edges():
    mix = Dist.from_table({"dist": "mixture", "weights": [0.3, 0.7],
                           "of": [{"dist": "fixed", "value": 0}, {"dist": "uniform", "low": 0.4, "high": 0.8}]})
    below = math.nextafter(0.3, 0)
    u = np.array([0.0, 0.15, below, 0.3, 0.65, math.nextafter(1.0, 0)])
    # [0, 0.3) is "nobody comes"; [0.3, 1) is the uniform at (u - 0.3) / 0.7
    want = [0.0, 0.0, 0.0, 0.4, 0.4 + 0.4 * 0.5, 0.8]
    assert mix.quantile(u) == pytest.approx(want, abs=1e-12)
    assert mix.support() == (0.0, 0.8)
    assert mix.mean() == pytest.approx(0.7 * 0.6)


def test_mixture_with_a_zero_weight_and_three_parts():
    mix = Dist.from_table({"dist": "mixture", "weights": [0.2, 0, 0.3, 0.5], "of": [
        {"dist": "fixed", "value": 1}, {"dist": "fixed", "value": 99},
        {"dist": "uniform", "low": 10, "high": 20}, {"dist": "triangular", "low": 30, "mode": 30, "high": 40}]})
    u = np.array([0.0, 0.19, 0.2, 0.35, 0.5, 0.5 + 0.5 * 0.19])
    # triangular(30, 30, 40) at position v: 40 - sqrt((1 - v) * 10 * 10)
    want = [1, 1, 10, 15, 40 - 10, 40 - math.sqrt(0.81) * 10]
    assert mix.quantile(u) == pytest.approx(want, abs=1e-9)
    assert 99 not in mix.quantile(np.linspace(0, 0.999, 1000))  # a zero weight is never drawn
    assert mix.support() == (1, 40)


def test_a_higher_uniform_never_gives_a_lower_value_across_ordered_components():
    mix = Dist.from_table({"dist": "mixture", "weights": [0.25, 0.25, 0.5], "of": [
        {"dist": "fixed", "value": 0}, {"dist": "uniform", "low": 0.02, "high": 0.1},
        {"dist": "beta", "mean": 0.7, "sd": 0.15}]})
    values = mix.quantile(np.linspace(0, 1 - 1e-12, 2001))
    assert np.all(np.diff(values) >= 0)


def test_beta_components_are_inverted_exactly():
    u = np.linspace(0.001, 0.999, 199)
    assert beta_quantile(2.0, 1.0, u) == pytest.approx(np.sqrt(u), abs=1e-12)
    assert beta_quantile(1.0, 2.0, u) == pytest.approx(1 - np.sqrt(1 - u), abs=1e-12)
    assert beta_quantile(0.5, 0.5, u) == pytest.approx(np.sin(np.pi * u / 2) ** 2, abs=1e-10)
    assert beta_quantile(3.0, 3.0, np.array([0.0, 0.5, 1.0])) == pytest.approx([0.0, 0.5, 1.0], abs=1e-12)


def test_a_mixture_fulfilment_in_the_model_is_one_uniform_inverted(tmp_path):
    sc = scenario(tmp_path, f"""
        [[contingent]]
        country = "A"
        pledged = 1000
        fulfilment = {MIXTURE}
        batches = [ {{ arrive = 2024-01-02, size = 1000 }} ]
    """)
    u = own_uniforms(1, ("fulfilment", "A"))
    result = sim.run(sc, replications=64, workers=1, keep_replications=True)
    for r in (0, 1, 2, 17, 63):
        f = 0.0 if u[r] < 0.3 else 0.4 + 0.4 * (u[r] - 0.3) / 0.7
        assert curve(sc, "A", r)[-1] == round_half_up(f * 1000)
    nobody = int(np.sum(u < 0.3))
    assert 0 < nobody < 64
    assert result.distribution("total", 90)[0] == nobody  # replications with nobody at the end


# ---------------------------------------------------------------------------- correlation


TWO = """
[[contingent]]
country = "A"
pledged = 1000
fulfilment = {{ dist = "uniform", low = 0.2, high = 1.0 }}
slip_days = {{ dist = "triangular", low = 0, mode = 10, high = 40 }}
batches = [ {{ arrive = 2024-01-10, size = 500 }}, {{ arrive = 2024-02-10, size = 500 }} ]

[[contingent]]
country = "B"
pledged = 600
fulfilment = {{ dist = "beta", mean = 0.6, sd = 0.2 }}
schedule = {{ first = 2024-01-20, batches = 3, interval_days = 15, slip_days = 12 }}

[funding]
start_balance_usd = 5_000_000
cost_per_officer_day_usd = 100

[[funding.pledge]]
donor = "D"
amount_usd = 3_000_000
fulfilment = {{ dist = "uniform", low = 0.5, high = 1 }}
tranches = 2
first = 2024-02-01
interval_days = 30
{correlation}
"""


def test_correlation_zero_gives_todays_draws_byte_for_byte(tmp_path):
    plain = scenario(tmp_path, TWO.format(correlation=""), name="plain.toml")
    zero = scenario(tmp_path, TWO.format(correlation="[correlation]\nfulfilment = 0\nslip_days = 0.0\npledge_fulfilment = 0"),
                    name="zero.toml")
    assert plain.hash != zero.hash
    a = sim.run(plain, replications=128, workers=1, keep_replications=True)
    b = sim.run(zero, replications=128, workers=1, keep_replications=True)
    a.save(tmp_path / "a", formats=())
    b.save(tmp_path / "b", formats=())
    for name in ("strength.csv", "funding.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with np.load(tmp_path / "a" / "replications.npz") as x, np.load(tmp_path / "b" / "replications.npz") as y:
        assert sorted(x.files) == sorted(y.files)
        for key in x.files:
            assert np.array_equal(x[key], y[key])
    assert sim.replicate(plain, 5).draws == sim.replicate(zero, 5).draws
    assert "factor:fulfilment" not in sim.replicate(zero, 5).draws


def test_correlated_draws_follow_the_formula(tmp_path):
    rho = 0.6
    sc = scenario(tmp_path, TWO.format(correlation=f"[correlation]\nfulfilment = {rho}\nslip_days = 0.3"))
    normal = NormalDist()
    z0 = normal.inv_cdf(own_uniforms(1, ("factor", "fulfilment"))[3])
    z = normal.inv_cdf(own_uniforms(1, ("fulfilment", "A"))[3])
    u = normal.cdf(math.sqrt(rho) * z0 + math.sqrt(1 - rho) * z)
    draws = sim.replicate(sc, 3).draws
    assert draws["factor:fulfilment"] == pytest.approx(own_uniforms(1, ("factor", "fulfilment"))[3])
    assert draws["fulfilment:A"] == pytest.approx(0.2 + 0.8 * u, abs=1e-12)
    zb = normal.inv_cdf(own_uniforms(1, ("fulfilment", "B"))[3])
    ub = normal.cdf(math.sqrt(rho) * z0 + math.sqrt(1 - rho) * zb)
    mean, sd = 0.6, 0.2
    common = mean * (1 - mean) / sd ** 2 - 1
    assert draws["fulfilment:B"] == pytest.approx(beta_quantile(mean * common, (1 - mean) * common, np.array([ub]))[0],
                                                       abs=1e-12)
    assert "factor:slip_days" in draws and "factor:pledge_fulfilment" not in draws


def test_full_correlation_gives_every_contingent_the_same_uniform(tmp_path):
    sc = scenario(tmp_path, """
        [correlation]
        fulfilment = 1

        [[contingent]]
        country = "A"
        pledged = 100
        fulfilment = { dist = "uniform", low = 0, high = 1 }
        batches = [ { arrive = 2024-01-02, size = 100 } ]

        [[contingent]]
        country = "B"
        pledged = 300
        fulfilment = { dist = "uniform", low = 0, high = 1 }
        batches = [ { arrive = 2024-01-02, size = 300 } ]
    """)
    for r in range(5):
        draws = sim.replicate(sc, r).draws
        assert draws["fulfilment:A"] == pytest.approx(draws["fulfilment:B"], abs=1e-9)
        assert draws["fulfilment:A"] == pytest.approx(draws["factor:fulfilment"], abs=1e-9)


# ---------------------------------------------------------------------------- early arrivals


def test_negative_slips_move_batches_earlier_but_never_before_the_batch_before(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 60
        batches = [ { arrive = 2024-01-11, size = 10, slip_days = -5 },
                    { arrive = 2024-01-13, size = 20, slip_days = -10.5 },
                    { arrive = 2024-01-31, size = 30, slip_days = -0.5 } ]
    """)
    # day 10 - 5 = 5; day 12 - 10 (rounded half up from -10.5) = 2, held to day 5; day 30 - 0 (-0.5 rounds to 0) = 30
    assert np.array_equal(curve(sc), expected(91, (5, 30, 30), (30, 91, 60)))


def test_a_slip_before_the_first_day_of_the_simulation_is_held_there(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 10
        tour_days = 20
        rotation = { probability = 0 }
        batches = [ { arrive = 2024-01-03, size = 10, slip_days = -30 } ]
    """)
    # the simulation starts on day 0 (the earliest of day 0 and every planned date): the batch comes then
    assert np.array_equal(curve(sc), expected(91, (0, 20, 10)))


def test_negative_tranche_slips_pay_early(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 1
        batches = [ { arrive = 2024-03-01, size = 1 } ]

        [funding]
        start_balance_usd = 0

        [[funding.pledge]]
        donor = "D"
        amount_usd = 100
        tranches = 2
        first = 2024-01-21
        interval_days = 10
        slip_days = -5
    """)
    balance = sim.replicate(sc, 0).balance_usd
    assert balance[14] == 0 and balance[15] == 50 and balance[24] == 50 and balance[25] == 100


# ---------------------------------------------------------------------------- known history and as_of


def test_known_batches_beyond_the_quota_stop_the_rest(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 400
        fulfilment = 0.5
        slip_days = 7
        batches = [ { arrive = 2024-01-06, size = 150, known = true, slip_days = 30 },
                    { arrive = 2024-01-16, size = 100, known = true },
                    { arrive = 2024-02-01, size = 150 } ]
    """)
    # round(0.5 * 400) = 200, yet both known batches come in full on their dates (no slip): 250 > 200,
    # so the third batch never comes
    assert np.array_equal(curve(sc), expected(91, (5, 15, 150), (15, 91, 250)))


def test_known_batches_count_toward_the_fulfilled_total(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 400
        fulfilment = 0.5
        batches = [ { arrive = 2024-01-06, size = 120, known = true },
                    { arrive = 2024-02-01, size = 180 }, { arrive = 2024-03-01, size = 100 } ]
    """)
    # 200 - 120 = 80 of the second batch, and nothing of the third
    assert np.array_equal(curve(sc), expected(91, (5, 31, 120), (31, 91, 200)))


def test_a_known_batch_comes_even_when_nobody_else_does(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 300
        fulfilment = 0
        batches = [ { arrive = 2024-01-06, size = 100, known = true }, { arrive = 2024-02-01, size = 200 } ]
    """)
    assert np.array_equal(curve(sc), expected(91, (5, 91, 100)))


def test_as_of_pushes_unknown_batches_after_it_in_order(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 70
        batches = [ { arrive = 2024-01-06, size = 10, known = true },
                    { arrive = 2024-01-11, size = 20 },
                    { arrive = 2024-01-16, size = 30, slip_days = 3 },
                    { arrive = 2024-01-20, size = 5, slip_days = 5 },
                    { arrive = 2024-01-31, size = 5, slip_days = -15 } ]
    """).with_overrides({"scenario.as_of": dt.date(2024, 1, 21)})
    # as_of is day 20. The known batch comes on day 5. The batches due on days 10 and 15 + 3 = 18 had not
    # come by then: both come on day 21. The batch planned on day 19 with a 5-day slip comes on day 24; the
    # last (day 30 - 15 = 15) would come no earlier than day 21, and comes with the batch before it (day 24)
    assert np.array_equal(curve(sc), expected(91, (5, 21, 10), (21, 24, 60), (24, 91, 70)))


def test_as_of_must_lie_within_the_run(tmp_path):
    with pytest.raises(ScenarioError) as info:
        scenario(tmp_path, """
            [[contingent]]
            country = "A"
            pledged = 1
            batches = [ { arrive = 2024-01-02, size = 1 } ]
        """).with_overrides({"scenario.as_of": dt.date(2023, 12, 31)})
    assert any(p.path == "scenario.as_of" and "between scenario.start" in p.message for p in info.value.problems)


# ---------------------------------------------------------------------------- reliefs


def test_an_overlapping_relief_arrives_before_the_group_leaves(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 100
        tour_days = 30
        rotation = { probability = 1.0, gap_days = -5 }
        batches = [ { arrive = 2024-01-11, size = 100 } ]
    """)
    # group: days 10-39; relief ready on day 35, serves 35-64; its relief 60-89; then 85-
    assert np.array_equal(curve(sc), expected(91, (10, 35, 100), (35, 40, 200), (40, 60, 100), (60, 65, 200),
                                              (65, 85, 100), (85, 90, 200), (90, 91, 100)))


def test_an_overlapping_relief_waits_at_the_gate_for_room(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 100
        tour_days = 30
        rotation = { probability = 1.0, gap_days = -5 }
        batches = [ { arrive = 2024-01-11, size = 100 } ]
    """, authorized=150)
    # 50 of the relief fit on day 35 (group "0.0r.0", days 35-64), the other 50 when the group leaves on
    # day 40 ("0.0r.1", days 40-69); their reliefs are ready on days 60 and 65 and fit (100 in theatre)
    want = expected(91, (10, 35, 100), (35, 40, 150), (40, 60, 100), (60, 70, 150), (70, 85, 100), (85, 91, 150))
    assert np.array_equal(curve(sc), want)
    arrivals = [(day, n) for day, _, n, _ in sim.replicate(sc, 0).trace.arrivals]
    assert arrivals[:4] == [(10, 100), (35, 50), (40, 50), (60, 50)]


def test_a_relief_brings_its_share_rounded_half_up(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 25
        tour_days = 20
        rotation = { probability = 1.0, gap_days = 0, fraction = 0.5 }
        batches = [ { arrive = 2024-01-01, size = 25 } ]
    """)
    # 25, then round(12.5) = 13, round(6.5) = 7, round(3.5) = 4, 2
    assert np.array_equal(curve(sc), expected(91, (0, 20, 25), (20, 40, 13), (40, 60, 7), (60, 80, 4), (80, 91, 2)))


def test_a_relief_of_nobody_does_not_come(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 10
        tour_days = 20
        rotation = { probability = 1.0, gap_days = -3, fraction = 0 }
        batches = [ { arrive = 2024-01-01, size = 10 } ]
    """)
    assert np.array_equal(curve(sc), expected(91, (0, 20, 10)))


def test_a_relief_overlapping_more_than_the_tour_comes_the_day_after_its_group(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 10
        tour_days = 10
        rotation = { probability = 1.0, gap_days = -20 }
        batches = [ { arrive = 2024-01-01, size = 10 } ]
    """, end="2024-01-05", authorized=25)
    # each relief comes the day after the group it relieves, until the ceiling of 25 holds them
    assert np.array_equal(curve(sc), np.array([10, 20, 25, 25, 25]))


# ---------------------------------------------------------------------------- in kind and empty batches


def test_in_kind_pledges_leave_the_balance_untouched(tmp_path):
    body = """
        [[contingent]]
        country = "A"
        pledged = 100
        batches = [ { arrive = 2024-01-11, size = 100 } ]

        [funding]
        start_balance_usd = 1_000_000
        cost_per_officer_day_usd = 100

        [[funding.pledge]]
        donor = "Cash"
        amount_usd = 400_000
        first = 2024-02-01
    """
    cash = scenario(tmp_path, body, name="cash.toml")
    kit = scenario(tmp_path, body + """
        [[funding.pledge]]
        donor = "Kit"
        amount_usd = 2_000_000
        tranches = 2
        first = 2023-12-01
        interval_days = 45
        in_kind = true
    """, name="kit.toml")
    assert np.array_equal(sim.replicate(cash, 0).balance_usd, sim.replicate(kit, 0).balance_usd)
    a, b = sim.run(cash, replications=64, workers=1), sim.run(kit, replications=64, workers=1)
    assert np.array_equal(a.balance_quantiles()["p50"], b.balance_quantiles()["p50"])
    assert b.summary()["funding"]["in_kind"] == [
        {"donor": "Kit", "amount_usd": 2_000_000.0, "dates": ["2023-12-01", "2024-01-15"]}]
    assert "in_kind" not in a.summary()["funding"]
    assert "in kind (reported, not in the balance): Kit $2.0M" in b.text()


def test_an_empty_batch_is_skipped_and_later_batches_still_come(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 30
        batches = [ { arrive = 2024-01-02, size = 10 }, { arrive = 2024-01-05, size = 0 },
                    { arrive = 2024-01-09, size = 20 } ]
    """)
    assert np.array_equal(curve(sc), expected(91, (1, 8, 10), (8, 91, 30)))


# ---------------------------------------------------------------------------- validation, --set, schema


def problems_of(tmp_path, body: str) -> list:
    with pytest.raises(ScenarioError) as info:
        scenario(tmp_path, body)
    return info.value.problems


ONE = """
[[contingent]]
country = "A"
pledged = 10
{extra}
batches = [ {{ arrive = 2024-01-02, size = 10{batch} }} ]
"""


@pytest.mark.parametrize("extra, batch, path, message", [
    ('fulfilment = { dist = "mixture", weights = [0.5, 0.6], of = [0, 1] }', "", "contingent.A.fulfilment.weights",
     "sum to 1"),
    ('fulfilment = { dist = "mixture", weights = [-0.5, 1.5], of = [0, 1] }', "", "contingent.A.fulfilment.weights", ">= 0"),
    ('fulfilment = { dist = "mixture", weights = [1], of = [0, 1] }', "", "contingent.A.fulfilment.of",
     "one distribution per weight"),
    ('fulfilment = { dist = "mixture", weights = [0.5, 0.5], of = [0, { dist = "beta", mean = 0.5 }] }', "",
     "contingent.A.fulfilment.of.1.sd", "missing"),
    ('fulfilment = { dist = "mixture", weights = [0.5, 0.5], of = [0, { dist = "normal", mean = 0.5, sd = 0.1 }] }', "",
     "contingent.A.fulfilment.of.1", "can leave [0, 1]"),
    ('fulfilment = { dist = "mixture", weights = [0.5, 0.5], of = [0, { dist = "uniform", low = 0.5, high = 1.5 }] }', "",
     "contingent.A.fulfilment.of.1", "[0, 1]"),
    ('tour_days = { dist = "mixture", weights = [0.5, 0.5], of = [100, { dist = "beta", mean = 0.5, sd = 0.1 }] }', "",
     "contingent.A.tour_days.of.1", "fractions only"),
    ('fulfilment = { dist = "mixture", weights = [1], of = [{ dist = "mixture", weights = [1], of = [1] }] }', "",
     "contingent.A.fulfilment.of.0", "cannot be mixtures"),
    ('fulfilment = { dist = "mixture", weights = [1], of = [1], extra = 2 }', "", "contingent.A.fulfilment.extra",
     "unknown parameter"),
    ("attrition_per_year = -0.1", "", "contingent.A.attrition_per_year", "only slip_days and rotation.gap_days may be negative"),
    ('tour_days = { dist = "uniform", low = -5, high = 10 }', "", "contingent.A.tour_days", ">= 1"),
    ("rotation = { fraction = 1.5 }", "", "contingent.A.rotation.fraction", "[0, 1]"),
    ("rotation = { fraction = { dist = \"normal\", mean = 0.5, sd = 0.1 } }", "", "contingent.A.rotation.fraction",
     "can leave [0, 1]"),
    ("", ", known = 1", "contingent.A.batches.0.known", "true or false"),
    ("", ', known = "yes"', "contingent.A.batches.0.known", "true or false"),
])
def test_validation_of_the_new_keys(tmp_path, extra, batch, path, message):
    problems = problems_of(tmp_path, ONE.format(extra=extra, batch=batch))
    assert any(p.path == path and message in p.message for p in problems), [str(p) for p in problems]
    assert all(p.line is not None for p in problems)


@pytest.mark.parametrize("table, path, message", [
    ("[correlation]\nfulfilment = 1.2", "correlation.fulfilment", "<= 1"),
    ("[correlation]\nslip_days = -0.1", "correlation.slip_days", ">= 0"),
    ("[correlation]\nfulfilmnet = 0.5", "correlation.fulfilmnet", "did you mean 'fulfilment'"),
    ('[correlation]\nfulfilment = { dist = "uniform", low = 0, high = 1 }', "correlation.fulfilment", "distribution"),
    ("[[funding.pledge]]\ndonor = \"D\"\namount_usd = 1\nfirst = 2024-01-01\nin_kind = \"no\"", "funding.pledge.D.in_kind",
     "true or false"),
])
def test_validation_of_correlation_and_in_kind(tmp_path, table, path, message):
    problems = problems_of(tmp_path, ONE.format(extra="", batch="") + "\n" + table + "\n")
    assert any(p.path == path and message in p.message for p in problems), [str(p) for p in problems]


def test_a_correlation_that_is_not_a_table(tmp_path):
    sc = scenario(tmp_path, ONE.format(extra="", batch=""))
    with pytest.raises(ScenarioError) as info:
        sc.with_overrides({"correlation": 3})
    assert any(p.path == "correlation" and "must be a table" in p.message for p in info.value.problems)


def test_the_cli_reports_new_key_problems_with_file_line_and_path(tmp_path, capsys):
    from sim.cli import main

    path = tmp_path / "bad.toml"
    text = (HEAD.format(end="2024-03-31", authorized=100, seed=1).replace("seed = 1\n", "seed = 1\nas_of = 2025-01-01\n")
            + ONE.format(extra='fulfilment = { dist = "mixture", weights = [0.5, 0.4], of = [0, 1] }', batch=""))
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    as_of_line = text.splitlines().index("as_of = 2025-01-01") + 1
    mixture_line = next(i for i, line in enumerate(text.splitlines(), 1) if "mixture" in line)
    assert f"{path}:{as_of_line}: scenario.as_of: must be between scenario.start" in err
    assert f"{path}:{mixture_line}: contingent.A.fulfilment.weights: mixture weights must sum to 1" in err


def test_the_new_keys_take_set_paths(tmp_path):
    sc = scenario(tmp_path, TWO.format(correlation="") + """
        [[contingent]]
        country = "C"
        pledged = 30
        batches = [ { arrive = 2024-01-05, size = 10 }, { arrive = 2024-02-05, size = 20 } ]
    """)
    variant = sc.with_overrides({
        "correlation.fulfilment": 0.4,
        "scenario.as_of": dt.date(2024, 1, 15),
        "contingent.C.batches.0.known": True,
        "contingent.C.rotation.fraction": 0.5,
        "contingent.C.rotation.gap_days": -10,
        "funding.pledge.D.in_kind": True,
        "contingent.A.fulfilment": {"dist": "mixture", "weights": [0.2, 0.8], "of": [0, {"dist": "uniform", "low": 0.5, "high": 1}]},
        "assumptions.slip_days": -3,
    })
    assert variant.correlation.fulfilment == 0.4 and variant.as_of.isoformat() == "2024-01-15"
    c = variant.contingents[2]
    assert c.batches[0].known and not c.batches[1].known
    assert c.relief_fraction.params == (0.5,) and c.relief_gap_days.params == (-10.0,)
    assert variant.funding.pledges[0].in_kind
    assert variant.contingents[0].fulfilment.kind == "mixture"
    assert variant.contingents[2].batches[1].slip_days.params == (-3.0,)
    sim.run(variant, replications=64, workers=1)


def test_the_cli_takes_new_keys_with_set(tmp_path, capsys):
    from sim.cli import main

    path = tmp_path / "s.toml"
    path.write_text(HEAD.format(end="2024-03-31", authorized=1000, seed=1) + ONE.format(extra="", batch=""))
    out = tmp_path / "out"
    code = main(["run", str(path), "-n", "64", "-q", "--workers", "1", "-o", str(out), "--format", "svg",
                 "--set", "correlation.slip_days=0.5", "--set", "scenario.as_of=2024-01-10",
                 "--set", 'contingent.A.fulfilment={dist="mixture", weights=[0.5, 0.5], of=[0, 1]}'])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["as_of"] == "2024-01-10"
    assert summary["overrides"]["correlation.slip_days"] == 0.5
    assert "as of" in (out / "strength.svg").read_text()


def test_the_json_schema_knows_the_new_keys():
    jsonschema = pytest.importorskip("jsonschema")
    from sim.scenario.schema import json_schema

    schema = json_schema()
    good = {
        "scenario": {"name": "x", "start": "2024-01-01", "end": "2024-12-31", "as_of": "2024-06-01"},
        "correlation": {"fulfilment": 0.5, "slip_days": 0.2, "pledge_fulfilment": 0.1},
        "assumptions": {"fulfilment": {"dist": "mixture", "weights": [0.3, 0.7],
                                       "of": [{"dist": "fixed", "value": 0}, {"dist": "beta", "mean": 0.6, "sd": 0.2}]},
                        "rotation": {"gap_days": -7, "fraction": 0.8}},
        "contingent": [{"country": "A", "pledged": 1, "batches": [{"arrive": "2024-01-01", "size": 1, "known": True}]}],
        "funding": {"pledge": [{"donor": "D", "amount_usd": 1, "first": "2024-01-01", "in_kind": True}]},
    }
    jsonschema.validate(good, schema)
    for bad in ({"correlation": {"fulfilment": 2}}, {"correlation": {"other": 0.1}},
                {"assumptions": {"fulfilment": {"dist": "mixture", "weights": [1], "of": [1], "x": 1}}},
                {"contingent": [{"batches": [{"known": "yes"}]}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_the_explorer_scales_mixture_slips():
    from sim.notebook.explorer import _scale

    value = {"dist": "mixture", "weights": [0.5, 0.5], "of": [-10, {"dist": "lognormal", "median": 30, "sigma": 0.5}]}
    assert _scale(value, 2) == {"dist": "mixture", "weights": [0.5, 0.5],
                                "of": [-20, {"dist": "lognormal", "median": 60, "sigma": 0.5}]}
    assert _scale(value, 0)["of"] == [0, 0]


def test_the_readme_examples_of_the_new_keys_load(tmp_path):
    import re
    import shutil

    root = __import__("pathlib").Path(__file__).resolve().parent.parent
    blocks = re.findall(r"```toml\n(.*?)```", (root / "README.md").read_text(), re.S)
    complete = next(b for b in blocks if "[correlation]" in b and "[scenario]" in b)
    history = next(b for b in blocks if "as_of = " in b and "extends" in b)
    jamaica = next(b for b in blocks if 'country = "Jamaica"' in b)
    (tmp_path / "complete.toml").write_text(complete)
    sc = sim.load(tmp_path / "complete.toml")
    assert sc.correlation.fulfilment == 0.5 and sc.funding.pledges[1].in_kind
    shutil.copy(root / "scenarios" / "baseline.toml", tmp_path / "baseline.toml")
    (tmp_path / "history.toml").write_text(history)
    assert sim.load(tmp_path / "history.toml").as_of == dt.date(2024, 9, 30)
    (tmp_path / "jamaica.toml").write_text(HEAD.format(end="2025-12-31", authorized=500, seed=1) + jamaica)
    sim.run(sim.load(tmp_path / "jamaica.toml"), replications=64, workers=1)

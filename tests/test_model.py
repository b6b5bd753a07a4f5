"""The model (sim.model): hand-computed curves for each mechanism, the statistics of its draws, its event count.

Each hand-computed test writes a scenario file the project has never seen, runs it through the
public API, and compares the daily curves with numbers worked out by hand from docs/design.md
sections 2-3. Day 0 is 2024-01-01 in every scenario here (2024 is a leap year: Jan 31 is day 30,
Feb 29 day 59, Mar 31 day 90). The statistical tests compare many replications with the
distributions they draw from, at 4.5 standard errors (failing by chance about 1 in 150,000).
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

import sim
from helpers import curve, expected
from sim.model.mission import Environment

HEAD = """
[scenario]
name = "hand"
start = 2024-01-01
end = {end}
replications = 3
seed = 1

[mission]
authorized = {authorized}
"""


def scenario(tmp_path, body: str, end: str = "2024-03-31", authorized: int = 10_000) -> sim.Scenario:
    path = tmp_path / "s.toml"
    path.write_text(HEAD.format(end=end, authorized=authorized) + textwrap.dedent(body))
    return sim.load(path)


def test_tours_reliefs_and_gaps(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 150
        tour_days = 30
        rotation = { probability = 1.0, gap_days = 5 }
        batches = [ { arrive = 2024-01-11, size = 100 }, { arrive = 2024-01-21, size = 50 } ]
    """)
    # batch of 100: days 10-39, relief 45-74, relief 80-109; batch of 50: 20-49, 55-84, 90-
    want = expected(91, (10, 20, 100), (20, 40, 150), (40, 45, 50), (45, 50, 150), (50, 55, 100),
                    (55, 75, 150), (75, 80, 50), (80, 85, 150), (85, 90, 100), (90, 91, 150))
    assert np.array_equal(curve(sc), want)
    assert np.array_equal(curve(sc, "A"), want)
    # a deterministic scenario gives the same curve in every replication and as every quantile
    result = sim.run(sc, replications=3, workers=1)
    for q in result.quantiles("total").values():
        assert np.array_equal(q, want)
    assert np.array_equal(result.mean("total"), want)


def test_no_relief_when_rotation_probability_is_zero(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 10
        tour_days = 20
        rotation = { probability = 0.0, gap_days = 0 }
        batches = [ { arrive = 2024-01-01, size = 10 } ]
    """)
    assert np.array_equal(curve(sc), expected(91, (0, 20, 10)))


def test_fulfilment_shrinks_the_crossing_batch_and_drops_later_ones(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 300
        fulfilment = 0.55
        tour_days = 365
        batches = [ { arrive = 2024-01-02, size = 100 }, { arrive = 2024-01-03, size = 100 },
                    { arrive = 2024-01-04, size = 100 } ]
    """)
    # round(0.55 * 300) = 165: 100, then 65, then nothing
    assert np.array_equal(curve(sc), expected(91, (1, 2, 100), (2, 91, 165)))
    arrivals = sim.replicate(sc).trace.arrivals
    assert [(day, n) for day, _, n, _ in arrivals] == [(1, 100), (2, 65)]


def test_slipped_batch_is_never_overtaken(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 30
        tour_days = 365
        batches = [ { arrive = 2024-01-11, size = 10, slip_days = 5 },
                    { arrive = 2024-01-13, size = 10, slip_days = 0 },
                    { arrive = 2024-01-21, size = 10, slip_days = 2.5 } ]
    """)
    # 10 + 5 = 15; max(12 + 0, 15) = 15; 20 + round_half_up(2.5) = 23
    assert np.array_equal(curve(sc), expected(91, (15, 23, 20), (23, 91, 30)))


def test_batch_dated_before_start_counts_from_day_zero_and_serves_from_its_date(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 40
        tour_days = 30
        rotation = { probability = 1.0, gap_days = 0 }
        batches = [ { arrive = 2023-12-22, size = 10 }, { arrive = 2023-11-01, size = 30 } ]
    """)
    # batch 1 is planned before batch 0 but is never earlier than it: both arrive day -10,
    # leave day 20 and are relieved the same day (departures, then arrivals): 40 throughout
    assert np.array_equal(curve(sc), expected(91, (0, 91, 40)))
    assert [day for day, *_ in sim.replicate(sc).trace.arrivals] == [-10, -10, 20, 20, 50, 50, 80, 80]


def test_gone_before_start_is_never_counted(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 10
        tour_days = 20
        rotation = { probability = 0.0 }
        batches = [ { arrive = 2023-12-01, size = 10 } ]
    """)
    assert not curve(sc).any()


def test_ceiling_queue_is_first_come_first_served(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 80
        tour_days = 20
        rotation = { probability = 0.0 }
        batches = [ { arrive = 2024-01-06, size = 80 } ]

        [[contingent]]
        country = "B"
        pledged = 90
        tour_days = 100
        batches = [ { arrive = 2024-01-11, size = 50 }, { arrive = 2024-01-12, size = 40 } ]
    """, authorized=100)
    # day 5: A 80. day 10: B's 50 finds room for 20, 30 wait; B's next 40 queues behind them.
    # day 25: A leaves; the 30 arrive, then 40 (total 90); B's first 20 leave on day 110 (after end).
    want_b = expected(91, (10, 25, 20), (25, 91, 90))
    assert np.array_equal(curve(sc, "A"), expected(91, (5, 25, 80)))
    assert np.array_equal(curve(sc, "B"), want_b)
    assert curve(sc).max() <= 100
    assert [(d, n) for d, c, n, _ in sim.replicate(sc).trace.arrivals if c == 1] == [(10, 20), (25, 30), (25, 40)]


def test_waiting_people_serve_their_own_tour(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 60
        tour_days = 30
        rotation = { probability = 1.0, gap_days = 0 }
        batches = [ { arrive = 2024-01-01, size = 40 }, { arrive = 2024-01-11, size = 20 } ]
    """, end="2024-02-29", authorized=50)
    # day 0: 40; day 10: 10 of 20 (group X), 10 wait. day 30: the 40 leave; their relief (40)
    # queues behind the 10 waiting: the 10 arrive (group Y), then 30 of the relief, 10 wait.
    # day 40: X leaves; its relief (10) queues behind the relief's 10: those arrive. day 60 is after the end.
    want = expected(60, (0, 10, 40), (10, 30, 50), (30, 40, 50), (40, 60, 50))
    assert np.array_equal(curve(sc), want)
    arrivals = [(d, n, first) for d, _, n, first in sim.replicate(sc).trace.arrivals]
    assert arrivals == [(0, 40, True), (10, 10, True), (30, 10, True), (30, 30, False), (40, 10, False)]


def test_mandate_lapse_draws_down_evenly_and_stops_arrivals(tmp_path):
    sc = scenario(tmp_path, """
        [[mandate]]
        name = "M"
        expires = 2024-01-11
        renewal_probability = 0.0
        drawdown_days = 4

        [[contingent]]
        country = "A"
        pledged = 150
        tour_days = 365
        batches = [ { arrive = 2024-01-01, size = 100 }, { arrive = 2024-01-13, size = 50 } ]
    """)
    # lapse on day 10: 100, then 75, 50, 25, 0; the batch planned for day 12 never arrives
    assert np.array_equal(curve(sc), expected(91, (0, 11, 100), (11, 12, 75), (12, 13, 50), (13, 14, 25)))
    trace = sim.replicate(sc).trace
    assert trace.lapsed_on == 10


def test_lapse_without_drawdown_empties_the_mission_that_day(tmp_path):
    sc = scenario(tmp_path, """
        [[mandate]]
        name = "M"
        expires = 2024-01-11
        renewal_probability = 0.0
        drawdown_days = 0

        [[contingent]]
        country = "A"
        pledged = 100
        tour_days = 365
        attrition_per_year = 3.0
        batches = [ { arrive = 2024-01-01, size = 100 } ]
    """)
    c = curve(sc)
    assert c[9] > 0 and not c[10:].any()


def test_renewal_raises_the_ceiling_and_the_queue_moves_the_same_day(tmp_path):
    sc = scenario(tmp_path, """
        [[mandate]]
        name = "M"
        expires = 2024-01-11
        renewal_probability = 1.0
        renewed_months = 1
        authorized_after = 100

        [[contingent]]
        country = "A"
        pledged = 100
        tour_days = 365
        batches = [ { arrive = 2024-01-01, size = 100 } ]
    """, authorized=50)
    assert np.array_equal(curve(sc), expected(91, (0, 10, 50), (10, 91, 100)))
    assert [d for _, d in sc.deadlines()] == [
        np.datetime64("2024-01-11").astype(object), np.datetime64("2024-02-11").astype(object),
        np.datetime64("2024-03-11").astype(object),
    ]


def test_funding_gates_departures_and_deficit_blocks_them(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 20
        tour_days = 365
        batches = [ { arrive = 2024-01-01, size = 10 }, { arrive = 2024-03-06, size = 10 } ]

        [funding]
        start_balance_usd = 500
        cost_per_officer_day_usd = 1
        fixed_cost_per_month_usd = 0
        deploy_cost_per_officer_usd = 0
        runway_days = 0

        [[funding.pledge]]
        donor = "D"
        amount_usd = 1000
        tranches = 1
        first = 2024-03-11
    """)
    # Jan 31: 500 - 31*10 = 190; Feb 29: 190 - 29*10 = -100 (deficit). The batch ready on day 65
    # (Mar 6) waits; the pledge arrives day 70 (Mar 11): 900, the batch leaves home that day.
    # Mar 31: 900 - (31*10 + 21*10) = 380.
    rep = sim.replicate(sc)
    assert np.array_equal(rep.strength["total"], expected(91, (0, 70, 10), (70, 91, 20)))
    want = expected(91, (0, 30, 500), (30, 59, 190), (59, 70, -100), (70, 90, 900), (90, 91, 380))
    assert np.array_equal(rep.balance_usd, want)
    result = sim.run(sc, replications=2, workers=1)
    summary = result.summary()
    assert summary["funding"]["p_deficit"] == 1.0
    assert summary["funding"]["median_minimum_balance_usd"] == -100
    assert np.array_equal(result.balance_quantiles()["p50"], want)


def test_runway_and_deploy_cost_let_only_what_is_affordable_leave(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 100
        tour_days = 365
        batches = [ { arrive = 2024-01-11, size = 100 } ]

        [funding]
        start_balance_usd = 0
        cost_per_officer_day_usd = 1
        deploy_cost_per_officer_usd = 10
        runway_days = 40

        [[funding.pledge]]
        donor = "D"
        amount_usd = 5000
        tranches = 2
        first = 2024-01-16
        interval_days = 5
    """, end="2024-01-31")
    # need per officer 40 * 1 + 10 = 50. Day 15: 2500 -> 50 leave home (deploy 500: 2000 left).
    # Day 20: 4500 -> 90 affordable, the other 50 leave (deploy 500: 4000 left).
    # Jan 31 (day 30): officer-days 50*16 + 50*11 = 1350 -> 2650.
    rep = sim.replicate(sc)
    assert np.array_equal(rep.strength["total"], expected(31, (15, 20, 50), (20, 31, 100)))
    assert np.array_equal(rep.balance_usd, expected(31, (15, 20, 2000), (20, 30, 4000), (30, 31, 2650)))


def test_pledge_fulfilment_and_tranche_order(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 1
        batches = [ { arrive = 2024-06-01, size = 1 } ]

        [funding]

        [[funding.pledge]]
        donor = "D"
        amount_usd = 900
        fulfilment = 0.5
        tranches = 3
        first = 2024-01-11
        interval_days = 10
        slip_days = 0
    """, end="2024-01-31")
    # 450 of 900: tranche 300 on day 10, 150 of the second on day 20, no third
    rep = sim.replicate(sc)
    assert np.array_equal(rep.balance_usd, expected(31, (10, 20, 300), (20, 31, 450)))


def test_fixed_cost_is_prorated_for_partial_months(tmp_path):
    sc = scenario(tmp_path, """
        [[contingent]]
        country = "A"
        pledged = 1
        batches = [ { arrive = 2024-06-01, size = 1 } ]

        [funding]
        start_balance_usd = 1000
        fixed_cost_per_month_usd = 310
    """, end="2024-02-09")
    # Jan 31: -310; end of run Feb 9: 9 of 29 days of 310 = 96.21
    rep = sim.replicate(sc)
    assert rep.balance_usd[29] == 1000 and rep.balance_usd[30] == 690
    assert rep.balance_usd[-1] == pytest.approx(690 - 96.21, abs=0.006)


def test_fixed_costs_stop_when_a_lapsed_mission_has_gone_home(tmp_path):
    sc = scenario(tmp_path, """
        [[mandate]]
        name = "M"
        expires = 2024-01-11
        renewal_probability = 0.0
        drawdown_days = 9

        [[contingent]]
        country = "A"
        pledged = 1
        batches = [ { arrive = 2024-06-01, size = 1 } ]

        [funding]
        start_balance_usd = 1000
        fixed_cost_per_month_usd = 310
    """)
    # lapse day 10, drawdown ends day 19: January pays 20 of 31 days (200), later months nothing
    rep = sim.replicate(sc)
    assert rep.balance_usd[30] == 800 and rep.balance_usd[-1] == 800


# --------------------------------------------------------------------------- statistics


def write(tmp_path, body: str, name: str = "s.toml") -> sim.Scenario:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return sim.load(path)


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


# --------------------------------------------------------------------------- events


def test_the_environment_counts_the_events_it_schedules():
    """Counted by the model's own Environment: SimPy numbers every event it schedules, from a counter the
    Environment starts at 0."""
    env = Environment()
    assert env.scheduled == 0
    env.timeout(1)
    env.timeout(5)
    assert env.scheduled == 2

    def one_wait(env):
        yield env.timeout(3)

    env.process(one_wait(env))  # the process's start is an event, and so is its timeout, and its end
    env.run()
    assert env.scheduled == 5 and env.now == 5


def test_a_replication_records_its_events_and_a_run_their_mean(tmp_path):
    sc = one_batch(tmp_path, attrition=0.5, size=40)
    traces = [sim.replicate(sc, r, seed=2).trace for r in range(3)]
    assert all(t.events > 0 for t in traces)
    assert [t.events for t in traces] == [sim.replicate(sc, r, seed=2).trace.events for r in range(3)]
    result = sim.run(sc, replications=3, seed=2, workers=1)
    assert result.summary()["events_per_replication"] == round(sum(t.events for t in traces) / 3, 1)


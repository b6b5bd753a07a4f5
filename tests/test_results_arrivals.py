"""Cumulative arrivals (sim.results.arrivals, issue #13): what a run records when asked, and the backtest of them."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from sim.results.arrivals import arrival_values

from conftest import BASELINE
from helpers import read_csv

# A relieves itself every 30 days (tour 30, relief certain, same day) from 1 Feb 2024; B came before the start.
RELIEFS = """\
[scenario]
name = "Reliefs"
start = 2024-01-01
end = 2024-12-31
replications = 64
seed = 3

[mission]
authorized = 1000

[[contingent]]
country = "A"
pledged = 100
tour_days = 30
rotation = { probability = 1, gap_days = 0 }
batches = [{ arrive = 2024-02-01, size = 100 }]

[[contingent]]
country = "B"
pledged = 50
tour_days = 1000
batches = [{ arrive = 2023-12-01, size = 50 }]
"""


@pytest.fixture
def reliefs(tmp_path):
    path = tmp_path / "reliefs.toml"
    path.write_text(RELIEFS, encoding="utf-8")
    return path


def by_hand(date: dt.date) -> int:
    """A's cumulative arrivals: 100 on 1 Feb, then 100 more every 30 days (one relief per ended tour)."""
    days = (date - dt.date(2024, 2, 1)).days
    return 0 if days < 0 else 100 * (1 + days // 30)


DATES = [dt.date(2024, 1, 1), dt.date(2024, 1, 31), dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 3, 2),
         dt.date(2024, 7, 30), dt.date(2024, 12, 31)]


def test_reliefs_count_again_and_departures_never_subtract(reliefs):
    scenario = sim.load(reliefs)
    asked = [(c, d) for d in DATES for c in ("A", "total")]
    result = sim.run(scenario, replications=64, workers=1, arrivals=asked)
    for date in DATES:
        a = result.arrived_distribution("A", date)
        assert a.sum() == 64 and a[by_hand(date)] == 64, date  # every replication, the figure by hand
        total = result.arrived_distribution("total", date)
        assert total[by_hand(date) + 50] == 64  # B's 50, arrived before the start, count from day 0
        strength = result.distribution("A", scenario.day(date))
        assert strength[100 if date >= dt.date(2024, 2, 1) else 0] == 64  # on the ground: never more than 100
    with pytest.raises(sim.SimError, match="were not recorded.*arrivals="):
        result.arrived_distribution("B", DATES[0])
    plain = sim.run(scenario, replications=64, workers=1)
    assert plain.acc.arrived == [] and plain.acc.layout.arrived == ()  # not asked: nothing recorded
    assert np.array_equal(plain.acc.histogram, result.acc.histogram)  # and strength the same either way


@pytest.mark.parametrize("asked, says", [
    ([("C", dt.date(2024, 3, 1))], "'C' is neither 'total' nor a country"),
    ([("A", dt.date(2025, 3, 1))], "not a date of the run"),
    (["A"], "a (country or 'total', date) pair"),
])
def test_arrivals_asked_outside_the_run_are_refused(reliefs, asked, says, no_runs):
    with pytest.raises(sim.SimError, match=re.escape(says)):
        sim.run(sim.load(reliefs), replications=64, arrivals=asked)


def test_backtest_of_arrivals_through_the_cli(reliefs, tmp_path):
    observed = tmp_path / "obs.csv"
    rows = ["date,series,value,source,kind,relative_error"]
    rows += [f"{d},arrived:A,{by_hand(d)},hand,," for d in DATES[2:]]
    rows += ["2024-03-02,A,100,on the ground,,", "2024-03-02,arrived,250,total,,",
             "2024-03-02,arrived:total,744,we have sent 744,at_least,"]
    observed.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(reliefs), "--observed", str(observed), "-n", "64", "-o", str(out), "-q"]) == 0
    got = read_csv(out / "backtest.csv")
    assert [float(r["crps"]) for r in got] == [0] * 7 + [744 - 250]  # ∫ F² below 744: F = 1 from 250 on
    assert [float(r["percentile"]) for r in got] == [50] * 7 + [100]
    assert [float(r["median"]) for r in got] == [by_hand(d) for d in DATES[2:]] + [100, 250, 250]
    assert got[-1]["series"] == "arrived:total" and float(got[-1]["error"]) == 744 - 250
    svg_free = json.loads((out / "backtest.json").read_text(encoding="utf-8"))
    assert svg_free["observations"] == 8


def test_backtest_refuses_arrivals_the_run_did_not_record(reliefs, tmp_path):
    observed = tmp_path / "obs.csv"
    observed.write_text("date,series,value\n2024-03-02,arrived:A,200\n", encoding="utf-8")
    observations = sim.read_observations(observed)
    scenario = sim.load(reliefs)
    with pytest.raises(sim.SimError, match=rf"{observed}:2: series 'arrived:A': the run did not record"):
        sim.backtest(sim.run(scenario, replications=64, workers=1), observations)
    result = sim.run(scenario, replications=64, workers=1, arrivals=sim.arrivals_needed(observations))
    assert sim.backtest(result, observations)["rows"][0]["crps"] == 0


def test_the_same_histograms_for_one_or_two_workers(reliefs):
    scenario = sim.load(reliefs).with_overrides({
        "contingent.A.tour_days": {"dist": "uniform", "low": 20, "high": 60},
        "contingent.A.rotation.probability": 0.7,
        "contingent.A.fulfilment": {"dist": "uniform", "low": 0.3, "high": 1}})
    asked = [("A", dt.date(2024, 6, 1)), ("total", dt.date(2024, 12, 31)), ("B", dt.date(2024, 6, 1))]
    one = sim.run(scenario, replications=1100, seed=5, workers=1, arrivals=asked)  # three chunks
    two = sim.run(scenario, replications=1100, seed=5, workers=2, arrivals=asked)
    assert [h.tolist() for h in one.acc.arrived] == [h.tolist() for h in two.acc.arrived]
    assert all(h.sum() == 1100 for h in one.acc.arrived)
    assert one.arrived_distribution("total", dt.date(2024, 12, 31)).nonzero()[0].size > 10  # a real spread


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 2**31))
def test_arrivals_against_the_trace_by_brute_force(replication, seed):
    """On every day of a baseline replication with short tours (reliefs, attrition, waiting at the gate):
    arrivals are the sum of the trace's arrivals up to that day, never below the strength, never falling,
    and the total is the sum of the countries."""
    scenario = _short_tours()
    rep = sim.replicate(scenario, replication=replication, seed=seed)
    series = [c.country for c in scenario.contingents] + ["total"]
    probes = tuple((s, d) for s in range(len(series)) for d in range(scenario.days))
    values = arrival_values([rep.trace], probes, len(series) - 1).reshape(len(series), scenario.days)
    for s, name in enumerate(series[:-1]):
        arrived = np.zeros(scenario.days, dtype=np.int64)
        for day, country, n, _first in rep.trace.arrivals:
            if country == s:
                arrived[max(day, 0):] += n
        assert np.array_equal(values[s], arrived), name
        assert np.all(values[s] >= rep.strength[name])
    assert np.array_equal(values[-1], values[:-1].sum(axis=0))
    assert np.all(np.diff(values, axis=1) >= 0)


_SHORT = []


def _short_tours() -> sim.Scenario:
    """The baseline with 90-day tours (many reliefs within the run), loaded once."""
    if not _SHORT:
        _SHORT.append(sim.load(BASELINE).with_overrides({"assumptions.tour_days": 90}))
    return _SHORT[0]


def test_arrivals_that_could_outgrow_the_histograms_are_refused_before_running(reliefs, no_runs):
    """150,000 officers relieved every day could reach 150,000 x 398 arrivals in the 397 days simulated: three
    histograms of as many cells are refused before anything runs, naming the limit (docs/design.md section 3)."""
    scenario = sim.load(reliefs).with_overrides({"contingent.A.pledged": 150_000, "contingent.A.tour_days": 1,
                                                 "contingent.A.batches.0.size": 150_000})
    asked = [("A", dt.date(2024, 6, 1)), ("A", dt.date(2024, 7, 1)), ("total", dt.date(2024, 6, 1))]
    cells = 2 * (150_000 * 398 + 1) + (150_000 * 398 + 50 + 1)
    with pytest.raises(sim.SimError, match=rf"{cells:,} histogram cells .* at most 134,217,728: ask for fewer"):
        sim.run(scenario, replications=64, arrivals=asked)

"""Scenario discovery (sim.analysis.prim, sim.analysis.discovery): PRIM recovers a box that is the outcome by
construction, and ``sim.discover`` finds the box the known-answer scenario's target draws by hand
(conftest.KNOWN)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("SALib", reason="the analysis extra is not installed (pip install -e '.[analysis]')")
from scipy.stats import qmc  # noqa: E402

import sim  # noqa: E402
from sim.analysis.outcomes import parse_condition  # noqa: E402
from sim.analysis.prim import prim  # noqa: E402
from sim.analysis.ranges import DesignError  # noqa: E402

from conftest import BARELY, DRIVES, NEVER  # noqa: E402

VARY = {DRIVES: "0:1", BARELY: "0:0.3", NEVER: "0:1"}

UNIT = np.array([[0.0, 1.0]] * 4)
DESIGN = qmc.Sobol(4, scramble=True, seed=2).random(1024)


def test_a_box_of_one_key_is_recovered():
    y = DESIGN[:, 0] > 0.6
    boxes, trajectories = prim(DESIGN, y, UNIT, 0.8)
    first = boxes[0]
    assert first.restricted == (0,) and first.density == 1 and first.coverage == 1
    assert 0.6 < first.limits[0, 0] <= 0.6 + 0.01 and first.limits[0, 1] == 1
    assert first.mass == pytest.approx(0.4, abs=0.01) and first.p_values[0] < 1e-6
    steps = trajectories[0].steps
    assert steps[0].mass == 1 and steps[0].restricted == () and steps[-1].mass >= 0.05
    assert all(a.mass >= b.mass for a, b in zip(steps, steps[1:]))  # peeling only takes away


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0.1, 0.5), st.floats(0.5, 0.9)), min_size=1, max_size=3,
                unique_by=lambda t: t[0]))
def test_a_box_that_is_the_outcome_is_recovered(sides):
    """Any box of one to three keys holding at least 10% of the points: the first box restricts exactly its
    keys, holds at least 95% of the points that meet it, at least 95% of its points meet it, and its limits
    are within 0.03 of the true ones (those 0.05 or more inside the range)."""
    true = UNIT.copy()
    for key, low, high in sides:
        true[key] = (low, high)
    y = np.all((DESIGN >= true[:, 0]) & (DESIGN <= true[:, 1]), axis=1)
    if y.mean() < 0.1:
        return
    first = prim(DESIGN, y, UNIT, 0.8)[0][0]
    assert set(first.restricted) == {key for key, _, _ in sides}
    assert first.density >= 0.95 and first.coverage >= 0.95
    far = (true > 0.05) & (true < 0.95)
    assert (np.abs(first.limits - true)[far] <= 0.03).all(), (true, first.limits)


def test_covering_finds_a_second_box_among_the_points_left():
    y = ((DESIGN[:, 0] > 0.6) & (DESIGN[:, 1] < 0.3)) | (DESIGN[:, 2] > 0.9)
    boxes, _ = prim(DESIGN, y, UNIT, 0.8)
    assert {boxes[0].restricted, boxes[1].restricted} == {(0, 1), (2,)}
    assert sum(b.coverage for b in boxes[:2]) == pytest.approx(1, abs=0.05)


def test_nothing_to_find_and_everything_found():
    assert prim(DESIGN, np.zeros(len(DESIGN), bool), UNIT, 0.8)[0] == []
    everything = prim(DESIGN, np.ones(len(DESIGN), bool), UNIT, 0.8)[0]
    assert len(everything) == 1 and everything[0].restricted == () and everything[0].coverage == 1


def test_discover_finds_the_fulfilment_the_target_needs(known, tmp_path):
    """The target of 60 is reached exactly when round(100 f) >= 60, f >= 0.595; nothing else matters."""
    found = sim.discover(known, VARY, when="p_reach_target@end >= 0.5", samples=256, replications=8, workers=1)
    first = found.boxes[0]
    assert found.limits(first) == {DRIVES: (pytest.approx(0.6, abs=0.01), 1.0)}
    low = found.limits(first)[DRIVES][0]
    assert low >= 0.595 and first.density == 1 and first.coverage == 1
    assert min(p[DRIVES] for p, hit in zip(found.points, found.flags) if hit) == low  # drawn to the first point in
    rows = found.rows()
    assert [(r["box"], r["key"], r["high"], r["density"]) for r in rows[:1]] == [(1, DRIVES, 1.0, 1.0)]
    summary = found.save(tmp_path / "out")
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"boxes.csv", "design.csv", "peeling.png", "boxes.png",
                                                             "discover.json", "report.html", "sources.csv"}
    assert summary["boxes"][0]["limits"] == {DRIVES: [low, 1.0]}
    assert (tmp_path / "out" / "boxes.csv").read_text().splitlines()[0] == \
        "box,key,low,high,coverage,density,mass,p_value"
    assert "from" in found.text() and "<table" in found._repr_html_()


def test_a_sensitivity_design_can_be_searched_too(known):
    result = sim.sensitivity(known, {DRIVES: "0:1", NEVER: "0:1"}, samples=32, replications=4, workers=1,
                             outputs=["p_reach_target@end"])
    found = result.discover("p_reach_target@end >= 0.5")
    assert list(found.limits(found.boxes[0])) == [DRIVES]
    with pytest.raises(DesignError, match="p_lapse@end was not measured in this design"):
        result.discover("p_lapse@end > 0")


def test_dates_and_whole_numbers_come_back_as_such(known):
    vary = {"contingent.A.batches.0.arrive": "2024-01-10:2024-12-20", "mission.authorized": "50:100"}
    found = sim.discover(known, vary, when="strength@2024-07-01 >= 1", samples=64, replications=2, workers=1)
    (key, (low, high)), = found.limits(found.boxes[0]).items()
    assert key == "contingent.A.batches.0.arrive" and str(low) == "2024-01-10"
    assert str(high) <= "2024-07-04"  # slips of -3 to 3 days: a batch planned after 4 July has not come by 1 July


def test_conditions_are_read_or_refused(known):
    condition = parse_condition(known, "strength@end >= 2,500")
    assert (condition.outcome.name, condition.op, condition.value) == ("strength@end", ">=", 2500)
    assert list(condition.holds([2499.5, 2500, 2600])) == [False, True, True]
    assert parse_condition(known, "p_reach_authorized@Mid-year<0.5").outcome.day == 181
    assert parse_condition(known, "strength@end < 1,234,567.5").value == 1234567.5
    for bad, message in (("strength@end", "write OUTCOME OP NUMBER"), ("strength@end >= lots", "write OUTCOME OP"),
                         ("strenth@end > 3", "did you mean 'strength'"), ("strength@end > 1e999", "not a number"),
                         ("strength@end => 3", "unknown comparison '=>'"), ("strength@end === 3", "unknown comparison '==='"),
                         ("strength@end >= 1,00", "a comma separates thousands"),
                         ("strength@end >= 1,2345", "a comma separates thousands"),
                         ("p_reach_authorized@end >= 1.5", "a probability: compare it with a number from 0 to 1")):
        with pytest.raises(DesignError, match=message):
            parse_condition(known, bad)
    with pytest.raises(DesignError, match="threshold must be a density above 0 and at most 1"):
        sim.discover(known, VARY, when="strength@end > 3", threshold=1.5)
    with pytest.raises(DesignError, match="power of 2"):
        sim.discover(known, VARY, when="strength@end > 3", samples=100)

"""Global sensitivity analysis (sim.analysis.sensitivity, sim.runner.points): known answers (conftest.KNOWN),
common random numbers, the same bytes for any worker count, resumable, and every range checked before anything
runs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("SALib", reason="the analysis extra is not installed (pip install -e '.[analysis]')")

import sim  # noqa: E402
from sim.analysis.designs import point_key  # noqa: E402
from sim.analysis.journal import read_journal  # noqa: E402
from sim.analysis.outcomes import outcomes  # noqa: E402
from sim.analysis.ranges import DesignError, check_ranges  # noqa: E402
from sim.errors import MissingDependencyError  # noqa: E402
from sim.runner import point_record  # noqa: E402

from conftest import BARELY, DRIVES, NEVER  # noqa: E402

VARY = {DRIVES: "0:1", BARELY: "0:0.3", NEVER: "0:1"}

@pytest.fixture(scope="module")
def sobol(known):
    """The known answer's Sobol' analysis: 64 x 8 = 512 points of 16 replications, one worker."""
    return sim.sensitivity(known, VARY, samples=64, replications=16, workers=1, outputs=["p_reach_target@end"])


def test_sobol_ranks_the_driver_the_barely_and_the_never(sobol):
    st = {k: (sobol.index("strength@end", k), sobol.index("strength@end", k, "ST_conf")) for k in VARY}
    assert st[NEVER] == (0.0, 0.0)  # exactly: the outcomes do not change with it at all
    assert sobol.index("strength@end", NEVER, "S1") == 0.0
    assert abs(st[DRIVES][0] - 1) <= max(st[DRIVES][1], 0.05)  # it explains (nearly) everything
    assert st[BARELY][0] - st[BARELY][1] > 0  # it matters, a little, beyond its interval
    assert st[BARELY][0] + st[BARELY][1] < st[DRIVES][0] - st[DRIVES][1]  # and far less, beyond both intervals
    assert sobol.ranking("strength@end") == [DRIVES, BARELY, NEVER]
    # P(target 60 reached): round(100 f) >= 60 arrive in early Feb, before anyone can leave; only f decides it
    assert sobol.index("p_reach_target@end", BARELY) == 0.0 and sobol.index("p_reach_target@end", NEVER) == 0.0
    assert sobol.index("p_reach_target@end", DRIVES) > 0.5


def test_design_outcomes_are_the_values_computed_by_hand(sobol):
    for point, out in zip(sobol.points, sobol.outputs):
        f = point[DRIVES]
        arrived = int(np.floor(100 * f + 0.5))
        assert out["p_reach_target@end"] == (1.0 if arrived >= 60 else 0.0)
        assert out["p_reach_authorized@end"] == (1.0 if arrived >= 100 else 0.0)
        assert arrived - 100 * 0.3 <= out["strength@end"] <= arrived  # attrition only takes people away
        if point[BARELY] == 0:
            assert out["strength@end"] == arrived
    assert len(sobol.points) == 64 * (2 * 3 + 2)
    assert set(sobol.outputs[0]) == {"strength@Mid-year", "strength@end", "p_reach_authorized@Mid-year",
                                     "p_reach_authorized@end", "p_reach_target@end"}


def test_common_random_numbers_make_a_point_a_pure_function(known):
    """Two points that differ only in a key that cannot matter get the very same replications."""
    a = point_record(known.with_overrides({NEVER: 0.1, BARELY: 0.2}), 3, 70, [200, 365])
    b = point_record(known.with_overrides({NEVER: 0.9, BARELY: 0.2}), 3, 70, [200, 365])
    assert np.array_equal(a.strength, b.strength) and np.array_equal(a.lapsed, b.lapsed)
    assert a.strength.shape == (70, 2) and a.replications == 70
    c = point_record(known.with_overrides({NEVER: 0.1, BARELY: 0.25}), 3, 70, [200, 365])
    assert (c.strength <= a.strength).all()  # a higher hazard, the same uniforms: never more people


def test_morris_ranks_them_too(known):
    result = sim.sensitivity(known, VARY, method="morris", samples=10, replications=8, workers=1)
    mu = {k: result.index("strength@end", k) for k in VARY}
    assert mu[NEVER] == 0.0 and result.index("strength@end", NEVER, "sigma") == 0.0
    assert mu[DRIVES] > mu[BARELY] > 0
    assert len(result.points) == 10 * 4
    assert result.sensitivity_csv().splitlines()[0] == "output,key,mu_star,mu_star_conf,sigma"


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_an_outcome_that_never_changes_has_no_index(method):
    """Nothing explains a variance of 0: no index for any key (not a 0 that reads as "measured not to matter")."""
    from sim.analysis.indices import analyse, sample

    keys = ["a", "b"]
    unit = sample(method, keys, 8, 1)
    rows, pairs = analyse(method, keys, unit, np.full(len(unit), 7.0), 1)
    assert all(value is None for key in keys for value in rows[key].values())
    assert all(p[2:] == (None, None) for p in pairs) and len(pairs) == (1 if method == "sobol" else 0)
    moving, _ = analyse(method, keys, unit, unit[:, 0] * 10, 1)  # one that does change: indices again
    assert moving["a"][list(moving["a"])[0]] > 0


def test_same_seed_same_bytes_for_one_and_two_workers(known):
    small = {DRIVES: "0:1", BARELY: "0:0.3"}  # two keys: Saltelli's scheme holds some points twice, run once
    one = sim.sensitivity(known, small, samples=8, replications=8, workers=1, progress=(told := []).append)
    assert len(one.points) == 48 and sum(told) == len({tuple(p.values()) for p in one.points}) * 8 < 48 * 8
    two = sim.sensitivity(known, small, samples=8, replications=8, workers=2)
    assert one.sensitivity_csv() == two.sensitivity_csv() and one.design_csv() == two.design_csv()
    other = sim.sensitivity(known, small, samples=8, replications=8, seed=4, workers=1)
    assert other.design_csv() != one.design_csv()


@pytest.mark.slow
def test_the_dask_backend_gives_the_same_bytes(known, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setenv("DASK_TEMPORARY_DIRECTORY", str(tmp_path))
    small = {DRIVES: "0:1", BARELY: "0:0.3"}
    local = sim.sensitivity(known, small, samples=8, replications=8, workers=1)
    remote = sim.sensitivity(known, small, samples=8, replications=8, workers=2, backend="dask")
    assert local.sensitivity_csv() == remote.sensitivity_csv() and local.design_csv() == remote.design_csv()


def test_an_interrupted_design_resumes_where_it_stopped(known, tmp_path):
    journal = tmp_path / "design.journal.jsonl"
    whole = sim.sensitivity(known, VARY, samples=4, replications=8, workers=1)  # 32 points, none twice
    told = []

    def interrupt(count):
        told.append(count)
        if sum(told) > 8 * 8:  # inside the second batch of 8 points: the first one is in the journal
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.sensitivity(known, VARY, samples=4, replications=8, workers=1, journal=journal, progress=interrupt)
    assert len(read_journal(journal)) == 8
    told.clear()
    resumed = sim.sensitivity(known, VARY, samples=4, replications=8, workers=1, journal=journal,
                              progress=told.append)
    assert resumed.reused == 8 and sum(told) == (32 - 8) * 8  # only the missing points ran
    assert resumed.sensitivity_csv() == whole.sensitivity_csv() and resumed.design_csv() == whole.design_csv()
    key = point_key(known, resumed.points[0], 3, 8)
    assert read_journal(journal)[key]["stats"] == resumed.outputs[0]


def test_ranges_are_checked_before_anything_runs(known, monkeypatch):
    from sim.runner.backends import LocalBackend

    monkeypatch.setattr(LocalBackend, "run_batches", lambda *a, **k: pytest.fail("points ran before the check"))
    cases = {
        "contingent.A.fulfilmnt": ("0:1", "--vary contingent.A.fulfilmnt: unknown key (did you mean 'fulfilment'?)"),
        "contingent.B.fulfilment": ("0:1", "no item 'B'"),
        "contingent.A.tour_days": ("400:300", "LOW must be below HIGH, got 400:300"),
        "contingent.A.attrition_per_year": ("0:500", "--vary contingent.A.attrition_per_year=500: "
                                                     "contingent.A.attrition_per_year: must be"),
        "mission.target": ("1:many", "two numbers or two dates"),
        "contingent.A.tour_days.median": ("1:9", "contingent.A.tour_days is 1000 in the scenario, not a distribution"),
        "scenario.seed": ("1:9", "cannot be varied"),
    }
    for key, (spec, message) in cases.items():
        with pytest.raises(DesignError, match=None) as caught:
            sim.sensitivity(known, {key: spec})
        assert message in str(caught.value), (key, str(caught.value))
    with pytest.raises(DesignError, match="power of 2"):
        sim.sensitivity(known, VARY, samples=100)
    with pytest.raises(DesignError, match="unknown statistic 'strenght'.*did you mean 'strength'"):
        sim.sensitivity(known, VARY, outputs=["strenght@end"])
    with pytest.raises(DesignError, match="unknown time 'Midyear'.*did you mean 'Mid-year'"):
        sim.sensitivity(known, VARY, outputs=["strength@Midyear"])
    with pytest.raises(DesignError, match="no \\[funding\\] table"):
        sim.sensitivity(known, VARY, outputs=["p_deficit"])
    with pytest.raises(DesignError, match="ranges together give invalid scenarios"):  # each fine alone, not together
        sim.sensitivity(known, {"contingent.A.slip_days.low": "-3:-1", "contingent.A.slip_days.mode": "-2:2"})


def test_ranges_keep_whole_numbers_whole_and_dates_dates(known):
    ranges = check_ranges(known, {"mission.authorized": "10:60", "contingent.A.tour_days": "100:400",
                                  "contingent.A.batches.0.arrive": "2024-01-15:2024-03-01"})
    kinds = {r.key: r.kind for r in ranges}
    # a ceiling is a whole number; a tour length is drawn and rounded, so it may be real; dates stay dates
    assert kinds == {"mission.authorized": "whole", "contingent.A.tour_days": "real",
                     "contingent.A.batches.0.arrive": "date"}
    ceiling, _, arrive = ranges
    assert [ceiling.value(u) for u in (0, 0.019, 0.02, 0.5, 0.999, 1)] == [10, 10, 11, 35, 60, 60]
    assert str(arrive.value(0)) == "2024-01-15" and str(arrive.value(1)) == "2024-03-01"
    counts = np.bincount([ceiling.value((i + 0.5) / 5100) - 10 for i in range(5100)])
    assert counts.min() == counts.max() == 100  # every whole value equally likely


def test_outcomes_are_named_by_deadline_end_and_date(known):
    found = outcomes(known, ["mean_strength@2024-03-01", "p_lapse@end", "p_reach_target@Mid-year"])
    assert found.names == ["strength@Mid-year", "strength@end", "p_reach_authorized@Mid-year",
                           "p_reach_authorized@end", "mean_strength@2024-03-01", "p_lapse@end",
                           "p_reach_target@Mid-year"]
    assert found.days == [60, known.day(known.deadlines()[0][1]), 365]
    with pytest.raises(DesignError, match="outside the run"):
        outcomes(known, ["strength@2030-01-01"])


def test_a_missing_salib_says_how_to_install_it(known, monkeypatch):
    import sys

    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "SALib", None)  # import SALib raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'mss-sim\[analysis\]'"):
        sim.sensitivity(known, VARY)


def test_the_result_displays_and_saves(sobol, tmp_path):
    html = sobol._repr_html_()
    assert "Known" in html and "contingent.A.fulfilment" in html and "<table" in html
    assert "matters most" in sobol.text()
    assert repr(sobol) == "<Sensitivity of 'Known': sobol, 3 keys, 512 points x 16 replications, seed 3>"
    with pytest.raises(sim.errors.InputError, match="no ST of 'contingent.A.pledged' for 'strength@end'; outputs: "):
        sobol.index("strength@end", "contingent.A.pledged")
    pytest.importorskip("pandas")
    frame = sobol.to_frame()
    assert list(frame.columns) == ["output", "key", "S1", "S1_conf", "ST", "ST_conf"] and len(frame) == 5 * 3
    assert len(sobol.design_frame()) == 512 and "strength@end" in sobol.design_frame().columns
    summary = sobol.save(tmp_path / "out")
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"sensitivity.csv", "design.csv", "interactions.csv", "sensitivity.png", "sensitivity.json",
            "sources.csv", "report.html"} <= files
    assert summary["ranking"]["strength@end"] == [DRIVES, BARELY, NEVER]
    header = (tmp_path / "out" / "design.csv").read_text().splitlines()[0]
    assert header == "point," + ",".join(VARY) + ",strength@Mid-year,strength@end,p_reach_authorized@Mid-year," \
                                                 "p_reach_authorized@end,p_reach_target@end"

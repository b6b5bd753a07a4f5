"""Sweeping assumptions (sim.analysis.sweeps, ``sim sweep``): validated first, one row per point, resumable.

The journal of finished points (sim.analysis.journal) is tested here too: it is how a sweep resumes.
"""

from __future__ import annotations

import gc
import json
import weakref

import pytest

import sim
from sim.analysis.journal import journal_key, read_journal
from sim.analysis.sweeps import sweep_variants
from sim.cli import main
from sim.results import Result

from conftest import BASELINE, ROOT
from helpers import one_error_line, png_size, read_csv


def test_sweep_over_fulfilment_is_monotone(det, tmp_path, capsys):
    out = tmp_path / "sw"
    assert main(["sweep", str(det), "--set", "assumptions.fulfilment=0.2,0.6,1.0", "-n", "64", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("] assumptions.fulfilment=") == 3  # one progress line per point
    rows = read_csv(out / "sweep.csv")
    assert [r["assumptions.fulfilment"] for r in rows] == ["0.2", "0.6", "1.0"]
    reach = [float(r["p_reach_authorized_end"]) for r in rows]
    assert reach == sorted(reach) and reach == [0.0, 1.0, 1.0]
    assert [float(r["total_p50_end"]) for r in rows] == [20, 60, 60]  # the ceiling holds the rest back
    assert [r["median_first_day_authorized"] for r in rows] == ["", "2024-02-01", "2024-02-01"]
    assert "p_deficit" not in rows[0]
    assert png_size(out / "sweep.png") == (1200, 700)


def test_sweep_grid_of_two_keys_through_the_cli(det, tmp_path, capsys):
    out = tmp_path / "grid"
    args = ["sweep", str(det), "--set", "assumptions.fulfilment=0.2:1.0:0.4", "--set", "mission.authorized=50,100",
            "-n", "16", "-o", str(out), "--json", "--quiet"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # --quiet: no progress
    summary = json.loads(captured.out)
    points = [(p["assumptions.fulfilment"], p["mission.authorized"]) for p in summary["points"]]
    assert points == [(0.2, 50), (0.2, 100), (0.6, 50), (0.6, 100), (1.0, 50), (1.0, 100)]
    reach = [p["p_reach_authorized_end"] for p in summary["points"]]
    assert reach == [0, 0, 1, 0, 1, 1]
    assert len(read_csv(out / "sweep.csv")) == 6
    assert png_size(out / "sweep.png") == (1200, 700)


def test_sweep_api_reduces_each_result_at_once(det, monkeypatch):
    """No Result outlives its point: each is reduced to its row before the next one runs."""
    alive: list[weakref.ref] = []
    real_init = Result.__init__

    def recording_init(self, *args, **kwargs):  # every Result made, wherever run() was imported
        real_init(self, *args, **kwargs)
        alive.append(weakref.ref(self))

    monkeypatch.setattr(Result, "__init__", recording_init)
    seen = []

    def progress(index, total, row, seconds):
        gc.collect()
        seen.append(sum(ref() is not None for ref in alive))

    rows = sim.sweep(sim.load(det), {"assumptions.fulfilment": [0.2, 0.6, 1.0]}, replications=16, progress=progress)
    assert len(alive) == 3  # the seam saw every point's Result
    assert len(rows) == 3 and seen == [0, 0, 0]
    assert rows[1]["assumptions.fulfilment"] == 0.6 and rows[1]["p_reach_authorized_end"] == 1.0


def test_sweep_validates_every_point_before_running(det, tmp_path, no_runs, capsys):
    out = tmp_path / "never"
    assert main(["sweep", str(det), "--set", "assumptions.fulfilment=0.5:1.5:0.5", "-o", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "assumptions.fulfilment=1.5" in line and "[0, 1]" in line
    assert main(["sweep", str(det), "--set", "assumptions.fulfillment=0.5", "-o", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "did you mean 'fulfilment'" in line
    assert not out.exists()


def test_an_interrupted_sweep_resumes_with_the_rows_of_an_uninterrupted_one(tmp_path):
    scenario = sim.load(BASELINE)
    grid = {"assumptions.fulfilment": [0.2, 0.6, 1.0], "mission.authorized": [1500, 2500]}
    fresh = sim.sweep(scenario, grid, replications=64, seed=3, workers=1)
    journal = tmp_path / "sweep.journal.jsonl"

    def stop_after_two(index, total, row, seconds):
        if index == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sim.sweep(scenario, grid, replications=64, seed=3, workers=1, progress=stop_after_two, journal=journal)
    assert len(read_journal(journal)) == 2
    with journal.open("a") as handle:  # killed while writing a third line: that point runs again
        handle.write('{"key": "unfinished')

    ran = []
    resumed = sim.sweep(scenario, grid, replications=64, seed=3, workers=1, journal=journal,
                        progress=lambda index, total, row, seconds: ran.append(seconds is not None))
    assert ran == [False, False, True, True, True, True]  # the two finished points are not run again
    assert json.dumps(resumed) == json.dumps(fresh)
    # another seed or replication count is another point: nothing recorded is taken for it
    ran.clear()
    sim.sweep(scenario, grid, replications=64, seed=4, workers=1, journal=journal,
              progress=lambda index, total, row, seconds: ran.append(seconds is not None))
    assert ran == [True] * 6


def test_sweep_resume_through_the_cli(det, tmp_path, count_runs, capsys):
    args = ["sweep", str(det), "--set", "assumptions.fulfilment=0.2,0.6,1.0", "-n", "64", "--seed", "5"]
    assert main(args + ["-o", str(tmp_path / "clean"), "--quiet"]) == 0
    capsys.readouterr()

    count_runs.calls = 0
    count_runs.interrupt_at(3)  # Ctrl-C during the third point
    out = tmp_path / "sw"
    assert main(args + ["-o", str(out)]) == 130  # Ctrl-C: as shells report SIGINT
    err = capsys.readouterr().err
    journal = tmp_path / "sw.journal.jsonl"
    assert "interrupted; no output was written" in err and f"2 finished points are kept in {journal}" in err
    assert "--resume" in err and not out.exists() and len(read_journal(journal)) == 2

    count_runs.calls = 0
    count_runs.interrupt_at(None)
    assert main(args + ["-o", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert count_runs.calls == 1 and err.count("(from the journal)") == 2  # only the missing point ran
    for name in ("sweep.csv", "sweep_wide.csv", "sweep.json"):
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    assert not journal.exists()  # written out: the journal has served

    # without --resume a journal left behind is not used, even with the right keys: every point runs again
    variants = sweep_variants(sim.load(det), {"assumptions.fulfilment": [0.2, 0.6, 1.0]})
    stale = {"p_reach_authorized_end": 0.5, "total_p50_end": 1.0}
    (tmp_path / "again.journal.jsonl").write_text("".join(
        json.dumps({"key": journal_key(variant, 5, 64), "stats": stale}) + "\n" for _, variant in variants))
    count_runs.calls = 0
    assert main(args + ["-o", str(tmp_path / "again"), "--quiet"]) == 0
    assert count_runs.calls == 3 and not (tmp_path / "again.journal.jsonl").exists()
    assert (tmp_path / "again" / "sweep.csv").read_bytes() == (tmp_path / "clean" / "sweep.csv").read_bytes()


@pytest.mark.parametrize("command", [
    ["sweep", "--set", "assumptions.fulfilment=0.5,1.0"],
    ["calibrate", "--observed", "OBSERVED", "-n", "20", "--replications", "20", "--generations", "1"],
])
@pytest.mark.parametrize("journal_is, resume", [("binary", True), ("folder", True), ("folder", False)])
def test_a_journal_path_holding_something_else_is_bad_input(command, journal_is, resume, tmp_path, capsys):
    out = tmp_path / "out"
    journal = tmp_path / "out.journal.jsonl"
    if journal_is == "folder":
        journal.mkdir()
    else:
        journal.write_bytes(bytes(range(256)) * 8)
    before = journal.is_dir() or journal.read_bytes()
    args = [command[0], str(BASELINE), *[str(ROOT / "seeds" / "observed.csv") if a == "OBSERVED" else a for a in command[1:]]]
    code = main(args + ["-n", "20", "-q", "-o", str(out)] + (["--resume"] if resume else []))
    err = capsys.readouterr().err
    assert code == 2, err
    what = "a folder" if journal_is == "folder" else "not a journal (not UTF-8 text)"
    assert f"{journal}: {what}, where mss-sim keeps the finished points" in err and "move it away" in err
    assert "internal error" not in err and not out.exists()
    assert (journal.is_dir() or journal.read_bytes()) == before  # left as it was

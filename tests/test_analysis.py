"""The analyst's workflow: sim compare, sim sweep, sim backtest (CLI and API), and their outputs."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import json
import pickle
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import numpy as np
import pytest

import sim
from sim import analysis
from sim.cli import main
from helpers import png_size

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
OBSERVED = ROOT / "seeds" / "observed.csv"

# Everything fixed: every replication is the same. One contingent, 100 pledged, arriving on
# 1 Feb 2024, touring longer than the run; its fulfilment comes from [assumptions].
DETERMINISTIC = """\
[scenario]
name = "Deterministic"
start = 2024-01-01
end = 2024-12-31
replications = 64
seed = 3

[mission]
authorized = {authorized}
target = 1000

[assumptions]
fulfilment = 1.0

[[contingent]]
country = "A"
pledged = 100
tour_days = 1000
batches = [{{ arrive = 2024-02-01, size = 100 }}]
"""


@pytest.fixture
def det(tmp_path) -> Path:
    """Authorized 60 of 100 pledged: only fulfilment >= 0.6 reaches it."""
    path = tmp_path / "det.toml"
    path.write_text(DETERMINISTIC.format(authorized=60), encoding="utf-8")
    return path


@pytest.fixture
def det100(tmp_path) -> Path:
    """The curve is 0 until 31 Jan 2024, then 100 to the end."""
    path = tmp_path / "det100.toml"
    path.write_text(DETERMINISTIC.format(authorized=100), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))




def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --------------------------------------------------------------------------- compare


def test_a_scenario_compared_with_itself_differs_by_exactly_zero(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(BASELINE), str(BASELINE), "-n", "64", "--workers", "1", "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "Baseline" in stdout and "P(reach authorized)" in stdout  # the fixed-width table
    rows = read_csv(out / "compare.csv")
    assert len(rows) == 2
    columns = list(rows[0])
    assert columns[:5] == ["scenario", "file", "hash", "replications", "seed"]
    statistics = columns[5:]
    # at end and at both mandate deadlines; funding columns since baseline has [funding]
    for name in ("total_p50_end", "total_p5_end", "total_p95_end", "total_p50_2024-10-02", "total_p95_2025-10-02",
                 "p_reach_authorized_end", "p_reach_authorized_2025-10-02", "median_first_day_authorized",
                 "p_reach_target", "p_lapse", "p_deficit", "median_minimum_balance_usd"):
        assert name in statistics
    assert all(rows[0][c] == rows[1][c] for c in statistics)
    assert rows[0]["seed"] == "20240625" and rows[0]["replications"] == "64"  # the first scenario's seed
    assert float(rows[0]["total_p50_end"]) > 0
    assert png_size(out / "compare.png") == (1200, 700)


def test_compare_uses_common_random_numbers(tmp_path):
    """A variant that changes one contingent leaves the other draws alone: identical before it arrives."""
    base = sim.load(BASELINE)
    variant = base.with_overrides({"contingent.Benin.fulfilment": 0.2, "scenario.name": "Variant"})
    a, b = sim.compare([base, variant], replications=64)
    assert a.seed == b.seed == base.seed and a.replications == b.replications == 64
    before = base.day(dt.date(2025, 1, 1))  # Benin's first batch is planned for February 2025
    assert np.array_equal(a.quantiles("total")["p50"][:before], b.quantiles("total")["p50"][:before])
    rows = analysis.compare_rows([a, b])
    assert rows[0]["p_lapse"] == rows[1]["p_lapse"]  # the same renewal draws
    assert rows[1]["total_p50_end"] < rows[0]["total_p50_end"]


def test_compare_json_is_the_only_thing_on_stdout(det, det100, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(det), str(det100), "-n", "16", "-o", str(out), "--json", "--format", "png,svg"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert "compare:" in captured.err  # progress goes to stderr
    assert summary == json.loads((out / "compare.json").read_text())
    assert [r["scenario"] for r in summary["scenarios"]] == ["Deterministic", "Deterministic"]
    assert summary["seed"] == 3 and summary["replications"] == 16
    first, second = summary["scenarios"]
    assert first["p_reach_authorized_end"] == 1.0 and first["total_p50_end"] == 60
    assert second["total_p50_end"] == 100 and second["median_first_day_authorized"] == "2024-02-01"
    assert "p_deficit" not in first  # no funding anywhere: no funding columns
    assert (out / "compare.svg").read_text().lstrip().startswith("<?xml")


def test_compare_in_a_real_subprocess(det, tmp_path):
    out = tmp_path / "sub"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "compare", str(det), str(det), "-n", "64", "--workers", "2", "-o", str(out),
         "--json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    a, b = summary["scenarios"]
    assert {k: v for k, v in a.items()} == {k: v for k, v in b.items()}
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [".mss-sim-output", "compare.csv", "compare.json", "compare.png"]


# --------------------------------------------------------------------------- sweep


def test_parse_values_lists_and_ranges():
    assert sim.parse_values("0.1:0.5:0.1") == [0.1, 0.2, 0.3, 0.4, 0.5]
    assert sim.parse_values("0.1:1.0:0.1") == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert sim.parse_values("0.2,0.5,0.8") == [0.2, 0.5, 0.8]
    assert sim.parse_values("0.7") == [0.7]
    assert sim.parse_values("180:365:60") == [180, 240, 300, 360]  # integers stay integers
    assert all(isinstance(v, int) for v in sim.parse_values("180:365:60"))
    assert sim.parse_values("1:0:-0.25") == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert sim.parse_values("0:0.3:0.1") == [0.0, 0.1, 0.2, 0.3]  # 0.30000000000000004 -> 0.3
    assert sim.parse_values("2024-09-20,2024-10-20") == [dt.date(2024, 9, 20), dt.date(2024, 10, 20)]
    assert sim.parse_values('{dist = "beta", mean = 0.5, sd = 0.1}, 1.0') == [
        {"dist": "beta", "mean": 0.5, "sd": 0.1}, 1.0]
    assert sim.parse_values("Kenya,Benin") == ["Kenya", "Benin"]
    for bad in ("0:1", "0:1:0", "1:0:0.1", "", "0:1:0.00001", "1,,2"):
        with pytest.raises(ValueError):
            sim.parse_values(bad)


def test_grid_is_the_cartesian_product_first_key_slowest():
    grid = analysis.parse_grid(["a=1,2", "b=x,y,z"])
    assert grid == {"a": [1, 2], "b": ["x", "y", "z"]}
    assert analysis.expand_grid(grid) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
        {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"},
    ]
    with pytest.raises(ValueError):
        analysis.parse_grid(["a=1", "a=2"])


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
    import sim.runner

    alive: list[weakref.ref] = []
    real_run = sim.runner.run

    def recording_run(*args, **kwargs):
        result = real_run(*args, **kwargs)
        alive.append(weakref.ref(result))
        return result

    monkeypatch.setattr(sim.runner, "run", recording_run)
    seen = []

    def progress(index, total, row, seconds):
        gc.collect()
        seen.append(sum(ref() is not None for ref in alive))

    rows = sim.sweep(sim.load(det), {"assumptions.fulfilment": [0.2, 0.6, 1.0]}, replications=16, progress=progress)
    assert len(rows) == 3 and seen == [0, 0, 0]
    assert rows[1]["assumptions.fulfilment"] == 0.6 and rows[1]["p_reach_authorized_end"] == 1.0


def test_sweep_validates_every_point_before_running(det, tmp_path, monkeypatch, capsys):
    import sim.runner

    monkeypatch.setattr(sim.runner, "run", lambda *a, **k: pytest.fail("ran before validating"))
    out = tmp_path / "never"
    assert main(["sweep", str(det), "--set", "assumptions.fulfilment=0.5:1.5:0.5", "-o", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "assumptions.fulfilment=1.5" in line and "[0, 1]" in line
    assert main(["sweep", str(det), "--set", "assumptions.fulfillment=0.5", "-o", str(out)]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "did you mean 'fulfilment'" in line
    assert not out.exists()


# --------------------------------------------------------------------------- backtest


def brute_crps(sample: np.ndarray, y: float) -> float:
    """E|X - y| - 1/2 E|X - X'| over the empirical distribution of ``sample``."""
    x = sample.astype(float)
    return float(np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])))


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
    assert len(analysis.read_journal(journal)) == 2
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


def test_sweep_resume_through_the_cli(det, tmp_path, monkeypatch, capsys):
    from sim import runner

    args = ["sweep", str(det), "--set", "assumptions.fulfilment=0.2,0.6,1.0", "-n", "64", "--seed", "5"]
    assert main(args + ["-o", str(tmp_path / "clean"), "--quiet"]) == 0
    capsys.readouterr()

    real_run, calls, interrupt = runner.run, [], [True]

    def interrupted_on_the_third(*a, **k):
        calls.append(1)
        if interrupt[0] and len(calls) == 3:
            raise KeyboardInterrupt
        return real_run(*a, **k)

    monkeypatch.setattr(runner, "run", interrupted_on_the_third)
    out = tmp_path / "sw"
    assert main(args + ["-o", str(out)]) == 1
    err = capsys.readouterr().err
    journal = tmp_path / "sw.journal.jsonl"
    assert "interrupted; no output was written" in err and f"2 finished points are kept in {journal}" in err
    assert "--resume" in err and not out.exists() and len(analysis.read_journal(journal)) == 2

    calls.clear()
    interrupt[0] = False
    assert main(args + ["-o", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert len(calls) == 1 and err.count("(from the journal)") == 2  # only the missing point ran
    for name in ("sweep.csv", "sweep.json"):
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
    assert not journal.exists()  # written out: the journal has served

    # without --resume a journal left behind is not used, even with the right keys: every point runs again
    variants = analysis.sweep_variants(sim.load(det), {"assumptions.fulfilment": [0.2, 0.6, 1.0]})
    stale = {"p_reach_authorized_end": 0.5, "total_p50_end": 1.0}
    (tmp_path / "again.journal.jsonl").write_text("".join(
        json.dumps({"key": analysis.journal_key(variant, 5, 64), "stats": stale}) + "\n" for _, variant in variants))
    calls.clear()
    assert main(args + ["-o", str(tmp_path / "again"), "--quiet"]) == 0
    assert len(calls) == 3 and not (tmp_path / "again.journal.jsonl").exists()
    assert (tmp_path / "again" / "sweep.csv").read_bytes() == (tmp_path / "clean" / "sweep.csv").read_bytes()


def test_crps_matches_the_brute_force_formula():
    rng = np.random.default_rng(7)
    for _ in range(20):
        sample = rng.integers(0, 12, size=rng.integers(1, 25))
        counts = np.bincount(sample, minlength=15)
        for y in (0, 3, 7, 11, 14, 20, 2.5, 6.25, 0.3):
            assert analysis.crps(counts, y) == pytest.approx(brute_crps(sample, y), abs=1e-12)


def test_crps_and_percentile_of_a_point_mass():
    counts = np.zeros(10, dtype=np.int64)
    counts[4] = 7  # X = 4 always
    assert analysis.crps(counts, 4) == 0
    assert analysis.crps(counts, 9) == 5 and analysis.crps(counts, 0) == 4 and analysis.crps(counts, 30) == 26
    assert analysis.midrank_percentile(counts, 4) == 50
    assert analysis.midrank_percentile(counts, 5) == 100 and analysis.midrank_percentile(counts, 3.5) == 0


def test_midrank_percentile_matches_its_definition():
    rng = np.random.default_rng(3)
    sample = rng.integers(0, 8, size=40)
    counts = np.bincount(sample, minlength=8)
    for v in (0, 1, 3, 7, 8, 2.5, -1):
        expected = 100 * (np.mean(sample < v) + np.mean(sample == v) / 2)
        assert analysis.midrank_percentile(counts, v) == pytest.approx(expected)


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
    assert list(rows[0]) == list(analysis.BACKTEST_COLUMNS)
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


def test_read_observations(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("# reported figures\nDate, Series, Value\n\n2024-08-27, Kenya, 400\n2024-09-01,total,\"1,000\"\n")
    observations = sim.read_observations(path)
    assert observations == [(dt.date(2024, 8, 27), "Kenya", 400, ""), (dt.date(2024, 9, 1), "total", 1000, "")]
    assert observations[0].where == f"{path}:4" and observations[1].value == 1000
    assert pickle.loads(pickle.dumps(observations[0])).where == observations[0].where
    assert sim.read_observations(OBSERVED)[0][1:3] == ("Kenya", 400)


@pytest.mark.parametrize("text, line, says", [
    ("date,series\n2024-08-01,total\n", 1, "value"),
    ("date,series,vlaue\n", 1, "did you mean 'value'"),
    ("date,series,value\n2024-08-01,total,4\n2024-13-01,total,4\n", 3, "not a date"),
    ("date,series,value\n2024-08-01,total,abc\n", 2, "not a number"),
    ("date,series,value\n2024-08-01,total,-3\n", 2, "negative"),
    ("date,series,value\n2024-08-01,total\n", 2, "fields"),
    ("", 1, "empty"),
    ("date,series,value\n2024-08-01,Kenia,4\n", 2, "did you mean 'Kenya'"),
    ("date,series,value\n2023-08-01,total,4\n", 2, "outside the run"),  # before the start
    ("date,series,value\n2027-08-01,total,4\n", 2, "outside the run"),
])
def test_bad_observations_exit_2_naming_the_line(text, line, says, tmp_path, monkeypatch, capsys):
    import sim.runner

    monkeypatch.setattr(sim.runner, "run", lambda *a, **k: pytest.fail("ran before checking the observations"))
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "bt"
    assert main(["backtest", str(BASELINE), "--observed", str(path), "-o", str(out)]) == 2
    error = one_error_line(capsys.readouterr().err)
    assert error.startswith(f"{path}:{line}: ") and says in error
    assert not out.exists()


# --------------------------------------------------------------------------- robust output


def _snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("command", ["compare", "sweep", "backtest", "run"])
def test_interrupted_writes_leave_nothing_that_looks_complete(command, det100, tmp_path, monkeypatch, capsys):
    import sim.plots

    observed = tmp_path / "o.csv"
    observed.write_text("date,series,value\n2024-03-01,total,100\n")
    args = {
        "compare": ["compare", str(det100), str(det100)],
        "sweep": ["sweep", str(det100), "--set", "assumptions.fulfilment=0.5,1.0"],
        "backtest": ["backtest", str(det100), "--observed", str(observed)],
        "run": ["run", str(det100)],
    }[command] + ["-n", "16", "--quiet"]

    def interrupted(fig, path):  # the chart comes after the CSV: an interruption midway
        raise KeyboardInterrupt

    fresh = tmp_path / "fresh"
    monkeypatch.setattr(sim.plots, "save_figure", interrupted)
    assert main(args + ["-o", str(fresh)]) == 1
    assert "interrupted" in capsys.readouterr().err
    assert not fresh.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".fresh.")]  # temporary folder cleaned

    previous = tmp_path / "previous"
    monkeypatch.undo()
    assert main(args + ["-o", str(previous)]) == 0
    before = _snapshot(previous)
    monkeypatch.setattr(sim.plots, "save_figure", interrupted)
    assert main(args + ["-o", str(previous), "--seed", "99"]) == 1
    assert _snapshot(previous) == before  # the earlier complete output is untouched
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".previous.")]


@pytest.mark.parametrize("command", ["compare", "sweep", "backtest"])
def test_foreign_folder_refused_without_force(command, det100, tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my own notes\n")
    observed = tmp_path / "o.csv"
    observed.write_text("date,series,value\n2024-03-01,A,100\n")
    args = {
        "compare": ["compare", str(det100)],
        "sweep": ["sweep", str(det100), "--set", "assumptions.fulfilment=0.5"],
        "backtest": ["backtest", str(det100), "--observed", str(observed)],
    }[command] + ["-n", "16", "--quiet", "-o", str(foreign)]
    assert main(args) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--force" in line and "did not write" in line
    assert _snapshot(foreign) == {"notes.txt": b"my own notes\n"}
    assert main(args + ["--force"]) == 0
    assert not (foreign / "notes.txt").exists() and (foreign / ".mss-sim-output").exists()


@pytest.mark.parametrize("args, says", [
    (["compare", "missing.toml"], "no such file"),
    (["compare", "{baseline}", "missing.toml"], "no such file"),
    (["compare", "{baseline}", "-n", "0"], "at least 1"),
    (["compare", "{baseline}", "--workers", "0"], "--workers must be at least 1"),
    (["sweep", "{baseline}", "--set", "assumptions.fulfilment=0.5", "--workers", "-3"], "--workers must be at least 1"),
    (["compare", "{baseline}", "--format", "jpg"], "--format"),
    (["sweep", "missing.toml", "--set", "assumptions.fulfilment=0.5"], "no such file"),
    (["sweep", "{baseline}", "--set", "contingent.Kenyaa.fulfilment=0.5"], "did you mean 'Kenya'"),
    (["sweep", "{baseline}", "--set", "assumptions.fulfilment=0:1"], "start:stop:step"),
    (["sweep", "{baseline}", "--set", "novalue"], "KEY=VALUES"),
    (["sweep", "{baseline}"], "--set"),
    (["backtest", "{baseline}", "--observed", "missing.csv"], "no such file"),
    (["backtest", "missing.toml", "--observed", "{observed}"], "no such file"),
    (["backtest", "{baseline}", "--observed", "{observed}", "--seed", "-1"], "--seed"),
])
def test_bad_invocations_exit_2_with_one_line(args, says, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = [a.format(baseline=BASELINE, observed=OBSERVED) for a in args]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert says in one_error_line(err)
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written, not even results/

"""``sim calibrate`` as a user runs it: the folder it writes, calibrated.toml giving the predictive again byte for
byte, the same bytes for 1 and 2 workers, --resume after Ctrl-C, and every bad input refused with exit code 2."""

from __future__ import annotations

import json

import pytest

import sim
from sim.analysis import abc
from sim.analysis.journal import read_journal
from sim.cli import main

from calibration_helpers import FAST, MEDIAN, fast_scenario, observations_of, write_csv
from conftest import BASELINE, OBSERVED

FIT = f'{MEDIAN}={{dist="uniform", low=10, high=90}}'
SMALL = ["-n", "520", "--replications", "64", "--generations", "3", "--simulations", "4000", "--seed", "4", "-q"]
FILES = ("posterior.csv", "calibrated.toml", "strength.csv", "sources.csv", "calibration.png", "report.html",
         "calibration.json")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """FAST and observations simulated at a median slip of 35 days, in one folder."""
    folder = tmp_path_factory.mktemp("calibrate")
    scenario = fast_scenario(folder)
    write_csv(folder / "observed.csv", observations_of(scenario, 35.0))
    return folder


def calibrate(folder, out: str, *more: str) -> int:
    return main(["calibrate", str(folder / "fast.toml"), "--observed", str(folder / "observed.csv"), "--fit", FIT,
                 *SMALL, "-o", str(folder / out), *more])


@pytest.fixture(scope="module")
def written(folder):
    """One calibration with one worker: the folder every other test compares with."""
    assert calibrate(folder, "one", "--workers", "1") == 0
    return folder / "one"


def test_the_folder_holds_every_file_and_calibrated_toml_gives_the_predictive_again(folder, written):
    assert sorted(p.name for p in written.iterdir()) == sorted(FILES + (".mss-sim-output",))
    summary = json.loads((written / "calibration.json").read_text())
    assert summary["keys"] == [MEDIAN] and summary["replications"] == 64 and summary["seed"] == 4
    assert summary["generations"][0]["simulated"] == 520 and len(summary["generations"]) <= 3
    header = (written / "posterior.csv").read_text().splitlines()[0]
    assert header == f"{MEDIAN},weight"
    assert main(["run", str(written / "calibrated.toml"), "-o", str(folder / "again"), "-q"]) == 0
    for name in ("strength.csv",):
        assert (folder / "again" / name).read_bytes() == (written / name).read_bytes()
    again = json.loads((folder / "again" / "summary.json").read_text())
    assert again["scenario_hash"] == summary["calibrated_hash"] and again["replications"] == 64
    assert sim.load(written / "calibrated.toml").hash == summary["calibrated_hash"]


@pytest.mark.slow
def test_one_and_two_workers_write_the_same_bytes(folder, written):
    """Generation 0 simulates 520 particles: two chunks, so two workers really share the work."""
    assert calibrate(folder, "two", "--workers", "2") == 0
    for name in FILES:
        assert (folder / "two" / name).read_bytes() == (written / name).read_bytes(), name


@pytest.mark.slow
def test_an_interrupted_fit_resumes_to_the_same_bytes(folder, written, monkeypatch, capsys):
    """Ctrl-C while generation 2 simulates: generations 0 and 1 are kept in the journal; --resume runs only
    generation 2 and writes what the uninterrupted fit wrote. Without --resume a journal left behind is dropped."""
    real = abc._next
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(args[4].number + 1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(abc, "_next", interrupted)
    journal = folder / "resumed.journal.jsonl"
    journal.write_text('{"key": "left by another fit:0", "stats": {}}\n', encoding="utf-8")
    assert calibrate(folder, "resumed") == 130
    err = capsys.readouterr().err
    assert sorted(key.rsplit(":", 1)[1] for key in read_journal(journal)) == ["0", "1"]
    assert "interrupted; no output was written" in err and f"2 finished generations are kept in {journal}" in err
    assert not (folder / "resumed").exists()
    calls.clear()
    assert calibrate(folder, "resumed", "--resume") == 0
    assert calls == [2]  # generations 0 and 1 came from the journal
    for name in FILES:
        if name != "calibrated.toml":  # it names the scenario relative to its own folder
            assert (folder / "resumed" / name).read_bytes() == (written / name).read_bytes(), name
    assert not journal.exists()


def test_progress_lines_name_each_generation(folder, capsys):
    args = ["calibrate", str(folder / "fast.toml"), "--observed", str(folder / "observed.csv"), "--fit", FIT,
            "-n", "60", "--replications", "64", "--generations", "2", "-o", str(folder / "lines"), "--workers", "1"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "[fit] generation 0: prior, acceptance 100% (60 of 60)" in err
    assert "[fit] generation 1: tolerance" in err and "[fit] stopped: the most generations asked for were run" in err
    assert "Ten batches: calibrated to 4 observations" in out and f"wrote {folder / 'lines'}/" in out
    assert main(args + ["--json", "--force"]) == 0
    assert json.loads(capsys.readouterr().out)["command"] == "calibrate"


BAD = [
    (["--fit", "assumptions.slip_days.median=3"], "--fit assumptions.slip_days.median: give a prior"),
    (["--fit", "assumptions.slip_days.median"], "--fit needs KEY=PRIOR"),
    (["--fit", 'assumptions.nope={dist="uniform", low=1, high=2}'], "--fit assumptions.nope: is not a value drawn"),
    (["--fit", FIT, "--until", "2024-13-01"], "--until takes a date like 2024-09-30"),
    (["--fit", FIT, "--until", "2023-01-01"], "no observation is dated up to 2023-01-01"),
    (["--fit", FIT, "--rolling", "2024-12-01"], "--rolling 2024-12-01: no observation is dated after it"),
    (["--fit", FIT, "-n", "5"], "particles must be from 10"),
    (["--fit", FIT, "--alpha", "1"], "alpha (the tolerance quantile) must be strictly between 0 and 1"),
    (["--fit", FIT, "--simulations", "10"], "the budget of simulations must be from the number of particles"),
    ([], "nothing to fit: give --fit KEY=PRIOR, or a [calibration] table in the scenario"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[m[:30] for _, m in BAD])
def test_bad_input_exits_2_with_one_line(folder, capsys, args, message):
    code = main(["calibrate", str(folder / "fast.toml"), "--observed", str(folder / "observed.csv"), *args,
                 "-o", str(folder / "bad")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err
    assert not (folder / "bad").exists()


def test_bad_observations_and_a_calibrated_scenario_are_refused(folder, written, capsys, tmp_path):
    (tmp_path / "elsewhere.csv").write_text("date,series,value\n2024-02-01,arrived:Nowhere,20\n", encoding="utf-8")
    (tmp_path / "outside.csv").write_text("date,series,value\n2030-02-01,total,20\n", encoding="utf-8")
    for name, message in (("elsewhere.csv", "no observations to fit"),
                          ("outside.csv", "outside.csv:2: date 2030-02-01 is outside the run")):
        assert main(["calibrate", str(folder / "fast.toml"), "--observed", str(tmp_path / name), "--fit", FIT]) == 2
        assert message in capsys.readouterr().err
    assert main(["calibrate", str(written / "calibrated.toml"), "--observed", str(folder / "observed.csv"),
                 "--fit", FIT]) == 2
    assert "draws its values from a posterior already" in capsys.readouterr().err


@pytest.mark.slow
def test_the_shipped_baseline_calibrates_against_the_shipped_observations(tmp_path, capsys):
    """The issue's "done when": its [calibration] keys, seeds/observed.csv, every file written, and the calibrated
    scenario runs. (Small: 40 particles, 2 generations.)"""
    out = tmp_path / "baseline"
    assert main(["calibrate", str(BASELINE), "--observed", str(OBSERVED), "-n", "40", "--generations", "2",
                 "--replications", "64", "-o", str(out), "-q", "--workers", "1"]) == 0
    summary = json.loads((out / "calibration.json").read_text())
    assert summary["keys"] == list(sim.load(BASELINE).calibration)
    assert {"funding.csv", *FILES} <= {p.name for p in out.iterdir()}
    assert summary["scores"]["in_sample"]["coverage_90"] is not None
    assert main(["run", str(out / "calibrated.toml"), "-o", str(tmp_path / "run"), "-q"]) == 0
    for name in ("strength.csv", "funding.csv"):
        assert (tmp_path / "run" / name).read_bytes() == (out / name).read_bytes()


def test_fast_scenario_text_is_what_the_helpers_load(folder):
    assert (folder / "fast.toml").read_text() == FAST

"""`sim run` as a user runs it: the files of docs/design.md section 5, byte-identical across workers, overrides.

(Atomic writes and refused folders, for every command, are in test_files.py.)"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

import sim
from sim.cli import main
from sim.files import MARKER

from conftest import BASELINE, SCENARIOS, SHIPPED
from helpers import half_up, png_size


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_run_writes_the_contract_files(tmp_path, path, capsys):
    out = tmp_path / path.stem
    assert main(["run", str(path), "-n", "64", "--workers", "1", "-o", str(out), "--quiet"]) == 0
    scenario = sim.load(path)
    funded = scenario.funding is not None
    expected = {"summary.json", "strength.csv", "strength_wide.csv", "strength.png", "sources.csv", "report.html", MARKER}
    if funded:
        expected |= {"funding.csv", "funding.png"}
    assert {p.name for p in out.iterdir()} == expected

    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == scenario.name and summary["scenario_hash"] == scenario.hash
    assert summary["replications"] == 64 and summary["seed"] == scenario.seed
    assert {f["id"] for f in summary["facts"]} == {f.id for f in scenario.facts_used}
    assert all(f["source_name"] and f["quote"] for f in summary["facts"])  # each fact with its article and words
    strength = summary["strength"]
    assert set(strength["at_end"]) == {"mean", "p5", "p50", "p95"}
    assert [d["date"] for d in strength["at_deadlines"]] == [d.isoformat() for _, d in scenario.deadlines()]
    assert 0 <= strength["p_reach_authorized"] <= 1 and 0 <= strength["p_reach_target"] <= 1
    if funded:
        assert set(summary["funding"]) >= {"p_deficit", "median_minimum_balance_usd"}

    rows = list(csv.reader((out / "strength.csv").open()))
    assert rows[0] == ["date", "series", "mean", "p5", "p25", "p50", "p75", "p95"]
    series = {row[1] for row in rows[1:]}
    assert series == {"total"} | {c.country for c in scenario.contingents}
    assert len(rows) - 1 == scenario.days * len(series)
    for row in rows[1:50]:
        for number in row[2:]:
            assert len(number.partition(".")[2]) <= 3
        p5, p25, p50, p75, p95 = map(float, row[3:])
        assert p5 <= p25 <= p50 <= p75 <= p95
    if funded:
        assert next(csv.reader((out / "funding.csv").open())) == ["date", "mean", "p5", "p50", "p95"]
    assert png_size(out / "strength.png") == (1200, 700)


def test_workers_do_not_change_a_byte(tmp_path):
    args = ["run", str(BASELINE), "-n", "300", "--seed", "3", "--quiet"]
    assert main(args + ["--workers", "1", "-o", str(tmp_path / "one")]) == 0
    assert main(args + ["--workers", "2", "-o", str(tmp_path / "two")]) == 0
    for name in ("summary.json", "strength.csv", "funding.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_json_summary_on_stdout(tmp_path, capsys):
    assert main(["run", str(SCENARIOS / "kenya_only.toml"), "-n", "64", "--workers", "1",
                 "-o", str(tmp_path / "k"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "k" / "summary.json").read_text())


def test_the_printed_summary_is_a_table_of_summary_json(tmp_path, capsys):
    out = tmp_path / "m"
    assert main(["run", str(SCENARIOS / "mandate_lapse.toml"), "-n", "128", "--workers", "1",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    summary = json.loads((out / "summary.json").read_text())
    strength = summary["strength"]
    checkpoints = [(d["date"], d["strength"], d["p_reach_authorized"]) for d in strength["at_deadlines"]]
    checkpoints.append((summary["end"], strength["at_end"], strength["p_reach_authorized"]))
    header = next(k for k, line in enumerate(printed) if "P(reached authorized)" in line)
    rows = printed[header + 1 : header + 1 + len(checkpoints)]
    for line, (date, x, p) in zip(rows, checkpoints):
        assert line.split()[0] == date
        assert f"{half_up(x['p50'])} [{half_up(x['p5'])}-{half_up(x['p95'])}]" in line
        assert line.endswith(f"{half_up(p, scale=100)}%")
    # one column per figure: the medians end, and the probabilities end, in the same place on every line
    assert len({line.index(" [") for line in rows}) == 1
    assert len({len(line) for line in rows}) == 1
    assert printed[header].index("total strength") < rows[0].index(" [")


def test_a_deficit_is_printed_sign_first(tmp_path, capsys):
    """funding_constrained.toml runs into deficit: the text says -$12.3M, never $-12.3M."""
    out = tmp_path / "f"
    assert main(["run", str(SCENARIOS / "funding_constrained.toml"), "-n", "64", "--workers", "1",
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    lowest = json.loads((out / "summary.json").read_text())["funding"]["median_minimum_balance_usd"]
    assert lowest < 0
    assert f"median lowest balance -${half_up(-lowest / 1e6, 1)}M," in printed and "$-" not in printed


def test_overrides_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "-n", "64", "--workers", "1", "-o", str(out),
                 "--quiet", "--set", "assumptions.fulfilment=0", "--set", "contingent.Kenya.fulfilment=0.4"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["strength"]["at_end"]["p95"] <= 400  # Kenya's first 400 at most, no one else

    assert main(["run", str(BASELINE), "-o", str(tmp_path / "p"),
                 "--set", "assumptions.fulfilmnet=0.5"]) == 2
    err = capsys.readouterr().err
    assert "assumptions.fulfilmnet" in err and "did you mean 'fulfilment'" in err and "Traceback" not in err
    # what the override got wrong is blamed on --set, not on the (correct) scenario file
    for bad, says in [("assumptions.fulfilmnet=0.5", "--set assumptions.fulfilmnet: unknown key"),
                      ("assumptions.fulfilment=abc", "--set assumptions.fulfilment: must be a number"),
                      ("contingent.Kenia.fulfilment=0.5", "--set contingent.Kenia.fulfilment: no item 'Kenia'"),
                      ("mandate.5.renewal_probability=0.5", "items: UNSC 2699, Renewal 2025 (or their number, 0 to 1)")]:
        assert main(["run", str(BASELINE), "-o", str(tmp_path / "p"), "--set", bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("sim run: error: --set ") and says in err and "baseline.toml" not in err, err
    # a problem of the scenario as a whole still names the file
    assert main(["run", str(BASELINE), "-o", str(tmp_path / "p"),
                 "--set", "contingent.Kenya.pledged=500"]) == 2
    assert "baseline.toml: contingent.Kenya.batches: batch sizes sum to 1,000 but pledged is 500" in capsys.readouterr().err


def test_overrides_are_recorded_with_the_results(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "-n", "64", "--workers", "1", "-o", str(out),
                 "--set", "assumptions.fulfilment=0.5", "--set", 'contingent.Kenya.fulfilment={dist="beta", mean=0.6, sd=0.1}',
                 "--set", "mandate.1.expires=2025-09-30"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overrides"] == {"assumptions.fulfilment": 0.5,
                                    "contingent.Kenya.fulfilment": {"dist": "beta", "mean": 0.6, "sd": 0.1},
                                    "mandate.1.expires": "2025-09-30"}
    assert ('with assumptions.fulfilment=0.5, contingent.Kenya.fulfilment={dist = "beta", mean = 0.6, sd = 0.1}, '
            "mandate.1.expires=2025-09-30\n") in printed  # as written on the command line
    scenario = sim.load(BASELINE)
    twice = scenario.with_overrides({"assumptions.fulfilment": 0.5}).with_overrides({"mission.authorized": 3000})
    assert twice.overrides == {"assumptions.fulfilment": 0.5, "mission.authorized": 3000}
    assert scenario.overrides == {}
    # the same folder without the overrides asks another question: refused unless --force
    assert main(["run", str(BASELINE), "-n", "64", "--workers", "1", "-o", str(out), "--quiet"]) == 2
    assert f"{out} holds the results of another question" in capsys.readouterr().err
    assert "overrides" in json.loads((out / "summary.json").read_text())  # untouched
    assert main(["run", str(BASELINE), "-n", "64", "--workers", "1", "-o", str(out),
                 "--quiet", "--force"]) == 0
    assert "overrides" not in json.loads((out / "summary.json").read_text())  # the contract's keys, no more


def test_keep_replications(tmp_path):
    import numpy as np

    out = tmp_path / "r"
    assert main(["run", str(BASELINE), "-n", "70", "--workers", "2", "-o", str(out),
                 "--quiet", "--keep-replications"]) == 0
    with np.load(out / "replications.npz") as data:
        assert data["strength"].shape == (70, 8, sim.load(BASELINE).days)
        assert list(data["series"])[-1] == "total"
        assert data["balance_usd"].shape[0] == 70


def test_default_scenario_and_python_dash_m(tmp_path):
    """`python -m sim run` with no scenario runs scenarios/baseline.toml into results/baseline/."""
    done = subprocess.run(
        [sys.executable, "-m", "sim", "run", "-n", "64", "--workers", "1", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "results" / "baseline" / "summary.json").read_text())
    assert summary["scenario"] == "Baseline"


def test_a_run_with_overrides_does_not_replace_the_run_as_written(tmp_path, monkeypatch, capsys):
    """Without -o, `--set` runs go to results/<name>+<overrides>/, beside results/<name>/, not over it."""
    monkeypatch.chdir(tmp_path)
    scenario = str(SCENARIOS / "kenya_only.toml")
    common = ["-n", "32", "--workers", "1", "--quiet"]
    assert main(["run", scenario, *common]) == 0
    assert main(["run", scenario, *common, "--set", "assumptions.fulfilment=0.5",
                 "--set", "scenario.name=Half of it"]) == 0
    as_written = json.loads((tmp_path / "results" / "kenya_only" / "summary.json").read_text())
    variant_dir = tmp_path / "results" / "kenya_only+assumptions.fulfilment=0.5+scenario.name=Half_of_it"
    variant = json.loads((variant_dir / "summary.json").read_text())
    assert "overrides" not in as_written and variant["overrides"]["assumptions.fulfilment"] == 0.5
    long = [f"--set=contingent.Kenya.tour_days={days}" for days in (180, 181, 182, 183, 184, 185)]
    assert main(["run", scenario, *common, *long]) == 0
    names = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert len(names) == 3 and all(len(name) < 80 for name in names), names
    capsys.readouterr()


def test_bad_scenario_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\nstart = 2024-01-01\nend = 2023-01-01\n[mission]\nauthorized = 5\n')
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(bad), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "scenario.end" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()

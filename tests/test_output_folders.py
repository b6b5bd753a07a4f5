"""What the commands write and say (issue #15): the files of every folder, default folders named after the
question, no silent replacement, the user's files kept, exit 130 on Ctrl-C, messages, progress, extends by name."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.files import MARKER

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
OBSERVED = ROOT / "seeds" / "observed.csv"
FAST = ["-n", "16", "--workers", "1", "--quiet"]


# --------------------------------------------------------------------------- every folder's files


@pytest.mark.slow
def test_every_command_writes_a_report_the_wide_csvs_and_sources(tmp_path):
    base, kenya = str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "kenya_only.toml")
    assert main(["run", base, *FAST, "-o", str(tmp_path / "run"), "--format", "png,svg,pdf"]) == 0
    assert main(["compare", base, kenya, *FAST, "-o", str(tmp_path / "compare")]) == 0
    assert main(["sweep", base, "--set", "assumptions.fulfilment=0.2,0.8", *FAST, "-o", str(tmp_path / "sweep")]) == 0
    assert main(["backtest", base, "--observed", str(OBSERVED), *FAST, "-o", str(tmp_path / "backtest")]) == 0
    expected = {
        "run": {"summary.json", "strength.csv", "strength_wide.csv", "funding.csv", "sources.csv", "report.html",
                "strength.png", "strength.svg", "strength.pdf", "funding.png", "funding.svg", "funding.pdf"},
        "compare": {"compare.csv", "compare_wide.csv", "compare.json", "compare.png", "sources.csv", "report.html"},
        "sweep": {"sweep.csv", "sweep_wide.csv", "sweep.json", "sweep.png", "sources.csv", "report.html"},
        "backtest": {"backtest.csv", "backtest.json", "backtest.png", "sources.csv", "report.html"},
    }
    for name, files in expected.items():
        folder = tmp_path / name
        assert {p.name for p in folder.iterdir()} == files | {MARKER}, name
        assert (folder / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        for wide in [f for f in files if f.endswith("_wide.csv")]:
            rows = list(csv.reader((folder / wide).open(encoding="utf-8")))
            assert rows[0][0] == "date" and len(rows[0]) > 2 and rows[1][0] == "2024-06-25", (name, rows[0])
            assert all(len(row) == len(rows[0]) for row in rows)
        sources = list(csv.reader((folder / "sources.csv").open(encoding="utf-8")))
        assert sources[0] == ["file", "name", "title", "outlet", "date"] and len(sources) > 1
    sweep_wide = next(csv.reader((tmp_path / "sweep" / "sweep_wide.csv").open()))
    assert sweep_wide[1:4] == ["assumptions.fulfilment=0.2_p50", "assumptions.fulfilment=0.2_p5",
                               "assumptions.fulfilment=0.2_p95"]
    assert (tmp_path / "run" / "strength.pdf").read_bytes().startswith(b"%PDF")


def test_the_report_and_svgs_are_reproducible(tmp_path):
    args = ["run", str(SCENARIOS / "kenya_only.toml"), *FAST, "--format", "svg"]
    assert main(args + ["-o", str(tmp_path / "a")]) == 0
    assert main(args + ["-o", str(tmp_path / "b")]) == 0
    for name in ("report.html", "strength.svg", "funding.svg", "strength_wide.csv", "sources.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.slow
def test_a_report_of_another_mission_says_nothing_of_haiti(tmp_path):
    from test_outputs import ELSEWHERE

    scenario = tmp_path / "patrol.toml"
    scenario.write_text(ELSEWHERE, encoding="utf-8")
    observed = tmp_path / "seen.csv"
    observed.write_text("date,series,value,source\n2030-06-01,total,500,field_report.txt\n", encoding="utf-8")
    assert main(["run", str(scenario), *FAST, "-o", str(tmp_path / "run"), "--format", "svg"]) == 0
    assert main(["compare", str(scenario), str(scenario), *FAST, "-o", str(tmp_path / "compare"), "--format", "svg"]) == 0
    assert main(["sweep", str(scenario), "--set", "mission.authorized=800,900", *FAST, "-o", str(tmp_path / "sweep"),
                 "--format", "svg"]) == 0
    assert main(["backtest", str(scenario), "--observed", str(observed), *FAST, "-o", str(tmp_path / "backtest"),
                 "--format", "svg"]) == 0
    checked = 0
    for path in tmp_path.rglob("*"):
        if path.suffix in (".svg", ".html", ".csv", ".json") and path.parent != tmp_path:
            text = path.read_text(encoding="utf-8")
            for word in ("Haiti", "Kenya", "MSS "):
                assert word.lower() not in text.lower() if word != "MSS " else word not in text, (path, word)
            checked += 1
    assert checked >= 16
    assert "Personnel deployed" in (tmp_path / "run" / "strength.svg").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 2. folders named after the question


@pytest.mark.slow
def test_default_folders_are_named_after_what_was_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base, kenya, lapse = (str(SCENARIOS / f"{n}.toml") for n in ("baseline", "kenya_only", "mandate_lapse"))
    assert main(["sweep", base, "--set", "assumptions.fulfilment=0.2,0.8", *FAST]) == 0
    assert main(["sweep", base, "--set", "contingent.Kenya.tour_days=180,365", *FAST]) == 0
    assert main(["compare", base, kenya, *FAST]) == 0
    assert main(["compare", base, lapse, *FAST]) == 0
    names = sorted(p.name for p in (tmp_path / "results").iterdir())
    assert names == ["baseline+assumptions.fulfilment=0.2,0.8-sweep", "baseline+contingent.Kenya.tour_days=180,365-sweep",
                     "compare-baseline+kenya_only", "compare-baseline+mandate_lapse"]
    # the same question again replaces its own folder (another seed, more runs)
    assert main(["compare", base, kenya, *FAST, "--seed", "5"]) == 0
    assert json.loads((tmp_path / "results" / "compare-baseline+kenya_only" / "compare.json").read_text())["seed"] == 5


def test_another_question_is_not_written_over_without_force(tmp_path, capsys):
    base, kenya, lapse = (str(SCENARIOS / f"{n}.toml") for n in ("baseline", "kenya_only", "mandate_lapse"))
    out = str(tmp_path / "mine")
    assert main(["compare", base, kenya, *FAST, "-o", out]) == 0
    assert main(["compare", base, lapse, *FAST, "-o", out]) == 2
    err = capsys.readouterr().err
    assert "holds the results of another question" in err and "--force" in err
    assert "Kenya only" in (tmp_path / "mine" / "compare.csv").read_text()
    assert main(["run", base, *FAST, "-o", out]) == 2  # another command is another question
    assert main(["compare", base, lapse, *FAST, "-o", out, "--force"]) == 0
    assert "Mandate lapse" in (tmp_path / "mine" / "compare.csv").read_text()


# --------------------------------------------------------------------------- 8. the user's files


def test_force_keeps_the_files_mss_sim_did_not_write_and_says_so(tmp_path, capsys):
    args = ["run", str(SCENARIOS / "kenya_only.toml"), *FAST]
    foreign = tmp_path / "mine"
    (foreign / "notes").mkdir(parents=True)
    (foreign / "notes.txt").write_text("precious")
    (foreign / "notes" / "more.txt").write_text("also precious")
    (foreign / "summary.json").write_text("{}")
    assert main(args + ["-o", str(foreign)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert main(args + ["-o", str(foreign), "--force"]) == 0
    err = capsys.readouterr().err
    assert "kept 2 files mss-sim did not write" in err and "notes, notes.txt" in err
    assert "replaced 1 file of the same name as an output" in err and "summary.json" in err
    assert (foreign / "notes.txt").read_text() == "precious" and (foreign / "notes" / "more.txt").exists()
    assert json.loads((foreign / "summary.json").read_text())["scenario"] == "Kenya only"
    # a file put later into a folder mss-sim wrote is kept too when the run is repeated
    (foreign / "draft.md").write_text("my draft")
    assert main(args + ["-o", str(foreign), "--seed", "3"]) == 0
    assert "kept 3 files" in capsys.readouterr().err and (foreign / "draft.md").read_text() == "my draft"
    # and the files of the earlier run that this one does not write are removed
    assert main(args + ["-o", str(foreign), "--format", "svg"]) == 0
    assert not (foreign / "strength.png").exists() and (foreign / "strength.svg").exists()


# --------------------------------------------------------------------------- 9. exit codes, messages, progress


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "backtest"])
def test_ctrl_c_exits_130(command, tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.runner.backends.LocalBackend, "run_chunks", interrupted)
    base = str(SCENARIOS / "baseline.toml")
    args = {"run": [base], "compare": [base, base], "sweep": [base, "--set", "assumptions.fulfilment=0.5,1"],
            "backtest": [base, "--observed", str(OBSERVED)]}[command]
    assert main([command, *args, *FAST, "-o", str(tmp_path / "out")]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_set_problems_carry_the_command_and_error(tmp_path, capsys):
    assert main(["run", str(SCENARIOS / "baseline.toml"), "-o", str(tmp_path / "p"),
                 "--set", "assumptions.fulfilmnet=0.5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sim run: error: --set assumptions.fulfilmnet: unknown key (did you mean 'fulfilment'?)")
    assert main(["backtest", str(SCENARIOS / "baseline.toml"), "--observed", str(OBSERVED), "-o", str(tmp_path / "p"),
                 "--set", "contingent.Kenia.fulfilment=0.5"]) == 2
    assert capsys.readouterr().err.startswith("sim backtest: error: --set contingent.Kenia.fulfilment: no item 'Kenia'")


@pytest.mark.parametrize("args, hint", [(["run", "--seeds", "3"], "'--seed'"),
                                        (["compare", "a.toml", "--replicatoins", "5"], "'--replications'"),
                                        (["sweep", "a.toml", "--resmue"], "'--resume'")])
def test_a_mistyped_option_gets_a_suggestion(args, hint, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"sim {args[0]}: error: unrecognized arguments" in err and f"did you mean {hint}?" in err


def test_one_contingent_is_not_plural(tmp_path, capsys):
    one = tmp_path / "one.toml"
    one.write_text("""\
[scenario]
name = "One"
start = 2030-01-01
end = 2030-12-31

[mission]
authorized = 100

[[mandate]]
name = "M"
expires = 2030-06-30

[[contingent]]
country = "Ruritania"
pledged = 100
batches = [{ arrive = 2030-02-01, size = 100 }]
""", encoding="utf-8")
    assert main(["validate", str(one)]) == 0
    out = capsys.readouterr().out
    assert "1 contingent," in out and "1 mandate," in out and "0 facts" in out


def test_facts_shows_one_fact_in_full(capsys):
    base = sim.load_facts()
    fact = base.get("kenya.pledged_total")
    assert main(["facts", "kenya.pledged_total"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "kenya.pledged_total"
    assert f"“{fact.quote}”" in " ".join(out.split()) and base.source_name(fact.source) in out and fact.source in out
    assert "conflict" in out  # the conflicts it is part of
    assert main(["facts", "kenya.pledged_totl"]) == 2
    assert "did you mean 'kenya.pledged_total'" in capsys.readouterr().err


def test_the_run_bar_moves_every_64_replications():
    counts = []
    sim.run(sim.load(SCENARIOS / "kenya_only.toml"), replications=600, workers=1, progress=counts.append)
    assert sum(counts) == 600 and max(counts) <= 64 and len(counts) >= 10


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, so that bars are drawn."""

    def isatty(self) -> bool:
        return True


@pytest.mark.slow
@pytest.mark.parametrize("command", ["compare", "sweep"])
def test_compare_and_sweep_show_a_bar_on_a_terminal(command, tmp_path, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    base = str(SCENARIOS / "kenya_only.toml")
    args = [base, base] if command == "compare" else [base, "--set", "assumptions.fulfilment=0.5,1"]
    assert main([command, *args, "-n", "128", "--workers", "1", "-o", str(tmp_path / "out")]) == 0
    shown = terminal.getvalue()
    assert f"{command}:" in shown and "rep" in shown and "/256" in shown  # one bar over both runs
    assert "[2/2]" in shown


# --------------------------------------------------------------------------- extends by name


def test_extends_a_shipped_scenario_by_name(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "baseline"\n[scenario]\nname = "Mine"\n[assumptions]\nfulfilment = 0.5\n')
    scenario = sim.load(mine)
    baseline = sim.load(SCENARIOS / "baseline.toml")
    assert scenario.name == "Mine" and scenario.contingents[0].country == baseline.contingents[0].country
    (tmp_path / "mine2.toml").write_text('extends = "baseline.toml"\n[scenario]\nname = "Mine too"\n')
    assert sim.load(tmp_path / "mine2.toml").hash != baseline.hash
    (tmp_path / "bad.toml").write_text('extends = "baselin"\n[scenario]\nname = "Bad"\n')
    assert main(["validate", str(tmp_path / "bad.toml")]) == 2
    err = capsys.readouterr().err
    assert "extends: no such file" in err and "did you mean 'baseline'?" in err and "announced" in err
    # a file beside it, of the same name, wins over the shipped one
    (tmp_path / "baseline.toml").write_text((tmp_path / "mine2.toml").read_text().replace(
        'extends = "baseline.toml"\n', 'extends = "' + str(SCENARIOS / "kenya_only.toml") + '"\n'))
    assert sim.load(mine).contingents == sim.load(SCENARIOS / "kenya_only.toml").contingents

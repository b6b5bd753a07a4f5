"""The ``sim`` command line basics (DESIGN.md section 6): ``facts``, ``--help``, bad usage.

Exit codes: 0 success, 2 bad input (usage, scenario, files), 1 anything else; never a traceback.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim import cli
from sim import facts as factbase

REPO = Path(__file__).resolve().parent.parent
FACTS_TOML = REPO / "seeds" / "facts.toml"
ARTICLES = factbase.default_articles_dir()
needs_articles = pytest.mark.skipif(ARTICLES is None, reason="no source articles in ../shared/seeds")

#: Commands DESIGN.md section 6 promises that must exist already.
REQUIRED_COMMANDS = ("run", "validate", "facts")


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the sim parser has no subcommands")


def run_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


# --------------------------------------------------------------------------- sim facts


def test_facts_prints_a_table(capsys):
    assert cli.main(["facts"]) == 0
    out, err = capsys.readouterr()
    assert "kenya.pledged_total" in out
    assert "mission.planned_total" in out
    header = out.splitlines()[0]
    assert "id" in header and "value" in header and "source" in header
    assert err == ""


def test_facts_with_an_explicit_file(tmp_path, capsys):
    copy = tmp_path / "facts.toml"
    copy.write_text(FACTS_TOML.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(["facts", "--facts", str(copy)]) == 0
    assert "kenya.pledged_total" in capsys.readouterr().out


def test_facts_with_a_missing_file_exits_2(tmp_path, capsys):
    assert cli.main(["facts", "--facts", str(tmp_path / "none.toml")]) == 2
    out, err = capsys.readouterr()
    assert "none.toml" in err and "Traceback" not in err


@needs_articles
def test_facts_check_passes(capsys):
    assert cli.main(["facts", "--check"]) == 0
    out, err = capsys.readouterr()
    assert "verified" in out
    assert err == ""


@needs_articles
def test_facts_check_names_a_tampered_fact(tmp_path, capsys):
    text = FACTS_TOML.read_text(encoding="utf-8")
    pattern = re.compile(r'(id = "kenya\.pledged_total"\n(?:(?!\[\[).*\n)*?quote = ")[^"\n]*(")')
    tampered, count = pattern.subn(r"\1a sentence no article ever contained\2", text)
    assert count == 1, "could not find the quote of kenya.pledged_total in seeds/facts.toml"
    copy = tmp_path / "facts.toml"
    copy.write_text(tampered, encoding="utf-8")
    factbase.load_facts(copy)  # still a valid fact base: only the quote is wrong

    assert cli.main(["facts", "--facts", str(copy), "--check"]) == 1
    out, err = capsys.readouterr()
    assert "kenya.pledged_total" in err
    named = set(re.findall(r"fact '([^']+)'", err))
    assert named == {"kenya.pledged_total"}, err
    assert "Traceback" not in err


@needs_articles
def test_facts_check_tampered_from_the_console(tmp_path):
    text = FACTS_TOML.read_text(encoding="utf-8")
    tampered = text.replace("total number of Kenyan officers in Haiti to 1,000", "total number of Kenyan officers in Haiti to 9,999", 1)
    assert tampered != text
    copy = tmp_path / "facts.toml"
    copy.write_text(tampered, encoding="utf-8")
    proc = run_sim("facts", "--facts", str(copy), "--check", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "kenya.pledged_total" in proc.stderr and "Traceback" not in proc.stderr


def test_facts_check_with_a_missing_folder_exits_2(tmp_path, capsys):
    assert cli.main(["facts", "--check", str(tmp_path / "no_articles")]) == 2
    err = capsys.readouterr().err
    assert "no_articles" in err and "Traceback" not in err


# --------------------------------------------------------------------------- --help


def test_required_commands_exist():
    assert set(REQUIRED_COMMANDS) <= set(commands())


def test_top_level_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sim")
    for name in commands():
        assert name in out


@pytest.mark.parametrize("name", sorted(set(commands()) | set(REQUIRED_COMMANDS)))
def test_command_help_shows_examples(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([name, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: sim {name}")
    assert "examples:" in out
    examples = out[out.index("examples:"):]
    assert f"sim {name}" in examples  # at least one example of the command itself


def test_help_from_the_console(tmp_path):
    for args in (["--help"], ["run", "--help"], ["validate", "--help"], ["facts", "--help"]):
        proc = run_sim(*args, cwd=tmp_path)
        assert proc.returncode == 0, (args, proc.stderr)
        assert proc.stdout.startswith("usage: sim")
        if args != ["--help"]:
            assert "examples:" in proc.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("mss-sim ")


# --------------------------------------------------------------------------- bad usage


@pytest.mark.parametrize("args, says", [
    (["run", "--replications", "notanumber"], "notanumber"),
    (["run", "-n", "1.5"], "1.5"),
    (["run", "--seed", "x"], "--seed"),
    (["frobnicate"], "frobnicate"),
    (["validate", "--no-such-option"], "--no-such-option"),
])
def test_usage_errors_exit_2(args, says, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert says in err
    assert "usage: sim" in err
    assert "Traceback" not in out + err


def test_run_of_a_missing_file_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "missing.toml"]) == 2
    out, err = capsys.readouterr()
    assert "missing.toml" in err and "no such file" in err
    assert "Traceback" not in out + err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("args", [
    ["validate"],                                   # no FILE
    ["validate", "missing.toml"],
    ["run", "missing.toml", "--set", "novalue"],    # load fails first: still bad input
])
def test_other_bad_input_exits_2(args, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(args) == 2
    out, err = capsys.readouterr()
    assert err and "Traceback" not in out + err


def test_set_values_are_read_as_toml():
    with pytest.raises(cli.UsageError):
        cli.parse_sets(["novalue"])
    assert cli.parse_sets(["assumptions.fulfilment=0.5", "mandate.UNSC 2699.expires=2025-01-01", "scenario.name=x y"]) == {
        "assumptions.fulfilment": 0.5, "mandate.UNSC 2699.expires": datetime.date(2025, 1, 1), "scenario.name": "x y"}
    assert cli.parse_value("true") is True and cli.parse_value("{dist = 'fixed', value = 1}") == {"dist": "fixed", "value": 1}


def test_no_command_exits_2(capsys):
    assert cli.main([]) == 2
    assert "usage: sim" in capsys.readouterr().out


@pytest.mark.parametrize("args, says", [
    (["run", "--replications", "notanumber"], "notanumber"),
    (["frobnicate"], "frobnicate"),
    (["run", "missing.toml"], "missing.toml"),
])
def test_bad_usage_from_the_console(args, says, tmp_path):
    proc = run_sim(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_as_a_scenario_is_explained(capsys):
    from sim.cli import main

    assert main(["validate", str(REPO / "scenarios")]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "*.toml" in err and "Traceback" not in err

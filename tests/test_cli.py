"""The ``sim`` command line (sim.cli): commands, ``--help``, exit codes and error messages.

Exit codes (docs/design.md sections 1 and 6): 0 success; 2 bad input (a SimError: usage,
scenario, files, options), with ``sim COMMAND: error: message`` and never a traceback; 1 anything
else: an interrupted command, failed checks, or an internal error (a bug), which prints a one-line
message, and its traceback only with ``sim --debug``. Each command's own behaviour is tested with
its module (``sim run`` in test_cli_run.py, ``sim facts`` in test_facts.py, ...).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys

import pytest

import sim.facts
from sim.cli import build_parser, main
from sim.cli.options import UsageError, parse_sets
from sim.errors import SimError
from sim.runner.backends import LocalBackend
from sim.text import parse_value

from conftest import BASELINE, OBSERVED
from helpers import one_error_line, run_sim

#: Commands docs/design.md section 6 promises that must exist already.
REQUIRED_COMMANDS = ("run", "validate", "facts", "compare", "sweep", "backtest")


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the sim parser has no subcommands")


# --------------------------------------------------------------------------- --help


def test_required_commands_exist():
    assert set(REQUIRED_COMMANDS) <= set(commands())


def test_top_level_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sim")
    for name in commands():
        assert name in out


@pytest.mark.parametrize("name", sorted(set(commands()) | set(REQUIRED_COMMANDS)))
def test_command_help_shows_examples(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
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
        main(["--version"])
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
        main(args)
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert says in err
    assert "usage: sim" in err
    assert "Traceback" not in out + err


def test_run_of_a_missing_file_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "missing.toml"]) == 2
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
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert err and "Traceback" not in out + err


def test_set_values_are_read_as_toml():
    with pytest.raises(UsageError):
        parse_sets(["novalue"])
    assert parse_sets(["assumptions.fulfilment=0.5", "mandate.UNSC 2699.expires=2025-01-01", "scenario.name=x y"]) == {
        "assumptions.fulfilment": 0.5, "mandate.UNSC 2699.expires": datetime.date(2025, 1, 1), "scenario.name": "x y"}
    assert parse_value("true") is True and parse_value("{dist = 'fixed', value = 1}") == {"dist": "fixed", "value": 1}


def test_no_command_exits_2(capsys):
    assert main([]) == 2
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


# --------------------------------------------------------------------------- errors: bad input and bugs

#: A command line of each command that runs replications. In the tests below the error comes from the
#: local backend (before anything runs), or, for ``sim facts``, from the fact base's table.
RUNNING = {
    "run": ["run", str(BASELINE), "-n", "16", "--quiet"],
    "compare": ["compare", str(BASELINE), "-n", "16", "--quiet"],
    "sweep": ["sweep", str(BASELINE), "--set", "assumptions.fulfilment=0.5", "-n", "16", "--quiet"],
    "backtest": ["backtest", str(BASELINE), "--observed", str(OBSERVED), "-n", "16", "--quiet"],
}


def fail_inside(command: str, monkeypatch, error: BaseException) -> list[str]:
    """Make ``command`` raise ``error`` from inside (after its arguments were read); its command line."""
    def raising(*args, **kwargs):
        raise error

    if command == "facts":
        monkeypatch.setattr(sim.facts.FactBase, "table", raising)
        return ["facts"]
    monkeypatch.setattr(LocalBackend, "run_chunks", raising)
    return RUNNING[command]


@pytest.mark.parametrize("command", ["facts", *RUNNING])
def test_bad_input_found_inside_a_command_exits_2_with_its_message(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = fail_inside(command, monkeypatch, SimError("the input is wrong: use another"))
    for debug in ([], ["--debug"]):  # bad input is no bug: no traceback even with --debug
        assert main([*debug, *args]) == 2
        out, err = capsys.readouterr()
        assert err == f"sim {command}: error: the input is wrong: use another\n"
        assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("command", ["facts", *RUNNING])
def test_an_internal_error_exits_1_with_a_one_line_message_and_no_traceback(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = fail_inside(command, monkeypatch, RuntimeError("something nobody expected"))
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    message, *rest = err.splitlines()
    assert message == f"sim {command}: internal error: RuntimeError: something nobody expected"
    assert [line for line in err.splitlines() if "internal error" in line] == [message]  # the message is one line
    assert all("--debug" in line for line in rest)  # at most a hint: how to see the traceback
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["facts", "run"])
def test_debug_prints_the_traceback_of_an_internal_error(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = fail_inside(command, monkeypatch, RuntimeError("something nobody expected"))
    assert main(["--debug", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "RuntimeError: something nobody expected" in err and "in raising" in err  # where it was raised
    assert f"sim {command}: internal error: RuntimeError: something nobody expected" in err


def test_an_internal_error_from_the_console(tmp_path):
    """A real process: a bug (here: a fact base whose table cannot be printed) exits 1, with the traceback only on --debug."""
    script = (
        "import sys, sim.facts, sim.cli\n"
        "def broken(self):\n"
        "    raise RuntimeError('the table broke')\n"
        "sim.facts.FactBase.table = broken\n"
        "sys.exit(sim.cli.main(sys.argv[1:]))\n"
    )
    quiet = subprocess.run([sys.executable, "-c", script, "facts"], capture_output=True, text=True, cwd=tmp_path,
                           timeout=60)
    assert quiet.returncode == 1
    assert quiet.stderr.splitlines()[0] == "sim facts: internal error: RuntimeError: the table broke"
    assert "Traceback" not in quiet.stderr and quiet.stdout == ""
    loud = subprocess.run([sys.executable, "-c", script, "--debug", "facts"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60)
    assert loud.returncode == 1 and "Traceback (most recent call last)" in loud.stderr
    assert "RuntimeError: the table broke" in loud.stderr


def test_ctrl_c_exits_130_and_says_nothing_was_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = fail_inside("run", monkeypatch, KeyboardInterrupt())
    assert main(args) == 130  # as shells report a process ended by SIGINT
    err = capsys.readouterr().err
    assert "sim run: interrupted; no output was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- bad invocations of the commands that run


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


def test_ctrl_c_before_the_command_begins_exits_130_without_a_traceback(tmp_path, monkeypatch, capsys):
    """Ctrl-C while ``sim`` starts its fork server or imports its commands (the first second of a run)."""
    import sim.cli

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sim.cli, "start_early", interrupted)
    assert main(["run", "-n", "10"]) == 130
    err = capsys.readouterr().err
    assert err == "sim: interrupted before it began; nothing was written\n"
    assert list(tmp_path.iterdir()) == []

"""sim.files: output folders are written atomically, carry a marker, and never replace a folder mss-sim did not write.

First ``write_folder`` itself, then every command that writes a folder, as a user runs it.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from sim.cli import main
from sim.errors import SimError
from sim.files import (
    MARKER,
    OutputError,
    check_target,
    json_writer,
    text_writer,
    write_folder,
)

from conftest import SCENARIOS
from helpers import interrupt_chart_saving, one_error_line, snapshot

# --------------------------------------------------------------------------- write_folder


def test_a_new_folder_holds_the_files_and_the_marker(tmp_path):
    out = write_folder(tmp_path / "out", {"a.txt": text_writer("é\n"), "b.json": json_writer({"x": "é", "n": 1})})
    assert out == tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt", "b.json"]
    assert (out / "a.txt").read_text(encoding="utf-8") == "é\n"
    assert (out / "b.json").read_text(encoding="utf-8") == '{\n  "x": "é",\n  "n": 1\n}\n'
    assert list(tmp_path.iterdir()) == [out]  # no temporary folder left beside it


def test_a_folder_it_wrote_is_replaced_whole(tmp_path):
    write_folder(tmp_path / "out", {"old.txt": text_writer("old")})
    write_folder(tmp_path / "out", {"new.txt": text_writer("new")})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [MARKER, "new.txt"]
    assert list(tmp_path.iterdir()) == [tmp_path / "out"]


def test_a_foreign_folder_is_refused_unless_forced(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious")
    with pytest.raises(OutputError, match="did not write; use --force") as info:
        write_folder(foreign, {"a.txt": text_writer("a")})
    assert isinstance(info.value, SimError)
    assert snapshot(foreign) == {"notes.txt": b"precious"}
    write_folder(foreign, {"a.txt": text_writer("a")}, force=True)
    assert sorted(p.name for p in foreign.iterdir()) == [MARKER, "a.txt", "notes.txt"]
    assert (foreign / "notes.txt").read_bytes() == b"precious"  # the user's file is kept, byte for byte
    assert (foreign / MARKER).read_text().splitlines()[1:] == ["file: a.txt"]  # and not taken for an output


def test_an_empty_folder_is_used_and_a_file_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    check_target(tmp_path / "empty")
    check_target(tmp_path / "not_yet")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        check_target(tmp_path / "file", force=True)


def test_a_failing_writer_leaves_the_previous_folder_and_no_temporary_one(tmp_path):
    write_folder(tmp_path / "out", {"a.txt": text_writer("first")})
    before = snapshot(tmp_path / "out")

    def broken(path):
        path.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_folder(tmp_path / "out", {"a.txt": text_writer("second"), "b.txt": broken})
    assert snapshot(tmp_path / "out") == before
    assert list(tmp_path.iterdir()) == [tmp_path / "out"]
    with pytest.raises(KeyboardInterrupt):
        write_folder(tmp_path / "fresh", {"b.txt": broken})
    assert not (tmp_path / "fresh").exists() and list(tmp_path.iterdir()) == [tmp_path / "out"]


# --------------------------------------------------------------------------- the commands


@pytest.mark.parametrize("command", ["compare", "sweep", "backtest", "run"])
def test_interrupted_writes_leave_nothing_that_looks_complete(command, det100, tmp_path, monkeypatch, capsys):
    observed = tmp_path / "o.csv"
    observed.write_text("date,series,value\n2024-03-01,total,100\n")
    args = {
        "compare": ["compare", str(det100), str(det100)],
        "sweep": ["sweep", str(det100), "--set", "assumptions.fulfilment=0.5,1.0"],
        "backtest": ["backtest", str(det100), "--observed", str(observed)],
        "run": ["run", str(det100)],
    }[command] + ["-n", "16", "--quiet"]

    fresh = tmp_path / "fresh"
    interrupt_chart_saving(monkeypatch)  # the chart comes after the CSV: an interruption midway
    assert main(args + ["-o", str(fresh)]) == 130  # Ctrl-C: as shells report SIGINT
    assert "interrupted" in capsys.readouterr().err
    assert not fresh.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".fresh.")]  # temporary folder cleaned

    previous = tmp_path / "previous"
    monkeypatch.undo()
    assert main(args + ["-o", str(previous)]) == 0
    before = snapshot(previous)
    interrupt_chart_saving(monkeypatch)
    assert main(args + ["-o", str(previous), "--seed", "99"]) == 130
    assert snapshot(previous) == before  # the earlier complete output is untouched
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
    assert snapshot(foreign) == {"notes.txt": b"my own notes\n"}
    assert main(args + ["--force"]) == 0
    assert f"sim {command}: kept 1 file mss-sim did not write in {foreign}/: notes.txt" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_bytes() == b"my own notes\n" and (foreign / MARKER).exists()


def test_run_refuses_a_foreign_folder_and_replaces_its_own(tmp_path, capsys):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("precious")
    args = ["run", str(SCENARIOS / "kenya_only.toml"), "-n", "64", "--workers", "1", "--quiet"]
    assert main(args + ["-o", str(foreign)]) == 2
    assert "did not write" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_text() == "precious"
    own = tmp_path / "own"
    assert main(args + ["-o", str(own)]) == 0
    assert main(args + ["-o", str(own), "--seed", "9"]) == 0  # its own folder is replaced
    assert json.loads((own / "summary.json").read_text())["seed"] == 9
    capsys.readouterr()
    assert main(args + ["-o", str(foreign), "--force"]) == 0
    assert f"sim run: kept 1 file mss-sim did not write in {foreign}/: notes.txt" in capsys.readouterr().err
    assert (foreign / "notes.txt").read_bytes() == b"precious" and (foreign / "summary.json").exists()


def test_an_output_folder_is_as_readable_as_any_folder_the_user_makes(tmp_path):
    old = os.umask(0o022)  # a shared machine's usual umask: folders 0755, files 0644
    try:
        (tmp_path / "plain").mkdir()
        assert main(["run", str(SCENARIOS / "kenya_only.toml"), "-n", "64", "--workers", "1", "--quiet",
                     "-o", str(tmp_path / "out")]) == 0
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "out").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "out" / "summary.json").stat().st_mode) == 0o644

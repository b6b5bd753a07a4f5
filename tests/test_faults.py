"""Faults while writing (issue #17): a run killed (SIGKILL) or interrupted (SIGINT) at each step of the
save, two runs racing for one folder, folders that cannot be written, full disks, and inputs that
would size resources beyond the scenario.

The kills are placed by the writer's test seam (docs/design.md section 5): with MSS_SIM_PAUSE_AT=STEP
and MSS_SIM_PAUSE_FILE=FILE a `sim` started as a subprocess creates FILE at STEP and waits while it
exists, so the test kills it exactly there (or deletes FILE to let it go on). No sleep hopes to hit
a window.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim.plots.parallel
import sim.plots.style
from sim.cli import main
from sim.files import MARKER, tidy
from sim.files.folders import PAUSE_AT, PAUSE_FILE

ROOT = Path(__file__).resolve().parent.parent
SMALL = """
[scenario]
name = "Small"
start = 2024-01-01
end = 2024-03-31
seed = 5

[mission]
authorized = 300

[assumptions]
fulfilment = { dist = "uniform", low = 0.5, high = 1.0 }
slip_days = { dist = "triangular", low = 0, mode = 10, high = 40 }

[[contingent]]
country = "Kenya"
pledged = 300
schedule = { first = 2024-01-10, batches = 3, interval_days = 20 }
"""
OLD_SEED, NEW_SEED = "1", "2"
#: The files of `sim run` for SMALL (no funding: no funding.csv or funding.png), in the order they are written.
FILES = ["strength.csv", "strength_wide.csv", "sources.csv", "strength.png", "report.html", "summary.json"]
#: The steps of the save of `sim run` for SMALL, in order.
STEPS = ["created", *(f"write {name}" for name in FILES), f"write {MARKER}", "swap", "swapped"]


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """The scenario file SMALL."""
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def run_args(small: Path, out: Path, seed: str) -> list[str]:
    """`sim run` of SMALL into ``out`` with ``seed``, quietly, in this process."""
    return ["run", str(small), "-n", "64", "--seed", seed, "--workers", "1", "--quiet", "-o", str(out)]


def snapshot(folder: Path) -> dict[str, bytes] | None:
    """Every file of ``folder`` by name with its bytes; None if there is no such folder."""
    if not folder.is_dir():
        return None
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def outputs(small, tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The complete folders of SMALL with the old and the new seed."""
    made = {}
    for label, seed in (("old", OLD_SEED), ("new", NEW_SEED)):
        out = tmp_path_factory.mktemp(label) / "out"
        assert main(run_args(small, out, seed)) == 0
        made[label] = snapshot(out)
    assert made["old"] != made["new"] and set(made["old"]) == {*FILES, MARKER}
    return made


def leftovers(out: Path) -> list[str]:
    """Names beside ``out`` that a write of it left (``.out.tmp-*``, ``.out.old-*``)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def start(args: list[str], pause_at: str | None = None, flag: Path | None = None, prelude: str = "") -> subprocess.Popen:
    """`sim ARGS` in a new process (this worktree's package), paused at ``pause_at`` if given."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop(PAUSE_AT, None)
    if pause_at:
        env.update({PAUSE_AT: pause_at, PAUSE_FILE: str(flag)})
    code = f"import sys; {prelude}from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(flag: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until the paused process has created ``flag`` (fails if it ended first)."""
    deadline = time.monotonic() + timeout
    while not flag.exists():
        if process.poll() is not None:
            pytest.fail(f"the writer ended before pausing: {process.returncode}\n{process.stderr.read()}")
        assert time.monotonic() < deadline, "the writer did not reach its pause"
        time.sleep(0.02)


def killed_at(step: str, args: list[str], tmp_path: Path, prelude: str = "") -> None:
    """Run `sim ARGS`, SIGKILL it at ``step`` of its save."""
    flag = tmp_path / "paused"
    process = start(args, step, flag, prelude)
    try:
        wait_for(flag, process)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL


def interrupted_at(step: str, args: list[str], tmp_path: Path, prelude: str = "") -> tuple[int, str]:
    """Run `sim ARGS`, SIGINT it at ``step`` of its save; its exit code and stderr."""
    flag = tmp_path / "paused"
    process = start(args, step, flag, prelude)
    try:
        wait_for(flag, process)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    return process.returncode, err


#: Makes the subprocess take the fallback of systems that cannot exchange two folders in one step.
NO_EXCHANGE = "import sim.files.swap; sim.files.swap.NATIVE = None; "


# --------------------------------------------------------------------------- 1. SIGKILL at every step


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_of_a_replacement_leaves_the_old_or_the_new_results(step, small, outputs, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    for name, data in outputs["old"].items():
        (out / name).write_bytes(data)
    killed_at(step, run_args(small, out, NEW_SEED), tmp_path)
    assert snapshot(out) == (outputs["new"] if step == "swapped" else outputs["old"])
    assert leftovers(out)  # the new files being written, or the old ones not yet removed

    assert main(run_args(small, out, NEW_SEED)) == 0  # the next run tidies, and says so
    err = capsys.readouterr().err
    assert "left beside" in err and "killed run" in err and "internal error" not in err
    assert leftovers(out) == [] and snapshot(out) == outputs["new"]


@pytest.mark.parametrize("step", ["write strength.png", "swap", "swapped"])
def test_a_kill_while_writing_a_new_folder_leaves_nothing_or_the_complete_folder(step, small, outputs, tmp_path, capsys):
    out = tmp_path / "fresh"
    killed_at(step, run_args(small, out, NEW_SEED), tmp_path)
    if step == "swapped":
        assert snapshot(out) == outputs["new"] and leftovers(out) == []
        return
    assert not out.exists() and leftovers(out)
    assert main(run_args(small, out, NEW_SEED)) == 0
    assert "killed run" in capsys.readouterr().err
    assert leftovers(out) == [] and snapshot(out) == outputs["new"]


@pytest.mark.parametrize("step", ["swap", "aside", "swapped"])
def test_without_a_one_step_exchange_the_next_run_puts_the_previous_results_back(step, small, outputs, tmp_path, capsys):
    """The fallback (two renames) has one window with no folder under the name: the next run restores it."""
    out = tmp_path / "out"
    assert main(run_args(small, out, OLD_SEED)) == 0
    killed_at(step, run_args(small, out, NEW_SEED), tmp_path, prelude=NO_EXCHANGE)
    if step == "aside":
        assert not out.exists()
        found = leftovers(out)
        assert len(found) == 2 and {name[len(".out."):][:4] for name in found} == {"old-", "tmp-"}
        assert snapshot(tmp_path / next(n for n in found if ".old-" in n)) == outputs["old"]
        assert snapshot(tmp_path / next(n for n in found if ".tmp-" in n)) == outputs["new"]  # complete, not in place
    else:
        assert snapshot(out) == (outputs["new"] if step == "swapped" else outputs["old"])
    assert main(run_args(small, out, NEW_SEED)) == 0
    err = capsys.readouterr().err
    assert "killed run" in err
    if step == "aside":
        assert f"{out} was missing" in err and f"they are back in {out}" in err
    assert leftovers(out) == [] and snapshot(out) == outputs["new"]


def test_the_tidy_restores_a_folder_moved_aside_and_removes_the_rest(outputs, tmp_path):
    out = tmp_path / "out"
    for name, content in ((".out.old-0a1b2c3d", outputs["old"]), (".out.tmp-4e5f6a7b", {"strength.csv": b"half"})):
        (tmp_path / name).mkdir()
        for file, data in content.items():
            (tmp_path / name / file).write_bytes(data)
    (tmp_path / ".out.old-1x").mkdir()  # not a leftover's name: left alone
    (tmp_path / ".other.tmp-0a1b2c3d").mkdir()  # another folder's leftover: left alone
    lines = tidy(out)
    assert snapshot(out) == outputs["old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-0a1b2c3d", ".out.old-1x", "out"]
    assert len(lines) == 2 and "was missing" in lines[0] and ".out.tmp-4e5f6a7b" in lines[1]
    assert tidy(out) == []  # nothing left to do


def test_the_tidy_restores_what_earlier_versions_left(outputs, tmp_path):
    """Versions before this one moved the previous folder to .NAME.old-XXXXXXXX/previous (mkdtemp names)."""
    out = tmp_path / "out"
    previous = tmp_path / ".out.old-k_3xq9za" / "previous"
    previous.mkdir(parents=True)
    for file, data in outputs["old"].items():
        (previous / file).write_bytes(data)
    (tmp_path / ".out.tmp-0123abcd").mkdir()
    tidy(out)
    assert snapshot(out) == outputs["old"] and leftovers(out) == []


def test_the_tidy_leaves_alone_what_a_live_writer_is_writing(outputs, tmp_path):
    from sim.files.leftovers import locked

    out = tmp_path / "out"
    (tmp_path / ".out.tmp-0123abcd").mkdir()
    with locked(tmp_path):  # another run writing beside it
        assert tidy(out) == [] and leftovers(out) == [".out.tmp-0123abcd"]
    assert tidy(out) and leftovers(out) == []


# --------------------------------------------------------------------------- 2. SIGINT during the save


def test_ctrl_c_once_the_new_folder_is_in_place_says_so(small, outputs, tmp_path):
    out = tmp_path / "out"
    assert main(run_args(small, out, OLD_SEED)) == 0
    code, err = interrupted_at("swapped", run_args(small, out, NEW_SEED), tmp_path)
    assert code == 130 and "no output was written" not in err and "internal error" not in err
    assert f"interrupted once the output was complete: {out} holds the new results" in err
    assert snapshot(out) == outputs["new"] and leftovers(out) == []  # the old folder was still removed


@pytest.mark.parametrize("step, prelude", [("write strength.png", ""), ("swap", ""), ("aside", NO_EXCHANGE)],
                         ids=["writing", "before-the-swap", "between-two-renames"])
def test_ctrl_c_before_the_new_folder_is_in_place_says_the_previous_one_is_untouched(step, prelude, small, outputs,
                                                                                      tmp_path):
    out = tmp_path / "out"
    assert main(run_args(small, out, OLD_SEED)) == 0
    code, err = interrupted_at(step, run_args(small, out, NEW_SEED), tmp_path, prelude)
    assert code == 130 and f"interrupted; no output was written ({out} holds the previous results, untouched)" in err
    assert snapshot(out) == outputs["old"] and leftovers(out) == []


# --------------------------------------------------------------------------- 4. two runs racing for one folder


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "replacing"])
def test_the_run_that_loses_a_race_for_a_folder_says_where_the_results_are(existing, small, outputs, tmp_path, capsys):
    out = tmp_path / "out"
    if existing:
        assert main(run_args(small, out, OLD_SEED)) == 0
    flag = tmp_path / "paused"
    loser = start(run_args(small, out, NEW_SEED), "swap", flag)
    try:
        wait_for(flag, loser)
        assert main(run_args(small, out, "3")) == 0  # the winner writes while the loser waits to swap
        winner = snapshot(out)
        flag.unlink()
        _, err = loser.communicate(timeout=60)
    finally:
        loser.kill()
    assert loser.returncode == 1 and "internal error" not in err and "Errno" not in err
    assert f"another run wrote {out} while this one was writing it; {out} holds that run's results" in err
    assert snapshot(out) == winner and leftovers(out) == []


# --------------------------------------------------------------------------- 5. paths


def test_sweep_creates_the_missing_parents_of_its_folder_and_journal(small, tmp_path):
    out = tmp_path / "new_parent" / "deeper" / "sw"
    assert main(["sweep", str(small), "--set", "assumptions.fulfilment=0.5,1.0", "-n", "16", "--workers", "1",
                 "--quiet", "-o", str(out)]) == 0
    assert (out / "sweep.csv").exists() and not (out.parent / "sw.journal.jsonl").exists()


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "backtest"])
def test_an_empty_output_path_is_refused(command, small, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    observed = tmp_path / "o.csv"
    observed.write_text("date,series,value\n2024-02-01,total,100\n")
    extra = {"run": [], "compare": [], "sweep": ["--set", "assumptions.fulfilment=0.5"],
             "backtest": ["--observed", str(observed)]}[command]
    assert main([command, str(small), *extra, "-n", "16", "--quiet", "-o", ""]) == 2
    err = capsys.readouterr().err
    assert "-o/--output: '' is not a folder name" in err
    assert not (tmp_path / "results").exists()  # not silently the default folder


def test_an_output_under_a_file_or_that_is_a_file_is_bad_input(small, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    for out, says in ((afile / "out", f"cannot write to {afile / 'out'}: {afile} is not a folder"),
                      (afile / "a" / "b", f"{afile} is not a folder"),
                      (afile, f"cannot write to {afile}: it exists and is not a folder")):
        assert main(run_args(small, out, OLD_SEED)) == 2
        err = capsys.readouterr().err
        assert says in err and "internal error" not in err
    assert afile.read_text() == "mine\n"


def test_a_folder_the_user_cannot_write_is_bad_input(small, tmp_path, capsys, monkeypatch):
    locked_dir = tmp_path / "locked"
    locked_dir.mkdir()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    assert main(run_args(small, locked_dir / "out", OLD_SEED)) == 2
    assert f"cannot write to {locked_dir / 'out'}: permission denied ({locked_dir} is not writable)" in \
        capsys.readouterr().err


def test_a_permission_error_met_while_writing_is_bad_input(small, tmp_path, capsys, monkeypatch):
    """Where the check could not tell (ACLs, root squash), the error at write time says the same."""
    import sim.files.folders as folders

    def refused(parent, prefix):
        raise PermissionError(errno.EACCES, "Permission denied", str(parent))

    monkeypatch.setattr(folders, "_new_folder", refused)
    assert main(run_args(small, tmp_path / "out", OLD_SEED)) == 2
    assert f"cannot write to {tmp_path / 'out'}: permission denied" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux) to drop the override")
def test_a_folder_the_user_cannot_write_is_bad_input_for_a_real_process(small, tmp_path):
    """A read-only folder, for a process without CAP_DAC_OVERRIDE (root too, once setpriv drops it)."""
    (tmp_path / "ro").mkdir(mode=0o555)
    out = tmp_path / "ro" / "out"
    drop = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]
    done = subprocess.run([*drop, sys.executable, "-m", "sim", *run_args(small, out, OLD_SEED)], capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1"),
                          timeout=120)
    if done.returncode != 0 and "setpriv:" in done.stderr:
        pytest.skip(f"setpriv cannot drop capabilities here: {done.stderr.strip()}")
    assert done.returncode == 2, done.stderr
    assert f"cannot write to {out}: permission denied ({tmp_path / 'ro'} is not writable)" in done.stderr
    assert list((tmp_path / "ro").iterdir()) == []


# --------------------------------------------------------------------------- 6. full disks


def no_space(*args, **kwargs):
    """A chart on a full disk: in place of ``sim.plots.style.figure_bytes``, which every chart writer calls (and of
    ``DrawnChart.bytes``, where ``sim run`` waits for a chart drawn in another process)."""
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("existing", [False, True], ids=["new-folder", "replacing"])
def test_a_full_disk_names_the_folder_and_says_nothing_was_written(existing, small, outputs, tmp_path, capsys,
                                                                   monkeypatch):
    out = tmp_path / "out"
    if existing:
        assert main(run_args(small, out, OLD_SEED)) == 0
    monkeypatch.setattr(sim.plots.style, "figure_bytes", no_space)
    monkeypatch.setattr(sim.plots.parallel.DrawnChart, "bytes", no_space)
    assert main(run_args(small, out, NEW_SEED)) == 1
    err = capsys.readouterr().err
    assert f"sim run: error: no space left on device while writing {out}; nothing was written" in err
    assert "internal error" not in err and "report" not in err
    assert snapshot(out) == (outputs["old"] if existing else None) and leftovers(out) == []


def test_a_sweep_on_a_full_disk_keeps_its_journal_and_says_it_can_resume(small, tmp_path, capsys, monkeypatch):
    out = tmp_path / "sw"
    args = ["sweep", str(small), "--set", "assumptions.fulfilment=0.5,1.0", "-n", "16", "--workers", "1",
            "--quiet", "-o", str(out)]
    monkeypatch.setattr(sim.plots.style, "figure_bytes", no_space)
    assert main(args) == 1
    err = capsys.readouterr().err
    journal = tmp_path / "sw.journal.jsonl"
    assert f"no space left on device while writing {out}; nothing was written" in err
    assert f"2 finished points are kept in {journal}; the same command with --resume writes the output" in err
    assert not out.exists() and leftovers(out) == [] and len(journal.read_text().splitlines()) == 2
    monkeypatch.undo()
    assert main(args + ["--resume"]) == 0
    assert "(from the journal)" not in capsys.readouterr().err  # --quiet
    assert (out / "sweep.csv").exists() and not journal.exists()


@pytest.fixture
def tiny_disk(tmp_path):
    """A 16 KiB tmpfs (skipped where this process may not mount one)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_for_real(small, tiny_disk, capsys):
    out = tiny_disk / "out"
    assert main(run_args(small, out, OLD_SEED)) == 1
    err = capsys.readouterr().err
    assert f"sim run: error: no space left on device while writing {out}; nothing was written" in err
    assert list(tiny_disk.iterdir()) == []  # no partial folder, no hidden one

    sweep = ["sweep", str(small), "--set", "assumptions.fulfilment=0.5,1.0", "-n", "16", "--workers", "1",
             "--quiet", "-o", str(tiny_disk / "sw")]
    assert main(sweep) == 1
    err = capsys.readouterr().err
    assert f"no space left on device while writing {tiny_disk / 'sw'}; nothing was written" in err
    assert f"2 finished points are kept in {tiny_disk / 'sw.journal.jsonl'}; the same command with --resume" in err
    assert [p.name for p in tiny_disk.iterdir()] == ["sw.journal.jsonl"]


def test_a_read_only_file_system_is_bad_input(small, tiny_disk, capsys):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    assert main(run_args(small, tiny_disk / "out", OLD_SEED)) == 2
    assert f"cannot write to {tiny_disk / 'out'}: read-only file system" in capsys.readouterr().err


# --------------------------------------------------------------------------- 7. resources sized by input


def test_an_observation_far_above_the_support_is_scored_without_a_grid_up_to_it(small, tmp_path, capsys):
    import tracemalloc

    import numpy as np

    from sim.analysis.backtests import crps

    def by_the_grid(counts, y):  # the definition, summed over every unit interval from min(0, y) to max(top, y)
        counts = np.asarray(counts, dtype=float)
        top = counts.size - 1
        v = np.arange(min(0, int(np.floor(y))), max(top, int(np.ceil(y))) + 1)
        F = np.where(v < 0, 0.0, (np.cumsum(counts) / counts.sum())[np.clip(v, 0, top)])
        after = np.clip(v + 1 - y, 0.0, 1.0)
        return float(np.sum((1 - after) * F**2 + after * (F - 1) ** 2))

    counts = np.array([0, 3, 5, 0, 2, 7])
    for y in (-3.25, -1, 0, 2.5, 5, 5.5, 6, 6.75, 1000.5):
        assert crps(counts, y) == pytest.approx(by_the_grid(counts, y), rel=1e-12, abs=1e-12)
    tracemalloc.start()
    assert crps(counts, 1e9) == pytest.approx(by_the_grid(counts, 1000.5) + 1e9 - 1000.5)
    assert tracemalloc.get_traced_memory()[1] < 1_000_000
    tracemalloc.stop()

    observed = tmp_path / "o.csv"
    observed.write_text("date,series,value\n2024-02-01,total,\"1,000,000,000\"\n")
    out = tmp_path / "bt"
    assert main(["backtest", str(small), "--observed", str(observed), "-n", "16", "--workers", "1", "--quiet",
                 "-o", str(out)]) == 0
    row = json.loads((out / "backtest.json").read_text())["rows"][0]
    assert row["percentile"] == 100.0 and row["crps"] == pytest.approx(1e9, rel=1e-6)


def test_a_name_of_100000_characters_is_refused_before_anything_runs(tmp_path, capsys):
    path = tmp_path / "long.toml"
    path.write_text(SMALL.replace('country = "Kenya"', f'country = "{"K" * 100_000}"'), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "-n", "16", "--quiet", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "country: is 100,000 characters long; at most 100" in err and len(err) < 500
    assert not out.exists() and leftovers(out) == []
    path.write_text(SMALL.replace('name = "Small"', f'name = "{"S" * 101}"'), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "scenario.name: is 101 characters long; at most 100" in capsys.readouterr().err


# --------------------------------------------------------------------------- the writer in Python


@pytest.mark.parametrize("native", [True, False], ids=["exchange", "two-renames"])
def test_a_previous_folder_removed_while_writing_is_no_obstacle(native, tmp_path, monkeypatch):
    import sim.files.swap
    from sim.files import text_writer, write_folder

    if not native:
        monkeypatch.setattr(sim.files.swap, "NATIVE", None)
    out = tmp_path / "out"
    write_folder(out, {"a.txt": text_writer("1")})

    def meanwhile(path):
        shutil.rmtree(out)
        path.write_text("2")

    write_folder(out, {"a.txt": meanwhile})
    assert (out / "a.txt").read_text() == "2" and leftovers(out) == []


def test_the_python_writer_tidies_too_and_warns(tmp_path):
    from sim.files import text_writer, write_folder

    out = tmp_path / "out"
    (tmp_path / ".out.tmp-0123abcd").mkdir()
    with pytest.warns(UserWarning, match="left beside .* by a killed run"):
        write_folder(out, {"a.txt": text_writer("1")})
    assert leftovers(out) == [] and (out / "a.txt").read_text() == "1"

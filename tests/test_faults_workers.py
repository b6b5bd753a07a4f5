"""Worker processes (issue #17): they stop within seconds when the main process is killed, and a run
starts no more of them than it has chunks, nor more than a few per core."""

from __future__ import annotations

import multiprocessing.context
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.runner import open_backend
from sim.runner.backends import WORKERS_PER_CORE

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of process ``pid`` from /proc, or None if it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()  # the name, in parentheses, may hold spaces
    return fields[0], int(fields[1])


def cmdline(pid: int) -> bytes:
    """The command line of process ``pid`` (empty if it has gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def children(parent: int) -> list[int]:
    """The processes whose parent is ``parent``."""
    return [int(e.name) for e in Path("/proc").iterdir()
            if e.name.isdigit() and (s := stat(int(e.name))) and s[1] == parent]


def workers_of(parent: int) -> list[int]:
    """The pool workers of ``parent``: forks of its fork server (a child of it with a command line of its own),
    or of ``parent`` itself."""
    found = []
    for child in children(parent):
        if cmdline(child) == cmdline(parent):
            found.append(child)
        found += [g for g in children(child) if cmdline(g) == cmdline(child) and cmdline(child)]
    return found


def descendants(parent: int) -> list[int]:
    """Every process below ``parent``: its children, theirs, and so on (the fork server, the workers)."""
    out = []
    for child in children(parent):
        out += [child] + descendants(child)
    return out


def running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting to be reaped."""
    s = stat(pid)
    return s is not None and s[0] != "Z"


@pytest.mark.parametrize("started", [["--workers", "2", "--format", "none"], ["--workers", "1"]],
                         ids=["replication workers", "chart drawers"])
def test_killing_the_main_process_stops_its_workers_within_10_seconds(tmp_path, started):
    """The workers of a long run, or (a run in the main process) the processes drawing its charts."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(BASELINE), "-n", "100000", *started, "--quiet",
         "-o", str(tmp_path / "out")],
        env=dict(os.environ, PYTHONPATH=str(ROOT), MSS_SIM_CHARTS="elsewhere"), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < (2 if "none" in started else 1):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the run did not start its two workers"
            time.sleep(0.05)
            workers = workers_of(process.pid)
        workers = descendants(process.pid)  # the workers and what started them (a fork server)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = time.monotonic()
        while any(running(w) for w in workers) and time.monotonic() - killed < 10:
            time.sleep(0.1)
        assert [w for w in workers if running(w)] == [], "workers outlived their parent by 10 s"
    finally:
        process.kill()
        process.wait()
        for pid in workers:  # the processes this test started, if they are still there
            if running(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_run_starts_no_more_workers_than_chunks_nor_more_than_a_few_per_core(tmp_path, monkeypatch):
    sizes = []
    original = multiprocessing.context.BaseContext.Pool

    def spy(self, processes=None, *args, **kwargs):
        sizes.append(processes)
        return original(self, processes, *args, **kwargs)

    monkeypatch.setattr(multiprocessing.context.BaseContext, "Pool", spy)
    out = tmp_path / "out"
    assert main(["run", str(ROOT / "scenarios" / "kenya_only.toml"), "-n", "1024", "--workers", "1000", "--quiet",
                 "--format", "none", "-o", str(out)]) == 0  # 1,024 replications: 2 chunks of 512; no chart drawers
    assert sizes == [2] and (out / "summary.json").exists()
    cores = os.cpu_count() or 1
    with open_backend("local", workers=1000) as backend:
        assert backend.workers == WORKERS_PER_CORE * cores
    with open_backend("local", workers=1) as backend:
        assert backend.workers == 1


def test_a_script_without_the_main_guard_fails_with_a_clear_message_instead_of_looping(tmp_path):
    """Each worker starts by importing the script, which runs replications again and dies; the pool would start
    another for ever (as multiprocessing.Pool does). The run stops at the first dead worker and says why."""
    script = tmp_path / "unguarded.py"
    script.write_text(f"import sim\nprint('start')\nsim.run(sim.load({str(BASELINE)!r}), replications=1100, "
                      "workers=2, progress=False)\nprint('done')\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1 and "done" not in done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: a worker process ended (exit code 1) before its replications were done")
    assert 'if __name__ == "__main__":' in last

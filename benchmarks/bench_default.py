"""The default job, `sim run` (scenarios/baseline.toml, its charts and report), against a previous version.

Both versions run as a user runs them: `python -m sim run -n N -o DIR --force -q` in a fresh process,
from the root of their own checkout with PYTHONPATH set to it, bytecode cached (PYTHONDONTWRITEBYTECODE,
set on some machines, would have both compile every module on every run). Runs alternate (previous first in
odd rounds, this version first in even ones) so that a busy spell of a shared machine hits both;
each figure is the median of the rounds, and the ratio is this version's median over the previous
one's. The previous version is a git worktree of `--commit` (made here and removed afterwards), or
a checkout given with `--against`. This version also runs with `--format none` (no charts).

Usage:  python benchmarks/bench_default.py [--commit 1edf8e7 | --against DIR] [--rounds 7] [-n 1000 -n 10]
Prints a Markdown table to paste into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The version before issue #12 (the performance and per-replication-parameter issue).
BEFORE = "1edf8e7"


@contextmanager
def checkout(commit: str | None, against: str | None):
    """The root of the previous version: ``against`` as given, or a temporary worktree of ``commit``."""
    if against:
        yield Path(against).resolve()
        return
    with tempfile.TemporaryDirectory(prefix="mss-sim-before-") as tmp:
        where = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), commit],
                       check=True, capture_output=True)
        try:
            yield where
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
                           check=False, capture_output=True)


def one_run(root: Path, replications: int, out: Path, extra: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (this process's children: the command and its workers) of one `sim run`."""
    command = [sys.executable, "-m", "sim", "run", "-n", str(replications), "-o", str(out), "--force", "-q", *extra]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled once and cached, as a user's Python does (not every run)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def compare(previous: Path, replications: int, rounds: int, tmp: Path) -> dict[str, list[tuple[float, float]]]:
    """Alternating rounds of the previous version, this one, and this one without charts."""
    jobs = {"previous": (previous, []), "this": (ROOT, []), "this --format none": (ROOT, ["--format", "none"])}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in jobs}
    for name, (root, extra) in jobs.items():  # one warm-up each: the file cache, compiled bytecode
        one_run(root, replications, tmp / name.replace(" ", "_"), extra)
    for k in range(rounds):
        order = list(jobs) if k % 2 == 0 else list(reversed(jobs))
        for name in order:
            root, extra = jobs[name]
            times[name].append(one_run(root, replications, tmp / name.replace(" ", "_"), extra))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default=BEFORE, help=f"the previous version (default {BEFORE})")
    parser.add_argument("--against", help="a checkout of the previous version (instead of a worktree of --commit)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("-n", "--replications", type=int, action="append")
    args = parser.parse_args()
    counts = args.replications or [1000, 10]
    rows = []
    with checkout(args.commit, args.against) as previous, tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            times = compare(previous, n, args.rounds, Path(tmp))
            base = statistics.median(w for w, _ in times["previous"])
            for name, pairs in times.items():
                wall = statistics.median(w for w, _ in pairs)
                cpu = statistics.median(c for _, c in pairs)
                rows.append(f"| `sim run -n {n:,}`{' --format none' if 'none' in name else ''} | "
                            f"{'previous' if name == 'previous' else 'this version'} | {wall:.2f} s | {cpu:.2f} s | "
                            f"{wall / base:.2f}x |")
    print(f"previous version: {args.against or args.commit}; {args.rounds} alternating rounds, medians\n")
    print("| job | version | wall | CPU (all processes) | wall / previous |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

"""The interactive re-run: one slider move of `sim.explore` (500 replications of the baseline), against a previous
version.

A move is what a Jupyter kernel does when a slider is let go: `explorer.update(...)` (the scenario with
the new value, its replications, the chart) and the chart rendered as the PNG the notebook shows.
Each version runs in a process of its own (PYTHONPATH set to its checkout) that makes its explorer,
moves once to warm up, then times `--moves` moves through fulfilment values; versions alternate for
`--rounds` rounds on a shared machine, and each figure is the median of every move timed. The
previous version is a git worktree of `--commit` (made here and removed afterwards), or `--against`.

Usage:  python benchmarks/bench_explore.py [--commit 1edf8e7 | --against DIR] [--rounds 3] [--moves 5]
Prints a Markdown table to paste into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench_default import BEFORE, ROOT, checkout

MOVES = """
import io, json, sys, time
import sim

if __name__ == "__main__":
    replications, moves = int(sys.argv[1]), int(sys.argv[2])
    explorer = sim.explore(sim.load("scenarios/baseline.toml"), replications=replications)
    values = [0.5, 0.6, 0.7, 0.8, 0.9, 0.55, 0.65, 0.75, 0.85, 0.95]
    explorer.update(fulfilment=0.45)  # warm up: the first move starts the workers (if any)
    times = []
    for value in values[:moves]:
        start = time.perf_counter()
        explorer.update(fulfilment=value)
        out = io.BytesIO()
        explorer.figure.savefig(out, format="png", dpi=explorer.figure.dpi)  # what the notebook shows
        times.append(time.perf_counter() - start)
    print(json.dumps(times))
"""


def moves(root: Path, replications: int, count: int) -> list[float]:
    """Seconds of each timed move of an explorer of the version at ``root``."""
    done = subprocess.run([sys.executable, "-c", MOVES, str(replications), str(count)], cwd=root, check=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commit", default=BEFORE, help=f"the previous version (default {BEFORE})")
    parser.add_argument("--against", help="a checkout of the previous version (instead of a worktree of --commit)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument("-n", "--replications", type=int, default=500)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"previous": [], "this version": []}
    with checkout(args.commit, args.against) as previous:
        roots = {"previous": previous, "this version": ROOT}
        for k in range(args.rounds):
            for name in (list(roots) if k % 2 == 0 else list(reversed(roots))):
                times[name] += moves(roots[name], args.replications, args.moves)
    base = statistics.median(times["previous"])
    print(f"previous version: {args.against or args.commit}; {args.rounds} alternating rounds of {args.moves} moves, "
          f"medians\n")
    print(f"| slider move, {args.replications:,} replications | median | fastest | slowest | vs previous |")
    print("| --- | --- | --- | --- | --- |")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f} s | {max(values):.2f} s | "
              f"{statistics.median(values) / base:.2f}x |")


if __name__ == "__main__":
    main()

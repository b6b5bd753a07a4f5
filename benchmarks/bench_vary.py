"""Benchmark: the cost per replication of plain, ``--vary`` and ``--params`` runs, side by side.

The modes run alternately, round after round, on one worker (no pool: the model and the
aggregation only), and each mode's median time over the rounds gives its cost per
replication; the ratios to the plain run are what the engine issue (#12) asks about (target:
within 1.3x). So that every mode simulates the same mission (the same events per replication, printed),
the varied values come from the scenario's own distributions: ``--vary`` draws the attrition rate of
every contingent (a whole value, set in seven places) from the scenario's uniform(0.02, 0.05), and the
median of Kenya's slips (a parameter, so each slip beneath it is an own draw) from uniform(59.9, 60.1)
around the scenario's 60; ``--params`` reads the same two keys from a 1,000-row table; ``--keep-draws``
records every named draw of the plain run.

Usage:  python benchmarks/bench_vary.py [--replications 2048] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import sim

ROOT = Path(__file__).resolve().parent.parent
VARY = {"assumptions.attrition_per_year": {"dist": "uniform", "low": 0.02, "high": 0.05},
        "contingent.Kenya.slip_days.median": {"dist": "uniform", "low": 59.9, "high": 60.1}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scenario = sim.load(ROOT / "scenarios" / "baseline.toml")
    rng = np.random.default_rng(0)
    table = {"assumptions.attrition_per_year": rng.uniform(0.02, 0.05, 1000),
             "contingent.Kenya.slip_days.median": rng.uniform(59.9, 60.1, 1000)}
    modes = {
        "plain": {},
        "--vary (2 keys, one a parameter)": {"vary": VARY},
        "--params (2 columns, 1,000 rows)": {"params": table},
        "--keep-draws": {"keep_draws": True},
    }
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    events = {mode: sim.run(scenario, replications=args.replications, seed=1, workers=1, **options).summary()[
        "events_per_replication"] for mode, options in modes.items()}
    sim.run(scenario, replications=64, seed=1, workers=1)  # warm up: imports, caches
    for _ in range(args.rounds):
        for mode, options in modes.items():
            start = time.perf_counter()
            sim.run(scenario, replications=args.replications, seed=1, workers=1, **options)
            times[mode].append(time.perf_counter() - start)
    plain = statistics.median(times["plain"])
    print(f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, mss-sim {sim.__version__}")
    print(f"baseline, {args.replications:,} replications, 1 worker, median of {args.rounds} alternating rounds\n")
    print("| mode | events per replication | per replication | against plain |")
    print("| --- | --- | --- | --- |")
    for mode, values in times.items():
        median = statistics.median(values)
        print(f"| {mode} | {events[mode]} | {median / args.replications * 1e3:.3f} ms | {median / plain:.2f}x |")


if __name__ == "__main__":
    main()

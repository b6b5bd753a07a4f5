"""Benchmark: a sweep of 50 points x 2,000 replications on the local pool and on a local Dask cluster.

Each point overrides `assumptions.fulfilment` of scenarios/baseline.toml. Both backends get
the same workers (all cores) and are timed from start to finish, the Dask cluster's start and
shutdown included. The sweep's rows must be identical on both backends.

Usage:  python benchmarks/bench_sweep.py [--points 50] [--replications 2000]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

import sim
from sim import runner

ROOT = Path(__file__).resolve().parent.parent


def sweep(backend_name: str, points: int, replications: int) -> tuple[float, list[str]]:
    scenario = sim.load(ROOT / "scenarios" / "baseline.toml")
    values = np.linspace(0.0, 1.0, points)
    start = time.perf_counter()
    rows = []
    with runner.open_backend(backend_name) as backend:
        for value in values:
            variant = scenario.with_overrides({"assumptions.fulfilment": float(value)})
            result = sim.run(variant, replications=replications, seed=1, backend=backend)
            rows.append(result.summary_json())
    return time.perf_counter() - start, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50)
    parser.add_argument("--replications", type=int, default=2000)
    args = parser.parse_args()
    local, local_rows = sweep("local", args.points, args.replications)
    dask, dask_rows = sweep("dask", args.points, args.replications)
    assert local_rows == dask_rows, "the backends disagree"
    total = args.points * args.replications
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"mss-sim {sim.__version__}; {time.strftime('%Y-%m-%d')}")
    print()
    print("| backend | wall time | replications/s |")
    print("| --- | --- | --- |")
    print(f"| local pool | {local:.1f} s | {total / local:,.0f} |")
    print(f"| Dask LocalCluster | {dask:.1f} s | {total / dask:,.0f} |")
    print()
    print(f"Dask overhead: {100 * (dask / local - 1):+.1f}% ({args.points} points x {args.replications:,} replications; "
          "identical results)")


if __name__ == "__main__":
    main()

"""Benchmark: a Sobol' design of 6 keys of scenarios/baseline.toml, N x 14 points at 200 replications each.

The target (issue #14) is N = 512, 7,168 points (1,433,600 replications), in under 15 minutes on a
2-core machine. ``--samples 512`` runs it whole. A smaller N runs the same design scaled down and
extrapolates: the points' cost is linear in their number (every point runs the same replications),
and the indices are computed at the full size on stand-in outcomes, so the extrapolated total is
(measured wall time of the points) x 7,168 / points + (indices at the full size). For calibration
the same backend first runs a plain ``sim.run`` of the baseline.

Usage:  python benchmarks/bench_sensitivity.py [--samples 512] [--replications 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

import sim
from sim.analysis.indices import analyse, sample

ROOT = Path(__file__).resolve().parent.parent
VARY = {
    "contingent.Kenya.slip_days.median": "20:120",
    "assumptions.slip_days.median": "20:120",
    "correlation.fulfilment": "0:1",
    "correlation.slip_days": "0:1",
    "mandate.Renewal 2025.renewal_probability": "0.5:1",
    "assumptions.tour_days": "180:365",
}
TARGET_SAMPLES, TARGET_MINUTES = 512, 15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=TARGET_SAMPLES, help="Sobol' N (a power of 2)")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--backend", default="local", choices=("local", "dask"))
    args = parser.parse_args()
    scenario = sim.load(ROOT / "scenarios" / "baseline.toml")
    keys = list(VARY)
    full_points = TARGET_SAMPLES * (2 * len(keys) + 2)

    with sim.runner.open_backend(args.backend, args.workers) as backend:
        began = time.perf_counter()
        sim.run(scenario, replications=2048, seed=1, backend=backend)
        plain = 2048 / (time.perf_counter() - began)
        began = time.perf_counter()
        result = sim.sensitivity(scenario, VARY, samples=args.samples, replications=args.replications, seed=1,
                                 backend=backend)
        wall = time.perf_counter() - began
    points = len(result.points)
    replications = points * args.replications

    # the indices at the full size, on stand-in outcomes (their cost does not depend on the values)
    unit = sample("sobol", keys, TARGET_SAMPLES, 1)
    began = time.perf_counter()
    for _ in result.outcomes.names:
        analyse("sobol", keys, unit, unit @ np.arange(1, len(keys) + 1) + np.sin(7 * unit[:, 0]), 1)
    indices = time.perf_counter() - began
    total = wall * full_points / points + indices if points < full_points else wall

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"mss-sim {sim.__version__}; {time.strftime('%Y-%m-%d')}; load average {os.getloadavg()[0]:.1f} at the end")
    print()
    print("| measured | value |")
    print("| --- | --- |")
    print(f"| plain `sim.run` of the baseline, {args.workers} workers ({args.backend}) | {plain:,.0f} replications/s |")
    print(f"| design: N = {args.samples}, {points:,} points x {args.replications} replications = {replications:,} "
          f"| {wall:.1f} s, {replications / wall:,.0f} replications/s ({replications / wall / plain:.2f}x the plain run) |")
    print(f"| indices of {len(result.outcomes.names)} outcomes at N = {TARGET_SAMPLES} ({full_points:,} points) | "
          f"{indices:.1f} s |")
    how = "measured" if points >= full_points else f"extrapolated from {points:,} points"
    verdict = "met" if total < TARGET_MINUTES * 60 else "**not met**"
    print(f"| N = {TARGET_SAMPLES}, {full_points:,} points x {args.replications} replications ({how}) | "
          f"{total / 60:.1f} min (target < {TARGET_MINUTES} min: {verdict}) |")


if __name__ == "__main__":
    main()

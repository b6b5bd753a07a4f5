"""Benchmark: a calibration of the baseline (issue #13: 10^5 simulated replications in under 10 minutes on 2 cores),
and how its time splits between simulating and fitting.

It fits the baseline's [calibration] keys to seeds/observed.csv plus the late-September reading of article 001
(400 Kenyans on 30 September 2024, as notebooks/04_calibration.ipynb does), with a budget of ``--simulations``
replications and enough generations for the budget to bind, then runs the predictive (1,000 replications) and
writes the folder. The time is split by timing every ``sim.run`` call: the fit's batches (simulation: the model,
the aggregation, the per-batch key checks), the predictive run, the rest of the fit (proposals, importance
weights, distances: fitting) and writing the folder.

Usage:  python benchmarks/bench_calibrate.py [--simulations 100000] [--particles 4000] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

import sim
import sim.analysis.calibration as calibration
from sim.analysis.abc import STOPS, Options

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=100_000)
    parser.add_argument("--particles", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenario = sim.load(ROOT / "scenarios" / "baseline.toml")
    observed = list(sim.read_observations(ROOT / "seeds" / "observed.csv"))
    observed.append((dt.date(2024, 9, 30), "Kenya", 400.0, "001_7e9b22f87c9658b0.txt"))
    spent = {"fit": 0.0, "predictive": 0.0}
    real = calibration.run

    def timed(scenario, **options):
        began = time.perf_counter()
        result = real(scenario, **options)
        spent["fit" if "params" in options else "predictive"] += time.perf_counter() - began
        return result

    calibration.run = timed
    began = time.perf_counter()
    result = sim.calibrate(scenario, observed, particles=args.particles, workers=args.workers, replications=1000,
                           options=Options(generations=30, simulations=args.simulations, min_acceptance=0.01))
    fitted = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        result.save(Path(folder) / "out")
    written = time.perf_counter()
    fit = result.main.fit
    total = written - began
    print(f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
          f"numpy {np.__version__}, mss-sim {sim.__version__}, load average {os.getloadavg()[0]:.1f}")
    print(f"baseline, {args.particles:,} particles, {len(fit.generations)} generations, "
          f"{fit.simulated:,} replications simulated by the fit, {args.workers} workers; stopped: {STOPS[fit.stopped]}\n")
    print("| part | wall time | share |")
    print("| --- | --- | --- |")
    rest = (fitted - began) - spent["fit"] - spent["predictive"]
    for name, seconds in (("simulating the fit's batches", spent["fit"]), ("fitting (proposals, weights, distances)", rest),
                          ("the predictive (1,000 replications)", spent["predictive"]),
                          ("writing the folder (chart, page, files)", written - fitted), ("total", total)):
        print(f"| {name} | {seconds:.1f} s | {seconds / total:.0%} |")
    print(f"\nsimulation: {fit.simulated / spent['fit']:,.0f} replications/s; "
          f"fitting: {rest / fit.simulated * 1e6:.0f} µs per simulated replication")
    for g in fit.generations:
        print(f"  generation {g.number}: tolerance {g.tolerance}, {g.simulated:,} simulated, {g.accepted:,} accepted")


if __name__ == "__main__":
    main()

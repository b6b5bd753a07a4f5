"""Benchmark of `sim.run` on scenarios/baseline.toml (funding and mandates active).

Measures, each as the median of several runs:
  * replications per second on one worker and on all cores (whole `sim.run` call:
    pool start, simulation, aggregation);
  * the model alone (SimPy, no aggregation): replications per second, events per
    replication, and the cost per event against a bare SimPy timeout loop timed in
    the same process;
  * peak resident memory of 10,000 and 100,000 replications (the parent process and
    the largest worker, each measured by getrusage in a fresh process);
  * `sim run scenarios/baseline.toml -n 10000` end to end (wall clock, outputs written).

Usage:  python benchmarks/bench_run.py [--repeat 5] [--quick]
Prints a Markdown table to paste into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def median_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_simpy_event_cost(events: int = 200_000) -> float:
    """Seconds per event of a process that only yields timeouts."""
    import simpy

    def ticker(env):
        for _ in range(events):
            yield env.timeout(1)

    def once():
        env = simpy.Environment()
        env.process(ticker(env))
        env.run()

    return median_time(once, 5) / events


def model_only(scenario, replications: int, repeat: int) -> tuple[float, float]:
    """(replications per second, events per replication) of the SimPy model without aggregation."""
    from sim.model import Plan, simulate
    from sim.streams import BLOCK, Streams

    plan = Plan(scenario)
    events = []

    def once():
        events.clear()
        for block in range(replications // BLOCK):
            streams = Streams(1, block)
            events.extend(simulate(plan, streams, i).events for i in range(BLOCK))

    seconds = median_time(once, repeat)
    return replications / seconds, sum(events) / len(events)


MEMORY_PROBE = """
import json, resource, sys, sim
scenario = sim.load(sys.argv[1])
sim.run(scenario, replications=int(sys.argv[2]), seed=1, workers=int(sys.argv[3]))
print(json.dumps({"parent_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "largest_worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def peak_memory(replications: int, workers: int) -> dict:
    done = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(BASELINE), str(replications), str(workers)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def end_to_end(replications: int, repeat: int) -> float:
    def once():
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run([sys.executable, "-m", "sim", "run", str(BASELINE), "-n", str(replications),
                            "-o", os.path.join(folder, "out"), "--quiet"], check=True)

    return median_time(once, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--replications", type=int, default=5120)
    parser.add_argument("--quick", action="store_true", help="fewer replications and repeats; no 100k memory run")
    args = parser.parse_args()
    if args.quick:
        args.repeat, args.replications = 2, 1024

    import numpy
    import simpy

    import sim

    scenario = sim.load(BASELINE)
    cores = os.cpu_count() or 1
    n = args.replications
    rows = []
    rates = {}
    for workers in sorted({1, cores}):
        seconds = median_time(lambda: sim.run(scenario, replications=n, seed=1, workers=workers), args.repeat)
        rates[workers] = n / seconds
        rows.append((f"`sim.run`, {workers} worker{'s' if workers > 1 else ''}, {n:,} replications",
                     f"{rates[workers]:,.0f} replications/s"))
    model_rate, events = model_only(scenario, min(n, 2048), args.repeat)
    bare = bare_simpy_event_cost()
    per_event = 1 / model_rate / events
    rows += [
        ("model only (SimPy, no aggregation), 1 worker", f"{model_rate:,.0f} replications/s"),
        ("events per replication", f"{events:,.1f}"),
        ("bare SimPy timeout loop", f"{bare * 1e6:.2f} µs/event"),
        ("model, per event (all model work / events)", f"{per_event * 1e6:.2f} µs/event = {per_event / bare:.2f}x bare"),
    ]
    for count in ([10_000] if args.quick else [10_000, 100_000]):
        memory = peak_memory(count, cores)
        rows.append((f"peak RSS, {count:,} replications, {cores} workers",
                     f"parent {memory['parent_mib']:.0f} MiB, largest worker {memory['largest_worker_mib']:.0f} MiB"))
    wall = end_to_end(10_000, max(1, args.repeat // 2))
    rows.append(("`sim run scenarios/baseline.toml -n 10000` (outputs written)", f"{wall:.2f} s wall"))

    print(f"Machine: {platform.processor() or platform.machine()}, {cores} cores, Python {platform.python_version()}, "
          f"numpy {numpy.__version__}, simpy {simpy.__version__}, mss-sim {sim.__version__}; "
          f"{time.strftime('%Y-%m-%d')}; median of {args.repeat} runs")
    print()
    print("| measure | result |")
    print("| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()

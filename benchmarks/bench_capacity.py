"""Why a capacity-bound scenario costs more per replication than the baseline (issue #12, item 4).

For each scenario, on one process, 512 replications (8 blocks), CPU time, median of several runs: the
cost per replication of a whole ``sim.run`` and of the model alone (SimPy, no aggregation), and their
ratios to the baseline; SimPy
events per replication; groups that arrive per replication (each a process with its own tour,
attrition and relief); the named streams made per replication (a SeedSequence and a PCG64 each,
for a name no earlier replication of the block used) and the share of the time spent making them;
and the time per event.

Usage:  python benchmarks/bench_capacity.py [--repeat 5] [scenario names...]
Prints a Markdown table to paste into benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import sim
from sim.model import Plan, simulate
from sim.streams import BLOCK, Streams

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = 8


def measure(name: str, repeat: int) -> dict:
    """The model's cost on scenario ``name`` (see the module's docstring)."""
    scenario = sim.load(ROOT / "scenarios" / f"{name}.toml")
    plan = Plan(scenario)
    made = {"streams": 0, "seconds": 0.0}
    original = Streams.generator

    def counted(self, stream):
        start = time.process_time()
        try:
            return original(self, stream)
        finally:
            made["streams"] += 1
            made["seconds"] += time.process_time() - start

    def once() -> tuple[float, list]:
        start = time.process_time()
        traces = []
        for block in range(BLOCKS):
            streams = Streams(1, block)  # one per block: a name's stream serves the block's 64 replications
            traces += [simulate(plan, streams, i) for i in range(BLOCK)]
        return time.process_time() - start, traces

    once()  # warm up
    times = [once()[0] for _ in range(repeat)]
    Streams.generator = counted
    try:
        _, traces = once()
    finally:
        Streams.generator = original
    n = BLOCKS * BLOCK
    whole = []
    for _ in range(repeat):  # the whole run: the model, its aggregation and the merge, in this process
        start = time.process_time()
        sim.run(scenario, replications=n, seed=1, workers=1)
        whole.append(time.process_time() - start)
    seconds = statistics.median(times)
    events = sum(t.events for t in traces) / n
    return {"name": name, "per_replication_ms": seconds / n * 1e3, "run_ms": statistics.median(whole) / n * 1e3,
            "events": events,
            "arrivals": sum(len(t.arrivals) for t in traces) / n, "streams": made["streams"] / n,
            "streams_share": made["seconds"] / seconds, "per_event_us": seconds / n / events * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("scenarios", nargs="*", default=["baseline", "announced", "surge_5000"])
    args = parser.parse_args()
    rows = [measure(name, args.repeat) for name in args.scenarios]
    first = next((r for r in rows if r["name"] == "baseline"), rows[0])
    base, run_base = first["per_replication_ms"], first["run_ms"]
    print(f"{BLOCKS * BLOCK} replications, one process, CPU time, median of {args.repeat}\n")
    print("| scenario | `sim.run`, per replication | vs baseline | model only | vs baseline | events | groups arrived | "
          "streams made | time making streams | per event |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['name']} | {r['run_ms']:.2f} ms | {r['run_ms'] / run_base:.2f}x | "
              f"{r['per_replication_ms']:.2f} ms | {r['per_replication_ms'] / base:.2f}x | "
              f"{r['events']:.0f} | {r['arrivals']:.0f} | {r['streams']:.1f} | {r['streams_share']:.0%} | "
              f"{r['per_event_us']:.1f} µs |")


if __name__ == "__main__":
    main()

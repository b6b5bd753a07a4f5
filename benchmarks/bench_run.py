"""Benchmark of `sim.run` on scenarios/baseline.toml (funding and mandates active).

Measures, each as the median of several runs:
  * replications per second on one worker and on all cores (whole `sim.run` call:
    pool start, simulation, aggregation);
  * the model alone (SimPy, no aggregation): replications per second, events per
    replication, and the cost per event against a bare SimPy timeout loop timed in
    the same process, and against SimPy replaying the model's own schedule with
    processes that do nothing else (the least any model with this schedule can cost);
  * peak memory of 10,000 and 100,000 replications in a fresh process: the whole process
    tree (parent and workers, proportional set size summed, sampled every 20 ms), and
    the peak RSS of the parent and of the largest worker (getrusage);
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


class _Recorder:
    """Records a replication's schedule: which process yields which delays, and what each step starts.

    A script is ``{"yields": [delay, ...], "actions": [[action, ...] per step]}``; step 0 runs
    when the process starts, step k after its k-th timeout. An action is ``("spawn", script)``
    (a new process) or ``("wake", loose)``, a timeout with a callback and no process (the gate's
    wake-ups), where ``loose = {"delay": d, "actions": [...]}``.
    """

    def __init__(self, mission):
        self.mission, self.env = mission, mission.env
        self.roots: list = []  # actions before the run starts
        self.scripts: dict = {}  # process -> its script
        self.loose = self.roots  # where actions go when no process is running (a wake's callback)
        import sim.model.mission as model

        self.model, self.real_process = model, model.Process  # the model starts its processes with Process(env, ...)
        real_at, real_wake = mission.at, mission.wake

        def process(env, generator):
            child = self.real_process(env, generator)
            script = {"yields": [], "actions": [[]]}
            self.scripts[child] = script
            self.here().append(("spawn", script))
            return child

        def at(day, phase):
            event = real_at(day, phase)
            script = self.scripts[self.env.active_process]  # every other `at` is a process's yield
            script["yields"].append(event._delay)
            script["actions"].append([])
            return event

        def wake(day):
            before = len(mission.wakes)
            mission.at = real_at  # a wake's timeout is not a yield
            try:
                real_wake(day)
            finally:
                mission.at = at
            if len(mission.wakes) > before:  # a timeout was made: the newest event on the heap
                event = max(self.env._queue, key=lambda item: item[2])[3]
                loose = {"delay": event._delay, "actions": []}
                self.here().append(("wake", loose))
                event.callbacks.insert(0, lambda _event: self.enter(loose["actions"]))

        model.Process, mission.at, mission.wake = process, at, wake

    def close(self) -> None:
        """Give the model back its own Process."""
        self.model.Process = self.real_process

    def here(self) -> list:
        active = self.env.active_process
        if active is None:
            return self.loose
        script = self.scripts[active]
        return script["actions"][len(script["yields"])]

    def enter(self, actions: list) -> None:
        self.loose = actions


def _replay(env, script):
    _do(env, script["actions"][0])
    for k, delay in enumerate(script["yields"], start=1):
        yield env.timeout(delay)
        _do(env, script["actions"][k])


def _do(env, actions) -> None:
    for kind, item in actions:
        if kind == "spawn":
            env.process(_replay(env, item))
        else:
            env.timeout(item["delay"]).callbacks.append(lambda _event, more=item["actions"]: _do(env, more))


def simpy_floor(scenario, replications: int, repeat: int) -> float:
    """Seconds per event of SimPy alone replaying the model's own schedule.

    Each replication's processes are recorded (when each starts, which timeouts it yields,
    what it starts in each step, the gate's wake-ups) and replayed by processes that do
    nothing else. The replay schedules exactly as many events as the model (checked), so
    this is the least any SimPy model with this schedule can cost per event.
    """
    import simpy

    from sim.model import PHASES, Mission, Plan
    from sim.model.mission import Environment
    from sim.streams import BLOCK, Streams

    plan = Plan(scenario)
    recorded = []
    for block in range(replications // BLOCK):
        streams = Streams(1, block)
        for i in range(BLOCK):
            mission = Mission(plan, streams, i)
            recorder = _Recorder(mission)
            try:
                trace = mission.run()
            finally:
                recorder.close()
            recorded.append((recorder.roots, trace.events))
    until = plan.days * PHASES

    def once():
        counts.clear()
        for roots, _ in recorded:
            env = Environment(initial_time=plan.origin * PHASES)
            _do(env, roots)
            env.run(until=until)
            counts.append(env.scheduled)

    counts: list[int] = []
    seconds = median_time(once, repeat)
    if counts != [events for _, events in recorded]:
        raise AssertionError("the replay did not schedule the model's events")
    return seconds / sum(counts)


MEMORY_PROBE = """
import json, os, resource, sys, threading, time
import sim

def tree(pid):
    out = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                for child in handle.read().split():
                    out += tree(int(child))
        except OSError:
            pass
    return out

def pss_kib(pid):  # proportional set size: shared pages split between the processes that share them
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0

peak, running = [0], [True]
def sample():
    while running[0]:
        peak[0] = max(peak[0], sum(pss_kib(pid) for pid in tree(os.getpid())))
        time.sleep(0.02)

thread = threading.Thread(target=sample, daemon=True)
thread.start()
scenario = sim.load(sys.argv[1])
sim.run(scenario, replications=int(sys.argv[2]), seed=1, workers=int(sys.argv[3]))
running[0] = False
thread.join()
print(json.dumps({"tree_pss_mib": peak[0] / 1024,
                  "parent_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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
    floor = simpy_floor(scenario, min(n, 2048), args.repeat)
    per_event = 1 / model_rate / events
    rows += [
        ("model only (SimPy, no aggregation), 1 worker", f"{model_rate:,.0f} replications/s"),
        ("events per replication", f"{events:,.1f}"),
        ("bare SimPy timeout loop", f"{bare * 1e6:.2f} µs/event"),
        ("SimPy alone replaying the model's schedule (no model work)",
         f"{floor * 1e6:.2f} µs/event = {floor / bare:.2f}x bare"),
        ("model, per event (all model work / events)",
         f"{per_event * 1e6:.2f} µs/event = {per_event / bare:.2f}x bare = {per_event / floor:.2f}x the replay"),
    ]
    for count in ([10_000] if args.quick else [10_000, 100_000]):
        memory = peak_memory(count, cores)
        rows.append((f"peak memory, {count:,} replications, {cores} workers",
                     f"{memory['tree_pss_mib']:.0f} MiB for the whole process tree (PSS, sampled every 20 ms); "
                     f"peak RSS: parent {memory['parent_mib']:.0f} MiB, largest worker {memory['largest_worker_mib']:.0f} MiB"))
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

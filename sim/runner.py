"""The replication runner: seeds, chunks, workers, and the public ``sim.run``.

A run is (scenario, seed, replications). Replications are grouped in blocks of
:data:`sim.streams.BLOCK`; a *chunk* is a range of whole blocks and is a pure
function of (scenario, seed, range). With several workers, worker ``w`` runs
chunks ``w, w + W, ...`` into one partial :class:`~sim.results.Accumulator` and
sends it back once; partials merge by exact integer addition, so the result is
bit-identical whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .model import Plan, Trace, simulate
from .results import Accumulator, Layout, Result, curves
from .scenario import Scenario
from .streams import BLOCK, Streams

#: Replications in a chunk: simulated, then reduced into the aggregate at once (a multiple of BLOCK).
CHUNK = 16 * BLOCK


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    backend: str = "local",
    progress: bool | Callable[[int], None] | None = None,
    keep_replications: bool = False,
) -> Result:
    """Run ``replications`` of ``scenario`` (defaults from its [scenario] table) and aggregate them.

    ``workers`` defaults to the CPU count (1 runs in this process). ``progress`` is
    True for a progress bar on a terminal, or a callable receiving counts of
    finished replications. The result depends only on (scenario, seed, replications).
    """
    from . import __version__

    if backend != "local":
        raise ValueError(f"unknown backend {backend!r}; available: local")
    replications = scenario.replications if replications is None else int(replications)
    seed = scenario.seed if seed is None else int(seed)
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    workers = os.cpu_count() or 1 if workers is None else max(1, int(workers))
    layout = Layout.for_scenario(scenario)
    chunks = plan_chunks(replications)
    report, close = _progress(progress, replications, scenario.name)
    try:
        if workers == 1 or len(chunks) == 1:
            total = run_chunks(scenario, seed, layout, chunks, keep_replications, report)
        else:
            total = _run_pool(scenario, seed, layout, chunks, min(workers, len(chunks)), keep_replications, report)
    finally:
        close()
    return Result(scenario, seed, total, __version__)


def _run_pool(scenario, seed, layout, chunks, workers, keep, report) -> Accumulator:
    """Worker ``w`` runs chunks w, w + workers, ... into one partial; partials merge exactly."""
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    done = context.SimpleQueue()
    pool = context.Pool(workers, initializer=_init_worker, initargs=(done,))
    try:
        pending = [
            pool.apply_async(run_chunks, (scenario, seed, layout, chunks[w::workers], keep, None))
            for w in range(workers)
        ]
        while not all(p.ready() for p in pending):
            while not done.empty():
                report(done.get())
            pending[0].wait(0.05)
        while not done.empty():
            report(done.get())
        partials = [p.get() for p in pending]
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    total = partials[0]
    for partial in partials[1:]:
        total.merge(partial)
    return total


_DONE_QUEUE = None


def _init_worker(queue) -> None:
    """Workers leave Ctrl-C to the parent, which terminates them; they report progress on ``queue``."""
    global _DONE_QUEUE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _DONE_QUEUE = queue


def thresholds(scenario: Scenario) -> tuple[int, int]:
    return scenario.authorized, scenario.target


def deadline_days(scenario: Scenario) -> tuple[int, ...]:
    return tuple(scenario.day(d) for _, d in scenario.deadlines())


def plan_chunks(replications: int) -> list[tuple[int, int]]:
    """Split replications into ranges of whole blocks of at most CHUNK replications."""
    return [(start, min(replications, start + CHUNK)) for start in range(0, replications, CHUNK)]


def run_chunks(
    scenario: Scenario, seed: int, layout: Layout, chunks: list[tuple[int, int]], keep: bool = False,
    report: Callable[[int], None] | None = None,
) -> Accumulator:
    """Simulate the replications of each ``(start, stop)`` chunk into one partial aggregate.

    A chunk starts on a block boundary; its result depends only on (scenario, seed, start, stop).
    """
    plan = Plan(scenario)
    partial = Accumulator(layout, thresholds(scenario), deadline_days(scenario))
    for start, stop in chunks:
        traces = []
        for first in range(start, stop, BLOCK):
            streams = Streams(seed, first // BLOCK)
            traces.extend(simulate(plan, streams, i) for i in range(min(BLOCK, stop - first)))
        partial.add(traces, keep_from=start if keep else None)
        if report is not None:
            report(stop - start)
        elif _DONE_QUEUE is not None:
            _DONE_QUEUE.put(stop - start)
    return partial


def _progress(progress, total: int, name: str):
    """A (report, close) pair: a tqdm bar on a terminal, a user callable, or nothing."""
    if callable(progress):
        return progress, lambda: None
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=name[:30], unit="rep", leave=False, dynamic_ncols=True)
        return bar.update, bar.close
    return (lambda n: None), (lambda: None)


@dataclass(frozen=True)
class Replication:
    """One replication in full: its change points and its daily curves."""

    index: int
    seed: int
    trace: Trace
    dates: np.ndarray  # datetime64[D], one per day of the run
    strength: dict[str, np.ndarray]  # end-of-day strength per country and "total"
    balance_usd: np.ndarray | None  # end-of-day balance, without funding None


def replicate(scenario: Scenario, replication: int = 0, seed: int | None = None) -> Replication:
    """Replication number ``replication`` of a run with ``seed``: the same one ``run`` aggregates."""
    seed = scenario.seed if seed is None else int(seed)
    block, index = divmod(int(replication), BLOCK)
    trace = simulate(Plan(scenario), Streams(seed, block), index)
    layout = Layout.for_scenario(scenario)
    strength, balance = curves([trace], layout)
    return Replication(
        index=int(replication), seed=seed, trace=trace,
        dates=np.arange(np.datetime64(scenario.start, "D"), np.datetime64(scenario.start, "D") + scenario.days),
        strength={name: strength[s, :, 0].astype(np.int64) for s, name in enumerate(layout.series)},
        balance_usd=None if balance is None else balance[:, 0] / 100,
    )

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
CHUNK = 8 * BLOCK


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    backend: "str | Backend" = "local",
    progress: bool | Callable[[int], None] | None = None,
    keep_replications: bool = False,
    scheduler: str | None = None,
) -> Result:
    """Run ``replications`` of ``scenario`` (defaults from its [scenario] table) and aggregate them.

    ``backend`` is "local" (a process pool of ``workers`` processes on this machine,
    default the CPU count; 1 runs in this process), "dask" (the Dask cluster at
    ``scheduler``, or a LocalCluster of ``workers`` processes started and closed
    here), or an open :class:`Backend` shared by several runs (see :func:`open_backend`).
    ``progress`` is True for a progress bar (on a terminal, or in Jupyter), or a callable
    receiving counts of finished replications. The result depends only on (scenario, seed,
    replications): not on the backend, the workers, or the order chunks finish in.
    """
    from . import __version__

    replications = scenario.replications if replications is None else int(replications)
    seed = scenario.seed if seed is None else int(seed)
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    layout = Layout.for_scenario(scenario)
    chunks = plan_chunks(replications)
    report, close = _progress(progress, replications, scenario.name)
    try:
        if isinstance(backend, Backend):
            total = backend.run_chunks(scenario, seed, layout, chunks, keep_replications, report)
        else:
            with open_backend(backend, workers, scheduler) as opened:
                total = opened.run_chunks(scenario, seed, layout, chunks, keep_replications, report)
    finally:
        close()
    return Result(scenario, seed, total, __version__)


BACKENDS = ("local", "dask")
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 10


class BackendError(Exception):
    """A backend that cannot be used: not installed, or its scheduler out of reach (exit 2 in the CLI)."""


def open_backend(name: str = "local", workers: int | None = None, scheduler: str | None = None) -> "Backend":
    """A backend to use as a context manager: ``with open_backend("dask") as b: run(s, backend=b)``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; available: {', '.join(BACKENDS)}")
    if scheduler is not None and name != "dask":
        raise ValueError("a scheduler address needs backend 'dask'")
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return DaskBackend(workers, scheduler) if name == "dask" else LocalBackend(workers)


class Backend:
    """Runs chunks of replications somewhere and returns their merged aggregate."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def run_chunks(self, scenario, seed, layout, chunks, keep, report) -> Accumulator:
        raise NotImplementedError


class LocalBackend(Backend):
    """This process (one worker) or a pool of forked processes, started when first needed and kept
    until the backend is closed: worker ``w`` runs chunks w, w + W, ... into one partial and sends it
    back once; partials merge exactly."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool = self.done = None

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.terminate() if exc[0] else self.pool.close()
            self.pool.join()
            self.pool = None

    def run_chunks(self, scenario, seed, layout, chunks, keep, report) -> Accumulator:
        workers = min(self.workers, len(chunks))
        if workers == 1:
            return run_chunks(scenario, seed, layout, chunks, keep, report)
        if self.pool is None:
            context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
            self.done = context.SimpleQueue()
            self.pool = context.Pool(self.workers, initializer=_init_worker, initargs=(self.done,))
        done = self.done
        try:
            pending = [
                self.pool.apply_async(run_chunks, (scenario, seed, layout, chunks[w::workers], keep, None))
                for w in range(workers)
            ]
            while not all(p.ready() for p in pending):
                while not done.empty():
                    report(done.get())
                pending[0].wait(0.05)
            while not done.empty():
                report(done.get())
            total = pending[0].get()
            for result in pending[1:]:
                total.merge(result.get())  # one partial in memory at a time
        except BaseException:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
            raise
        return total


class DaskBackend(Backend):
    """Each chunk is a Dask task returning its partial aggregate (never raw curves); a lost
    worker's chunks are recomputed (a chunk is a pure function of its seeds). Partials merge
    by exact integer addition in whatever order they finish."""

    def __init__(self, workers: int, scheduler: str | None):
        self.workers, self.scheduler = workers, scheduler
        self.client = self.cluster = None

    def __enter__(self) -> "DaskBackend":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BackendError("the dask backend needs dask.distributed: pip install 'mss-sim[dask]'") from None
        import logging

        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError) as error:
                raise BackendError(f"cannot reach the Dask scheduler at {self.scheduler}: {error}") from None
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0", silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def run_chunks(self, scenario, seed, layout, chunks, keep, report) -> Accumulator:
        from distributed import as_completed

        prefix = f"mss-{scenario.hash[:16]}-{seed}-{int(keep)}"
        futures = [
            self.client.submit(run_chunks, scenario, seed, layout, [chunk], keep, None,
                               key=f"{prefix}-{chunk[0]}-{chunk[1]}")
            for chunk in chunks
        ]
        total = Accumulator(layout, thresholds(scenario))
        try:
            for future in as_completed(futures):
                partial = future.result()
                total.merge(partial)
                report(partial.replications)
                future.release()
        except BaseException:
            self.client.cancel(futures)
            raise
        return total


_DONE_QUEUE = None


def _init_worker(queue) -> None:
    """Workers leave Ctrl-C to the parent, which terminates them; they report progress on ``queue``."""
    global _DONE_QUEUE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _DONE_QUEUE = queue


def thresholds(scenario: Scenario) -> tuple[int, int]:
    return scenario.authorized, scenario.target


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
    partial = Accumulator(layout, thresholds(scenario))
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
    """A (report, close) pair: a tqdm bar on a terminal or in Jupyter, a user callable, or nothing."""
    if callable(progress):
        return progress, lambda: None
    if progress and _in_jupyter():
        from tqdm.auto import tqdm  # a widget bar when ipywidgets is installed, else text in the cell

        bar = tqdm(total=total, desc=name[:30], unit="rep", leave=False)
        return bar.update, bar.close
    if progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=name[:30], unit="rep", leave=False, dynamic_ncols=True)
        return bar.update, bar.close
    return (lambda n: None), (lambda: None)


def _in_jupyter() -> bool:
    """True inside a Jupyter kernel (where stderr is not a terminal but a bar can still be drawn)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


@dataclass(frozen=True, repr=False)
class Replication:
    """One replication in full: its change points and its daily curves."""

    index: int
    seed: int
    trace: Trace
    dates: np.ndarray  # datetime64[D], one per day of the run
    strength: dict[str, np.ndarray]  # end-of-day strength per country and "total"
    balance_usd: np.ndarray | None  # end-of-day balance, without funding None

    def __repr__(self) -> str:  # one line: the arrays and the trace are there to be looked at one by one
        total = self.strength["total"]
        lapse = ""
        if self.trace.lapsed_on is not None:
            lapse = f", lapsed on {self.dates[0] + np.timedelta64(self.trace.lapsed_on, 'D')}"
        return (f"<Replication {self.index} of seed {self.seed}: {self.dates[0]} to {self.dates[-1]}, "
                f"{len(self.trace.arrivals)} arrivals, peak {int(total.max()):,}, at end {int(total[-1]):,}{lapse}>")


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

"""Where chunks of replications run: this process, a pool of local processes, or a Dask cluster.

Worker ``w`` of a local pool runs chunks ``w, w + W, ...`` into one partial aggregate and
sends it back once; on Dask each chunk is a task. Partials merge by exact integer addition,
so the result is the same whatever the backend, the workers, or the order chunks finish in.
"""

from __future__ import annotations

import hashlib
import logging
import os

from ..errors import InputError, SimError, missing
from ..processes import context, lifeline
from ..results import Accumulator
from .chunks import init_worker, run_chunks, spread_chunks, thresholds

BACKENDS = ("local", "dask")
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 10
#: At most this many worker processes per core, whatever was asked (more only compete for the cores).
WORKERS_PER_CORE = 4


class BackendError(SimError):
    """A backend that cannot be used: not installed, or its scheduler out of reach (exit 2 in the CLI)."""


def open_backend(name: str = "local", workers: int | None = None, scheduler: str | None = None,
                 spread: bool = False) -> "Backend":
    """A backend to use as a context manager: ``with open_backend("dask") as b: run(s, backend=b)``.

    ``workers`` (default the CPU count) is capped at WORKERS_PER_CORE per core; a local pool also
    starts no more processes than a run has chunks, or with ``spread`` (a pool kept open for many
    small runs, as the explorer's) than it has blocks.
    """
    if name not in BACKENDS:
        raise InputError(f"unknown backend {name!r}; available: {', '.join(BACKENDS)}")
    if scheduler is not None and name != "dask":
        raise InputError("a scheduler address needs backend 'dask'")
    cores = os.cpu_count() or 1
    workers = cores if workers is None else int(workers)
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    workers = min(workers, WORKERS_PER_CORE * cores)
    return DaskBackend(workers, scheduler) if name == "dask" else LocalBackend(workers, spread)


class Backend:
    """Runs chunks of replications somewhere and returns their merged aggregate."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def run_chunks(self, scenario, seed, layout, chunks, keep, report) -> Accumulator:
        """Run ``chunks`` (``(start, stop)`` ranges) of ``scenario``, ``report(n)`` as they finish; merge them."""
        raise NotImplementedError

    def run_batches(self, function, batches, counts, report, finished) -> None:
        """Call ``function(batch, report)`` for each of ``batches`` (a pure function; ``counts[k]`` replications
        each) and ``finished(result)`` here as each completes, in any order; ``report(n)`` as replications finish."""
        for batch in batches:
            finished(function(batch, report))


class LocalBackend(Backend):
    """This process (one worker) or a pool of processes started by :func:`sim.processes.context`, started when first
    needed (as many as the run has chunks, up to ``workers``) and kept until the backend is closed: worker
    ``w`` runs chunks w, w + W, ... into one partial and sends it back once; partials merge exactly. A
    worker whose parent dies (even by SIGKILL) exits at once: it watches a pipe only the parent writes to."""

    def __init__(self, workers: int, spread: bool = False):
        self.workers = workers
        self.spread = spread  # cut a run with fewer chunks than workers into blocks, so that every worker has some
        self.pool = self.done = self.alive = None
        self.size = 0
        self.started: dict = {}

    def __exit__(self, *exc) -> None:
        self._close(terminate=bool(exc[0]))

    def _close(self, terminate: bool) -> None:
        """Stop the pool, if one was started: at once if ``terminate``, else once its work is done."""
        if self.pool is not None:
            if terminate:
                self.pool.terminate()
                # a worker the pool did not stop (one it was starting as Ctrl-C came) would keep join() waiting
                for process in list(self.pool._pool) + list(self.started.values()):  # noqa: SLF001
                    if process.is_alive():
                        process.kill()
            else:
                self.pool.close()
            self.pool.join()
            self.pool = None
            for end in self.alive:
                end.close()
            self.alive = None

    def _start(self, workers: int) -> None:
        """Have a pool of at least ``workers`` processes (a later run with more chunks may want more)."""
        if self.pool is None or self.size < workers:
            self._close(terminate=False)
            start = context()
            self.done = start.SimpleQueue()
            self.alive = lifeline(start)
            self.pool = start.Pool(workers, initializer=init_worker, initargs=(self.done, self.alive[0]))
            self.size = workers
            self.started = {}  # every worker process the pool has started, by pid

    def _check_workers(self) -> None:
        """Raise if a worker process has died: the pool would start another and wait forever for the lost work (an
        unguarded script's workers die at once, each running the script again as they start)."""
        for process in self.pool._pool:  # noqa: SLF001 - the pool replaces a dead worker without a word
            self.started.setdefault(process.pid, process)
        dead = [p.exitcode for p in self.started.values() if p.exitcode is not None]
        if dead:
            raise RuntimeError(
                f"a worker process ended (exit code {dead[0]}) before its replications were done. In a script, "
                "the code that runs replications on several workers must be under if __name__ == \"__main__\": "
                "(each worker starts by importing the script, and must not run it); else the machine may have run "
                "out of memory: try fewer workers")

    def run_chunks(self, scenario, seed, layout, chunks, keep, report) -> Accumulator:
        """As :meth:`Backend.run_chunks`: here with one worker, else over the pool (started on first use)."""
        if self.spread and len(chunks) < self.workers:
            chunks = spread_chunks(chunks, self.workers)
        workers = min(self.workers, len(chunks))
        if workers == 1:
            return run_chunks(scenario, seed, layout, chunks, keep, report)
        self._start(workers)
        done = self.done
        try:
            pending = [
                self.pool.apply_async(run_chunks, (scenario, seed, layout, chunks[w::workers], keep, None))
                for w in range(workers)
            ]
            while not all(p.ready() for p in pending):
                while not done.empty():
                    report(done.get())
                self._check_workers()
                pending[0].wait(0.05)
            while not done.empty():
                report(done.get())
            total = pending[0].get()
            for result in pending[1:]:
                total.merge(result.get())  # one partial in memory at a time
        except BaseException:
            self._close(terminate=True)
            raise
        return total

    def run_batches(self, function, batches, counts, report, finished) -> None:
        """As :meth:`Backend.run_batches`: here with one worker, else over the pool, at most two batches per
        worker in flight (so that memory does not grow with the batches waiting)."""
        workers = min(self.workers, len(batches))
        if workers <= 1:
            return super().run_batches(function, batches, counts, report, finished)
        self._start(workers)
        waiting, pending = list(reversed(batches)), []
        try:
            while waiting or pending:
                while waiting and len(pending) < 2 * workers:
                    pending.append(self.pool.apply_async(function, (waiting.pop(), None)))
                while not self.done.empty():
                    report(self.done.get())
                ready = [p for p in pending if p.ready()]
                for task in ready:
                    pending.remove(task)
                    finished(task.get())
                if not ready:
                    self._check_workers()
                    pending[0].wait(0.05)
            while not self.done.empty():
                report(self.done.get())
        except BaseException:
            self._close(terminate=True)
            raise


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
            raise missing("the dask backend", "dask.distributed", "dask") from None

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
        """As :meth:`Backend.run_chunks`: a Dask task per chunk, merged as they finish; cancelled on error."""
        from distributed import as_completed

        probes = hashlib.sha256(repr(layout.arrived).encode()).hexdigest()[:8] if layout.arrived else "0"
        prefix = f"mss-{scenario.hash[:16]}-{seed}-{keep.token()}-{probes}"  # a key per distinct task
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

    def run_batches(self, function, batches, counts, report, finished) -> None:
        """As :meth:`Backend.run_batches`: a Dask task per batch (recomputed if its worker is lost), progress
        told as each completes; the rest cancelled on error."""
        from distributed import as_completed

        futures = [self.client.submit(function, batch, None, pure=False) for batch in batches]
        count = dict(zip((f.key for f in futures), counts))
        try:
            for future in as_completed(futures):
                finished(future.result())
                report(count[future.key])
                future.release()
        except BaseException:
            self.client.cancel(futures)
            raise

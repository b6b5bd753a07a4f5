"""How mss-sim starts other processes (replication workers, chart drawers), and how they end with it.

They start from a fork server on POSIX (a spawned process elsewhere), never by forking the
caller, which may hold threads (a Jupyter kernel does; Python 3.14 makes the fork server the
default for that reason). The fork server imports the runner once; a process forked from it is
ready at once. As with ``spawn``, a script that starts such processes needs the
``if __name__ == "__main__":`` guard.

A started process watches a pipe whose only writing end its starter holds (:func:`lifeline`): when
the starter dies, even by SIGKILL, the pipe reads end-of-file and the process exits at once.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import signal
import threading

#: What the fork server imports before it forks: the runner and everything below it (not matplotlib).
PRELOAD = ["sim.runner.chunks"]
#: ... and when it will also fork processes that draw charts: matplotlib, the charts and their backends.
CHARTS = ["sim.plots.fan", "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg"]


def context(preload: list[str] = PRELOAD) -> multiprocessing.context.BaseContext:
    """The multiprocessing context mss-sim starts processes with: the fork server (which imports ``preload`` first,
    if it is not running yet), else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    from multiprocessing import forkserver

    start = multiprocessing.get_context("forkserver")
    if getattr(forkserver._forkserver, "_forkserver_pid", None) is None:  # noqa: SLF001 - else it runs, with its own
        start.set_forkserver_preload(preload)
        if threading.current_thread() is threading.main_thread():
            # started with Ctrl-C ignored (as it ignores it once it serves): a Ctrl-C while it imports ``preload``
            # is this process's to report, not a traceback of the server's
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                forkserver.ensure_running()
            finally:
                signal.signal(signal.SIGINT, previous)
    return start


#: Where ``sim run`` draws its charts: ``elsewhere`` (other processes), ``here`` (this one), or, unset, elsewhere
#: with two cores or more (the test seam, and a user's choice on a machine they know).
CHARTS_WHERE = "MSS_SIM_CHARTS"

_charts_elsewhere = False

#: A run of more replications than this is cut into several chunks, run by worker processes
#: (:data:`sim.runner.chunks.CHUNK`, which a test checks; not imported here, as that would import NumPy first).
POOL_ABOVE = 512


def start_early(argv: list[str]) -> None:
    """For ``sim run``, start the fork server now, while this process imports the commands, if the run will start
    processes: to draw its charts elsewhere (:func:`charts_elsewhere`; the server then imports matplotlib too),
    or to run its replications in worker processes (more than one chunk and more than one worker)."""
    global _charts_elsewhere
    _charts_elsewhere = False
    words = [w for w in argv if not w.startswith("-")]
    if not words or words[0] != "run" or "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    if _charts_drawn_elsewhere(argv):
        context(PRELOAD + CHARTS)
        _charts_elsewhere = True
    elif _pool_likely(argv):
        context(PRELOAD)
    else:
        return
    forkserver.ensure_running()


def _option(argv: list[str], *names: str) -> str | None:
    """The last value of one of the options ``names`` in ``argv`` (``-n 10``, ``-n10``, ``--workers=2``), or None."""
    value = None
    for k, word in enumerate(argv):
        for name in names:
            if word == name and k + 1 < len(argv):
                value = argv[k + 1]
            elif word.startswith(name + "=") or (len(name) == 2 and word.startswith(name) and len(word) > 2):
                value = word[len(name):].lstrip("=")
    return value


def _charts_drawn_elsewhere(argv: list[str]) -> bool:
    """Whether ``sim run`` with ``argv`` draws charts (not ``--format none``) in other processes: as
    :data:`CHARTS_WHERE` says, else with two cores or more."""
    if (_option(argv, "--format") or "").strip().lower() == "none":
        return False
    where = os.environ.get(CHARTS_WHERE, "")
    return where == "elsewhere" or (where != "here" and (os.cpu_count() or 1) > 1)


def _pool_likely(argv: list[str]) -> bool:
    """Whether ``sim run`` with ``argv`` will likely start local worker processes: two cores or more, not one worker,
    not Dask, and more replications than one chunk (:data:`POOL_ABOVE`); without ``-n``, the scenario's count is
    taken to be more (the baseline's is 1,000)."""
    try:
        replications = int(_option(argv, "-n", "--replications") or POOL_ABOVE + 1)
        workers = int(_option(argv, "--workers") or 2)
    except ValueError:
        return False  # the parser will say what is wrong
    return ((os.cpu_count() or 1) > 1 and workers > 1 and replications > POOL_ABOVE
            and _option(argv, "--backend") in (None, "local"))


def charts_elsewhere() -> bool:
    """Whether :func:`start_early` chose to draw ``sim run``'s charts in other processes: with two cores or more,
    however busy they are (measured faster than drawing here even with both cores taken by other work)."""
    return _charts_elsewhere


def lifeline(start: multiprocessing.context.BaseContext):
    """A pipe (read end, write end): give the read end to processes :func:`started` by ``start``, keep the write
    end (and close both once they are gone)."""
    return start.Pipe(duplex=False)


def started(alive=None) -> None:
    """What a started process does first: leave Ctrl-C to its starter (which stops it), and exit at once when
    ``alive``, the read end of its starter's :func:`lifeline`, reads end-of-file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if alive is not None:
        threading.Thread(target=_watch, args=(alive,), name="mss-sim-watch-parent", daemon=True).start()


def _watch(alive) -> None:
    """End this process when ``alive`` reads end-of-file: its starter has died (nothing is ever sent on it)."""
    try:
        alive.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(1)

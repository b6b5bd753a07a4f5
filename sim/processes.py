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


def context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context mss-sim starts processes with: the fork server, else spawn."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(PRELOAD)  # no effect once the fork server runs
    return forkserver


def start_early(argv: list[str]) -> None:
    """For a command line that surely starts processes (``run``, which draws its charts in other processes unless
    ``--format none``), start the fork server now: it imports the runner while this process does other work."""
    words = [w for w in argv if not w.startswith("-")]
    if not words or words[0] != "run" or "forkserver" not in multiprocessing.get_all_start_methods():
        return
    formats = [argv[k + 1] for k, w in enumerate(argv[:-1]) if w == "--format"]
    formats += [w.partition("=")[2] for w in argv if w.startswith("--format=")]
    if formats and formats[-1].strip().lower() == "none":
        return
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()


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

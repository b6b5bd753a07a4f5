"""Chunks of replications: whole blocks of streams, simulated and reduced into one partial aggregate.

A chunk is a range of whole blocks (:data:`sim.streams.BLOCK`) and a pure function of
(scenario, seed, range), so any worker, local or remote, gives the same partial for it.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import TYPE_CHECKING, Callable

from ..model import Plan, simulate
from ..results import Accumulator
from ..streams import BLOCK, Streams

if TYPE_CHECKING:
    from ..results import Layout
    from ..scenario import Scenario

#: Replications in a chunk: simulated, then reduced into the aggregate at once (a multiple of BLOCK).
CHUNK = 8 * BLOCK
#: The most cells of daily curves (series x days x replications, about 20 bytes each while reduced) held at
#: once: a long run with many contingents reduces its chunks in parts, with the same result.
CURVE_CELLS = 2**23

_DONE_QUEUE = None


def init_worker(queue, alive=None) -> None:
    """Workers leave Ctrl-C to the parent, which terminates them; they report progress on ``queue``, and
    exit at once when the process that started them is gone, killed or not: ``alive`` is the reading end
    of a pipe whose only writing end that process holds, so it reads end-of-file when the process dies."""
    global _DONE_QUEUE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _DONE_QUEUE = queue
    if alive is not None:
        threading.Thread(target=_watch_parent, args=(alive,), name="mss-sim-watch-parent", daemon=True).start()


def _watch_parent(alive) -> None:
    """End this worker at once when ``alive`` reads end-of-file: the process that started it has died
    (nothing is ever sent on it)."""
    try:
        alive.recv_bytes()
    except (EOFError, OSError):
        pass
    os._exit(1)


def thresholds(scenario: Scenario) -> tuple[int, int]:
    """The strength levels whose first reach a run counts: (authorized, target)."""
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
    step = max(1, min(CHUNK, CURVE_CELLS // (len(layout.series) * layout.days)))
    for start, stop in chunks:
        traces, kept_from = [], start
        for first in range(start, stop, BLOCK):
            streams = Streams(seed, first // BLOCK)
            count = min(BLOCK, stop - first)
            for i in range(count):
                traces.append(simulate(plan, streams, i))
                if len(traces) == step:  # integer sums and counts: the same aggregate however the parts are cut
                    partial.add(traces, keep_from=kept_from if keep else None)
                    kept_from, traces = kept_from + step, []
            # progress by block, not by chunk: a bar moves every 64 replications, not every 512
            if report is not None:
                report(count)
            elif _DONE_QUEUE is not None:
                _DONE_QUEUE.put(count)
        if traces:
            partial.add(traces, keep_from=kept_from if keep else None)
    return partial

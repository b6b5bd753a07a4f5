"""Chunks of replications: whole blocks of streams, simulated and reduced into one partial aggregate.

A chunk is a range of whole blocks (:data:`sim.streams.BLOCK`) and a pure function of
(scenario, seed, range), so any worker, local or remote, gives the same partial for it.
"""

from __future__ import annotations

import signal
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


def init_worker(queue) -> None:
    """Workers leave Ctrl-C to the parent, which terminates them; they report progress on ``queue``."""
    global _DONE_QUEUE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _DONE_QUEUE = queue



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
            for i in range(min(BLOCK, stop - first)):
                traces.append(simulate(plan, streams, i))
                if len(traces) == step:  # integer sums and counts: the same aggregate however the parts are cut
                    partial.add(traces, keep_from=kept_from if keep else None)
                    kept_from, traces = kept_from + step, []
        if traces:
            partial.add(traces, keep_from=kept_from if keep else None)
        if report is not None:
            report(stop - start)
        elif _DONE_QUEUE is not None:
            _DONE_QUEUE.put(stop - start)
    return partial

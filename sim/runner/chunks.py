"""Chunks of replications: whole blocks of streams, simulated and reduced into one partial aggregate.

A chunk is a range of whole blocks (:data:`sim.streams.BLOCK`) and a pure function of
(scenario, seed, range), so any worker, local or remote, gives the same partial for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ..model import Plan, simulate
from ..processes import started
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
    """A worker reports progress on ``queue``; it leaves Ctrl-C to its parent, and exits at once when the parent
    dies (``alive``: see :func:`sim.processes.started`)."""
    global _DONE_QUEUE
    _DONE_QUEUE = queue
    started(alive)


def thresholds(scenario: Scenario) -> tuple[int, int]:
    """The strength levels whose first reach a run counts: (authorized, target)."""
    return scenario.authorized, scenario.target


def plan_chunks(replications: int) -> list[tuple[int, int]]:
    """Split replications into ranges of whole blocks of at most CHUNK replications."""
    return [(start, min(replications, start + CHUNK)) for start in range(0, replications, CHUNK)]


def spread_chunks(chunks: list[tuple[int, int]], parts: int) -> list[tuple[int, int]]:
    """The replications of ``chunks`` (consecutive) cut into at most ``parts`` chunks of whole blocks, as even as
    they go: for a pool kept open, so that every worker has a share of a small run (the result is the same)."""
    start, stop = chunks[0][0], chunks[-1][1]
    blocks = -(-(stop - start) // BLOCK)
    parts = max(1, min(parts, blocks))
    out, first = [], start
    for k in range(parts):
        last = min(stop, first + (blocks // parts + (k < blocks % parts)) * BLOCK)
        out.append((first, last))
        first = last
    return out


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

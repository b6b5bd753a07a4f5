"""Chunks of replications: whole blocks of streams, simulated and reduced into one partial aggregate.

A chunk is a range of whole blocks (:data:`sim.streams.BLOCK`) and a pure function of
(scenario, seed, range), so any worker, local or remote, gives the same partial for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..model import Plan, simulate
from ..processes import started
from ..results import Accumulator
from ..streams import BLOCK, Streams

if TYPE_CHECKING:
    from ..model.variants import Variation
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


def tell(count: int, report: Callable[[int], None] | None) -> None:
    """Progress: ``count`` more replications finished, told to ``report`` here, or in a pool worker to its parent."""
    if report is not None:
        report(count)
    elif _DONE_QUEUE is not None:
        _DONE_QUEUE.put(count)


def thresholds(scenario: Scenario) -> tuple[int, int]:
    """The strength levels whose first reach a run counts: (authorized, target)."""
    return scenario.authorized, scenario.target


def plan_chunks(replications: int) -> list[tuple[int, int]]:
    """Split replications into ranges of whole blocks of at most CHUNK replications."""
    return [(start, min(replications, start + CHUNK)) for start in range(0, replications, CHUNK)]


@dataclass(frozen=True)
class Keep:
    """What a run keeps besides the aggregate (curves, draws) and what its replications vary (a Variation)."""

    replications: bool = False
    draws: bool = False
    variation: Variation | None = None
    days: tuple[int, ...] | None = None  # with ``replications``: keep these days of each curve only

    def token(self) -> str:
        """A short text that differs between different options (for Dask's task keys)."""
        if not (self.draws or self.variation or self.days):
            return str(int(self.replications))
        text = repr((self.replications, self.draws, self.variation and self.variation.token(), self.days))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


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
    scenario: Scenario, seed: int, layout: Layout, chunks: list[tuple[int, int]], keep: "bool | Keep" = False,
    report: Callable[[int], None] | None = None,
) -> Accumulator:
    """Simulate the replications of each ``(start, stop)`` chunk into one partial aggregate.

    A chunk starts on a block boundary; its result depends only on (scenario, seed, start, stop, keep).
    """
    keep = keep if isinstance(keep, Keep) else Keep(replications=bool(keep))
    plan = Plan(scenario)
    variation = keep.variation
    partial = Accumulator(layout, thresholds(scenario))
    step = max(1, min(CHUNK, CURVE_CELLS // (len(layout.series) * layout.days)))
    for start, stop in chunks:
        traces, kept_from = [], start
        for first in range(start, stop, BLOCK):
            streams = Streams(seed, first // BLOCK)
            count = min(BLOCK, stop - first)
            for i in range(count):
                record = {} if keep.draws else None
                if variation is None:
                    traces.append(simulate(plan, streams, i, record))
                else:
                    values = variation.values(streams, i, first + i)
                    traces.append(simulate(variation.plan(plan, values), streams, i, record))
                    if record is not None:
                        record = {**{("vary", key): value for key, value in values.items()}, **record}
                if record is not None:
                    partial.draws.append((first + i, record))
                if len(traces) == step:  # integer sums and counts: the same aggregate however the parts are cut
                    partial.add(traces, keep_from=kept_from if keep.replications else None, days=keep.days)
                    kept_from, traces = kept_from + step, []
            tell(count, report)  # progress by block, not by chunk: a bar moves every 64 replications, not every 512
        if traces:
            partial.add(traces, keep_from=kept_from if keep.replications else None, days=keep.days)
    return partial

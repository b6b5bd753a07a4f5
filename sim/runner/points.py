"""Design points: many variants of one scenario, each run with the same seed and replications 0..n-1.

A design point is a set of overrides ``{dotted key: value}`` of a base scenario. Every point runs
replications ``0..n-1`` with the same seed, so the named streams give common random numbers across
points: a point's numbers differ from another's only through the values that differ. A point is
reduced where it ran to a few numbers per replication (:class:`PointRecord`: total strength on given
days, the first days at the authorized strength, at the target and in deficit, the day of a lapse),
never to daily curves, and then to what the caller's ``reduce`` makes of them. A point's numbers
depend only on (scenario, overrides, seed, replications), so they are the same on any backend and
any number of workers; batches of points are what the backends spread (calibration can reuse this).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..model import Plan, simulate
from ..results import Layout, curves
from ..streams import BLOCK, Streams
from .backends import Backend, open_backend
from .chunks import tell
from .progress import progress_bar

if TYPE_CHECKING:
    from ..scenario import Scenario

#: Design points per task sent to a worker (and per journal write): small enough to share out, big enough
#: that a task's overhead (the scenario sent along, the variants built) is a small part of its time.
POINTS_PER_BATCH = 8


@dataclass(frozen=True)
class PointRecord:
    """A design point's replications in a few numbers each (days relative to the scenario's start; ``days``
    of the run, the number of days, means "never")."""

    days: int  # the run's number of days
    strength: np.ndarray  # (replications, checkpoints) total strength at the end of each asked day
    first_authorized: np.ndarray  # (replications,) first day the total was at least the authorized strength
    first_target: np.ndarray  # (replications,) first day at least the target
    first_deficit: np.ndarray  # (replications,) first day with a balance below zero (``days`` without funding)
    lapsed: np.ndarray  # (replications,) day of a mandate lapse (0 if before the start)

    @property
    def replications(self) -> int:
        """How many replications the record holds."""
        return len(self.lapsed)


def point_record(scenario: Scenario, seed: int, replications: int, days: Sequence[int]) -> PointRecord:
    """Replications ``0..replications-1`` of ``scenario`` with ``seed``, as a :class:`PointRecord` with the
    total strength on each of ``days`` (day numbers, clipped to the run); a block of 64 at a time in memory."""
    plan, layout = Plan(scenario), Layout.for_scenario(scenario)
    asked = np.clip(np.asarray(days, dtype=np.int64), 0, layout.days - 1)
    parts = []
    for first in range(0, replications, BLOCK):
        streams = Streams(seed, first // BLOCK)
        traces = [simulate(plan, streams, i) for i in range(min(BLOCK, replications - first))]
        strength, balance = curves(traces, layout)
        total = strength[-1]  # (days, replications)
        reached = [_first(total >= level, layout.days) for level in (scenario.authorized, scenario.target)]
        deficit = _first(balance < 0, layout.days) if balance is not None else np.full(len(traces), layout.days)
        lapsed = np.array([layout.days if t.lapsed_on is None else max(0, t.lapsed_on) for t in traces])
        parts.append((total[asked].T, reached[0], reached[1], deficit, lapsed))
    columns = [np.concatenate([part[k] for part in parts]).astype(np.int64) for k in range(5)]
    return PointRecord(layout.days, columns[0].reshape(replications, len(asked)), *columns[1:])


def _first(flags: np.ndarray, days: int) -> np.ndarray:
    """The first day (row) each replication (column) of ``flags`` is true, ``days`` where it never is."""
    return np.where(flags.any(axis=0), flags.argmax(axis=0), days)


def evaluate_batch(base: Scenario, seed: int, replications: int, days: Sequence[int],
                   reduce: Callable[[PointRecord], Any], batch: Sequence[tuple[int, dict]],
                   report: Callable[[int], None] | None = None) -> list[tuple[int, Any]]:
    """``[(index, reduce(record))]`` for each ``(index, overrides)`` of ``batch``: the variant built here, its
    replications run and reduced; progress told per point (``report``, or a pool worker's queue)."""
    out = []
    for index, overrides in batch:
        variant = base.with_overrides(overrides)
        out.append((index, reduce(point_record(variant, seed, replications, days))))
        tell(replications, report)
    return out


def run_points(base: Scenario, points: Sequence[tuple[int, dict]], seed: int, replications: int, days: Sequence[int],
               reduce: Callable[[PointRecord], Any], finished: Callable[[list[tuple[int, Any]]], None],
               backend: "str | Backend" = "local", workers: int | None = None, scheduler: str | None = None,
               progress: bool | Callable[[int], None] | None = None, name: str = "design") -> None:
    """Run the design ``points`` (``(index, overrides)``) of ``base`` in batches on ``backend``; ``finished(pairs)``
    is called here with each batch's ``[(index, reduce(record))]`` as it completes, in any order.

    ``backend`` is a name (opened and closed here) or an open :class:`Backend`; ``progress`` as in
    :func:`sim.run` (a bar over every replication of the points, or a callable given counts).
    """
    batches = [list(points[k:k + POINTS_PER_BATCH]) for k in range(0, len(points), POINTS_PER_BATCH)]
    if not batches:
        return
    function = partial(evaluate_batch, base, seed, replications, list(days), reduce)
    counts = [len(batch) * replications for batch in batches]
    report, close = progress_bar(progress, sum(counts), name)
    try:
        if isinstance(backend, Backend):
            backend.run_batches(function, batches, counts, report, finished)
        else:
            with open_backend(backend, workers, scheduler) as opened:
                opened.run_batches(function, batches, counts, report, finished)
    finally:
        close()

"""``sim.run`` (many replications, aggregated) and ``sim.replicate`` (one replication in full).

A run is (scenario, seed, replications). Replications are grouped in blocks of
:data:`sim.streams.BLOCK`; chunks of whole blocks run on a backend and come back as
partial aggregates that merge exactly, so the result is bit-identical whatever the
number of workers or the backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..errors import InputError
from ..model import Plan, Trace, simulate
from ..results import Layout, Result, curves
from ..scenario.limits import MAX_KEPT_VALUES, MAX_REPLICATIONS, MAX_SEED
from ..streams import BLOCK, RecordingStreams
from ..version import __version__
from .backends import Backend, open_backend
from .chunks import plan_chunks
from .progress import progress_bar

if TYPE_CHECKING:
    from ..scenario import Scenario


def defaults(scenario: Scenario, replications: int | None = None, seed: int | None = None) -> tuple[int, int]:
    """(replications, seed): those given, else the scenario's; refused (InputError) outside 1..MAX_REPLICATIONS
    and 0..MAX_SEED."""
    replications = scenario.replications if replications is None else int(replications)
    seed = scenario.seed if seed is None else int(seed)
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError(f"replications must be from 1 to {MAX_REPLICATIONS:,}, got {replications:,}")
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed must be a whole number from 0 to {MAX_SEED:,}, got {seed}")
    return replications, seed


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
    replications, seed = defaults(scenario, replications, seed)
    layout = Layout.for_scenario(scenario)
    kept = replications * len(layout.series) * layout.days
    if keep_replications and kept > MAX_KEPT_VALUES:
        raise InputError(f"keeping every replication would hold {kept:,} daily values ({replications:,} replications x "
                         f"{len(layout.series)} series x {layout.days:,} days); at most {MAX_KEPT_VALUES:,}: "
                         f"run fewer replications to keep them")
    chunks = plan_chunks(replications)
    report, close = progress_bar(progress, replications, scenario.name)
    try:
        if isinstance(backend, Backend):
            total = backend.run_chunks(scenario, seed, layout, chunks, keep_replications, report)
        else:
            with open_backend(backend, workers, scheduler) as opened:
                total = opened.run_chunks(scenario, seed, layout, chunks, keep_replications, report)
    finally:
        close()
    return Result(scenario, seed, total, __version__)


@dataclass(frozen=True, repr=False)
class Replication:
    """One replication in full: its change points and its daily curves."""

    index: int
    seed: int
    trace: Trace
    dates: np.ndarray  # datetime64[D], one per day of the run
    strength: dict[str, np.ndarray]  # end-of-day strength per country and "total"
    balance_usd: np.ndarray | None  # end-of-day balance, without funding None
    #: every named random decision it drew, by name: ``("slip", "Kenya", 2)`` -> days, ``("factor",
    #: "fulfilment")`` -> the mission-wide uniform, ``("attrition", "Kenya", "0.0")`` -> its two uniforms
    draws: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # one line: the arrays and the trace are there to be looked at one by one
        total = self.strength["total"]
        lapse = ""
        if self.trace.lapsed_on is not None:
            lapse = f", lapsed on {self.dates[0] + np.timedelta64(self.trace.lapsed_on, 'D')}"
        return (f"<Replication {self.index} of seed {self.seed}: {self.dates[0]} to {self.dates[-1]}, "
                f"{len(self.trace.arrivals)} arrivals, peak {int(total.max()):,}, at end {int(total[-1]):,}{lapse}>")


def replicate(scenario: Scenario, replication: int = 0, seed: int | None = None) -> Replication:
    """Replication number ``replication`` of a run with ``seed``: the same one ``run`` aggregates."""
    seed = defaults(scenario, 1, seed)[1]
    block, index = divmod(int(replication), BLOCK)
    streams = RecordingStreams(seed, block, index)
    trace = simulate(Plan(scenario), streams, index)
    layout = Layout.for_scenario(scenario)
    strength, balance = curves([trace], layout)
    return Replication(
        index=int(replication), seed=seed, trace=trace,
        dates=np.datetime64(scenario.start, "D") + np.arange(scenario.days).astype("timedelta64[D]"),
        strength={name: strength[s, :, 0].astype(np.int64) for s, name in enumerate(layout.series)},
        balance_usd=None if balance is None else balance[:, 0] / 100,
        draws=dict(streams.drawn),
    )

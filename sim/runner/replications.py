"""``sim.run`` (many replications, aggregated) and ``sim.replicate`` (one replication in full).

A run is (scenario, seed, replications). Replications are grouped in blocks of
:data:`sim.streams.BLOCK`; chunks of whole blocks run on a backend and come back as
partial aggregates that merge exactly, so the result is bit-identical whatever the
number of workers or the backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from ..errors import InputError
from ..model import Plan, Trace, simulate, variants
from ..results import Layout, Result, curves
from ..results.draws import column
from ..scenario.limits import MAX_KEPT_VALUES, MAX_REPLICATIONS, MAX_SEED
from ..streams import BLOCK, Streams
from ..version import __version__
from .backends import Backend, open_backend
from .chunks import Keep, plan_chunks
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
    arrivals=(),
    vary: Mapping[str, Any] | None = None,
    params: Any = None,
    keep_draws: bool = False,
    keep_days: Sequence[int] | None = None,
) -> Result:
    """Run ``replications`` of ``scenario`` (defaults from its [scenario] table) and aggregate them.

    ``backend`` is "local" (a process pool of ``workers`` processes on this machine,
    default the CPU count; 1 runs in this process), "dask" (the Dask cluster at
    ``scheduler``, or a LocalCluster of ``workers`` processes started and closed
    here), or an open :class:`Backend` shared by several runs (see :func:`open_backend`).
    ``progress`` is True for a progress bar (on a terminal, or in Jupyter), or a callable
    receiving counts of finished replications. ``arrivals``: ``(country or "total", date)`` pairs whose
    cumulative arrivals the result keeps (:meth:`Result.arrived_distribution`; none by default). ``vary``
    ({key: prior}) gives each replication its own value of each key, drawn from its own stream; ``params``
    (a table of columns, e.g. a DataFrame, or a CSV file's path) gives replication ``r`` row ``r mod rows``;
    ``keep_draws`` keeps every replication's named draws (``Result.draws()``). ``keep_days`` (day numbers,
    with ``keep_replications``) keeps each replication's strength on those days only
    (``Result.replication_strength()`` is then (replications, series, len(keep_days))), and no balances: what
    a calibration compares with the observations, at a fraction of the memory. The result depends only on
    (scenario, seed, replications, arrivals, vary, params): not on the backend, the workers, or the order
    chunks finish in.
    """
    replications, seed = defaults(scenario, replications, seed)
    variation = variants.variation(scenario, vary, params)
    layout = Layout.for_scenario(scenario, arrivals)
    days = None
    if keep_days is not None:
        days = tuple(int(day) for day in keep_days)
        if not keep_replications or not days or not all(0 <= day < layout.days for day in days):
            raise InputError(f"keep_days takes day numbers from 0 to {layout.days - 1}, with keep_replications=True")
    kept = replications * len(layout.series) * (len(days) if days else layout.days)
    if keep_replications and kept > MAX_KEPT_VALUES:
        raise InputError(f"keeping every replication would hold {kept:,} daily values ({replications:,} replications x "
                         f"{len(layout.series)} series x {layout.days:,} days); at most {MAX_KEPT_VALUES:,}: "
                         f"run fewer replications to keep them")
    chunks = plan_chunks(replications)
    keep = Keep(bool(keep_replications), bool(keep_draws), variation, days)
    report, close = progress_bar(progress, replications, scenario.name)
    try:
        if isinstance(backend, Backend):
            total = backend.run_chunks(scenario, seed, layout, chunks, keep, report)
        else:
            with open_backend(backend, workers, scheduler) as opened:
                total = opened.run_chunks(scenario, seed, layout, chunks, keep, report)
    finally:
        close()
    result = Result(scenario, seed, total, __version__)
    if variation is not None:
        result.varied = variation.described()
    return result


@dataclass(frozen=True, repr=False)
class Replication:
    """One replication in full: its change points and its daily curves."""

    index: int
    seed: int
    trace: Trace
    dates: np.ndarray  # datetime64[D], one per day of the run
    strength: dict[str, np.ndarray]  # end-of-day strength per country and "total"
    balance_usd: np.ndarray | None  # end-of-day balance, without funding None
    #: its varied values and named draws by column, as draws.csv names them: ``"slip:Kenya:2"`` -> days,
    #: ``"relief:Kenya:2.0"`` -> True if the relief comes, ``"factor:fulfilment"`` -> the mission-wide uniform
    draws: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # one line: the arrays and the trace are there to be looked at one by one
        total = self.strength["total"]
        lapse = ""
        if self.trace.lapsed_on is not None:
            lapse = f", lapsed on {self.dates[0] + np.timedelta64(self.trace.lapsed_on, 'D')}"
        return (f"<Replication {self.index} of seed {self.seed}: {self.dates[0]} to {self.dates[-1]}, "
                f"{len(self.trace.arrivals)} arrivals, peak {int(total.max()):,}, at end {int(total[-1]):,}{lapse}>")


def replicate(scenario: Scenario, replication: int = 0, seed: int | None = None,
              vary: Mapping[str, Any] | None = None, params: Any = None) -> Replication:
    """Replication number ``replication`` of a run with ``seed`` (and ``vary``, ``params``): the one ``run`` aggregates."""
    seed = defaults(scenario, 1, seed)[1]
    variation = variants.variation(scenario, vary, params)
    block, index = divmod(int(replication), BLOCK)
    streams = Streams(seed, block)
    plan, record = Plan(scenario), {}
    if variation is not None:
        values = variation.values(streams, index, int(replication))
        plan = variation.plan(plan, values)
        record = {("vary", key): value for key, value in values.items()}
    trace = simulate(plan, streams, index, record)
    layout = Layout.for_scenario(scenario)
    strength, balance = curves([trace], layout)
    return Replication(
        index=int(replication), seed=seed, trace=trace,
        dates=np.datetime64(scenario.start, "D") + np.arange(scenario.days).astype("timedelta64[D]"),
        strength={name: strength[s, :, 0].astype(np.int64) for s, name in enumerate(layout.series)},
        balance_usd=None if balance is None else balance[:, 0] / 100,
        draws={column(name): value for name, value in record.items()},
    )

"""Replications that carry their own values: a key drawn from a prior (``--vary``) or read from a table
(``--params``), applied to a copy of the Plan for one replication (docs/design.md section 3)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..dists import Dist, DistError
from ..errors import InputError
from ..scenario.params import read_params
from ..scenario.varied import check_corners, column_probes, extremes, prior_probes, resolve

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..scenario.varied import VariedKey
    from ..streams import Streams
    from .plan import Plan


class Variation:
    """What each replication of a run takes for its own: keys, their priors, the rows of a parameter table."""

    def __init__(self, keys: list[VariedKey], priors: dict[str, Dist], table: dict[str, np.ndarray], source: str = ""):
        self.keys = keys
        self.priors = priors
        self.table = table
        self.source = source  # the parameter table's file, if it came from one
        self.rows = len(next(iter(table.values()))) if table else 0
        slots = [slot for key in keys for slot in key.slots]
        self.gaps = any(slot[-1] == "relief_gap_days" for slot in slots)  # may a relief now come early?
        self.pledges = any(slot[0] == "pledge" for slot in slots)

    def token(self) -> str:
        """A text that differs between Variations that give different values."""
        columns = [(name, column.tobytes().hex()) for name, column in self.table.items()]
        return repr((self.names, sorted((k, repr(p)) for k, p in self.priors.items()), columns))

    def described(self) -> dict[str, str]:
        """Each key and where its values come from (its prior, or the parameter table), for summary.json."""
        table = (f"column of {self.source or 'the parameter table'} ({self.rows:,} rows; replication r takes "
                 f"row r mod {self.rows:,})")
        return {k.key: str(self.priors[k.key]) if k.key in self.priors else table for k in self.keys}

    @property
    def names(self) -> list[str]:
        """The varied keys, in order: the drawn ones, then the table's columns."""
        return [k.key for k in self.keys]

    def values(self, streams: Streams, index: int, replication: int) -> dict[str, float]:
        """Replication ``replication``'s values (``index`` in the block of ``streams``): drawn, or row ``r mod rows``."""
        out = {}
        for key in self.keys:
            prior = self.priors.get(key.key)
            if prior is not None:
                out[key.key] = streams.values(("vary", key.key), prior)[index]
            else:
                out[key.key] = float(self.table[key.key][replication % self.rows])
        return out

    def plan(self, plan: Plan, values: dict[str, float]) -> Plan:
        """A copy of ``plan`` whose distributions take ``values`` (a key's value in every place it sets)."""
        found: dict[tuple, Dist] = {}
        for key in self.keys:
            value = values[key.key]
            for slot in key.slots:
                found[slot] = key.dist(found.get(slot) or _at(plan, slot), value)
        variant = copy.copy(plan)
        contingents = list(plan.contingents)
        batches: dict[int, list] = {}
        pledges = list(plan.funding.pledges) if self.pledges else []
        mandates: dict[int, Dist] = {}
        for slot, dist in found.items():
            kind = slot[0]
            if kind == "contingent":
                contingents[slot[1]] = _replaced(contingents[slot[1]], slot[2], dist)
            elif kind == "batch":
                listed = batches.setdefault(slot[1], list(contingents[slot[1]].batches))
                listed[slot[2]] = _replaced(listed[slot[2]], "slip_days", dist)
            elif kind == "mandate":
                mandates[slot[1]] = dist
            else:
                pledges[slot[1]] = _replaced(pledges[slot[1]], slot[2], dist)
        for c, listed in batches.items():
            contingents[c] = _replaced(contingents[c], "batches", tuple(listed))
        variant.contingents = tuple(contingents)
        if self.gaps:
            variant.overlapping = [c.relief_gap_days.support()[0] < 0 for c in contingents]
        if mandates:
            listed = plan.scenario.mandates
            changed = {id(listed[m]): _replaced(listed[m], "renewal_probability", d) for m, d in mandates.items()}
            variant.deadlines = [(name, day, changed.get(id(m), m), k) for name, day, m, k in plan.deadlines]
        if self.pledges:
            variant.funding = _replaced(plan.funding, "pledges", tuple(pledges))
        return variant


def _replaced(item: Any, attribute: str, value: Any) -> Any:
    """A copy of a frozen dataclass with one attribute replaced (``dataclasses.replace`` without its checks)."""
    new = object.__new__(type(item))
    new.__dict__.update(item.__dict__)
    object.__setattr__(new, attribute, value)
    return new


def _at(plan: Plan, slot: tuple) -> Dist:
    """The distribution at ``slot`` of the plan's scenario."""
    scenario = plan.scenario
    if slot[0] == "contingent":
        return getattr(scenario.contingents[slot[1]], slot[2])
    if slot[0] == "batch":
        return scenario.contingents[slot[1]].batches[slot[2]].slip_days
    if slot[0] == "mandate":
        return scenario.mandates[slot[1]].renewal_probability
    return getattr(scenario.funding.pledges[slot[1]], slot[2])


def variation(scenario: Scenario, vary: Mapping[str, Any] | None = None, params: Any = None) -> Variation | None:
    """The Variation of ``vary`` ({key: prior}) and ``params`` (a table: columns of numbers), every key and
    range checked on ``scenario`` before anything runs; None when neither is given. InputError if wrong."""
    if isinstance(vary, Variation):
        return vary
    if not vary and params is None:
        return None
    priors = {str(key): as_prior(key, prior) for key, prior in (vary or {}).items()}
    source = str(params) if isinstance(params, (str, Path)) else ""
    table = (read_params(params) if source else as_table(params)) if params is not None else {}
    both = sorted(set(priors) & set(table))
    if both:
        raise InputError(f"--params column {both[0]!r} is also given by --vary; give each key once")
    keys = [resolve(scenario, key, prior_probes(key, prior), "--vary") for key, prior in priors.items()]
    ranges = {key: extremes(prior) for key, prior in priors.items()}
    for column, values in table.items():
        keys.append(resolve(scenario, column, column_probes(values), "--params"))
        ranges[column] = (float(values.min()), float(values.max()))
    check_corners(scenario, ranges, "--vary" if not table else "--params")
    return Variation(keys, priors, table, source)


def as_prior(key: str, prior: Any) -> Dist:
    """A prior given as a Dist, a distribution table or a number (InputError if none of these)."""
    if isinstance(prior, Dist):
        return prior
    if isinstance(prior, dict):
        try:
            return Dist.from_table(prior)
        except DistError as error:
            raise InputError(f"--vary {key}: {error}") from None
    if not isinstance(prior, bool) and isinstance(prior, (int, float)):
        if not np.isfinite(prior):
            raise InputError(f"--vary {key}: must be a finite number, got {prior!r}")
        return Dist.fixed(prior)
    raise InputError(f"--vary {key}: give a distribution table such as {{dist = \"uniform\", low = 0.5, high = 1}} "
                     f"or a number, got {prior!r}")


def as_table(params: Any) -> dict[str, np.ndarray]:
    """A parameter table (a mapping or pandas DataFrame of columns) as finite float columns of one length."""
    columns = params.items() if hasattr(params, "items") else None
    if columns is None:
        raise InputError(f"params must be a table of columns (a dict or a pandas DataFrame), got {type(params).__name__}")
    out: dict[str, np.ndarray] = {}
    for name, values in columns:
        try:
            array = np.asarray(values, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise InputError(f"params column {name!r} must hold numbers") from None
        if not np.isfinite(array).all():
            raise InputError(f"params column {name!r} holds a value that is not a finite number")
        out[str(name)] = array
    lengths = {len(v) for v in out.values()}
    if not out or 0 in lengths or len(lengths) > 1:
        raise InputError("params needs at least one column, each with the same number of rows (at least one)")
    return out

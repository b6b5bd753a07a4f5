"""Replications that carry their own values: a key drawn from a prior (``--vary``), read from a table
(``--params``) or taken from a particle of the scenario's [posterior] (drawn jointly, by weight), applied to a copy
of the Plan for one replication (docs/design.md section 3)."""

from __future__ import annotations

import copy
import hashlib
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..dists import Dist, DistError
from ..errors import InputError
from ..scenario.params import read_params
from ..scenario.problems import Problem, ScenarioError, key_path
from ..scenario.varied import check_corners, column_probes, extremes, prior_probes, resolve

#: The named stream each replication's particle of a [posterior] is drawn from (one uniform, by weight).
POSTERIOR = ("posterior",)

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..scenario.fitted import Posterior
    from ..scenario.varied import VariedKey
    from ..streams import Streams
    from .plan import Plan


class Variation:
    """What each replication of a run takes for its own: keys, their priors, the rows of a parameter table."""

    def __init__(self, keys: list[VariedKey], priors: dict[str, Dist], table: dict[str, np.ndarray], source: str = "",
                 posterior: Posterior | None = None):
        self.keys = keys
        self.priors = priors
        self.table = table
        self.source = source  # the parameter table's file, if it came from one
        self.rows = len(next(iter(table.values()))) if table else 0
        self.posterior = posterior  # particles drawn jointly, by weight, from the stream POSTERIOR
        if posterior is not None:
            weights = posterior.weights / math.fsum(posterior.weights.tolist())
            self.cumulative = np.cumsum(weights)
        slots = [slot for key in keys for slot in key.slots]
        self.gaps = any(slot[-1] == "relief_gap_days" for slot in slots)  # may a relief now come early?
        self.pledges = any(slot[0] == "pledge" for slot in slots)

    def token(self) -> str:
        """A text that differs between Variations that give different values."""
        columns = [(name, hashlib.sha256(column.tobytes()).hexdigest()) for name, column in self.table.items()]
        drawn = self.posterior.digest if self.posterior is not None else ""
        return repr((self.names, sorted((k, repr(p)) for k, p in self.priors.items()), columns, drawn))

    def described(self) -> dict[str, str]:
        """Each key and where its values come from (its prior, or the parameter table), for summary.json."""
        return {k.key: self._described(k.key) for k in self.keys}

    def _described(self, key: str) -> str:
        """Where ``key``'s values come from, in words."""
        if key in self.priors:
            return str(self.priors[key])
        if key in self.table:
            return (f"column of {self.source or 'the parameter table'} ({self.rows:,} rows; replication r takes row "
                    f"r mod {self.rows:,})")
        return (f"column of {Path(self.posterior.file).name} ({self.posterior.rows:,} particles; each replication "
                f"draws one, jointly with the other columns, by weight)")

    @property
    def names(self) -> list[str]:
        """The varied keys, in order: the drawn ones, then the table's columns."""
        return [k.key for k in self.keys]

    def values(self, streams: Streams, index: int, replication: int) -> dict[str, float]:
        """Replication ``replication``'s values (``index`` in the block of ``streams``): drawn, or row ``r mod rows``."""
        out = {}
        row = None
        for key in self.keys:
            prior = self.priors.get(key.key)
            if prior is not None:
                out[key.key] = streams.values(("vary", key.key), prior)[index]
            elif key.key in self.table:
                out[key.key] = float(self.table[key.key][replication % self.rows])
            else:
                if row is None:
                    row = self.particle(streams, index)
                out[key.key] = float(self.posterior.columns[key.key][row])
        return out

    def particle(self, streams: Streams, index: int) -> int:
        """The row of the posterior that replication ``index`` of the block takes: the first whose cumulative
        normalised weight exceeds the uniform number the stream POSTERIOR gives it."""
        u = streams.uniforms(POSTERIOR)[index][0]
        return min(int(np.searchsorted(self.cumulative, u, side="right")), len(self.cumulative) - 1)

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
    posterior = scenario.posterior
    if not vary and params is None and posterior is None:
        return None
    priors = {str(key): as_prior(key, prior) for key, prior in (vary or {}).items()}
    source = str(params) if isinstance(params, (str, Path)) else ""
    table = (read_params(params) if source else as_table(params)) if params is not None else {}
    both = sorted(set(priors) & set(table))
    if both:
        raise InputError(f"--params column {both[0]!r} is also given by --vary; give each key once")
    fitted = posterior.keys if posterior is not None else []
    twice = sorted((set(priors) | set(table)) & set(fitted))
    if twice:
        raise InputError(f"{twice[0]!r} is drawn from the scenario's posterior ({posterior.file}); do not give it "
                         f"by --vary or --params too")
    keys = [resolve(scenario, key, prior_probes(key, prior), "--vary") for key, prior in priors.items()]
    ranges = {key: extremes(prior) for key, prior in priors.items()}
    for column, values in table.items():
        keys.append(resolve(scenario, column, column_probes(values), "--params"))
        ranges[column] = (float(values.min()), float(values.max()))
    check_corners(scenario, ranges, "--vary" if not table else "--params")
    if posterior is not None:
        problems = posterior_problems(scenario)
        if problems:
            raise ScenarioError(problems)
    for key in fitted:  # resolved to the places they set
        keys.append(resolve(scenario, key, column_probes(posterior.columns[key]), "a [posterior] column"))
    return Variation(keys, priors, table, source, posterior)


def fitted_problems(scenario: Scenario) -> list[Problem]:
    """Problems of the [posterior] columns and of the [calibration] keys the scenario's own file writes (what ``sim
    validate`` checks; keys inherited through ``extends`` are checked where they are written, and when used)."""
    own = calibration_problems(scenario, own=True)
    return own + (posterior_problems(scenario) if scenario.posterior is not None else [])


def calibration_problems(scenario: Scenario, own: bool = False) -> list[Problem]:
    """Problems of the [calibration] keys (only those the scenario's own file writes if ``own``): each must be a key
    ``--vary`` takes, every value of its prior valid (at the line of the key)."""
    problems, ranges = [], {}
    lines = getattr(scenario.calibration, "lines", {})
    main = Path(scenario.source).resolve()
    for key, prior in scenario.calibration.items():
        file, line = lines.get(key, (None, None))
        if own and file is not None and Path(file).resolve() != main:
            continue
        try:
            resolve(scenario, key, prior_probes(key, prior), "[calibration]")
            ranges[key] = extremes(prior)
        except ScenarioError as error:
            problems += [Problem(file or scenario.source, line, key_path(("calibration", key)), p.message)
                         for p in error.problems]
    if not problems and len(ranges) > 1:
        problems += _corners(scenario, ranges, scenario.source, None)
    return problems


def posterior_problems(scenario: Scenario) -> list[Problem]:
    """Problems of the posterior's columns: each must be a key ``--vary`` takes, its lowest and highest value valid
    (at the line of the header, or of the row that holds the value)."""
    posterior, problems, ranges = scenario.posterior, [], {}
    for key, values in posterior.columns.items():
        for k in dict.fromkeys((int(np.argmin(values)), int(np.argmax(values)))):
            value = float(values[k])
            try:
                resolve(scenario, key, [(value, f"at {value:g}, on this line")], "a [posterior] column")
            except ScenarioError as error:
                unknown = any("not a value drawn" in p.message or "no distribution's parameter" in p.message
                              for p in error.problems)
                line = posterior.header_line if unknown else int(posterior.lines[k])
                problems += [Problem(posterior.file, line, key, p.message) for p in error.problems]
                break
        ranges[key] = (float(values.min()), float(values.max()))
    if not problems and len(ranges) > 1:
        problems += _corners(scenario, ranges, posterior.file, posterior.header_line)
    return problems


def _corners(scenario: Scenario, ranges: dict, file: str, line: int | None) -> list[Problem]:
    """Problems of parameters of one distribution varied together, at the corners of their ranges."""
    try:
        check_corners(scenario, ranges, file)
    except ScenarioError as error:
        return [Problem(file, line, p.path, p.message) for p in error.problems]
    return []


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

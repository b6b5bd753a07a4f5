"""Keys a replication may take its own value of (``--vary``, ``--params``): which of the scenario's
distributions each one sets, checked before anything runs (docs/design.md section 3, per-replication values)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from ..dists import FORMS, Dist, DistError
from ..text import did_you_mean
from .problems import Problem, ScenarioError

if TYPE_CHECKING:
    from .core import Scenario

#: The values a scenario draws per replication, by the last part of their key.
DRAWN = ("fulfilment", "slip_days", "tour_days", "attrition_per_year", "probability", "gap_days", "fraction",
         "renewal_probability")
#: The parameter names of every form (``mean``, ``sd``, ``median``, ...).
PARAMETERS = tuple(dict.fromkeys(name for names in FORMS.values() for name in names if name != "value"))
#: A contingent's attribute for each drawn key of a contingent or of [assumptions].
FIELDS = {"fulfilment": "fulfilment", "tour_days": "tour_days", "attrition_per_year": "attrition_per_year",
          "rotation.probability": "relief_probability", "rotation.gap_days": "relief_gap_days",
          "rotation.fraction": "relief_fraction"}
#: How far into its tails an unbounded prior is checked (the inverse transform clips its uniforms there too).
TAIL = 1e-12

WHAT = ("the fulfilment, slip_days, tour_days, attrition_per_year, rotation.probability, rotation.gap_days or "
        "rotation.fraction of [assumptions] or of a contingent, a batch's slip_days, a mandate's renewal_probability, "
        "a pledge's fulfilment or slip_days, or a parameter of one of these distributions (e.g. "
        "assumptions.fulfilment.mean)")

#: A place a distribution lives in a Scenario: ("contingent", c, attribute), ("batch", c, k), ("mandate", m),
#: ("pledge", p, attribute).
Slot = tuple


@dataclass(frozen=True)
class VariedKey:
    """A key resolved: the scenario's distributions it sets, and the parameter it is (None: the whole value)."""

    key: str
    slots: tuple[Slot, ...]
    param: str | None

    def dist(self, base: Dist, value: float) -> Dist:
        """The distribution a slot holding ``base`` takes for ``value`` (a fixed value, or ``base`` with the parameter)."""
        if self.param is None:
            return Dist.fixed(value)
        try:
            return base.with_param(self.param, value)
        except DistError as error:
            raise ScenarioError([Problem("--vary", None, self.key, f"{error} (the value {value!r} gives "
                                                                     f"an impossible {base.kind})")]) from None


def slots(scenario: Scenario) -> dict[Slot, Dist]:
    """Every distribution the scenario draws per replication, by its place."""
    out: dict[Slot, Dist] = {}
    for c, contingent in enumerate(scenario.contingents):
        for attribute in FIELDS.values():
            out[("contingent", c, attribute)] = getattr(contingent, attribute)
        for k, batch in enumerate(contingent.batches):
            out[("batch", c, k)] = batch.slip_days
    for m, mandate in enumerate(scenario.mandates):
        out[("mandate", m)] = mandate.renewal_probability
    if scenario.funding:
        for p, pledge in enumerate(scenario.funding.pledges):
            out[("pledge", p, "fulfilment")] = pledge.fulfilment
            out[("pledge", p, "slip_days")] = pledge.slip_days
    return out


def resolve(scenario: Scenario, key: str, probes: list[tuple[Any, str]], option: str = "--vary") -> VariedKey:
    """``key`` resolved on ``scenario``, every probe ``(value, what it is)`` (a number or a distribution table)
    checked there as ``--set`` would; ScenarioError (an InputError) naming ``option`` and the key if it cannot vary."""
    parts = key.split(".")
    if parts[-1] in DRAWN:
        param = None
    elif len(parts) > 1 and parts[-2] in DRAWN and parts[-1] in PARAMETERS:
        param = parts[-1]
    elif len(parts) > 1 and parts[-2] in DRAWN:
        raise _problem(option, key, f"{parts[-1]!r} is no distribution's parameter{did_you_mean(parts[-1], PARAMETERS)}; "
                                    f"the parameters are {', '.join(PARAMETERS)}")
    else:
        raise _problem(option, key, f"is not a value drawn per replication; {option} takes {WHAT}. Use --set to "
                                    f"change a value for every replication")
    base = slots(scenario)
    changed: dict[Slot, None] = {}
    variants, failures = [], []
    for probe, note in probes:
        try:
            variants.append(scenario.with_overrides({key: probe}))
        except ScenarioError as error:
            failures.append((error, note))
    if failures:
        error, note = failures[0]
        if len(failures) == len(probes) > 1 and all(str(e) == str(error) for e, _ in failures):
            note = ""  # every value fails alike: the key is at fault, not the value
        raise ScenarioError([Problem(option, None, p.path, p.message + (f" ({note})" if note else ""))
                             if p.file == "override" else p for p in error.problems]) from None
    for variant in variants:
        changed.update(_changes(base, variant))
    if len(probes) == 1 and isinstance(probes[0][0], (int, float)):  # one value: nudged, to see where it goes
        for nudged in (probes[0][0] + 1e-6, probes[0][0] - 1e-6):
            try:
                changed.update(_changes(base, scenario.with_overrides({key: nudged})))
                break
            except ScenarioError:
                continue
    if not changed:
        raise _problem(option, key, "sets no value this scenario draws (each place it could set gives its own value)")
    if param is not None:
        for slot in changed:
            if param not in FORMS.get(base[slot].kind, ()):
                raise _problem(option, key, f"{base[slot]} has no parameter {param!r}")
    return VariedKey(key, tuple(changed), param)


def _changes(base: dict[Slot, Dist], variant: Scenario) -> dict[Slot, None]:
    """The places whose distribution differs in ``variant`` from ``base``."""
    return {slot: None for slot, dist in slots(variant).items() if dist != base.get(slot)}


def check_corners(scenario: Scenario, ranges: Mapping[str, tuple[float, float]], option: str) -> None:
    """Parameters of one distribution varied together are checked at every corner of their ranges (ScenarioError)."""
    groups: dict[str, list[str]] = {}
    for key in ranges:
        parent, _, last = key.rpartition(".")
        if last in PARAMETERS:
            groups.setdefault(parent, []).append(key)
    for keys in groups.values():
        if len(keys) < 2:
            continue
        for corner in itertools.product(*(ranges[k] for k in keys)):
            values = dict(zip(keys, corner))
            try:
                scenario.with_overrides(values)
            except ScenarioError as error:
                at = ", ".join(f"{k}={v:g}" for k, v in values.items())
                raise ScenarioError([Problem(option, None, p.path, f"{p.message} (at {at}, a corner of the ranges "
                                                                   f"varied together)") for p in error.problems]) from None


def prior_probes(key: str, prior: Dist) -> list[tuple[Any, str]]:
    """The values ``(value, what it is)`` a prior for ``key`` is checked with: for a whole value the prior itself
    and two of its values (so that every place the key sets shows a change), for a parameter its extremes."""
    if prior.is_fixed:
        return [(prior.params[0], "")]
    if key.rpartition(".")[2] in DRAWN:
        inner = prior.quantile(np.array([0.25, 0.75])).tolist()
        return [(prior.to_toml(), "")] + [(v, f"at {v:g}, a value the prior gives") for v in dict.fromkeys(inner)]
    low, high = extremes(prior)
    return [(low, f"at {low:g}, the lowest value the prior gives"), (high, f"at {high:g}, the highest value the prior gives")]


def column_probes(values: np.ndarray) -> list[tuple[float, str]]:
    """The values a parameter table's column is checked with: its lowest and highest."""
    low, high = float(values.min()), float(values.max())
    if low == high:
        return [(low, f"at {low:g}, the column's value")]
    return [(low, f"at {low:g}, the column's lowest value"), (high, f"at {high:g}, the column's highest value")]


def extremes(prior: Dist) -> tuple[float, float]:
    """The lowest and highest values a prior can give (an unbounded one at its 1e-12 tails)."""
    low, high = prior.support()
    if math.isinf(low) or math.isinf(high):
        tails = prior.quantile(np.array([TAIL, 1 - TAIL])).tolist()
        low, high = (tails[0] if math.isinf(low) else low), (tails[1] if math.isinf(high) else high)
    return float(low), float(high)


def _problem(option: str, key: str, message: str) -> ScenarioError:
    """A ScenarioError for one key of ``option``."""
    return ScenarioError([Problem(option, None, key, message)])

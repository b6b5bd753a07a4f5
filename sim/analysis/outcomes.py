"""What a design point is measured by: named outcomes such as ``strength@end`` or
``p_reach_authorized@Renewal 2025``, and conditions on them such as ``strength@end >= 2500``.

An outcome is ``STATISTIC@WHEN``: the statistic over a point's replications, taken at the end of the
day WHEN, which is ``end`` (the run's last day), a mandate deadline's label (``Scenario.deadlines()``:
``UNSC 2699``, ``Renewal 2025 +12m``) or a date ``YYYY-MM-DD`` within the run. ``p_deficit`` alone
means ``p_deficit@end``. Strengths are rounded to 3 decimals and probabilities to 4, as in sweep.csv,
where the point ran: design.csv holds the very numbers the indices and the boxes are computed from.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..text import clip, did_you_mean, printable, quoted
from .ranges import DesignError

if TYPE_CHECKING:
    from ..runner import PointRecord
    from ..scenario import Scenario

#: The statistics an outcome may take, and what each is in words.
STATISTICS = {
    "strength": "median total strength",
    "mean_strength": "mean total strength",
    "p_reach_authorized": "P(authorized strength reached)",
    "p_reach_target": "P(target reached)",
    "p_deficit": "P(deficit)",
    "p_lapse": "P(mandate lapsed)",
}
#: Comparisons a ``--when`` condition may make.
COMPARISONS = (">=", "<=", "==", "!=", ">", "<")


@dataclass(frozen=True)
class Outcome:
    """One measured outcome: ``statistic`` at the end of day ``day`` (named ``when``)."""

    name: str
    statistic: str
    when: str
    day: int

    @property
    def words(self) -> str:
        """The outcome in words: ``median total strength at Renewal 2025``."""
        return f"{STATISTICS[self.statistic]} {'by' if self.statistic.startswith('p_') else 'at'} {self.when}"

    @property
    def probability(self) -> bool:
        """Whether the outcome is a probability (in [0, 1])."""
        return self.statistic.startswith("p_")


def checkpoints(scenario: Scenario) -> list[tuple[str, int]]:
    """(label, day) of each mandate deadline within the run, then ``end``."""
    out = [(label, scenario.day(date)) for label, date in scenario.deadlines() if scenario.day(date) < scenario.days]
    return out + [("end", scenario.days - 1)]


def default_outcomes(scenario: Scenario) -> list[str]:
    """``strength@`` and ``p_reach_authorized@`` each deadline and ``end``; ``p_deficit`` with funding."""
    labels = [label for label, _ in checkpoints(scenario)]
    names = [f"strength@{label}" for label in labels] + [f"p_reach_authorized@{label}" for label in labels]
    return names + (["p_deficit"] if scenario.funding is not None else [])


def parse_outcome(scenario: Scenario, text: str) -> Outcome:
    """The outcome named ``text`` in ``scenario`` (DesignError naming what is allowed, with the nearest name)."""
    text = str(text).strip()
    statistic, sep, when = text.partition("@")
    statistic, when = statistic.strip(), when.strip() if sep else "end"
    shown = clip(printable(text), 100)
    if statistic not in STATISTICS:
        raise DesignError(f"outcome {shown!r}: unknown statistic {quoted(statistic, 60)}"
                          f"{did_you_mean(statistic, STATISTICS)}; allowed: {', '.join(STATISTICS)}, as STATISTIC@WHEN")
    if statistic == "p_deficit" and scenario.funding is None:
        raise DesignError(f"outcome {shown!r}: the scenario has no [funding] table, so no deficit")
    labels = dict(checkpoints(scenario))
    if when in labels:
        return Outcome(_name(statistic, when), statistic, when, labels[when])
    try:
        date = dt.date.fromisoformat(when) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", when) else None
    except ValueError:
        date = None
    if date is None:
        raise DesignError(f"outcome {shown!r}: unknown time {quoted(when, 60)}{did_you_mean(when, labels)}; "
                          f"allowed: {', '.join(labels)}, or a date YYYY-MM-DD within the run")
    if not 0 <= scenario.day(date) < scenario.days:
        raise DesignError(f"outcome {shown!r}: {date} is outside the run ({scenario.start} to {scenario.end})")
    return Outcome(_name(statistic, date.isoformat()), statistic, date.isoformat(), scenario.day(date))


def _name(statistic: str, when: str) -> str:
    """An outcome's name: ``STATISTIC@WHEN``, and ``p_deficit`` alone for ``p_deficit@end``."""
    return statistic if statistic == "p_deficit" and when == "end" else f"{statistic}@{when}"


@dataclass(frozen=True)
class Outcomes:
    """The outcomes of a design, computed from each point's :class:`~sim.runner.PointRecord` where it ran."""

    items: tuple[Outcome, ...]

    @property
    def names(self) -> list[str]:
        """The outcomes' names, in order."""
        return [o.name for o in self.items]

    @property
    def days(self) -> list[int]:
        """The days whose strength the points must record (sorted)."""
        return sorted({o.day for o in self.items if o.statistic in ("strength", "mean_strength")})

    def __call__(self, record: PointRecord) -> dict[str, float]:
        """``{name: value}`` of one point (strengths rounded to 3 decimals, probabilities to 4)."""
        column = {day: k for k, day in enumerate(self.days)}
        firsts = {"p_reach_authorized": record.first_authorized, "p_reach_target": record.first_target,
                  "p_deficit": record.first_deficit, "p_lapse": record.lapsed}
        out = {}
        for o in self.items:
            if o.statistic == "strength":
                out[o.name] = round(float(np.median(record.strength[:, column[o.day]])), 3)
            elif o.statistic == "mean_strength":
                out[o.name] = round(float(np.mean(record.strength[:, column[o.day]])), 3)
            else:
                out[o.name] = round(float(np.mean(firsts[o.statistic] <= o.day)), 4)
        return out


def outcomes(scenario: Scenario, extra: Sequence[str] = ()) -> Outcomes:
    """The default outcomes of ``scenario`` and those named in ``extra`` (each once, in order)."""
    items: dict[str, Outcome] = {}
    for text in list(default_outcomes(scenario)) + [str(t) for t in extra or ()]:
        outcome = parse_outcome(scenario, text)
        items.setdefault(outcome.name, outcome)
    return Outcomes(tuple(items.values()))


@dataclass(frozen=True)
class Condition:
    """``outcome OP value``: which design points show the outcome a discovery looks for."""

    outcome: Outcome
    op: str
    value: float

    @property
    def text(self) -> str:
        """The condition as written: ``strength@end >= 2500``."""
        return f"{self.outcome.name} {self.op} {self.value:g}"

    def holds(self, values: Sequence[float]) -> np.ndarray:
        """Whether each of ``values`` (the outcome at each point) meets the condition."""
        v = np.asarray(values, dtype=float)
        return {">=": v >= self.value, "<=": v <= self.value, ">": v > self.value, "<": v < self.value,
                "==": v == self.value, "!=": v != self.value}[self.op]


def parse_condition(scenario: Scenario, text: str) -> Condition:
    """``'OUTCOME OP NUMBER'`` (``strength@end >= 2500``, ``'p_reach_authorized@Renewal 2025 >= 0.5'``), OP one
    of >=, <=, >, <, ==, !=; the number may have thousands separators. DesignError otherwise."""
    text = str(text).strip()
    shown = clip(printable(text), 120)
    match = re.fullmatch(r"(.+?)\s*(>=|<=|==|!=|>|<)\s*([-+0-9.,_eE]+)", text)
    if not match:
        raise DesignError(f"--when {shown!r}: write OUTCOME OP NUMBER, e.g. 'strength@end >= 2500' "
                          f"(OP one of {', '.join(COMPARISONS)})")
    stray = re.search(r"[=<>!]+$", match.group(1).rstrip())
    if stray:  # '=>', '=<', '===': a comparison this does not know, not an outcome's name
        raise DesignError(f"--when {shown!r}: unknown comparison {stray.group(0) + match.group(2)!r}; "
                          f"OP is one of {', '.join(COMPARISONS)}")
    number = match.group(3)
    try:
        value = float(number.replace(",", "").replace("_", ""))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DesignError(f"--when {shown!r}: {number!r} is not a number")
    if "," in number and not re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?", number):
        raise DesignError(f"--when {shown!r}: {number!r}: a comma separates thousands (2,500), and only them")
    try:
        outcome = parse_outcome(scenario, match.group(1))
    except DesignError as error:
        raise DesignError(f"--when {shown!r}: {error}") from None
    if outcome.probability and not 0 <= value <= 1:
        raise DesignError(f"--when {shown!r}: {outcome.name} is a probability: compare it with a number from 0 to 1, "
                          f"not {number}")
    return Condition(outcome, match.group(2), value)

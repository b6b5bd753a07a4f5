"""The validated, immutable Scenario, and ``load``."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..facts import FactBase, find_facts_path, load_facts
from ..text import plural
from .build import fields
from .fitted import Posterior
from .files import read_with_extends
from .lines import Locator
from .paths import set_path
from .problems import Problem, ScenarioError, key_path
from .types import Contingent, Correlation, FactUse, Funding, Mandate, add_months


@dataclass(frozen=True)
class Scenario:
    """A validated, immutable scenario. Build it with :func:`load` or :meth:`with_overrides`."""

    name: str
    description: str
    start: dt.date
    end: dt.date
    replications: int
    seed: int
    authorized: int
    target: int
    contingents: tuple[Contingent, ...]
    mandates: tuple[Mandate, ...]
    funding: Funding | None
    facts_used: tuple[FactUse, ...]
    source: str
    hash: str
    document: dict = field(repr=False, compare=False)
    #: the fact base the file's ``fact:`` references were resolved in
    facts: FactBase = field(repr=False, compare=False)
    #: the dotted-path values ``with_overrides`` applied to the file's scenario (for provenance)
    overrides: dict = field(default_factory=dict, repr=False, compare=False)
    #: what is known up to this date; batches not known to have come by then come later
    as_of: dt.date | None = None
    #: the shares of mission-wide factors in fulfilment and slip draws ([correlation]; all 0 by default)
    correlation: Correlation = Correlation()
    #: [calibration]: the keys ``sim calibrate`` fits when no ``--fit`` is given, and their priors (issue #13)
    calibration: dict = field(default_factory=dict, repr=False, compare=False)
    #: [posterior]: fitted particles, one drawn per replication jointly and by weight (issue #13); None without
    posterior: Posterior | None = field(default=None, repr=False, compare=False)

    @property
    def days(self) -> int:
        """Number of days in the run (day 0 is ``start``, the last day is ``end``)."""
        return (self.end - self.start).days + 1

    def day(self, date: dt.date) -> int:
        """The day number of ``date`` (negative before ``start``)."""
        return (date - self.start).days

    @property
    def facts_path(self) -> str:
        """The file of the fact base the scenario used."""
        return str(self.facts.path)

    def date(self, day: int) -> dt.date:
        """The date of day number ``day``."""
        return self.start + dt.timedelta(days=day)

    def mandate_chain(self) -> list[tuple[Mandate, int, dt.date]]:
        """(mandate, occurrence, date) of every renewal decision up to ``end``, in date order: the
        listed mandates (occurrence 0), then the last one again every ``renewed_months`` (1, 2, ...)."""
        out = [(mandate, 0, mandate.expires) for mandate in self.mandates if mandate.expires <= self.end]
        if self.mandates and self.mandates[-1].renewed_months > 0:
            last = self.mandates[-1]
            k = 1
            while (date := add_months(last.expires, k * last.renewed_months)) <= self.end:
                out.append((last, k, date))
                k += 1
        return out

    def deadlines(self) -> list[tuple[str, dt.date]]:
        """(label, date) of every mandate deadline within the run: the listed ones, then renewals of the last."""
        return [
            (mandate.name if k == 0 else f"{mandate.name} +{k * mandate.renewed_months}m", date)
            for mandate, k, date in self.mandate_chain()
            if date >= self.start
        ]

    def ceilings(self) -> list[tuple[dt.date, int]]:
        """(from date, ceiling) of the authorized strength if every mandate is renewed: the
        ``authorized_after`` of each mandate from its expiry on (from ``start`` for one that expired before)."""
        steps = [(self.start, int(self.authorized))]
        for mandate in self.mandates:  # in date order
            after = mandate.authorized_after
            if after is None or mandate.expires > self.end or after == steps[-1][1]:
                continue
            when = max(mandate.expires, self.start)
            if when == steps[-1][0]:
                steps[-1] = (when, int(after))
            else:
                steps.append((when, int(after)))
        return steps

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Scenario":
        """A validated variant with dotted-path values replaced.

        ``{"assumptions.fulfilment": 0.5, "contingent.Kenya.tour_days": 180,
        "mandate.0.renewal_probability": 0.5}``. Array items are addressed by their
        identifying key (country, name, donor) or their index. Raises ScenarioError.
        """
        document = copy.deepcopy(self.document)
        problems = []
        for key, value in overrides.items():
            try:
                set_path(document, key, value)
            except KeyError as error:
                problems.append(Problem("override", None, key_path([key]), error.args[0]))
        if problems:
            raise ScenarioError(problems)
        source = Path(self.source)
        try:
            built = fields(document, Locator([], source), source, self.facts)
        except ScenarioError as error:  # what an override itself got wrong is the override's, not the file's
            raise ScenarioError([
                Problem("override", None, p.path, p.message)
                if any(p.path == key or p.path.startswith(key + ".") for key in overrides) else p
                for p in error.problems
            ]) from None
        return Scenario(**built, overrides={**self.overrides, **copy.deepcopy(dict(overrides))})

    def summary_text(self) -> str:
        """A readable multi-line description for terminals."""
        lines = [
            f"Scenario {self.name!r}  ({self.start} to {self.end}, {self.days} days)",
            f"  authorized {self.authorized:,}   target {self.target:,}   hash {self.hash[:12]}",
        ]
        if self.as_of:
            lines.append(f"  history known to {self.as_of}")
        for c in self.contingents:
            lines.append(
                f"  {c.country:<16} pledged {c.pledged:>6,}  fulfilment {c.fulfilment}  "
                f"tour {c.tour_days}d  {plural(len(c.batches), 'batch', 'batches')} from "
                f"{c.batches[0].planned if c.batches else '-'}"
            )
        for m in self.mandates:
            lines.append(f"  mandate {m.name}: expires {m.expires}, renewal p={m.renewal_probability}")
        if self.funding:
            total = sum(p.amount_usd for p in self.funding.pledges if not p.in_kind)
            lines.append(f"  funding: {len(self.funding.pledges)} pledges, ${total:,.0f}")
            in_kind = sum(p.amount_usd for p in self.funding.pledges if p.in_kind)
            if in_kind:
                lines[-1] += f" in cash and ${in_kind:,.0f} in kind"
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary_text()

    def _repr_html_(self) -> str:
        """A compact HTML table for Jupyter."""
        from .show import scenario_html

        return scenario_html(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """Readable text in IPython terminals and text outputs: ``str()``, not the dataclass repr."""
        printer.text("<Scenario ...>" if cycle else str(self))


# --------------------------------------------------------------------------- loading


def load(path: str | Path) -> Scenario:
    """Load, merge, resolve and validate a scenario file. Raises :class:`ScenarioError`."""
    path = Path(path)
    locator = Locator([], path)
    document = read_with_extends(path, [], locator)
    facts = load_facts(find_facts_path(path.resolve().parent))
    return Scenario(**fields(document, locator, path, facts))


def as_scenario(scenario: Scenario | str | Path) -> Scenario:
    """A Scenario as it is, or the one loaded from a path."""
    return scenario if isinstance(scenario, Scenario) else load(scenario)

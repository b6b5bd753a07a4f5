"""What every replication of a scenario shares (the Plan), and what one replication leaves behind (the Trace).

Time is an integer tick: ``day * PHASES + phase``, so that events of one day happen in
the order of docs/design.md section 2 (departures, mandate decisions, disbursements,
arrivals, month-end charges) whatever order SimPy scheduled them in.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..dists import round_half_up
from ..scenario import split_evenly

if TYPE_CHECKING:
    from ..scenario import Scenario

DEPART, MANDATE, DISBURSE, ADMIT, CHARGE = range(5)
PHASES = 5


@dataclass
class Trace:
    """What one replication leaves behind. Days are relative to ``scenario.start``."""

    strength: list[int] = field(default_factory=list)  # flat: day, country, delta, day, country, delta, ...
    balance: list[int] = field(default_factory=list)  # flat: day, delta in cents, ...
    arrivals: list[tuple[int, int, int, bool]] = field(default_factory=list)  # (day, country, n, first tour)
    ceilings: list[tuple[int, int]] = field(default_factory=list)  # (day, ceiling from that day)
    lapsed_on: int | None = None
    drawdown_days: int | None = None  # of the lapse
    events: int = 0

    def strength_changes(self) -> list[tuple[int, int, int]]:
        """The strength change points as (day, country index, delta)."""
        s = self.strength
        return [(s[k], s[k + 1], s[k + 2]) for k in range(0, len(s), 3)]

    def balance_changes(self) -> list[tuple[int, int]]:
        """The balance change points as (day, delta in cents)."""
        b = self.balance
        return [(b[k], b[k + 1]) for k in range(0, len(b), 2)]


class Plan:
    """What every replication of a scenario shares, computed once: days, sizes, costs in cents."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.days = scenario.days
        self.contingents = scenario.contingents
        self.batch_days = [[scenario.day(b.planned) for b in c.batches] for c in scenario.contingents]
        # what already happened: (day, batch, size) of each contingent's known batches, in date order
        self.known = [
            sorted((scenario.day(b.planned), k, b.size) for k, b in enumerate(c.batches) if b.known and b.size)
            for c in scenario.contingents
        ]
        self.known_total = [sum(size for _, _, size in known) for known in self.known]
        self.as_of = None if scenario.as_of is None else scenario.day(scenario.as_of)
        self.correlation = scenario.correlation.active()  # {} unless [correlation] sets a share above 0
        # contingents whose relief may come before the group it relieves leaves (a gap that can be negative)
        self.overlapping = [c.relief_gap_days.support()[0] < 0 for c in scenario.contingents]
        # (name, day, mandate, occurrence) of every renewal decision, those before the start included
        self.deadlines = [(m.name, scenario.day(date), m, k) for m, k, date in scenario.mandate_chain()]
        funding = scenario.funding
        self.funding = funding
        firsts = [d for days in self.batch_days for d in days] + [d for _, d, _, _ in self.deadlines]
        if funding:
            self.cash = [p for p, pledge in enumerate(funding.pledges) if not pledge.in_kind]  # in kind: never cash
            self.pledge_days = [
                [scenario.day(p.first) + k * p.interval_days for k in range(p.tranches)] for p in funding.pledges
            ]
            self.pledge_cents = [split_evenly(round_half_up(p.amount_usd * 100), p.tranches) for p in funding.pledges]
            firsts += [d for p in self.cash for d in self.pledge_days[p]]
            self.start_cents = round_half_up(funding.start_balance_usd * 100)
            self.day_cents = funding.cost_per_officer_day_usd * 100
            self.fixed_cents = funding.fixed_cost_per_month_usd * 100
            self.deploy_cents = round_half_up(funding.deploy_cost_per_officer_usd * 100)
            self.need_cents = round_half_up(self.day_cents * funding.runway_days) + self.deploy_cents
            self.month_ends = self._month_ends(scenario)
        self.origin = min([0] + firsts)

    @staticmethod
    def _month_ends(scenario: Scenario) -> list[tuple[int, int, int]]:
        """(first day, last day, days in the month) of each charging period: calendar months cut to the run."""
        out = []
        date = scenario.start
        while date <= scenario.end:
            length = calendar.monthrange(date.year, date.month)[1]
            stop = min(date.replace(day=length), scenario.end)
            out.append((scenario.day(date), scenario.day(stop), length))
            date = stop + dt.timedelta(days=1)
        return out

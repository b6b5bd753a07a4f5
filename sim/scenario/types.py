"""The parts of a validated scenario (contingents, batches, mandates, funding) and calendar arithmetic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..dists import Dist


@dataclass(frozen=True)
class Batch:
    """A planned group of a contingent's first tour."""

    planned: dt.date
    size: int
    slip_days: Dist
    known: bool = False  # it happened: on its date, with its size; no slip, no shrinking by fulfilment


@dataclass(frozen=True)
class Contingent:
    """A country's contingent: pledge, distributions (fulfilment, tour, relief, attrition per year), batches."""
    country: str
    pledged: int
    fulfilment: Dist
    tour_days: Dist
    relief_probability: Dist
    relief_gap_days: Dist
    attrition_per_year: Dist
    batches: tuple[Batch, ...]
    relief_fraction: Dist = Dist.fixed(1.0)  # the share of the relieved group's size a relief brings


@dataclass(frozen=True)
class Mandate:
    """A mandate: its deadline, renewal probability and term, the ceiling after renewal, the drawdown on a lapse."""
    name: str
    expires: dt.date
    renewal_probability: Dist
    renewed_months: int
    authorized_after: int | None
    drawdown_days: int


@dataclass(frozen=True)
class Pledge:
    """A donor's pledge in US dollars, paid in ``tranches`` every ``interval_days`` from ``first``, each slipping."""
    donor: str
    amount_usd: float
    fulfilment: Dist
    tranches: int
    first: dt.date
    interval_days: int
    slip_days: Dist
    in_kind: bool = False  # equipment or services: reported, never in the cash balance

    def planned_dates(self) -> list[dt.date]:
        """The planned date of each tranche."""
        return [self.first + dt.timedelta(days=k * self.interval_days) for k in range(self.tranches)]


@dataclass(frozen=True)
class Correlation:
    """The share ``rho`` of a mission-wide factor in every draw of a kind (``[correlation]``; 0 = independent)."""

    fulfilment: float = 0.0
    slip_days: float = 0.0
    pledge_fulfilment: float = 0.0

    def active(self) -> dict[str, float]:
        """The kinds whose draws are correlated (rho above 0), by name."""
        return {kind: rho for kind, rho in vars(self).items() if rho > 0}


@dataclass(frozen=True)
class Funding:
    """The mission's money in US dollars: start balance, costs, runway (days of officer costs) and pledges."""
    start_balance_usd: float
    cost_per_officer_day_usd: float
    fixed_cost_per_month_usd: float
    deploy_cost_per_officer_usd: float
    runway_days: int
    pledges: tuple[Pledge, ...]


@dataclass(frozen=True)
class FactUse:
    """A fact a scenario used: where (key path) and what the fact base says of it."""

    id: str
    value: Any
    source: str
    quote: str
    path: str
    source_name: str = ""  # the article's short name (seeds/sources.toml)


def split_evenly(total: int, parts: int) -> list[int]:
    """Split ``total`` into ``parts`` sizes as evenly as possible, earlier parts taking the remainder."""
    size, remainder = divmod(total, parts)
    return [size + (1 if k < remainder else 0) for k in range(parts)]


def add_months(date: dt.date, months: int) -> dt.date:
    """``date`` plus calendar months, clipped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    for day in range(date.day, 27, -1):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return dt.date(year, month, min(date.day, 28))

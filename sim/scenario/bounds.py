"""The limits that depend on several values at once: the simulated span, the strength histograms and the
money a scenario can reach (docs/design.md section 3, "Limits"); and how names are told apart."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import TYPE_CHECKING, Sequence

from .limits import (
    MAX_BATCHES, MAX_DAYS, MAX_HISTOGRAM_CELLS, MAX_SERIES_DAYS, MAX_TRANCHES, MAX_USD, RESERVED_COUNTRIES,
)

if TYPE_CHECKING:
    from .checker import Checker
    from .types import Contingent, Funding, Mandate


def name_key(name: str, caseless: bool) -> str:
    """What two names must not share: their Unicode NFC form, and with ``caseless`` also their case folded."""
    name = unicodedata.normalize("NFC", name)
    return unicodedata.normalize("NFC", name.casefold()) if caseless else name


def is_reserved(country: str) -> bool:
    """True for a country the outputs would confuse with a series of their own (``total``, in any case)."""
    return name_key(country, caseless=True) in RESERVED_COUNTRIES


def strength_maxima(contingents: Sequence[Contingent], authorized: int, mandates: Sequence[Mandate]) -> tuple[int, ...]:
    """The largest strength of each contingent and of the total (capped by the highest ceiling).

    A contingent never holds more than its pledge, unless its reliefs overlap the groups they relieve (a
    relief gap that can be negative): then up to the highest ceiling.
    """
    ceiling = max([authorized] + [m.authorized_after for m in mandates if m.authorized_after])
    pledged = [ceiling if c.relief_gap_days.support()[0] < 0 else c.pledged for c in contingents]
    return tuple(pledged) + (min(sum(pledged), ceiling),)


def arrival_maxima(scenario) -> tuple[int, ...]:
    """The most officers of each contingent, then of the total, that can arrive within a run (first tours and
    reliefs): every tour as short as its distribution allows, every relief overlapping as much as it may."""
    first = min([scenario.start] + [b.planned for c in scenario.contingents for b in c.batches])
    span = (scenario.end - first).days + 1
    out = []
    for c in scenario.contingents:
        # a relief may overlap; the lowest is -inf for a normal: drawn tours are clipped to 1 day
        cycle = c.tour_days.support()[0] + min(0.0, c.relief_gap_days.support()[0])
        shortest = max(1, math.floor(cycle + 0.5)) if math.isfinite(cycle) else 1
        out.append(c.pledged * (span // shortest + 1))
    return tuple(out) + (sum(out),)


def check_bounds(check: Checker, start: dt.date, end: dt.date, authorized: int, contingents: Sequence[Contingent],
                 mandates: Sequence[Mandate], funding: Funding | None) -> None:
    """Record a problem for a scenario too long, with too many batches or tranches, too large for its histograms,
    or with too much money."""
    batches = sum(len(c.batches) for c in contingents)
    if batches > MAX_BATCHES:
        check.problem(("contingent",), f"{batches:,} batches in all contingents; at most {MAX_BATCHES:,} in all")
    tranches = sum(p.tranches for p in funding.pledges) if funding is not None else 0
    if tranches > MAX_TRANCHES:
        check.problem(("funding", "pledge"), f"{tranches:,} tranches in all pledges; at most {MAX_TRANCHES:,} in all")
    earliest, where = min(check.dates, key=lambda item: item[0])
    span = (end - earliest).days + 1
    if span > MAX_DAYS:
        if earliest >= start:
            check.problem(("scenario", "end"), f"the run is {span:,} days long; at most {MAX_DAYS:,} (20 years)")
        else:
            check.problem(where, f"{earliest} is {span:,} days before the end of the run ({end}); the simulation starts "
                                 f"at the earliest date and may cover at most {MAX_DAYS:,} days (20 years)")
        return
    days = (end - start).days + 1
    rows = days * (len(contingents) + 1)
    if rows > MAX_SERIES_DAYS:
        check.problem(("scenario",), f"{days:,} days x {len(contingents) + 1} series (each contingent and the total) "
                                     f"is {rows:,} daily values; at most {MAX_SERIES_DAYS:,}: shorten the run or "
                                     f"merge contingents")
    maxima = strength_maxima(contingents, authorized, mandates)
    cells = days * sum(m + 1 for m in maxima)
    if cells > MAX_HISTOGRAM_CELLS:
        check.problem(("scenario",), f"the strength histograms would hold {cells:,} cells ({days:,} days x "
                                     f"{sum(m + 1 for m in maxima):,} possible strengths of the contingents and the total); "
                                     f"at most {MAX_HISTOGRAM_CELLS:,}: shorten the run or lower the pledges")
    if funding is not None:
        reach = reachable_usd(funding, maxima[-1], start, end)
        if reach > MAX_USD:
            check.problem(("funding",), f"the balance could reach ${reach:,.0f} (start balance, pledges and every cost "
                                        f"over the run); at most ${MAX_USD:,}: lower the amounts or the costs")


def reachable_usd(funding: Funding, most_people: int, start: dt.date, end: dt.date) -> float:
    """The largest balance, above or below zero, a replication can reach in US dollars.

    Up: the start balance and every pledge. Down: the start balance if negative, then every officer-day
    and fixed cost of the run (deploy costs never take the balance below zero: a person leaves home only
    when the balance covers their deploy cost and runway).
    """
    up = max(funding.start_balance_usd, 0) + sum(p.amount_usd for p in funding.pledges)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    spend = funding.cost_per_officer_day_usd * most_people * ((end - start).days + 1) + funding.fixed_cost_per_month_usd * months
    down = -min(funding.start_balance_usd, 0) + spend
    return float(max(up, down, 0.0)) if math.isfinite(max(up, down)) else math.inf

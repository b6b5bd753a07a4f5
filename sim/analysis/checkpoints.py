"""Checkpoints (the mandate deadlines and the end of a run) and the headline statistics taken there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from ..scenario import Scenario


# --------------------------------------------------------------------------- checkpoints and headline rows


@dataclass(frozen=True)
class Checkpoint:
    """A date at which headline statistics are taken; ``label`` names its columns."""

    label: str  # ISO date, or "end"
    name: str  # the mandate's name, or "end of run"
    date: dt.date | None  # None: each scenario's own end


def checkpoints(scenario: Scenario) -> list[Checkpoint]:
    """The mandate deadlines of ``scenario`` within its run (one per date), then its end."""
    out, seen = [], set()
    for name, date in scenario.deadlines():
        if date not in seen:
            seen.add(date)
            out.append(Checkpoint(date.isoformat(), name, date))
    return out + [Checkpoint("end", "end of run", None)]


def _day(result, checkpoint: Checkpoint) -> int | None:
    """The day of ``checkpoint`` in ``result``'s run (its last day for the end), or None outside the run."""
    sc = result.scenario
    if checkpoint.date is None:
        return sc.days - 1
    day = sc.day(checkpoint.date)
    return day if 0 <= day < sc.days else None


def _round(value, digits: int):
    """``value`` as a float rounded to ``digits`` decimals; None stays None."""
    return None if value is None else round(float(value), digits)


def headline(result, points: Sequence[Checkpoint], full: bool) -> dict:
    """Headline statistics of one result at ``points`` (compare: ``full``; sweep: the subset it needs)."""
    q = result.quantiles("total")
    reach = result.p_reach("authorized")
    days = [_day(result, c) for c in points]
    row: dict[str, Any] = {}
    quantiles = ("p50", "p5", "p95") if full else ("p50",)
    for c, day in zip(points, days):
        for name in quantiles:
            row[f"total_{name}_{c.label}"] = None if day is None else _round(q[name][day], 3)
    for c, day in zip(points, days):
        row[f"p_reach_authorized_{c.label}"] = None if day is None else _round(reach[day], 4)
    first = result.first_reach_median("authorized")
    row["median_first_day_authorized"] = first.isoformat() if first else None
    row["p_reach_target"] = _round(result.p_reach("target")[-1], 4)
    if full:
        row["p_lapse"] = _round(result.acc.lapses / result.replications, 4)
    return row


def funding_row(result, full: bool) -> dict:
    """The funding columns of a row: ``p_deficit`` (and with ``full`` the median lowest balance, US dollars)."""
    if result.scenario.funding is None:
        return {"p_deficit": None, **({"median_minimum_balance_usd": None} if full else {})}
    if not full:  # as summary.json's p_deficit, without computing the whole summary
        return {"p_deficit": round(result.acc.deficits / result.replications, 4)}
    summary = result.summary()["funding"]
    return {"p_deficit": summary["p_deficit"], "median_minimum_balance_usd": summary["median_minimum_balance_usd"]}

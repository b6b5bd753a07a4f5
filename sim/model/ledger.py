"""The mission's books: who is in theatre, the running strength and the cash balance, kept lazily.

A replication records change points only: ``(day, country index, delta)`` for strength
and ``(day, delta)`` in cents for the balance. Departures through attrition and drawdown
are known in advance: they are logged at once and taken off the running total lazily,
when the day comes and something looks at it (so they cost no SimPy event unless somebody
is waiting for the room they free).
"""

from __future__ import annotations

import math
from itertools import accumulate
from statistics import NormalDist

from ..dists import round_half_up
from .plan import Plan, Trace

_NORMAL = NormalDist()


class Unit:
    """People ready to deploy together: a first-tour batch or a relief."""

    __slots__ = ("country", "size", "id", "first", "tour", "parts")

    def __init__(self, country: int, size: int, uid: str, first: bool, tour: int):
        self.country, self.size, self.id, self.first, self.tour, self.parts = country, size, uid, first, tour, 0


class Group:
    """People who arrived together and serve one tour together."""

    __slots__ = ("country", "size", "id", "tour", "leaves")

    def __init__(self, country: int, size: int, gid: str, tour: int):
        self.country, self.size, self.id, self.tour = country, size, gid, tour
        self.leaves: list[tuple[int, int]] = []  # (day, count) of those who leave early


class Ledger:
    """Strength and money of one replication: change points in the trace, running totals kept lazily."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.trace = Trace()
        self.serving: dict[Group, None] = {}  # groups in theatre, in arrival order
        # The running total is kept up to date lazily: departures known in advance (attrition,
        # drawdown) are logged when they become known and sit in `leaving` (by day - origin)
        # until `advance` walks past their day.
        self.total = 0  # strength after everything applied so far on day `realized`
        self.realized = plan.origin - 1
        self.leaving = [0] * (plan.days - plan.origin)
        self.officer_days = 0  # officer-days of the days before `realized`
        self.balance = 0  # cents; the start balance is credited on day 0

    def schedule_attrition(self, group: Group, day: int, hazard: float, u_count: float, u_time: float) -> None:
        """Officers who leave before the end of the tour: how many (``u_count``), then when (``u_time``)."""
        tour = group.tour
        early = -math.expm1(-hazard * tour / 365.0)  # chance an officer leaves before the tour ends
        leavers = binomial_quantile(group.size, early, u_count)
        if not leavers:
            return
        # a systematic sample of the truncated exponential leaving times (increasing in j),
        # counted by leaving day
        days_per_unit, step, last = 365.0 / hazard, early / leavers, tour - 1
        log1p, floor = math.log1p, math.floor
        leaves: list[tuple[int, int]] = []
        previous, count = -1, 0
        for j in range(leavers):
            t = floor(0.5 - days_per_unit * log1p(-(j + u_time) * step))
            t = 1 if t < 1 else last if t > last else t
            if t == previous:
                count += 1
                continue
            if count:
                leaves.append((day + previous, count))
            previous, count = t, 1
        leaves.append((day + previous, count))
        group.leaves = leaves
        country, end, origin = group.country, self.plan.days, self.plan.origin
        leaving, strength = self.leaving, self.trace.strength
        for leave, count in leaves:  # as depart_later, inlined: this is the model's busiest loop
            if leave < end:
                leaving[leave - origin] += count
                strength += (leave, country, -count)

    def depart_later(self, day: int, country: int, count: int) -> None:
        """A departure known in advance: logged now, taken off the running total when ``day`` comes."""
        if day < self.plan.days:
            self.leaving[day - self.plan.origin] += count
            self.trace.strength += (day, country, -count)

    def advance(self, day: int) -> None:
        """Bring the running total to ``day``: apply the known departures of every day up to it."""
        realized = self.realized
        if day <= realized:
            return
        origin = self.plan.origin
        # Days realized+1 .. day-1 each add the strength at the end of the day before; summing the
        # running departures in C (accumulate) gives sum(leaving[e] * (day - e)) over those days.
        between = self.leaving[realized + 1 - origin : day - origin]
        self.officer_days += (day - realized) * self.total - sum(accumulate(between))
        self.total -= sum(between) + self.leaving[day - origin]
        self.realized = day

    def draw_down(self, day: int, drawdown: int) -> None:
        """Everyone in theatre leaves, evenly over ``drawdown`` days from ``day`` (a lapse)."""
        self.advance(day)
        present = [0] * len(self.plan.contingents)
        for group in self.serving:
            gone = 0
            for leave, count in group.leaves:
                if leave <= day:
                    gone += count
                else:  # they now leave with the drawdown instead
                    self.depart_later(leave, group.country, -count)
            present[group.country] += group.size - gone
        self.serving.clear()
        for c, count in enumerate(present):
            if count <= 0:
                continue
            if drawdown == 0:
                self.change(day, c, -count)
                continue
            before = count
            for j in range(1, min(drawdown, self.plan.days - day) + 1):  # departures after the run are not logged
                after = round_half_up(count * (1 - j / drawdown))
                if before > after:
                    self.depart_later(day + j, c, before - after)
                before = after

    # ------------------------------------------------------------------ bookkeeping

    def change(self, day: int, country: int, delta: int) -> None:
        """Arrivals and end-of-tour departures of today (after ``advance(day)``)."""
        self.total += delta
        self.trace.strength += (day, country, delta)

    def credit(self, day: int, cents: int) -> None:
        """Money in (or out, negative) on ``day``, in cents."""
        self.balance += cents
        self.trace.balance += (day, cents)


def binomial_quantile(n: int, q: float, u: float) -> int:
    """The ``u``-quantile of Binomial(n, q), by inversion (normal approximation when the variance exceeds 50)."""
    if n <= 0 or q <= 0:
        return 0
    if q >= 1:
        return n
    if q > 0.5:
        return n - binomial_quantile(n, 1 - q, 1 - u)
    variance = n * q * (1 - q)
    if variance > 50:
        z = _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
        return min(n, max(0, round_half_up(n * q + math.sqrt(variance) * z)))
    pmf = (1 - q) ** n
    cdf = pmf
    ratio = q / (1 - q)
    k = 0
    while cdf <= u and k < n:
        pmf *= (n - k) / (k + 1) * ratio
        k += 1
        cdf += pmf
    return k

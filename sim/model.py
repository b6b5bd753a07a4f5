"""The mission as SimPy processes. One replication is one ``simpy.Environment``.

The story, as the processes tell it:

* a **contingent** sends its batches in order: each trains and slips, never
  overtaking the batch before it, until the fulfilled part of the pledge is sent;
* a ready group **waits at the gate** for room under the authorized ceiling and for
  money, first come first served; whoever can go arrives, the rest wait as their own group;
* a group **serves its tour**, losing officers to attrition on the way, leaves,
  and is **relieved** (or not) after a gap; the relief waits at the gate in turn;
* each **mandate deadline** draws its renewal; a renewal may change the ceiling, a
  lapse stops all arrivals and draws the force down to zero;
* **donors** disburse their tranches, each slipping, up to the fulfilled amount;
  the **books** charge officer-days and fixed costs at every month end.

Time is an integer tick: ``day * PHASES + phase``, so that events of one day happen
in the order of DESIGN.md section 2 (departures, mandate decisions, disbursements,
arrivals, month-end charges) whatever order SimPy scheduled them in. Within the
arrivals phase, groups join the queue in the order they become ready and the
queue moves first come, first served.

A replication records change points only: ``(day, country index, delta)`` for
strength and ``(day, delta)`` in cents for the balance. Departures through
attrition and drawdown are known in advance: they are logged at once and taken
off the running total lazily, when the day comes and something looks at it (so
they cost no SimPy event unless somebody is waiting for the room they free).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import deque
from itertools import accumulate
from dataclasses import dataclass, field
from statistics import NormalDist

import simpy

from .dists import Dist, round_half_up
from .scenario import Scenario, split_evenly
from .streams import Streams

DEPART, MANDATE, DISBURSE, ADMIT, CHARGE = range(5)
PHASES = 5
_NORMAL = NormalDist()


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
        # (name, day, mandate, occurrence) of every renewal decision, those before the start included
        self.deadlines = [(m.name, scenario.day(date), m, k) for m, k, date in scenario.mandate_chain()]
        funding = scenario.funding
        self.funding = funding
        firsts = [d for days in self.batch_days for d in days] + [d for _, d, _, _ in self.deadlines]
        if funding:
            self.pledge_days = [
                [scenario.day(p.first) + k * p.interval_days for k in range(p.tranches)] for p in funding.pledges
            ]
            self.pledge_cents = [split_evenly(round_half_up(p.amount_usd * 100), p.tranches) for p in funding.pledges]
            firsts += [d for days in self.pledge_days for d in days]
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


class _Unit:
    """People ready to deploy together: a first-tour batch or a relief."""

    __slots__ = ("country", "size", "id", "first", "tour", "parts")

    def __init__(self, country: int, size: int, uid: str, first: bool, tour: int):
        self.country, self.size, self.id, self.first, self.tour, self.parts = country, size, uid, first, tour, 0


class _Group:
    """People who arrived together and serve one tour together."""

    __slots__ = ("country", "size", "id", "tour", "leaves")

    def __init__(self, country: int, size: int, gid: str, tour: int):
        self.country, self.size, self.id, self.tour = country, size, gid, tour
        self.leaves: list[tuple[int, int]] = []  # (day, count) of those who leave early


class Mission:
    """One replication: replication ``index`` of the block that ``streams`` draws for."""

    def __init__(self, plan: Plan, streams: Streams, index: int):
        self.plan = plan
        self.streams = streams
        self.i = index
        self.trace = Trace()
        self.env = simpy.Environment(initial_time=plan.origin * PHASES)
        n = len(plan.contingents)
        self.ceiling = plan.scenario.authorized
        self.lapsed = False
        self.closed: int | None = None  # last day of a lapsed mission (end of its drawdown)
        self.queue: deque[_Unit] = deque()
        self.serving: dict[_Group, None] = {}  # groups in theatre, in arrival order
        self.wakes: set[int] = set()
        self.hazards = [0.0] * n
        # The running total is kept up to date lazily: departures known in advance (attrition,
        # drawdown) are logged when they become known and sit in `leaving` (by day - origin)
        # until `advance` walks past their day.
        self.total = 0  # strength after everything applied so far on day `realized`
        self.realized = plan.origin - 1
        self.leaving = [0] * (plan.days - plan.origin)
        self.officer_days = 0  # officer-days of the days before `realized`
        self.balance = 0  # cents; the start balance is credited on day 0

    # ------------------------------------------------------------------ drawing

    def draw(self, name: tuple, dist: Dist) -> float:
        if dist.kind == "fixed":
            return dist.params[0]
        return self.streams.values(name, dist)[self.i]

    def chance(self, name: tuple, p: float) -> bool:
        """True with probability ``p`` (no draw when p is 0 or 1)."""
        if p >= 1:
            return True
        if p <= 0:
            return False
        return self.streams.uniforms(name)[self.i][0] < p

    def days(self, name: tuple, dist: Dist, low: int = 0) -> int:
        """A delay in whole days: rounded half up, never below ``low``."""
        return max(low, round_half_up(self.draw(name, dist)))

    # ------------------------------------------------------------------ the run

    def run(self) -> Trace:
        plan, env = self.plan, self.env
        if plan.funding:
            self.credit(0, plan.start_cents)
        for c in range(len(plan.contingents)):
            env.process(self.contingent(c))
        if plan.deadlines:
            env.process(self.mandates())
        if plan.funding:
            for p in range(len(plan.funding.pledges)):
                env.process(self.donor(p))
            env.process(self.books())
        env.run(until=plan.days * PHASES)
        self.trace.events = next(env._eid)  # events scheduled, for the benchmark
        return self.trace

    def at(self, day: int, phase: int) -> simpy.Timeout:
        """A timeout that fires at ``phase`` of ``day``."""
        return self.env.timeout(day * PHASES + phase - self.env.now)

    def today(self) -> int:
        return self.env.now // PHASES

    # ------------------------------------------------------------------ processes

    def contingent(self, c: int):
        """A contingent sends its batches in order, each slipping, until the fulfilled pledge is sent."""
        plan = self.plan
        spec = plan.contingents[c]
        country = spec.country
        fulfilment = min(1.0, max(0.0, self.draw(("fulfilment", country), spec.fulfilment)))
        quota = round_half_up(fulfilment * spec.pledged)
        tour = self.days(("tour_days", country), spec.tour_days, low=1)
        self.hazards[c] = max(0.0, self.draw(("attrition", country), spec.attrition_per_year))
        ready = plan.origin
        for k, batch in enumerate(spec.batches):
            size = min(batch.size, quota)
            if size <= 0:
                return  # the batch that crossed the fulfilled total was the last
            quota -= size
            ready = max(ready, plan.batch_days[c][k] + self.days(("slip", country, k), batch.slip_days))
            yield self.at(ready, ADMIT)
            self.enqueue(_Unit(c, size, str(k), True, tour))

    def serve(self, group: _Group, arrived: int):
        """A group serves its tour, leaves, and is relieved after a gap, or not."""
        yield self.at(arrived + group.tour, DEPART)
        if self.lapsed:
            return  # the drawdown has taken them home
        today = self.today()
        self.advance(today)
        del self.serving[group]
        self.change(today, group.country, -(group.size - sum(count for _, count in group.leaves)))
        if self.queue:
            self.wake(today)  # room has opened
        spec = self.plan.contingents[group.country]
        country = spec.country
        probability = self.draw(("relief_probability", country, group.id), spec.relief_probability)
        if not self.chance(("relief", country, group.id), probability):
            return
        gap = self.days(("relief_gap", country, group.id), spec.relief_gap_days)
        yield self.at(arrived + group.tour + gap, ADMIT)
        self.enqueue(_Unit(group.country, group.size, group.id + "r", False, group.tour))

    def mandates(self):
        """Each deadline draws its renewal; a renewal may change the ceiling, a lapse ends the mission."""
        for name, day, mandate, occurrence in self.plan.deadlines:
            yield self.at(day, MANDATE)
            probability = self.draw(("renewal_probability", name, occurrence), mandate.renewal_probability)
            if not self.chance(("renewal", name, occurrence), probability):
                self.lapse(day, mandate.drawdown_days)
                return
            if mandate.authorized_after is not None and mandate.authorized_after != self.ceiling:
                self.ceiling = mandate.authorized_after
                self.trace.ceilings.append((day, self.ceiling))
                if self.queue:
                    self.wake(day)

    def donor(self, p: int):
        """A donor disburses its tranches in order, each slipping, up to the fulfilled amount."""
        plan = self.plan
        pledge = plan.funding.pledges[p]
        fulfilment = min(1.0, max(0.0, self.draw(("pledge_fulfilment", pledge.donor), pledge.fulfilment)))
        remaining = round_half_up(fulfilment * sum(plan.pledge_cents[p]))
        ready = plan.origin
        for k, cents in enumerate(plan.pledge_cents[p]):
            amount = min(cents, remaining)
            if amount <= 0:
                return
            remaining -= amount
            ready = max(ready, plan.pledge_days[p][k] + self.days(("tranche_slip", pledge.donor, k), pledge.slip_days))
            yield self.at(ready, DISBURSE)
            self.credit(ready, amount)
            if self.queue:
                self.wake(ready)

    def books(self):
        """At each month end (and at the end of the run) the mission pays officer-days and fixed costs."""
        plan = self.plan
        charged = 0
        if plan.origin < 0:  # officer-days before the start are not the run's to pay
            yield self.at(-1, CHARGE)
            self.advance(-1)
            charged = self.officer_days + self.total
        for first, day, length in plan.month_ends:
            yield self.at(day, CHARGE)
            self.advance(day)
            through = self.officer_days + self.total  # officer-days up to the end of today
            last = day if self.closed is None else min(day, self.closed)
            share = max(0, last - first + 1) / length  # fixed costs run until a lapse's drawdown ends
            self.credit(day, -round_half_up(plan.day_cents * (through - charged) + plan.fixed_cents * share))
            charged = through

    # ------------------------------------------------------------------ the gate

    def enqueue(self, unit: _Unit) -> None:
        """A unit is ready (in the arrivals phase): it joins the queue, which moves at once."""
        if not self.lapsed:
            self.queue.append(unit)
            self.admit(None)

    def wake(self, day: int) -> None:
        """Make the gate look at the queue in the arrivals phase of ``day``."""
        if day not in self.wakes and not self.lapsed:
            self.wakes.add(day)
            self.at(day, ADMIT).callbacks.append(self.admit)

    def affordable(self) -> int:
        if not self.plan.funding:
            return 1 << 62
        if self.balance < 0:
            return 0  # in deficit nobody leaves home
        need = self.plan.need_cents
        return self.balance // need if need > 0 else 1 << 62

    def admit(self, _event) -> None:
        """First come, first served: send whoever fits under the ceiling and the money."""
        day = self.today()
        self.wakes.discard(day)
        if self.lapsed:
            return
        self.advance(day)
        queue = self.queue
        while queue:
            unit = queue[0]
            n = min(unit.size, self.ceiling - self.total, self.affordable())
            if n > 0:
                self.arrive(unit, n, day)
            if unit.size > 0:
                break
            queue.popleft()
        if queue and self.total >= self.ceiling:
            origin, leaving = self.plan.origin, self.leaving
            later = next((d for d in range(day + 1, self.plan.days) if leaving[d - origin]), None)
            if later is not None:
                self.wake(later)  # attrition will free room

    def arrive(self, unit: _Unit, n: int, day: int) -> None:
        group = _Group(unit.country, n, f"{unit.id}.{unit.parts}", unit.tour)
        unit.parts += 1
        unit.size -= n
        self.change(day, unit.country, n)
        self.serving[group] = None
        self.trace.arrivals.append((day, unit.country, n, unit.first))
        if self.plan.funding and self.plan.deploy_cents:
            self.credit(day, -n * self.plan.deploy_cents)
        hazard = self.hazards[unit.country]
        if hazard > 0 and group.tour > 1:
            self.schedule_attrition(group, day, hazard)
        self.env.process(self.serve(group, day))

    # ------------------------------------------------------------------ attrition and drawdown

    def schedule_attrition(self, group: _Group, day: int, hazard: float) -> None:
        """Officers who leave before the end of the tour: how many, then when."""
        tour = group.tour
        early = -math.expm1(-hazard * tour / 365.0)  # chance an officer leaves before the tour ends
        name = ("attrition", self.plan.contingents[group.country].country, group.id)
        u_count, u_time = self.streams.uniforms(name, 2)[self.i]
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

    def lapse(self, day: int, drawdown: int) -> None:
        """No arrival from today on; everyone leaves, evenly over ``drawdown`` days."""
        self.lapsed = True
        self.closed = day + drawdown
        self.trace.lapsed_on, self.trace.drawdown_days = day, drawdown
        self.queue.clear()
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
            for j in range(1, drawdown + 1):
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


def simulate(plan: Plan, streams: Streams, index: int) -> Trace:
    """Run replication ``streams.block * BLOCK + index`` of ``plan``'s scenario."""
    return Mission(plan, streams, index).run()

"""The mission as SimPy processes. One replication is one ``simpy.Environment``.

The story, as the processes tell it:

* a **contingent** sends its batches in order: each trains and slips (early, too),
  never overtaking the batch before it, until the fulfilled part of the pledge is
  sent; what is known to have happened comes on its date, and a batch not known to
  have come by the scenario's ``as_of`` comes after it;
* a ready group **waits at the gate** for room under the authorized ceiling and for
  money, first come first served; whoever can go arrives, the rest wait as their own group;
* a group **serves its tour**, losing officers to attrition on the way, leaves,
  and is **relieved** (or not) after a gap, or before it leaves when the gap is
  negative, by as many or fewer people; the relief waits at the gate in turn;
* each **mandate deadline** draws its renewal; a renewal may change the ceiling, a
  lapse stops all arrivals and draws the force down to zero;
* **donors** disburse their tranches, each slipping, up to the fulfilled amount
  (a pledge in kind never enters the cash);
  the **books** charge officer-days and fixed costs at every month end.

Time is an integer tick: ``day * PHASES + phase``, so that events of one day happen
in the order of docs/design.md section 2 (departures, mandate decisions, disbursements,
arrivals, month-end charges) whatever order SimPy scheduled them in. Within the
arrivals phase, groups join the queue in the order they become ready and the
queue moves first come, first served.
"""

from __future__ import annotations

import itertools
from collections import deque

import simpy
from simpy.events import Process, Timeout

from ..dists import Dist, round_half_up
from ..scenario.limits import MAX_ATTRITION_PER_YEAR, MAX_DAYS
from ..streams import Streams
from .ledger import Group, Ledger, Unit
from .plan import ADMIT, CHARGE, DEPART, DISBURSE, MANDATE, PHASES, Plan, Trace


class Environment(simpy.Environment):
    """SimPy's environment, counting the events it schedules (for the benchmark and summary.json).

    SimPy gives every event it schedules the next number of a counter (its order among events
    of the same time and priority); the environment starts that counter itself, at 0, so the
    count costs nothing per event.
    """

    def __init__(self, initial_time: int = 0):
        super().__init__(initial_time)
        self._eid = itertools.count()

    @property
    def scheduled(self) -> int:
        """How many events have been scheduled so far."""
        return int(repr(self._eid)[len("count("):-1])


class Mission(Ledger):
    """One replication: replication ``index`` of the block that ``streams`` draws for."""

    def __init__(self, plan: Plan, streams: Streams, index: int, record: dict | None = None):
        super().__init__(plan)
        self.streams = streams
        self.i = index
        self.record = record  # when given, every named draw goes in it (docs/design.md section 1)
        self.env = Environment(initial_time=plan.origin * PHASES)
        self.ceiling = plan.scenario.authorized
        self.lapsed = False
        self.closed: int | None = None  # last day of a lapsed mission (end of its drawdown)
        self.queue: deque[Unit] = deque()
        self.wakes: set[int] = set()
        self.hazards = [0.0] * len(plan.contingents)

    # ------------------------------------------------------------------ drawing

    def draw(self, name: tuple, dist: Dist) -> float:
        """This replication's draw of ``dist`` for decision ``name`` (a fixed value without a draw)."""
        if dist.kind == "fixed":
            return dist.params[0]
        if dist.own:
            value = self.streams.own(name, dist, self.i)
        else:
            value = self.streams.values(name, dist)[self.i]
        if self.record is not None:
            self.record[name] = value
        return value

    def shared(self, kind: str, name: tuple, dist: Dist) -> float:
        """A draw of a kind the scenario may correlate (``[correlation]``): through the mission-wide factor if so."""
        if self.plan.correlation and dist.kind != "fixed":
            rho = self.plan.correlation.get(kind)
            if rho:
                factor = ("factor", kind)
                if dist.own:
                    value = self.streams.own(name, dist, self.i, factor, rho)
                else:
                    value = self.streams.correlated(name, dist, factor, rho)[self.i]
                if self.record is not None:
                    self.record[factor] = self.streams.uniforms(factor)[self.i][0]
                    self.record[name] = value
                return value
        return self.draw(name, dist)

    def chance(self, name: tuple, p: float) -> bool:
        """True with probability ``p`` (no draw when p is 0 or 1)."""
        if p >= 1:
            return True
        if p <= 0:
            return False
        happens = self.streams.uniforms(name)[self.i][0] < p
        if self.record is not None:
            self.record[name] = happens
        return happens

    def days(self, name: tuple, dist: Dist, low: int = 0) -> int:
        """A delay in whole days: rounded half up, never below ``low`` nor above MAX_DAYS (beyond any run)."""
        return max(low, whole_days(self.draw(name, dist)))

    # ------------------------------------------------------------------ the run

    def run(self) -> Trace:
        """Start every process, run SimPy to the end of the scenario and return the trace (with its event count)."""
        plan, env = self.plan, self.env
        if plan.funding:
            self.credit(0, plan.start_cents)
        for c in range(len(plan.contingents)):
            Process(env, self.contingent(c))
        if plan.deadlines:
            Process(env, self.mandates())
        if plan.funding:
            for p in plan.cash:
                Process(env, self.donor(p))
            Process(env, self.books())
        env.run(until=plan.days * PHASES)
        self.trace.events = env.scheduled
        return self.trace

    def at(self, day: int, phase: int) -> simpy.Timeout:
        """A timeout that fires at ``phase`` of ``day``."""
        return Timeout(self.env, day * PHASES + phase - self.env.now)

    def today(self) -> int:
        """The current day (the tick without its phase)."""
        return self.env.now // PHASES

    # ------------------------------------------------------------------ processes

    def contingent(self, c: int):
        """A contingent sends its batches in order, each slipping, until the fulfilled pledge is sent."""
        plan = self.plan
        spec = plan.contingents[c]
        country = spec.country
        fulfilment = min(1.0, max(0.0, self.shared("fulfilment", ("fulfilment", country), spec.fulfilment)))
        quota = round_half_up(fulfilment * spec.pledged) - plan.known_total[c]  # what happened counts first
        tour = self.days(("tour_days", country), spec.tour_days, low=1)
        self.hazards[c] = min(max(0.0, self.draw(("attrition", country), spec.attrition_per_year)), MAX_ATTRITION_PER_YEAR)
        if plan.known[c]:
            Process(self.env, self.history(c, tour))
        ready = plan.origin
        for k, batch in enumerate(spec.batches):
            if batch.known:  # it came on its date; the batches after it come no earlier
                ready = max(ready, plan.batch_days[c][k])
                continue
            size = min(batch.size, quota)
            if size <= 0:
                continue  # an empty batch, or the fulfilled total is sent: it never comes
            quota -= size
            slip = whole_days(self.shared("slip_days", ("slip", country, k), batch.slip_days))
            ready = max(ready, plan.batch_days[c][k] + slip)
            if plan.as_of is not None and ready <= plan.as_of:
                ready = plan.as_of + 1  # it had not come by then
            yield self.at(ready, ADMIT)
            self.enqueue(Unit(c, size, str(k), True, tour))

    def history(self, c: int, tour: int):
        """The known batches are ready on their dates with their sizes (no slip, no fulfilment) and go to the gate."""
        for day, k, size in self.plan.known[c]:
            yield self.at(day, ADMIT)
            self.enqueue(Unit(c, size, str(k), True, tour))

    def serve(self, group: Group, arrived: int):
        """A group serves its tour, leaves, and is relieved after a gap (before it leaves if the gap is < 0), or not."""
        leaves = arrived + group.tour
        early = self.plan.overlapping[group.country]
        relief = self.relief(group, arrived) if early else None  # decided now: it may come before they leave
        if relief is not None and relief[0] < leaves:
            Process(self.env, self.relieve(group, *relief))
            relief = None
        yield self.at(leaves, DEPART)
        if self.lapsed:
            return  # the drawdown has taken them home
        today = self.today()
        self.advance(today)
        del self.serving[group]
        self.change(today, group.country, -(group.size - sum(count for _, count in group.leaves)))
        if self.queue:
            self.wake(today)  # room has opened
        if not early:
            relief = self.relief(group, arrived)
        if relief is not None:
            yield from self.relieve(group, *relief)

    def relief(self, group: Group, arrived: int) -> tuple[int, int] | None:
        """Whether the group's relief comes and, if so, the day it is ready and how many it brings."""
        spec = self.plan.contingents[group.country]
        country = spec.country
        probability = self.draw(("relief_probability", country, group.id), spec.relief_probability)
        if not self.chance(("relief", country, group.id), probability):
            return None
        gap = whole_days(self.draw(("relief_gap", country, group.id), spec.relief_gap_days))
        leaves = arrived + group.tour
        ready = leaves + gap if gap >= 0 else max(arrived + 1, leaves + gap)  # never before the day after they came
        size = group.size
        if not spec.relief_fraction.is_fixed or spec.relief_fraction.params[0] != 1:
            fraction = min(1.0, max(0.0, self.draw(("relief_fraction", country, group.id), spec.relief_fraction)))
            size = round_half_up(fraction * size)
        return (ready, size) if size > 0 else None

    def relieve(self, group: Group, ready: int, size: int):
        """The relief is ready: it joins the queue at the gate."""
        yield self.at(ready, ADMIT)
        self.enqueue(Unit(group.country, size, group.id + "r", False, group.tour))

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
        drawn = self.shared("pledge_fulfilment", ("pledge_fulfilment", pledge.donor), pledge.fulfilment)
        fulfilment = min(1.0, max(0.0, drawn))
        remaining = round_half_up(fulfilment * sum(plan.pledge_cents[p]))
        ready = plan.origin
        for k, cents in enumerate(plan.pledge_cents[p]):
            amount = min(cents, remaining)
            if amount <= 0:
                return
            remaining -= amount
            slip = whole_days(self.draw(("tranche_slip", pledge.donor, k), pledge.slip_days))  # < 0: early
            ready = max(ready, plan.pledge_days[p][k] + slip)
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

    def enqueue(self, unit: Unit) -> None:
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
        """How many officers the balance can send now (each needs its runway and deploy cost; no limit unfunded)."""
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

    def arrive(self, unit: Unit, n: int, day: int) -> None:
        """``n`` officers of ``unit`` arrive on ``day`` as a new group: booked, charged, given attrition, serving."""
        group = Group(unit.country, n, f"{unit.id}.{unit.parts}", unit.tour)
        unit.parts += 1
        unit.size -= n
        self.change(day, unit.country, n)
        self.serving[group] = None
        self.trace.arrivals.append((day, unit.country, n, unit.first))
        if self.plan.funding and self.plan.deploy_cents:
            self.credit(day, -n * self.plan.deploy_cents)
        hazard = self.hazards[unit.country]
        if hazard > 0 and group.tour > 1:
            name = ("attrition", self.plan.contingents[unit.country].country, group.id)
            self.schedule_attrition(group, day, hazard, *self.streams.uniforms(name, 2)[self.i])
        Process(self.env, self.serve(group, day))

    # ------------------------------------------------------------------ lapse

    def lapse(self, day: int, drawdown: int) -> None:
        """The mandate lapses: no arrival from today on; everyone leaves, evenly over ``drawdown`` days."""
        self.lapsed = True
        self.closed = day + drawdown
        self.trace.lapsed_on, self.trace.drawdown_days = day, drawdown
        self.queue.clear()
        self.draw_down(day, drawdown)


def simulate(plan: Plan, streams: Streams, index: int, record: dict | None = None) -> Trace:
    """Run replication ``streams.block * BLOCK + index`` of ``plan``'s scenario (its named draws into ``record``)."""
    return Mission(plan, streams, index, record).run()


def whole_days(drawn: float) -> int:
    """A drawn number of days (a slip or gap may be negative) rounded half up, within +-MAX_DAYS: longer than
    any run, so an infinite draw of a normal or lognormal tail means "never within the run", not a crash."""
    return round_half_up(min(max(drawn, -MAX_DAYS), MAX_DAYS))

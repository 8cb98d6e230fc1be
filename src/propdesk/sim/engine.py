"""The discrete-event engine: one simulated community on a virtual clock.

A heap of ``(time, priority, sequence, action, job)``: the sequence number
breaks ties, so simultaneous events keep their order and payloads are never
compared.  One seeded :class:`random.Random` per community is drawn from in
event order only, so a seed fixes the run.

Staff are resources with queues.  Desk operators share one priority queue
(calls first, then rework dispatches, then callbacks): waiting for an
operator is simulated, which is what the Erlang C check measures (R-93).
Each field worker has a queue of work orders; who gets a work order is
decided by the production routing rules (R-51) inside ``decide``, and a
queued work order whose assignee goes off duty is transferred (R-2).

Every step becomes a desk command (docs/lifecycle.md) applied through the production core:
``decide(ticket, command, context)`` then ``evolve`` — the very functions
:class:`~propdesk.desk.Desk` calls, with the same context (the open work
orders per person, kept exactly as the Desk's view counts them).  Replaying
the written command log through a ``Desk`` gives identical events; the
tests check it.  A refusal is a bug of the scenario or the simulator and
raises :class:`SimulationError` (R-91).
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final, TextIO

from propdesk.domain import commands as c
from propdesk.domain.decide import Context, decide
from propdesk.domain.enums import Role, Satisfaction, Source
from propdesk.domain.errors import DomainError
from propdesk.domain.events import Event
from propdesk.domain.fold import evolve
from propdesk.domain.model import Ticket, current_assignee, current_work_order
from propdesk.domain.roster import on_duty
from propdesk.domain.routing import OpenWork, rank
from propdesk.sim import jobs
from propdesk.sim.arrivals import Rates
from propdesk.sim.clock import SimulatedTime
from propdesk.sim.draws import Picker, exponential_draw
from propdesk.sim.errors import SimulationError
from propdesk.sim.jobs import Job, Stat
from propdesk.sim.quick import command
from propdesk.sim.scenario import Scenario
from propdesk.sim.wire import command_line

Action = Callable[[Job], None]
_heappush: Final = heapq.heappush
_heappop: Final = heapq.heappop
_OWNER_SOURCES: Final = frozenset(s.value for s in Source if s.is_owner)
_DISSATISFIED: Final = Satisfaction.DISSATISFIED.value
_BASICALLY: Final = Satisfaction.BASICALLY_SATISFIED.value
_SATISFIED: Final = Satisfaction.SATISFIED.value


class SimulatedCommunity:
    """One simulated community.  ``run()`` returns the final tickets."""

    def __init__(self, scenario: Scenario, seed: int, *, index: int = 0,
                 days: int | None = None, log: TextIO | None = None,
                 keep_events: bool = False,
                 on_closed: Callable[[Ticket, datetime], bool] | None = None) -> None:
        self.sc = scenario
        self.on_closed = on_closed
        """Called with each ticket as it closes; when it returns true the ticket is
        final and is dropped from :attr:`tickets` (a year of a community then needs
        memory only for the tickets still open)."""
        self.cfg = scenario.config
        self.seed = seed
        self.index = index
        self.days = days if days is not None else scenario.days
        self.rng = random.Random(f"propdesk-sim/{seed}/{index}")
        self.log = log
        self.keep_events = keep_events
        self.events: list[Event] = []
        self.tickets: dict[str, Ticket] = {}
        self.zone = self.cfg.zone
        local0 = datetime.combine(scenario.start, time(0), tzinfo=self.zone)
        self.t0 = local0.astimezone(UTC)
        self._clock = SimulatedTime(self.t0)
        self.horizon = self.days * 86400.0
        self.now = 0.0
        self._heap: list[tuple[float, int, int, Action, Job | None]] = []
        self._seq = 0
        self.open_work = OpenWork()
        self.ctx = Context(self.cfg, self.open_work.counts, None)
        self.active = 0
        self.commands = 0
        self.n_tickets = 0
        self.prefix = f"C{index}-" if scenario.communities > 1 or index else ""
        # draws: one sampler per stage and stream, bound to the one generator
        rng = self.rng
        self._random = rng.random
        base = {k: d.sampler(rng) for k, d in scenario.durations.items()}
        self._stream_durations = {
            s.name: {**base, **{k: d.sampler(rng) for k, d in s.durations.items()}}
            for s in scenario.streams}
        self._modes = {s.name: Picker(dict(s.modes), rng) for s in scenario.streams}
        self._sources = {s.name: Picker(dict(s.sources), rng) for s in scenario.streams}
        self._lead = scenario.appointment_lead.sampler(rng)
        self._area = Picker(dict.fromkeys(scenario.areas, 1.0), rng)
        self._rates = Rates(scenario, self.t0, self.zone, rng)
        self.p = dict(scenario.probabilities)
        # people
        self.person_index = {p.id: i for i, p in enumerate(self.cfg.people)}
        self.desk_ids = [p.id for p in self.cfg.people if p.role is Role.DESK]
        self.on: set[str] = set()  # ids on duty now
        self.end = 0.0
        self._pending_picker: Picker | None = None
        self._stream_by_name = {s.name: s for s in scenario.streams}
        self.desk_busy: dict[str, bool] = dict.fromkeys(self.desk_ids, False)
        self.desk_queue: list[tuple[int, int, float, Action, Job]] = []
        field = [p.id for p in self.cfg.people if p.role is not Role.DESK]
        self.busy: dict[str, bool] = dict.fromkeys(field, False)
        self.queues: dict[str, list[tuple[int, int, Job]]] = {pid: [] for pid in field}
        self.backlog: deque[Job] = deque()
        self.dept_of = {p.id: p.department for p in self.cfg.people}
        # statistics
        self.desk_wait = Stat()
        self.desk_wait_calls = Stat()
        self.field_wait = Stat()
        self.desk_waited = 0
        self.busy_time: dict[str, float] = {}
        self._busy_since: dict[str, float] = {}
        self._boundaries = self._shift_times()

    # ------------------------------------------------------------ the clock

    def schedule(self, t: float, prio: int, action: Action, job: Job | None = None) -> None:
        self._seq += 1
        _heappush(self._heap, (t, prio, self._seq, action, job))

    def at(self, t: float | None = None) -> datetime:
        """The aware time of simulated second ``t`` (rounded to whole seconds)."""
        return self._clock.at(self.now if t is None else t)

    def run(self) -> dict[str, Ticket]:
        """Simulate to the horizon (and, with ``drain``, until every ticket is done)."""
        self.schedule(0.0, jobs.P_DUTY, self._day, None)
        self._next_arrival(0.0)
        heap = self._heap
        pop = _heappop
        drain = self.sc.drain
        horizon = self.horizon
        while heap:
            t, _p, _s, action, job = pop(heap)
            if t >= horizon:
                if not drain or self.active == 0:
                    break
                if t > horizon + jobs.DRAIN_LIMIT:
                    raise SimulationError(
                        f"{self.active} ticket(s) still open {jobs.DRAIN_LIMIT / 86400:.0f} days "
                        f"after the last arrival (seed {self.seed}, community {self.index}): "
                        "work waits for a department with no one on duty")
            self.now = t
            action(job)  # type: ignore[arg-type]
        if drain and self.active:
            raise SimulationError(f"{self.active} ticket(s) never finished (seed {self.seed}, "
                                  f"community {self.index}): work waits for a department "
                                  "with no one on duty")
        self.end = max(self.now, horizon)
        for pid, since in self._busy_since.items():
            self.busy_time[pid] = self.busy_time.get(pid, 0.0) + self.now - since
        return self.tickets

    # ------------------------------------------------------------ core bridge

    def apply(self, job: Job, cmd: c.Command) -> Ticket:
        """Decide and evolve one command with the production core (the Desk's path)."""
        ticket = job.ticket
        try:
            events = decide(ticket, cmd, self.ctx)
        except DomainError as err:
            raise SimulationError(
                f"the desk refused a simulated command (seed {self.seed}, community "
                f"{self.index}, t={self.now:.0f}s): {command_line(cmd, self.zone)} -> "
                f"{err.code}: {err}") from err
        after = ticket
        for e in events:
            after = evolve(after, e)
        assert after is not None
        job.counted = self.open_work.move(job.counted, after)
        job.ticket = after
        self.tickets[job.id] = after
        self.commands += 1
        if self.log is not None:
            self.log.write(command_line(cmd, self.zone) + "\n")
        if self.keep_events:
            self.events.extend(events)
        return after

    # ------------------------------------------------------------ roster

    def _shift_times(self) -> list[time]:
        from propdesk.domain.config import parse_hhmm

        times = {time(0)}
        for s in self.cfg.shifts:
            times.add(parse_hhmm(s.start, "start"))
            end = parse_hhmm(s.end, "end", allow_24=True)
            if end != time.max:
                times.add(end)
        return sorted(times)

    def _day(self, _job: Job | None) -> None:
        """At local midnight: schedule the day's roster changes and the next day."""
        local = (self.t0 + timedelta(seconds=self.now)).astimezone(self.zone)
        day = local.date()
        for tm in self._boundaries:
            inst = datetime.combine(day, tm, tzinfo=self.zone).astimezone(UTC)
            t = (inst - self.t0).total_seconds()
            self.schedule(max(t, self.now), jobs.P_DUTY, self._duty, None)
        nxt = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        t_next = (nxt.astimezone(UTC) - self.t0).total_seconds()
        # always: the run loop stops at the horizon once nothing is open (drain)
        self.schedule(t_next, jobs.P_DUTY, self._day, None)

    def _duty(self, _job: Job | None) -> None:
        now_on = set(on_duty(self.cfg, self.at()))
        if now_on == self.on:
            return
        went_off = [p for p in self.queues if p in self.on and p not in now_on]
        self.on = now_on
        for pid in self.desk_ids:
            if pid in now_on and not self.desk_busy[pid]:
                self._desk_next(pid)
        for pid in went_off:
            q = self.queues[pid]
            self.queues[pid] = []
            for _prio, _seq, job in sorted(q):
                self._hand_over(job, transfer=True)
        if self.backlog:
            waiting = list(self.backlog)
            self.backlog.clear()
            for job in waiting:
                self._hand_over(job, transfer=True)
        for pid, q in self.queues.items():
            if q and pid in now_on and not self.busy[pid]:
                self._field_next(pid)

    # ------------------------------------------------------------ arrivals

    def _next_arrival(self, t: float) -> None:
        while t < self.horizon:
            end, rate, picker = self._rates.at(t)
            if rate > 0:
                x = t + exponential_draw(self._random, rate)
                if x < end:
                    if x < self.horizon:
                        assert picker is not None
                        self.schedule(x, jobs.P_ARRIVAL, self._arrive, None)
                        self._pending_picker = picker
                    return
            t = end

    def _arrive(self, _job: Job | None) -> None:
        assert self._pending_picker is not None
        stream = self._stream_by_name[self._pending_picker()]
        self.n_tickets += 1
        job = Job(f"{self.prefix}T{self.n_tickets}", stream, self.now,
                  self._stream_durations[stream.name])
        self.active += 1
        mode = self._modes[stream.name]()
        job.emergency = mode == "emergency"
        job.desk = stream.desk > 0 and self._random() < stream.desk
        if mode == "appointment":
            job.appointment = -1.0  # set when recorded: lead time after the record
        job.priority = 0 if job.emergency else 1
        self._desk_request(job, jobs.Q_EMERGENCY if job.emergency else jobs.Q_CALL, self._call)
        self._next_arrival(self.now)

    # ------------------------------------------------------------ desk pool

    def _desk_request(self, job: Job, qclass: int, start: Action) -> None:
        for pid in self.desk_ids:
            if pid in self.on and not self.desk_busy[pid]:
                self._desk_start(pid, job, qclass, start, self.now)
                return
        self._seq += 1
        _heappush(self.desk_queue, (qclass, self._seq, self.now, start, job))

    def _desk_start(self, pid: str, job: Job, qclass: int, start: Action,
                    since: float) -> None:
        self.desk_busy[pid] = True
        self._busy_since[pid] = self.now
        wait = self.now - since
        self.desk_wait.add(wait)
        if qclass <= jobs.Q_CALL:
            self.desk_wait_calls.add(wait)
            if wait > 0:
                self.desk_waited += 1
        job.assignee = pid  # the operator serving this desk task
        start(job)

    def _desk_release(self, pid: str) -> None:
        self.desk_busy[pid] = False
        self.busy_time[pid] = (self.busy_time.get(pid, 0.0)
                               + self.now - self._busy_since.pop(pid))
        if pid in self.on:
            self._desk_next(pid)

    def _desk_next(self, pid: str) -> None:
        if self.desk_queue:
            qclass, _seq, since, start, job = _heappop(self.desk_queue)
            self._desk_start(pid, job, qclass, start, since)

    def _desk_person(self) -> str:
        """A desk person on duty for a quick entry that needs no operator time."""
        for pid in self.desk_ids:
            if pid in self.on:
                return pid
        return self.desk_ids[0]

    # ------------------------------------------------------------ desk work

    def _call(self, job: Job) -> None:
        job.queued_at = self.now  # the operator picked up
        self.schedule(self.now + job.durations["record"](), jobs.P_WORK, self._recorded, job)

    def _recorded(self, job: Job) -> None:
        s = job.stream
        op = job.assignee
        source = self._sources[s.name]()
        owner = source in _OWNER_SOURCES
        area = self._area()
        fields: dict[str, Any] = {
            "location": f"{area}-{1 + int(self._random() * 20)}-{101 + int(self._random() * 2000)}",
            "contact": "业主" if owner else None,
            "phone": "13800000000" if owner else None,
        }
        if self.p["incomplete"] and self._random() < self.p["incomplete"]:
            fields["phone" if owner else "location"] = None
        received = job.arrival if self.sc.received == "arrival" else job.queued_at
        appointment = None
        if job.appointment is not None:
            job.appointment = self.now + max(60.0, self._lead())
            appointment = self.at(job.appointment)
        mode = "emergency" if job.emergency else (
            "appointment" if appointment is not None else "immediate")
        fields.update({"received_at": self.at(received), "source": source,
                       "content": f"{s.name}: {self.sc.name}", "mode": mode,
                       "appointment_at": appointment, "area": area, "reply": "已收到，马上安排",
                       "category": s.category if job.desk else None})
        self.apply(job, command(c.Record, job.id, op, self.at(), fields))
        if job.desk:
            self.schedule(self.now + job.durations["answer"](), jobs.P_WORK, self._answered, job)
        else:
            self.schedule(self.now + job.durations["dispatch"](), jobs.P_WORK, self._dispatch, job)

    def _answered(self, job: Job) -> None:
        self.apply(job, command(c.Complete, job.id, job.assignee, self.at()))
        self._desk_release(job.assignee)
        self._returned_to_desk(job)

    def _redispatch(self, job: Job) -> None:
        self.schedule(self.now + job.durations["dispatch"](), jobs.P_WORK, self._dispatch, job)

    def _dispatch(self, job: Job) -> None:
        op = job.assignee
        at = self.at()
        ticket = job.ticket
        assert ticket is not None
        category = job.category
        if ticket.cycle == 1 and self.p["reclassify"] and self._random() < self.p["reclassify"]:
            wrong = next(x.id for x in self.cfg.categories if x.id != category)
            self.apply(job, command(c.Classify, job.id, op, at, {"category": wrong}))
        self.apply(job, command(c.Dispatch, job.id, op, at, {"category": category}))
        self.schedule(self.now + job.durations["read_back"](), jobs.P_WORK, self._confirm, job)

    def _confirm(self, job: Job) -> None:
        ticket = job.ticket
        assert ticket is not None
        op, assignee = job.assignee, current_assignee(ticket)
        assert assignee is not None
        self.apply(job, command(c.Confirm, job.id, assignee, self.at()))
        self._desk_release(op)
        job.assignee = assignee
        wo = current_work_order(ticket)
        if wo is not None and wo.appointment_at is not None and job.appointment is not None:
            appt = job.appointment
            self.schedule(max(self.now, appt - jobs.CONTACT_LEAD), jobs.P_WORK, self._contact, job)
            self.schedule(max(self.now, appt - jobs.LEAVE_LEAD), jobs.P_WORK, self._release, job)
        else:
            job.appointment = None
            self._release(job)

    def _contact(self, job: Job) -> None:
        ticket = job.ticket
        assert ticket is not None
        assignee = current_assignee(ticket)
        if assignee is None or ticket.state.value not in ("confirmed", "acknowledged"):
            return  # moved on (e.g. a transfer waiting for its read-back)
        self.apply(job, command(c.ContactOwner, job.id, assignee, self.at()))

    def _release(self, job: Job) -> None:
        self._hand_over(job, transfer=False)

    def _returned_to_desk(self, job: Job) -> None:
        self._desk_request(job, jobs.Q_CALLBACK, self._callback_start)

    def _callback_start(self, job: Job) -> None:
        self.schedule(self.now + job.durations["callback"](), jobs.P_WORK, self._callback, job)

    def _callback(self, job: Job) -> None:
        x = self._random()
        p = self.p
        if x < p["dissatisfied"]:
            sat = _DISSATISFIED
        elif x < p["dissatisfied"] + p["basically_satisfied"]:
            sat = _BASICALLY
        else:
            sat = _SATISFIED
        at = self.at()
        ticket = self.apply(job, command(c.Callback, job.id, job.assignee, at, {
            "fixed": True, "satisfaction": sat, "close": True}))
        self._desk_release(job.assignee)
        self.active -= 1
        if self.on_closed is not None and self.on_closed(ticket, at):
            del self.tickets[job.id]

    # ------------------------------------------------------------ field work

    def _hand_over(self, job: Job, *, transfer: bool) -> None:
        """Queue the work order on its assignee, transferring it first when the
        assignee is off duty (to the best on-duty colleague, R-51's order)."""
        ticket = job.ticket
        assert ticket is not None
        pid = current_assignee(ticket)
        assert pid is not None
        if pid not in self.on:
            dept = self.dept_of.get(pid)
            mates = [p for p in self.cfg.people if p.department == dept and p.id in self.on
                     and p.id != pid and p.role is not Role.DESK and p.id in self.queues]
            if not mates:
                self.backlog.append(job)
                return
            ranked, _tie = rank(self.cfg, mates, area=ticket.area,
                                open_counts=self.open_work.counts)
            to = ranked[0].id
            at = self.at()
            self.apply(job, command(c.Transfer, job.id, self._desk_person(), at, {
                "to": to, "reason": "交班 / shift change"}))
            self.apply(job, command(c.Confirm, job.id, to, at))
            pid = to
            job.resume = False  # a new work order: sign, travel and arrive again
        job.assignee = pid
        job.queued_at = self.now
        self._seq += 1
        _heappush(self.queues[pid], (job.priority, self._seq, job))
        if not self.busy[pid] and pid in self.on:
            self._field_next(pid)

    def _field_next(self, pid: str) -> None:
        q = self.queues[pid]
        if not q:
            return
        _prio, _seq, job = _heappop(q)
        self.busy[pid] = True
        self._busy_since[pid] = self.now
        self.field_wait.add(self.now - job.queued_at)
        job.assignee = pid
        d = job.durations
        if job.resume:
            self.schedule(self.now + d["travel"](), jobs.P_WORK, self._diagnose, job)
            return
        ticket = job.ticket
        assert ticket is not None
        if not job.emergency:
            self.apply(job, command(c.Acknowledge, job.id, pid, self.at()))
        arrive = self.now + d["travel"]()
        if job.appointment is not None:
            arrive = max(arrive, job.appointment - jobs.EARLY)
        self.schedule(arrive, jobs.P_WORK, self._arrive_on_site, job)

    def _field_release(self, pid: str) -> None:
        self.busy[pid] = False
        self.busy_time[pid] = (self.busy_time.get(pid, 0.0)
                               + self.now - self._busy_since.pop(pid))
        if pid in self.on:
            self._field_next(pid)

    def _arrive_on_site(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.Arrive, job.id, pid, self.at()))
        d = job.durations
        if (job.appointment is not None and not job.no_show_done and self.p["no_show"]
                and self._random() < self.p["no_show"]):
            job.no_show_done = True
            self.schedule(self.now + d["no_show_wait"](), jobs.P_WORK, self._no_show, job)
            return
        self.schedule(self.now + d["diagnose"](), jobs.P_WORK, self._diagnosed, job)

    def _no_show(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.FollowUp, job.id, pid, self.at(), {
            "note": "业主不在家，另约时间 / owner not at home"}))
        self._field_release(pid)
        self.schedule(self.now + job.durations["no_show_return"](), jobs.P_WORK, self._revisit, job)

    def _revisit(self, job: Job) -> None:
        job.resume = True
        job.appointment = None
        self._hand_over(job, transfer=False)

    def _diagnose(self, job: Job) -> None:
        """A revisit after a no-show: back on site (already ``on_site``), diagnose."""
        job.resume = False
        self.schedule(self.now + job.durations["diagnose"](), jobs.P_WORK, self._diagnosed, job)

    def _diagnosed(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.Diagnose, job.id, pid, self.at(), {"diagnosis": "现场诊断"}))
        d = job.durations
        ticket = job.ticket
        assert ticket is not None
        if (self.p["escalate"] and ticket.escalation_level == 0
                and self._random() < self.p["escalate"]):
            self.apply(job, command(c.UnableToHandle, job.id, pid, self.at(), {
                "reason": "需主管协调 / needs the supervisor"}))
            self.schedule(self.now + d["escalation"](), jobs.P_WORK, self._escalate, job)
            return
        self.schedule(self.now + d["plan"](), jobs.P_WORK, self._plan, job)

    def _escalate(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.Escalate, job.id, pid, self.at(), {
            "level": 1, "reason": "上报主管 / reported to the supervisor"}))
        self.schedule(self.now + job.durations["plan"](), jobs.P_WORK, self._plan, job)

    def _plan(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.Plan, job.id, pid, self.at()))
        self.schedule(self.now + job.durations["agree"](), jobs.P_WORK, self._agree, job)

    def _agree(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.Agree, job.id, pid, self.at()))
        self.schedule(self.now + job.durations["repair"](), jobs.P_WORK, self._complete, job)

    def _complete(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.Complete, job.id, pid, self.at()))
        self.schedule(self.now + job.durations["acceptance"](), jobs.P_WORK, self._acceptance, job)

    def _acceptance(self, job: Job) -> None:
        pid = job.assignee
        at = self.at()
        if self.p["rework"] and self._random() < self.p["rework"]:
            self.apply(job, command(c.Reject, job.id, pid, at, {
                "signer": "业主", "opinion": "不合格 / not right"}))
            self._field_release(pid)
            job.appointment = None
            self._desk_request(job, jobs.Q_DISPATCH, self._redispatch)
            return
        self.apply(job, command(c.Accept, job.id, pid, at, {"signer": "业主",
                                                            "owner_copy": True}))
        ticket = job.ticket
        assert ticket is not None
        wo = current_work_order(ticket)
        if wo is not None and wo.acknowledged_at is None:
            # emergency: sign for the form after the first stage (S-14)
            self.apply(job, command(c.Acknowledge, job.id, pid, at))
        self.schedule(self.now + job.durations["return"](), jobs.P_WORK, self._form_back, job)

    def _form_back(self, job: Job) -> None:
        pid = job.assignee
        self.apply(job, command(c.Return, job.id, self._desk_person(), self.at()))
        self._field_release(pid)
        self._returned_to_desk(job)


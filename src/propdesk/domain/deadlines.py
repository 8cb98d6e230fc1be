"""Clocks and what falls due: the machinery under the S-rules.

The first half reads a ticket: its cycles' milestones (:class:`CycleView`),
the named milestones, series and conditions the rules of
:mod:`propdesk.domain.sla` refer to, and :func:`clocks`, which gives every
rule's clock (start, deadline, stop, void) for every cycle, independent of
the time of evaluation.

The second half is :class:`DeadlineIndex`, a projection kept up to date as
tickets change (``update(ticket)`` after each change): a heap of alert times,
so that asking "what is due up to T" costs in proportion to what is due, not
to the number of open tickets (S-21).  Pure: no clock; the caller passes the
times.

When an alert falls due:

* a **warning** at ``start + warn_at × (deadline − start)`` (default 80 %),
  only while the rule's clock is running (a clock stopped before the warning
  was delivered drops it: it no longer calls for action), and only when the
  clock started before its deadline;
* a **breach** as soon as the deadline has passed (its ``at`` is the deadline;
  ``due(until)`` reports it when ``until`` is later than the deadline, as the
  deadline itself is still in time, S-20).  A breach is reported even if the
  clock stopped late before anyone asked: a breach is never undone.  A rule
  decided by a later milestone (S-3: the dispatch) breaches only once decided:
  its breach's ``at`` is then the later of the deadline and the decision, and
  a waiver (S-3: the desk's own resolution) drops its alerts, the warning
  included (withdrawn: it no longer calls for action).

Each (ticket, rule, cycle, occurrence, kind) is reported at most once ever.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, Literal

import attrs

from propdesk.domain.enums import Mode, State
from propdesk.domain.model import Ticket

if TYPE_CHECKING:
    from propdesk.domain.sla import Rule, SlaRules

# ------------------------------------------------------------------ cycle view


class CycleView:
    """The milestones of one cycle of a ticket (S-22), read once from the model.

    A cycle's work-order milestones are the earliest over its work orders (a
    transfer issues a new work order in the same cycle without restarting any
    clock).  ``desk`` is the cycle's desk resolution: a cycle either has work
    orders or is resolved by the desk, so resolutions are matched, in order,
    with the cycles that have no work order.
    """

    __slots__ = (
        "acknowledged", "appointment", "arrived", "booked", "confirmed", "contacted", "cycle",
        "desk", "diagnosed", "dispatched", "mode", "planned", "returns", "start", "ticket",
        "unables",
    )

    def __init__(self, ticket: Ticket, cycle: int, start: datetime, mode: Mode) -> None:
        self.ticket = ticket
        self.cycle = cycle
        self.start = start
        self.mode = mode
        self.dispatched: datetime | None = None
        self.appointment: datetime | None = None
        self.booked: datetime | None = None
        self.confirmed: datetime | None = None
        self.acknowledged: datetime | None = None
        self.contacted: datetime | None = None
        self.arrived: datetime | None = None
        self.diagnosed: datetime | None = None
        self.planned: datetime | None = None
        self.unables: tuple[datetime, ...] = ()
        self.returns: tuple[datetime, ...] = ()
        self.desk: datetime | None = None


# Enum members looked up on their class cost a metaclass look-up each (about a
# tenth of a microsecond on CPython 3.11): the hot paths below use these instead.
_EMERGENCY: Final = Mode.EMERGENCY
_IMMEDIATE: Final = Mode.IMMEDIATE
_APPOINTMENT: Final = Mode.APPOINTMENT
_CLOSED: Final = State.CLOSED
_CANCELLED: Final = State.CANCELLED


def cycle_views(ticket: Ticket) -> list[CycleView]:
    """One :class:`CycleView` per cycle of ``ticket``, in order (one pass over its work orders)."""
    starts = ticket.cycle_starts or (ticket.recorded_at,)
    views = [CycleView(ticket, 1, starts[0], ticket.mode)]
    n = ticket.cycle
    if n > 1:  # rework cycles: emergencies stay emergencies, the rest is immediate
        later_mode = _EMERGENCY if ticket.mode is _EMERGENCY else _IMMEDIATE
        last = len(starts) - 1
        for k in range(1, n):
            views.append(CycleView(ticket, k + 1, starts[k] if k <= last else starts[last],
                                   later_mode))
    for wo in ticket.work_orders:
        v = views[wo.cycle - 1]
        if v.dispatched is None:
            v.dispatched = wo.dispatched_at
            v.mode = wo.mode
            v.appointment = wo.appointment_at
            if wo.appointment_at is not None:
                same = wo.cycle == 1 and wo.appointment_at == ticket.appointment_at
                v.booked = ticket.recorded_at if same else wo.dispatched_at
        x = wo.confirmed_at
        if x is not None and (v.confirmed is None or x < v.confirmed):
            v.confirmed = x
        x = wo.acknowledged_at
        if x is not None and (v.acknowledged is None or x < v.acknowledged):
            v.acknowledged = x
        x = wo.contacted_at
        if x is not None and (v.contacted is None or x < v.contacted):
            v.contacted = x
        x = wo.arrived_at
        if x is not None and (v.arrived is None or x < v.arrived):
            v.arrived = x
        x = wo.diagnosed_at
        if x is not None and (v.diagnosed is None or x < v.diagnosed):
            v.diagnosed = x
        x = wo.planned_at
        if x is not None and (v.planned is None or x < v.planned):
            v.planned = x
        if wo.unable:
            v.unables = tuple(sorted((*v.unables, *(u.at for u in wo.unable))))
        if wo.returned_at is not None:
            v.returns = (*v.returns, wo.returned_at)
    if ticket.desk_resolutions:
        pending = iter(ticket.desk_resolutions)
        for v in views:
            if v.dispatched is None:
                v.desk = next(pending, None)
                if v.desk is not None:
                    v.returns = (v.desk,)
    return views


def terminal_at(ticket: Ticket) -> datetime | None:
    """When the ticket was closed or cancelled (no event follows a cancellation)."""
    state = ticket.state
    if state is _CLOSED:
        return ticket.closed_at
    if state is _CANCELLED:
        return ticket.last_at
    return None


# ------------------------------------------------------------------ milestones

MilestoneFn = Callable[[CycleView, datetime | None], datetime | None]
OccurrenceFn = Callable[[CycleView], Sequence[datetime]]


@attrs.frozen
class Milestone:
    """A named point of a ticket's life.  ``fn(view, start)`` gives its time in
    the cycle (``start``: the clock's start, for "the first … after it")."""

    name: str
    text: str
    fn: MilestoneFn


@attrs.frozen
class Occurrences:
    """A named series of points in a cycle, each starting its own clock (``per="each"``)."""

    name: str
    text: str
    fn: OccurrenceFn


def _first_after(times: Sequence[datetime], s: datetime | None) -> datetime | None:
    for t in times:
        if s is None or t >= s:
            return t
    return None


def _reached_level(v: CycleView, s: datetime | None, level: int) -> datetime | None:
    # a level, once reached, stays: reached before the start stops at the start
    for e in v.ticket.escalations:
        if e.level >= level:
            return e.at if s is None or e.at > s else s
    return None


def _reported(v: CycleView, s: datetime | None) -> datetime | None:
    # S-11: a report made at or after the start (the `unable`), at any level >= 1:
    # an escalation before it does not report it
    for e in v.ticket.escalations:
        if e.level >= 1 and (s is None or e.at >= s):
            return e.at
    return None


def _first_reply(v: CycleView, s: datetime | None) -> datetime | None:
    for r in v.ticket.replies:
        if s is None or r.at >= s:
            return r.at
    return None


def _answer(v: CycleView, s: datetime | None) -> datetime | None:
    for r in v.ticket.replies:
        if r.answers and (s is None or r.at >= s):
            return r.at
    return None


def _completed_any(v: CycleView, s: datetime | None) -> datetime | None:
    t = v.ticket
    first = t.desk_resolutions[0] if t.desk_resolutions else None
    for wo in t.work_orders:
        if wo.completed_at is not None and (first is None or wo.completed_at < first):
            first = wo.completed_at
    if first is None:
        return None
    return first if s is None or first > s else s


def _called_back(v: CycleView, s: datetime | None) -> datetime | None:
    for cb in v.ticket.callbacks:
        if s is None or cb.at >= s:
            return cb.at
    return None


def _service_start(v: CycleView, s: datetime | None) -> datetime | None:
    t = v.ticket
    if t.mode is _APPOINTMENT and t.appointment_at is not None:
        return t.appointment_at
    return t.received_at


MILESTONES: Final[dict[str, Milestone]] = {m.name: m for m in (
    Milestone("received", "received by the desk", lambda v, s: v.ticket.received_at),
    Milestone("recorded", "recorded", lambda v, s: v.ticket.recorded_at),
    Milestone("cycle_start", "the cycle's start (recorded; a rework: its start)",
              lambda v, s: v.start),
    Milestone("cycle_origin",
              "originated: the first receiver got it (a rework cycle: its start)",
              lambda v, s: v.ticket.originated_at if v.cycle == 1 else v.start),
    Milestone("service_start", "received (appointments: the recorded appointment time)",
              _service_start),
    Milestone("dispatched", "dispatched (the cycle's first work order)",
              lambda v, s: v.dispatched),
    Milestone("confirmed", "confirmed (read back, 复述确认)", lambda v, s: v.confirmed),
    Milestone("acknowledged", "acknowledged (signed for, 签收)", lambda v, s: v.acknowledged),
    Milestone("contacted", "`contact_owner`", lambda v, s: v.contacted),
    Milestone("arrived", "on site", lambda v, s: v.arrived),
    Milestone("diagnosed", "diagnosed", lambda v, s: v.diagnosed),
    Milestone("planned", "planned", lambda v, s: v.planned),
    Milestone("appointment", "the cycle's appointment time", lambda v, s: v.appointment),
    Milestone("desk_resolved", "the desk resolved it itself (desk `complete`)",
              lambda v, s: v.desk),
    Milestone("replied", "a `reply` (the record's reply counts)", _first_reply),
    Milestone("answered", "a `reply` that answers", _answer),
    Milestone("unable", "`unable` reported", lambda v, s: _first_after(v.unables, s)),
    Milestone("escalated_1", "escalated to level ≥ 1", lambda v, s: _reached_level(v, s, 1)),
    Milestone("escalated_2", "escalated to level 2", lambda v, s: _reached_level(v, s, 2)),
    Milestone("reported", "an escalation to level ≥ 1 made after it (at the current "
              "level or above, R-54)", _reported),
    Milestone("completed", "completed (any cycle; or resolved by the desk)", _completed_any),
    Milestone("called_back", "called back (the next callback)", _called_back),
)}

OCCURRENCES: Final[dict[str, Occurrences]] = {o.name: o for o in (
    Occurrences("unables", "each `unable` reported", lambda v: v.unables),
    Occurrences("returns", "each return, and each desk resolution", lambda v: v.returns),
)}

Condition = Callable[[CycleView, timedelta], bool]


def _short_notice(v: CycleView, allowance: timedelta) -> bool:
    return (v.appointment is not None and v.booked is not None
            and v.appointment - v.booked < allowance)


CONDITIONS: Final[dict[str, tuple[str, Condition]]] = {
    "short_notice": ("the appointment was booked less than the allowance ahead (S-23)",
                     _short_notice),
}
"""Named conditions under which a rule is not applicable (``Rule.unless``)."""


# ------------------------------------------------------------------ clocks


Clock = tuple[str, int, int, datetime | None, datetime | None, datetime | None,
              datetime | None, str | None, datetime | None]
"""One rule's clock in one cycle and occurrence, independent of the time of
evaluation: ``(rule, cycle, occurrence, start, deadline, stop, void,
deviation, hold)``.  ``start`` is ``None`` when the rule does not apply (yet);
``stop`` is the first stopping milestone, ``void`` the first milestone that
makes the rule not applicable (closing or cancelling the ticket included).
``hold`` is ``None`` for a rule decided from its start; for a rule with
``decided_by`` (S-3) it is when the rule was decided (:data:`UNDECIDED`: not
yet): before it a passed deadline is pending, not a breach.  A hold later
than the void is a *waiver*: the rule is not applicable, whenever the void
came."""

UNDECIDED: Final = datetime.max.replace(tzinfo=UTC)
"""The hold of a clock whose rule is not decided (yet): later than any time."""


def _applies(rule: Rule, unless: tuple[Condition, ...], allowance: timedelta, v: CycleView,
            category: str | None) -> bool:
    """Whether ``rule`` applies to cycle ``v`` of a ticket in ``category``, as far
    as its categories, desk resolution and conditions go (modes and sources: see
    :meth:`SlaRules.plan <propdesk.domain.sla.SlaRules.plan>`)."""
    if rule.categories is not None and category not in rule.categories:
        return False
    if rule.desk_resolved is not None and (v.desk is not None) != rule.desk_resolved:
        return False
    return not any(cond(v, allowance) for cond in unless)


def clocks(ticket: Ticket, rules: SlaRules) -> list[Clock]:
    """Every enabled rule's clock for every cycle of ``ticket``, in rule order
    (then cycle, then occurrence).

    Worked out cycle by cycle, each with its :meth:`~propdesk.domain.sla.SlaRules.plan`
    (the rules its mode and the ticket's source admit, worked out once); a
    ticket of several cycles is then sorted into rule order (a stable sort keeps
    cycles and occurrences in order)."""
    views = cycle_views(ticket)
    terminal = terminal_at(ticket)
    meeting = rules.meeting_after_day
    plan_for = rules.plan
    source = ticket.source
    category = ticket.category
    out: list[Clock] = []
    append = out.append
    for v in views:
        cyc = v.cycle
        # na: the rule's clock when it does not apply to this cycle (made once, shared)
        for na, c in plan_for(cyc, v.mode, source):
            if c is None:  # not for this mode or source
                append(na)
                continue
            (rid, rule, allowance, kind, _, _, _, filtered, start, each, anchor_fn,
             first_stop, more_stops, voids, unless, early, decided, waives) = c
            if filtered and not _applies(rule, unless, allowance, v, category):
                append(na)
                continue
            if each is None:
                s0 = start(v, None)  # type: ignore[misc]  # set when each is None
                if s0 is None:
                    append(na)
                    continue
                starts: Sequence[datetime] = (s0,)
            else:
                starts = each(v)
                if not starts:
                    append(na)
                    continue
            occ = 0
            for s in starts:
                occ += 1
                anchor = None
                if kind == 0:
                    d = s + allowance
                elif kind == 1:
                    anchor = anchor_fn(v, s)  # type: ignore[misc]
                    if anchor is None:
                        append((rid, cyc, occ, None, None, None, None, None, None))
                        continue
                    d = anchor - allowance
                else:
                    d = meeting(s) + allowance
                # most rules have one stop and no void: the ifs skip an empty loop
                stop = first_stop(v, s)
                if more_stops:
                    for fn in more_stops:
                        x = fn(v, s)
                        if x is not None and (stop is None or x < stop):
                            stop = x
                void = terminal
                if voids:
                    for fn in voids:
                        x = fn(v, s)
                        if x is not None and (void is None or x < void):
                            void = x
                hold = None
                if decided is not None:
                    hold, void = _decision(v, s, decided, waives, terminal, void)
                dev = None
                if (early is not None and stop is not None and anchor is not None
                        and stop < anchor - early):
                    dev = (f"early: on site {whole_seconds(anchor - stop)} s before the "
                           f"appointment, more than {rule.early_s} s early")
                append((rid, cyc, occ, s, d, stop, void, dev, hold))
    if len(views) > 1:
        out.sort(key=rules.rule_order)
    return out


def _decision(v: CycleView, s: datetime, decided: MilestoneFn,
              waives: tuple[MilestoneFn, ...], terminal: datetime | None,
              void: datetime | None) -> tuple[datetime, datetime | None]:
    """``(hold, void)`` of a rule decided by a milestone (S-3: the dispatch; the
    ticket's closing or cancellation decides it too): a waiver before the
    decision (S-3: the desk's own resolution) voids the rule with the hold
    :data:`UNDECIDED`, so that it is not applicable whenever it came."""
    x = decided(v, s)
    if terminal is not None and (x is None or terminal < x):
        x = terminal
    for fn in waives:
        w = fn(v, s)
        if w is not None and (x is None or w < x):
            return UNDECIDED, w if void is None or w < void else void
    return (UNDECIDED if x is None else x), void


def whole_seconds(delta: timedelta) -> int:
    """Whole seconds of a non-negative duration, a started second counting as one."""
    return delta.days * 86400 + delta.seconds + (1 if delta.microseconds else 0)


# ------------------------------------------------------------------ what is due


AlertKind = Literal["warning", "breach"]
AlertKey = tuple[str, int, int, AlertKind]
"""(rule, cycle, occurrence, kind)."""
_RANK: Final = {"warning": 0, "breach": 1}


@attrs.frozen(slots=False)  # a dict class: cheaper to make, as Outcome
class Alert:
    """A warning or breach of one rule of one ticket's cycle, falling due at ``at``."""

    at: datetime
    ticket: str
    rule: str
    cycle: int
    kind: AlertKind
    deadline: datetime
    occurrence: int = 1


def alerts_for(ticket: Ticket, rules: SlaRules) -> dict[AlertKey, tuple[datetime, datetime]]:
    """The alerts ``ticket`` calls for as it stands: key -> (when due, deadline)."""
    out: dict[AlertKey, tuple[datetime, datetime]] = {}
    warn_at = rules.warn_at
    for rule, cyc, occ, s, d, stop, void, _, hold in clocks(ticket, rules):
        if s is None or d is None:
            continue
        end = stop if void is None or (stop is not None and stop <= void) else void
        breach_at = d
        if hold is not None:
            if void is not None and hold > void:
                continue  # waived: not applicable, its warning withdrawn
            if hold > d:
                breach_at = hold  # a breach once decided (UNDECIDED: not yet)
        if end is None:
            if d > s:
                out[(rule, cyc, occ, "warning")] = (s + (d - s) * warn_at, d)
            if breach_at != UNDECIDED:
                out[(rule, cyc, occ, "breach")] = (breach_at, d)
        elif end > d:
            out[(rule, cyc, occ, "breach")] = (breach_at, d)
    return out


def _in_window(kind: str, at: datetime, deadline: datetime, since: datetime | None,
               until: datetime) -> bool:
    # a warning falls due at ``at``; a breach just after ``at`` (= its deadline), or at
    # ``at`` when it was decided after its deadline (S-3: at the late dispatch)
    if kind == "warning" or at > deadline:
        return at <= until and (since is None or at > since)
    return at < until and (since is None or at >= since)


class DeadlineIndex:
    """The pending deadlines of all tickets, as a heap of alert times."""

    def __init__(self, rules: SlaRules) -> None:
        self.rules = rules
        self._heap: list[tuple[datetime, int, int, str, AlertKey, datetime]] = []
        self._alerts: dict[str, dict[AlertKey, tuple[datetime, datetime]]] = {}
        self._delivered: dict[str, set[AlertKey]] = {}
        self._terminal: set[str] = set()
        self._seq = 0

    def __len__(self) -> int:
        """How many alerts are known and not yet delivered."""
        return sum(
            sum(1 for k in alerts if k not in self._delivered.get(tid, ()))
            for tid, alerts in self._alerts.items()
        )

    def update(self, ticket: Ticket) -> None:
        """Take ``ticket`` as it stands now (call after each change); replaces its alerts."""
        tid = ticket.id
        new = alerts_for(ticket, self.rules)
        old = self._alerts.get(tid, {})
        delivered = self._delivered.get(tid, set())
        for key, value in new.items():
            if key not in delivered and old.get(key) != value:
                self._seq += 1
                heapq.heappush(self._heap, (value[0], _RANK[key[3]], self._seq, tid, key,
                                            value[1]))
        if terminal_at(ticket) is not None:
            self._terminal.add(tid)
        self._alerts[tid] = new
        self._forget_if_done(tid)

    def update_many(self, tickets: Iterable[Ticket]) -> None:
        """:meth:`update` for each of ``tickets``."""
        for t in tickets:
            self.update(t)

    def due(self, until: datetime) -> list[Alert]:
        """The alerts due up to ``until`` not reported before, in time order
        (warnings before breaches at the same instant); each is reported once ever."""
        heap = self._heap
        pop = heapq.heappop
        current = self._alerts
        reported = self._delivered
        terminal = self._terminal
        out: list[Alert] = []
        append = out.append
        later = []  # breaches at their deadline = until: due just after it
        while heap:
            top = heap[0]
            at = top[0]
            if at > until:
                break
            pop(heap)
            _, rank, _, tid, key, deadline = top
            if at == until and rank == 1 and at == deadline:
                later.append(top)
                continue
            alerts = current.get(tid)
            if alerts is None or alerts.get(key) != (at, deadline):
                continue  # superseded by a later update
            delivered = reported.get(tid)
            if delivered is None:
                delivered = reported[tid] = set()
            elif key in delivered:
                continue
            delivered.add(key)
            append(Alert(at, tid, key[0], key[1], key[3], deadline, key[2]))
            if tid in terminal:
                self._forget_if_done(tid)
        for entry in later:
            heapq.heappush(heap, entry)
        return out

    def peek(self, since: datetime | None, until: datetime) -> list[Alert]:
        """The alerts falling due in ``(since, until]`` for the tickets the index
        holds, whether reported or not (the warnings of clocks still running,
        and the breaches), in time order; marks nothing as reported."""
        found = []
        for tid, alerts in self._alerts.items():
            for key, (at, deadline) in alerts.items():
                if _in_window(key[3], at, deadline, since, until):
                    found.append(Alert(at, tid, key[0], key[1], key[3], deadline, key[2]))
        found.sort(key=lambda a: (a.at, _RANK[a.kind], a.ticket, a.rule, a.cycle,
                                  a.occurrence))
        return found

    def _forget_if_done(self, tid: str) -> None:
        """Drop a closed or cancelled ticket once all its alerts were reported."""
        if tid not in self._terminal:
            return
        delivered = self._delivered.get(tid, set())
        if all(k in delivered for k in self._alerts.get(tid, {})):
            self._alerts.pop(tid, None)
            self._delivered.pop(tid, None)
            self._terminal.discard(tid)

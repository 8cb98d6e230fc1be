"""What the rules read of a ticket: its cycles' milestones (:class:`CycleView`)
and the named milestones, series and conditions the rules of
:mod:`propdesk.domain.sla.rules` refer to (S-22: a rework starts a new cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Final

import attrs

from propdesk.domain.enums import Mode, State
from propdesk.domain.model import CallbackResult, SentReply, Ticket


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


_EMERGENCY: Final = Mode.EMERGENCY
_IMMEDIATE: Final = Mode.IMMEDIATE
_APPOINTMENT: Final = Mode.APPOINTMENT
_CLOSED: Final = State.CLOSED
_CANCELLED: Final = State.CANCELLED


def earlier(current: datetime | None, x: datetime | None) -> datetime | None:
    """The earlier of two times, either of which may not have happened (``None``)."""
    if x is None or (current is not None and current <= x):
        return current
    return x


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
        v.confirmed = earlier(v.confirmed, wo.confirmed_at)
        v.acknowledged = earlier(v.acknowledged, wo.acknowledged_at)
        v.contacted = earlier(v.contacted, wo.contacted_at)
        v.arrived = earlier(v.arrived, wo.arrived_at)
        v.diagnosed = earlier(v.diagnosed, wo.diagnosed_at)
        v.planned = earlier(v.planned, wo.planned_at)
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


def _first_since(series: Sequence[SentReply] | Sequence[CallbackResult],
                 s: datetime | None) -> datetime | None:
    """The time of the first of ``series`` at or after ``s`` (``None``: the first)."""
    for x in series:
        if s is None or x.at >= s:
            return x.at
    return None


def _first_reply(v: CycleView, s: datetime | None) -> datetime | None:
    return _first_since(v.ticket.replies, s)


def _answer(v: CycleView, s: datetime | None) -> datetime | None:
    for r in v.ticket.replies:
        if r.answers and (s is None or r.at >= s):
            return r.at
    return None


def _completed_any(v: CycleView, s: datetime | None) -> datetime | None:
    t = v.ticket
    first = t.desk_resolutions[0] if t.desk_resolutions else None
    for wo in t.work_orders:
        first = earlier(first, wo.completed_at)
    if first is None:
        return None
    return first if s is None or first > s else s


def _called_back(v: CycleView, s: datetime | None) -> datetime | None:
    return _first_since(v.ticket.callbacks, s)


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

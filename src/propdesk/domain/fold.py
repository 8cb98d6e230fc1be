"""``evolve(ticket, event) -> ticket`` and ``fold(events) -> ticket``.

The state of a ticket is a function of its events alone (R-31).  Events
were validated when they were decided, so nothing is re-checked here: this
is the replay hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from propdesk.domain.enums import Mode, Source, State
from propdesk.domain.events import Event, parse_iso
from propdesk.domain.model import (
    Amendment,
    Callback,
    Escalation,
    FeeLine,
    Material,
    Reply,
    Ticket,
    Unable,
    WorkOrder,
)

evolve_attrs = attrs.evolve


def _opt_time(value: Any) -> datetime | None:
    return parse_iso(value) if value else None


def _start(e: Event) -> Ticket:
    d = e.data
    reply = d.get("reply")
    replies = (Reply(e.at, e.by, reply, False),) if reply else ()
    return Ticket(
        id=e.ticket, version=e.version, state=State.RECORDED, last_at=e.at,
        source=Source(d["source"]), first_receiver=d["first_receiver"], recorded_by=e.by,
        originated_at=parse_iso(d["originated_at"]), received_at=parse_iso(d["received_at"]),
        recorded_at=e.at, content=d["content"], mode=Mode(d["mode"]),
        location=d.get("location"), event_at=_opt_time(d.get("event_at")),
        contact=d.get("contact"), phone=d.get("phone"),
        appointment_at=_opt_time(d.get("appointment_at")), area=d.get("area"),
        asset=d.get("asset"), about=d.get("about"),
        major_incident=bool(d.get("major_incident")),
        category=d.get("category"), first_category=d.get("category"),
        missing=tuple(d.get("missing", ())), replies=replies, cycle_starts=(e.at,),
    )


def _wo(t: Ticket, e: Event, **changes: Any) -> Ticket:
    """Apply ``changes`` to the current work order."""
    wos = list(t.work_orders)
    wos[-1] = evolve_attrs(wos[-1], **changes)
    return evolve_attrs(t, work_orders=tuple(wos))


def _classify(t: Ticket, e: Event) -> Ticket:
    cat = e.data["category"]
    return evolve_attrs(
        t, category=cat, first_category=t.first_category or cat,
        reclassified=t.reclassified or (t.category is not None and t.category != cat))


def _dispatch(t: Ticket, e: Event) -> Ticket:
    d = e.data
    cat = d["category"]
    wo = WorkOrder(
        number=d["work_order"], cycle=d["cycle"], assignee=d["assignee"], dispatched_at=e.at,
        mode=Mode(d["mode"]), appointment_at=_opt_time(d.get("appointment_at")),
        routing=dict(d.get("routing") or {}), notices=tuple(d.get("notices") or ()),
        department=d.get("department"),
    )
    return evolve_attrs(
        t, state=State.DISPATCHED, category=cat, first_category=t.first_category or cat,
        reclassified=t.reclassified or (t.category is not None and t.category != cat),
        work_orders=(*t.work_orders, wo))


def _acknowledge(t: Ticket, e: Event) -> Ticket:
    wo = t.work_order
    assert wo is not None
    state = State.ACKNOWLEDGED if t.state is State.CONFIRMED else t.state
    return evolve_attrs(_wo(t, e, acknowledged_at=wo.acknowledged_at or e.at), state=state)


def _plan(t: Ticket, e: Event) -> Ticket:
    d = e.data
    fees = tuple(
        FeeLine(f["code"], f["name"], Decimal(f["qty"]), Decimal(f["unit_price"]),
                Decimal(f["amount"]), f["on_schedule"])
        for f in d.get("fees", ())
    )
    t = _wo(t, e, planned_at=e.at, fees=fees, plan_note=d.get("note"),
            override_by=d.get("override_by"))
    return evolve_attrs(t, state=State.PLANNED)


def _unable(t: Ticket, e: Event) -> Ticket:
    wo = t.work_order
    assert wo is not None
    return _wo(t, e, unable=(*wo.unable, Unable(e.at, e.data["reason"])))


def _complete(t: Ticket, e: Event) -> Ticket:
    d = e.data
    if d.get("desk"):
        return evolve_attrs(t, state=State.RETURNED,
                            desk_resolutions=(*t.desk_resolutions, e.at))
    charge = d.get("charge")
    t = _wo(t, e, completed_at=e.at, workers=tuple(d.get("workers", ())),
            materials=tuple(Material(m["name"], Decimal(m["qty"]))
                            for m in d.get("materials", ())),
            charge=Decimal(charge) if charge is not None else None, note=d.get("note"))
    return evolve_attrs(t, state=State.COMPLETED)


def _accept(t: Ticket, e: Event) -> Ticket:
    d = e.data
    t = _wo(t, e, accepted_at=e.at, signer=d["signer"], opinion=d.get("opinion"),
            owner_copy=bool(d.get("owner_copy")))
    return evolve_attrs(t, state=State.ACCEPTED)


def _rework(t: Ticket, e: Event) -> dict[str, Any]:
    return {"state": State.RECORDED, "rework_count": t.rework_count + 1,
            "cycle": t.cycle + 1, "cycle_starts": (*t.cycle_starts, e.at)}


def _reject(t: Ticket, e: Event) -> Ticket:
    d = e.data
    t = _wo(t, e, rejected_at=e.at, signer=d["signer"], opinion=d.get("opinion"),
            owner_copy=bool(d.get("owner_copy")))
    return evolve_attrs(t, **_rework(t, e))


def _callback_record(e: Event) -> Callback:
    d = e.data
    return Callback(e.at, e.by, d["fixed"], d["satisfaction"], d.get("charge_ok"),
                    d.get("channel", "phone"), d.get("outcome", "sampled"))


def _callback(t: Ticket, e: Event) -> Ticket:
    cb = _callback_record(e)
    changes: dict[str, Any] = {"callbacks": (*t.callbacks, cb)}
    if cb.outcome == "rework":
        changes.update(_rework(t, e), charge_disputed=False, dispute_settled=False)
    elif cb.outcome == "disputed":
        changes.update(charge_disputed=True, dispute_settled=False)
    else:
        changes.update(state=State.CALLED_BACK, charge_disputed=False, dispute_settled=False)
    return evolve_attrs(t, **changes)


def _transfer(t: Ticket, e: Event) -> Ticket:
    d = e.data
    old = t.work_orders[-1]
    wos = list(t.work_orders)
    wos[-1] = evolve_attrs(old, voided_at=e.at, transferred_to=d["to"])
    new = WorkOrder(number=d["work_order"], cycle=old.cycle, assignee=d["to"],
                    dispatched_at=e.at, mode=old.mode, appointment_at=old.appointment_at,
                    routing={"rule": "transfer", "from": d["from"], "reason": d["reason"]},
                    department=d.get("department"))
    wos.append(new)
    return evolve_attrs(t, state=State.DISPATCHED, work_orders=tuple(wos))


def _amend(t: Ticket, e: Event) -> Ticket:
    d = e.data
    a = Amendment(e.at, e.by, d["field"], d.get("old"), d.get("new"), d["reason"])
    return evolve_attrs(t, amendments=(*t.amendments, a), **{d["field"]: d.get("new")})


def _escalate(t: Ticket, e: Event) -> Ticket:
    d = e.data
    return evolve_attrs(
        t, escalation_level=d["level"],
        escalations=(*t.escalations, Escalation(e.at, e.by, d["level"], d["reason"])),
        dispute_settled=t.dispute_settled or t.charge_disputed)


_EVOLVERS: dict[str, Callable[[Ticket, Event], Ticket]] = {
    "classify": _classify,
    "dispatch": _dispatch,
    "confirm": lambda t, e: evolve_attrs(_wo(t, e, confirmed_at=e.at), state=State.CONFIRMED),
    "acknowledge": _acknowledge,
    "contact_owner": lambda t, e: _wo(t, e, contacted_at=t.work_orders[-1].contacted_at or e.at),
    "arrive": lambda t, e: evolve_attrs(_wo(t, e, arrived_at=e.at), state=State.ON_SITE),
    "diagnose": lambda t, e: _wo(t, e, diagnosed_at=e.at, diagnosis=e.data["diagnosis"]),
    "plan": _plan,
    "agree": lambda t, e: evolve_attrs(
        _wo(t, e, agreed_at=e.at, schedule_shown=bool(e.data.get("schedule_shown"))),
        state=State.IN_PROGRESS),
    "unable": _unable,
    "complete": _complete,
    "accept": _accept,
    "reject": _reject,
    "return": lambda t, e: evolve_attrs(_wo(t, e, returned_at=e.at), state=State.RETURNED),
    "callback": _callback,
    "close": lambda t, e: evolve_attrs(t, state=State.CLOSED, closed_at=e.at),
    "reply": lambda t, e: evolve_attrs(
        t, replies=(*t.replies, Reply(e.at, e.by, e.data["text"], bool(e.data["answers"])))),
    "escalate": _escalate,
    "transfer": _transfer,
    "amend": _amend,
    "follow_up": lambda t, e: evolve_attrs(
        t, follow_ups=t.follow_ups + 1, dispute_settled=t.dispute_settled or t.charge_disputed),
    "sample_callback": lambda t, e: evolve_attrs(
        t, sample_callbacks=(*t.sample_callbacks, _callback_record(e))),
    "cancel": lambda t, e: evolve_attrs(t, state=State.CANCELLED,
                                        cancel_reason=e.data["reason"]),
}


def evolve(ticket: Ticket | None, event: Event) -> Ticket:
    """The ticket after ``event`` (``ticket`` is ``None`` for the ``record`` event)."""
    if ticket is None:
        if event.kind != "record":
            raise ValueError(f"stream of {event.ticket} does not start with record")
        return _start(event)
    t = _EVOLVERS[event.kind](ticket, event)
    return evolve_attrs(t, version=event.version, last_at=event.at)


def fold(events: Iterable[Event]) -> Ticket | None:
    """The ticket its events make (``None`` for no events)."""
    ticket: Ticket | None = None
    for e in events:
        ticket = evolve(ticket, e)
    return ticket

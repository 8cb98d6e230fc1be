"""``evolve(ticket, event) -> ticket`` and ``fold(events) -> ticket``.

The state of a ticket is a function of its events alone (R-31).  Events
were validated when they were decided, so nothing is re-checked here: this
is the replay hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from propdesk.domain import _fast
from propdesk.domain.enums import MODE_BY_VALUE, SOURCE_BY_VALUE, State
from propdesk.domain.events import Event, parse_iso
from propdesk.domain.model import (
    Amendment,
    CallbackResult,
    DeskCharge,
    Escalation,
    FeeLine,
    Material,
    SentReply,
    Ticket,
    Unable,
    WorkOrder,
)

_replace_ticket: Final = _fast.replacer(Ticket)
_replace_wo: Final = _fast.replacer(WorkOrder)
_new_object: Final = object.__new__
_install_ticket: Final = _fast.dict_installer(Ticket)
_install_wo: Final = _fast.dict_installer(WorkOrder)
_make_callback: Final = _fast.positional(CallbackResult)
_make_reply: Final = _fast.positional(SentReply)


def _stamp(field: str, state: State | None, *, keep_first: bool = False,
           only_from: State | None = None, text: str | None = None,
           flag: str | None = None) -> Callable[[Ticket, Event], Ticket]:
    """The evolver of an event that stamps its time on the current work order
    (and may move the state), built by :func:`_on_wo`: most of a ticket's events.

    ``keep_first`` keeps an earlier stamp (a repeated sign or contact);
    ``only_from`` moves to ``state`` only from that state; ``text`` copies
    that key of the event's data onto the work order, ``flag`` copies it as a
    bool (absent: false)."""

    def evolve_(t: Ticket, e: Event) -> Ticket:
        wd = t.work_orders[-1].__dict__.copy()
        if not (keep_first and wd[field] is not None):
            wd[field] = e.at
        if text is not None:
            wd[text] = e.data[text]
        if flag is not None:
            wd[flag] = bool(e.data.get(flag))
        moves = state is not None and (only_from is None or t.state is only_from)
        return _on_wo(t, e, wd, state if moves else None)

    return evolve_


def _blank(cls: type) -> dict[str, Any]:
    """Every field's default (``NOTHING`` for required fields): the start of a
    new instance's dict."""
    out: dict[str, Any] = {}
    for a in attrs.fields(cls):
        default = a.default
        factory = getattr(default, "factory", None)  # an attrs.Factory
        out[a.name] = factory() if factory is not None else default
    return out


_TICKET_BLANK: Final = _blank(Ticket)
_WO_BLANK: Final = _blank(WorkOrder)


def _build(cls: type, blank: dict[str, Any], install: Callable[[Any, dict[str, Any]], None],
           values: dict[str, Any]) -> Any:
    """A new instance of a dict-backed model class from ``values`` over its
    defaults (``blank``); ``values`` must name every required field, and
    mutable defaults must be given (``routing``)."""
    state = blank.copy()
    state.update(values)
    new: Any = _new_object(cls)
    install(new, state)
    return new


def _opt_time(value: Any) -> datetime | None:
    return parse_iso(value) if value else None


def _start(e: Event) -> Ticket:
    d = e.data
    reply = d.get("reply")
    replies = (_make_reply(e.at, e.by, reply, False),) if reply else ()
    received_text, originated_text = d["received_at"], d["originated_at"]
    received = parse_iso(received_text)
    category = d.get("category")
    ticket: Ticket = _build(Ticket, _TICKET_BLANK, _install_ticket, {
        "id": e.ticket, "version": e.version, "state": State.RECORDED, "last_at": e.at,
        "source": SOURCE_BY_VALUE[d["source"]], "first_receiver": d["first_receiver"],
        "recorded_by": e.by,
        "originated_at": received if originated_text == received_text
        else parse_iso(originated_text),
        "received_at": received, "recorded_at": e.at, "content": d["content"],
        "mode": MODE_BY_VALUE[d["mode"]],
        "location": d.get("location"), "event_at": _opt_time(d.get("event_at")),
        "contact": d.get("contact"), "phone": d.get("phone"),
        "appointment_at": _opt_time(d.get("appointment_at")), "area": d.get("area"),
        "asset": d.get("asset"), "about": d.get("about"),
        "major_incident": bool(d.get("major_incident")),
        "category": category, "first_category": category,
        "missing": tuple(d.get("missing", ())), "replies": replies, "cycle_starts": (e.at,),
    })
    return ticket


Changes = dict[str, Any]


def _wo(t: Ticket, **changes: Any) -> Changes:
    """Ticket changes that apply ``changes`` to the current work order."""
    wos = t.work_orders
    return {"work_orders": (*wos[:-1], _replace_wo(wos[-1], changes))}


def _classify(t: Ticket, e: Event) -> Changes:
    cat = e.data["category"]
    return {"category": cat, "first_category": t.first_category or cat,
            "reclassified": t.reclassified or (t.category is not None and t.category != cat)}


def _dispatch(t: Ticket, e: Event) -> Changes:
    d = e.data
    cat = d["category"]
    wo = _build(WorkOrder, _WO_BLANK, _install_wo, {
        "number": d["work_order"], "cycle": d["cycle"], "assignee": d["assignee"],
        "dispatched_at": e.at, "mode": MODE_BY_VALUE[d["mode"]],
        "appointment_at": _opt_time(d.get("appointment_at")),
        "routing": dict(d.get("routing") or {}), "notices": tuple(d.get("notices") or ()),
        "department": d.get("department"),
    })
    return {"state": State.DISPATCHED, "category": cat,
            "first_category": t.first_category or cat,
            "reclassified": t.reclassified or (t.category is not None and t.category != cat),
            "work_orders": (*t.work_orders, wo)}


def _on_wo(t: Ticket, e: Event, wd: dict[str, Any], state: State | None) -> Ticket:
    """The ticket after an event that changes the current work order: ``wd`` is
    the new work order's dict (a changed copy), ``state`` the new state
    (``None``: unchanged).  Both copies are installed in one function."""
    wo = _new_object(WorkOrder)
    _install_wo(wo, wd)
    td = t.__dict__.copy()
    td["work_orders"] = (*t.work_orders[:-1], wo)
    if state is not None:
        td["state"] = state
    td["version"] = e.version
    td["last_at"] = e.at
    new: Ticket = _new_object(Ticket)
    _install_ticket(new, td)
    return new


def _plan(t: Ticket, e: Event) -> Ticket:
    d = e.data
    fees = tuple(
        FeeLine(f["code"], f["name"], Decimal(f["qty"]), Decimal(f["unit_price"]),
                Decimal(f["amount"]), f["on_schedule"])
        for f in d.get("fees", ())
    )
    return _on_wo(t, e, {**t.work_orders[-1].__dict__, "planned_at": e.at, "fees": fees,
                         "plan_note": d.get("note"), "override_by": d.get("override_by")},
                  State.PLANNED)


def _unable(t: Ticket, e: Event) -> Changes:
    wo = t.work_orders[-1]
    return _wo(t, unable=(*wo.unable, Unable(e.at, e.data["reason"])))


def _complete(t: Ticket, e: Event) -> Ticket:
    d = e.data
    if d.get("desk"):
        ch: Changes = {"state": State.RETURNED,
                       "desk_resolutions": (*t.desk_resolutions, e.at),
                       "version": e.version, "last_at": e.at}
        if d.get("charge") is not None:
            ch["desk_charges"] = (*t.desk_charges, DeskCharge(
                e.at, Decimal(d["charge"]), d.get("charge_reason")))
        return _replace_ticket(t, ch)
    charge = d.get("charge")
    return _on_wo(t, e, {
        **t.work_orders[-1].__dict__,
        "completed_at": e.at, "workers": tuple(d.get("workers", ())),
        "materials": tuple(Material(m["name"], Decimal(m["qty"]))
                           for m in d.get("materials", ())),
        "charge": Decimal(charge) if charge is not None else None,
        "charge_reason": d.get("charge_reason"), "note": d.get("note"),
    }, State.COMPLETED)


def _accept(t: Ticket, e: Event) -> Ticket:
    d = e.data
    return _on_wo(t, e, {**t.work_orders[-1].__dict__, "accepted_at": e.at,
                         "signer": d["signer"], "opinion": d.get("opinion"),
                         "owner_copy": bool(d.get("owner_copy"))}, State.ACCEPTED)


def _rework(t: Ticket, e: Event) -> Changes:
    return {"state": State.RECORDED, "rework_count": t.rework_count + 1,
            "cycle": t.cycle + 1, "cycle_starts": (*t.cycle_starts, e.at)}


def _reject(t: Ticket, e: Event) -> Changes:
    d = e.data
    ch = _wo(t, rejected_at=e.at, signer=d["signer"], opinion=d.get("opinion"),
             owner_copy=bool(d.get("owner_copy")))
    ch.update(_rework(t, e))
    return ch


def _callback_record(e: Event) -> CallbackResult:
    d = e.data
    return _make_callback(e.at, e.by, d["fixed"], d["satisfaction"], d.get("charge_ok"),
                          d.get("channel", "phone"), d.get("outcome", "sampled"),
                          d.get("agrees"))


def _callback(t: Ticket, e: Event) -> Changes:
    cb = _callback_record(e)
    ch: Changes = {"callbacks": (*t.callbacks, cb)}
    if cb.outcome == "rework":
        ch.update(_rework(t, e), charge_disputed=False, dispute_settled=False)
    elif cb.outcome == "disputed":
        ch.update(charge_disputed=True, dispute_settled=False)
    else:
        ch.update(state=State.CALLED_BACK, charge_disputed=False, dispute_settled=False)
    return ch


def _transfer(t: Ticket, e: Event) -> Changes:
    d = e.data
    old = t.work_orders[-1]
    new = WorkOrder(number=d["work_order"], cycle=old.cycle, assignee=d["to"],
                    dispatched_at=e.at, mode=old.mode, appointment_at=old.appointment_at,
                    routing={"rule": "transfer", "from": d["from"], "reason": d["reason"]},
                    department=d.get("department"))
    voided = _replace_wo(old, {"voided_at": e.at, "transferred_to": d["to"]})
    return {"state": State.DISPATCHED, "work_orders": (*t.work_orders[:-1], voided, new)}


def _amend(t: Ticket, e: Event) -> Changes:
    d = e.data
    a = Amendment(e.at, e.by, d["field"], d.get("old"), d.get("new"), d["reason"])
    return {"amendments": (*t.amendments, a), d["field"]: d.get("new")}


def _escalate(t: Ticket, e: Event) -> Changes:
    d = e.data
    return {"escalation_level": d["level"],
            "escalations": (*t.escalations, Escalation(e.at, e.by, d["level"], d["reason"])),
            "dispute_settled": t.dispute_settled or t.charge_disputed}


_EVOLVERS: Final[dict[str, Callable[[Ticket, Event], Changes]]] = {
    "classify": _classify,
    "dispatch": _dispatch,
    "unable": _unable,
    "reject": _reject,
    "callback": _callback,
    "close": lambda t, e: {"state": State.CLOSED, "closed_at": e.at},
    "reply": lambda t, e: {"replies": (
        *t.replies, _make_reply(e.at, e.by, e.data["text"], bool(e.data["answers"])))},
    "escalate": _escalate,
    "transfer": _transfer,
    "amend": _amend,
    "follow_up": lambda t, e: {
        "follow_ups": t.follow_ups + 1,
        "dispute_settled": t.dispute_settled or t.charge_disputed},
    "sample_callback": lambda t, e: {
        "sample_callbacks": (*t.sample_callbacks, _callback_record(e))},
    "cancel": lambda t, e: {"state": State.CANCELLED, "cancel_reason": e.data["reason"],
                            "cancelled_at": e.at},
}


_DIRECT: Final[dict[str, Callable[[Ticket, Event], Ticket]]] = {
    "confirm": _stamp("confirmed_at", State.CONFIRMED),
    "contact_owner": _stamp("contacted_at", None, keep_first=True),
    "arrive": _stamp("arrived_at", State.ON_SITE),
    "return": _stamp("returned_at", State.RETURNED),
    "acknowledge": _stamp("acknowledged_at", State.ACKNOWLEDGED, keep_first=True,
                          only_from=State.CONFIRMED),
    "diagnose": _stamp("diagnosed_at", None, text="diagnosis"),
    "agree": _stamp("agreed_at", State.IN_PROGRESS, flag="schedule_shown"),
    "plan": _plan,
    "complete": _complete,
    "accept": _accept,
}
"""Evolvers that build the new ticket themselves (see :func:`_stamp` and :func:`_on_wo`)."""


def evolve(ticket: Ticket | None, event: Event) -> Ticket:
    """The ticket after ``event`` (``ticket`` is ``None`` for the ``record`` event)."""
    kind = event.kind
    if ticket is None:
        if kind != "record":
            raise ValueError(f"stream of {event.ticket} does not start with record")
        return _start(event)
    direct = _DIRECT.get(kind)
    if direct is not None:
        return direct(ticket, event)
    changes = _EVOLVERS[kind](ticket, event)
    changes["version"] = event.version
    changes["last_at"] = event.at
    return _replace_ticket(ticket, changes)


def fold(events: Iterable[Event]) -> Ticket | None:
    """The ticket its events make (``None`` for no events)."""
    ticket: Ticket | None = None
    for e in events:
        ticket = evolve(ticket, e)
    return ticket

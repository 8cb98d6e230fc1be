"""A slow, plain reference of ``fold.evolve`` for the tests: every change made
with ``attrs.evolve`` and the models' own constructors, and the state taken
from the lifecycle table (``lifecycle.TABLE``): the row of the event's command
leaving the ticket's state gives the state after the event (R-31)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from propdesk.domain.enums import CommandName, Mode, Source, State
from propdesk.domain.events import Event, parse_iso
from propdesk.domain.lifecycle import INITIAL, ROWS_BY_COMMAND, Transition
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

_CALLBACK_ROW = {"passed": "", "rework": "not fixed", "disputed": "charge disputed"}
"""A callback's outcome -> the start of its row's note (the rows share their sources)."""


def table_row(before: Ticket, event: Event) -> Transition:
    """The row of the lifecycle table ``event`` followed from ``before``'s state."""
    rows = [r for r in ROWS_BY_COMMAND[CommandName(event.kind)] if before.state in r.sources]
    if event.kind == "callback":
        prefix = _CALLBACK_ROW[event.data["outcome"]]
        rows = [r for r in rows if (r.note.startswith(prefix) if prefix else not r.guard)]
    assert len(rows) == 1, (event.kind, before.state, rows)
    return rows[0]


def _time(value: Any) -> Any:
    return parse_iso(value) if value else None


def _record(e: Event) -> Ticket:
    d = e.data
    reply = d.get("reply")
    return Ticket(
        id=e.ticket, version=e.version, state=INITIAL, last_at=e.at,
        source=Source(d["source"]), first_receiver=d["first_receiver"], recorded_by=e.by,
        originated_at=parse_iso(d["originated_at"]), received_at=parse_iso(d["received_at"]),
        recorded_at=e.at, content=d["content"], mode=Mode(d["mode"]),
        location=d.get("location"), event_at=_time(d.get("event_at")),
        contact=d.get("contact"), phone=d.get("phone"),
        appointment_at=_time(d.get("appointment_at")), area=d.get("area"),
        asset=d.get("asset"), about=d.get("about"),
        major_incident=bool(d.get("major_incident")), category=d.get("category"),
        first_category=d.get("category"), missing=tuple(d.get("missing", ())),
        replies=(SentReply(e.at, e.by, reply, False),) if reply else (), cycle_starts=(e.at,))


def _category(t: Ticket, cat: str) -> dict[str, Any]:
    return {"category": cat, "first_category": t.first_category or cat,
            "reclassified": t.reclassified or (t.category is not None and t.category != cat)}


def _rework(t: Ticket, e: Event) -> dict[str, Any]:
    return {"rework_count": t.rework_count + 1, "cycle": t.cycle + 1,
            "cycle_starts": (*t.cycle_starts, e.at)}


def _callback(e: Event) -> CallbackResult:
    d = e.data
    return CallbackResult(e.at, e.by, d["fixed"], d["satisfaction"], d.get("charge_ok"),
                    d.get("channel", "phone"), d.get("outcome", "sampled"), d.get("agrees"))


def _work_order(t: Ticket, e: Event) -> dict[str, Any]:
    """Changes of the current work order."""
    d = e.data
    wo = t.work_orders[-1]
    stamp = {"confirm": "confirmed_at", "contact_owner": "contacted_at",
             "arrive": "arrived_at", "return": "returned_at",
             "acknowledge": "acknowledged_at", "diagnose": "diagnosed_at",
             "agree": "agreed_at", "plan": "planned_at", "complete": "completed_at",
             "accept": "accepted_at", "reject": "rejected_at"}
    field = stamp.get(e.kind)
    out: dict[str, Any] = {}
    if field is not None:
        keep = e.kind in ("contact_owner", "acknowledge") and getattr(wo, field) is not None
        out[field] = getattr(wo, field) if keep else e.at
    if e.kind == "diagnose":
        out["diagnosis"] = d["diagnosis"]
    elif e.kind == "agree":
        out["schedule_shown"] = bool(d.get("schedule_shown"))
    elif e.kind == "plan":
        out.update(fees=tuple(FeeLine(f["code"], f["name"], Decimal(f["qty"]),
                                      Decimal(f["unit_price"]), Decimal(f["amount"]),
                                      f["on_schedule"]) for f in d.get("fees", ())),
                   plan_note=d.get("note"), override_by=d.get("override_by"))
    elif e.kind == "complete":
        charge = d.get("charge")
        out.update(workers=tuple(d.get("workers", ())),
                   materials=tuple(Material(m["name"], Decimal(m["qty"]))
                                   for m in d.get("materials", ())),
                   charge=Decimal(charge) if charge is not None else None,
                   charge_reason=d.get("charge_reason"), note=d.get("note"))
    elif e.kind in ("accept", "reject"):
        out.update(signer=d["signer"], opinion=d.get("opinion"),
                   owner_copy=bool(d.get("owner_copy")))
    elif e.kind == "unable":
        out["unable"] = (*wo.unable, Unable(e.at, d["reason"]))
    return out


_ON_WORK_ORDER = frozenset({"confirm", "contact_owner", "arrive", "return", "acknowledge",
                            "diagnose", "agree", "plan", "accept", "reject", "unable"})


def _changes(t: Ticket, e: Event) -> dict[str, Any]:
    """The ticket's changes after ``e``, its state aside."""
    d = e.data
    kind = e.kind
    ch: dict[str, Any] = {}
    if kind in _ON_WORK_ORDER or (kind == "complete" and not d.get("desk")):
        wo = attrs.evolve(t.work_orders[-1], **_work_order(t, e))
        ch["work_orders"] = (*t.work_orders[:-1], wo)
    if kind == "classify":
        ch.update(_category(t, d["category"]))
    elif kind == "dispatch":
        wo = WorkOrder(number=d["work_order"], cycle=d["cycle"], assignee=d["assignee"],
                       dispatched_at=e.at, mode=Mode(d["mode"]),
                       appointment_at=_time(d.get("appointment_at")),
                       routing=dict(d.get("routing") or {}),
                       notices=tuple(d.get("notices") or ()), department=d.get("department"))
        ch.update(_category(t, d["category"]), work_orders=(*t.work_orders, wo))
    elif kind == "complete" and d.get("desk"):
        ch["desk_resolutions"] = (*t.desk_resolutions, e.at)
        if d.get("charge") is not None:
            ch["desk_charges"] = (*t.desk_charges, DeskCharge(
                e.at, Decimal(d["charge"]), d.get("charge_reason")))
    elif kind == "reject":
        ch.update(_rework(t, e))
    elif kind == "callback":
        ch["callbacks"] = (*t.callbacks, _callback(e))
        if d["outcome"] == "rework":
            ch.update(_rework(t, e))
        ch.update(charge_disputed=d["outcome"] == "disputed", dispute_settled=False)
    elif kind == "close":
        ch["closed_at"] = e.at
    elif kind == "reply":
        ch["replies"] = (*t.replies, SentReply(e.at, e.by, d["text"], bool(d["answers"])))
    elif kind == "escalate":
        ch.update(escalation_level=d["level"],
                  escalations=(*t.escalations, Escalation(e.at, e.by, d["level"], d["reason"])),
                  dispute_settled=t.dispute_settled or t.charge_disputed)
    elif kind == "transfer":
        old = t.work_orders[-1]
        new = WorkOrder(number=d["work_order"], cycle=old.cycle, assignee=d["to"],
                        dispatched_at=e.at, mode=old.mode, appointment_at=old.appointment_at,
                        routing={"rule": "transfer", "from": d["from"], "reason": d["reason"]},
                        department=d.get("department"))
        voided = attrs.evolve(old, voided_at=e.at, transferred_to=d["to"])
        ch["work_orders"] = (*t.work_orders[:-1], voided, new)
    elif kind == "amend":
        ch["amendments"] = (*t.amendments, Amendment(e.at, e.by, d["field"], d.get("old"),
                                                     d.get("new"), d["reason"]))
        ch[d["field"]] = d.get("new")
    elif kind == "follow_up":
        ch.update(follow_ups=t.follow_ups + 1,
                  dispute_settled=t.dispute_settled or t.charge_disputed)
    elif kind == "sample_callback":
        ch["sample_callbacks"] = (*t.sample_callbacks, _callback(e))
    elif kind == "cancel":
        ch.update(cancel_reason=d["reason"], cancelled_at=e.at)
    return ch


def reference_evolve(ticket: Ticket | None, event: Event) -> Ticket:
    """The ticket after ``event``, the slow and plain way."""
    if ticket is None:
        assert event.kind == "record"
        return _record(event)
    target = table_row(ticket, event).target
    state: State = ticket.state if target is None else target
    return attrs.evolve(ticket, state=state, version=event.version, last_at=event.at,
                        **_changes(ticket, event))


def reference_fold(events: Iterable[Event]) -> Ticket | None:
    ticket: Ticket | None = None
    for e in events:
        ticket = reference_evolve(ticket, e)
    return ticket

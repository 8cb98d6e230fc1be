"""``decide(ticket, command, context) -> events``: the rules that accept or refuse.

Pure: the command carries its time; routing inputs come in the context.
A refusal is a :class:`~propdesk.domain.errors.DomainError`; nothing is
written for it.  Accepted commands become events whose ``data`` is
JSON-native (see :mod:`propdesk.domain.events`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from propdesk.domain import commands as c
from propdesk.domain import permissions, routing
from propdesk.domain.config import Config, Person
from propdesk.domain.enums import (
    MODE_BY_VALUE,
    SOURCE_BY_VALUE,
    CallbackChannel,
    Mode,
    Role,
    Satisfaction,
    Source,
)
from propdesk.domain.enums import CommandName as C
from propdesk.domain.errors import DomainError
from propdesk.domain.events import Event, check_ticket_id, iso, make_event, utc
from propdesk.domain.lifecycle import (
    FIRST_UNGUARDED,
    Transition,
    allowed_commands,
    first_row,
)
from propdesk.domain.model import Ticket, current_work_order
from propdesk.domain.money import amount, money_text, parse_money, parse_quantity
from propdesk.domain.roster import is_on_duty

AMENDABLE: Final = ("location", "content", "contact", "phone", "area", "asset", "about")
SUPERVISOR_ROLES: Final = (Role.SUPERVISOR, Role.COMMUNITY_SUPERVISOR, Role.MANAGER)
LONG_FIELDS: Final = frozenset({"note", "reason", "diagnosis", "opinion", "text", "reply"})
_UTC: Final = UTC


@attrs.frozen
class Context:
    """What ``decide`` needs beyond the ticket: the configuration, the open
    work orders per person (routing, R-51) and the K-11 question window."""

    config: Config
    open_counts: Mapping[str, int] = attrs.field(factory=dict)
    public_report_until: datetime | None = None
    desk_resolvable: AbstractSet[str] = attrs.field(
        init=False, default=attrs.Factory(lambda self: _resolvable(self.config), takes_self=True))
    """Categories the desk may resolve itself (derived from the configuration; a
    frozenset, declared abstractly as mypyc asks, see docs/speed.md)."""


def _resolvable(config: Config) -> frozenset[str]:
    return frozenset(cat.id for cat in config.categories if cat.desk_resolvable)


Data = dict[str, Any]
Decided = list[tuple[str, Data]]
"""What a decider gives: the kind and payload of each event to append, in order."""


def decide(ticket: Ticket | None, cmd: c.Command, ctx: Context) -> list[Event]:
    """The events ``cmd`` produces on ``ticket`` (``None`` before ``record``), or a refusal."""
    at = cmd.at
    if at is None:
        raise ValueError("the command has no time; the Desk fills it in from its clock")
    if at.tzinfo is not _UTC:  # (UTC-aware times, the usual case, need no conversion)
        at = utc(_aware(at, "at"))
    config = ctx.config
    by = cmd.by
    try:
        person = config.person_by_id[by]
    except KeyError:
        raise DomainError("unknown_person", field="by", value=by) from None
    name = cmd.name
    if name is C.RECORD:
        check_ticket_id(cmd.ticket)
        if ticket is not None:
            raise DomainError("duplicate_ticket", ticket=cmd.ticket)
        permissions.check(config, None, C.RECORD, person)
        data = _record(cmd, at, ctx)  # type: ignore[arg-type]  # (a Record: its name says so)
        return [make_event(cmd.ticket, 1, "record", at, by, data)]
    if ticket is None:
        raise DomainError("unknown_ticket", ticket=cmd.ticket)
    if at < ticket.last_at:
        raise DomainError("time_before_previous", ticket=ticket.id, command=name.value,
                          at=iso(at), previous=iso(ticket.last_at))
    row = FIRST_UNGUARDED.get((name, ticket.state)) or first_row(
        ticket, name, ctx.desk_resolvable)
    if row is None:
        raise DomainError(
            "wrong_state", ticket=ticket.id, state=ticket.state.value, command=name.value,
            allowed=", ".join(x.value for x in allowed_commands(ticket, ctx.desk_resolvable))
            or "(none)",
        )
    permissions.check(config, ticket, name, person)
    outcome = _DECIDERS[name](ticket, cmd, ctx, row, at, person)
    version = ticket.version
    if len(outcome) == 1:
        kind, data = outcome[0]
        return [make_event(ticket.id, version + 1, kind, at, by, data)]
    return [
        make_event(ticket.id, version + i, kind, at, by, data)
        for i, (kind, data) in enumerate(outcome, 1)
    ]


# ---------------------------------------------------------------- helpers


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError("naive_time", field=field, value=value.isoformat())
    return value


def _text(ctx: Context, field: str, value: str | None, *, required: bool = False) -> str | None:
    if type(value) is not str or not value.strip():  # (the usual case skips this test)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise DomainError("required", field=field)
            return None
        if not isinstance(value, str):
            raise DomainError("invalid_type", field=field, expected="text", value=value)
    limits = ctx.config.limits
    limit = limits.content if field == "content" else (
        limits.note if field in LONG_FIELDS else limits.other)
    if len(value) > limit:
        raise DomainError("too_long", field=field, length=len(value), limit=limit)
    return value


_MODE_TEXT: Final = {m: m.value for m in Mode}  # (an enum's .value is a Python-level property)
_ENUM_VALUES: Final[dict[Any, frozenset[str]]] = {
    e: frozenset(m.value for m in e) for e in (Source, Mode, Satisfaction, CallbackChannel)}


def _choice(field: str, value: str, allowed: Any) -> None:
    known = _ENUM_VALUES.get(allowed) if isinstance(allowed, type) else None
    if known is not None and value in known:
        return
    values = [a.value if hasattr(a, "value") else a for a in allowed]
    if value not in values:
        raise DomainError("invalid_choice", field=field, value=value, allowed=", ".join(values))


def _category(ctx: Context, value: str) -> str:
    if value not in ctx.config.category_by_id:
        raise DomainError("unknown_category", value=value,
                          allowed=", ".join(ctx.config.category_by_id))
    return value


def _known_person(ctx: Context, field: str, value: str) -> Person:
    p = ctx.config.person_by_id.get(value)
    if p is None:
        raise DomainError("unknown_person", field=field, value=value)
    return p


_untyped: Final[Callable[[object, str], object]] = getattr
"""A field read without its declared type (see :func:`_answers`)."""


def _drop_none(data: Data) -> Data:
    return {k: v for k, v in data.items() if v is not None}


# ---------------------------------------------------------------- deciders

Decider = Callable[[Ticket, Any, Context, Transition, datetime, Person], Decided]


_RECORD_TEXTS: Final = ("location", "contact", "phone", "reply", "area", "asset", "about")


def _record(cmd: c.Record, at: datetime, ctx: Context) -> Data:
    _choice("source", cmd.source, Source)
    _choice("mode", cmd.mode, Mode)
    received = _aware(cmd.received_at, "received_at")
    originated = _aware(cmd.originated_at, "originated_at") if cmd.originated_at else received
    if received > at:
        raise DomainError("time_order", field="received_at", value=iso(received),
                          limit_field="at", limit=iso(at))
    if originated > received:
        raise DomainError("time_order", field="originated_at", value=iso(originated),
                          limit_field="received_at", limit=iso(received))
    content = _text(ctx, "content", cmd.content, required=True)
    mode = MODE_BY_VALUE[cmd.mode]
    appointment = None
    if mode is Mode.APPOINTMENT:
        if cmd.appointment_at is None:
            raise DomainError("appointment_required", ticket=cmd.ticket)
        appointment = _aware(cmd.appointment_at, "appointment_at")
        if appointment <= at:
            raise DomainError("appointment_in_past", ticket=cmd.ticket,
                              value=iso(appointment), at=iso(at))
    elif cmd.appointment_at is not None:
        raise DomainError("appointment_not_allowed", ticket=cmd.ticket)
    category = _category(ctx, cmd.category) if cmd.category else None
    first_receiver = cmd.first_receiver or cmd.by
    _known_person(ctx, "first_receiver", first_receiver)
    if cmd.asset is not None and ctx.config.assets and cmd.asset not in {
        a.id for a in ctx.config.assets
    }:
        _choice("asset", cmd.asset, [a.id for a in ctx.config.assets])
    event_at = _aware(cmd.event_at, "event_at") if cmd.event_at else None
    fields: Data = {}
    for name in _RECORD_TEXTS:
        value = getattr(cmd, name)
        fields[name] = None if value is None else _text(ctx, name, value)
    missing = []
    if fields["location"] is None:
        missing.append("location")
    if SOURCE_BY_VALUE[cmd.source].is_owner:
        missing += [f for f in ("contact", "phone") if fields[f] is None]
    if not cmd.ticket or len(cmd.ticket) > ctx.config.limits.other:
        raise DomainError("invalid_value", field="ticket", reason="a ticket id of 1 to "
                          f"{ctx.config.limits.other} characters is required")
    received_text = iso(received)
    # written out in _drop_none's key order (the record's bytes must not change)
    data: Data = {
        "received_at": received_text,
        "originated_at": received_text if originated is received else iso(originated),
        "source": cmd.source,
        "first_receiver": first_receiver,
        "content": content,
        "mode": cmd.mode,
    }
    if appointment:
        data["appointment_at"] = iso(appointment)
    if category is not None:
        data["category"] = category
    if event_at:
        data["event_at"] = iso(event_at)
    if cmd.major_incident:
        data["major_incident"] = True
    data["missing"] = missing
    for name, value in fields.items():
        if value is not None:
            data[name] = value
    return data


def _classify(t: Ticket, cmd: c.Classify, ctx: Context, *_: Any) -> Decided:
    return [("classify", _drop_none({"category": _category(ctx, cmd.category),
                                     "previous": t.category}))]


def _dispatch(t: Ticket, cmd: c.Dispatch, ctx: Context, row: Transition, at: datetime,
              person: Person) -> Decided:
    category = _category(ctx, cmd.category) if cmd.category else t.category
    if category is None:
        raise DomainError("category_required", ticket=t.id)
    cycle = t.cycle
    if cycle == 1:
        if cmd.appointment_at is not None and t.mode is not Mode.APPOINTMENT:
            raise DomainError("appointment_not_allowed", ticket=t.id)
        appointment = cmd.appointment_at or t.appointment_at
        mode = t.mode
    else:
        appointment = cmd.appointment_at
        mode = Mode.APPOINTMENT if appointment else (
            Mode.EMERGENCY if t.mode is Mode.EMERGENCY else Mode.IMMEDIATE)
    if appointment is not None:
        appointment = _aware(appointment, "appointment_at")
        if cmd.appointment_at is not None and appointment <= at:
            raise DomainError("appointment_in_past", ticket=t.id, value=iso(appointment),
                              at=iso(at))
    if cmd.to:
        assignee = _known_person(ctx, "to", cmd.to)
        if category == "complaint" and routing.is_complaint_subject(ctx.config, assignee.id,
                                                                    t.about):
            raise DomainError("complaint_subject", ticket=t.id, value=assignee.id,
                              about=t.about)
        responsible = ctx.config.department_for(category)
        department = responsible.id if responsible else assignee.department
        reason: dict[str, object] = {"rule": "explicit", "by": cmd.by,
                                     "on_duty": is_on_duty(ctx.config, assignee.id, at)}
    else:
        choice = routing.choose(
            ctx.config, category=category, at=at, mode=mode, area=t.area, about=t.about,
            open_counts=ctx.open_counts, public_report_until=ctx.public_report_until)
        assignee = ctx.config.person_by_id[choice.assignee]
        department = choice.department
        reason = choice.reason
    notices: list[str] = []
    if mode is Mode.EMERGENCY:
        notices = routing.emergency_notices(
            ctx.config, assignee=assignee.id, department=department, area=t.area, at=at)
    # written out in _drop_none's key order (the record's bytes must not change)
    data: Data = {"work_order": len(t.work_orders) + 1, "cycle": cycle,
                  "assignee": assignee.id}
    if department is not None:
        data["department"] = department
    data["category"] = category
    if t.category != category and t.category is not None:
        data["previous_category"] = t.category
    data["mode"] = _MODE_TEXT[mode]
    if appointment:
        data["appointment_at"] = iso(appointment)
    data["routing"] = reason
    if mode is Mode.EMERGENCY:
        data["notices"] = notices
    return [("dispatch", data)]


def _wo_event(kind: str) -> Decider:
    def decide_(t: Ticket, cmd: c.Command, *_: Any) -> Decided:
        wo = current_work_order(t)
        return [(kind, {"work_order": wo.number} if wo else {})]
    return decide_


def _diagnose(t: Ticket, cmd: c.Diagnose, ctx: Context, *_: Any) -> Decided:
    wo = current_work_order(t)
    assert wo is not None
    if wo.diagnosed_at is not None:
        raise DomainError("already_diagnosed", ticket=t.id, work_order=wo.number)
    return [("diagnose", {"work_order": wo.number,
                          "diagnosis": _text(ctx, "diagnosis", cmd.diagnosis, required=True)})]


def _plan(t: Ticket, cmd: c.Plan, ctx: Context, row: Transition, at: datetime,
          person: Person) -> Decided:
    wo = current_work_order(t)
    assert wo is not None
    if wo.diagnosed_at is None:
        raise DomainError("diagnosis_required", ticket=t.id)
    override = None
    if cmd.override_by is not None:
        override = _known_person(ctx, "override_by", cmd.override_by)
        if override.role not in SUPERVISOR_ROLES:
            raise DomainError("override_not_supervisor", value=cmd.override_by)
    lines = []
    for i, item in enumerate(cmd.fees):
        field = f"fees[{i}]"
        qty = parse_quantity(item.qty, field + ".qty")
        fee = ctx.config.fee_by_code.get(item.code)
        if fee is not None:
            name, price, on_schedule = fee.name, fee.price, True
        else:
            if override is None or item.price is None:
                raise DomainError("fee_not_on_schedule", value=item.code)
            name = _text(ctx, field + ".name", item.name) or item.code
            price, on_schedule = parse_money(item.price, field + ".price"), False
        lines.append({"code": item.code, "name": name, "qty": str(qty),
                      "unit_price": money_text(price), "amount": money_text(amount(price, qty)),
                      "on_schedule": on_schedule})
    return [("plan", _drop_none({
        "work_order": wo.number, "fees": lines, "note": _text(ctx, "note", cmd.note),
        "override_by": override.id if override and any(
            not x["on_schedule"] for x in lines) else None,
    }))]


def _agree(t: Ticket, cmd: c.Agree, *_: Any) -> Decided:
    wo = current_work_order(t)
    assert wo is not None
    if wo.fees and not cmd.schedule_shown:
        raise DomainError("schedule_not_shown", ticket=t.id)
    return [("agree", {"work_order": wo.number, "schedule_shown": bool(cmd.schedule_shown)})]


def _unable(t: Ticket, cmd: c.UnableToHandle, ctx: Context, *_: Any) -> Decided:
    wo = current_work_order(t)
    assert wo is not None
    return [("unable", {"work_order": wo.number,
                        "reason": _text(ctx, "reason", cmd.reason, required=True)})]


def _complete(t: Ticket, cmd: c.Complete, ctx: Context, row: Transition, *_: Any) -> Decided:
    desk = row.guard == "desk"
    wo = current_work_order(t)
    workers = list(cmd.workers) if cmd.workers else ([wo.assignee] if wo else [cmd.by])
    people = ctx.config.person_by_id
    for i, w in enumerate(workers):
        if w not in people:
            _known_person(ctx, f"workers[{i}]", w)  # (raises)
    materials = [
        {"name": _text(ctx, f"materials[{i}].name", m.name, required=True),
         "qty": str(parse_quantity(m.qty, f"materials[{i}].qty"))}
        for i, m in enumerate(cmd.materials)
    ]
    charge = None
    reason = _text(ctx, "charge_reason", cmd.charge_reason)
    if cmd.charge is not None:
        amount_charged = parse_money(cmd.charge, "charge")
        charge = money_text(amount_charged)
        # only the agreed plan's fees (none for the desk's own answer) go unexplained
        planned = wo.fee_total if wo is not None and not desk else Decimal("0.00")
        if amount_charged != planned and reason is None:
            raise DomainError("charge_reason_required", ticket=t.id, charge=charge,
                              planned=money_text(planned))
    return [("complete", _drop_none({
        "work_order": None if desk else wo.number if wo else None,
        "desk": True if desk else None,
        "workers": workers, "materials": materials or None, "charge": charge,
        "charge_reason": reason if charge is not None else None,
        "note": _text(ctx, "note", cmd.note),
    }))]


def _acceptance(kind: str) -> Decider:
    def decide_(t: Ticket, cmd: c.Accept | c.Reject, ctx: Context, *_: Any) -> Decided:
        wo = current_work_order(t)
        assert wo is not None
        data: Data = {"work_order": wo.number,
                      "signer": _text(ctx, "signer", cmd.signer, required=True)}
        opinion = _text(ctx, "opinion", cmd.opinion) if cmd.opinion is not None else None
        if opinion is not None:
            data["opinion"] = opinion
        data["owner_copy"] = bool(cmd.owner_copy)
        return [(kind, data)]
    return decide_


def _return(t: Ticket, cmd: c.Return, *_: Any) -> Decided:
    wo = current_work_order(t)
    assert wo is not None
    if wo.acknowledged_at is None:
        raise DomainError("signature_required", ticket=t.id, work_order=wo.number)
    return [("return", {"work_order": wo.number})]


def _answers(cmd: c.CallbackAnswers) -> Data:
    _choice("satisfaction", cmd.satisfaction, Satisfaction)
    _choice("channel", cmd.channel, CallbackChannel)
    # read untyped: compiled code (docs/speed.md) would check the declared type on
    # a typed read and raise TypeError before this refusal
    fixed, charge_ok = _untyped(cmd, "fixed"), _untyped(cmd, "charge_ok")
    if not isinstance(fixed, bool):
        raise DomainError("invalid_type", field="fixed", expected="true or false", value=fixed)
    if charge_ok is not None and not isinstance(charge_ok, bool):
        raise DomainError("invalid_type", field="charge_ok", expected="true, false or null",
                          value=charge_ok)
    return {"fixed": cmd.fixed, "satisfaction": cmd.satisfaction, "charge_ok": cmd.charge_ok,
            "channel": cmd.channel}


def _callback(t: Ticket, cmd: c.Callback, *_: Any) -> Decided:
    data = _answers(cmd)
    if t.charge_disputed and not t.dispute_settled:
        raise DomainError("dispute_unsettled", ticket=t.id)
    if cmd.charge_ok is None and t.charged:  # the callback asks about the charge
        amounts = [wo.charge for wo in t.work_orders if wo.charge]
        amounts += [d.charge for d in t.desk_charges if d.charge]
        raise DomainError("charge_answer_required", ticket=t.id,
                          charge=", ".join(money_text(x) for x in amounts))
    if not cmd.fixed:
        data["outcome"] = "rework"
    elif cmd.charge_ok is False:
        data["outcome"] = "disputed"
    else:
        data["outcome"] = "passed"
    out: Decided = [("callback", data)]
    if cmd.close and data["outcome"] == "passed":
        out.append(("close", {}))
    return out


def _sample(t: Ticket, cmd: c.SampleCallback, *_: Any) -> Decided:
    data = _answers(cmd)
    last = t.callbacks[-1] if t.callbacks else None
    data["agrees"] = bool(last and last.fixed == cmd.fixed
                          and last.satisfaction == cmd.satisfaction)
    return [("sample_callback", data)]


def _reply(t: Ticket, cmd: c.Reply, ctx: Context, *_: Any) -> Decided:
    return [("reply", {"text": _text(ctx, "text", cmd.text, required=True),
                       "answers": bool(cmd.answers)})]


def _escalate(t: Ticket, cmd: c.Escalate, ctx: Context, *_: Any) -> Decided:
    level = _untyped(cmd, "level")
    if isinstance(level, bool) or level not in (1, 2):
        raise DomainError("invalid_choice", field="level", value=level, allowed="1, 2")
    current = t.escalation_level
    # levels never fall; the current level again only reports an unanswered
    # inability (S-11: each `unable` needs its own report to the supervisor)
    if cmd.level < current or (cmd.level == current and not unanswered_unable(t)):
        raise DomainError("level_not_rising", ticket=t.id, value=cmd.level, level=current)
    return [("escalate", {"level": cmd.level,
                          "reason": _text(ctx, "reason", cmd.reason, required=True)})]


def unanswered_unable(t: Ticket) -> bool:
    """Whether an `unable` of ``t`` has no escalation at or after it (S-11, R-54)."""
    last = None
    for wo in t.work_orders:
        for u in wo.unable:
            if last is None or u.at > last:
                last = u.at
    if last is None:
        return False
    return not any(e.at >= last for e in t.escalations)


def _transfer(t: Ticket, cmd: c.Transfer, ctx: Context, *_: Any) -> Decided:
    wo = current_work_order(t)
    assert wo is not None
    target = _known_person(ctx, "to", cmd.to)
    if target.id == wo.assignee:
        raise DomainError("same_assignee", ticket=t.id, value=target.id)
    return [("transfer", {"from": wo.assignee, "to": target.id,
                          "department": target.department,
                          "work_order": len(t.work_orders) + 1, "voided": wo.number,
                          "reason": _text(ctx, "reason", cmd.reason, required=True)})]


def _amend(t: Ticket, cmd: c.Amend, ctx: Context, *_: Any) -> Decided:
    if cmd.field not in AMENDABLE:
        raise DomainError("not_amendable", value=cmd.field, allowed=", ".join(AMENDABLE))
    value = _text(ctx, cmd.field, cmd.value, required=cmd.field == "content")
    if cmd.field == "asset" and value is not None and ctx.config.assets:
        _choice("asset", value, [a.id for a in ctx.config.assets])
    return [("amend", _drop_none({
        "field": cmd.field, "old": getattr(t, cmd.field), "new": value,
        "reason": _text(ctx, "reason", cmd.reason, required=True)}))]


def _follow_up(t: Ticket, cmd: c.FollowUp, ctx: Context, *_: Any) -> Decided:
    return [("follow_up", {"note": _text(ctx, "note", cmd.note, required=True)})]


def _cancel(t: Ticket, cmd: c.Cancel, ctx: Context, *_: Any) -> Decided:
    if cmd.confirmed_by_source is not True:
        raise DomainError("source_not_confirmed", ticket=t.id)
    return [("cancel", {"reason": _text(ctx, "reason", cmd.reason, required=True),
                        "confirmed_by_source": True})]


def _contact_owner(t: Ticket, cmd: c.ContactOwner, *_: Any) -> Decided:
    wo = current_work_order(t)
    assert wo is not None
    return [("contact_owner", {"work_order": wo.number})]


_DECIDERS: Final[dict[C, Decider]] = {
    C.CLASSIFY: _classify,
    C.DISPATCH: _dispatch,
    C.CONFIRM: _wo_event("confirm"),
    C.ACKNOWLEDGE: _wo_event("acknowledge"),
    C.CONTACT_OWNER: _contact_owner,
    C.ARRIVE: _wo_event("arrive"),
    C.DIAGNOSE: _diagnose,
    C.PLAN: _plan,
    C.AGREE: _agree,
    C.UNABLE: _unable,
    C.COMPLETE: _complete,
    C.ACCEPT: _acceptance("accept"),
    C.REJECT: _acceptance("reject"),
    C.RETURN: _return,
    C.CALLBACK: _callback,
    C.CLOSE: lambda *_: [("close", {})],
    C.REPLY: _reply,
    C.ESCALATE: _escalate,
    C.TRANSFER: _transfer,
    C.AMEND: _amend,
    C.FOLLOW_UP: _follow_up,
    C.SAMPLE_CALLBACK: _sample,
    C.CANCEL: _cancel,
}
assert set(_DECIDERS) == set(C) - {C.RECORD}

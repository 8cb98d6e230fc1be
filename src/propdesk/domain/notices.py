"""Notices the core produces from accepted events and from SLA alerts (pure).

A notice is one message about one cause, addressed to a tuple of people:

* event notices: the work order for the assignee (dispatch, transfer), the
  emergency fan-out (S-4, R-52), escalations (R-54), inability reports
  (S-11) and progress for the first receiver (R-1: he hears of every step);
* SLA notices: a warning before a deadline and a breach after it (S-21).

Each notice's ``id`` is derived from its cause, so it is the same whoever
computes it and however often: ``ev:<ticket>:<version>:<type>`` for an event
(the event's place in its ticket's stream, known before the commit, so the
outbox rows go into the same transaction) and
``sla:<ticket>:<rule>:<cycle>:<kind>`` for an alert (``:<occurrence>`` added
for a rule's second and later occurrences in one cycle).

Who receives which type is data (``[notify]``, :data:`DEFAULT_AUDIENCES`).
Texts carry the ticket id, the location as configured (area and asset
names; a recorded free-text location only with its door number masked) and
a masked owner phone: never an owner's name or full phone number
(RELIABILITY: personal data is masked in notices).  The masking functions
come in as arguments, so this module stays free of the shell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from propdesk.domain.config import AUDIENCES, DEFAULT_AUDIENCES, Config, Department
from propdesk.domain.enums import Mode, Role
from propdesk.domain.events import Event
from propdesk.domain.labels import COMMAND_LABELS, STATE_LABELS, Lang, label
from propdesk.domain.model import Ticket
from propdesk.domain.routing import duty_shifts, emergency_notice_roles
from propdesk.domain.sla import Alert

__all__ = ["AUDIENCES", "DEFAULT_AUDIENCES", "Masks", "Notice", "alert_notice", "notices_for"]

NOTICE_TYPES = tuple(DEFAULT_AUDIENCES)
"""``emergency``, ``sla.warning``, ``sla.breach``, ``escalation``, ``inability``,
``work_order``, ``progress``."""

_ALWAYS = frozenset({"emergency", "sla.warning", "sla.breach", "escalation", "inability"})
"""Types kept even when no person is addressed (a group channel still hears)."""


@attrs.frozen
class Masks:
    """How personal data is masked (the shell passes :mod:`propdesk.masking`)."""

    phone: Callable[[str | None], str | None]
    room: Callable[[str | None], str | None]


@attrs.frozen
class Notice:
    """One message about one cause for the people in ``to`` (person ids)."""

    id: str
    type: str
    ticket: str
    at: datetime
    to: tuple[str, ...]
    title: str
    text: str
    rule: str | None = None
    cycle: int | None = None
    location: str | None = None
    data: Mapping[str, object] = attrs.field(factory=dict)


def _lang(config: Config) -> Lang:
    return "en" if config.community.lang == "en" else "zh"


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def location_of(config: Config, ticket: Ticket, masks: Masks) -> str | None:
    """The area and the asset as configured; else the recorded place, door number masked."""
    parts: list[str] = []
    if ticket.area:
        parts.append(ticket.area)
    if ticket.asset:
        asset = next((a for a in config.assets if a.id == ticket.asset), None)
        parts.append(asset.name if asset is not None else ticket.asset)
    if parts:
        return " · ".join(parts)
    return masks.room(ticket.location)


def _department(config: Config, ticket: Ticket, assignee: str | None) -> Department | None:
    person = config.person_by_id.get(assignee or "")
    if person is not None and person.department:
        return config.department_by_id.get(person.department)
    if ticket.category:
        return config.department_for(ticket.category)
    return None


def _supervisors(config: Config, ticket: Ticket, assignee: str | None) -> list[str]:
    dept = _department(config, ticket, assignee)
    if dept is not None and dept.supervisor:
        return [dept.supervisor]
    return [p.id for p in config.people_with_role(Role.COMMUNITY_SUPERVISOR)]


def audience_people(
    config: Config,
    ticket: Ticket,
    audiences: Iterable[str],
    *,
    at: datetime,
    assignee: str | None,
    level: int = 1,
    fan_out: Sequence[str] | None = None,
) -> tuple[str, ...]:
    """The person ids the ``audiences`` name for ``ticket``, in order, without repeats.

    ``fan_out``: the people an emergency dispatch recorded (S-4); its area
    responsible people and supervisor are taken from it, as decided then.
    """
    out: dict[str, None] = {}
    recorded: dict[str, list[str]] = {}
    if fan_out is not None:
        dept = _department(config, ticket, assignee)
        roles = emergency_notice_roles(config, fan_out, department=dept.id if dept else None,
                                       area=ticket.area)
        for pid, why in roles:
            recorded.setdefault(why, []).append(pid)
    for name in audiences:
        found: list[str] = []
        if name == "assignee":
            found = [assignee] if assignee else []
        elif name == "first_receiver":
            found = [ticket.first_receiver]
        elif name == "area_responsible":
            if fan_out is not None:
                found = recorded.get("area_responsible", [])
            elif ticket.area:
                duty = duty_shifts(config, at)
                found = [p.id for p in config.people if p.role is Role.RESPONSIBLE
                         and ticket.area in p.areas and p.id in duty]
        elif name == "department_supervisor":
            found = _supervisors(config, ticket, assignee)
        elif name == "escalation_chain":
            found = ([p.id for p in config.people_with_role(Role.MANAGER)] if level >= 2
                     else _supervisors(config, ticket, assignee))
        elif name == "managers":
            found = [p.id for p in config.people_with_role(Role.MANAGER)]
        elif name == "community_supervisor":
            found = [p.id for p in config.people_with_role(Role.COMMUNITY_SUPERVISOR)]
        for pid in found:
            if pid in config.person_by_id:
                out[pid] = None
    return tuple(out)


def _name(config: Config, pid: str | None) -> str:
    person = config.person_by_id.get(pid or "")
    return f"{person.name} ({pid})" if person is not None else str(pid)


def _add(into: list[Notice], ev: Event, where: str | None, type_: str,
         people: tuple[str, ...], title: str, text: str, data: Mapping[str, object],
         by: str | None = None) -> None:
    """Append the notice of ``ev`` of ``type_`` unless nobody is left to tell
    (the person who did the step, ``by``, defaulting to the event's author, is not told)."""
    actor = ev.by if by is None else by
    to = tuple(p for p in people if p != actor)
    if to or type_ in _ALWAYS:
        into.append(Notice(f"ev:{ev.ticket}:{ev.version}:{type_}", type_, ev.ticket, ev.at, to,
                           title, text, location=where, data=data))


def notices_for(config: Config, ticket: Ticket, events: Sequence[Event], *,
                masks: Masks) -> list[Notice]:
    """The notices of ``events`` (already applied: ``ticket`` is the result)."""
    lang = _lang(config)
    aud = config.notify.audiences
    where = location_of(config, ticket, masks)
    state = label(STATE_LABELS, ticket.state.value, lang)
    phone = masks.phone(ticket.phone)
    place = where or "—"
    out: list[Notice] = []
    for e in events:
        d = e.data
        what = label(COMMAND_LABELS, e.kind, lang)
        reason = str(d.get("reason", ""))[:60]
        made: list[Notice] = []
        if e.kind in ("dispatch", "transfer"):
            assignee = str(d["assignee"] if e.kind == "dispatch" else d["to"])
            order = {"work_order": d.get("work_order"), "assignee": assignee,
                     "mode": ticket.mode.value, "owner_phone": phone}
            _add(made, e, where, "work_order",
                audience_people(config, ticket, aud["work_order"], at=e.at, assignee=assignee),
                _t(lang, f"【派单】{e.ticket} {place}", f"[work order] {e.ticket} {place}"),
                _t(lang, f"工单 {e.ticket}：{what} → {_name(config, assignee)}；地点 {place}；"
                         f"业主电话 {phone or '—'}",
                   f"ticket {e.ticket}: {what} → {_name(config, assignee)}; place {place}; "
                   f"owner phone {phone or '—'}"), order)
            fan_out = d.get("notices")
            if e.kind == "dispatch" and (fan_out or ticket.mode is Mode.EMERGENCY):
                people = audience_people(config, ticket, aud["emergency"], at=e.at,
                                         assignee=assignee, fan_out=list(fan_out or ()))
                _add(made, e, where, "emergency", people,
                    _t(lang, f"【突发紧急】{e.ticket} {place}", f"[EMERGENCY] {e.ticket} {place}"),
                    _t(lang, f"突发紧急：工单 {e.ticket}，地点 {place}，"
                             f"已派 {_name(config, assignee)}",
                       f"emergency: ticket {e.ticket} at {place}, "
                       f"dispatched to {_name(config, assignee)}"),
                    {"assignee": assignee, "owner_phone": phone}, by="")
        elif e.kind == "escalate":
            level = int(d.get("level", 1))
            _add(made, e, where, "escalation",
                audience_people(config, ticket, aud["escalation"], at=e.at,
                                assignee=ticket.assignee, level=level),
                _t(lang, f"【上报 {level} 级】{e.ticket}",
                   f"[escalation level {level}] {e.ticket}"),
                _t(lang, f"工单 {e.ticket} 上报至 {level} 级：{reason}",
                   f"ticket {e.ticket} escalated to level {level}: {reason}"), {"level": level})
        elif e.kind == "unable":
            _add(made, e, where, "inability",
                audience_people(config, ticket, aud["inability"], at=e.at, assignee=e.by),
                _t(lang, f"【无法处理】{e.ticket}", f"[cannot handle] {e.ticket}"),
                _t(lang, f"{_name(config, e.by)} 无法处理工单 {e.ticket}：{reason}"
                         "（S-11：5 分钟内上报）",
                   f"{_name(config, e.by)} cannot handle ticket {e.ticket}: {reason} "
                   "(S-11: report within 5 minutes)"),
                {"by": e.by})
        told = {p for n in made for p in n.to}
        progress = tuple(p for p in audience_people(config, ticket, aud["progress"], at=e.at,
                                                    assignee=ticket.assignee) if p not in told)
        if progress:
            _add(made, e, where, "progress", progress,
                _t(lang, f"【进展】{e.ticket} {what}", f"[progress] {e.ticket} {what}"),
                _t(lang, f"工单 {e.ticket}：{what}（{_name(config, e.by)}）— {state}",
                   f"ticket {e.ticket}: {what} ({_name(config, e.by)}) — {state}"),
                {"kind": e.kind, "by": e.by})
        out += made
    return out


def alert_notice(config: Config, ticket: Ticket, alert: Alert, *, masks: Masks) -> Notice:
    """The notice of an SLA warning or breach (S-21)."""
    lang = _lang(config)
    type_ = f"sla.{alert.kind}"
    nid = f"sla:{alert.ticket}:{alert.rule}:{alert.cycle}:{alert.kind}"
    if alert.occurrence > 1:
        nid += f":{alert.occurrence}"
    assignee = ticket.assignee if ticket.work_order is not None else None
    to = audience_people(config, ticket, config.notify.audiences[type_], at=alert.at,
                         assignee=assignee)
    where = location_of(config, ticket, masks)
    deadline = alert.deadline.astimezone(config.zone).strftime("%m-%d %H:%M:%S")
    tid, rule, cyc = alert.ticket, alert.rule, alert.cycle
    if alert.kind == "warning":
        title = _t(lang, f"【预警】{tid} {rule}", f"[warning] {tid} {rule}")
        text = _t(lang, f"工单 {tid}：{rule} 将于 {deadline} 到期（第 {cyc} 轮）",
                  f"ticket {tid}: {rule} falls due at {deadline} (cycle {cyc})")
    else:
        title = _t(lang, f"【超时】{tid} {rule}", f"[breach] {tid} {rule}")
        text = _t(lang, f"工单 {tid}：{rule} 已于 {deadline} 超时（第 {cyc} 轮）",
                  f"ticket {tid}: {rule} was due at {deadline} (cycle {cyc})")
    return Notice(nid, type_, alert.ticket, alert.at, to, title, text, rule=alert.rule,
                  cycle=alert.cycle, location=where,
                  data={"deadline": alert.deadline.isoformat(), "occurrence": alert.occurrence,
                        "state": ticket.state.value})

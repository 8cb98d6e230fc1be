"""Notices the core produces from accepted events (pure).

Delivered by notifier plugins after the commit (a refused command notifies
no one).  Texts carry ids and states only, never an owner's name, phone or
room (RELIABILITY: personal data is masked in notices).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from propdesk.domain.config import Config
from propdesk.domain.enums import Role
from propdesk.domain.events import Event
from propdesk.domain.labels import COMMAND_LABELS, STATE_LABELS, Lang, label
from propdesk.domain.model import Ticket


@attrs.frozen
class Notice:
    """A message for a person: ``kind`` is ``work_order``, ``emergency``,
    ``escalation``, ``step`` (R-1: the first receiver hears of every step) …"""

    to: str
    kind: str
    ticket: str
    at: datetime
    text: str
    data: Mapping[str, object] = attrs.field(factory=dict)


def notices_for(config: Config, ticket: Ticket, events: Sequence[Event]) -> list[Notice]:
    """The notices of ``events`` (already applied: ``ticket`` is the result)."""
    lang: Lang = "en" if config.community.lang == "en" else "zh"
    out: list[Notice] = []
    state = label(STATE_LABELS, ticket.state.value, lang)
    for e in events:
        d = e.data
        what = label(COMMAND_LABELS, e.kind, lang)
        if e.kind == "dispatch":
            out.append(Notice(str(d["assignee"]), "work_order", e.ticket, e.at,
                              f"{e.ticket}: {what} → {d['assignee']}",
                              {"work_order": d["work_order"]}))
            for pid in d.get("notices") or ():
                out.append(Notice(str(pid), "emergency", e.ticket, e.at,
                                  f"{e.ticket}: 突发紧急 / emergency → {d['assignee']}",
                                  {"assignee": d["assignee"]}))
        elif e.kind == "transfer":
            out.append(Notice(str(d["to"]), "work_order", e.ticket, e.at,
                              f"{e.ticket}: {what} → {d['to']}", {"work_order": d["work_order"]}))
        elif e.kind in ("escalate", "unable"):
            for pid in _escalation_targets(config, ticket, int(d.get("level", 1))):
                out.append(Notice(pid, "escalation", e.ticket, e.at,
                                  f"{e.ticket}: {what} ({d.get('reason', '')[:60]})",
                                  {"level": d.get("level", 1)}))
        if e.by != ticket.first_receiver:
            out.append(Notice(ticket.first_receiver, "step", e.ticket, e.at,
                              f"{e.ticket}: {what} — {state}", {"kind": e.kind, "by": e.by}))
    return out


def _escalation_targets(config: Config, ticket: Ticket, level: int) -> list[str]:
    if level >= 2:
        return [p.id for p in config.people_with_role(Role.MANAGER)]
    assignee = config.person_by_id.get(ticket.assignee or "")
    dept = None
    if assignee is not None and assignee.department:
        dept = config.department_by_id.get(assignee.department)
    elif ticket.category:
        dept = config.department_for(ticket.category)
    if dept is not None and dept.supervisor:
        return [dept.supervisor]
    return [p.id for p in config.people_with_role(Role.COMMUNITY_SUPERVISOR)]

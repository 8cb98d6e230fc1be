"""Routing by the responsibility table and the duty roster (DOMAIN §5).

Pure: the time, the open work-order counts and the configuration come in;
the same inputs always give the same choice, and the choice carries the
reason (table row, shift, tie-break) so it can be recorded in the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from propdesk.domain.config import Config, Person
from propdesk.domain.enums import Mode, Role
from propdesk.domain.errors import DomainError
from propdesk.domain.roster import on_duty

PUBLIC_REPORT = "public_report"
"""The ``about`` value of an owner's question about the public management report (K-11)."""


@attrs.frozen
class RouteChoice:
    """The chosen assignee and why."""

    assignee: str
    department: str | None
    reason: dict[str, object]


def supervisor_chain(config: Config, department: str | None) -> list[str]:
    """Who to call when a department has no one on duty (R-53, R-54):
    the department supervisor, the community supervisors, the managers."""
    chain: list[str] = []
    dept = config.department_by_id.get(department) if department else None
    if dept is not None and dept.supervisor:
        chain.append(dept.supervisor)
    for p in config.people_with_role(Role.COMMUNITY_SUPERVISOR, Role.MANAGER):
        if p.id not in chain:
            chain.append(p.id)
    return chain


def _excluded(config: Config, about: str | None) -> tuple[set[str], str | None]:
    """People and department a complaint is about (never routed to them)."""
    if not about:
        return set(), None
    if about in config.department_by_id:
        return {p.id for p in config.people if p.department == about}, about
    if about in config.person_by_id:
        return {about}, None
    return set(), None


def choose(
    config: Config,
    *,
    category: str,
    at: datetime,
    mode: Mode,
    area: str | None = None,
    about: str | None = None,
    open_counts: Mapping[str, int] | None = None,
    public_report_until: datetime | None = None,
) -> RouteChoice:
    """Choose the assignee of a dispatch without an explicit one (R-51 … R-53)."""
    counts = open_counts or {}
    if about == PUBLIC_REPORT and public_report_until is not None and at <= public_report_until:
        for p in config.people_with_role(Role.COMMUNITY_SUPERVISOR):
            return RouteChoice(p.id, p.department, {
                "rule": "K-11", "why": "question about the public management report"})
    excluded_people, excluded_dept = _excluded(config, about)
    dept = config.department_for(category)
    if dept is None:
        raise DomainError("no_department", category=category)
    if excluded_people and category == "complaint":
        return _route_complaint_about(config, dept.id, excluded_people, excluded_dept, about)
    duty = on_duty(config, at)
    index = {p.id: i for i, p in enumerate(config.people)}
    candidates = [
        config.person_by_id[pid] for pid in duty
        if config.person_by_id[pid].department == dept.id and pid not in excluded_people
    ]
    rule = f"R-50 {category} -> {dept.id}"
    if not candidates and mode is Mode.EMERGENCY:
        # the desk holds emergency dispatch authority over anyone on duty
        candidates = [
            config.person_by_id[pid] for pid in duty
            if config.person_by_id[pid].role in (Role.RESPONSIBLE, Role.SUPERVISOR)
            and pid not in excluded_people
        ]
        rule = "R-52 emergency: anyone on duty"
    if not candidates:
        local = at.astimezone(config.zone)
        raise DomainError(
            "no_one_on_duty",
            department=f"{dept.name} ({dept.id})",
            at=local.strftime("%Y-%m-%d %H:%M %Z"),
            chain=", ".join(supervisor_chain(config, dept.id)) or "-",
        )

    def key(p: Person) -> tuple[int, int, int]:
        return (0 if area and area in p.areas else 1, counts.get(p.id, 0), index[p.id])

    ranked = sorted(candidates, key=key)
    best = ranked[0]
    tie = "area" if area and area in best.areas else "open work orders"
    if len(ranked) > 1 and key(ranked[1])[:2] == key(best)[:2]:
        tie = "roster order"
    return RouteChoice(best.id, dept.id, {
        "rule": rule,
        "on_duty": [p.id for p in ranked],
        "open_work_orders": counts.get(best.id, 0),
        "area_match": bool(area and area in best.areas),
        "tie_break": tie,
    })


def _route_complaint_about(
    config: Config, dept: str, excluded: set[str], excluded_dept: str | None, about: str | None
) -> RouteChoice:
    """A complaint about a department or person goes to the customer-service
    supervisor, or one level up when that supervisor is the subject."""
    d = config.department_by_id[dept]
    if d.supervisor and d.supervisor not in excluded and excluded_dept != dept:
        return RouteChoice(d.supervisor, dept, {
            "rule": "complaint about " + str(about), "to": "customer-service supervisor"})
    for p in config.people_with_role(Role.COMMUNITY_SUPERVISOR, Role.MANAGER):
        if p.id not in excluded:
            return RouteChoice(p.id, p.department, {
                "rule": "complaint about " + str(about), "to": "one level up"})
    raise DomainError("no_one_on_duty", department=dept, at="-",
                      chain=", ".join(supervisor_chain(config, dept)) or "-")


def emergency_notices(
    config: Config, *, assignee: str, department: str | None, area: str | None, at: datetime
) -> list[str]:
    """Who is notified when an emergency is dispatched (R-52, S-4): the nearby
    area's responsible people on duty, the department supervisor, the managers."""
    out: list[str] = []
    for pid in on_duty(config, at):
        p = config.person_by_id[pid]
        if pid != assignee and p.role is Role.RESPONSIBLE and area and area in p.areas:
            out.append(pid)
    dept = config.department_by_id.get(department) if department else None
    if dept is not None and dept.supervisor and dept.supervisor not in out:
        out.append(dept.supervisor)
    for p in config.people_with_role(Role.MANAGER):
        if p.id not in out:
            out.append(p.id)
    return [pid for pid in out if pid != assignee]

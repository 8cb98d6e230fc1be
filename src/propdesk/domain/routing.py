"""Routing by the responsibility table and the duty roster (docs/routing.md).

Pure: the time, the open work-order counts and the configuration come in;
the same inputs always give the same choice, and the choice carries the
reason (table row, shift, tie-break) so it can be recorded in the event.

- R-50: the responsibility table is the ``categories`` of each department;
  the first department (in configuration order) naming a category is its row.
- R-51: an on-duty person of that department — its responsible people
  (专业责任人) first; for complaints its supervisor first (R-50's default
  "complaint -> 客服部 supervisor"); else anyone of it on duty — preferring
  the ticket's area, then the fewest open work orders, then roster order.
- R-52: for an emergency with no one of the department on duty, anyone on
  duty who works in the field (responsible, supervisor, foreman).
- R-53: no one on duty: ``no_one_on_duty`` naming the department, the local
  time and the supervisor chain to call instead.
- A complaint about a department or person is never routed to them, but to
  the supervisor of the complaint department (customer service) or, when
  that supervisor is the subject (or of the subject department), one level
  up: community supervisor, then managers.
- K-11: for a week after the public management report is published, an
  owner's question about it (``about="public_report"``) goes to the
  community supervisor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final

import attrs

from propdesk.domain import _fast
from propdesk.domain.config import Config, Person, Shift
from propdesk.domain.enums import Mode, Role
from propdesk.domain.errors import DomainError
from propdesk.domain.lifecycle import ACTIVE_WORK
from propdesk.domain.model import Ticket, current_assignee
from propdesk.domain.roster import duty_at

PUBLIC_REPORT = "public_report"
"""The ``about`` value of an owner's question about the public management report (K-11)."""

FIELD_ROLES = (Role.RESPONSIBLE, Role.SUPERVISOR, Role.FOREMAN)
"""Who may be sent anywhere in an emergency when the department has no one on duty (R-52)."""


@attrs.frozen
class RouteChoice:
    """The chosen assignee, the responsible department and why (JSON-native)."""

    assignee: str
    department: str | None
    reason: dict[str, object]


_make_choice: Final = _fast.positional(RouteChoice)


def _local_text(config: Config, at: datetime) -> str:
    local = at.astimezone(config.zone)
    return f"{local:%Y-%m-%d %H:%M} {config.community.timezone}"


def _who(config: Config, pid: str) -> str:
    p = config.person_by_id.get(pid)
    return f"{p.name} ({pid})" if p is not None and p.name != pid else pid


def supervisor_chain(config: Config, department: str | None) -> list[str]:
    """Who to call when a department has no one on duty (R-53, R-54):
    the department supervisor, the community supervisors, then the managers."""
    chain: list[str] = []
    dept = config.department_by_id.get(department) if department else None
    if dept is not None and dept.supervisor:
        chain.append(dept.supervisor)
    for role in (Role.COMMUNITY_SUPERVISOR, Role.MANAGER):
        for p in config.people_with_role(role):
            if p.id not in chain:
                chain.append(p.id)
    return chain


def duty_shifts(config: Config, at: datetime) -> Mapping[str, int]:
    """Person id -> index of the first shift of the roster covering ``at``
    (read-only: it is shared, see :func:`~propdesk.domain.roster.duty_at`)."""
    return duty_at(config, at)[0]


def _shift_text(index: int, shift: Shift) -> dict[str, object]:
    return {"index": index, "start": shift.start, "end": shift.end, "days": list(shift.days)}


def table_row(config: Config, category: str) -> tuple[int, str] | None:
    """The responsibility-table row of ``category`` (R-50): (department index, id)."""
    for i, d in enumerate(config.departments):
        if category in d.categories:
            return i, d.id
    return None


def _subject(config: Config, about: str | None) -> tuple[str, str] | None:
    """What a complaint is about: ("department", id) or ("person", id)."""
    if not about or about == PUBLIC_REPORT:
        return None
    if about in config.department_by_id:
        return "department", about
    if about in config.person_by_id:
        return "person", about
    return None


def _is_subject(config: Config, pid: str, subject: tuple[str, str] | None) -> bool:
    if subject is None:
        return False
    kind, sid = subject
    if kind == "person":
        return pid == sid
    p = config.person_by_id.get(pid)
    dept = config.department_by_id.get(sid)
    return (p is not None and p.department == sid) or (
        dept is not None and dept.supervisor == pid)


def is_complaint_subject(config: Config, person: str, about: str | None) -> bool:
    """Whether ``person`` is what a complaint is about (that person, or one of
    that department, or its supervisor): such a complaint never goes to them."""
    return _is_subject(config, person, _subject(config, about))


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
    duty = duty_shifts(config, at)
    if about == PUBLIC_REPORT and public_report_until is not None and at <= public_report_until:
        cs = _first_available(config, config.people_with_role(Role.COMMUNITY_SUPERVISOR), duty)
        if cs is not None:
            return _make_choice(cs.id, cs.department, {
                "rule": "K-11", "why": "question about the public management report",
                "window_until": public_report_until.isoformat(),
                "on_duty": cs.id in duty})
    row = table_row(config, category)
    if row is None:
        raise DomainError("no_department", category=category)
    row_index, dept_id = row
    dept = config.department_by_id[dept_id]
    table = {"row": row_index, "category": category, "department": dept_id}
    subject = _subject(config, about)
    if subject is not None and category == "complaint":
        return _route_complaint_about(config, dept_id, subject, table, duty, at)

    people = config.person_by_id
    in_dept = [p for p in map(people.__getitem__, duty) if p.department == dept_id
               and (subject is None or not _is_subject(config, p.id, subject))]
    candidates, tier = _tier(dept.supervisor, category, in_dept)
    rule = "R-51"
    if not candidates and mode is Mode.EMERGENCY:
        candidates = [
            config.person_by_id[pid] for pid in duty
            if config.person_by_id[pid].role in FIELD_ROLES
            and not _is_subject(config, pid, subject)
        ]
        rule, tier = "R-52", "anyone_on_duty"
    if not candidates:
        chain = supervisor_chain(config, dept_id)
        raise DomainError(
            "no_one_on_duty",
            department=f"{dept.name} ({dept_id})",
            at=_local_text(config, at),
            chain=", ".join(_who(config, pid) for pid in chain) or "-",
            chain_ids=chain,
        )
    ranked, tie = rank(config, candidates, area=area, open_counts=counts)
    best = ranked[0]
    shift_index = duty[best.id]
    reason: dict[str, object] = {
        "rule": rule,
        "table": table,
        "shift": _shift_text(shift_index, config.shifts[shift_index]),
        "tier": tier,
        "candidates": [p.id for p in ranked],
        "area": area,
        "area_match": bool(area and area in best.areas),
        "open_work_orders": counts.get(best.id, 0),
        "tie_break": tie,
    }
    if subject is not None:
        reason["excluded"] = f"{subject[0]}:{subject[1]}"
    return _make_choice(best.id, dept_id, reason)


def _tier(supervisor: str | None, category: str, in_dept: list[Person]
          ) -> tuple[list[Person], str]:
    """Who of the department on duty may take the work order: complaints go to
    the department supervisor (R-50: complaint -> 客服部 supervisor); other
    work to the responsible people (专业责任人); failing those, anyone of the
    department on duty."""
    if category == "complaint":
        sup = [p for p in in_dept if p.id == supervisor]
        if sup:
            return sup, "department_supervisor"
    responsible = [p for p in in_dept if p.role is Role.RESPONSIBLE]
    if responsible:
        return responsible, "responsible"
    return in_dept, "department"


def rank(
    config: Config, candidates: Sequence[Person], *, area: str | None,
    open_counts: Mapping[str, int],
) -> tuple[list[Person], str]:
    """Candidates best first (area, then fewest open work orders, then roster
    order) and what decided between the first two: ``only_candidate``,
    ``area``, ``open_work_orders`` or ``roster_order``."""
    index = config.person_index
    get = open_counts.get
    # (area, open work orders, roster index, position, person): the position is
    # unique, so the person itself is never compared
    keyed = sorted([(0 if area and area in p.areas else 1, get(p.id, 0), index[p.id], i, p)
                    for i, p in enumerate(candidates)])
    ranked = [k[4] for k in keyed]
    if len(ranked) == 1:
        return ranked, "only_candidate"
    a, b = keyed[0], keyed[1]
    tie = "area" if a[0] != b[0] else "open_work_orders" if a[1] != b[1] else "roster_order"
    return ranked, tie


def _first_available(
    config: Config, people: Iterable[Person], duty: Mapping[str, int]
) -> Person | None:
    """The first of ``people`` on duty, else the first in roster order."""
    people = list(people)
    for p in people:
        if p.id in duty:
            return p
    return people[0] if people else None


def _route_complaint_about(
    config: Config, dept: str, subject: tuple[str, str], table: dict[str, object],
    duty: Mapping[str, int], at: datetime,
) -> RouteChoice:
    """A complaint about a department or person goes to the complaint
    department's (customer-service) supervisor, or one level up when that
    supervisor is the subject or belongs to the subject department."""
    about = f"{subject[0]}:{subject[1]}"
    d = config.department_by_id[dept]
    if d.supervisor and not _is_subject(config, d.supervisor, subject):
        return _make_choice(d.supervisor, dept, {
            "rule": "complaint_about", "about": about, "table": table,
            "to": "department_supervisor", "on_duty": d.supervisor in duty})
    for role, level in ((Role.COMMUNITY_SUPERVISOR, "community_supervisor"),
                        (Role.MANAGER, "manager")):
        people = [p for p in config.people_with_role(role) if not _is_subject(config, p.id,
                                                                                subject)]
        chosen = _first_available(config, people, duty)
        if chosen is not None:
            return _make_choice(chosen.id, dept, {
                "rule": "complaint_about", "about": about, "table": table,
                "to": level, "on_duty": chosen.id in duty})
    chain = [pid for pid in supervisor_chain(config, dept)
             if not _is_subject(config, pid, subject)]
    raise DomainError("no_one_on_duty", department=f"{d.name} ({dept})",
                      at=_local_text(config, at),
                      chain=", ".join(_who(config, pid) for pid in chain) or "-",
                      chain_ids=chain)


def emergency_notices(
    config: Config, *, assignee: str, department: str | None, area: str | None, at: datetime
) -> list[str]:
    """Who is notified when an emergency is dispatched (R-52, S-4), in this
    order and without repeats or the assignee: the nearby area's responsible
    people on duty, the department supervisor, the managers."""
    out: list[str] = []
    duty = duty_shifts(config, at)
    if area:
        for p in config.people:
            if p.id in duty and p.role is Role.RESPONSIBLE and area in p.areas:
                out.append(p.id)
    dept = config.department_by_id.get(department) if department else None
    if dept is not None and dept.supervisor and dept.supervisor not in out:
        out.append(dept.supervisor)
    for p in config.people_with_role(Role.MANAGER):
        if p.id not in out:
            out.append(p.id)
    return [pid for pid in out if pid != assignee]


def emergency_notice_roles(
    config: Config, notices: Sequence[str], *, department: str | None, area: str | None
) -> list[tuple[str, str]]:
    """Why each recipient of :func:`emergency_notices` is told:
    ``area_responsible``, ``department_supervisor`` or ``manager``."""
    dept = config.department_by_id.get(department) if department else None
    out = []
    for pid in notices:
        p = config.person_by_id[pid]
        if dept is not None and dept.supervisor == pid:
            why = "department_supervisor"
        elif p.role is Role.MANAGER:
            why = "manager"
        else:
            why = "area_responsible"
        out.append((pid, why))
    return out


def active_assignee(t: Ticket | None) -> str | None:
    """Who holds ``t``'s open work order (one of the open work orders routing
    counts, R-51), if anyone."""
    if t is None or t.state not in ACTIVE_WORK:
        return None
    return current_assignee(t)


class OpenWork:
    """Open work orders per person, kept as a projection: :meth:`move` with
    each ticket after a change.  Routing reads :attr:`counts` (R-51); the Desk
    and the simulator keep one each."""

    def __init__(self, counts: dict[str, int] | None = None) -> None:
        self.counts: dict[str, int] = {} if counts is None else counts

    def move(self, held_by: str | None, ticket: Ticket) -> str | None:
        """Account for ``ticket`` as it now stands: ``held_by`` held its open
        work order before the change (what the last move of that ticket gave;
        ``None``: no one).  Gives who holds it now."""
        now = active_assignee(ticket)
        if now != held_by:
            if held_by is not None:
                left = self.counts[held_by] - 1
                if left:
                    self.counts[held_by] = left
                else:
                    del self.counts[held_by]
            if now is not None:
                self.counts[now] = self.counts.get(now, 0) + 1
        return now

    def copy(self) -> OpenWork:
        """An independent copy (a batch moves its own while it decides)."""
        return OpenWork(dict(self.counts))

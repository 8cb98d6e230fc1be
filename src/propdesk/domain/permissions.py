"""Who may do what (the "who" column of docs/lifecycle.md): deny by default.

Checked inside the domain's ``decide`` so that the CLI, a web UI and
embedding code all agree.  Some commands belong to a role (``desk``), some
to the ticket's current assignee, some to both.
"""

from __future__ import annotations

from typing import Final

from propdesk.domain.config import Config, Person
from propdesk.domain.enums import CommandName as C
from propdesk.domain.enums import Role, State
from propdesk.domain.errors import DomainError
from propdesk.domain.model import Ticket, current_assignee, current_work_order

# role-based permissions: command -> roles that may always issue it
ROLE_PERMISSIONS: Final[dict[C, frozenset[Role]]] = {
    C.RECORD: frozenset({Role.DESK}),
    C.CLASSIFY: frozenset({Role.DESK}),
    C.DISPATCH: frozenset({Role.DESK}),
    C.RETURN: frozenset({Role.DESK}),
    C.CALLBACK: frozenset({Role.DESK}),
    C.CLOSE: frozenset({Role.DESK}),
    C.REPLY: frozenset({Role.DESK}),
    C.AMEND: frozenset({Role.DESK}),
    C.CANCEL: frozenset({Role.DESK}),
    C.ESCALATE: frozenset(
        {Role.DESK, Role.SUPERVISOR, Role.COMMUNITY_SUPERVISOR, Role.MANAGER}
    ),
    C.TRANSFER: frozenset({Role.DESK, Role.MANAGER}),
    C.FOLLOW_UP: frozenset({Role.DESK}),
    C.SAMPLE_CALLBACK: frozenset({Role.COMMUNITY_SUPERVISOR, Role.FOREMAN}),
    C.COMPLETE: frozenset(),  # see check(): desk from 'recorded', assignee otherwise
}

# commands the current work order's assignee may issue
ASSIGNEE_COMMANDS: Final[frozenset[C]] = frozenset({
    C.CONFIRM, C.ACKNOWLEDGE, C.CONTACT_OWNER, C.ARRIVE, C.DIAGNOSE, C.PLAN, C.AGREE,
    C.UNABLE, C.ACCEPT, C.REJECT, C.ESCALATE, C.FOLLOW_UP,
})


def check(config: Config, ticket: Ticket | None, command: C, person: Person) -> None:
    """Raise ``forbidden`` unless ``person`` may issue ``command`` on ``ticket`` now."""
    if (command, person.role) in _BY_ROLE:
        return
    # the assignee's own commands, the usual case
    if ticket is not None and command in ASSIGNEE_COMMANDS:
        wo = current_work_order(ticket)
        if wo is not None and wo.assignee == person.id:
            return
    if _allowed_on_ticket(config, ticket, command, person):
        return
    raise DomainError(
        "forbidden",
        ticket=ticket.id if ticket else "-",
        person=person.id,
        role=person.role.value,
        command=command.value,
        allowed=describe(command),
        allowed_zh=describe(command, "zh"),
    )


_BY_ROLE: Final[frozenset[tuple[C, Role]]] = frozenset(
    (command, role) for command, roles in ROLE_PERMISSIONS.items() for role in roles)


def _allowed_on_ticket(config: Config, ticket: Ticket | None, command: C,
                       person: Person) -> bool:
    """Grants that depend on the ticket (its assignee, first receiver, state);
    the role grants and the assignee's own commands are tested first, in
    :func:`check`."""
    if ticket is None:
        return False
    assignee = current_assignee(ticket)
    if command is C.COMPLETE:
        if ticket.state is State.RECORDED:
            return person.role is Role.DESK
        return assignee == person.id
    if command is C.FOLLOW_UP and person.id == ticket.first_receiver:
        return True
    if command is C.TRANSFER and person.role is Role.SUPERVISOR and assignee is not None:
        current = config.person_by_id.get(assignee)
        if current is None or current.department is None:
            return False
        dept = config.department_by_id.get(current.department)
        return dept is not None and dept.supervisor == person.id
    return False


_WHO: Final[dict[str, tuple[str, str]]] = {
    "assignee": ("the assignee", "当前处理人"),
    "desk_resolves": ("desk (desk-resolvable categories, from recorded)",
                      "前台（可由前台直接处理的分类，已录入时）"),
    "first_receiver": ("the first receiver", "首接负责人"),
    "dept_supervisor": ("the assignee's department supervisor", "处理人所在部门主管"),
}


def describe(command: C, lang: str = "en") -> str:
    """Who may issue ``command``, in words (for the refusal text and the docs)."""
    from propdesk.domain.labels import ROLE_LABELS, label

    zh = lang == "zh"
    parts = [label(ROLE_LABELS, r.value, "zh") if zh else r.value
             for r in sorted(ROLE_PERMISSIONS.get(command, frozenset()))]
    extra: list[str] = []
    if command in ASSIGNEE_COMMANDS:
        extra.append("assignee")
    if command is C.COMPLETE:
        parts, extra = [], ["assignee", "desk_resolves"]
    if command is C.FOLLOW_UP:
        extra.append("first_receiver")
    if command is C.TRANSFER:
        extra.append("dept_supervisor")
    parts += [_WHO[key][1 if zh else 0] for key in extra]
    return ("、" if zh else ", ").join(parts)

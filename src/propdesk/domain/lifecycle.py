"""The one transition table of the ticket lifecycle (docs/lifecycle.md).

Every command's allowed source states and target are rows here; the table is
checked when the module loads (one initial state, every state reachable,
terminal states without exits), and the refusal text ("allowed here: …")
and the lifecycle diagram in the docs are generated from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import Final

import attrs

from propdesk.domain.enums import CommandName as C
from propdesk.domain.enums import Mode, State
from propdesk.domain.model import Ticket, current_work_order

S = State
OPEN: Final[frozenset[State]] = frozenset(s for s in State if not s.terminal)
ACTIVE_WORK: Final = frozenset({S.DISPATCHED, S.CONFIRMED, S.ACKNOWLEDGED, S.ON_SITE, S.PLANNED,
                         S.IN_PROGRESS})


@attrs.frozen
class Transition:
    """A row: ``command`` is allowed in ``sources`` and leads to ``target``
    (``None``: the state is unchanged).  ``guard`` names a condition on the
    ticket: ``emergency`` (the cycle is an emergency), ``appointment`` (the
    cycle has an appointment), ``desk`` (a desk-resolvable category) or
    ``outcome`` (one of several outcomes the command's answers choose)."""

    command: C
    sources: frozenset[State]
    target: State | None
    guard: str = ""
    note: str = ""


def _row(
    command: C, sources: Iterable[State], target: State | None, guard: str = "", note: str = ""
) -> Transition:
    return Transition(command, frozenset(sources), target, guard, note)


TABLE: tuple[Transition, ...] = (
    _row(C.RECORD, (), S.RECORDED, note="initial"),
    _row(C.CLASSIFY, OPEN, None),
    _row(C.DISPATCH, {S.RECORDED}, S.DISPATCHED),
    _row(C.CONFIRM, {S.DISPATCHED}, S.CONFIRMED),
    _row(C.ACKNOWLEDGE, {S.CONFIRMED}, S.ACKNOWLEDGED),
    _row(C.ACKNOWLEDGE, {S.ON_SITE, S.PLANNED, S.IN_PROGRESS, S.COMPLETED, S.ACCEPTED}, None,
         "emergency", "S-14: sign for the form after the first stage"),
    _row(C.CONTACT_OWNER, {S.CONFIRMED, S.ACKNOWLEDGED}, None, "appointment"),
    _row(C.ARRIVE, {S.ACKNOWLEDGED}, S.ON_SITE),
    _row(C.ARRIVE, {S.CONFIRMED}, S.ON_SITE, "emergency", "S-14: site first"),
    _row(C.DIAGNOSE, {S.ON_SITE}, None),
    _row(C.PLAN, {S.ON_SITE}, S.PLANNED, note="after diagnose"),
    _row(C.AGREE, {S.PLANNED}, S.IN_PROGRESS),
    _row(C.UNABLE, {S.ON_SITE, S.PLANNED, S.IN_PROGRESS}, None),
    _row(C.COMPLETE, {S.IN_PROGRESS}, S.COMPLETED),
    _row(C.COMPLETE, {S.RECORDED}, S.RETURNED, "desk", "resolved by the desk itself"),
    _row(C.ACCEPT, {S.COMPLETED}, S.ACCEPTED),
    _row(C.REJECT, {S.COMPLETED}, S.RECORDED, note="rework (R-40)"),
    _row(C.RETURN, {S.ACCEPTED}, S.RETURNED),
    _row(C.CALLBACK, {S.RETURNED}, S.CALLED_BACK, note="passed"),
    _row(C.CALLBACK, {S.RETURNED}, S.RECORDED, "outcome", "not fixed: rework (R-40)"),
    _row(C.CALLBACK, {S.RETURNED}, None, "outcome", "charge disputed (R-41)"),
    _row(C.CLOSE, {S.CALLED_BACK}, S.CLOSED),
    _row(C.REPLY, OPEN, None),
    _row(C.ESCALATE, OPEN, None),
    _row(C.TRANSFER, ACTIVE_WORK, S.DISPATCHED, note="new work order"),
    _row(C.AMEND, OPEN, None),
    _row(C.FOLLOW_UP, OPEN, None),
    _row(C.SAMPLE_CALLBACK, {S.CALLED_BACK, S.CLOSED}, None),
    _row(C.CANCEL, OPEN - {S.COMPLETED, S.ACCEPTED, S.RETURNED, S.CALLED_BACK}, S.CANCELLED),
)

INITIAL = S.RECORDED


def _validate(table: tuple[Transition, ...]) -> None:
    initial = [t for t in table if not t.sources]
    if len(initial) != 1 or initial[0].target is not INITIAL:
        raise AssertionError("the table needs exactly one initial row, leading to 'recorded'")
    if {t.command for t in table} != set(C):
        raise AssertionError("every command needs at least one row")
    for t in table:
        for s in t.sources:
            if s.terminal and t.target is not None:
                raise AssertionError(f"terminal state {s} has an exit via {t.command}")
    reached = {INITIAL}
    frontier = [INITIAL]
    while frontier:
        state = frontier.pop()
        for t in table:
            if state in t.sources and t.target is not None and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    missing = set(State) - reached
    if missing:
        raise AssertionError(f"unreachable states: {sorted(missing)}")


_validate(TABLE)

ROWS_BY_COMMAND: Final[dict[C, tuple[Transition, ...]]] = {
    c: tuple(t for t in TABLE if t.command is c) for c in C
}

_ROWS_FROM: Final[dict[tuple[C, State], tuple[Transition, ...]]] = {
    (c, s): tuple(t for t in ROWS_BY_COMMAND[c] if s in t.sources) for c in C for s in State
}
"""The rows of a command leaving a state, in table order: the index of
``first_row`` (deciding a command is the simulation's and the Desk's hot path)."""

FIRST_UNGUARDED: Final[dict[tuple[C, State], Transition]] = {
    key: rows[0] for key, rows in _ROWS_FROM.items()
    if rows and rows[0].guard in ("", "outcome")
}
"""Where the first row of a command leaving a state has no guard that can fail,
that row: :func:`first_row` without looking at the ticket (most commands)."""


def cycle_mode(ticket: Ticket) -> Mode:
    """The service mode of the ticket's current cycle (S-22)."""
    wo = ticket.work_orders[-1] if ticket.work_orders else None
    if wo is not None and wo.cycle == ticket.cycle:
        return wo.mode
    return ticket.mode if ticket.cycle == 1 else (
        Mode.EMERGENCY if ticket.mode is Mode.EMERGENCY else Mode.IMMEDIATE
    )


def guard_holds(guard: str, ticket: Ticket, desk_resolvable: AbstractSet[str]) -> bool:
    """Whether a row's guard holds for ``ticket``."""
    if guard in ("", "outcome"):
        return True
    if guard == "emergency":
        return cycle_mode(ticket) is Mode.EMERGENCY
    if guard == "appointment":
        wo = current_work_order(ticket)
        return wo is not None and wo.appointment_at is not None
    if guard == "desk":
        return ticket.category in desk_resolvable
    raise AssertionError(f"unknown guard {guard!r}")


def first_row(ticket: Ticket, command: C, desk_resolvable: AbstractSet[str]) -> Transition | None:
    """The first row of ``command`` that applies to ``ticket`` now (the one
    ``decide`` follows), or ``None`` when the command is not allowed."""
    for t in _ROWS_FROM[command, ticket.state]:
        if not t.guard or guard_holds(t.guard, ticket, desk_resolvable):
            return t
    return None


def allowed_commands(ticket: Ticket, desk_resolvable: AbstractSet[str]) -> list[C]:
    """Commands allowed for ``ticket`` in its state, in table order."""
    seen: dict[C, None] = {}
    for t in TABLE:
        if ticket.state in t.sources and guard_holds(t.guard, ticket, desk_resolvable):
            seen.setdefault(t.command, None)
    return list(seen)


def mermaid_diagram() -> str:
    """A Mermaid state diagram of the table (for the docs)."""
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL.value}: record"]
    edges: dict[tuple[str, str], list[str]] = {}
    for t in TABLE:
        if t.target is None or not t.sources:
            continue
        label = t.command.value + (f" [{t.guard}]" if t.guard and t.guard != "outcome" else "")
        for s in sorted(t.sources, key=list(State).index):
            edges.setdefault((s.value, t.target.value), []).append(label)
    for (src, dst), labels in edges.items():
        lines.append(f"    {src} --> {dst}: {', '.join(dict.fromkeys(labels))}")
    lines.append("    closed --> [*]")
    lines.append("    cancelled --> [*]")
    return "\n".join(lines) + "\n"

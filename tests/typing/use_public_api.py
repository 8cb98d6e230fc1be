"""Uses the public API the way an integrator would; checked by ``mypy --strict``
(scripts/test) and run by tests/typing/test_public_api.py."""

from __future__ import annotations

from datetime import UTC, datetime

import propdesk
from propdesk import Desk, DomainError, ManualClock, MemoryStore, State, Ticket, commands
from propdesk.domain.enums import CommandName
from propdesk.domain.guidance import next_step


def take_a_call(desk: Desk, when: datetime) -> Ticket:
    result = desk.handle(commands.Record(
        ticket="API1", by="desk-wang", at=when, received_at=when, source="walk_in",
        content="电梯异响", mode="immediate", location="3号楼", contact="王先生",
        phone="13700000000", asset="lift-3-1"))
    ticket: Ticket = result.ticket
    return ticket


def main() -> str:
    config = propdesk.load_config("examples/propdesk.toml")
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    desk = Desk(config, MemoryStore(), clock=ManualClock(start))
    ticket = take_a_call(desk, start)
    assert ticket.state is State.RECORDED
    found: list[Ticket] = desk.search("3号楼 王", limit=10)
    assert [t.id for t in found] == ["API1"]
    step: CommandName | None = next_step(ticket)
    assert step is CommandName.REPLY  # a walk-in owner not answered yet (S-2)
    try:
        desk.handle(commands.Close(ticket="API1", by="desk-wang"))
    except DomainError as err:
        return f"{ticket.id} {ticket.state.value} {err.code} {propdesk.__version__}"
    raise AssertionError("closing a recorded ticket must be refused")


if __name__ == "__main__":
    print(main())

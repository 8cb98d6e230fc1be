"""``Desk.search`` and the as-of helpers (issue 19, points 6 and 7)."""

from __future__ import annotations

from typing import Any

from tests.conftest import at

from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.enums import State


def test_desk_search_returns_tickets_newest_first(desk: Desk, drive: Any) -> None:
    drive(ticket="A1").record()
    drive(ticket="B1", start=1).record(location="7-2-1202", phone="13900001111")
    found = desk.search("1202")
    assert [t.id for t in found] == ["B1", "A1"]
    assert found[0].state is State.RECORDED and found[0].location == "7-2-1202"
    assert [t.id for t in desk.search("1202", limit=1)] == ["B1"]
    assert [t.id for t in desk.search("1111")] == ["B1"]
    assert desk.search("   ") == [] and desk.search("没有") == []
    desk.handle(c.Amend(ticket="B1", by="desk-wang", at=at(5), field="location",
                        value="7-2-0303", reason="记错门牌"))
    assert [t.id for t in desk.search("1202")] == ["A1"]
    desk.tickets()  # with the view of all tickets built, the answers are the same
    assert [t.id for t in desk.search("0303")] == ["B1"]


def test_tickets_as_of_a_time(desk: Desk, drive: Any) -> None:
    d = drive(ticket="A1").to("confirmed")  # recorded 09:01, dispatched 09:02, confirmed 09:03
    drive(ticket="B1", start=10).record()    # 09:11
    assert [(t.id, t.state) for t in desk.tickets_as_of(at(2.5))] == [
        ("A1", State.DISPATCHED)]
    assert [t.id for t in desk.tickets_as_of(at(20))] == ["A1", "B1"]
    assert [t.id for t in desk.tickets_as_of(at(20), ids=["B1", "A1"])] == ["B1", "A1"]
    assert desk.tickets_as_of(at(2.5), ids=["B1"]) == []
    before = desk.ticket_as_of("A1", at(1.5))
    assert before is not None and before.state is State.RECORDED
    assert desk.ticket_as_of("A1", at(0.5)) is None
    assert d.desk is desk

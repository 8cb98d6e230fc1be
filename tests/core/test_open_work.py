"""Open work orders per person (routing's load, R-51) are one projection,
moved with every change the Desk sees: by its own commands, by batches and by
other writers' events it catches up with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tests.conftest import Driver, at

from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.routing import OpenWork, active_assignee


def recount(desk: Desk) -> Counter[str]:
    return Counter(a for t in desk.tickets() if (a := active_assignee(t)))


def test_the_projection_follows_handle_batches_and_other_writers(
        desk: Desk, drive: Callable[..., Driver], clock) -> None:  # type: ignore[no-untyped-def]
    desk.tickets()  # the view (and with it the projection) exists from the start
    drive("A1").to("on_site")
    drive("A2").to("completed")
    drive("A3").to("dispatched")
    drive("A4").to("closed")
    counts = desk._open_counts()
    assert counts == recount(desk) and sum(counts.values()) == 2  # A1 and A3
    # a batch: A2 is accepted (the work leaves its person), A5 is recorded and routed
    assignee = desk.ticket("A2").assignee
    results = desk.apply_commands([
        (1, c.Accept(ticket="A2", by=str(assignee), at=at(100), signer="李女士")),
        (2, c.Record(ticket="A5", by="desk-wang", at=at(101), received_at=at(101),
                     source="owner_call", content="灯不亮", mode="immediate", area="A")),
        (3, c.Dispatch(ticket="A5", by="desk-wang", at=at(102), category="engineering")),
    ])
    assert all(r.ok for r in results)
    assert desk._open_counts() == recount(desk)
    # another writer moves A1's work on: this desk catches up with it
    other = Desk(desk.config, desk.store, clock=clock)
    other.handle(c.Diagnose(ticket="A1", by=drive("A1").assignee, at=at(110),
                            diagnosis="阀芯损坏"))
    other.handle(c.Cancel(ticket="A3", by="desk-wang", at=at(111), reason="业主撤销",
                            confirmed_by_source=True))
    desk.refresh()
    assert desk._open_counts() == recount(desk) == other._open_counts()
    assert sorted(t.id for t in desk.tickets() if active_assignee(t)) == ["A1", "A5"]


def test_a_move_between_people_and_out_of_work(drive: Callable[..., Driver]) -> None:
    d = drive("A1").to("dispatched")
    first = d.desk.ticket("A1")
    holder = first.assignee
    assert holder is not None and active_assignee(first) == holder
    open_work = OpenWork()
    held = open_work.move(None, first)
    assert held == holder and open_work.move(held, first) == holder  # counted once
    assert open_work.counts == {holder: 1}
    copy = open_work.copy()
    d.to("closed")
    closed = d.desk.ticket("A1")
    assert active_assignee(closed) is None
    assert copy.move(held, closed) is None  # the work left its person: the copy drops them
    assert copy.counts == {}
    assert open_work.counts == {holder: 1}  # ... the original is untouched
    open_work.move(held, closed)
    assert open_work.counts == {}

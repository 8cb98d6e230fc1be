"""The Desk shell: idempotent command ids, optimistic concurrency, notices after
commit with an outbox, observers, and the same behaviour on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import Driver, at

from propdesk.adapters.memory import MemoryStore
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.errors import DomainError
from propdesk.ports import ConcurrencyConflict


def record(tid: str = "A1", **kw: object) -> c.Record:
    args: dict[str, object] = dict(ticket=tid, by="desk-wang", at=at(1), received_at=at(0),
                                   source="owner_call", content="漏水", mode="immediate",
                                   location="x", contact="x", phone="13800000000", area="A")
    args.update(kw)
    return c.Record(**args)  # type: ignore[arg-type]


def test_repeated_command_id_gives_same_answer_and_one_set_of_events(desk: Desk) -> None:
    first = desk.handle(record(command_id="cmd-1"))
    again = desk.handle(record(command_id="cmd-1"))
    assert again.replayed and again.events == first.events
    assert desk.store.head() == 1


def test_same_command_id_with_different_content_is_refused(desk: Desk) -> None:
    desk.handle(record(command_id="cmd-1"))
    with pytest.raises(DomainError) as info:
        desk.handle(record(command_id="cmd-1", content="别的内容"))
    assert info.value.code == "command_id_reused" and desk.store.head() == 1


def test_expected_version_conflict_is_clear(desk: Desk, drive) -> None:
    drive().to("dispatched")
    with pytest.raises(ConcurrencyConflict) as info:
        desk.handle(c.FollowUp(ticket="A1", by="desk-wang", at=at(30), note="x"),
                    expected_version=1)
    assert "expected version 1" in str(info.value)
    desk.handle(c.FollowUp(ticket="A1", by="desk-wang", at=at(30), note="x"),
                expected_version=2)


def test_time_defaults_to_the_clock(desk: Desk, clock) -> None:
    desk.handle(c.Record(ticket="A1", by="desk-wang", received_at=clock.now(),
                         source="walk_in", content="x", mode="immediate"))
    assert desk.ticket("A1").recorded_at == clock.now()


def test_notices_go_to_the_outbox_with_their_events_and_none_for_refusals(config,
                                                                         clock) -> None:
    desk = Desk(config, MemoryStore(), clock=clock, channels=["ops"])
    desk.handle(record(first_receiver="svc-he"))
    result = desk.handle(c.Dispatch(ticket="A1", by="desk-wang", at=at(2),
                                    category="engineering"))
    kinds = [(n.to, n.type) for n in result.notices]
    assert (("eng-zhao",), "work_order") in kinds and (("svc-he",), "progress") in kinds
    rows = desk.store.outbox_rows()
    assert {r.notice for r in rows} >= {n.id for n in result.notices}
    assert all(r.channel == "ops" and r.state == "pending" for r in rows)
    n = len(rows)
    with pytest.raises(DomainError):
        desk.handle(c.Close(ticket="A1", by="desk-wang", at=at(3)))
    assert len(desk.store.outbox_rows()) == n
    assert all("13800000000" not in r.body and "李女士" not in r.body for r in rows)


def test_without_channels_no_rows_are_written(desk: Desk) -> None:
    result = desk.handle(record(first_receiver="svc-he"))
    assert desk.channels == [] and desk.store.outbox_rows() == []
    assert result.events


def test_observers_see_every_change(desk: Desk, drive) -> None:
    seen: list[tuple[str, str]] = []
    desk.add_observer(lambda t: seen.append((t.id, t.state.value)))
    drive().to("confirmed")
    assert seen[-1] == ("A1", "confirmed") and ("A1", "recorded") in seen


def test_tickets_as_of_a_past_time(drive) -> None:
    d: Driver = drive().to("closed")
    past = d.desk.tickets_as_of(at(3.5))
    assert [t.state.value for t in past] == ["confirmed"]


def test_publication_opens_the_question_window(desk: Desk) -> None:
    desk.publish_report("2026Q1", by="cs-lin", at=at(0))
    desk.handle(record("Q1", category="inquiry", about="public_report", source="walk_in"))
    desk.handle(c.Dispatch(ticket="Q1", by="desk-wang", at=at(2)))
    assert desk.ticket("Q1").assignee == "cs-lin"
    assert [t.id for t in desk.tickets()] == ["Q1"]  # desk-level events are not tickets


def test_desk_on_sqlite_survives_reopen(config, clock, tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    desk = Desk(config, SQLiteStore(path), clock=clock)
    Driver(desk).to("on_site")
    desk.store.close()
    again = Desk(config, SQLiteStore(path), clock=clock)
    assert again.ticket("A1").state.value == "on_site"
    Driver(again, start=20).to("closed")
    assert again.store.audit().ok


def test_commit_hooks_see_stored_entries_for_single_and_batch(config, clock) -> None:
    seen: list[list[int]] = []
    desk = Desk(config, MemoryStore(), clock=clock,
                on_commit=[lambda entries: seen.append([e.seq for e in entries])])
    desk.handle(record())
    with pytest.raises(DomainError):
        desk.handle(c.Close(ticket="A1", by="desk-wang", at=at(2)))
    lines = ['{"at":"2026-03-02T09:05:00+08:00","cmd":"reply","ticket":"A1","by":"desk-wang",'
             '"text":"好"}', '{"at":"2026-03-02T09:06:00+08:00","cmd":"close","ticket":"A1",'
             '"by":"desk-wang"}']
    desk.apply(lines)
    assert seen == [[1], [2]]  # the refused commands reached no observer


def test_open_desk_uses_the_configured_store(config, clock, tmp_path: Path) -> None:
    import attrs

    from propdesk.desk import open_desk

    cfg = attrs.evolve(config, storage={"backend": "sqlite", "path": "d.db"},
                       base_dir=str(tmp_path))
    desk = open_desk(cfg, clock=clock)
    desk.handle(record())
    assert (tmp_path / "d.db").exists() and desk.ticket("A1").state.value == "recorded"


def test_a_single_command_does_not_fold_the_whole_log(config, clock) -> None:
    """One-shot callers (the CLI) pay for their ticket, not for the whole log."""
    store = MemoryStore()
    first = Desk(config, store, clock=clock)
    for i in range(30):
        first.handle(record(f"B{i}"))
    reads: list[int] = []
    original = store.read_all

    def counting_read_all(after: int = 0, limit: int | None = None):  # type: ignore[no-untyped-def]
        reads.append(after)
        return original(after, limit)

    store.read_all = counting_read_all  # type: ignore[method-assign]
    fresh = Desk(config, store, clock=clock)
    fresh.handle(c.Reply(ticket="B3", by="desk-wang", at=at(2), text="收到"))
    fresh.handle(c.Dispatch(ticket="B4", by="desk-wang", at=at(3), category="engineering",
                            to="eng-zhao"))
    assert reads == []
    fresh.handle(c.Dispatch(ticket="B5", by="desk-wang", at=at(4), category="engineering"))
    assert reads  # routing without an assignee needs every open work order

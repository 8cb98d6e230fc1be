"""The Desk's SLA reads: one ticket, all tickets (JSON shape), what is due."""

from __future__ import annotations

from datetime import timedelta

from tests.sla.slahelp import DESK, build_config, t

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.memory import MemoryStore
from propdesk.desk import Desk
from propdesk.domain import commands as c


def make_desk() -> tuple[Desk, ManualClock]:
    clock = ManualClock(t(0))
    return Desk(build_config(), MemoryStore(), clock=clock), clock


def record(desk: Desk, tid: str, at: float) -> None:
    desk.handle(c.Record(ticket=tid, by=DESK, at=t(at), received_at=t(at),
                         source="property_internal", content="路灯不亮", mode="immediate",
                         location="3号楼", reply="收到"))  # S-2 met at once


def test_sla_status_of_one_ticket_at_now_and_at_a_time() -> None:
    desk, clock = make_desk()
    record(desk, "A1", 0)
    clock.set(t(150))
    # past S-3's deadline, not dispatched: pending (the desk may still answer it itself)
    assert {o.rule: o.status for o in desk.sla_status("A1")}["S-3"] == "pending"
    desk.handle(c.Dispatch(ticket="A1", by=DESK, at=t(150), to="eng-zhao",
                           category="engineering"))
    by_rule = {o.rule: o for o in desk.sla_status("A1")}
    assert by_rule["S-3"].status == "breached" and by_rule["S-3"].overrun_s == 30
    assert {o.rule: o.status for o in desk.sla_status("A1", at=t(100))}["S-3"] == "pending"


def test_sla_all_in_the_section_12_shape_with_local_deadlines() -> None:
    desk, _clock = make_desk()
    record(desk, "A1", 0)
    record(desk, "A2", 10)
    rows = desk.sla_all(at=t(20))
    assert {r["ticket"] for r in rows} == {"A1", "A2"}
    assert all(list(r) == ["ticket", "rule", "cycle", "status", "deadline", "overrun_s"]
               for r in rows)
    s3 = next(r for r in rows if r["ticket"] == "A1" and r["rule"] == "S-3")
    assert s3 == {"ticket": "A1", "rule": "S-3", "cycle": 1, "status": "pending",
                  "deadline": "2026-03-02T09:02:00+08:00", "overrun_s": None}


def test_due_follows_the_desk_as_commands_arrive() -> None:
    desk, clock = make_desk()
    record(desk, "A1", 0)
    assert [a.rule for a in desk.due(t(95))] == []
    got = desk.due(t(97))
    assert [(a.ticket, a.rule, a.kind) for a in got] == [("A1", "S-3", "warning")]
    # a ticket recorded after the index exists is picked up by the observer hook
    record(desk, "A2", 100)
    desk.handle(c.Dispatch(ticket="A1", by=DESK, at=t(110), to="eng-zhao",
                           category="engineering"))
    desk.handle(c.Confirm(ticket="A1", by="eng-zhao", at=t(115)))  # A1's S-3 met
    desk.handle(c.Dispatch(ticket="A2", by=DESK, at=t(150), to="eng-zhao",
                           category="engineering"))  # A2's S-3 breaches at its deadline
    clock.set(t(300))
    got = desk.due()
    assert [(a.ticket, a.rule, a.kind) for a in got] == [
        ("A2", "S-3", "warning"), ("A2", "S-3", "breach")]
    assert desk.due() == []  # each once
    # a window is a report: nothing consumed, reported alerts included
    window = desk.due(t(300), since=t(0))
    assert [(a.ticket, a.kind) for a in window if a.rule == "S-3"] == [
        ("A2", "warning"), ("A2", "breach")]
    assert desk.due(until=t(300) + timedelta(seconds=1), since=t(200)) == [
        a for a in window if a.at > t(200)]


def test_due_follows_batch_files_too() -> None:
    desk, _clock = make_desk()
    assert desk.due(t(0)) == []  # the index exists before the batch
    lines = [
        '{"at":"2026-03-02T09:00:00+08:00","cmd":"record","ticket":"B1",'
        '"received_at":"2026-03-02T09:00:00+08:00","source":"property_internal",'
        '"by":"desk-wang","content":"路灯不亮","mode":"immediate","location":"3号楼"}',
        '{"at":"2026-03-02T09:00:30+08:00","cmd":"dispatch","ticket":"B1",'
        '"category":"engineering","to":"eng-zhao","by":"desk-wang"}',
    ]
    assert [r.ok for r in desk.apply(lines)] == [True, True]
    got = desk.due(t(121))
    assert [(a.ticket, a.rule, a.kind) for a in got if a.rule == "S-3"] == [
        ("B1", "S-3", "warning"), ("B1", "S-3", "breach")]

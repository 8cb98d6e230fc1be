"""Batch files (docs/batch-format.md): lines apply in order, refused lines change nothing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from propdesk.desk import Desk

SPEC_EXAMPLE = [
    '{"at":"2026-03-02T09:00:40+08:00","cmd":"record","ticket":"A1",'
    '"received_at":"2026-03-02T09:00:00+08:00","source":"owner_call","by":"desk-wang",'
    '"location":"5-1-1202","content":"厨房水管漏水","contact":"李女士","phone":"13800000000",'
    '"mode":"immediate","reply":"师傅十分钟内到"}',
    '{"at":"2026-03-02T09:01:30+08:00","cmd":"dispatch","ticket":"A1",'
    '"category":"engineering","to":"eng-zhao","by":"desk-wang"}',
    '{"at":"2026-03-02T09:01:45+08:00","cmd":"confirm","ticket":"A1","by":"eng-zhao"}',
]


def line(**kw: Any) -> str:
    return json.dumps(kw, ensure_ascii=False)


def test_spec_example_applies(desk: Desk) -> None:
    results = desk.apply(SPEC_EXAMPLE)
    assert [r.ok for r in results] == [True, True, True]
    t = desk.ticket("A1")
    assert t.state.value == "confirmed" and t.replies[0].text == "师傅十分钟内到"


@pytest.mark.parametrize("bad,code,field", [
    ("{not json", "invalid_value", "column 2"),
    ('["a list"]', "invalid_type", "line"),
    ('{"cmd":"confirm","ticket":"A1","by":"eng-zhao"}', "required", "at"),
    ('{"at":"2026-03-02T09:05:00+08:00","cmd":"fly","ticket":"A1","by":"eng-zhao"}',
     "invalid_choice", "cmd"),
    ('{"at":"2026-03-02T09:05:00","cmd":"acknowledge","ticket":"A1","by":"eng-zhao"}',
     "invalid_value", "at"),
    ('{"at":"yesterday","cmd":"acknowledge","ticket":"A1","by":"eng-zhao"}',
     "invalid_value", "at"),
    ('{"at":"2026-03-02T09:05:00+08:00","cmd":"acknowledge","ticket":"A1","by":7}',
     "invalid_value", "by"),
    ('{"at":"2026-03-02T09:05:00+08:00","cmd":"acknowledge","ticket":"A1","by":"eng-zhao",'
     '"colour":"red"}', "invalid_value", "colour"),
    ('{"at":"2026-03-02T09:05:00+08:00","cmd":"escalate","ticket":"A1","by":"desk-wang",'
     '"level":"1","reason":"x"}', "invalid_value", "level"),
    ('{"at":"2026-03-02T09:05:00+08:00","cmd":"cancel","ticket":"A1","by":"desk-wang",'
     '"reason":"x","confirmed_by_source":"true"}', "invalid_value", "confirmed_by_source"),
    ('{"at":"2026-03-02T09:05:00+08:00","cmd":"arrive","ticket":"A1","by":"eng-zhao"}',
     "wrong_state", None),
    ('{"at":"2026-03-02T08:00:00+08:00","cmd":"acknowledge","ticket":"A1","by":"eng-zhao"}',
     "time_before_previous", None),
])
def test_refused_lines_change_nothing_and_the_rest_apply(desk: Desk, bad: str, code: str,
                                                         field: str | None) -> None:
    good = line(at="2026-03-02T09:06:00+08:00", cmd="acknowledge", ticket="A1", by="eng-zhao")
    results = desk.apply([*SPEC_EXAMPLE, bad, good])
    assert [r.ok for r in results] == [True, True, True, False, True]
    refused = results[3]
    assert refused.line == 4 and refused.code == code, refused
    if field:
        assert field in (refused.error or "")
    assert refused.error_zh
    assert desk.ticket("A1").state.value == "acknowledged"
    assert len(desk.events_of("A1")) == 4


def test_interleaved_tickets_and_json_shape(desk: Desk) -> None:
    lines = [
        SPEC_EXAMPLE[0],
        line(at="2026-03-02T09:00:50+08:00", cmd="record", ticket="Q1",
             received_at="2026-03-02T09:00:45+08:00", source="walk_in", by="desk-wang",
             content="停车卡怎么办", mode="immediate", category="inquiry", contact="赵先生",
             phone="13600000000"),
        SPEC_EXAMPLE[1],
        line(at="2026-03-02T09:01:40+08:00", cmd="complete", ticket="Q1", by="desk-wang"),
        line(at="2026-03-02T09:01:41+08:00", cmd="callback", ticket="Q1", by="desk-wang",
             fixed=True, satisfaction="satisfied", close=True),
        line(at="2026-03-02T09:01:50+08:00", cmd="confirm", ticket="NOPE", by="eng-zhao"),
    ]
    results = desk.apply(lines)
    shapes = [r.to_dict() for r in results]
    assert shapes[0] == {"line": 1, "ok": True, "ticket": "A1"}
    assert shapes[-1]["ok"] is False and shapes[-1]["ticket"] == "NOPE"
    assert set(shapes[-1]) >= {"line", "ok", "ticket", "error"}
    assert desk.ticket("Q1").state.value == "closed"


def test_blank_lines_are_skipped_but_numbered(desk: Desk) -> None:
    results = desk.apply([SPEC_EXAMPLE[0], "", "  ", SPEC_EXAMPLE[1]])
    assert [r.line for r in results] == [1, 4]


def test_record_line_key_becomes_the_id_and_must_be_free(desk: Desk) -> None:
    results = desk.apply([SPEC_EXAMPLE[0], SPEC_EXAMPLE[0]])
    assert results[1].code == "duplicate_ticket"


def test_small_chunks_give_the_same_result(config, clock) -> None:
    from propdesk.adapters.memory import MemoryStore

    lines = [*SPEC_EXAMPLE, line(at="2026-03-02T09:06:00+08:00", cmd="acknowledge",
                                 ticket="A1", by="eng-zhao")]
    a = Desk(config, MemoryStore(), clock=clock)
    b = Desk(config, MemoryStore(), clock=clock)
    a.apply(lines, chunk=1)
    b.apply(lines, chunk=1000)
    assert a.events_of("A1") == b.events_of("A1")


def test_routing_in_a_batch_counts_open_work_orders_as_it_goes(desk: Desk) -> None:
    lines = []
    for i in range(4):
        lines.append(line(at=f"2026-03-02T10:0{i}:10+08:00", cmd="record", ticket=f"R{i}",
                          received_at=f"2026-03-02T10:0{i}:00+08:00", source="owner_call",
                          by="desk-wang", content="灯不亮", mode="immediate", location="x",
                          contact="x", phone="13800000000"))
        lines.append(line(at=f"2026-03-02T10:0{i}:30+08:00", cmd="dispatch", ticket=f"R{i}",
                          category="engineering", by="desk-wang"))
    assert all(r.ok for r in desk.apply(lines))
    assignees = [desk.ticket(f"R{i}").assignee for i in range(4)]
    assert sorted(assignees) == ["eng-liu", "eng-liu", "eng-zhao", "eng-zhao"]


def test_received_at_defaults_to_at_in_a_record_line(desk: Desk) -> None:
    """As on the command line, a record line without ``received_at`` was received
    when it was recorded."""
    raw = json.loads(SPEC_EXAMPLE[0])
    del raw["received_at"]
    results = desk.apply([json.dumps(raw, ensure_ascii=False)])
    assert results[0].ok, results[0]
    t = desk.ticket("A1")
    assert t.received_at == datetime.fromisoformat(raw["at"])


def test_the_fast_content_digest_equals_the_command_digest() -> None:
    """Batch lines get their id from content_digest; it must be command_digest's
    value (the digest a repeated command_id is checked against)."""
    import sys
    from decimal import Decimal
    from pathlib import Path

    from propdesk.desk import command_digest, content_digest
    from propdesk.domain import commands as c

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import workload  # type: ignore[import-not-found]

    at = datetime.fromisoformat("2026-03-02T09:00:00+08:00")
    extra = [
        c.Plan(ticket="A", by="x", at=at, fees=(c.FeeItem(code="E01", qty=Decimal("2")),
                                                c.FeeItem(code="X", qty="1", name="别的",
                                                          price=Decimal("9.90"))),
               override_by="eng-chief"),
        c.Complete(ticket="A", by="x", at=at, workers=("a", "b"),
                   materials=(c.MaterialItem(name="水龙头", qty=3),), charge=Decimal("1.50")),
        c.Record(ticket="A", by="x", at=at, received_at=at, source="online", content="c",
                 mode="immediate", major_incident=True),
        c.Escalate(ticket="A", by="x", at=datetime(2026, 3, 2, 9), level=1, reason="naive"),
        c.Amend(ticket="A", by="x", at=at, field="phone", value=None, reason="r",
                command_id="given"),
    ]
    commands = [*workload.commands(60), *extra]
    assert {type(x) for x in commands} >= {c.Record, c.Dispatch, c.Callback, c.Plan}
    for cmd in commands:
        assert content_digest(cmd) == command_digest(cmd), cmd

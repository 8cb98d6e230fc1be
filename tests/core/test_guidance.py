"""``next_step``: the next step of the procedure for every state and mode,
table-driven (issue 19, point 8).  Each row follows the guidance from the
record to the end through the real Desk: at each point the step is one of
the commands allowed, and doing it leads to the next row's step."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import at

from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.enums import CommandName as C
from propdesk.domain.enums import State
from propdesk.domain.guidance import next_step, step_actor, step_reason

OWNER = dict(source="owner_call", content="厨房水管漏水", location="5-1-1202",
             contact="李女士", phone="13800000000", area="A")
REPAIR = [C.DISPATCH, C.CONFIRM, C.ACKNOWLEDGE, C.ARRIVE, C.DIAGNOSE, C.PLAN, C.AGREE,
          C.COMPLETE, C.ACCEPT, C.RETURN, C.CALLBACK, C.CLOSE]

ROWS: list[tuple[str, dict[str, Any], list[C]]] = [
    ("immediate repair, replied at the record",
     dict(OWNER, mode="immediate", category="engineering", reply="马上安排"), REPAIR),
    ("immediate, no reply yet, not classified",
     dict(OWNER, mode="immediate"), [C.REPLY, C.CLASSIFY, *REPAIR]),
    ("appointment: sign before, call the owner 15 minutes before, then arrive",
     dict(OWNER, mode="appointment", category="engineering", reply="约好下午",
          appointment_at=at(180)),
     [C.DISPATCH, C.CONFIRM, C.ACKNOWLEDGE, C.CONTACT_OWNER, C.ARRIVE, C.DIAGNOSE, C.PLAN,
      C.AGREE, C.COMPLETE, C.ACCEPT, C.RETURN, C.CALLBACK, C.CLOSE]),
    ("emergency: dispatch first, reply, site first, sign after the first stage",
     dict(OWNER, mode="emergency", category="engineering"),
     [C.DISPATCH, C.REPLY, C.CONFIRM, C.ARRIVE, C.DIAGNOSE, C.PLAN, C.AGREE, C.COMPLETE,
      C.ACCEPT, C.ACKNOWLEDGE, C.RETURN, C.CALLBACK, C.CLOSE]),
    ("emergency not classified: dispatch names the category",
     dict(OWNER, mode="emergency", reply="马上到"),
     [C.DISPATCH, C.CONFIRM, C.ARRIVE, C.DIAGNOSE, C.PLAN, C.AGREE, C.COMPLETE, C.ACCEPT,
      C.ACKNOWLEDGE, C.RETURN, C.CALLBACK, C.CLOSE]),
    ("inquiry: the desk answers it itself",
     dict(OWNER, mode="immediate", category="inquiry", reply="请稍等"),
     [C.COMPLETE, C.CALLBACK, C.CLOSE]),
    ("help, internal source: no reply owed, the desk resolves it",
     dict(source="property_internal", content="借梯子", mode="immediate", category="help"),
     [C.COMPLETE, C.CALLBACK, C.CLOSE]),
]


def perform(desk: Desk, step: C, minute: float) -> None:
    t = desk.ticket("G1")
    who = step_actor(t, step) or "desk-wang"
    args: dict[str, Any] = {"ticket": "G1", "by": who, "at": at(minute)}
    extra: dict[C, dict[str, Any]] = {
        C.REPLY: {"text": "收到"}, C.CLASSIFY: {"category": "engineering"},
        C.DISPATCH: {} if t.category else {"category": "engineering"},
        C.DIAGNOSE: {"diagnosis": "阀芯损坏"}, C.ACCEPT: {"signer": "李女士"},
        C.CALLBACK: {"fixed": True, "satisfaction": "satisfied"},
        C.ESCALATE: {"level": max(t.escalation_level, 0) + 1, "reason": "需主管协调"},
    }
    desk.handle(c.COMMAND_TYPES[step](**args, **extra.get(step, {})))


@pytest.mark.parametrize(("name", "record", "steps"), ROWS, ids=[r[0] for r in ROWS])
def test_following_the_next_step_runs_the_whole_procedure(
    desk: Desk, name: str, record: dict[str, Any], steps: list[C]
) -> None:
    desk.handle(c.Record(ticket="G1", by="desk-wang", at=at(0.5), received_at=at(0), **record))
    taken: list[C] = []
    minute = 0.5
    while (step := next_step(desk.ticket("G1"))) is not None and len(taken) < 20:
        t = desk.ticket("G1")
        assert step in desk.allowed("G1"), (name, t.state, step)
        zh, en = step_reason(t, step)
        assert zh and en and zh != en
        taken.append(step)
        minute += 0.5
        perform(desk, step, minute)
    assert taken == steps
    assert desk.ticket("G1").state is State.CLOSED


def test_an_unreported_inability_asks_for_the_escalation(desk: Desk, drive: Any) -> None:
    d = drive().to("on_site")
    assert next_step(desk.ticket("A1")) is C.DIAGNOSE
    d.do(c.UnableToHandle, by=d.assignee, reason="需更换主管道")
    t = desk.ticket("A1")
    assert next_step(t) is C.ESCALATE and step_actor(t, C.ESCALATE) is None
    assert "S-11" in step_reason(t, C.ESCALATE)[1]
    d.do(c.Escalate, by="desk-wang", level=1, reason="上报主管")
    assert next_step(desk.ticket("A1")) is C.DIAGNOSE


def test_a_disputed_charge_is_escalated_then_called_back(desk: Desk, drive: Any) -> None:
    d = drive().to("returned")
    d.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied", charge_ok=False)
    t = desk.ticket("A1")
    assert t.state is State.RETURNED and next_step(t) is C.ESCALATE
    assert "R-41" in step_reason(t, C.ESCALATE)[1]
    d.do(c.Escalate, by="desk-wang", level=1, reason="收费争议")
    assert next_step(desk.ticket("A1")) is C.CALLBACK


def test_rework_dispatches_again_even_for_a_desk_category(desk: Desk, drive: Any) -> None:
    d = drive(category="help").to("completed")
    d.do(c.Reject, by=d.assignee, signer="李女士")
    assert next_step(desk.ticket("A1")) is C.DISPATCH


def test_who_takes_the_step(desk: Desk, drive: Any) -> None:
    d = drive().to("dispatched")
    t = desk.ticket("A1")
    assert step_actor(t, C.CONFIRM) == d.assignee and step_actor(t, C.REPLY) is None
    d.to("in_progress")
    assert step_actor(desk.ticket("A1"), C.COMPLETE) == d.assignee


def test_no_step_once_closed_or_cancelled(desk: Desk, drive: Any) -> None:
    drive().to("closed")
    assert next_step(desk.ticket("A1")) is None
    d = drive(ticket="B1").record()
    d.do(c.Cancel, by="desk-wang", reason="业主自行解决", confirmed_by_source=True)
    assert next_step(desk.ticket("B1")) is None

"""Issue 16/19: a command built in Python with a field of the wrong type is refused
by the shell's type pass (``invalid_type`` naming the field, or the money parsers'
codes), before the domain sees it, so every build refuses it the same way, through
``Desk.handle`` and through ``Desk.apply_commands``; nothing is written."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.conftest import Driver, at

from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.errors import DomainError

BY = "desk-wang"


def _record(**kw: Any) -> c.Command:
    args: dict[str, Any] = dict(ticket="N1", by=BY, at=at(30), received_at=at(29),
                                source="owner_call", content="漏水", mode="immediate",
                                phone="13800000000")
    args.update(kw)
    return c.Record(**args)


# (command, expected code, expected field); the ticket A1 is in_progress
MALFORMED: list[tuple[c.Command, str, str]] = [
    # str
    (c.Reply(ticket="A1", by=BY, at=at(30), text=123), "invalid_type", "text"),  # type: ignore[arg-type]
    (c.FollowUp(ticket="A1", by=BY, at=at(30), note=["a", "b"]), "invalid_type", "note"),  # type: ignore[arg-type]
    (c.FollowUp(ticket="A1", by=None, at=at(30), note="x"), "invalid_type", "by"),  # type: ignore[arg-type]
    (c.FollowUp(ticket=7, by=BY, at=at(30), note="x"), "invalid_type", "ticket"),  # type: ignore[arg-type]
    (c.FollowUp(ticket="A1", by=BY, at=at(30), note="x", command_id=5), "invalid_type",  # type: ignore[arg-type]
     "command_id"),
    (_record(contact=42), "invalid_type", "contact"),
    (c.Amend(ticket="A1", by=BY, at=at(30), field="location", value=12, reason="r"),  # type: ignore[arg-type]
     "invalid_type", "value"),
    # int
    (c.Escalate(ticket="A1", by=BY, at=at(30), level="1", reason="r"), "invalid_type",  # type: ignore[arg-type]
     "level"),
    (c.Escalate(ticket="A1", by=BY, at=at(30), level=True, reason="r"), "invalid_type",
     "level"),
    (c.Escalate(ticket="A1", by=BY, at=at(30), level=1.0, reason="r"), "invalid_type",  # type: ignore[arg-type]
     "level"),
    # bool
    (_record(major_incident="yes"), "invalid_type", "major_incident"),
    (_record(major_incident=1), "invalid_type", "major_incident"),
    (c.Cancel(ticket="A1", by=BY, at=at(30), reason="r", confirmed_by_source="true"),  # type: ignore[arg-type]
     "invalid_type", "confirmed_by_source"),
    # datetime
    (c.FollowUp(ticket="A1", by=BY, at="2026-03-02T09:30:00+08:00", note="x"),  # type: ignore[arg-type]
     "invalid_type", "at"),
    (_record(received_at=1772413800), "invalid_type", "received_at"),
    (_record(appointment_at="tomorrow"), "invalid_type", "appointment_at"),
    # Decimal (money and quantities: the money parsers' codes)
    (c.Complete(ticket="A1", by="eng-zhao", at=at(30), charge=30.5), "invalid_money",  # type: ignore[arg-type]
     "charge"),
    (c.Complete(ticket="A1", by="eng-zhao", at=at(30), charge=[30]), "invalid_money",  # type: ignore[arg-type]
     "charge"),
    # lists of fee lines, materials, people
    (c.Plan(ticket="A1", by="eng-zhao", at=at(30), fees="E01"), "invalid_type", "fees"),  # type: ignore[arg-type]
    (c.Plan(ticket="A1", by="eng-zhao", at=at(30), fees=("E01",)), "invalid_type",  # type: ignore[arg-type]
     "fees[0]"),
    (c.Plan(ticket="A1", by="eng-zhao", at=at(30), fees=(c.FeeItem(code=1),)),  # type: ignore[arg-type]
     "invalid_type", "fees[0].code"),
    (c.Complete(ticket="A1", by="eng-zhao", at=at(30), materials=({"name": "阀芯"},)),  # type: ignore[arg-type]
     "invalid_type", "materials[0]"),
    (c.Complete(ticket="A1", by="eng-zhao", at=at(30), workers=("eng-zhao", 3)),  # type: ignore[arg-type]
     "invalid_type", "workers[1]"),
    (c.Complete(ticket="A1", by="eng-zhao", at=at(30), workers="eng-zhao"),  # type: ignore[arg-type]
     "invalid_type", "workers"),
    # enum-valued text
    (_record(source=3), "invalid_type", "source"),
    (_record(mode=None), "invalid_type", "mode"),
    (c.Callback(ticket="A1", by=BY, at=at(30), fixed=True, satisfaction=5),  # type: ignore[arg-type]
     "invalid_type", "satisfaction"),
    (c.Callback(ticket="A1", by=BY, at=at(30), fixed=True, satisfaction="satisfied",
                channel=None), "invalid_type", "channel"),  # type: ignore[arg-type]
]


@pytest.fixture
def busy(drive: Any) -> Driver:
    d: Driver = drive().to("in_progress")
    assert d.assignee == "eng-zhao"
    return d


@pytest.mark.parametrize("cmd,code,field", MALFORMED,
                         ids=[f"{type(m[0]).__name__}-{m[2]}" for m in MALFORMED])
def test_malformed_command_is_a_domain_error(busy: Driver, cmd: c.Command, code: str,
                                             field: str) -> None:
    desk: Desk = busy.desk
    head = desk.store.head()
    with pytest.raises(DomainError) as info:
        desk.handle(cmd)
    err = info.value
    assert (err.code, err.params.get("field")) == (code, field), err
    assert desk.store.head() == head
    zh = err.message("zh")
    assert field in zh and "?" not in zh and "expected" not in zh
    # the batch path of the API gives the same refusal
    [result] = desk.apply_commands([(1, cmd)])
    assert not result.ok and result.code == code and result.error == err.message("en")
    assert desk.store.head() == head


def test_an_object_that_is_no_command_is_refused(desk: Desk) -> None:
    with pytest.raises(DomainError) as info:
        desk.handle({"cmd": "reply"})  # type: ignore[arg-type]
    assert info.value.code == "invalid_type" and info.value.params["field"] == "command"


def test_lists_for_tuples_are_taken_as_tuples(busy: Driver) -> None:
    """A list where the class declares a tuple is the same value: accepted."""
    result = busy.desk.handle(c.Complete(ticket="A1", by="eng-zhao", at=at(30),
                                         workers=["eng-zhao"],  # type: ignore[arg-type]
                                         materials=[c.MaterialItem(name="阀芯")],  # type: ignore[arg-type]
                                         charge=Decimal("30.00")))
    assert result.ticket.state.value == "completed"


def test_well_typed_values_of_every_kind_pass(desk: Desk) -> None:
    t = desk.handle(_record(ticket="W1", major_incident=False, contact="李女士",
                            appointment_at=None, at=datetime.fromisoformat(
                                "2026-03-02T09:30:00+08:00")))
    assert t.ticket.id == "W1"


UNSAFE: list[tuple[c.Command, str]] = [
    (c.FollowUp(ticket="A1", by=BY, at=at(30), note="ok\u202eko"), "note"),
    (c.Plan(ticket="A1", by="eng-zhao", at=at(30), override_by="sup-chen",
            fees=(c.FeeItem(code="X9", qty="1", name="阀\x1b[2J", price="5.00"),)),
     "fees[0].name"),
    (c.Complete(ticket="A1", by="eng-zhao", at=at(30), workers=("eng-zhao\x00",)),
     "workers[0]"),
    (c.Amend(ticket="A1", by=BY, at=at(30), field="location", value="5-1\n1202", reason="r"),
     "value"),
    (c.Amend(ticket="A1", by=BY, at=at(30), field="content", value="两行\n第二\u2067行",
             reason="r"), "value"),
    (_record(ticket="N\u202e1"), "ticket"),
]


@pytest.mark.parametrize("cmd,field", UNSAFE, ids=[m[1] for m in UNSAFE])
def test_control_characters_are_refused_in_every_text(busy: Driver, cmd: c.Command,
                                                      field: str) -> None:
    head = busy.desk.store.head()
    with pytest.raises(DomainError) as info:
        busy.desk.handle(cmd)
    assert (info.value.code, info.value.params["field"]) == ("control_character", field)
    assert busy.desk.store.head() == head


def test_an_amended_content_may_have_several_lines(busy: Driver) -> None:
    busy.desk.handle(c.Amend(ticket="A1", by=BY, at=at(30), field="content",
                             value="厨房水管漏水\n\t已关总阀", reason="补充"))

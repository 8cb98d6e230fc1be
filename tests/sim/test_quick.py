"""``propdesk.sim.quick.command`` makes the commands attrs' ``__init__`` makes."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from propdesk.domain import commands as c
from propdesk.sim.quick import command

AT = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize("cls", [c.Confirm, c.Acknowledge, c.ContactOwner, c.Arrive, c.Plan,
                                 c.Agree, c.Complete, c.Return])
def test_command_is_what_the_class_makes(cls: type[c.Command]) -> None:
    made = command(cls, "A1", "eng-zhao", AT)
    expected = cls(ticket="A1", by="eng-zhao", at=AT)
    assert type(made) is cls
    assert made == expected and repr(made) == repr(expected)
    assert list(vars(made).items()) == list(vars(expected).items())
    assert hash(made) == hash(expected)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.by = "x"  # type: ignore[misc]
    # each call makes its own dict
    assert vars(command(cls, "A2", "eng-zhao", AT)) is not vars(made)
    assert made.ticket == "A1"


@pytest.mark.parametrize(("cls", "fields"), [
    (c.Record, {"received_at": AT, "source": "phone", "content": "漏水", "mode": "immediate",
                "location": "1-101", "reply": "已收到"}),
    (c.Dispatch, {"category": "engineering"}),
    (c.Classify, {"category": "cleaning"}),
    (c.Diagnose, {"diagnosis": "现场诊断"}),
    (c.Callback, {"fixed": True, "satisfaction": "satisfied", "close": True}),
    (c.Accept, {"signer": "业主", "owner_copy": True}),
    (c.Reject, {"signer": "业主", "opinion": "不合格"}),
    (c.Escalate, {"level": 1, "reason": "上报"}),
    (c.Plan, {"fees": (c.FeeItem(code="F1", qty="1"),)}),
])
def test_command_with_fields_is_what_the_class_makes(cls: type[c.Command],
                                                     fields: dict[str, object]) -> None:
    made = command(cls, "A1", "eng-zhao", AT, dict(fields))
    expected = cls(ticket="A1", by="eng-zhao", at=AT, **fields)
    assert type(made) is cls
    assert made == expected and repr(made) == repr(expected)
    assert list(vars(made).items()) == list(vars(expected).items())


def test_command_refuses_what_needs_init() -> None:
    with pytest.raises(TypeError, match="diagnosis"):
        command(c.Diagnose, "A1", "eng-zhao", AT)  # a required field
    with pytest.raises(TypeError, match="category must be given"):
        command(c.Classify, "A1", "desk-wang", AT, {})
    with pytest.raises(TypeError, match="text"):
        command(c.Reply, "A1", "desk-wang", AT)
    with pytest.raises(TypeError, match="no field colour"):
        command(c.Dispatch, "A1", "desk-wang", AT, {"category": "cleaning", "colour": "red"})
    diagnosed = command(c.Diagnose, "A1", "eng-zhao", AT, {"diagnosis": "ok"})
    assert diagnosed.diagnosis == "ok"  # the refusals left the class usable

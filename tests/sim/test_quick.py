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


def test_command_refuses_what_needs_init() -> None:
    with pytest.raises(TypeError, match="diagnosis"):
        command(c.Diagnose, "A1", "eng-zhao", AT)  # a required field
    with pytest.raises(TypeError, match="text"):
        command(c.Reply, "A1", "desk-wang", AT)

"""The private constructors of ``propdesk.domain._fast`` build what the classes'
own constructors build, in both builds (CI runs this on the compiled build too)."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from propdesk.domain import _fast
from propdesk.domain.enums import Mode, Source, State
from propdesk.domain.events import Event, make_event
from propdesk.domain.facts import TicketFacts
from propdesk.domain.model import CallbackResult, SentReply, Ticket, WorkOrder
from propdesk.domain.routing import RouteChoice
from propdesk.domain.sla import RuleClock

AT = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize(("cls", "args"), [
    (Event, ("A1", 3, "confirm", AT, "eng-zhao", {"work_order": 1})),
    (SentReply, (AT, "desk-wang", "已派修", True)),
    (CallbackResult, (AT, "desk-wang", True, "satisfied", None, "phone", "passed", False)),
    (RouteChoice, ("eng-zhao", "engineering", {"rule": "duty"})),
    (TicketFacts, ("A1", AT, "owner_call", "engineering", False, True, False, False,
                   ("S-1",), "satisfied", True, True, False, True, True, True, False,
                   False, (), "engineering", "eng-zhao", None, (), True, True, False)),
])
def test_positional_builds_what_the_class_builds(cls: type, args: tuple[object, ...]) -> None:
    make = _fast.positional(cls)
    made = make(*args)
    assert type(made) is cls
    assert made == cls(*args) and repr(made) == repr(cls(*args))
    assert attrs.astuple(made, recurse=False) == args
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(made, attrs.fields(cls)[0].name, args[0])
    with pytest.raises(TypeError):  # every field, no more, no fewer (both builds)
        make(*args[:-1])
    with pytest.raises(TypeError):
        make(*args, None)


def test_make_event_is_the_constructor() -> None:
    args = ("A1", 3, "arrive", AT, "eng-zhao", {"work_order": 1})
    made = make_event(*args)
    assert made == Event(*args) and repr(made) == repr(Event(*args))
    assert attrs.astuple(made, recurse=False) == args


def test_positional_refuses_checked_and_dict_backed_classes() -> None:
    @attrs.frozen
    class Checked:
        n: int = attrs.field(validator=attrs.validators.instance_of(int))

    with pytest.raises(TypeError, match="validator"):
        _fast.positional(Checked)

    @attrs.frozen(slots=False)
    class DictBacked:
        n: int

    with pytest.raises(TypeError, match="not a slotted class"):
        _fast.positional(DictBacked)


def test_dict_installer_installs_the_instance_dict() -> None:
    @attrs.frozen(slots=False)
    class Base:
        n: int

    @attrs.frozen(slots=False)
    class Child(Base):
        m: int = 0

    values = {"n": 1, "m": 2}
    made = object.__new__(Child)
    _fast.dict_installer(Child)(made, values)  # the descriptor is inherited from Base
    assert made == Child(n=1, m=2) and vars(made) is values
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.n = 3  # type: ignore[misc]

    @attrs.frozen
    class Slotted:
        n: int

    with pytest.raises(TypeError, match="not a dict-backed class"):
        _fast.dict_installer(Slotted)


def test_named_tuple_is_the_constructor() -> None:
    clock = _fast.named_tuple(RuleClock)(("S-1", 1, 1, AT, AT, None, None, None, None))
    expected = RuleClock("S-1", 1, 1, AT, AT, None, None, None, None)
    assert type(clock) is RuleClock and clock == expected and repr(clock) == repr(expected)
    assert clock.start == AT and clock.hold is None
    with pytest.raises(TypeError, match="not a named tuple class"):
        _fast.named_tuple(WorkOrder)


def test_replacer_is_attrs_evolve() -> None:
    wo = WorkOrder(number=1, cycle=1, assignee="eng-zhao", dispatched_at=AT,
                   mode=Mode.IMMEDIATE)
    ticket = Ticket(id="A1", version=2, state=State.DISPATCHED, last_at=AT,
                    source=Source.OWNER_CALL, first_receiver="desk-wang",
                    recorded_by="desk-wang", originated_at=AT, received_at=AT, recorded_at=AT,
                    content="漏水", mode=Mode.IMMEDIATE, work_orders=(wo,))
    changed = _fast.replacer(WorkOrder)(wo, {"confirmed_at": AT})
    assert changed == attrs.evolve(wo, confirmed_at=AT)
    assert list(vars(changed)) == list(vars(wo))  # the instance dict in field order
    assert wo.confirmed_at is None  # the original is untouched
    t2 = _fast.replacer(Ticket)(ticket, {"version": 3, "work_orders": (changed,)})
    assert t2 == attrs.evolve(ticket, version=3, work_orders=(changed,))
    assert type(t2) is Ticket and ticket.version == 2

    @attrs.frozen
    class Pair:
        a: int
        b: int

    assert _fast.replacer(Pair)(Pair(1, 2), {"b": 3}) == Pair(1, 3)

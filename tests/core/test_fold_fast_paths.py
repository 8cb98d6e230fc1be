"""The fold's written-out fast paths (``fold._stamp``, ``fold._build``) give the
tickets the general, attrs-based construction gives (R-31: state from events)."""

from __future__ import annotations

from datetime import timedelta

import attrs
import pytest
from tests.conftest import Driver

from propdesk.domain.enums import State
from propdesk.domain.events import Event
from propdesk.domain.fold import _WO_BLANK, evolve, fold
from propdesk.domain.model import Ticket, WorkOrder


def _same(a: object, b: object) -> None:
    # equal field by field, and the instance dicts in field order (as __init__ makes them)
    assert a == b
    assert list(vars(a)) == [f.name for f in attrs.fields(type(a))]  # type: ignore[arg-type]
    assert list(vars(a)) == list(vars(b))


def test_record_and_dispatch_build_what_init_builds(drive) -> None:
    d: Driver = drive().to("dispatched")
    events = list(d.desk.events_of("A1"))
    t = fold(events[:1])
    assert t is not None
    _same(t, Ticket(**{f.name: getattr(t, f.name) for f in attrs.fields(Ticket)}))
    t2 = evolve(t, events[1])
    wo = t2.work_orders[-1]
    _same(wo, WorkOrder(**{f.name: getattr(wo, f.name) for f in attrs.fields(WorkOrder)}))
    assert wo.routing == events[1].data["routing"]
    assert wo.routing is not events[1].data["routing"]  # a copy, not the event's dict
    assert _WO_BLANK["routing"] == {}  # the shared defaults are never written to


def test_stamps_match_attrs_evolve(drive) -> None:
    d: Driver = drive().to("closed")
    events = list(d.desk.events_of("A1"))
    ticket = None
    for e in events:
        before = ticket
        ticket = evolve(ticket, e)
        if before is None or e.kind not in ("confirm", "acknowledge", "contact_owner",
                                            "arrive", "diagnose", "agree", "return"):
            continue
        wo = before.work_orders[-1]
        field = {"confirm": "confirmed_at", "acknowledge": "acknowledged_at",
                 "contact_owner": "contacted_at", "arrive": "arrived_at",
                 "diagnose": "diagnosed_at", "agree": "agreed_at",
                 "return": "returned_at"}[e.kind]
        changes: dict[str, object] = {field: getattr(wo, field) or e.at}
        if e.kind == "diagnose":
            changes["diagnosis"] = e.data["diagnosis"]
        if e.kind == "agree":
            changes["schedule_shown"] = bool(e.data.get("schedule_shown"))
        expected = attrs.evolve(before, work_orders=(
            *before.work_orders[:-1], attrs.evolve(wo, **changes)),  # type: ignore[arg-type]
            version=e.version, last_at=e.at)
        state = {"confirm": State.CONFIRMED, "arrive": State.ON_SITE,
                 "agree": State.IN_PROGRESS, "return": State.RETURNED}.get(e.kind)
        if e.kind == "acknowledge" and before.state is State.CONFIRMED:
            state = State.ACKNOWLEDGED
        if state is not None:
            expected = attrs.evolve(expected, state=state)
        _same(ticket, expected)


def test_repeated_sign_keeps_the_first_time(drive) -> None:
    d: Driver = drive().to("acknowledged")
    events = list(d.desk.events_of("A1"))
    t = fold(events)
    assert t is not None
    first = t.work_orders[-1].acknowledged_at
    again = Event("A1", t.version + 1, "acknowledge", t.last_at + timedelta(minutes=5),
                  events[-1].by, {"work_order": 1})
    t2 = evolve(t, again)
    assert first is not None and t2.work_orders[-1].acknowledged_at == first
    assert t2.state is State.ACKNOWLEDGED and t2.version == t.version + 1
    assert t.work_orders[-1].acknowledged_at == first  # the old value is untouched


def test_make_event_is_the_constructor() -> None:
    from datetime import UTC, datetime

    from propdesk.domain.events import make_event

    at = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)
    args = ("A1", 3, "arrive", at, "eng-zhao", {"work_order": 1})
    made, built = make_event(*args), Event(*args)
    assert made == built and repr(made) == repr(built)
    assert attrs.astuple(made, recurse=False) == args
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.kind = "x"  # type: ignore[misc]


def test_first_unguarded_row_is_first_row(drive) -> None:
    from propdesk.domain.enums import CommandName
    from propdesk.domain.lifecycle import FIRST_UNGUARDED, first_row

    d: Driver = drive().to("closed")
    ticket = None
    resolvable = frozenset({"inquiry"})
    seen = 0
    for e in d.desk.events_of("A1"):
        ticket = evolve(ticket, e)
        for name in CommandName:
            row = FIRST_UNGUARDED.get((name, ticket.state))
            if row is not None:
                seen += 1
                assert row is first_row(ticket, name, resolvable)
    assert seen > 20


def test_slot_maker_builds_what_the_class_builds() -> None:
    from datetime import UTC, datetime

    from propdesk.domain.kpi import TicketFacts
    from propdesk.domain.makers import slot_maker
    from propdesk.domain.model import Callback

    at = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)
    for cls, args in (
        (Callback, (at, "desk-wang", True, "satisfied", None, "phone", "passed", None)),
        (TicketFacts, ("A1", at, "owner_call", "engineering", False, True, False, False,
                       ("S-1",), "satisfied", True, True, False, True, True, True, False,
                       False, (), "engineering", "eng-zhao", None, (), True, True, False)),
    ):
        made = slot_maker(cls)(*args)
        assert made == cls(*args) and repr(made) == repr(cls(*args))
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            made.at = at  # type: ignore[attr-defined]
        with pytest.raises(TypeError):  # every field, no more, no fewer (both builds)
            slot_maker(cls)(*args[:-1])
        with pytest.raises(TypeError):
            slot_maker(cls)(*args, None)


def test_make_event_builds_what_the_class_builds() -> None:
    from datetime import UTC, datetime

    from propdesk.domain.events import Event, make_event

    at = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)
    args = ("A1", 3, "confirm", at, "eng-zhao", {"work_order": 1})
    assert all(a.validator is None and a.converter is None for a in attrs.fields(Event))
    assert [a.name for a in attrs.fields(Event)] == [
        "ticket", "version", "kind", "at", "by", "data"]
    made = make_event(*args)
    assert made == Event(*args) and repr(made) == repr(Event(*args))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.kind = "arrive"  # type: ignore[misc]


def test_the_hot_record_makers_build_what_the_classes_build() -> None:
    # fold's replies and callbacks, routing's choices: set past the frozen
    # __setattr__ (object.__setattr__ compiled, the slots' setters in Python)
    from datetime import UTC, datetime

    from propdesk.domain.fold import _make_callback, _make_reply
    from propdesk.domain.model import Callback, Reply
    from propdesk.domain.routing import RouteChoice, _make_choice

    at = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)
    for make, cls, args in (
        (_make_reply, Reply, (at, "desk-wang", "已派修", True)),
        (_make_callback, Callback,
         (at, "desk-wang", True, "satisfied", None, "phone", "passed", False)),
        (_make_choice, RouteChoice, ("eng-zhao", "engineering", {"rule": "duty"})),
    ):
        assert all(a.validator is None and a.converter is None for a in attrs.fields(cls))
        made = make(*args)
        assert made == cls(*args) and repr(made) == repr(cls(*args))
        assert attrs.astuple(made, recurse=False) == args
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(made, attrs.fields(cls)[0].name, args[0])


def test_slot_maker_refuses_checked_fields() -> None:
    from propdesk.domain.makers import slot_maker

    @attrs.frozen
    class Checked:
        n: int = attrs.field(validator=attrs.validators.instance_of(int))

    with pytest.raises(TypeError, match="validator"):
        slot_maker(Checked)

    @attrs.frozen(slots=False)
    class DictBacked:
        n: int

    with pytest.raises(TypeError, match="not a slotted class"):
        slot_maker(DictBacked)


def test_dict_setter_installs_the_instance_dict() -> None:
    from propdesk.domain.makers import dict_setter

    @attrs.frozen(slots=False)
    class Base:
        n: int

    @attrs.frozen(slots=False)
    class Child(Base):
        m: int = 0

    made = object.__new__(Child)
    values = {"n": 1, "m": 2}
    dict_setter(Child)(made, values)  # the descriptor is inherited from Base
    assert made == Child(n=1, m=2) and vars(made) is values
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.n = 3  # type: ignore[misc]
    with pytest.raises(TypeError):  # the descriptor checks the instance's class
        dict_setter(Child)(object(), {"n": 1})

    @attrs.frozen
    class Slotted:
        n: int

    with pytest.raises(TypeError, match="not a dict-backed class"):
        dict_setter(Slotted)

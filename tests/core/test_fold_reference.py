"""``fold`` against a slow, plain reference (tests/core/reference_fold.py, built
on ``attrs.evolve`` and the lifecycle table), under Hypothesis: for every event
of random histories the ticket after it is the reference's, and its state is
the target of the lifecycle table's row the event followed (R-31, one
transition table)."""

from __future__ import annotations

from datetime import timedelta

import attrs
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant
from tests.conftest import Driver
from tests.core.reference_fold import reference_evolve, reference_fold, table_row
from tests.core.test_lifecycle_machine import LifecycleMachine

from propdesk.domain.enums import CommandName, State
from propdesk.domain.events import Event
from propdesk.domain.fold import evolve, fold
from propdesk.domain.lifecycle import FIRST_UNGUARDED, first_row
from propdesk.domain.model import Ticket


def _same(a: Ticket, b: Ticket) -> None:
    # equal field by field, and the instance dicts in field order (as __init__ makes them)
    assert a == b
    assert list(vars(a)) == [f.name for f in attrs.fields(Ticket)] == list(vars(b))
    for wa, wb in zip(a.work_orders, b.work_orders, strict=True):
        assert list(vars(wa)) == list(vars(wb))


class FoldAgainstReference(LifecycleMachine):
    """The lifecycle machine's random histories, each event checked."""

    @invariant()
    def fold_is_the_reference(self) -> None:
        for tid in self.first_receivers:
            ticket = None
            for e in self.desk.events_of(tid):
                if ticket is not None:
                    target = table_row(ticket, e).target
                    after = evolve(ticket, e)
                    assert after.state is (ticket.state if target is None else target), e
                else:
                    after = evolve(None, e)
                _same(after, reference_evolve(ticket, e))
                ticket = after


FoldAgainstReference.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestFoldAgainstReference = FoldAgainstReference.TestCase


def test_every_path_of_the_driver_agrees(drive) -> None:
    # the main path, the emergency path and the desk's own resolution
    for ticket, kw, to in (("A1", {}, "closed"), ("E1", {"mode": "emergency"}, "closed"),
                           ("Q1", {"category": "inquiry"}, "returned")):
        d: Driver = drive(ticket, **kw).to(to)
        events = list(d.desk.events_of(ticket))
        got, expected = fold(events), reference_fold(events)
        assert got is not None and expected is not None
        _same(got, expected)


def test_dispatch_copies_the_routing(drive) -> None:
    d: Driver = drive().to("dispatched")
    events = list(d.desk.events_of("A1"))
    t = fold(events)
    assert t is not None
    assert t.work_orders[-1].routing == events[1].data["routing"]
    assert t.work_orders[-1].routing is not events[1].data["routing"]


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


def test_first_unguarded_row_is_first_row(drive) -> None:
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

"""The SLA engine as one package: one outcome function under every view of it,
named clocks and outcomes, and the earlier import paths kept."""

from __future__ import annotations

from collections.abc import Callable

from tests.sla.slahelp import TicketBuilder, t

import propdesk.domain.sla as sla
from propdesk.domain import commands as c
from propdesk.domain.sla import SlaRules


def _tickets(new: Callable[..., TicketBuilder]) -> list[TicketBuilder]:
    slow = new("A1").record(0).to_in_progress(200, step=400)  # S-3, S-9 … late
    slow.finish(3500)
    return [new("A0").record(0), slow, new("E1").record(0, mode="emergency").dispatch(30),
            new("Q1").record(0).do(c.Reply, 2000, text="已安排", answers=True)]


def test_every_view_of_an_outcome_is_the_same(new: Callable[..., TicketBuilder],
                                              rules: SlaRules) -> None:
    for builder in _tickets(new):
        for ticket in builder.history:
            for at in (t(60), t(1000), t(100_000)):
                clocks = sla.clocks(ticket, rules)
                outcomes = sla.evaluate(ticket, rules, at)
                assert outcomes == [sla.outcome_at(ticket.id, c, at) for c in clocks]
                assert all(o.ticket == ticket.id for o in outcomes)
                assert sla.statuses(ticket, rules, at) == [(o.rule, o.status) for o in outcomes]


def test_clocks_and_outcomes_are_named(new: Callable[..., TicketBuilder],
                                       rules: SlaRules) -> None:
    ticket = new("A1").record(0).dispatch(200).now
    clock = next(c for c in sla.clocks(ticket, rules) if c.rule == "S-3")
    assert isinstance(clock, sla.RuleClock)
    assert clock.start == t(0) and clock.stop is None and clock.hold == t(200)
    o = sla.outcome_at("A1", clock, t(300))
    assert isinstance(o, sla.Outcome)
    assert (o.rule, o.status, o.overrun_s, o.started_at) == ("S-3", "breached", 180, t(0))

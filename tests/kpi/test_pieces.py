"""Computing a period in pieces and summing numerators and denominators equals
computing it whole (as of the same end), for hand-made and random tickets."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.kpi.kpi_support import MARCH, Script, march_scenario, record_delay_breaches

from propdesk.domain import kpi

START, END = MARCH
SPAN = int((END - START).total_seconds())
ASSETS = ("a1", "a2", "a3")
_MARCH: list[Script] = []


def _pieces(cuts: list[int]) -> list[kpi.Period]:
    points = [START, *sorted({START + timedelta(seconds=c) for c in cuts}), END]
    points = sorted(set(points))
    return [kpi.Period(a, b) for a, b in itertools.pairwise(points)]


def _sum(tallies: list[kpi.Tally]) -> kpi.Tally:
    total = kpi.Tally()
    for t in tallies:
        total = total + t
    return total


def _same(whole: kpi.Tally, parts: kpi.Tally) -> None:
    assert +whole.num == +parts.num
    assert +whole.den == +parts.den
    assert whole.major_incidents == parts.major_incidents
    assert whole.received == parts.received
    assert +whole.by_category == +parts.by_category
    assert +whole.by_assignee == +parts.by_assignee
    assert +whole.breaches_by_rule == +parts.breaches_by_rule
    assert whole.down_seconds() == parts.down_seconds()


times = st.integers(-3 * 86400, SPAN + 3 * 86400).map(lambda s: START + timedelta(seconds=s))


@st.composite
def facts(draw: st.DrawFn) -> kpi.TicketFacts:
    received: datetime = draw(times)
    down = ()
    asset = draw(st.sampled_from((None, *ASSETS)))
    if asset is not None:
        n = draw(st.integers(1, 3))
        spans = []
        begin = received
        for _ in range(n):
            length = draw(st.one_of(st.none(), st.integers(1, 5 * 86400)))
            spans.append((begin, begin + timedelta(seconds=length) if length else None))
            if length is None:
                break
            begin = begin + timedelta(seconds=length + draw(st.integers(0, 86400)))
        down = tuple(spans)
    return kpi.TicketFacts(
        id=draw(st.text(min_size=1, max_size=4)),
        received_at=received,
        source=draw(st.sampled_from(("owner_call", "online", "superior"))),
        category=draw(st.sampled_from((None, "engineering", "complaint", "security",
                                       "inquiry"))),
        cancelled=draw(st.booleans()),
        complete=draw(st.booleans()),
        amended=draw(st.booleans()),
        reclassified=draw(st.booleans()),
        breaches=tuple(draw(st.lists(st.sampled_from(("S-1", "S-3", "S-9")), max_size=2))),
        last_satisfaction=draw(st.sampled_from((None, "satisfied", "dissatisfied"))),
        accepted=draw(st.booleans()),
        first_acceptance_passed=draw(st.booleans()),
        reworked=draw(st.booleans()),
        returned=draw(st.booleans()),
        called_back=draw(st.booleans()),
        closed=draw(st.booleans()),
        major_incident=draw(st.booleans()),
        samples=tuple(draw(st.lists(st.booleans(), max_size=2))),
        assignee=draw(st.sampled_from((None, "p1", "p2"))),
        asset=asset,
        down=down,
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(facts(), max_size=40), st.lists(st.integers(1, SPAN - 1), max_size=6))
def test_pieces_sum_to_the_whole(all_facts: list[kpi.TicketFacts], cuts: list[int]) -> None:
    whole = kpi.tally(all_facts, kpi.Period(START, END), as_of=END, assets=ASSETS)
    parts = [kpi.tally(all_facts, p, as_of=END, assets=ASSETS) for p in _pieces(cuts)]
    _same(whole, _sum(parts))
    period = kpi.Period(START, END)
    a = whole.indicators(period, len(ASSETS))
    b = _sum(parts).indicators(period, len(ASSETS))
    assert a == b


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, SPAN - 1), min_size=1, max_size=8))
def test_pieces_of_the_hand_computed_month(cuts: list[int]) -> None:
    if not _MARCH:
        _MARCH.append(march_scenario())
    s = _MARCH[0]
    tickets = kpi.tickets_as_of(s.events(), END)
    facts_ = [kpi.ticket_facts(t, record_delay_breaches(t, END)) for t in tickets]
    assets = [a.id for a in s.config.assets]
    whole = kpi.tally(facts_, kpi.Period(START, END), as_of=END, assets=assets)
    parts = _sum([kpi.tally(facts_, p, as_of=END, assets=assets) for p in _pieces(cuts)])
    _same(whole, parts)

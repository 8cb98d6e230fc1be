"""The KPI projection equals the fold path: for random event histories and
random ends ``E``, each ticket's facts read from its timeline equal
``kpi.ticket_facts`` of the ticket folded as of ``E`` with the SLA engine's
breaches at ``E``; the indicators and the reports equal ``kpi.compute`` and
``assemble.build``; the ticket is late at ``E`` iff ``E`` is at or after its
earliest breach time; and a projection filled by a Desk's observer equals one
rebuilt from the log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.kpi.histories import CONFIG, T0, history
from tests.kpi.kpi_support import MARCH, Script, record_delay_breaches

from propdesk.adapters.memory import MemoryStore
from propdesk.desk import Desk
from propdesk.domain import kpi
from propdesk.domain.events import Event
from propdesk.domain.kpi_projection import (
    KpiProjection,
    Timeline,
    facts_at,
    sla_breach_times,
    to_us,
)
from propdesk.domain.model import Ticket
from propdesk.reports import assemble

BREACHES = kpi.sla_breaches(CONFIG)
TIMES = sla_breach_times(BREACHES.rules)
US = timedelta(microseconds=1)
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def ends(data: st.DataObject, log: list[Event], timelines: list[Timeline]) -> list[datetime]:
    """Ends to look at: around events and breach times (µs either side), and anywhere."""
    marks = [e.at for e in log]
    marks += [datetime.fromtimestamp(0, T0.tzinfo) + t * US
              for tl in timelines for t, _ in tl.breaches]
    near = st.sampled_from(marks).flatmap(
        lambda m: st.sampled_from([m - US, m, m + US]))
    anywhere = st.integers(-3600, 3 * 86400).map(lambda s: T0 + timedelta(seconds=s))
    return data.draw(st.lists(near | anywhere, min_size=1, max_size=8))


def as_of(log: list[Event], end: datetime) -> dict[str, Ticket]:
    return {t.id: t for t in kpi.tickets_as_of(log, end)}


@SETTINGS
@given(st.data())
def test_facts_from_the_timeline_equal_the_fold_as_of_the_end(data: st.DataObject) -> None:
    log, _ = history(data)
    proj = KpiProjection.from_events(log, TIMES)
    timelines = proj.timelines()
    for end in ends(data, log, timelines):
        folded = as_of(log, end)
        for tl in timelines:
            t = folded.get(tl.id)
            expected = kpi.ticket_facts(t, BREACHES(t, end)) if t is not None else None
            got = facts_at(tl, to_us(end))
            assert got == expected, (tl.id, end)
            if got is not None:
                # late at E iff E is at or after the earliest breach time (S-20)
                first = min((b for b, _ in tl.breaches), default=None)
                assert bool(got.breaches) == (first is not None and to_us(end) >= first)


@SETTINGS
@given(st.data())
def test_indicators_and_reports_equal_the_fold_path(data: st.DataObject) -> None:
    log, _ = history(data)
    proj = KpiProjection.from_events(log, TIMES)
    a = data.draw(st.integers(-86400, 2 * 86400))
    b = data.draw(st.integers(a + 1, a + 4 * 86400))
    period = kpi.Period(T0 + timedelta(seconds=a), T0 + timedelta(seconds=b))
    assets = [x.id for x in CONFIG.assets]
    for end in [*ends(data, log, proj.timelines())[:3], period.end]:
        tickets = kpi.tickets_as_of(log, end)
        expected = kpi.compute(CONFIG, tickets, period, BREACHES, as_of=end)
        got = proj.tally(period, end, assets=assets).indicators(period, len(assets))
        assert got == expected
    for kind in ("custom", "public"):
        old = assemble.build(CONFIG, [kpi.ticket_facts(t, BREACHES(t, period.end))
                                      for t in kpi.tickets_as_of(log, period.end)],
                             period, kind=kind)
        assert assemble.from_projection(CONFIG, proj, period, kind=kind) == old
        assert assemble.from_events(CONFIG, log, period, BREACHES, kind=kind) == old


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_a_projection_kept_by_a_desk_equals_one_rebuilt_from_the_log(
        data: st.DataObject) -> None:
    _, commands = history(data, asset_amends=False)
    desk = Desk(CONFIG, MemoryStore())
    proj = KpiProjection(TIMES, load=desk.events_of)
    attach_after = data.draw(st.integers(0, len(commands)))
    i = 0
    attached = False
    while i < len(commands):
        if i >= attach_after and not attached:
            desk.add_observer(proj.update)
            attached = True
        if data.draw(st.booleans()):
            desk.handle(commands[i])
            i += 1
        else:  # a chunk of a batch: the observer sees each ticket once, after several events
            k = data.draw(st.integers(1, 5))
            results = desk.apply_commands(list(enumerate(commands[i:i + k])), chunk=k)
            assert all(r.ok for r in results)
            i += k
    if not attached:
        desk.add_observer(proj.update)
    rebuilt = KpiProjection.from_events(desk.all_events(), TIMES)
    assert proj.timelines() == rebuilt.timelines()


def test_an_observer_without_the_events_refuses_to_guess() -> None:
    s = Script()
    s.full("E1", MARCH[0] + timedelta(days=1), "engineering")
    proj = KpiProjection(TIMES)
    with pytest.raises(ValueError, match="several events"):
        s.desk.add_observer(proj.update)


# ------------------------------------------------------------ the hand-computed March


def delay_times(ticket: Ticket) -> list[tuple[datetime, str]]:
    """Breach times of the hand computation's stand-in rule (S-1 within 60 s):
    a late record is late from the recording on."""
    return [(ticket.recorded_at, "S-1")] if record_delay_breaches(ticket, ticket.last_at) else []


def test_the_hand_computed_month(march: Script) -> None:
    period = kpi.Period(*MARCH, label="2026-03")
    log = march.events()
    proj = KpiProjection.from_events(log, delay_times)
    assets = [a.id for a in march.config.assets]
    figures = proj.tally(period, assets=assets).indicators(period, len(assets))
    nd = {k: (v.numerator, v.denominator) for k, v in figures.items()}
    assert nd["K-1"] == (10, 11) and nd["K-2"] == (9, 12) and nd["K-3"] == (10, 11)
    assert nd["K-4"] == (6, 7) and nd["K-5"] == (2, 4) and nd["K-6"] == (7, 7)
    assert nd["K-7"] == (1, 2) and nd["K-13"][0] == 1
    for end in (period.end, period.end + timedelta(days=2), period.start + timedelta(days=9)):
        expected = kpi.compute(march.config, kpi.tickets_as_of(log, end), period,
                               record_delay_breaches, as_of=end)
        assert proj.tally(period, end, assets=assets).indicators(
            period, len(assets)) == expected


def test_the_monthly_report_with_the_sla_engine(march: Script) -> None:
    period = assemble.month(2026, 3, march.config.zone)
    breaches = kpi.sla_breaches(march.config)
    times = sla_breach_times(breaches.rules)
    log = march.events()
    facts = assemble.facts_from_events(log, period.end, breaches, received_from=period.start)
    old = assemble.build(march.config, facts, period, kind="monthly")
    proj = KpiProjection.from_events(log, times)
    assert assemble.from_projection(march.config, proj, period, kind="monthly") == old
    # rebuilt for the period only: earlier tickets kept for K-9 (E4 on lift-2)
    only = KpiProjection.from_events(log, times, received_from=period.start)
    assert [tl.id for tl in only.timelines()] == [
        tl.id for tl in proj.timelines() if tl.received >= to_us(period.start) or tl.id == "E4"]
    assert assemble.from_projection(march.config, only, period, kind="monthly") == old
    with pytest.raises(ValueError, match="later periods"):
        only.tally(assemble.month(2026, 2, march.config.zone))


def test_settled_tickets_share_their_final_facts(march: Script) -> None:
    proj = KpiProjection.from_events(march.events(), delay_times)
    # a dozen closed tickets with the same shape share a handful of final facts
    assert len(proj._keys) < len(proj)
    late = proj.timeline("E5")  # completed and called back in April
    assert late.settled() > to_us(MARCH[1])

"""S-21: what falls due (warnings and breaches), each once per ticket, rule and
cycle, in time order, from an index kept up to date as tickets change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from tests.sla.slahelp import TicketBuilder, build_config, t

from propdesk.domain import commands as c
from propdesk.domain.sla import Alert, DeadlineIndex, SlaRules, alerts_for

New = Callable[..., TicketBuilder]


def keys(alerts: list[Alert]) -> list[tuple[str, str, int, str]]:
    return [(a.ticket, a.rule, a.cycle, a.kind) for a in alerts]


def test_warning_at_80_percent_and_breach_after_the_deadline(new: New,
                                                             rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    b = new().record(0, source="property_internal").dispatch(60)
    idx.update(b.now)
    # S-3 started at 0 (deadline 120, warning at 96); S-5 at 60 (deadline 660, warning 540)
    assert idx.due(t(95)) == []
    got = idx.due(t(96))
    assert keys(got) == [("A1", "S-3", 1, "warning")]
    assert got[0].at == t(96) and got[0].deadline == t(120)
    assert idx.due(t(120)) == []  # the deadline itself is still in time
    got = idx.due(t(121))
    assert keys(got) == [("A1", "S-3", 1, "breach")]
    assert got[0].at == t(120)
    assert idx.due(t(200)) == []  # never twice


def test_due_is_in_time_order_across_tickets(new: New, rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    for i, start in enumerate((50, 0, 25)):
        b = new(f"T{i}").record(start, source="property_internal").dispatch(start + 1)
        idx.update(b.now)
    got = idx.due(t(3 * 3600))
    assert [a.at for a in got] == sorted(a.at for a in got)
    s3 = [(a.ticket, a.kind) for a in got if a.rule == "S-3"]
    # starts 0, 25, 50: warnings at +96 s, breaches at +120 s
    assert s3 == [("T1", "warning"), ("T1", "breach"), ("T2", "warning"),
                  ("T2", "breach"), ("T0", "warning"), ("T0", "breach")]
    # warnings come before breaches at the same instant
    idx2 = DeadlineIndex(rules)
    for i in range(2):
        b = new(f"U{i}").record(i * 24, source="property_internal").dispatch(i * 24 + 1)
        idx2.update(b.now)
    got = idx2.due(t(120))  # U1's S-3 warning at 24 + 96 = 120; U0's S-3 deadline 120
    assert [(a.ticket, a.kind) for a in got if a.rule == "S-3"] == [
        ("U0", "warning"), ("U1", "warning")]
    assert [(a.ticket, a.kind) for a in idx2.due(t(121)) if a.rule == "S-3"] == [
        ("U0", "breach")]


def test_stopping_the_clock_drops_its_alerts(new: New, rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    b = new().record(0, source="property_internal").dispatch(60)
    idx.update(b.now)
    b.do(c.Confirm, 90)
    idx.update(b.now)
    assert [a for a in idx.due(t(300)) if a.rule == "S-3"] == []


def test_a_moot_warning_is_dropped_but_a_breach_is_never_lost(new: New,
                                                              rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    b = new().record(0, source="property_internal").dispatch(60)
    idx.update(b.now)
    # nobody asked while the clock ran; it stopped after its warning, then after its deadline
    b.do(c.Confirm, 110)
    idx.update(b.now)
    assert [a for a in idx.due(t(300)) if a.rule == "S-3"] == []  # met: nothing to say
    b2 = new("A2").record(0, source="property_internal").dispatch(60)
    idx.update(b2.now)
    b2.do(c.Confirm, 130)
    idx.update(b2.now)
    assert keys([a for a in idx.due(t(300)) if a.rule == "S-3"]) == [("A2", "S-3", 1, "breach")]


def test_late_entry_reports_past_breaches_at_the_next_query(new: New,
                                                            rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    assert idx.due(t(1000)) == []
    # a paper form entered late: received 0, recorded at 900
    b = new().record(900, received=0, source="property_internal")
    idx.update(b.now)
    got = idx.due(t(1000))
    assert ("A1", "S-1", 1, "breach") in keys(got)
    assert ("A1", "S-1", 1, "warning") not in keys(got)  # it stopped already: moot


def test_update_replaces_the_tickets_deadlines(new: New, rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    b = new().record(0, category="inquiry", source="property_internal")
    idx.update(b.now)
    assert len(idx) > 0
    b.do(c.Complete, 30)  # desk resolution: S-3 na, S-9 met, S-13 starts
    idx.update(b.now)
    got = idx.due(t(10_000))
    assert {a.rule for a in got} == {"S-13"}
    b.do(c.Callback, 40, fixed=True, satisfaction="satisfied", close=True)
    idx.update(b.now)
    assert idx.due(t(100_000)) == []
    assert len(idx) == 0 and idx._alerts == {}  # closed and fully reported: forgotten


def test_closed_ticket_keeps_its_unreported_breach_until_reported(new: New,
                                                                  rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    b = new().record(0, category="inquiry", source="property_internal").do(c.Complete, 30)
    idx.update(b.now)
    b.do(c.Callback, 300, fixed=True, satisfaction="satisfied", close=True)  # S-13 late
    idx.update(b.now)
    got = idx.due(t(400))
    assert keys(got) == [("A1", "S-13", 1, "breach")]
    assert idx._alerts == {}


def test_peek_reports_a_window_without_consuming(new: New, rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    b = new().record(0, source="property_internal").dispatch(10)
    idx.update(b.now)
    window = idx.peek(t(90), t(121))
    assert keys(window) == [("A1", "S-3", 1, "warning"), ("A1", "S-3", 1, "breach")]
    assert idx.peek(t(90), t(120)) == window[:1]  # the breach falls due after its deadline
    assert idx.peek(t(120), t(200)) == window[1:]  # consecutive windows split cleanly
    assert keys(idx.due(t(121)))[:2] == keys(window)
    assert keys(idx.peek(t(90), t(121))) == keys(window)  # reported or not


def test_warn_at_comes_from_the_config(new: New) -> None:
    cfg = build_config(warn_at=0.5)
    rules = SlaRules.from_config(cfg)
    b = new(config=cfg).record(0, source="property_internal")
    found = alerts_for(b.now, rules)
    assert found[("S-3", 1, 1, "warning")] == (t(60), t(120))
    assert found[("S-12", 1, 1, "warning")][0] == t(0) + (t(86400) - t(0)) / 2


def test_no_warning_when_the_clock_started_after_its_deadline(new: New,
                                                             rules: SlaRules) -> None:
    # dispatched after the contact deadline of an appointment: breached at once, no warning
    appt = 30 * 60
    b = new().record(0, mode="appointment", appointment_at=t(appt)).dispatch(20 * 60)
    found = alerts_for(b.now, rules)
    assert ("S-6", 1, 1, "warning") not in found
    assert found[("S-6", 1, 1, "breach")] == (t(appt - 900), t(appt - 900))
    assert found[("S-7", 1, 1, "warning")][0] == t(20 * 60) + timedelta(minutes=8)


def test_s3_warning_withdrawn_when_the_desk_answers_itself(new: New, rules: SlaRules) -> None:
    """Issue 19, point 2: a desk resolution after S-3's deadline raises no breach; the
    warning raised meanwhile is withdrawn (the index agrees with evaluate)."""
    idx = DeadlineIndex(rules)
    b = new().record(0, category="inquiry", source="property_internal")
    idx.update(b.now)
    assert keys([a for a in idx.due(t(100)) if a.rule == "S-3"]) == [("A1", "S-3", 1, "warning")]
    assert [a for a in idx.due(t(400)) if a.rule == "S-3"] == []  # no breach while undecided
    assert [a for a in idx.peek(t(0), t(400)) if a.rule == "S-3" and a.kind == "breach"] == []
    b.do(c.Complete, 500)  # answered by the desk at 8 min 20 s (S-9 allows 15 min)
    idx.update(b.now)
    assert ("S-3", 1, 1, "warning") not in alerts_for(b.now, rules)  # withdrawn
    assert [a for a in idx.due(t(10_000)) if a.rule == "S-3"] == []
    assert [a for a in idx.peek(t(0), t(10_000)) if a.rule == "S-3"] == []


def test_s3_breach_falls_due_at_a_late_dispatch(new: New, rules: SlaRules) -> None:
    idx = DeadlineIndex(rules)
    b = new().record(0, source="property_internal")
    idx.update(b.now)
    assert keys([a for a in idx.due(t(300)) if a.rule == "S-3"]) == [("A1", "S-3", 1, "warning")]
    b.dispatch(400)
    idx.update(b.now)
    got = [a for a in idx.due(t(400)) if a.rule == "S-3"]
    assert keys(got) == [("A1", "S-3", 1, "breach")]
    assert got[0].at == t(400) and got[0].deadline == t(120)
    window = [a for a in idx.peek(t(300), t(400)) if a.rule == "S-3"]
    assert keys(window) == [("A1", "S-3", 1, "breach")]
    assert [a for a in idx.peek(t(400), t(500)) if a.rule == "S-3"] == []

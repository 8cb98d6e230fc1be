"""Routing end to end through the Desk: the dispatch event records why, an
emergency produces its notices, and K-11 questions reach the community supervisor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.routing.routing_support import MON, SUN, build_config, local

from propdesk.adapters.memory import MemoryStore
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.errors import DomainError


def _desk() -> Desk:
    return Desk(build_config(), MemoryStore())


def _record(desk: Desk, tid: str, at: object, **kw: object) -> None:
    args: dict[str, object] = {"ticket": tid, "by": "desk-wang", "at": at, "received_at": at,
                               "source": "owner_call", "content": "厨房水管漏水",
                               "mode": "immediate", "location": "5-1-1202",
                               "contact": "李女士", "phone": "13800000000"}
    args.update(kw)
    desk.handle(c.Record(**args))  # type: ignore[arg-type]


def test_dispatch_without_assignee_records_why_and_counts_open_work() -> None:
    desk = _desk()
    at = local(*MON, 10)
    for i in range(3):
        _record(desk, f"T{i}", at + timedelta(seconds=i), area="A")
    r0 = desk.handle(c.Dispatch(ticket="T0", by="desk-wang", category="engineering",
                                at=at + timedelta(seconds=10)))
    r1 = desk.handle(c.Dispatch(ticket="T1", by="desk-wang", category="engineering",
                                at=at + timedelta(seconds=11)))
    r2 = desk.handle(c.Dispatch(ticket="T2", by="desk-wang", category="engineering",
                                at=at + timedelta(seconds=12)))
    # area A: zhao (roster), then sun (zhao has one open), then zhao again (1 vs 1: roster)
    assert [r.ticket.assignee for r in (r0, r1, r2)] == ["eng-zhao", "eng-sun", "eng-zhao"]
    routing = r1.events[0].data["routing"]
    assert routing["tie_break"] == "open_work_orders"
    assert routing["table"]["department"] == "engineering"
    assert routing["shift"]["start"] == "08:00"
    assert r2.events[0].data["routing"]["tie_break"] == "roster_order"
    assert r1.ticket.work_orders[-1].routing == routing


def test_emergency_dispatch_produces_notices() -> None:
    desk = _desk()
    at = local(*MON, 10)
    _record(desk, "E1", at, mode="emergency", area="A", content="地下车库水管爆裂")
    r = desk.handle(c.Dispatch(ticket="E1", by="desk-wang", category="engineering",
                               at=at + timedelta(seconds=30)))
    assert r.ticket.assignee == "eng-zhao"
    expected = ["eng-sun", "sec-wu", "eng-chief", "gm-li", "gm-chen"]
    assert list(r.ticket.work_orders[-1].notices) == expected
    emergency = [n.to for n in r.notices if n.type == "emergency"]
    assert emergency == [tuple(expected)]  # one notice to the whole fan-out (S-4, R-52)
    # personal data stays out of notices
    assert all("13800000000" not in n.text and "李女士" not in n.text for n in r.notices)


def test_nobody_on_duty_refuses_and_writes_nothing() -> None:
    desk = _desk()
    at = local(*SUN, 10)
    _record(desk, "N1", at)
    with pytest.raises(DomainError) as err:
        desk.handle(c.Dispatch(ticket="N1", by="desk-wang", category="engineering",
                               at=at + timedelta(seconds=30)))
    assert err.value.code == "no_one_on_duty"
    assert "工程部" in err.value.message("zh") and "eng-chief" in str(err.value)
    assert desk.ticket("N1").state.value == "recorded"
    assert len(desk.events_of("N1")) == 1


def test_complaint_about_engineering_is_not_routed_to_it() -> None:
    desk = _desk()
    at = local(*MON, 10)
    _record(desk, "C1", at, about="engineering", content="维修师傅态度差")
    r = desk.handle(c.Dispatch(ticket="C1", by="desk-wang", category="complaint",
                               at=at + timedelta(seconds=30)))
    assert r.ticket.assignee == "cs-chief"
    assert r.events[0].data["routing"]["rule"] == "complaint_about"


def test_public_report_questions_for_a_week_after_publication() -> None:
    desk = _desk()
    published = local(*MON, 9)
    desk.publish_report("2026-Q1", by="comm-zhou", at=published)
    inside = published + timedelta(days=6, hours=23)
    _record(desk, "Q1", inside, about="public_report", content="公开管理报告的维修基金支出?")
    r = desk.handle(c.Dispatch(ticket="Q1", by="desk-wang", category="inquiry",
                               at=inside + timedelta(seconds=30)))
    assert r.ticket.assignee == "comm-zhou"
    assert r.events[0].data["routing"]["rule"] == "K-11"
    after = published + timedelta(days=7, minutes=1)
    _record(desk, "Q2", after, about="public_report", content="公开管理报告的问题")
    r2 = desk.handle(c.Dispatch(ticket="Q2", by="desk-wang", category="inquiry",
                                at=after + timedelta(seconds=30)))
    assert r2.ticket.assignee == "cs-he"
    assert r2.events[0].data["routing"]["rule"] == "R-51"

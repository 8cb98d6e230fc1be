"""S-12: not solved the same day → before the first managers' meeting after
that local day, on the community's calendar (time zone and meeting time from
``[community]``), whatever the zone of the inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.sla.slahelp import TicketBuilder, build_config, outcome

from propdesk.domain import commands as c
from propdesk.domain.sla import SlaRules

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def to_completed(b: TicketBuilder, start: datetime, done: datetime) -> TicketBuilder:
    s = start
    b.do(c.Dispatch, s, to="eng-zhao", category="engineering")
    for cls, kw in ((c.Confirm, {}), (c.Acknowledge, {}), (c.Arrive, {}),
                    (c.Diagnose, {"diagnosis": "阀芯损坏"}), (c.Plan, {}), (c.Agree, {})):
        s += timedelta(seconds=30)
        b.do(cls, s, **kw)
    return b.do(c.Complete, done)


def test_received_late_evening_in_utc_is_judged_by_the_local_day() -> None:
    cfg = build_config()
    rules = SlaRules.from_config(cfg)
    # 2026-03-02 23:30 in Shanghai, written in UTC (15:30Z the same date)
    received = utc(2026, 3, 2, 15, 30)
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received)
    o = outcome(b.now, rules, "S-12", received + timedelta(minutes=1))
    # the meeting after the local day 2026-03-02 is 2026-03-03 09:00 +08:00 = 01:00Z,
    # not the meeting after the UTC date (which would be 2026-03-04)
    assert o.status == "pending"
    assert o.deadline == datetime(2026, 3, 3, 9, 0, tzinfo=SH) == utc(2026, 3, 3, 1, 0)


def test_just_after_local_midnight_belongs_to_the_new_day() -> None:
    cfg = build_config()
    rules = SlaRules.from_config(cfg)
    received = utc(2026, 3, 2, 16, 0)  # 2026-03-03 00:00 local
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received)
    o = outcome(b.now, rules, "S-12", received)
    assert o.deadline == datetime(2026, 3, 4, 9, 0, tzinfo=SH)


@pytest.mark.parametrize(("late", "status", "overrun"), [(0, "met", None), (1, "breached", 1)])
def test_completed_by_the_meeting(late: int, status: str, overrun: int | None) -> None:
    cfg = build_config()
    rules = SlaRules.from_config(cfg)
    received = utc(2026, 3, 2, 15, 30)
    deadline = utc(2026, 3, 3, 1, 0)
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received)
    to_completed(b, received + timedelta(minutes=1), deadline + timedelta(seconds=late))
    o = outcome(b.now, rules, "S-12", deadline + timedelta(hours=1))
    assert (o.status, o.deadline, o.overrun_s) == (status, deadline, overrun)


@pytest.mark.parametrize(("late", "status"), [(0, "met"), (1, "breached")])
def test_put_before_the_meeting_by_escalating_to_level_2(late: int, status: str) -> None:
    cfg = build_config()
    rules = SlaRules.from_config(cfg)
    received = utc(2026, 3, 2, 2, 0)  # 10:00 local
    deadline = utc(2026, 3, 3, 1, 0)
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received)
    b.do(c.Escalate, received + timedelta(hours=1), level=1, reason="部门内无法解决")
    assert outcome(b.now, rules, "S-12", deadline).status == "pending"  # level 1 is not enough
    b.do(c.Escalate, deadline + timedelta(seconds=late), level=2, reason="上报经理会议")
    o = outcome(b.now, rules, "S-12", deadline + timedelta(hours=1))
    assert (o.status, o.deadline) == (status, deadline)


def test_appointments_count_from_the_appointment_day() -> None:
    cfg = build_config()
    rules = SlaRules.from_config(cfg)
    received = utc(2026, 3, 2, 2, 0)
    appointment = datetime(2026, 3, 4, 14, 0, tzinfo=SH)
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received,
                                  mode="appointment", appointment_at=appointment)
    o = outcome(b.now, rules, "S-12", received + timedelta(minutes=1))
    assert o.status == "pending"
    assert o.deadline == datetime(2026, 3, 5, 9, 0, tzinfo=SH)


def test_meeting_time_comes_from_the_community() -> None:
    cfg = build_config(meeting="14:30")
    rules = SlaRules.from_config(cfg)
    received = utc(2026, 3, 2, 2, 0)
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received)
    assert outcome(b.now, rules, "S-12", received).deadline == datetime(
        2026, 3, 3, 14, 30, tzinfo=SH)


@pytest.mark.parametrize(("received_local", "meeting_utc"), [
    # spring forward: 2026-03-08 has 23 hours; the meeting is 09:00 EDT = 13:00Z
    (datetime(2026, 3, 7, 10, 0, tzinfo=NY), utc(2026, 3, 8, 13, 0)),
    (datetime(2026, 3, 7, 23, 30, tzinfo=NY), utc(2026, 3, 8, 13, 0)),
    # fall back: 2026-11-01 has 25 hours; the meeting is 09:00 EST = 14:00Z
    (datetime(2026, 10, 31, 10, 0, tzinfo=NY), utc(2026, 11, 1, 14, 0)),
    (datetime(2026, 10, 31, 23, 30, tzinfo=NY), utc(2026, 11, 1, 14, 0)),
])
def test_daylight_saving_changes_use_the_local_calendar(received_local: datetime,
                                                         meeting_utc: datetime) -> None:
    cfg = build_config(timezone="America/New_York")
    rules = SlaRules.from_config(cfg)
    received = received_local.astimezone(UTC)  # inputs in UTC
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received)
    o = outcome(b.now, rules, "S-12", received)
    assert o.deadline == meeting_utc
    assert o.deadline.astimezone(NY).hour == 9
    # adding 24 hours to the local day's start would be off by an hour here
    naive = (datetime(received_local.year, received_local.month, received_local.day,
                      tzinfo=NY).astimezone(UTC) + timedelta(hours=24 + 9))
    assert naive != meeting_utc


def test_cancelled_before_the_meeting_is_not_applicable() -> None:
    cfg = build_config()
    rules = SlaRules.from_config(cfg)
    received = utc(2026, 3, 2, 2, 0)
    b = TicketBuilder(cfg).record(received + timedelta(seconds=30), received=received)
    b.do(c.Cancel, received + timedelta(hours=2), reason="业主自行修好", confirmed_by_source=True)
    o = outcome(b.now, rules, "S-12", received + timedelta(days=3))
    assert (o.status, o.deadline, o.overrun_s) == ("na", None, None)

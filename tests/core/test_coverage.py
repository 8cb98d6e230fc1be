"""Issue 19, point 9: the analysis behind ``config check`` — categories without a
department (R-50) and the hours of the week a department has no one on duty (R-51,
R-53) — agrees with what routing does at dispatch."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.cli.setupcmds import starter_toml
from propdesk.config import parse_config
from propdesk.domain.config import (
    WEEKDAYS,
    CategoryDef,
    Community,
    Config,
    Department,
    Person,
    Shift,
)
from propdesk.domain.coverage import (
    DAY,
    WEEK,
    coverage_findings,
    daily_pattern,
    gaps_text,
    week_range_text,
)
from propdesk.domain.enums import Mode, Role
from propdesk.domain.errors import DomainError
from propdesk.domain.routing import choose

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, tzinfo=SH)
CATEGORIES = (CategoryDef("engineering", "工程", "Engineering"),
              CategoryDef("cleaning", "清洁", "Cleaning"),
              CategoryDef("inquiry", "咨询", "Inquiry", True))


def community(shifts: list[Shift], *, categories: tuple[CategoryDef, ...] = CATEGORIES,
              departments: tuple[Department, ...] | None = None) -> Config:
    depts = departments or (
        Department("engineering", "工程部", ("engineering",), name_en="Engineering"),
        Department("environment", "环境部", ("cleaning", "inquiry"), name_en="Environment"),
        Department("office", "办公室", ()),
    )
    people = [Person("eng-a", "甲", Role.RESPONSIBLE, "engineering"),
              Person("eng-b", "乙", Role.SUPERVISOR, "engineering"),
              Person("env-a", "丙", Role.RESPONSIBLE, "environment"),
              Person("off-a", "丁", Role.DESK, "office")]
    return Config.build(community=Community(timezone="Asia/Shanghai"), categories=categories,
                        departments=depts, people=people, shifts=shifts)


def test_the_starter_leaves_cleaning_without_night_duty() -> None:
    config = parse_config(starter_toml("海德花园", "Asia/Shanghai", "zh"))
    [finding] = coverage_findings(config)
    assert finding.code == "no_one_on_duty" and finding.subject == "environment"
    assert finding.path == "$.departments[id=environment]"
    assert finding.daily == ((20 * 60, DAY + 8 * 60),)
    assert gaps_text(finding, "zh") == "每天 20:00–次日 08:00"
    assert gaps_text(finding, "en") == "every day 20:00–08:00 next day"


def test_one_gap_in_the_week_is_named_by_weekday_and_hours() -> None:
    every = ("06:00", "20:00"), ("20:00", "02:00")
    shifts = [Shift(("eng-a", "env-a"), a, b) for a, b in every]
    shifts.append(Shift(("eng-a", "env-a"), "02:00", "06:00",
                        tuple(d for d in WEEKDAYS if d != "tue")))
    shifts.append(Shift(("env-a",), "02:00", "06:00", ("tue",)))
    [finding] = coverage_findings(community(shifts))
    assert finding.subject == "engineering"
    assert finding.gaps == ((DAY + 120, DAY + 360),)
    assert finding.daily is None
    assert gaps_text(finding, "zh") == "周二 02:00–06:00"
    assert gaps_text(finding, "en") == "Tue 02:00–06:00"


def test_a_gap_over_sunday_midnight_is_one_range() -> None:
    # engineering: every hour but Sunday 22:00 to Monday 06:00
    shifts = [Shift(("eng-a", "env-a"), "06:00", "22:00"),
              Shift(("eng-a", "env-a"), "22:00", "06:00", WEEKDAYS[:6]),
              Shift(("env-a",), "22:00", "06:00", ("sun",))]
    [finding] = coverage_findings(community(shifts))
    assert finding.gaps == ((6 * DAY + 22 * 60, WEEK + 6 * 60),)
    assert gaps_text(finding, "zh") == "周日 22:00–周一 06:00"
    assert week_range_text(WEEK - 120, WEEK, "en") == "Sun 22:00–24:00"
    assert week_range_text(DAY, 3 * DAY, "zh") == "周二 00:00–周三 24:00"


def test_no_shift_at_all_is_all_week_and_categories_without_department() -> None:
    departments = (Department("engineering", "工程部", ("engineering",)),
                   Department("environment", "环境部", ()),
                   Department("office", "办公室", ()))
    findings = coverage_findings(community([Shift(("off-a",), "00:00", "24:00")],
                                           departments=departments))
    assert [(f.code, f.subject) for f in findings] == [
        ("no_department", "cleaning"), ("no_department", "inquiry"),
        ("no_one_on_duty", "engineering")]  # the others answer for nothing: not checked
    assert findings[0].path == "$.departments"
    assert findings[2].always and gaps_text(findings[2], "zh") == "全周"


def test_daily_pattern_needs_the_same_gaps_every_day() -> None:
    assert daily_pattern(((120, 360),)) is None
    every = tuple((d * DAY + 120, d * DAY + 360) for d in range(7))
    assert daily_pattern(every) == ((120, 360),)


_TIMES = st.integers(0, 48).map(lambda h: f"{h // 2:02d}:{h % 2 * 30:02d}")


@st.composite
def rosters(draw: st.DrawFn) -> list[Shift]:
    shifts = []
    for _ in range(draw(st.integers(0, 5))):
        people = draw(st.lists(st.sampled_from(["eng-a", "eng-b", "env-a", "off-a"]),
                               min_size=1, max_size=3, unique=True))
        start = draw(_TIMES.filter(lambda t: t != "24:00"))
        days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
        shifts.append(Shift(tuple(people), start, draw(_TIMES), tuple(days)))
    return shifts


@settings(max_examples=40, deadline=None)
@given(rosters())
def test_the_gaps_are_exactly_where_routing_finds_no_one(shifts: list[Shift]) -> None:
    """Every half hour of a real week: a dispatch is refused for lack of anyone on
    duty exactly when the analysis says the department has no one then."""
    config = community(shifts)
    gaps = {f.subject: f.gaps for f in coverage_findings(config)
            if f.code == "no_one_on_duty"}
    for step in range(7 * 48):
        at = MONDAY + timedelta(minutes=30 * step)
        minute = 30 * step
        for dept, category in (("engineering", "engineering"), ("environment", "cleaning")):
            uncovered = any(s <= minute < e or s <= minute + WEEK < e
                            for s, e in gaps.get(dept, ()))
            try:
                choose(config, category=category, at=at, mode=Mode.IMMEDIATE)
                refused = False
            except DomainError as exc:
                assert exc.code == "no_one_on_duty"
                refused = True
            assert refused == uncovered, (dept, at, gaps.get(dept))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_texts_have_no_internal_reprs(lang: str) -> None:
    config = parse_config(starter_toml("海德花园", "Asia/Shanghai", "zh"))
    text = gaps_text(coverage_findings(config)[0], lang)  # type: ignore[arg-type]
    assert "(" not in text and "'" not in text

"""Builders for the routing tests: a small community: departments, people, shifts that
cross midnight and name weekdays."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from propdesk.domain.config import Community, Config, Department, Person, Shift
from propdesk.domain.enums import Role

SH = ZoneInfo("Asia/Shanghai")


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """An aware time in the community's zone."""
    return datetime(y, mo, d, h, mi, tzinfo=SH)


# 2026-03-02 is a Monday
MON = (2026, 3, 2)
TUE = (2026, 3, 3)
SUN = (2026, 3, 8)


def build_config(*, shifts: list[Shift] | None = None, people: list[Person] | None = None
                 ) -> Config:
    depts = [
        Department("engineering", "工程部", ("engineering",), "eng-chief"),
        Department("order", "秩序部", ("security", "fire"), "sec-chief"),
        Department("environment", "环境部", ("cleaning",), "env-chief"),
        Department("service", "客服部", ("complaint", "help", "inquiry"), "cs-chief"),
    ]
    people = people or [
        Person("gm-li", "李经理", Role.MANAGER),
        Person("eng-chief", "工程主管", Role.SUPERVISOR, "engineering"),
        Person("eng-zhao", "赵师傅", Role.RESPONSIBLE, "engineering", ("A", "B")),
        Person("eng-qian", "钱师傅", Role.RESPONSIBLE, "engineering", ("C",)),
        Person("eng-sun", "孙师傅", Role.RESPONSIBLE, "engineering", ("A",)),
        Person("eng-night", "夜班师傅", Role.RESPONSIBLE, "engineering", ("A", "B", "C")),
        Person("sec-chief", "秩序主管", Role.SUPERVISOR, "order"),
        Person("sec-wu", "吴保安", Role.RESPONSIBLE, "order", ("A",)),
        Person("env-chief", "环境主管", Role.SUPERVISOR, "environment"),
        Person("cs-chief", "客服主管", Role.SUPERVISOR, "service"),
        Person("cs-he", "何客服", Role.RESPONSIBLE, "service"),
        Person("desk-wang", "王前台", Role.DESK, "service"),
        Person("comm-zhou", "周主管", Role.COMMUNITY_SUPERVISOR),
        Person("gm-chen", "陈经理", Role.MANAGER),
    ]
    shifts = shifts if shifts is not None else [
        Shift(("desk-wang", "cs-he", "cs-chief"), "00:00", "24:00"),
        Shift(("eng-zhao", "eng-qian", "eng-sun"), "08:00", "20:00",
              ("mon", "tue", "wed", "thu", "fri")),
        # crosses midnight, belongs to the weekday it starts on
        Shift(("eng-night",), "20:00", "08:00", ("mon", "tue", "wed", "thu", "fri")),
        Shift(("sec-wu",), "08:00", "20:00"),
        Shift(("eng-chief", "comm-zhou"), "09:00", "18:00", ("mon", "tue", "wed", "thu", "fri")),
    ]
    return Config.build(community=Community(name="海德花园"), departments=depts, people=people,
                        shifts=shifts)



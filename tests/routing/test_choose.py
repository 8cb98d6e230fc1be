"""R-50 … R-53 and the complaint-about rule: routing.choose and its reasons."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.routing.routing_support import MON, SUN, TUE, build_config, local

from propdesk.domain import routing
from propdesk.domain.config import Config, Shift
from propdesk.domain.enums import Mode
from propdesk.domain.errors import DomainError
from propdesk.domain.roster import on_duty

IMM = Mode.IMMEDIATE


def test_table_row_and_area_preference(config: Config) -> None:
    # R-50 engineering -> 工程部 (row 0); R-51 area C prefers eng-qian
    ch = routing.choose(config, category="engineering", at=local(*MON, 10), mode=IMM, area="C")
    assert ch.assignee == "eng-qian"
    assert ch.department == "engineering"
    assert ch.reason["rule"] == "R-51"
    assert ch.reason["table"] == {"row": 0, "category": "engineering",
                                  "department": "engineering"}
    assert ch.reason["shift"] == {"index": 1, "start": "08:00", "end": "20:00",
                                  "days": ["mon", "tue", "wed", "thu", "fri"]}
    assert ch.reason["tie_break"] == "area"
    assert ch.reason["area_match"] is True
    json.dumps(ch.reason)  # recorded in the event: JSON-native


def test_fewest_open_work_orders_among_area_matches(config: Config) -> None:
    # eng-zhao and eng-sun both cover A; eng-zhao is busier
    ch = routing.choose(config, category="engineering", at=local(*MON, 10), mode=IMM, area="A",
                        open_counts={"eng-zhao": 3, "eng-sun": 1, "eng-qian": 0})
    assert ch.assignee == "eng-sun"
    # area first: eng-qian has no open work but not area A
    assert ch.reason["tie_break"] == "open_work_orders"
    assert ch.reason["candidates"] == ["eng-sun", "eng-zhao", "eng-qian"]
    assert ch.reason["open_work_orders"] == 1


def test_roster_order_breaks_full_ties(config: Config) -> None:
    ch = routing.choose(config, category="engineering", at=local(*MON, 10), mode=IMM, area="A")
    assert ch.assignee == "eng-zhao"  # before eng-sun in the roster
    assert ch.reason["tie_break"] == "roster_order"


def test_no_area_uses_counts_then_roster(config: Config) -> None:
    ch = routing.choose(config, category="engineering", at=local(*MON, 10), mode=IMM,
                        open_counts={"eng-zhao": 2})
    assert ch.assignee == "eng-qian"
    assert ch.reason["tie_break"] == "roster_order"  # qian and sun both 0
    assert ch.reason["area_match"] is False


def test_only_candidate(config: Config) -> None:
    ch = routing.choose(config, category="security", at=local(*MON, 10), mode=IMM)
    assert (ch.assignee, ch.department) == ("sec-wu", "order")
    assert ch.reason["tie_break"] == "only_candidate"
    assert ch.reason["table"]["row"] == 1  # type: ignore[index]


def test_shift_crossing_midnight_belongs_to_its_start_day(config: Config) -> None:
    # Monday 23:00: the night shift that started Monday
    ch = routing.choose(config, category="engineering", at=local(*MON, 23), mode=IMM)
    assert ch.assignee == "eng-night"
    assert ch.reason["shift"]["index"] == 2  # type: ignore[index]
    # Tuesday 03:00: still Monday's night shift
    assert routing.choose(config, category="engineering", at=local(*TUE, 3),
                          mode=IMM).assignee == "eng-night"
    # Monday 03:00 belongs to Sunday's night shift, and there is none on Sunday
    with pytest.raises(DomainError) as err:
        routing.choose(config, category="engineering", at=local(*MON, 3), mode=IMM)
    assert err.value.code == "no_one_on_duty"
    # Saturday 03:00 belongs to Friday's shift
    assert routing.choose(config, category="engineering", at=local(2026, 3, 7, 3),
                          mode=IMM).assignee == "eng-night"


def test_shift_boundaries_are_half_open(config: Config) -> None:
    at8 = local(*MON, 8)
    assert "eng-zhao" in on_duty(config, at8)
    assert "eng-night" not in on_duty(config, at8)  # ends at 08:00 (Tuesday's part too)
    assert "eng-zhao" not in on_duty(config, local(*MON, 20))
    assert "eng-night" in on_duty(config, local(*MON, 20))


def test_weekdays_are_local_not_utc(config: Config) -> None:
    # Sunday 2026-03-08 23:30 in Shanghai is 15:30 UTC Sunday; Monday 07:30 local is
    # Sunday 23:30 UTC: the weekday of the community's zone counts
    with pytest.raises(DomainError):
        routing.choose(config, category="engineering", at=local(*SUN, 10), mode=IMM)
    mon_morning = local(2026, 3, 9, 8, 30)
    assert mon_morning.astimezone(tz=None).weekday() in (0, 6)
    assert routing.choose(config, category="engineering", at=mon_morning,
                          mode=IMM).assignee == "eng-zhao"


def test_utc_input_gives_the_same_choice(config: Config) -> None:
    from datetime import UTC
    at = local(*MON, 23)
    assert routing.choose(config, category="engineering", at=at.astimezone(UTC),
                          mode=IMM) == routing.choose(config, category="engineering", at=at,
                                                      mode=IMM)


def test_r53_error_names_department_time_and_chain(config: Config) -> None:
    with pytest.raises(DomainError) as err:
        routing.choose(config, category="engineering", at=local(*SUN, 10), mode=IMM)
    e = err.value
    assert e.code == "no_one_on_duty"
    assert "工程部 (engineering)" in str(e)
    assert "2026-03-08 10:00 Asia/Shanghai" in str(e)
    # department supervisor, then community supervisor, then managers
    assert e.params["chain_ids"] == ["eng-chief", "comm-zhou", "gm-li", "gm-chen"]
    assert "工程主管 (eng-chief)" in e.message("zh")
    assert "无人值班" in e.message("zh")
    assert e.to_dict()["params"]["chain_ids"] == ["eng-chief", "comm-zhou", "gm-li", "gm-chen"]


def test_no_department_for_category() -> None:
    cfg = build_config()
    cfg = Config.build(community=cfg.community, departments=cfg.departments[:1],
                       people=[p for p in cfg.people if p.department in (None, "engineering")],
                       shifts=[Shift(("eng-zhao",), "00:00", "24:00")])
    with pytest.raises(DomainError) as err:
        routing.choose(cfg, category="cleaning", at=local(*MON, 10), mode=IMM)
    assert err.value.code == "no_department"


# ------------------------------------------------------------------


def test_emergency_uses_department_first(config: Config) -> None:
    ch = routing.choose(config, category="engineering", at=local(*MON, 10),
                        mode=Mode.EMERGENCY, area="A")
    assert ch.assignee == "eng-zhao"
    assert ch.reason["rule"] == "R-51"


def test_emergency_without_department_on_duty_takes_anyone_on_duty(config: Config) -> None:
    # Sunday: no engineer; sec-wu (field role, on duty) is sent, supervisors of other
    # departments are not on shifts; the desk is not a field role
    ch = routing.choose(config, category="engineering", at=local(*SUN, 10),
                        mode=Mode.EMERGENCY, area="A")
    assert ch.assignee == "sec-wu"
    assert ch.reason["rule"] == "R-52"
    assert ch.department == "engineering"  # the table's department stays responsible
    # cs-chief (supervisor, on duty all day) ranks after sec-wu by area
    assert ch.reason["candidates"] == ["sec-wu", "cs-chief", "cs-he"]


def test_emergency_with_nobody_on_duty_is_r53() -> None:
    cfg = build_config(shifts=[])
    with pytest.raises(DomainError) as err:
        routing.choose(cfg, category="fire", at=local(*MON, 10), mode=Mode.EMERGENCY)
    assert "秩序部 (order)" in str(err.value)


def test_emergency_notices(config: Config) -> None:
    at = local(*MON, 10)
    got = routing.emergency_notices(config, assignee="eng-zhao", department="engineering",
                                    area="A", at=at)
    # the area's responsible people on duty (any department), supervisor, managers
    assert got == ["eng-sun", "sec-wu", "eng-chief", "gm-li", "gm-chen"]
    roles = routing.emergency_notice_roles(config, got, department="engineering", area="A")
    assert dict(roles) == {"eng-sun": "area_responsible", "sec-wu": "area_responsible",
                           "eng-chief": "department_supervisor", "gm-li": "manager",
                           "gm-chen": "manager"}
    # at night only the night engineer is on duty in area A: he is the assignee
    night = routing.emergency_notices(config, assignee="eng-night",
                                      department="engineering", area="A",
                                      at=local(*MON, 23))
    assert night == ["eng-chief", "gm-li", "gm-chen"]
    # the supervisor as assignee is not told twice
    assert "eng-chief" not in routing.emergency_notices(
        config, assignee="eng-chief", department="engineering", area=None, at=at)


# ------------------------------------------------------- complaint about


def test_complaint_about_another_department_goes_to_cs_supervisor(config: Config) -> None:
    ch = routing.choose(config, category="complaint", at=local(*MON, 10), mode=IMM,
                        about="engineering")
    assert ch.assignee == "cs-chief"
    assert ch.reason["rule"] == "complaint_about"
    assert ch.reason["to"] == "department_supervisor"
    assert ch.reason["about"] == "department:engineering"


def test_complaint_about_person_goes_to_cs_supervisor(config: Config) -> None:
    ch = routing.choose(config, category="complaint", at=local(*MON, 10), mode=IMM,
                        about="cs-he")
    assert ch.assignee == "cs-chief"


def test_complaint_about_cs_department_goes_one_level_up(config: Config) -> None:
    # the manager gm-li is listed before the community supervisor: one level up is
    # still the community supervisor, not the managers
    ch = routing.choose(config, category="complaint", at=local(*MON, 10), mode=IMM,
                        about="service")
    assert ch.assignee == "comm-zhou"
    assert ch.reason["to"] == "community_supervisor"


def test_complaint_about_cs_supervisor_goes_one_level_up(config: Config) -> None:
    ch = routing.choose(config, category="complaint", at=local(*SUN, 10), mode=IMM,
                        about="cs-chief")
    assert ch.assignee == "comm-zhou"
    assert ch.reason["on_duty"] is False  # off duty on Sunday, still the right level


def test_complaint_about_community_supervisor_from_cs_dept_goes_to_managers() -> None:
    cfg = build_config()
    people = [p for p in cfg.people if p.id != "cs-chief"]
    depts = [d if d.id != "service" else type(d)(d.id, d.name, d.categories, "comm-zhou")
             for d in cfg.departments]
    cfg2 = Config.build(community=cfg.community, departments=depts, people=people,
                        shifts=[Shift(("desk-wang", "cs-he"), "00:00", "24:00")])
    ch = routing.choose(cfg2, category="complaint", at=local(*MON, 10), mode=IMM,
                        about="comm-zhou")
    assert ch.assignee == "gm-li"
    assert ch.reason["to"] == "manager"


def test_complaint_with_no_one_to_go_to_is_an_error() -> None:
    cfg = build_config()
    people = [p for p in cfg.people if p.role.value not in ("manager", "community_supervisor")]
    cfg2 = Config.build(community=cfg.community, departments=cfg.departments, people=people,
                        shifts=[])
    with pytest.raises(DomainError) as err:
        routing.choose(cfg2, category="complaint", at=local(*MON, 10), mode=IMM,
                       about="cs-chief")
    assert err.value.code == "no_one_on_duty"
    assert "cs-chief" not in err.value.params["chain_ids"]


def test_unknown_about_is_an_ordinary_complaint(config: Config) -> None:
    ch = routing.choose(config, category="complaint", at=local(*MON, 10), mode=IMM,
                        about="the lift music")
    assert ch.reason["rule"] == "R-51"
    assert ch.assignee == "cs-chief"  # complaint -> the 客服部 supervisor
    assert ch.reason["tier"] == "department_supervisor"


def test_tiers_responsible_first_then_department() -> None:
    cfg = build_config()
    # inquiries go to the responsible person of 客服部, not its supervisor or the desk
    ch = routing.choose(cfg, category="inquiry", at=local(*MON, 10), mode=IMM)
    assert (ch.assignee, ch.reason["tier"]) == ("cs-he", "responsible")
    # an ordinary complaint with the supervisor off duty goes to the responsible person
    cfg2 = build_config(shifts=[Shift(("desk-wang", "cs-he"), "00:00", "24:00")])
    ch2 = routing.choose(cfg2, category="complaint", at=local(*MON, 10), mode=IMM)
    assert (ch2.assignee, ch2.reason["tier"]) == ("cs-he", "responsible")
    # with only the desk on duty, the desk takes it (help and inquiry -> 客服部 / the desk)
    cfg3 = build_config(shifts=[Shift(("desk-wang",), "00:00", "24:00")])
    ch3 = routing.choose(cfg3, category="help", at=local(*MON, 10), mode=IMM)
    assert (ch3.assignee, ch3.reason["tier"]) == ("desk-wang", "department")
    # engineering: the on-duty supervisor is not chosen while engineers are on duty
    ch4 = routing.choose(cfg, category="engineering", at=local(*MON, 10), mode=IMM,
                         open_counts={"eng-zhao": 9, "eng-qian": 9, "eng-sun": 9})
    assert ch4.assignee == "eng-zhao"


def test_other_categories_never_go_to_the_subject(config: Config) -> None:
    # a help request about eng-zhao, area A: eng-zhao would win, but is excluded
    ch = routing.choose(config, category="engineering", at=local(*MON, 10), mode=IMM,
                        area="A", about="eng-zhao")
    assert ch.assignee == "eng-sun"
    assert ch.reason["excluded"] == "person:eng-zhao"


# ------------------------------------------------------------------ K-11


def test_public_report_question_in_window(config: Config) -> None:
    at = local(*MON, 10)
    ch = routing.choose(config, category="inquiry", at=at, mode=IMM, about="public_report",
                        public_report_until=at + timedelta(days=1))
    assert ch.assignee == "comm-zhou"
    assert ch.reason["rule"] == "K-11"
    # the last second of the window still counts; after it, ordinary routing
    assert routing.choose(config, category="inquiry", at=at, mode=IMM,
                          about="public_report", public_report_until=at).assignee == "comm-zhou"
    late = routing.choose(config, category="inquiry", at=at, mode=IMM, about="public_report",
                          public_report_until=at - timedelta(seconds=1))
    assert late.reason["rule"] == "R-51"
    none = routing.choose(config, category="inquiry", at=at, mode=IMM, about="public_report")
    assert none.reason["rule"] == "R-51"


# ------------------------------------------------------ determinism

AREAS = st.sampled_from([None, "A", "B", "C", "Z"])
ENGINEERS = ["eng-zhao", "eng-qian", "eng-sun", "eng-night"]


@settings(max_examples=200, deadline=None)
@given(
    minutes=st.integers(0, 14 * 24 * 60 - 1),
    area=AREAS,
    counts=st.dictionaries(st.sampled_from(ENGINEERS), st.integers(0, 5)),
)
def test_choice_is_deterministic_and_minimal(minutes: int, area: str | None,
                                             counts: dict[str, int]) -> None:
    config = build_config()
    at = local(*MON) + timedelta(minutes=minutes)
    try:
        ch = routing.choose(config, category="engineering", at=at, mode=IMM, area=area,
                            open_counts=counts)
    except DomainError as e:
        assert e.code == "no_one_on_duty"
        assert not [p for p in on_duty(config, at) if p.startswith("eng-") and p != "eng-chief"]
        return
    # same inputs, same choice, whatever the order of the counts mapping
    again = routing.choose(config, category="engineering", at=at, mode=IMM, area=area,
                           open_counts=dict(reversed(list(counts.items()))))
    assert again == ch
    duty = on_duty(config, at)
    assert ch.assignee in duty
    dept_people = [p for p in config.people if p.department == "engineering" and p.id in duty
                   and p.role.value == "responsible"]
    best = config.person_by_id[ch.assignee]

    def key(p: object) -> tuple[int, int]:
        assert hasattr(p, "areas") and hasattr(p, "id")
        return (0 if area and area in p.areas else 1, counts.get(p.id, 0))

    assert all(key(best) <= key(p) for p in dept_people)

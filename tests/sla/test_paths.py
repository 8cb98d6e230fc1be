"""Whole paths: rework cycles (S-22), emergencies (S-4, S-14), appointments,
desk resolutions, transfers and cancellation; configuration of the rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, timedelta

import pytest
from tests.sla.slahelp import T0, TicketBuilder, build_config, outcome, t

from propdesk.domain import commands as c
from propdesk.domain.config import Config
from propdesk.domain.errors import ConfigError
from propdesk.domain.sla import RULES, SlaRules, evaluate, outcome_to_dict

New = Callable[..., TicketBuilder]


def statuses(b: TicketBuilder, rules: SlaRules, at: float, cycle: int = 1) -> dict[str, str]:
    return {o.rule: o.status for o in evaluate(b.now, rules, t(at))
            if o.cycle == cycle and o.occurrence == 1}


# ---------------------------------------------------------------- rework (S-22)


def test_rework_starts_a_new_cycle_and_keeps_old_breaches(new: New, rules: SlaRules) -> None:
    b = new().record(0)
    b.dispatch(60).do(c.Confirm, 200)  # S-3 breached by 80 s in cycle 1
    b.do(c.Acknowledge, 210).do(c.Arrive, 220).do(c.Diagnose, 230, diagnosis="漏水")
    b.do(c.Plan, 240).do(c.Agree, 250).do(c.Complete, 260)
    b.do(c.Reject, 1000, signer="李女士", opinion="还在漏")
    assert b.now.cycle == 2
    # cycle 1 unchanged
    o1 = outcome(b.now, rules, "S-3", 5000, cycle=1)
    assert (o1.status, o1.overrun_s) == ("breached", 80)
    # cycle 2: S-3 starts at the rework (the reject), S-9 too
    assert outcome(b.now, rules, "S-3", 1000, cycle=2).deadline == t(1120)
    assert outcome(b.now, rules, "S-9", 1000, cycle=2).deadline == t(1900)
    assert outcome(b.now, rules, "S-5", 1000, cycle=2).status == "na"  # not dispatched yet
    b.dispatch(1100, to="eng-liu").do(c.Confirm, 1120)
    assert outcome(b.now, rules, "S-3", 5000, cycle=2).status == "met"
    assert outcome(b.now, rules, "S-5", 1200, cycle=2).deadline == t(1700)
    # rules that belong to the first cycle only are not repeated
    assert {o.rule for o in evaluate(b.now, rules, t(5000)) if o.cycle == 2} == {
        "S-3", "S-5", "S-6", "S-7", "S-8", "S-9", "S-10", "S-11", "S-13"}


def test_rework_after_a_failed_callback_and_each_return_restarts_s13(new: New,
                                                                      rules: SlaRules) -> None:
    b = new().record(0).to_in_progress(10)
    r1 = b.finish(100)
    b.do(c.Callback, r1 + 200, fixed=False, satisfaction="dissatisfied")  # breached by 80
    assert b.now.cycle == 2
    b.to_in_progress(r1 + 300)
    r2 = b.finish(r1 + 400)
    assert outcome(b.now, rules, "S-13", r2, cycle=2).deadline == t(r2 + 120)
    b.do(c.Callback, r2 + 60, fixed=True, satisfaction="satisfied", charge_ok=True)
    o1 = outcome(b.now, rules, "S-13", r2 + 1000, cycle=1)
    o2 = outcome(b.now, rules, "S-13", r2 + 1000, cycle=2)
    assert (o1.status, o1.overrun_s) == ("breached", 80)
    assert (o2.status, o2.deadline) == ("met", t(r2 + 120))


def test_rework_with_a_new_appointment_is_an_appointment_cycle(new: New,
                                                               rules: SlaRules) -> None:
    b = new().record(0).to_in_progress(10)
    b.do(c.Complete, 100).do(c.Reject, 200, signer="李女士")
    appt = t(200 + 4 * 3600)
    b.dispatch(300, appointment_at=appt)
    st = statuses(b, rules, 400, cycle=2)
    assert st["S-5"] == "na" and st["S-6"] == st["S-7"] == st["S-8"] == "pending"
    assert outcome(b.now, rules, "S-6", 400, cycle=2).deadline == appt - timedelta(minutes=15)
    # without a new appointment the rework cycle is immediate service
    b2 = new("A2").record(0).to_in_progress(10)
    b2.do(c.Complete, 100).do(c.Reject, 200, signer="李女士").dispatch(300)
    st2 = statuses(b2, rules, 400, cycle=2)
    assert st2["S-5"] == "pending" and st2["S-6"] == "na"


def test_transfer_does_not_restart_clocks(new: New, rules: SlaRules) -> None:
    b = new().record(0).dispatch(60)
    b.do(c.Transfer, 100, to="eng-liu", reason="赵师傅在另一现场")
    assert b.now.cycle == 1 and len(b.now.work_orders) == 2
    b.do(c.Confirm, 130)
    assert outcome(b.now, rules, "S-3", 500).deadline == t(120)  # from the recording
    assert outcome(b.now, rules, "S-3", 500).overrun_s == 10
    assert outcome(b.now, rules, "S-5", 500).deadline == t(660)  # from the first dispatch


# ---------------------------------------------------------------- emergency (S-4, S-14)


def test_emergency_site_first_path(new: New, rules: SlaRules) -> None:
    b = new().record(10, received=0, mode="emergency").dispatch(30)
    b.do(c.Confirm, 60).do(c.Arrive, 200)  # S-14: on site before signing
    b.do(c.FollowUp, 300, note="阶段性处理：已关闭总阀", by="desk-wang")
    b.do(c.Acknowledge, 400)
    st = statuses(b, rules, 500)
    assert st["S-4"] == "met" and st["S-5"] == "met" and st["S-3"] == "met"
    assert st["S-6"] == st["S-7"] == st["S-8"] == "na"
    assert "S-14" not in st  # informational: enforced by the lifecycle


# ---------------------------------------------------------------- desk resolution


def test_desk_resolved_inquiry(new: New, rules: SlaRules) -> None:
    b = new().record(20, received=0, category="inquiry", reply="您好，请稍等")
    b.do(c.Complete, 100)
    st = statuses(b, rules, 110)
    assert st == {"S-1": "met", "S-2": "met", "S-3": "na", "S-4": "na", "S-5": "na",
                  "S-6": "na", "S-7": "na", "S-8": "na", "S-9": "met", "S-10": "na",
                  "S-11": "na", "S-12": "met", "S-13": "pending"}
    b.do(c.Callback, 220, fixed=True, satisfaction="satisfied", close=True)
    assert statuses(b, rules, 10_000)["S-13"] == "met"


# ---------------------------------------------------------------- cancellation


def test_cancel_voids_pending_clocks_and_freezes_breaches(new: New, rules: SlaRules) -> None:
    b = new().record(0).dispatch(60)
    b.do(c.Cancel, 130, reason="业主自行修好", confirmed_by_source=True)
    o3 = outcome(b.now, rules, "S-3", 9999)
    assert (o3.status, o3.overrun_s, o3.stopped_at) == ("breached", 10, t(130))
    assert outcome(b.now, rules, "S-5", 9999).status == "na"  # was pending: not applicable


# ---------------------------------------------------------------- configuration


def test_allowance_override_and_switch_off(new: New) -> None:
    cfg = build_config(allowances={"S-5": 15 * 60, "S-12": None})
    rules = SlaRules.from_config(cfg)
    b = new(config=cfg).record(0).dispatch(60)
    assert outcome(b.now, rules, "S-5", 100).deadline == t(60 + 900)
    assert "S-12" not in {o.rule for o in evaluate(b.now, rules, t(100))}
    assert rules.allowances["S-12"] is None and "S-12" not in {r.id for r in rules.enabled}


@pytest.mark.parametrize("rule", [r.id for r in RULES if not r.informational])
def test_any_rule_can_be_switched_off(new: New, rule: str) -> None:
    cfg = build_config(allowances={rule: None})
    rules = SlaRules.from_config(cfg)
    b = new(config=cfg).record(0, mode="emergency").dispatch(30)
    found = {o.rule for o in evaluate(b.now, rules, t(100))}
    assert found == {r.id for r in RULES if not r.informational} - {rule}


def test_s12_allowance_is_a_grace_after_the_meeting(new: New) -> None:
    cfg = build_config(allowances={"S-12": 30 * 60})
    b = new(config=cfg).record(0)
    o = outcome(b.now, SlaRules.from_config(cfg), "S-12", 10)
    assert o.deadline == (T0 + timedelta(days=1, minutes=30)).astimezone(UTC)


def test_unknown_rule_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        SlaRules.from_config(build_config(allowances={"S-99": 60}))
    assert err.value.path == "$.sla.S-99"


def test_s14_has_no_allowance() -> None:
    with pytest.raises(ConfigError) as err:
        SlaRules.from_config(build_config(allowances={"S-14": 60}))
    assert err.value.path == "$.sla.S-14"
    assert SlaRules.from_config(build_config(allowances={"S-14": None}))


def test_from_toml(tmp_path: object) -> None:
    from pathlib import Path

    from propdesk.config import load_config

    path = Path(str(tmp_path)) / "propdesk.toml"
    path.write_text('[community]\nname = "海德花园"\ntimezone = "Asia/Shanghai"\n'
                    'meeting_time = "08:30"\n[sla]\nS-5 = "15m"\nS-12 = "off"\n'
                    'warn_at = 0.5\n', encoding="utf-8")
    rules = SlaRules.from_config(load_config(path))
    assert rules.allowances["S-5"] == 900 and rules.allowances["S-12"] is None
    assert rules.warn_at == 0.5 and rules.meeting.hour == 8 and rules.meeting.minute == 30
    path.write_text('[sla]\nS-99 = "1m"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        SlaRules.from_config(load_config(path))
    assert err.value.path == "$.sla.S-99"


def test_rules_are_data() -> None:
    assert [r.id for r in RULES] == [f"S-{i}" for i in range(1, 15)]
    defaults = {r.id: r.allowance_s for r in RULES}
    assert defaults == {"S-1": 60, "S-2": 300, "S-3": 120, "S-4": 90, "S-5": 600, "S-6": 900,
                        "S-7": 0, "S-8": 180, "S-9": 900, "S-10": 180, "S-11": 300, "S-12": 0,
                        "S-13": 120, "S-14": None}


def test_a_new_rule_is_a_new_row(new: New, sla_config: Config) -> None:
    import attrs

    from propdesk.domain.sla import Rule

    # e.g. a company standard: sign for the work order within 5 minutes of the read-back
    extra = Rule("X-1", "sign within 5 minutes of the read-back", "复述确认后5分钟内签收",
                 "cycle", "confirmed", ("acknowledged",), 300)
    rules = SlaRules.from_config(sla_config, rules=(*RULES, extra))
    b = new().record(0).dispatch(10).do(c.Confirm, 20)
    o = outcome(b.now, rules, "X-1", 30)
    assert (o.status, o.deadline) == ("pending", t(320))
    assert attrs.evolve(extra, allowance_s=1).allowance_s == 1


def test_rows_can_filter_by_category_and_desk_resolution(new: New,
                                                        sla_config: Config) -> None:
    from propdesk.domain.sla import Rule

    repairs = Rule("X-2", "repairs: on site within 20 minutes", "零修20分钟到场", "cycle",
                   "dispatched", ("arrived",), 1200, categories=frozenset({"engineering"}))
    desk_only = Rule("X-3", "desk answers: callback within 10 minutes", "前台答复后10分钟回访",
                     "cycle", "desk_resolved", ("called_back",), 600, desk_resolved=True)
    rules = SlaRules.from_config(sla_config, rules=(*RULES, repairs, desk_only))
    repair = new("R1").record(0).dispatch(10)
    assert outcome(repair.now, rules, "X-2", 20).deadline == t(1210)
    assert outcome(repair.now, rules, "X-3", 20).status == "na"
    inquiry = new("Q1").record(0, category="inquiry").do(c.Complete, 30)
    assert outcome(inquiry.now, rules, "X-2", 40).status == "na"
    assert outcome(inquiry.now, rules, "X-3", 40).deadline == t(630)


def test_a_row_naming_an_unknown_milestone_is_refused(sla_config: Config) -> None:
    from propdesk.domain.sla import Rule

    bad = Rule("X-9", "?", "?", "cycle", "teleported", ("arrived",), 60)
    with pytest.raises(ValueError, match="unknown milestone 'teleported'"):
        SlaRules.from_config(sla_config, rules=(*RULES, bad))
    with pytest.raises(ValueError, match="duplicate"):
        SlaRules.from_config(sla_config, rules=(*RULES, RULES[0]))


# ---------------------------------------------------------------- JSON output


def test_outcome_to_dict_has_exactly_the_section_12_keys(new: New, rules: SlaRules) -> None:
    b = new().record(0).dispatch(60)
    out = [outcome_to_dict(o) for o in evaluate(b.now, rules, t(200))]
    assert all(list(d) == ["ticket", "rule", "cycle", "status", "deadline", "overrun_s"]
               for d in out)
    s3 = next(d for d in out if d["rule"] == "S-3")
    assert s3 == {"ticket": "A1", "rule": "S-3", "cycle": 1, "status": "breached",
                  "deadline": "2026-03-02T01:02:00+00:00", "overrun_s": 80}
    s5 = next(d for d in out if d["rule"] == "S-5")
    assert s5["deadline"] == "2026-03-02T01:11:00+00:00" and s5["overrun_s"] is None
    local = outcome_to_dict(evaluate(b.now, rules, t(200))[2], zone=rules.zone)
    assert local["deadline"] == "2026-03-02T09:02:00+08:00"
    json.dumps(out)  # JSON-native


def test_outcome_is_a_frozen_attrs_class_with_every_field_set() -> None:
    import attrs

    from propdesk.domain.sla import Outcome

    o = Outcome("A1", "S-1", 1, "met", t(60), None, t(0), t(30))
    assert attrs.asdict(o) == {"ticket": "A1", "rule": "S-1", "cycle": 1, "status": "met",
                               "deadline": t(60), "overrun_s": None, "started_at": t(0),
                               "stopped_at": t(30), "deviation": None, "occurrence": 1}
    assert o == attrs.evolve(o) and o != attrs.evolve(o, occurrence=2)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        o.status = "breached"  # type: ignore[misc]

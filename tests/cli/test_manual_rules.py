"""Issue 19, points 2, 3 and 5 through the CLI: S-3 and the desk's own answers
(`sla --at`, `due`, the board agree), a charge that is not the agreed plan
(R-61, R-62), and a second inability reported at the current level (S-11, R-54)."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.cli.cli_support import T0, Run

from propdesk.adapters.clock import ManualClock


def at(clock: ManualClock, minutes: float) -> str:
    """Move the clock to T0 + ``minutes`` and return that time for ``--at``."""
    when = T0 + timedelta(minutes=minutes)
    clock.set(when)
    return when.strftime("%H:%M:%S")


def s3(run: Run, ticket: str, *extra: str) -> dict:
    rows = json.loads(run("sla", "--json", "--ticket", ticket, *extra).stdout)
    return next(r for r in rows if r["rule"] == "S-3")


def test_s3_and_a_question_the_desk_answers_itself(run: Run, clock: ManualClock) -> None:
    run("record", "--ticket", "Q1", "--source", "owner_call", "--mode", "immediate",
        "--content", "物业费怎么交", "--contact", "周先生", "--phone", "13800001234",
        "--category", "inquiry", "--reply", "稍等，我查一下", "--at", at(clock, 0))
    at(clock, 5)  # the desk is still finding out: 5 minutes, S-9 allows 15
    row = s3(run, "Q1")
    assert (row["status"], row["deadline"], row["overrun_s"]) == (
        "pending", "2026-03-02T09:02:00+08:00", None)
    due = json.loads(run("due", "--until", "+1m", "--json").stdout)
    assert [(d["rule"], d["level"]) for d in due if d["ticket"] == "Q1"] == [("S-3", "warn")]
    board = json.loads(run("board", "--once", "--json").stdout)
    assert board["counts"]["breach"] == 0 and board["tickets"][0]["breached"] is False
    run("complete", "Q1", "--note", "已告知缴费方式", "--at", at(clock, 8))
    assert s3(run, "Q1")["status"] == "na"
    assert s3(run, "Q1", "--at", "09:07")["status"] == "pending"  # as the desk stood then
    assert json.loads(run("sla", "--json", "--status", "breached").stdout) == []
    run("callback", "Q1", "--fixed", "--satisfaction", "satisfied", "--close",
        "--at", at(clock, 9))
    assert [d for d in json.loads(run("due", "--until", "+1h", "--json").stdout)
            if d["rule"] == "S-3"] == []
    # a question dispatched after the 2 minutes keeps S-3 as before: breached
    run("record", "--ticket", "Q2", "--source", "owner_call", "--mode", "immediate",
        "--content", "投诉楼上噪音", "--contact", "吴女士", "--phone", "13800005678",
        "--category", "complaint", "--location", "3-2-502", "--at", at(clock, 9))
    run("dispatch", "Q2", "--to", "svc-chief", "--at", at(clock, 14))
    row = s3(run, "Q2")
    assert (row["status"], row["overrun_s"]) == ("breached", 180)
    board = json.loads(run("board", "--once", "--json").stdout)
    assert [t["ticket"] for t in board["tickets"] if t["breached"]] == ["Q2"]


def repair_planned_e03(run: Run, clock: ManualClock) -> None:
    run("record", "--ticket", "F1", "--source", "owner_call", "--mode", "immediate",
        "--content", "水龙头漏水", "--location", "5-1-1202", "--contact", "李女士",
        "--phone", "13800138000", "--reply", "马上安排", "--at", at(clock, 0))
    run("dispatch", "F1", "--category", "engineering", "--to", "eng-zhao", "--at", at(clock, 1))
    for verb, minute in (("confirm", 1.5), ("acknowledge", 3), ("arrive", 8)):
        run(verb, "F1", "--at", at(clock, minute), user="eng-zhao")
    run("diagnose", "F1", "--diagnosis", "阀芯坏", "--at", at(clock, 9), user="eng-zhao")
    run("plan", "F1", "--fees", "E03:1", "--at", at(clock, 10), user="eng-zhao")
    run("agree", "F1", "--schedule-shown", "--at", at(clock, 11), user="eng-zhao")


def test_a_charge_that_is_not_the_agreed_plan(run: Run, clock: ManualClock) -> None:
    repair_planned_e03(run, clock)
    refused = run("complete", "F1", "--charge", "999.00", "--at", at(clock, 30),
                  user="eng-zhao", expect=7)
    assert "--charge-reason" in refused.stderr and "25.50" in refused.stderr
    zh = run("complete", "F1", "--charge", "999.00", user="eng-zhao", lang="zh", expect=7)
    assert "--charge-reason" in zh.stderr and "约定方案" in zh.stderr
    run("complete", "F1", "--charge", "999.00", "--charge-reason", "业主要求换整套龙头",
        "--at", at(clock, 31), user="eng-zhao")
    shown = json.loads(run("show", "F1", "--json").stdout)
    assert shown["charge_differs"] is True
    assert shown["work_orders"][0]["charge_differs"] is True
    assert shown["work_orders"][0]["charge_reason"] == "业主要求换整套龙头"
    text = run("show", "F1").stdout
    assert "¥999.00 ≠ plan ¥25.50" in text and "业主要求换整套龙头" in text
    assert "方案 ¥25.50" in run("show", "F1", lang="zh").stdout
    board = json.loads(run("board", "--once", "--json").stdout)
    assert board["tickets"][0]["charge_differs"] is True
    assert "F1 ¥≠" in run("board", "--once").stdout
    run("accept", "F1", "--signer", "李女士", "--at", at(clock, 32), user="eng-zhao")
    run("return", "F1", "--at", at(clock, 40))
    refused = run("callback", "F1", "--fixed", "--satisfaction", "satisfied",
                  "--at", at(clock, 41), expect=7)
    assert "--charge-ok" in refused.stderr and "--no-charge-ok" in refused.stderr
    run("callback", "F1", "--fixed", "--satisfaction", "satisfied", "--no-charge-ok",
        "--at", at(clock, 42))
    shown = json.loads(run("show", "F1", "--json").stdout)
    assert shown["state"] == "returned" and shown["charge_disputed"] is True
    report = json.loads(run("report", "monthly", "--json").stdout)
    assert report["charges"] == {"charged": 1, "charge_differs": 1, "charge_disputed": 1}


def test_the_plan_amount_passes_without_a_word(run: Run, clock: ManualClock) -> None:
    repair_planned_e03(run, clock)
    run("complete", "F1", "--charge", "25.50", "--at", at(clock, 30), user="eng-zhao")
    shown = json.loads(run("show", "F1", "--json").stdout)
    assert shown["charge_differs"] is False
    assert "≠" not in run("board", "--once").stdout


def test_a_second_inability_is_reported_at_the_current_level(run: Run,
                                                             clock: ManualClock) -> None:
    repair_planned_e03(run, clock)
    run("unable", "F1", "--reason", "需停水", "--at", at(clock, 12), user="eng-zhao")
    run("escalate", "F1", "--level", "1", "--reason", "上报工程主管", "--at", at(clock, 13),
        user="eng-zhao")
    again = run("escalate", "F1", "--level", "1", "--reason", "再报", "--at", at(clock, 14),
                user="eng-zhao", expect=7)
    assert "not above the current level 1" in again.stderr
    run("unable", "F1", "--reason", "邻居不配合", "--at", at(clock, 15), user="eng-zhao")
    run("escalate", "F1", "--level", "1", "--reason", "再次上报主管", "--at", at(clock, 17),
        user="eng-zhao")
    shown = json.loads(run("show", "F1", "--json").stdout)
    assert shown["escalation_level"] == 1
    rows = json.loads(run("sla", "--json", "--ticket", "F1").stdout)
    assert [(r["status"], r["deadline"]) for r in rows if r["rule"] == "S-11"] == [
        ("met", "2026-03-02T09:17:00+08:00"), ("met", "2026-03-02T09:20:00+08:00")]

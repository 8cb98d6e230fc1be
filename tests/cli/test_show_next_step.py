"""Issue 19, point 8: ``show`` puts the next step of the procedure first
(localised, with the CLI command that takes it), then the other allowed
actions, and its history reads as people write: local times without
microseconds, labels, no Python reprs or internal keys."""

from __future__ import annotations

import json
import re

import pytest
from tests.cli.cli_support import RECORD, Run

from propdesk.adapters.clock import ManualClock


@pytest.fixture
def a1(run: Run, clock: ManualClock) -> Run:
    clock.set(clock.now().replace(hour=9, minute=30))  # (no command is dated ahead of it)
    run(*RECORD)
    run("dispatch", "A1", "--category", "engineering", "--to", "eng-zhao", "--at", "09:01:30")
    return run


def test_next_step_first_then_the_other_actions(a1: Run) -> None:
    zh = a1("show", "A1", lang="zh").stdout
    assert "下一步：复述确认/接单（由 赵师傅 (eng-zhao)）" in zh
    assert "S-3" in zh.split("下一步：")[1]
    assert "propdesk --as eng-zhao confirm A1" in zh
    others = zh.split("其他可执行：")[1]
    assert "答复 (reply)" in others and "撤销 (cancel)" in others
    assert "confirm" not in others  # the next step is not repeated
    assert zh.index("下一步") < zh.index("其他可执行")
    en = a1("show", "A1").stdout
    assert "Next step: confirm (read back) (by 赵师傅 (eng-zhao))" in en
    assert "Other actions: classify, reply" in en


def test_next_step_for_a_call_not_yet_answered(run: Run) -> None:
    run("record", "--ticket", "Q1", "--source", "owner_call", "--mode", "immediate",
        "--content", "物业费怎么交", "--contact", "王先生", "--phone", "13700000000",
        "--category", "inquiry", "--at", "09:00:30", "--received-at", "09:00")
    out = run("show", "Q1").stdout
    assert "Next step: reply" in out and "propdesk reply Q1 --text …" in out
    run("reply", "Q1", "--text", "在物业中心缴纳", "--at", "09:01")
    out = run("show", "Q1", lang="zh").stdout
    assert "下一步：处理完毕" in out and "S-9" in out and "propdesk complete Q1" in out


def test_next_step_in_json_and_none_when_closed(a1: Run) -> None:
    data = json.loads(a1("show", "A1", "--json").stdout)
    assert data["next_step"] == {
        "command": "confirm", "by": "eng-zhao", "cli": "propdesk --as eng-zhao confirm A1",
        "reason_zh": "处理人复述确认/接单（S-3）",
        "reason_en": "the assignee reads the order back (S-3)"}
    a1("cancel", "A1", "--reason", "业主自行修好", "--confirmed-by-source", "--at", "09:03")
    data = json.loads(a1("show", "A1", "--json").stdout)
    assert data["next_step"] is None
    out = a1("show", "A1").stdout
    assert "Next step" not in out and "Other actions" not in out


def test_history_is_readable(a1: Run) -> None:
    a1("amend", "A1", "--field", "phone", "--value", "13900000000", "--reason", "记错号码",
       "--at", "09:02")
    zh = a1("show", "A1", lang="zh", env={"COLUMNS": "300"}).stdout  # no wrapped cells
    history = zh.split("处理记录")[1].split("下一步")[0]
    assert "03-02 09:00:40" in history and "03-02 09:01:30" in history  # local, seconds
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", history)  # no microseconds
    for text in ("录入", "派单", "更正", "王丽 (desk-wang)", "处理人：赵师傅 (eng-zhao)",
                 "分类：工程", "部门：工程部", "内容：厨房水管漏水", "答复：师傅十分钟内到",
                 "更正字段：联系方式", "原值：138****8000", "新值：139****0000",
                 "原因：记错号码"):
        assert text in history, text
    for internal in ("{", "}", "[", "'", "routing", "work_order", "rule=", "True", "None",
                     "=", "explicit", "missing", "cycle"):
        assert internal not in history, internal
    assert "13800138000" not in zh and "李女士" not in zh
    en = a1("show", "A1", env={"COLUMNS": "300"}).stdout
    assert "category: Engineering (repairs)" in en and "field: phone" in en

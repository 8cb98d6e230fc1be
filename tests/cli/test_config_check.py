"""Issue 19, point 9: ``config check`` reports what would fail at dispatch — every
category without a department, every hour of the week a department has no one on
duty — as warnings (errors with ``--strict``), with the key's path; and its hints
are not circular."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.cli_support import RECORD, T0, Run

from propdesk.adapters.clock import ManualClock


def edited(community: Path, name: str, *replacements: tuple[str, str]) -> Path:
    text = community.read_text("utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = community.parent / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_starter_warns_about_cleaning_at_night(run: Run) -> None:
    out = run("config", "check")
    assert "warning [$.departments[id=environment]]: environment (Environment): no one on " \
           "duty every day 20:00–08:00 next day" in out.stderr
    assert "hint: add a [[shifts]] table" in out.stderr
    assert "with 1 warning(s)" in out.stderr
    zh = run("config", "check", lang="zh")
    assert "environment（环境部）：每天 20:00–次日 08:00 无人值班" in zh.stderr
    assert "警告 [$.departments[id=environment]]" in zh.stderr
    strict = run("config", "check", "--strict", expect=8)
    assert "error [$.departments[id=environment]]" in strict.stderr
    assert "1 problem(s)" in strict.stderr and "(--strict)" in strict.stderr


def test_the_warning_is_what_dispatch_then_does(run: Run, clock: ManualClock) -> None:
    """The reported hours are true: a cleaning job at 21:00 finds no one."""
    clock.set(T0.replace(hour=21, minute=2))
    run(*RECORD[:-4], "--at", "21:00:30", "--received-at", "21:00:00")
    out = run("dispatch", "A1", "--category", "cleaning", "--at", "21:01", expect=7)
    assert "no one" in out.stderr.lower() or "无人" in out.stderr


def test_categories_without_a_department_and_a_gap_in_the_week(run: Run,
                                                                community: Path) -> None:
    config = edited(
        community, "gaps.toml",
        ('categories = ["complaint", "help", "inquiry"]', 'categories = ["help"]'),
        # the night engineer is off on Monday night: Mon 20:00 to Tue 08:00
        ('people = ["desk-chen", "eng-liu", "sec-sun"]\nstart = "20:00"\nend = "08:00"',
         'people = ["desk-chen", "sec-sun", "env-wu"]\nstart = "20:00"\nend = "08:00"\n\n'
         '[[shifts]]\npeople = ["eng-liu"]\nstart = "20:00"\nend = "08:00"\n'
         'days = ["tue", "wed", "thu", "fri", "sat", "sun"]'))
    out = run("config", "check", "--json", config=config)
    data = json.loads(out.stdout)
    assert data["ok"] is True and data["errors"] == []
    found = {(w["code"], w.get("category") or w.get("department")): w for w in data["warnings"]}
    assert set(found) == {("no_department", "complaint"), ("no_department", "inquiry"),
                          ("no_one_on_duty", "engineering")}
    assert found["no_department", "complaint"]["path"] == "$.departments"
    gap = found["no_one_on_duty", "engineering"]
    assert gap["path"] == "$.departments[id=engineering]"
    assert [g["text"] for g in gap["gaps"]] == ["Mon 20:00–Tue 08:00"]
    assert [g["text_zh"] for g in gap["gaps"]] == ["周一 20:00–周二 08:00"]
    zh = run("config", "check", config=config, lang="zh")
    assert "分类 complaint（投诉）没有负责部门" in zh.stderr
    assert "engineering（工程部）：周一 20:00–周二 08:00 无人值班" in zh.stderr
    strict = run("config", "check", "--strict", "--json", config=config, expect=8)
    assert len(json.loads(strict.stdout)["errors"]) == 3


def test_a_broken_file_gets_a_hint_that_is_not_the_check_itself(run: Run,
                                                                 community: Path) -> None:
    config = edited(community, "broken.toml", ('role = "desk"', 'role = "boss"'))
    for lang, words in (("en", "edit $.people"), ("zh", "请修改")):
        out = run("config", "check", config=config, lang=lang, expect=8)
        hint = out.stderr.strip().splitlines()[-1]
        assert words in hint and str(config) in hint and "docs/configuration.md" in hint
        assert hint not in ("check it with: propdesk config check",
                            "可用 propdesk config check 检查配置")

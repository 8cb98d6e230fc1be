"""``apply`` (batch files), ``demo`` (a day at the desk) and the masking helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.cli_support import Run

from propdesk.cli import cli
from propdesk.cli.demo import demo_lines
from propdesk.cli.errors import ExitCode
from propdesk.masking import mask_name, mask_phone, mask_room, mask_text, may_reveal

LINES = [
    '{"at":"2026-03-02T09:00:40+08:00","cmd":"record","ticket":"A1",'
    '"received_at":"2026-03-02T09:00:00+08:00","source":"owner_call","by":"desk-wang",'
    '"location":"5-1-1202","content":"厨房水管漏水","contact":"李女士","phone":"13800000000",'
    '"mode":"immediate","reply":"师傅十分钟内到"}',
    '{"at":"2026-03-02T09:01:30+08:00","cmd":"dispatch","ticket":"A1","category":"engineering",'
    '"to":"eng-zhao","by":"desk-wang"}',
    '{"at":"2026-03-02T09:01:45+08:00","cmd":"confirm","ticket":"A1","by":"eng-zhao"}',
]


def test_apply_a_file_reports_each_line(run: Run, tmp_path: Path) -> None:
    batch = tmp_path / "day.jsonl"
    batch.write_text("\n".join(LINES) + "\n\n", "utf-8")
    out = run("apply", str(batch), "--json")
    assert [json.loads(x) for x in out.stdout.splitlines()] == [
        {"line": 1, "ok": True, "ticket": "A1"}, {"line": 2, "ok": True, "ticket": "A1"},
        {"line": 3, "ok": True, "ticket": "A1"}]
    assert "3 lines applied, 0 refused" in out.stderr


def test_apply_stdin_refused_lines_and_exit_code(run: Run) -> None:
    text = "\n".join([LINES[0], LINES[2], LINES[1], LINES[2]])  # confirm before dispatch
    out = run("apply", "-", input=text, expect=int(ExitCode.BATCH_REFUSED), lang="zh")
    assert "3 行已执行，1 行被拒绝" in out.stderr
    assert "不能执行「复述确认/接单」" in out.stdout  # the refused line, in a table
    state = json.loads(run("show", "A1", "--json").stdout)["state"]
    assert state == "confirmed"


def test_apply_with_a_progress_bar(run: Run, tmp_path: Path) -> None:
    lines = [json.dumps({"at": f"2026-03-02T09:{m:02d}:00+08:00", "cmd": "record",
                         "ticket": f"T{m}", "by": "desk-wang", "source": "desk_internal",
                         "received_at": f"2026-03-02T09:{m:02d}:00+08:00", "content": "巡查",
                         "mode": "immediate", "location": "A区"}) for m in range(40)]
    batch = tmp_path / "many.jsonl"
    batch.write_text("\n".join(lines), "utf-8")
    out = run("apply", str(batch), "--progress", "--chunk", "7")
    assert "40 lines applied" in out.stderr
    assert len(json.loads(run("list", "--json").stdout)) == 40


def test_the_demo_day_applies_cleanly_and_shows_breaches(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    out = CliRunner().invoke(cli, ["--lang", "zh", "demo", str(folder)],
                             catch_exceptions=False)
    assert out.exit_code == 0, out.output
    text = out.stdout
    assert "已执行 79 条指令" in text
    for expected in ("未结 3", "预警 1", "超时 1", "今日超时 5 项", "S-6", "S-13",
                     "信息三率统计表", "K-1 及时率", "77.78%"):
        assert expected in text, expected
    assert "13800138000" not in text and "李女士" not in text
    assert (folder / "propdesk.toml").exists() and (folder / "demo-day.jsonl").exists()
    again = CliRunner().invoke(cli, ["--lang", "en", "demo", str(folder)])
    assert again.exit_code == ExitCode.CONFLICT and "--force" in again.stderr
    forced = CliRunner().invoke(cli, ["--lang", "en", "demo", str(folder), "--force"])
    assert forced.exit_code == 0 and "79 commands applied" in forced.stdout


def test_demo_day_covers_the_desks_work() -> None:
    cmds = [json.loads(x) for x in demo_lines()]
    kinds = {c["cmd"] for c in cmds}
    assert {"record", "dispatch", "reject", "contact_owner", "follow_up", "sample_callback",
            "callback", "complete"} <= kinds
    modes = {c.get("mode") for c in cmds if c["cmd"] == "record"}
    assert modes == {"immediate", "emergency", "appointment"}
    assert [c["at"] for c in cmds] == sorted(c["at"] for c in cmds)


@pytest.mark.parametrize("phone,masked", [
    ("13800138000", "138****8000"), ("021-6234-5678", "021-****-5678"), ("12345", "***45"),
    ("", ""), ("无", "*"),
])
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_mask_names_rooms_and_text() -> None:
    assert mask_name("李女士") == "李*" and mask_name("John Smith") == "J*"
    assert mask_name(None) is None and mask_phone(None) is None
    assert mask_room("5-1-1202") == "5-1-****"
    assert mask_text("李女士 13800138000 来电", ["李女士", "13800138000"]) == "李* 138****8000 来电"


def test_who_may_reveal(run: Run, community: Path) -> None:
    from propdesk.config import load_config

    config = load_config(community)
    assert may_reveal(config, "desk-wang") and may_reveal(config, "mgr-gao")
    assert not may_reveal(config, "eng-zhao") and not may_reveal(config, None)
    assert not may_reveal(config, "nobody")

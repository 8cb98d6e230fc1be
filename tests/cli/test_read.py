"""Reading commands: show, list, board, sla, due, kpi, report, audit, export/import,
config and plugins — with the JSON shapes under --json and masked personal data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.cli_support import RECORD, Run

from propdesk.adapters.clock import ManualClock

TICKET_KEYS = {"id", "state", "category", "mode", "first_receiver", "source", "received_at",
               "recorded_at", "rework_count", "escalation_level", "incomplete", "work_orders",
               "history"}
WORK_ORDER_KEYS = {"number", "assignee", "dispatched_at", "confirmed_at", "acknowledged_at",
                   "arrived_at"}


@pytest.fixture
def a1(run: Run) -> Run:
    run(*RECORD)
    run("dispatch", "A1", "--category", "engineering", "--to", "eng-zhao", "--at", "09:01:30")
    return run


def test_show_json_has_the_12_shape_and_masks_personal_data(a1: Run) -> None:
    out = a1("show", "A1", "--json")
    data = json.loads(out.stdout)
    assert data.keys() >= TICKET_KEYS
    assert data["work_orders"][0].keys() >= WORK_ORDER_KEYS
    assert {"at", "event", "by"} <= data["history"][0].keys()
    assert data["phone"] == "138****8000" and data["contact"] == "李*"
    assert "13800138000" not in out.stdout and "李女士" not in out.stdout
    assert {"ticket", "rule", "cycle", "status", "deadline", "overrun_s"} <= data["sla"][0].keys()
    assert out.stderr == ""


def test_show_table_is_readable(a1: Run) -> None:
    out = a1("show", "A1", lang="zh").stdout
    for text in ("厨房水管漏水", "已派单", "信息处理单", "处理记录", "138****8000", "李*"):
        assert text in out
    assert "13800138000" not in out


def test_reveal_is_permitted_to_the_desk_and_recorded(a1: Run) -> None:
    out = a1("show", "A1", "--reveal", "--json")
    assert json.loads(out.stdout)["phone"] == "13800138000"
    log = json.loads(a1("audit", "reveals", "--json").stdout)
    assert log == [{"at": "2026-03-02T09:00:00+08:00", "by": "desk-wang", "purpose": "show",
                    "tickets": ["A1"]}]


def test_reveal_refused_to_others_and_nothing_recorded(a1: Run) -> None:
    out = a1("show", "A1", "--reveal", user="eng-liu", expect=6)
    assert "eng-liu may not see" in out.stderr and "13800138000" not in out.stdout
    assert json.loads(a1("audit", "reveals", "--json").stdout) == []
    # the assignee may (he must reach the owner)
    assert "13800138000" in a1("show", "A1", "--reveal", user="eng-zhao").stdout


def test_list_filters(a1: Run, clock: ManualClock) -> None:
    clock.set(clock.now().replace(minute=5))
    a1("record", "--ticket", "B1", "--source", "owner_call", "--mode", "immediate",
       "--content", "楼道灯不亮", "--location", "1-1", "--category", "engineering",
       "--contact", "王", "--phone", "13000000000", "--at", "09:05")
    ids = lambda *a: [t["id"] for t in json.loads(a1("list", "--json", *a).stdout)]  # noqa: E731
    assert ids() == ["A1", "B1"]
    assert ids("--state", "dispatched") == ["A1"]
    assert ids("--assignee", "eng-zhao") == ["A1"]
    assert ids("--first-receiver", "desk-wang", "--open") == ["A1", "B1"]
    assert ids("--from", "09:03") == ["B1"]
    assert ids("--to", "09:03") == ["A1"]
    assert ids("--category", "cleaning") == []
    assert ids("--limit", "1") == ["B1"]
    table = a1("list", lang="zh").stdout
    assert "楼道灯不亮" in table and "李*" in table


def test_overdue_board_sla_due(a1: Run, clock: ManualClock) -> None:
    clock.set(clock.now().replace(hour=9, minute=10))
    assert [t["id"] for t in json.loads(a1("list", "--overdue", "--json").stdout)] == ["A1"]
    board = json.loads(a1("board", "--json").stdout)
    assert board["counts"] == {"open": 1, "warn": 0, "breach": 1}
    assert board["tickets"][0]["next"]["rule"] == "S-3"
    text = a1("board", "--once", lang="zh").stdout
    assert text == a1("board", lang="zh").stdout  # not a terminal: one frame
    assert "未结 1" in text and "超时 1" in text and "S-3" in text
    rows = json.loads(a1("sla", "--json", "--status", "breached").stdout)
    # recorded 09:00:40, not read back by 09:02:40
    assert [(r["rule"], r["overrun_s"]) for r in rows] == [("S-3", 440)]
    earlier = json.loads(a1("sla", "--json", "--at", "09:01", "--ticket", "A1").stdout)
    assert all(r["status"] != "breached" for r in earlier)
    due = json.loads(a1("due", "--until", "+5m", "--json").stdout)
    assert [(d["rule"], d["level"]) for d in due] == [("S-3", "breach"), ("S-5", "warn")]


def test_kpi_and_reports(a1: Run, tmp_path: Path) -> None:
    kpi = json.loads(a1("kpi", "--from", "2026-03-01", "--to", "2026-03-03", "--json").stdout)
    assert set(kpi["K-1"]) >= {"numerator", "denominator", "value", "target", "met"}
    assert kpi["K-4"]["value"] is None and kpi["K-4"]["met"] is None
    assert "K-1" in a1("kpi", "--from", "2026-03-01").stdout
    weekly = json.loads(a1("report", "weekly", "--json").stdout)
    assert weekly["period"]["label"] == "2026-W10"
    assert "信息三率统计表" in a1("report", "monthly", lang="zh").stdout
    csv = a1("report", "monthly", "--format", "csv").stdout_bytes
    assert csv.startswith(b"\xef\xbb\xbf")
    assert a1("report", "quarterly", "--format", "md").stdout.startswith("# ")
    target = tmp_path / "r.html"
    a1("report", "weekly", "--period", "2026-03-04", "--format", "html", "-o", str(target))
    assert target.read_text("utf-8").lstrip().lower().startswith("<!doctype html")
    public = a1("report", "quarterly", "--format", "json").stdout
    assert "李" not in public and "138" not in public and "eng-zhao" not in public
    a1("report", "quarterly", "--publish")


def test_export_import_audit(a1: Run, run: Run, tmp_path: Path) -> None:
    dump = tmp_path / "log.jsonl"
    a1("export", "-o", str(dump))
    assert len(dump.read_text("utf-8").splitlines()) == 3  # 2 events + the recorded export
    a1("export", user="eng-zhao", expect=6)
    other = tmp_path / "other"
    run("init", str(other))
    cfg = other / "propdesk.toml"
    run("import", str(dump), config=cfg)
    assert json.loads(run("audit", "verify", "--json", config=cfg).stdout)["checked"] == 3
    run("import", str(dump), config=cfg, expect=5)  # not empty any more


def test_audit_detects_tampering(a1: Run, community: Path) -> None:
    import sqlite3

    assert json.loads(a1("audit", "verify", "--json").stdout)["ok"] is True
    con = sqlite3.connect(community.parent / "propdesk.db")
    con.execute("DROP TRIGGER IF EXISTS events_no_update")
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
        con.execute(f"DROP TRIGGER {name}")
    con.execute("UPDATE events SET data = replace(data, '漏水', '没事') WHERE seq = 1")
    con.commit()
    con.close()
    out = a1("audit", "verify", expect=11)
    assert "position 1" in out.stderr


def test_config_show_check_and_plugins(run: Run, community: Path) -> None:
    rows = {r["key"]: r for r in json.loads(run("config", "show", "--json").stdout)}
    assert rows["config"]["source"] == "--config"
    assert rows["lang"] == {"key": "lang", "value": "en", "source": "--lang"}
    assert rows["as"]["value"] == "desk-wang"
    assert rows["community.name"]["source"] == "file"
    assert rows["limits.content"]["source"] == "default"
    assert "community.timezone" in run("config", "show").stdout
    assert "configuration usable, with 1 warning" in run("config", "check", "--storage").stderr
    assert json.loads(run("config", "check", "--json").stdout)["ok"] is True
    plugins = json.loads(run("plugins", "--json").stdout)
    assert {"memory", "sqlite"} <= {s["name"] for s in plugins["stores"]}
    assert "sqlite" in run("plugins").stdout


def test_lang_from_config_then_locale(run: Run, community: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    run(*RECORD)
    text = community.read_text("utf-8")
    community.write_text(text.replace('lang = "zh"', 'lang = "en"'), "utf-8")
    assert "Dispatched" in run("dispatch", "A1", "--category", "engineering", "--at", "09:01",
                               lang=None).stderr
    community.write_text(text.replace('lang = "zh"', ""), "utf-8")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "已接单" in run("confirm", "A1", "--at", "09:02", lang=None, user="eng-zhao").stderr
    monkeypatch.setenv("PROPDESK_LANG", "en")
    rows = {r["key"]: r for r in json.loads(run("config", "show", "--json", lang=None).stdout)}
    assert rows["lang"]["source"] == "PROPDESK_LANG"


def test_live_board_refreshes_until_ctrl_c(a1: Run, clock: ManualClock,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import propdesk.cli.slacmds as slacmds

    ticks: list[float] = []

    def sleep(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) == 3:
            raise KeyboardInterrupt
        clock.advance(seconds=60)

    monkeypatch.setattr(slacmds._time, "sleep", sleep)
    out = a1("board", "--live", "--interval", "2")
    assert ticks == [2.0, 2.0, 2.0]
    assert "open 1" in out.stdout


def test_ctrl_c_exits_130(a1: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    import propdesk.cli.read as read

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(read, "print_ticket", interrupted)
    out = a1("show", "A1", expect=130)
    assert "interrupted" in out.stderr

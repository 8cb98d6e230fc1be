"""Issue 19: ``board``, ``list`` and ``due`` as the desk stood at a time
(point 6), and finding a ticket with ``list --search`` (point 7)."""

from __future__ import annotations

import json

import pytest
from tests.cli.cli_support import RECORD, Run

from propdesk.adapters.clock import ManualClock


@pytest.fixture
def morning(run: Run, clock: ManualClock) -> Run:
    """A1 recorded 09:00:40 and dispatched 09:01:30, read back only at 09:10;
    B1 recorded at 09:20; now is 09:30."""
    clock.set(clock.now().replace(hour=9, minute=30))  # (no command is dated ahead of it)
    run(*RECORD)
    run("dispatch", "A1", "--category", "engineering", "--to", "eng-zhao", "--at", "09:01:30")
    run("confirm", "A1", "--at", "09:10", user="eng-zhao")
    run("record", "--ticket", "B1", "--source", "owner_call", "--mode", "immediate",
        "--content", "楼道灯不亮", "--location", "1-1-301", "--category", "engineering",
        "--contact", "王先生", "--phone", "13000001202", "--reply", "马上安排",
        "--at", "09:20")
    return run


def test_board_at_a_time_is_the_board_as_it_stood(morning: Run) -> None:
    board = json.loads(morning("board", "--at", "09:05", "--json").stdout)
    assert [(t["ticket"], t["state"]) for t in board["tickets"]] == [("A1", "dispatched")]
    assert board["counts"] == {"open": 1, "warn": 0, "breach": 1}  # S-3 was late then
    assert board["tickets"][0]["next"]["rule"] == "S-3"
    text = morning("board", "--at", "09:05", lang="zh").stdout
    assert "已派单" in text and "B1" not in text and "未结 1" in text
    now = json.loads(morning("board", "--json").stdout)
    assert [(t["ticket"], t["state"]) for t in now["tickets"]] == [
        ("A1", "confirmed"), ("B1", "recorded")]


def test_list_at_a_time(morning: Run) -> None:
    def rows(*args: str) -> list[tuple[str, str]]:
        return [(t["id"], t["state"])
                for t in json.loads(morning("list", "--json", *args).stdout)]

    assert rows("--at", "09:05") == [("A1", "dispatched")]
    assert rows("--at", "09:00:50", "--state", "recorded") == [("A1", "recorded")]
    assert rows("--at", "09:05", "--overdue") == [("A1", "dispatched")]
    assert rows("--at", "08:00") == []
    assert rows() == [("A1", "confirmed"), ("B1", "recorded")]


def test_due_at_a_time(morning: Run) -> None:
    due = json.loads(morning("due", "--at", "09:05", "--until", "+10m", "--json").stdout)
    # at 09:05: S-3 overdue since 09:02:40; S-5 due 09:11:30 (dispatched 09:01:30)
    assert [(d["ticket"], d["rule"], d["level"], d["state"]) for d in due] == [
        ("A1", "S-3", "breach", "dispatched"), ("A1", "S-5", "ok", "dispatched")]
    assert due[0]["left_s"] == -140
    assert json.loads(morning("due", "--at", "09:05", "--until", "+5m",
                              "--json").stdout)[1:] == []


def test_list_search_finds_room_contact_phone_content_masked(morning: Run) -> None:
    def ids(*args: str, **kw: str) -> list[str]:
        out = morning("list", "--json", "--search", *args, **kw)
        return [t["id"] for t in json.loads(out.stdout)]

    assert ids("1202") == ["A1", "B1"]  # A1's room 5-1-1202, B1's phone ends 1202
    assert ids("5-1-1202") == ["A1"]
    assert ids("李") == ["A1"]
    assert ids("13800138000") == ["A1"] and ids("138 0013 8000") == ["A1"]
    assert ids("8000") == ["A1"]
    assert ids("灯") == ["B1"]
    assert ids("1202", "--state", "recorded") == ["B1"]
    assert ids("1202", "--limit", "1") == ["B1"]
    assert ids("nothing") == []
    assert ids("1202", "--at", "09:05") == ["A1"]
    table = morning("list", "--search", "13800138000", lang="zh").stdout
    assert "A1" in table and "138****8000" in table and "李*" in table
    assert "13800138000" not in table and "李女士" not in table
    morning("list", "--search", " ", expect=3)


def test_search_follows_an_amendment(morning: Run) -> None:
    morning("amend", "A1", "--field", "location", "--value", "5-2-0808",
            "--reason", "记错楼号")
    found = json.loads(morning("list", "--json", "--search", "0808").stdout)
    assert [t["id"] for t in found] == ["A1"]
    assert [t["id"] for t in json.loads(
        morning("list", "--json", "--search", "5-1-1202").stdout)] == []


def test_search_shows_the_newest_first_fifty(run: Run) -> None:
    lines = []
    for i in range(53):
        lines.append(json.dumps({
            "at": f"2026-03-02T08:{i:02d}:00+08:00", "cmd": "record", "ticket": f"S{i:02d}",
            "received_at": f"2026-03-02T08:{i:02d}:00+08:00", "source": "owner_call",
            "by": "desk-wang", "location": f"3-{i}", "content": "电梯异响",
            "contact": "赵", "phone": "13900000000", "mode": "immediate", "reply": "好的"},
            ensure_ascii=False))
    run("apply", "-", input="\n".join(lines) + "\n")
    out = run("list", "--search", "电梯")
    assert "S02" not in out.stdout and "S03" in out.stdout and "S52" in out.stdout
    assert "the newest 50 tickets shown" in out.stderr
    assert len(json.loads(run("list", "--search", "电梯", "--json", "--limit", "60"
                              ).stdout)) == 53

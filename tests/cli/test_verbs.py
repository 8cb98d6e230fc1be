"""Every verb through the CLI: whole lives of tickets, options named as the batch keys."""

from __future__ import annotations

import json

import pytest
from tests.cli.cli_support import RECORD, Run

from propdesk.adapters.clock import ManualClock


def state_of(run: Run, ticket: str) -> dict:
    return json.loads(run("show", ticket, "--json").stdout)


def test_record_prints_the_new_id_and_defaults_times_to_now(run: Run) -> None:
    out = run("record", "--source", "owner_call", "--mode", "immediate",
              "--content", "门禁卡失灵", "--location", "2-2-201", "--contact", "周先生",
              "--phone", "13800001234")
    assert out.stdout == "20260302-001\n"
    data = state_of(run, "20260302-001")
    assert data["received_at"] == data["recorded_at"] == "2026-03-02T09:00:00+08:00"
    second = run("record", "--source", "walk_in", "--mode", "immediate", "--content", "咨询停车")
    assert second.stdout.strip() == "20260302-002"
    assert "incomplete" in second.stderr  # no location, no contact: K-2 warns


def test_a_repair_through_its_whole_life(run: Run, clock: ManualClock) -> None:
    clock.set(clock.now().replace(hour=10, minute=0))  # entered afterwards
    assert run(*RECORD).stdout.strip() == "A1"
    run("dispatch", "A1", "--category", "engineering", "--to", "eng-zhao", "--at", "09:01:30")
    run("confirm", "A1", "--at", "09:01:45", user="eng-zhao")
    run("acknowledge", "A1", "--at", "09:04", user="eng-zhao")
    run("arrive", "A1", "--at", "09:08", user="eng-zhao")
    run("diagnose", "A1", "--diagnosis", "阀芯坏了", "--at", "09:09", user="eng-zhao")
    run("plan", "A1", "--fees", "E01:1", "--note", "换水龙头", "--at", "09:10", user="eng-zhao")
    run("agree", "A1", "--schedule-shown", "--at", "09:11", user="eng-zhao")
    run("complete", "A1", "--materials", "水龙头:1", "--charge", "30.00", "--at", "09:30",
        user="eng-zhao")
    run("accept", "A1", "--signer", "李女士", "--owner-copy", "--at", "09:32", user="eng-zhao")
    run("return", "A1", "--at", "09:40")
    run("callback", "A1", "--fixed", "--satisfaction", "satisfied", "--charge-ok",
        "--at", "09:41")
    run("close", "A1", "--at", "09:42")
    run("sample-callback", "A1", "--fixed", "--satisfaction", "satisfied", "--at", "10:00",
        user="cs-lin")
    data = state_of(run, "A1")
    assert data["state"] == "closed"
    wo = data["work_orders"][0]
    assert wo["charge"] == "30.00" and wo["fees"][0]["code"] == "E01"
    assert wo["materials"] == [{"name": "水龙头", "qty": "1"}]
    assert [h["event"] for h in data["history"]][-1] == "sample_callback"


def test_emergency_site_first_then_sign(run: Run, clock: ManualClock) -> None:
    clock.set(clock.now().replace(hour=9, minute=30))  # entered afterwards
    run("record", "--ticket", "E1", "--source", "property_internal", "--mode", "emergency",
        "--content", "水管爆裂", "--location", "B区车库", "--category", "engineering",
        "--at", "09:00:20", "--received-at", "09:00:00")
    out = run("dispatch", "E1", "--to", "eng-liu", "--at", "09:00:50")
    assert "nobody is notified" in out.stderr  # no channel configured: said plainly
    run("confirm", "E1", "--at", "09:01", user="eng-liu")
    run("arrive", "E1", "--at", "09:05", user="eng-liu")
    run("follow-up", "E1", "--note", "已关闭总阀", "--at", "09:10", user="eng-liu")
    run("acknowledge", "E1", "--at", "09:30", user="eng-liu")
    assert state_of(run, "E1")["state"] == "on_site"


def test_appointment_contact_owner_and_a_rework(run: Run, clock: ManualClock) -> None:
    clock.set(clock.now().replace(hour=15, minute=7))  # entered afterwards
    run("record", "--ticket", "P1", "--source", "owner_call", "--mode", "appointment",
        "--appointment-at", "14:00", "--content", "空调不制冷", "--location", "2-1-301",
        "--contact", "王先生", "--phone", "13912345678", "--category", "engineering",
        "--at", "09:00:30")
    run("dispatch", "P1", "--to", "eng-zhao", "--at", "09:02")
    run("confirm", "P1", "--at", "09:02:30", user="eng-zhao")
    run("acknowledge", "P1", "--at", "13:30", user="eng-zhao")
    run("contact-owner", "P1", "--at", "13:40", user="eng-zhao")
    run("arrive", "P1", "--at", "13:56", user="eng-zhao")
    run("diagnose", "P1", "--diagnosis", "冷媒不足", "--at", "14:00", user="eng-zhao")
    run("plan", "P1", "--at", "14:01", user="eng-zhao")
    run("agree", "P1", "--at", "14:02", user="eng-zhao")
    run("unable", "P1", "--reason", "缺配件", "--at", "14:03", user="eng-zhao")
    run("escalate", "P1", "--level", "1", "--reason", "缺配件", "--at", "14:04",
        user="eng-zhao")
    run("complete", "P1", "--workers", "eng-zhao", "--at", "15:00", user="eng-zhao")
    run("reject", "P1", "--signer", "王先生", "--opinion", "还是不冷", "--at", "15:05",
        user="eng-zhao")
    data = state_of(run, "P1")
    assert data["state"] == "recorded" and data["rework_count"] == 1
    assert data["escalation_level"] == 1
    run("dispatch", "P1", "--to", "eng-liu", "--at", "15:06")
    run("transfer", "P1", "--to", "eng-zhao", "--reason", "赵师傅熟悉", "--at", "15:07")
    assert state_of(run, "P1")["assignee"] == "eng-zhao"


def test_desk_resolution_reply_classify_amend_cancel(run: Run, clock: ManualClock) -> None:
    clock.set(clock.now().replace(hour=9, minute=4))  # entered afterwards
    run("record", "--ticket", "Q1", "--source", "owner_call", "--mode", "immediate",
        "--content", "物业费什么时候交", "--contact", "陈先生", "--phone", "13600002222",
        "--at", "09:00:30")
    run("classify", "Q1", "--category", "inquiry", "--at", "09:00:40")
    run("reply", "Q1", "--text", "每季度首月", "--answers", "--at", "09:00:50")
    run("amend", "Q1", "--field", "contact", "--value", "陈女士", "--reason", "记错",
        "--at", "09:00:55")
    run("complete", "Q1", "--note", "已答复", "--at", "09:01")
    run("callback", "Q1", "--fixed", "--satisfaction", "satisfied", "--close", "--at", "09:02")
    assert state_of(run, "Q1")["state"] == "closed"
    run("record", "--ticket", "C1", "--source", "walk_in", "--mode", "immediate",
        "--content", "想取消报修", "--location", "1-1-101", "--contact", "刘",
        "--phone", "13800000001", "--at", "09:03")
    run("cancel", "C1", "--reason", "业主自行修好", "--confirmed-by-source", "--at", "09:04")
    assert state_of(run, "C1")["state"] == "cancelled"


def test_json_and_idempotent_command_id(run: Run) -> None:
    run(*RECORD)
    first = run("dispatch", "A1", "--category", "engineering", "--command-id", "c-1",
                "--at", "09:01", "--json")
    assert json.loads(first.stdout)["state"] == "dispatched"
    again = run("dispatch", "A1", "--category", "engineering", "--command-id", "c-1",
                "--at", "09:01")
    assert "nothing changed" in again.stderr
    assert len(state_of(run, "A1")["work_orders"]) == 1


def test_default_time_is_the_clock(run: Run, clock: ManualClock) -> None:
    run(*RECORD)
    clock.advance(minutes=1)
    run("dispatch", "A1", "--category", "engineering")
    assert state_of(run, "A1")["work_orders"][0]["dispatched_at"] == "2026-03-02T09:01:00+08:00"


@pytest.mark.parametrize("lang,text", [("zh", "已派单"), ("en", "Dispatched")])
def test_messages_in_the_chosen_language(run: Run, lang: str, text: str) -> None:
    run(*RECORD)
    out = run("dispatch", "A1", "--category", "engineering", "--at", "09:01", lang=lang)
    assert text in out.stderr


def test_now_is_one_instant_per_command(community) -> None:
    """On a clock that moves between reads (the system clock does), ``--received-at
    now`` must not come out later than the command's own time."""
    from datetime import timedelta

    from click.testing import CliRunner
    from tests.cli.cli_support import T0

    from propdesk.cli import cli
    from propdesk.cli.state import Overrides

    class Ticking:
        def __init__(self) -> None:
            self.t = T0

        def now(self):  # type: ignore[no-untyped-def]
            self.t += timedelta(microseconds=7)
            return self.t

    result = CliRunner().invoke(
        cli, ["--config", str(community), "--as", "desk-wang", "--lang", "en", "record",
              "--received-at", "now", "--source", "walk_in", "--mode", "immediate",
              "--content", "门禁卡失灵"], obj=Overrides(clock=Ticking()),
        catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "20260302-001"

"""Issue 19, input checks and messages people read: a command dated in the future,
an acting person not on the roster, all-Chinese messages, option names as typed,
phone numbers, ticket ids, control characters (refused at input, neutralised in
every output)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from tests.cli.cli_support import RECORD, T0, Run, db_digest

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.cli import COMMANDS
from propdesk.cli.state import load_checked
from propdesk.domain import commands as c
from propdesk.domain.decide import Context, decide

QUESTION = ["record", "--source", "owner_call", "--mode", "immediate", "--content", "停车费多少",
            "--contact", "陈先生", "--phone", "13600002222"]


def set_desk(config: Path, table: str) -> None:
    config.write_text(config.read_text("utf-8") + f"\n[desk]\n{table}\n", "utf-8")


# ------------------------------------------------------------ a time in the future


def test_a_time_ahead_of_the_clock_is_refused_naming_both_times(run: Run,
                                                                community: Path) -> None:
    before = db_digest(community)
    out = run(*QUESTION, "--at", "+2h", expect=3)
    assert "--at" in out.stderr
    assert "2026-03-02T11:00:00+08:00" in out.stderr  # the time given, local
    assert "2026-03-02T09:00:00+08:00" in out.stderr  # the clock's time, local
    assert "more than 2m" in out.stderr
    zh = run(*QUESTION, "--at", "+2h", lang="zh", expect=3).stderr
    assert "晚于当前时间" in zh and "2分" in zh and "--at" in zh
    assert db_digest(community) == before


def test_the_typo_no_longer_locks_the_ticket(run: Run) -> None:
    """The issue's case: `--at +2h` for `-2h` is refused, so a later cancel works."""
    run(*RECORD[:-4], "--at", "08:50", "--received-at", "08:50")
    run("follow-up", "A1", "--note", "已联系", "--at", "+2h", expect=3)
    run("cancel", "A1", "--reason", "业主自行修好", "--confirmed-by-source")


@pytest.mark.parametrize("at,code", [("+1m", 0), ("+2m", 0), ("09:02:01", 3), ("+1d", 3)])
def test_the_default_tolerance_is_two_minutes(run: Run, at: str, code: int) -> None:
    run(*QUESTION, "--at", at, expect=code)


@pytest.mark.parametrize("setting,at,code", [
    ('future_tolerance = "10m"', "+9m", 0),
    ('future_tolerance = "10m"', "+11m", 3),
    ("future_tolerance = 30", "+1m", 3),
    ('future_tolerance = "off"', "+2h", 0),
])
def test_the_tolerance_is_configured_in_the_desk_table(run: Run, community: Path,
                                                       setting: str, at: str,
                                                       code: int) -> None:
    set_desk(community, setting)
    run(*QUESTION, "--at", at, expect=code)


def test_a_bad_tolerance_names_its_key(run: Run, community: Path) -> None:
    set_desk(community, 'future_tolerance = "soon"')
    assert "$.desk.future_tolerance" in run("list", expect=8).stderr
    community.write_text(community.read_text("utf-8").replace(
        'future_tolerance = "soon"', 'future_tolerence = "2m"'), "utf-8")
    err = run("list", expect=8).stderr
    assert "$.desk.future_tolerence" in err and "future_tolerance" in err


def test_the_clock_moving_on_makes_the_time_acceptable(run: Run, clock: ManualClock) -> None:
    run(*QUESTION, "--at", "09:30", expect=3)
    clock.set(T0 + timedelta(minutes=29))
    run(*QUESTION, "--at", "09:30")


def test_batch_files_keep_their_own_check(run: Run, tmp_path: Path) -> None:
    """A batch file is applied on its own times (a replay, a day entered afterwards)."""
    line = {"cmd": "record", "ticket": "B1", "by": "desk-wang",
            "at": "2026-03-02T15:00:00+08:00", "source": "walk_in", "mode": "immediate",
            "received_at": "2026-03-02T15:00:00+08:00", "content": "咨询",
            "phone": "13800000000"}
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", "utf-8")
    run("apply", str(path))
    assert json.loads(run("show", "B1", "--json").stdout)["id"] == "B1"


def test_the_desk_of_the_library_takes_the_tolerance(community: Path) -> None:
    from propdesk.adapters.memory import MemoryStore
    from propdesk.desk import Desk, open_desk
    from propdesk.domain.errors import DomainError

    config = load_checked(community)
    clock = ManualClock(T0)
    cmd = c.Record(ticket="L1", by="desk-wang", at=T0 + timedelta(minutes=3),
                   received_at=T0, source="walk_in", content="x", mode="immediate")
    strict = Desk(config, MemoryStore(), clock=clock, future_tolerance=timedelta(minutes=2))
    with pytest.raises(DomainError) as info:
        strict.handle(cmd)
    assert info.value.code == "future_time" and info.value.params["field"] == "at"
    assert strict.store.head() == 0
    clock.advance(minutes=1)
    strict.handle(cmd)
    # without a tolerance (the default of Desk) nothing is refused for its time
    Desk(config, MemoryStore(), clock=ManualClock(T0)).handle(cmd)
    # the configured desk takes [desk] future_tolerance (default 2 minutes)
    assert open_desk(config, clock=clock, store=MemoryStore()).future_tolerance == \
        timedelta(minutes=2)


# ----------------------------------------------------------- who is acting

EXEMPT = {"init": "writes a configuration", "plugins": "lists installed plugins",
          "demo": "makes its own community", "simulate": "runs a scenario, not a desk"}
"""Commands that do not read the community's configuration, so have no roster."""


def _args(name: str, tmp_path: Path) -> list[str]:
    from propdesk.cli.verbs import command

    batch = tmp_path / "empty.jsonl"
    batch.write_text("", "utf-8")
    special = {
        "show": ["A1"], "report": ["weekly"], "due": ["--until", "10:00"],
        "apply": [str(batch)], "import": [str(batch)], "audit": ["verify"],
        "config": ["check"], "notify": ["list"],
    }
    if name in special:
        return [name, *special[name]]
    if name in {n for s, n, _t, _h in COMMANDS if s == "desk"}:
        out = [name] + ([] if name == "record" else ["A1"])
        for p in command(name).params:
            if getattr(p, "required", False) and p.param_type_name == "option":
                out += [p.opts[0], "1" if p.name == "level" else "x"]
            elif p.param_type_name == "option" and p.name in ("fixed",):
                out.append("--fixed")
        return [*out, "--at", "now"]
    return [name]


@pytest.mark.parametrize("name", [n for _s, n, _t, _h in COMMANDS if n not in EXEMPT])
def test_as_nobody_is_refused_by_every_command(run: Run, community: Path, tmp_path: Path,
                                               name: str) -> None:
    run(*RECORD)
    before = db_digest(community)
    out = run(*_args(name, tmp_path), user="nobody", expect=4)
    assert "--as" in out.stderr and "'nobody'" in out.stderr, out.stderr
    zh = run(*_args(name, tmp_path), user="nobody", lang="zh", expect=4).stderr
    assert "人员名册中没有 'nobody'" in zh
    assert db_digest(community) == before


def test_a_near_miss_is_named(run: Run) -> None:
    out = run("list", user="desk-wnag", expect=4)
    assert "did you mean 'desk-wang'?" in out.stderr


def test_the_exempt_commands_are_the_only_ones_left_out() -> None:
    assert set(EXEMPT) <= {n for _s, n, _t, _h in COMMANDS}


# ------------------------------------------------------ messages people read


def test_chinese_messages_are_chinese(run: Run) -> None:
    out = run("record", "--source", "walk_in", "--mode", "immediate", "--content", "咨询停车",
              lang="zh")
    assert "缺少地点、联系人、联系方式" in out.stderr
    assert "contact" not in out.stderr and "phone" not in out.stderr


def test_refusals_name_the_options_as_typed(run: Run, clock: ManualClock) -> None:
    clock.set(T0 + timedelta(hours=1))
    run(*RECORD)
    for verb, user in (("dispatch", "desk-wang"),):
        run(verb, "A1", "--category", "engineering", "--to", "eng-zhao", "--at", "09:01",
            user=user)
    for verb in ("confirm", "acknowledge", "arrive"):
        run(verb, "A1", "--at", "09:02", user="eng-zhao")
    run("diagnose", "A1", "--diagnosis", "阀芯", "--at", "09:03", user="eng-zhao")
    run("plan", "A1", "--fees", "E01", "--at", "09:04", user="eng-zhao")
    for lang in ("en", "zh"):
        err = run("agree", "A1", "--at", "09:05", user="eng-zhao", lang=lang, expect=7).stderr
        assert "--schedule-shown" in err and "schedule_shown" not in err
    err = run("cancel", "A1", "--reason", "x", "--at", "09:05", lang="zh", expect=7).stderr
    assert "--confirmed-by-source" in err and "confirmed_by_source" not in err


def test_no_microseconds_in_times_shown(run: Run, clock: ManualClock) -> None:
    clock.set(T0.replace(microsecond=123456))
    run(*QUESTION)
    out = run("follow-up", "20260302-001", "--note", "x", "--at", "08:00", expect=7)
    assert "2026-03-02T09:00:00+08:00" in out.stderr and ".123456" not in out.stderr
    assert "123456" not in run("follow-up", "20260302-001", "--note", "x", "--at", "08:00",
                               lang="zh", expect=7).stderr


def test_import_hints_are_chinese(run: Run, tmp_path: Path) -> None:
    run(*RECORD)
    path = tmp_path / "x.jsonl"
    path.write_text(run("export").stdout, "utf-8")
    err = run("import", str(path), lang="zh", expect=5).stderr
    assert "import 会自动创建" in err and "initialise" not in err and "another folder" not in err


def test_times_entered_now_are_to_the_second(run: Run, clock: ManualClock) -> None:
    clock.set(T0.replace(microsecond=654321))
    run(*QUESTION)
    data = json.loads(run("show", "20260302-001", "--json").stdout)
    assert data["recorded_at"] == data["received_at"] == "2026-03-02T09:00:00+08:00"
    board = json.loads(run("board", "--json").stdout)
    assert board["at"] == "2026-03-02T09:00:00+08:00"


def test_a_malformed_batch_line_is_explained_in_chinese(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text('{"cmd": "follow_up", "ticket": "A1", "by": "desk-wang", '
                    '"at": "2026-03-02T09:00:00+08:00"}\n', "utf-8")
    out = run("apply", str(path), lang="zh", expect=10)
    assert "缺少必填项" in out.stdout + out.stderr
    assert "required key is missing" not in out.stdout + out.stderr


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize("phone", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+8613800138000", "+86 138 0013 8000",
    "021-62345678", "02162345678", "(021)62345678", "0571-87654321-123", "+86 21 62345678",
    "+86-571-87654321", "8001",
])
def test_accepted_phone_forms(run: Run, phone: str) -> None:
    run(*QUESTION[:-1], phone)


@pytest.mark.parametrize("phone", [
    "1", "12345678901", "1380013800", "138001380001", "phone", "021-1234", "+1 415 555 0100",
    "+86 0571 87654321", "1380013800０",
])
def test_refused_phone_forms(run: Run, community: Path, phone: str) -> None:
    before = db_digest(community)
    out = run(*QUESTION[:-1], phone, expect=3)
    assert "--phone" in out.stderr and "13800138000" in out.stderr  # names the forms
    zh = run(*QUESTION[:-1], phone, lang="zh", expect=3).stderr
    assert "不是有效电话号码" in zh
    assert db_digest(community) == before


def test_an_amended_phone_is_checked_too(run: Run) -> None:
    run(*QUESTION)
    run("amend", "20260302-001", "--field", "phone", "--value", "abc", "--reason", "记错",
        expect=3)
    run("amend", "20260302-001", "--field", "phone", "--value", "021-62345678",
        "--reason", "记错")


# ---------------------------------------------------------------- ticket ids


@pytest.mark.parametrize("ticket", ["A-1", "2026.03_x", "Z" * 64])
def test_safe_ticket_ids_are_accepted(run: Run, ticket: str) -> None:
    run(*QUESTION, "--ticket", ticket)


@pytest.mark.parametrize("ticket", ["a b", "../x", "-rf", "x;rm", "工单1", "Z" * 65, "a/b",
                                    ".x"])
def test_unsafe_ticket_ids_are_refused(run: Run, ticket: str) -> None:
    out = run(*QUESTION, "--ticket", ticket, expect=3)
    assert "--ticket" in out.stderr and "letters, digits" in out.stderr


# --------------------------------------------------------- control characters


@pytest.mark.parametrize("option,value", [
    ("--content", "漏水\u202e"), ("--content", "x\x1b[2Jy"), ("--contact", "李\u2066女士"),
    ("--location", "5-1\n-1202"), ("--content", "a\x85b"),
])
def test_control_characters_are_refused_naming_the_field(run: Run, option: str,
                                                         value: str) -> None:
    args = [a for a in QUESTION]
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    out = run(*args, expect=3)
    assert f"{option}:" in out.stderr and "control" in out.stderr
    assert "\u202e" not in out.stderr and "\x1b" not in out.stderr
    assert "控制字符" in run(*args, lang="zh", expect=3).stderr


def test_newlines_and_tabs_are_fine_in_long_text(run: Run) -> None:
    run(*QUESTION[:6], "第一行\n第二行\t完", *QUESTION[7:])


def _store_raw(community: Path, ticket: str, content: str, contact: str) -> None:
    """Store a ticket as an older version did, without the input checks."""
    config = load_checked(community)
    cmd = c.Record(ticket=ticket, by="desk-wang", at=T0 - timedelta(minutes=5),
                   received_at=T0 - timedelta(minutes=5), source="walk_in", content=content,
                   mode="immediate", contact=contact, location="1-1-101",
                   phone="13800000000")
    store = SQLiteStore(community.parent / "propdesk.db")
    try:
        store.append(ticket, 0, decide(None, cmd, Context(config)))
    finally:
        store.close()


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        return [s for item in data for s in _strings(item)]
    return []


EVIL = "付款\u202egnp.exe\x1b[2J\x07"


@pytest.mark.parametrize("args", [
    ["show", "X1"], ["show", "X1", "--json"], ["list"], ["list", "--json"], ["board"],
    ["board", "--json"], ["report", "weekly", "--period", "2026-W10", "--format", "csv"],
    ["report", "weekly", "--period", "2026-W10"],
])
def test_stored_control_characters_are_neutralised_in_every_output(
        run: Run, community: Path, args: list[str]) -> None:
    _store_raw(community, "X1", EVIL, "李\u202e士")
    # and a label of the configuration (the reports show the community's name)
    community.write_text(re.sub(r'(?m)^name = .*$', r'name = "付款\\u202Egnp\\u001B[2J"',
                                community.read_text("utf-8"), count=1), "utf-8")
    out = run(*args)
    for ch in ("\u202e", "\x1b", "\x07"):
        assert ch not in out.stdout and ch not in out.stderr, (args, out.stdout)
    if "--json" in args:
        if args[0] != "board":  # (the board's JSON has no texts)
            assert EVIL in _strings(json.loads(out.stdout))  # the data itself is kept exact
    elif args[0] != "report":
        assert "付款\ufffdgnp.exe" in out.stdout
    else:
        assert "付款\ufffdgnp\ufffd[2J" in out.stdout

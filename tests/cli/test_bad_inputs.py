"""Bad input of every kind — options, configuration files, batch lines: each gets a
documented exit code and a message naming the field, value or rule (and what would be
accepted), never a traceback, and leaves the store exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.cli_support import RECORD, Run, db_digest

from propdesk.adapters.clock import ManualClock
from propdesk.cli.errors import ExitCode

E = ExitCode
LONG = "长" * 2001


@pytest.fixture
def a1(run: Run, clock: ManualClock) -> Run:
    run(*RECORD)
    run("dispatch", "A1", "--category", "engineering", "--to", "eng-zhao", "--at", "09:01:30")
    clock.set(clock.now().replace(minute=5))
    return run


def rec(*extra: str, content: str = "漏水") -> list[str]:
    return ["record", "--source", "owner_call", "--mode", "immediate", "--content", content,
            "--location", "1-1-101", *extra]


OPTIONS: list[tuple[str, list[str], dict[str, str], ExitCode, list[str]]] = [
    ("missing required option", ["record", "--source", "owner_call", "--mode", "immediate"], {},
     E.USAGE, ["--content"]),
    ("empty content", rec(content=""), {}, E.INVALID_INPUT, ["--content is required"]),
    ("blank content", rec(content="   "), {}, E.INVALID_INPUT, ["--content is required"]),
    ("unknown source", ["record", "--source", "phone", "--mode", "immediate", "--content", "x"],
     {}, E.INVALID_INPUT, ["source", "'phone'", "owner_call"]),
    ("unknown mode", ["record", "--source", "owner_call", "--mode", "fast", "--content", "x"],
     {}, E.INVALID_INPUT, ["mode", "'fast'", "immediate, appointment, emergency"]),
    ("time out of range", rec("--at", "25:99"), {}, E.INVALID_INPUT,
     ["--at", "'25:99'", "accepted"]),
    ("time in words", rec("--at", "yesterday"), {}, E.INVALID_INPUT, ["--at", "'yesterday'"]),
    ("received after recorded", rec("--at", "09:00", "--received-at", "09:05"), {},
     E.RULE_REFUSED, ["--received-at", "must not be later than --at"]),
    ("appointment without a time", ["record", "--source", "owner_call", "--mode", "appointment",
                                    "--content", "x"], {}, E.RULE_REFUSED, ["--appointment-at"]),
    ("appointment in the past", ["record", "--source", "owner_call", "--mode", "appointment",
                                 "--content", "x", "--appointment-at", "08:00"], {},
     E.RULE_REFUSED, ["appointment", "is not after"]),
    ("unknown category", rec("--category", "plumbing"), {}, E.INVALID_INPUT,
     ["'plumbing'", "engineering"]),
    ("oversize content", rec(content=LONG), {}, E.INVALID_INPUT,
     ["--content is 2001 characters", "limit is 2000"]),
    ("duplicate ticket id", rec("--ticket", "A1"), {}, E.CONFLICT, ["A1", "already taken"]),
    ("reserved ticket id", rec("--ticket", "@x"), {}, E.INVALID_INPUT,
     ["--ticket", "'@x'", "letters, digits"]),
    ("unknown first receiver", rec("--first-receiver", "nobody"), {}, E.NOT_FOUND,
     ["--first-receiver", "'nobody'"]),
    ("unknown acting person", rec(), {"user": "nobody"}, E.NOT_FOUND, ["--as", "'nobody'"]),
    ("not the desk", rec(), {"user": "eng-zhao"}, E.PERMISSION, ["eng-zhao", "record"]),
    ("nobody acting", rec(), {"user": ""}, E.USAGE, ["--as", "PROPDESK_USER"]),
    ("unknown ticket", ["dispatch", "NOPE", "--category", "engineering"], {}, E.NOT_FOUND,
     ["NOPE"]),
    ("not the assignee", ["confirm", "A1"], {}, E.PERMISSION, ["desk-wang", "the assignee"]),
    ("wrong state", ["arrive", "A1"], {"user": "eng-zhao"}, E.RULE_REFUSED,
     ["dispatched", "allowed here", "confirm"]),
    ("level not a number", ["escalate", "A1", "--level", "two", "--reason", "x"], {},
     E.INVALID_INPUT, ["--level", "'two'", "1 or 2"]),
    ("level out of range", ["escalate", "A1", "--level", "5", "--reason", "x"], {},
     E.INVALID_INPUT, ["level", "1, 2"]),
    ("malformed fee item", ["plan", "A1", "--fees", "E01:1:x"], {"user": "eng-zhao"},
     E.INVALID_INPUT, ["--fees", "CODE:QTY"]),
    ("callback answer missing", ["callback", "A1", "--satisfaction", "satisfied"], {},
     E.USAGE, ["--fixed", "--not-fixed"]),
    ("dated before the previous event", ["follow-up", "A1", "--note", "x", "--at", "08:00"],
     {}, E.RULE_REFUSED, ["before the ticket's previous event", "2026-03-02T09:01:30+08:00"]),
    ("dispatch to unknown person", ["transfer", "A1", "--to", "nobody", "--reason", "x"], {},
     E.NOT_FOUND, ["'nobody'"]),
    ("unknown amend field", ["amend", "A1", "--field", "owner", "--value", "x", "--reason", "y"],
     {}, E.INVALID_INPUT, ["'owner'", "location, content"]),
    ("cancel unconfirmed", ["cancel", "A1", "--reason", "x"], {}, E.RULE_REFUSED,
     ["--confirmed-by-source"]),
    ("empty reply", ["reply", "A1", "--text", ""], {}, E.INVALID_INPUT, ["--text is required"]),
    ("negative charge", ["complete", "A1", "--charge", "-5"], {"user": "eng-zhao"},
     E.RULE_REFUSED, ["dispatched", "allowed here"]),
    ("unknown list state", ["list", "--state", "bogus"], {}, E.USAGE, ["'bogus'"]),
    ("unknown list category", ["list", "--category", "bogus"], {}, E.INVALID_INPUT,
     ["'bogus'", "engineering"]),
    ("unknown list assignee", ["list", "--assignee", "nobody"], {}, E.NOT_FOUND,
     ["--assignee", "'nobody'"]),
    ("kpi period backwards", ["kpi", "--from", "2026-03-05", "--to", "2026-03-01"], {},
     E.INVALID_INPUT, ["--to", "after --from"]),
    ("report period", ["report", "weekly", "--period", "2026-W99"], {}, E.INVALID_INPUT,
     ["--period", "2026-W10"]),
    ("report kind", ["report", "yearly"], {}, E.USAGE, ["'yearly'", "weekly"]),
    ("report format", ["report", "weekly", "--format", "xls"], {}, E.INVALID_INPUT,
     ["'xls'", "csv"]),
    ("show unknown", ["show", "NOPE"], {}, E.NOT_FOUND, ["NOPE"]),
    ("sla time", ["sla", "--at", "soon"], {}, E.INVALID_INPUT, ["--at", "'soon'"]),
    ("unknown command", ["fly"], {}, E.USAGE, ["fly"]),
    ("unknown option", ["show", "A1", "--colour"], {}, E.USAGE, ["--colour"]),
    ("unknown language", ["--lang", "fr", "list"], {"lang": ""}, E.USAGE, ["'fr'"]),
    ("reveal without permission", ["list", "--reveal"], {"user": "eng-liu"}, E.PERMISSION,
     ["eng-liu"]),
]


@pytest.mark.parametrize("case", OPTIONS, ids=[c[0] for c in OPTIONS])
def test_bad_options(a1: Run, community: Path, case: tuple) -> None:
    _name, args, kw, code, fragments = case
    kw = {k: (v or None) for k, v in kw.items()}
    before = db_digest(community)
    out = a1(*args, expect=int(code), **kw)
    for fragment in fragments:
        assert fragment in out.stderr, f"{fragment!r} not in {out.stderr!r}"
    assert db_digest(community) == before


def test_a_refusal_under_json_is_json_on_stderr(a1: Run) -> None:
    out = a1("arrive", "A1", "--json", user="eng-zhao", expect=int(E.RULE_REFUSED))
    error = json.loads(out.stderr)["error"]
    assert error["code"] == "wrong_state" and error["exit_code"] == 7
    assert "已派单" in error["message_zh"] and out.stdout == ""


GOOD = None  # the starter file, read in the fixture

CONFIGS: list[tuple[str, str, str, list[str]]] = [
    # (name, old text, new text, fragments)
    ("TOML syntax error", 'name = "海德花园"', 'name = "海德花园', ["line 7", "column"]),
    ("table syntax", "[storage]", "[storage", ["TOML syntax error", "line"]),
    ("wrong type of role", 'role = "foreman"', 'role = "boss"',
     ["$.people[id=fm-xu].role", "'boss'", "desk"]),
    ("number where text", 'name = "工程部"', "name = 3",
     ["$.departments[id=engineering].name", "text"]),
    ("unknown top-level key", "[sla]", "[slas]", ["$.slas", "unknown key", "'sla'"]),
    ("unknown key in a table", 'meeting_time = "09:00"', 'meeting_time = "09:00"\ncolour = 1',
     ["$.community.colour", "unknown key"]),
    ("unknown time zone", 'timezone = "Asia/Shanghai"', 'timezone = "Asia/Beijing"',
     ["$.community.timezone", "'Asia/Beijing'"]),
    ("unknown person in a shift", 'people = ["desk-chen", "eng-liu", "sec-sun"]',
     'people = ["desk-chen", "eng-li"]', ["$.shifts[1].people[1]", "'eng-li'"]),
    ("price as a float", 'price = "30.00"', "price = 30.5", ["$.fees[code=E01].price", "decimal"]),
    ("meeting time", 'meeting_time = "09:00"', 'meeting_time = "9am"',
     ["$.community.meeting_time", "HH:MM"]),
    ("sla allowance", "warn_at = 0.8", 'warn_at = 0.8\n"S-5" = "fast"',
     ["$.sla.S-5", "90s"]),
    ("unknown sla rule", "warn_at = 0.8", 'warn_at = 0.8\n"S-99" = "5m"',
     ["$.sla.S-99", "S-1"]),
    ("warn_at out of range", "warn_at = 0.8", "warn_at = 1.5", ["$.sla.warn_at", "between"]),
    ("unknown store", 'backend = "sqlite"', 'backend = "oracle"',
     ["$.storage.backend", "'oracle'", "sqlite"]),
    ("unknown storage key", 'backend = "sqlite"', 'backend = "sqlite"\npth = "x.db"',
     ["$.storage.pth", "path"]),
    ("unknown department", 'department = "engineering"', 'department = "plumbing"',
     ["$.people[id=eng-zhao].department", "'plumbing'"]),
    ("duplicate person", 'id = "desk-chen"', 'id = "desk-wang"', ["$.people[1]", "duplicate"]),
]


@pytest.mark.parametrize("case", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bad_configuration_files(run: Run, community: Path, case: tuple) -> None:
    _name, old, new, fragments = case
    good = community.read_text("utf-8")
    assert old in good
    bad = community.parent / "bad.toml"
    bad.write_text(good.replace(old, new, 1), "utf-8")
    before = db_digest(community)
    for args in (["config", "check"], RECORD):
        out = run(*args, config=bad, expect=int(E.CONFIG))
        for fragment in fragments:
            assert fragment in out.stderr, f"{fragment!r} not in {out.stderr!r}"
        assert "config check" in out.stderr  # says how to check it
    assert db_digest(community) == before


def test_configuration_file_problems(run: Run, community: Path, tmp_path: Path) -> None:
    before = db_digest(community)
    out = run("list", config=tmp_path / "missing.toml", expect=int(E.CONFIG))
    assert "does not exist" in out.stderr
    latin = tmp_path / "latin.toml"
    latin.write_bytes("[community]\nname = '海德'\n".encode("gb18030"))
    assert "not UTF-8" in run("list", config=latin, expect=int(E.CONFIG)).stderr
    nodb = tmp_path / "nodb.toml"
    nodb.write_text(community.read_text("utf-8").replace('path = "propdesk.db"',
                                                         'path = "elsewhere.db"'), "utf-8")
    out = run("list", config=nodb, expect=int(E.STORAGE))
    assert "elsewhere.db" in out.stderr and f"propdesk --config {nodb} init" in out.stderr
    assert not (tmp_path / "elsewhere.db").exists()
    assert db_digest(community) == before


def test_no_configuration_anywhere(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                   ) -> None:
    from click.testing import CliRunner

    from propdesk.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path))
    out = CliRunner().invoke(cli, ["--lang", "en", "list"])
    assert out.exit_code == E.CONFIG
    assert "no configuration file" in out.stderr and "propdesk init" in out.stderr


BATCH: list[tuple[str, str, list[str]]] = [
    ("broken JSON", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "record",', ["not valid JSON"]),
    ("not an object", '["record"]', ["a JSON object"]),
    ("missing by", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "follow_up", "ticket": "A1", '
                   '"note": "x"}', ["by is required"]),
    ("missing at", '{"cmd": "follow_up", "ticket": "A1", "by": "desk-wang", "note": "x"}',
     ["at is required"]),
    ("missing command key", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "follow_up", '
                            '"ticket": "A1", "by": "desk-wang"}', ["note"]),
    ("unknown command", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "fly", "ticket": "A1", '
                        '"by": "desk-wang"}', ["cmd", "'fly'", "record"]),
    ("unknown key", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "follow_up", "ticket": "A1", '
                    '"by": "desk-wang", "note": "x", "colour": "red"}', ["colour", "unknown key"]),
    ("number for a time", '{"at": 20260302, "cmd": "follow_up", "ticket": "A1", '
                          '"by": "desk-wang", "note": "x"}', ["at", "ISO 8601"]),
    ("time without offset", '{"at": "2026-03-02T09:10:00", "cmd": "follow_up", "ticket": "A1", '
                            '"by": "desk-wang", "note": "x"}', ["offset"]),
    ("number for text", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "follow_up", '
                        '"ticket": "A1", "by": "desk-wang", "note": 5}', ["note", "text"]),
    ("string for a boolean", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "cancel", '
                             '"ticket": "A1", "by": "desk-wang", "reason": "x", '
                             '"confirmed_by_source": "yes"}', ["confirmed_by_source", "true"]),
    ("float money", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "complete", "ticket": "A1", '
                    '"by": "eng-zhao", "charge": 30.5}', ["charge", "decimal string"]),
    ("string for a level", '{"at": "2026-03-02T09:10:00+08:00", "cmd": "escalate", '
                           '"ticket": "A1", "by": "desk-wang", "level": "1", "reason": "x"}',
     ["level", "whole number"]),
]


@pytest.mark.parametrize("case", BATCH, ids=[c[0] for c in BATCH])
def test_bad_batch_lines(a1: Run, community: Path, case: tuple) -> None:
    _name, line, fragments = case
    before = db_digest(community)
    out = a1("apply", "-", "--json", input=line + "\n", expect=int(E.BATCH_REFUSED))
    result = json.loads(out.stdout)
    assert result["ok"] is False and result["line"] == 1
    for fragment in fragments:
        assert fragment in result["error"], f"{fragment!r} not in {result['error']!r}"
    assert db_digest(community) == before


def test_batch_files_that_cannot_be_read(a1: Run, community: Path, tmp_path: Path) -> None:
    before = db_digest(community)
    gbk = tmp_path / "gbk.jsonl"
    gbk.write_bytes('{"note": "你好"}\n'.encode("gbk"))
    assert "line 1 is not UTF-8" in a1("apply", str(gbk), expect=int(E.INVALID_INPUT)).stderr
    assert "no such file" in a1("apply", str(tmp_path / "none.jsonl"),
                                expect=int(E.INVALID_INPUT)).stderr
    assert db_digest(community) == before

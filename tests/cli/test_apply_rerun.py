"""``apply`` is safe to repeat: a line applied before is reported as already
applied, not refused; ``--json`` results are written as each chunk commits,
so a ``kill -9`` in the middle leaves the record of what was acknowledged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.cli_support import SH, Run

from propdesk.adapters.sqlite import SQLiteStore
from propdesk.cli import cli
from propdesk.cli.errors import ExitCode

START = datetime(2026, 3, 2, 8, 0, tzinfo=SH)


def ticket_lines(n: int, start: datetime = START) -> list[str]:
    """``n`` questions the desk answers itself: record, complete, callback (3 lines each)."""
    out = []
    for i in range(n):
        at = start + timedelta(seconds=3 * i)
        tid = f"B{i:06d}"
        out += [
            json.dumps({"at": at.isoformat(), "cmd": "record", "ticket": tid, "by": "desk-wang",
                        "source": "owner_call", "mode": "immediate", "category": "inquiry",
                        "content": f"咨询 {i}", "location": "5-1-1202", "contact": "李女士",
                        "phone": "13800138000"}, ensure_ascii=False),
            json.dumps({"at": (at + timedelta(seconds=60)).isoformat(), "cmd": "complete",
                        "ticket": tid, "by": "desk-wang", "note": "已答复"},
                       ensure_ascii=False),
            json.dumps({"at": (at + timedelta(seconds=90)).isoformat(), "cmd": "callback",
                        "ticket": tid, "by": "desk-wang", "fixed": True,
                        "satisfaction": "satisfied"}),
        ]
    return out


def results(stdout: str) -> list[dict[str, object]]:
    return [json.loads(x) for x in stdout.splitlines() if x.strip()]


def test_a_second_run_reports_every_line_as_already_applied(run: Run, tmp_path: Path) -> None:
    batch = tmp_path / "day.jsonl"
    batch.write_text("\n".join(ticket_lines(5)) + "\n", "utf-8")
    first = results(run("apply", str(batch), "--json").stdout)
    assert [r["ok"] for r in first] == [True] * 15
    assert not any("already" in r for r in first)
    second = run("apply", str(batch), "--json", "--chunk", "4")  # exit 0, not 10
    again = results(second.stdout)
    assert again == [{"line": r["line"], "ok": True, "ticket": r["ticket"], "already": True}
                     for r in first]
    assert "0 lines applied, 15 applied before, 0 refused" in second.stderr
    zh = run("apply", str(batch), lang="zh")
    assert "0 行已执行，15 行此前已执行，0 行被拒绝" in zh.stderr


def test_a_file_cut_short_then_complete_applies_only_the_rest(run: Run, tmp_path: Path
                                                                  ) -> None:
    lines = ticket_lines(4)
    head, whole = tmp_path / "head.jsonl", tmp_path / "whole.jsonl"
    head.write_text("\n".join(lines[:5]) + "\n", "utf-8")
    whole.write_text("\n".join(lines) + "\n", "utf-8")
    run("apply", str(head))
    out = results(run("apply", str(whole), "--json").stdout)
    assert [bool(r.get("already")) for r in out] == [True] * 5 + [False] * 7
    assert all(r["ok"] for r in out)
    shown = json.loads(run("show", "B000001", "--json").stdout)
    assert len(shown["history"]) == 3  # record, complete, callback: none twice


def test_identical_lines_in_one_file_are_each_applied_once(run: Run, tmp_path: Path) -> None:
    lines = ticket_lines(1)[:1]
    note = json.dumps({"at": (START + timedelta(seconds=30)).isoformat(), "cmd": "follow_up",
                       "ticket": "B000000", "by": "desk-wang", "note": "再次来电"},
                      ensure_ascii=False)
    batch = tmp_path / "dup.jsonl"
    batch.write_text("\n".join([*lines, note, note]) + "\n", "utf-8")
    first = results(run("apply", str(batch), "--json").stdout)
    assert [r.get("already", False) for r in first] == [False, False, False]
    second = results(run("apply", str(batch), "--json").stdout)
    assert [r.get("already", False) for r in second] == [True, True, True]
    history = json.loads(run("show", "B000000", "--json").stdout)["history"]
    assert len(history) == 3  # the record and the two notes, once each


def test_an_explicit_command_id_with_other_content_is_still_refused(run: Run, tmp_path: Path
                                                                    ) -> None:
    rec = json.loads(ticket_lines(1)[0])
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({**rec, "command_id": "paper-17"}, ensure_ascii=False) + "\n",
                   "utf-8")
    run("apply", str(one))
    assert results(run("apply", str(one), "--json").stdout)[0]["already"] is True
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({**rec, "command_id": "paper-17", "content": "别的"},
                                ensure_ascii=False) + "\n", "utf-8")
    out = run("apply", str(other), "--json", expect=int(ExitCode.BATCH_REFUSED))
    assert results(out.stdout)[0]["code"] == "command_id_reused"
    # the same id on a ticket the store does not hold yet: refused, the rest apply
    new = tmp_path / "new.jsonl"
    new.write_text("\n".join([json.dumps({**rec, "ticket": "B999999", "command_id": "paper-17"},
                                         ensure_ascii=False), *ticket_lines(2)[3:]]) + "\n",
                   "utf-8")
    out = run("apply", str(new), "--json", expect=int(ExitCode.BATCH_REFUSED))
    assert [r["ok"] for r in results(out.stdout)] == [False, True, True, True]
    assert results(out.stdout)[0]["code"] == "command_id_reused"


@pytest.mark.slow
def test_kill_minus_nine_then_rerun(tmp_path: Path) -> None:
    """A real ``propdesk apply --json`` killed with SIGKILL after some chunks: what it
    printed was committed; the rerun reports those lines as already applied, applies
    the rest, exits 0, and every ticket has its events exactly once."""
    folder = tmp_path / "desk"
    assert CliRunner().invoke(cli, ["init", str(folder)]).exit_code == 0
    config = folder / "propdesk.toml"
    tickets = 10_000
    batch = tmp_path / "big.jsonl"
    batch.write_text("\n".join(ticket_lines(tickets)) + "\n", "utf-8")
    command = [sys.executable, "-m", "propdesk", "--config", str(config), "--as", "desk-wang",
               "apply", str(batch), "--json", "--chunk", "500", "--no-progress"]
    env = {**os.environ, "PROPDESK_DISABLE_PLUGIN_AUTOLOAD": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    printed: list[str] = []
    while len(printed) < 2000:  # four chunks acknowledged, then kill it mid-run
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        printed.append(line)
    os.kill(proc.pid, signal.SIGKILL)
    rest, _err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    acknowledged = results("".join(printed) + rest)
    assert 2000 <= len(acknowledged) < 3 * tickets, "killed before the end"
    assert all(r["ok"] for r in acknowledged)

    store = SQLiteStore(folder / "propdesk.db")
    try:
        assert store.audit().ok
        for r in acknowledged:  # nothing acknowledged is lost
            assert store.version(str(r["ticket"])) >= 1
    finally:
        store.close()

    again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    second = results(again.stdout)
    assert len(second) == 3 * tickets and all(r["ok"] for r in second)
    by_line = {r["line"]: r for r in second}
    for r in acknowledged:
        assert by_line[r["line"]].get("already") is True
    assert sum(1 for r in second if not r.get("already")) > 0

    store = SQLiteStore(folder / "propdesk.db")
    try:
        assert store.audit().ok
        assert len(store.tickets()) == tickets
        assert store.head() == 3 * tickets  # every line's event exactly once
    finally:
        store.close()


@pytest.mark.slow
def test_the_same_file_applied_twice_at_once(tmp_path: Path) -> None:
    """Two `propdesk apply` of one file at the same time: each line is applied
    once, by one of them; the other reports it as already applied; both exit 0."""
    folder = tmp_path / "desk"
    assert CliRunner().invoke(cli, ["init", str(folder)]).exit_code == 0
    tickets = 2000
    batch = tmp_path / "big.jsonl"
    batch.write_text("\n".join(ticket_lines(tickets)) + "\n", "utf-8")
    command = [sys.executable, "-m", "propdesk", "--config", str(folder / "propdesk.toml"),
               "--as", "desk-wang", "apply", str(batch), "--json", "--chunk", "200"]
    env = {**os.environ, "PROPDESK_DISABLE_PLUGIN_AUTOLOAD": "1"}
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(2)]
    outs = [p.communicate() for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
    first, second = (results(out) for out, _err in outs)
    assert len(first) == len(second) == 3 * tickets
    assert all(r["ok"] for r in first + second)
    for a, b in zip(first, second, strict=True):
        assert bool(a.get("already")) != bool(b.get("already")), (a, b)
    store = SQLiteStore(folder / "propdesk.db")
    try:
        assert store.audit().ok and store.head() == 3 * tickets
    finally:
        store.close()

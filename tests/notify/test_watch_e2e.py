"""``propdesk watch`` end to end: real subprocesses, a real SQLite store, the
built-in ``log`` channel and a test channel plugin (installed by entry point)
that POSTs to a real local HTTP server (issue 17)."""

from __future__ import annotations

import json
import secrets
import signal
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.notify.support import (
    Receiver,
    Watch,
    log_ids,
    make_community,
    propdesk,
    wait_for,
)

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # simulated time: a Monday morning


def local(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def record_emergency(config: Path, ticket: str, at: datetime | None = None) -> None:
    """An emergency recorded and dispatched by the desk (S-4, R-52)."""
    times = ([] if at is None else ["--at", local(at + timedelta(seconds=20)),
                                    "--received-at", local(at)])
    propdesk(config, "record", "--ticket", ticket, "--source", "owner_call", "--mode",
             "emergency", "--content", "地下车库水管爆裂", "--location", "5-1-1202", "--area", "A",
             "--category", "engineering", "--contact", "张先生", "--phone", "13912345678",
             *times)
    later = [] if at is None else ["--at", local(at + timedelta(seconds=30))]
    out = propdesk(config, "dispatch", ticket, *later)
    assert "notices queued: 2 → duty-log, ops-http (sent by propdesk watch)" in out.stderr


def once(config: Path, at: datetime) -> dict[str, list[dict[str, object]]]:
    out = propdesk(config, "watch", "--once", "--at", local(at), "--json")
    data: dict[str, list[dict[str, object]]] = json.loads(out.stdout)
    return data


def test_emergency_fan_out_within_90_seconds_of_simulated_time(
        community: Path, receiver: Receiver) -> None:
    record_emergency(community, "E1", T0)
    result = once(community, T0 + timedelta(seconds=31))
    sent = {(d["notice"], d["channel"]) for d in result["deliveries"] if d["ok"]}
    assert ("ev:E1:2:emergency", "ops-http") in sent and ("ev:E1:2:emergency", "duty-log") in sent
    body = json.loads(dict(receiver.received)["ev:E1:2:emergency"])
    assert body["type"] == "emergency" and body["ticket"] == "E1"
    assert {p["id"] for p in body["to"]} >= {"eng-chief", "mgr-gao"}  # supervisor, managers
    assert datetime.fromisoformat(body["at"]) - T0 <= timedelta(seconds=90)  # S-4
    order = json.loads(dict(receiver.received)["ev:E1:2:work_order"])
    assert order["data"]["owner_phone"] == "139****5678"  # masked (RELIABILITY)
    assert log_ids(community) == ["ev:E1:2:work_order", "ev:E1:2:emergency"]
    assert once(community, T0 + timedelta(seconds=32))["deliveries"] == []  # nothing twice


def test_warnings_before_and_breaches_after_their_deadlines_once_each(
        community: Path, receiver: Receiver) -> None:
    record_emergency(community, "E2", T0)  # S-4: 90 s from receipt, warned at 80 %
    fired = [once(community, T0 + timedelta(seconds=s))["fired"] for s in (71, 72, 90, 91, 91)]
    kinds = [[(f["rule"], f["type"]) for f in step] for step in fired]
    assert kinds[0] == []                                    # 71 s: before the warning
    assert ("S-4", "sla.warning") in kinds[1]                # 72 s: 80 % of 90 s
    assert all(r != "S-4" for step in kinds[2:3] for r, _ in step)  # 90 s: still in time
    assert ("S-4", "sla.breach") in kinds[3]                 # 91 s: past the deadline
    assert kinds[4] == []                                    # a second pass: nothing again
    s4 = [nid for nid in receiver.ids() if nid.startswith("sla:E2:S-4:")]
    assert s4 == ["sla:E2:S-4:1:warning", "sla:E2:S-4:1:breach"]


def test_a_channel_that_fails_twice_then_succeeds_delivers_once(
        community: Path, receiver: Receiver) -> None:
    receiver.script["ev:E3:2:emergency"] = ["fail", "fail"]
    watch = Watch(community)
    try:
        wait_for(watch.holding, "the watcher to take the lock")
        record_emergency(community, "E3")
        wait_for(lambda: receiver.confirmed["ev:E3:2:emergency"] == 1, "the third attempt")
        assert "ev:E3:2:work_order" in log_ids(community)  # the log channel was not held up
    finally:
        assert watch.stop() == 0
    assert receiver.ids().count("ev:E3:2:emergency") == 3
    assert receiver.confirmed["ev:E3:2:emergency"] == 1
    rows = json.loads(propdesk(community, "notify", "list", "--json").stdout)
    row = next(r for r in rows if r["notice"] == "ev:E3:2:emergency" and r["channel"] == "ops-http")
    assert (row["state"], row["attempts"]) == ("sent", 3)
    assert "delivery of notice ev:E3:2:emergency for ticket E3 on channel ops-http failed" in \
        watch.err()  # failures are logged with ticket and channel


def test_kill_9_mid_delivery_then_restart_sends_nothing_twice_and_misses_nothing(
        community: Path, receiver: Receiver) -> None:
    receiver.script["ev:K1:2:emergency"] = ["hang"]
    watch = Watch(community)
    wait_for(watch.holding, "the watcher to take the lock")
    record_emergency(community, "K1")
    wait_for(receiver.hanging.is_set, "the delivery to be in flight")
    assert receiver.confirmed["ev:K1:2:work_order"] == 1
    watch.proc.kill()  # kill -9 while the emergency's request is unanswered
    watch.proc.wait(timeout=30)
    receiver.release.set()
    record_emergency(community, "K2")  # committed while no watcher runs
    again = Watch(community)
    try:
        wanted = {f"ev:{t}:2:{k}" for t in ("K1", "K2") for k in ("work_order", "emergency")}
        wait_for(lambda: wanted <= {n for n, c in receiver.confirmed.items() if c},
                 "every notice confirmed")
        wait_for(lambda: wanted <= set(log_ids(community)), "every notice in the log")
    finally:
        assert again.stop() == 0
    assert all(receiver.confirmed[n] == 1 for n in wanted), receiver.confirmed
    assert sorted(log_ids(community)) == sorted(set(log_ids(community)))


def test_two_watchers_one_sender_and_the_second_takes_over(
        community: Path, receiver: Receiver) -> None:
    first = Watch(community)
    wait_for(first.holding, "the first watcher to take the lock")
    second = Watch(community)
    try:
        wait_for(lambda: "waiting to take over" in second.err(), "the second to wait")
        record_emergency(community, "W1")
        wait_for(lambda: receiver.confirmed["ev:W1:2:emergency"] == 1, "delivery")
        assert not second.holding()
        assert first.stop() == 0
        wait_for(second.holding, "the second watcher to take over")
        record_emergency(community, "W2")
        wait_for(lambda: receiver.confirmed["ev:W2:2:emergency"] == 1, "delivery by the second")
    finally:
        first.stop()
        assert second.stop() == 0
    assert all(c == 1 for c in receiver.confirmed.values()), receiver.confirmed


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_watcher_cleanly(community: Path, sig: int) -> None:
    watch = Watch(community)
    wait_for(watch.holding, "the watcher to take the lock")
    assert watch.stop(sig) == 0
    assert "stopped:" in watch.err() and "Traceback" not in watch.err()
    assert propdesk(community, "watch", "--once").returncode == 0  # the lock was released


def test_once_refuses_while_a_watcher_holds_the_lock(community: Path) -> None:
    watch = Watch(community)
    try:
        wait_for(watch.holding, "the watcher to take the lock")
        out = propdesk(community, "watch", "--once", expect=5)
        assert "holds this store's watch lock" in out.stderr
    finally:
        watch.stop()


@pytest.mark.postgres
def test_two_watchers_on_postgresql_one_sender(tmp_path: Path, receiver: Receiver) -> None:
    """The same on PostgreSQL: the session advisory lock makes one sender."""
    import psycopg

    from propdesk.testing.fixtures import require_pg_dsn

    dsn = require_pg_dsn()
    schema = f"propdesk_watch_{secrets.token_hex(5)}"
    community = make_community(tmp_path / "desk", receiver.url,
                               storage=f'backend = "postgres"\ndsn = "{dsn}"\n'
                                       f'schema = "{schema}"')
    try:
        propdesk(community, "config", "check", "--storage")
        first = Watch(community)
        wait_for(first.holding, "the first watcher to take the lock")
        second = Watch(community)
        try:
            wait_for(lambda: "waiting to take over" in second.err(), "the second to wait")
            record_emergency(community, "P1")
            wait_for(lambda: receiver.confirmed["ev:P1:2:emergency"] == 1, "delivery")
            first.proc.kill()  # kill -9: PostgreSQL drops the dead session's lock
            first.proc.wait(timeout=30)
            wait_for(second.holding, "the second watcher to take over")
            record_emergency(community, "P2")
            wait_for(lambda: receiver.confirmed["ev:P2:2:emergency"] == 1, "the second sends")
        finally:
            first.stop()
            assert second.stop() == 0
        assert all(c == 1 for c in receiver.confirmed.values()), receiver.confirmed
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

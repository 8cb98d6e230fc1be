"""RELIABILITY.md's promises, demonstrated for SQLite and PostgreSQL alike.

Writers are separate processes (``workers.py``) on one shared store:
concurrent writers, two-writer races, concurrent repeats of the same command
ids, and ``kill -9`` of a writer in the middle of its transactions.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from tests.storage.storehelp import WORKERS, Spec, run_workers

from propdesk.ports import EventStore


def start_at(seconds: float = 1.5) -> str:
    return f"@{time.time() + seconds}"


def assert_streams_contiguous(store: EventStore) -> collections.Counter[str]:
    per_ticket: collections.Counter[str] = collections.Counter()
    for ticket in store.tickets():
        versions = [e.version for e in store.load(ticket)]
        assert versions == list(range(1, len(versions) + 1)), ticket
        per_ticket[ticket] = len(versions)
    return per_ticket


def assert_sound(spec: Spec, store: EventStore) -> None:
    report = store.audit()
    assert report.ok, report
    if spec.backend == "sqlite":
        from propdesk.adapters.sqlite import SQLiteStore

        assert isinstance(store, SQLiteStore)
        assert store.integrity_check() == "ok"


@pytest.mark.slow
def test_concurrent_writers(spec: Spec, store_of) -> None:  # type: ignore[no-untyped-def]
    """16 processes × 1,000 commands on 20 shared tickets: exactly 16,000 events."""
    workers, commands, tickets = 16, 1000, 20
    store = store_of(spec)  # creates the schema before the workers start
    results = run_workers(spec, "hammer", workers, commands, tickets, start_at(), timeout=240)
    assert [r["done"] for r in results] == [commands] * workers
    assert store.head() == workers * commands
    per_ticket = assert_streams_contiguous(store)
    assert len(per_ticket) == tickets
    assert sum(per_ticket.values()) == workers * commands
    ids = [e.command_id for e in store.read_all()]
    assert len(set(ids)) == workers * commands
    assert [e.seq for e in store.read_all()] == list(range(1, workers * commands + 1))
    assert_sound(spec, store)


def test_two_writer_races(spec: Spec, store_of) -> None:  # type: ignore[no-untyped-def]
    """1,000 races of two operators on one version: exactly one wins each time."""
    rounds = 1000
    store = store_of(spec)
    a, b = run_workers(spec, "race", 2, rounds, start_at())
    assert sorted(a["won"] + b["won"]) == list(range(rounds))
    assert a["lost"] + b["lost"] == rounds
    assert a["lost"] > 0 or b["lost"] > 0
    winner = {r: "op0" for r in a["won"]} | {r: "op1" for r in b["won"]}
    for r in random.Random(5).sample(range(rounds), 50):
        events = store.load(f"R-{r:04d}")
        assert [(e.version, e.by) for e in events] == [(1, winner[r])]  # no lost update
    assert store.head() == rounds
    assert_sound(spec, store)


def test_concurrent_repeats_apply_once(spec: Spec, store_of) -> None:  # type: ignore[no-untyped-def]
    """4 processes repeat the same 200 command ids: one event per command id."""
    store = store_of(spec)
    results = run_workers(spec, "repeat", 4, 200, start_at())
    assert sum(r["applied"] for r in results) == 200
    assert sum(r["duplicates"] for r in results) == 3 * 200
    assert store.head() == 200
    assert len({e.command_id for e in store.read_all()}) == 200
    for i in range(200):
        record = store.find_command(f"same-{i}")
        assert record is not None
        assert record.first_version == record.last_version
    assert_sound(spec, store)


@pytest.mark.slow
def test_kill_minus_nine_loses_nothing_acknowledged(spec: Spec, store_of) -> None:  # type: ignore[no-untyped-def]
    """Repeated kill -9 of a writer: sound file, nothing acknowledged lost, no partial commit."""
    rounds = 12 if spec.backend == "sqlite" else 8
    rng = random.Random(20260302)
    acknowledged: list[str] = []
    store_of(spec).close()  # schema first
    for round_no in range(rounds):
        proc = subprocess.Popen(
            [sys.executable, str(WORKERS), "crash", spec.to_json(), str(round_no)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # it is writing now
        assert first, proc.stderr.read() if proc.stderr else ""
        time.sleep(rng.uniform(0.02, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _err = proc.communicate()
        for line in (first + rest).splitlines():
            acknowledged.extend(line.split())
        store = store_of(spec)
        assert_sound(spec, store)
        for command_id in acknowledged:
            record = store.find_command(command_id)
            assert record is not None, f"acknowledged command {command_id} lost"
        # No partial transaction: every command has exactly its two events.
        per_command = collections.Counter(e.command_id for e in store.read_all())
        assert set(per_command.values()) == {2}
        assert_streams_contiguous(store)
        store.close()
    assert len(acknowledged) > rounds

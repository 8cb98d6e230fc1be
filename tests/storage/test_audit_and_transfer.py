"""Tampering is caught by the audit; logs move between stores with identical hashes."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from tests.storage.storehelp import Spec

from propdesk.adapters.memory import MemoryStore
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.backup import BackupError, export_jsonl, export_lines, import_jsonl
from propdesk.ports import EventStore
from propdesk.serialization import chain_hash
from propdesk.testing.contract import ODD_TEXT, make_event, make_events

Opener = Callable[[Spec], EventStore]


def fill(store: EventStore, commands: int = 12) -> None:
    """Tickets T-0..T-2 with one or two events per command, some batched."""
    for i in range(commands):
        ticket = f"T-{i % 3}"
        version = store.version(ticket)
        count = 1 + i % 2
        data = {"text": ODD_TEXT, "fee": str(Decimal("1234.50") + i), "n": i}
        store.append(
            ticket,
            version,
            make_events(ticket, version, count, data=data),
            command_id=f"c-{i}",
            digest=f"d-{i}",
        )
    version = store.version("T-9")
    store.append_many(
        [
            ("T-9", version, make_events("T-9", version, 2), None, ""),
            ("房-1", 0, make_events("房-1", 0, 1), "c-b", "db"),
        ]
    )


# -- tampering ----------------------------------------------------------------


def sql_of(spec: Spec, store: EventStore) -> Callable[[str], None]:
    """Run raw SQL against the store's database with the append-only triggers off."""
    if spec.backend == "sqlite":
        conn = sqlite3.connect(spec.path, isolation_level=None)
        for name in ("events_no_update", "events_no_delete"):
            conn.execute(f"DROP TRIGGER {name}")

        def run(statement: str) -> None:
            conn.execute(statement)

        return run
    import psycopg

    pg = psycopg.connect(spec.dsn, autocommit=True)
    pg.execute(f'SET search_path TO "{spec.schema}"')
    pg.execute("ALTER TABLE events DISABLE TRIGGER USER")

    def run_pg(statement: str) -> None:
        pg.execute(statement.replace("?", "%s"))  # type: ignore[arg-type]

    return run_pg


def test_triggers_refuse_update_and_delete(spec: Spec, store_of: Opener) -> None:
    store = store_of(spec)
    fill(store, 3)
    if spec.backend == "sqlite":
        conn = sqlite3.connect(spec.path)
        for statement in ("UPDATE events SET by = 'x' WHERE seq = 1", "DELETE FROM events"):
            with pytest.raises(sqlite3.IntegrityError, match="propdesk"):
                conn.execute(statement)
        conn.close()
    else:
        import psycopg

        with psycopg.connect(spec.dsn, autocommit=True) as pg:
            pg.execute(f'SET search_path TO "{spec.schema}"')
            for statement in (
                "UPDATE events SET by = 'x' WHERE seq = 1",
                "DELETE FROM events",
                "TRUNCATE events",
                "DELETE FROM commands",
            ):
                with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="propdesk"):
                    pg.execute(statement)  # type: ignore[arg-type]
    assert store.audit().ok
    assert store.head() == 4 + 2 + 1


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        ("edit-data", 5),
        ("edit-actor", 5),
        ("delete", 5),
        ("reorder", 4),
        ("insert", 6),
    ],
)
def test_audit_names_the_first_bad_position(
    spec: Spec, store_of: Opener, tamper: str, first_bad: int
) -> None:
    store = store_of(spec)
    fill(store)
    total = store.head()
    assert store.audit().ok
    run = sql_of(spec, store)
    if tamper == "edit-data":
        run('UPDATE events SET data = replace(data, \'"fee":"1\', \'"fee":"9\') WHERE seq = 5')
    elif tamper == "edit-actor":
        run("UPDATE events SET by = 'desk-li' WHERE seq = 5")
    elif tamper == "delete":
        run("DELETE FROM events WHERE seq = 5")
    elif tamper == "reorder":  # swap the contents of positions 4 and 5
        run("UPDATE events SET seq = -4 WHERE seq = 4")
        run("UPDATE events SET seq = 4 WHERE seq = 5")
        run("UPDATE events SET seq = 5 WHERE seq = -4")
    elif tamper == "insert":  # shift the tail and forge a well-chained entry at 5
        entries = list(store.read_all(limit=5))
        forged = make_event("T-X", 1, data={"forged": True})
        h = chain_hash(entries[3].hash, forged)
        for seq in range(total, 4, -1):
            run(f"UPDATE events SET seq = {seq + 1} WHERE seq = {seq}")
        run(
            "INSERT INTO events (seq, ticket, version, kind, at, by, data, command_id,"
            f" prev_hash, hash) VALUES (5, 'T-X', 1, 'note', '{forged.at.isoformat()}',"
            f" 'desk-wang', '{{\"forged\":true}}', NULL, '{entries[3].hash}', '{h}')"
        )
    report = store.audit()
    assert not report.ok
    assert report.first_bad == first_bad, report
    assert report.checked == first_bad - 1
    assert report.reason


def test_raw_file_edit_is_caught(sqlite_spec: Spec) -> None:
    store = SQLiteStore(sqlite_spec.path)
    store.append("T-1", 0, [make_event("T-1", 1, data={"owner": "Zhang San", "fee": "30.00"})])
    store.append("T-1", 1, [make_event("T-1", 2)])
    store.close()  # checkpoints the WAL into the file
    raw = Path(sqlite_spec.path).read_bytes()
    assert raw.count(b"30.00") == 1
    Path(sqlite_spec.path).write_bytes(raw.replace(b"30.00", b"03.00"))
    reopened = SQLiteStore(sqlite_spec.path)
    try:
        report = reopened.audit()
        assert (report.ok, report.first_bad) == (False, 1)
    finally:
        reopened.close()


# -- moving data ----------------------------------------------------------------


def test_export_import_round_trip_memory_sqlite(tmp_path: Path) -> None:
    source = MemoryStore()
    fill(source)
    buffer = io.StringIO()
    written = export_jsonl(source, buffer)
    assert written.events == source.head()
    target = SQLiteStore(tmp_path / "copy.db")
    try:
        report = import_jsonl(io.StringIO(buffer.getvalue()), target, chunk=4)
        assert report == written
        assert list(export_lines(target)) == list(export_lines(source))
        assert target.find_command("c-3") == source.find_command("c-3")
        assert target.tickets() == source.tickets()
    finally:
        target.close()


def test_sqlite_to_postgres_to_sqlite(sqlite_spec: Spec, pg_spec: Spec, tmp_path: Path) -> None:
    first = SQLiteStore(sqlite_spec.path)
    middle = pg_spec.open()
    last = SQLiteStore(tmp_path / "back.db")
    try:
        fill(first, 40)
        one = "".join(export_lines(first))
        import_jsonl(io.StringIO(one), middle, chunk=7)
        two = "".join(export_lines(middle))
        import_jsonl(io.StringIO(two), last)
        three = "".join(export_lines(last))
        assert one == two == three
        assert [e.event for e in first.read_all()] == [e.event for e in last.read_all()]
        assert first.audit() == middle.audit() == last.audit()
        for cid in ("c-0", "c-39", "c-b"):
            assert first.find_command(cid) == middle.find_command(cid) == last.find_command(cid)
    finally:
        for store in (first, middle, last):
            store.close()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:2] + lines[3:], "line 3: sequence"),
        (
            lambda lines: [*lines[:1], lines[1].replace("desk-wang", "desk-li"), *lines[2:]],
            "line 2: hash",
        ),
        (lambda lines: [*lines[:2], "{not json\n", *lines[3:]], "line 3: not an exported event"),
    ],
    ids=["dropped-line", "edited-line", "garbage"],
)
def test_import_refuses_a_damaged_file(
    edit: Callable[[list[str]], list[str]], message: str
) -> None:
    source = MemoryStore()
    fill(source, 4)
    lines = edit(list(export_lines(source)))
    target = MemoryStore()
    with pytest.raises(BackupError, match=message):
        import_jsonl(lines, target, chunk=1000)
    assert target.head() == 0  # verified before anything was written


def test_import_needs_an_empty_store() -> None:
    source, target = MemoryStore(), MemoryStore()
    fill(source, 2)
    target.append("T-0", 0, make_events("T-0", 0, 1))
    with pytest.raises(BackupError, match="empty"):
        import_jsonl(export_lines(source), target)

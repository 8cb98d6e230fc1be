"""The SQLite event store: built in, the default backend (``backend = "sqlite"``).

Durability and concurrency follow ``RELIABILITY.md``: WAL journal,
``synchronous=FULL`` (``NORMAL`` only when asked for), a busy timeout, and
every write inside ``BEGIN IMMEDIATE`` so a writer waits for the lock
instead of failing half-way.  The schema lives in plain-SQL migrations
(``adapters/sql/sqlite_NNNN_name.sql``) applied in order, each in one
transaction, recorded in ``schema_migrations``.

Configuration (``[storage]``)::

    backend = "sqlite"
    path = "propdesk.db"        # relative to the configuration file's folder
    synchronous = "full"        # or "normal" (faster, may lose the last commits on power loss)
    busy_timeout = 10000        # milliseconds a writer waits for the lock
"""

from __future__ import annotations

import contextlib
import importlib.resources
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from propdesk.adapters import (
    Group,
    audit_entries,
    check_batch,
    decode_event,
    decode_row,
    plan_write,
)
from propdesk.adapters.outbox_rows import (
    OUTBOX_COLUMNS,
    OUTBOX_INSERT_COLUMNS,
    insert_values,
    parse_ts,
    row_from,
    ts,
)
from propdesk.adapters.sqlite_search import (
    SEARCH_MIGRATION,
    SEARCH_UPSERT,
    fill_search,
    search_entry,
    search_sql,
)
from propdesk.adapters.sqlite_search import has_trigram as _has_trigram
from propdesk.adapters.watch_lock import FileWatchLock, ThreadWatchLock
from propdesk.domain.events import Event, iso
from propdesk.hookspecs import StoreBackend, hookimpl
from propdesk.ports import (
    AuditReport,
    CommandRecord,
    FireKey,
    OutboxRow,
    StoredEvent,
    StoreUnavailable,
    WatchLock,
)
from propdesk.search import Term, entries_after, numbered, parse_query
from propdesk.serialization import GENESIS_HASH

_COLUMNS = "seq, ticket, version, kind, at, by, data, command_id, prev_hash, hash"
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_PAGE = 2000
_MIGRATION_NAME = re.compile(r"^sqlite_(\d{4})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """The packaged migrations as ``(version, name, sql)``, in order."""
    found: list[tuple[int, str, str]] = []
    folder = importlib.resources.files("propdesk.adapters") / "sql"
    for item in folder.iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), match.group(2), item.read_text("utf-8")))
    found.sort()
    return found


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (triggers stay whole)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            text = buffer.strip()
            if text and not all(
                part.strip().startswith("--") or not part.strip() for part in text.splitlines()
            ):
                statements.append(text)
            buffer = ""
    if buffer.strip() and not all(
        p.strip().startswith("--") or not p.strip() for p in buffer.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {buffer!r}")
    return statements


class SQLiteStore:
    """An :class:`~propdesk.ports.EventStore` in one SQLite file.

    One connection per store object, shared by threads under a lock.  Open
    one store per process; any number of processes on the same host may
    share the file.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "full",
        busy_timeout: int = 10_000,
    ) -> None:
        if synchronous.lower() not in ("full", "normal"):
            raise ValueError(f"synchronous must be 'full' or 'normal', got {synchronous!r}")
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._fts = False
        try:
            self._conn = sqlite3.connect(
                self.path,
                timeout=busy_timeout / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc
        try:
            self._configure(synchronous.upper())
            self.migrate()
        except sqlite3.Error as exc:
            self._conn.close()
            raise StoreUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc

    # -- setup ---------------------------------------------------------------

    def _configure(self, synchronous: str) -> None:
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout)}")
        deadline = time.monotonic() + self.busy_timeout / 1000
        while True:  # switching to WAL needs a moment of exclusive access
            try:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        if mode.lower() != "wal" and self.path != ":memory:" and self.path != "":
            raise StoreUnavailable(
                f"SQLite database {self.path} cannot use WAL (journal mode {mode});"
                " is it on a network file system?"
            )
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        conn.execute("PRAGMA foreign_keys = ON")

    def migrate(self) -> list[int]:
        """Apply the packaged migrations not applied yet; returns their versions."""
        applied: list[int] = []
        with self._lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done_before = {int(r[0]) for r in self._conn.execute(
                "SELECT version FROM schema_migrations").fetchall()}
            for version, name, script in migrations():
                if version in done_before:
                    continue  # a read is enough: no write lock for what is applied
                with self._transaction() as conn:
                    done = conn.execute(
                        "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
                    ).fetchone()
                    if done:
                        continue
                    statements = split_statements(script)
                    if version == SEARCH_MIGRATION and not _has_trigram(conn):
                        statements = [s for s in statements if "search_fts" not in s]
                    for statement in statements:
                        conn.execute(statement)
                    if version == SEARCH_MIGRATION:
                        fill_search(conn)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at)"
                        " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                        (version, name),
                    )
                    applied.append(version)
            self._fts = self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'search_fts'").fetchone() is not None
        return applied

    def schema_version(self) -> int:
        """The highest applied migration."""
        with self._lock:
            row = self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any exception."""
        with self._lock:
            conn = self._conn
            self._begin_immediate()
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StoreUnavailable(f"SQLite commit failed: {exc}") from exc

    def _begin_immediate(self) -> None:
        deadline = time.monotonic() + max(self.busy_timeout, 1000) / 1000
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise StoreUnavailable(f"SQLite cannot start a write: {exc}") from exc
                if time.monotonic() > deadline:
                    raise StoreUnavailable(
                        f"SQLite database {self.path} stayed locked for"
                        f" {self.busy_timeout} ms; another process holds a long write"
                    ) from exc
                time.sleep(0.005)

    # -- reads ---------------------------------------------------------------

    def load(self, ticket: str) -> list[Event]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT ticket, version, kind, at, by, data FROM events"
                " WHERE ticket = ? ORDER BY version",
                (ticket,),
            ).fetchall()
        return [decode_event(*row) for row in rows]

    def version(self, ticket: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT MAX(version) FROM events WHERE ticket = ?", (ticket,)
            ).fetchone()
        return int(row[0] or 0)

    def find_command(self, command_id: str) -> CommandRecord | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT command_id, digest, ticket, first_version, last_version"
                " FROM commands WHERE command_id = ?",
                (command_id,),
            ).fetchone()
        return None if row is None else CommandRecord(*row)

    def tickets(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT ticket FROM events WHERE version = 1 ORDER BY seq"
            ).fetchall()
        return [row[0] for row in rows]

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        remaining = limit
        position = max(after, 0)
        while remaining is None or remaining > 0:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            with self._lock:
                rows = self._conn.execute(
                    f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                    (position, page),
                ).fetchall()
            for row in rows:
                yield decode_row(row)
            if len(rows) < page:
                return
            position = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)

    def head(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def audit(self) -> AuditReport:
        return audit_entries(self.read_all())

    def search(self, query: str, *, limit: int | None = 50) -> list[str]:
        """Tickets matching ``query`` (:mod:`propdesk.search`), newest first.

        When every term has three characters or more, each term's tickets come
        from the trigram full-text index and the phone indexes, and the terms'
        sets are intersected: no row is scanned.  A shorter term (one or two
        characters: a surname, ``漏水``) cannot use a trigram index; then the
        ``search`` table (one short row per ticket, never the event log) is
        read newest first until ``limit`` tickets match."""
        terms = parse_query(query)
        if not terms or (limit is not None and limit <= 0):
            return []
        text, params = self.search_sql(terms, limit)
        with self._lock:
            rows = self._conn.execute(text, params).fetchall()
        return [str(r[0]) for r in rows]

    def search_sql(self, terms: Sequence[Term], limit: int | None) -> tuple[str, list[Any]]:
        """The query :meth:`search` runs, with its parameters."""
        return search_sql(terms, limit, fts=self._fts)

    def integrity_check(self) -> str:
        """SQLite's own ``PRAGMA integrity_check`` (``"ok"`` when the file is sound)."""
        with self._lock:
            rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)

    def backup(self, target: str | Path) -> None:
        """Copy the database, consistently, while it is in use (SQLite online backup)."""
        with self._lock:
            dest = sqlite3.connect(str(target))
            try:
                self._conn.backup(dest)
            finally:
                dest.close()

    # -- writes --------------------------------------------------------------

    def append(
        self,
        ticket: str,
        expected_version: int,
        events: Sequence[Event],
        *,
        command_id: str | None = None,
        digest: str = "",
        outbox: Sequence[OutboxRow] = (),
    ) -> list[StoredEvent]:
        group: Group = (ticket, expected_version, events, command_id, digest)
        check_batch([group])
        with self._transaction() as conn:
            stored = self._write(conn, [group], keep=True)
            self._insert_rows(conn, outbox)
        return stored

    def append_many(self, batch: Sequence[Group], *, outbox: Sequence[OutboxRow] = ()) -> None:
        check_batch(batch)
        if not batch:
            return
        with self._transaction() as conn:
            self._write(conn, batch, keep=False)
            self._insert_rows(conn, outbox)

    # -- the outbox (issue 17) -------------------------------------------------

    @staticmethod
    def _insert_rows(conn: sqlite3.Connection, rows: Sequence[OutboxRow]) -> None:
        if rows:
            conn.executemany(
                f"INSERT INTO outbox ({OUTBOX_INSERT_COLUMNS}) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                [insert_values(r) for r in rows],
            )

    def outbox_due(self, channel: str, now: datetime, limit: int) -> list[OutboxRow]:
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending' AND channel = ?"
                " AND next_at <= ? ORDER BY next_at, id LIMIT ?",
                (channel, ts(now), limit),
            ).fetchall()
        return [row_from(r) for r in rows]

    def outbox_update(self, row_id: int, *, state: str, attempts: int, next_at: datetime,
                      last_error: str = "", sent_at: datetime | None = None) -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE outbox SET state = ?, attempts = ?, next_at = ?, last_error = ?,"
                " sent_at = ? WHERE id = ?",
                (state, attempts, ts(next_at), last_error,
                 None if sent_at is None else ts(sent_at), row_id),
            )

    def outbox_rows(self, *, states: Sequence[str] = (), limit: int | None = None
                    ) -> list[OutboxRow]:
        where = (" WHERE state IN (" + ", ".join("?" * len(states)) + ")") if states else ""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox{where} ORDER BY id LIMIT ?",
                (*states, -1 if limit is None else limit),
            ).fetchall()
        return [row_from(r) for r in rows]

    def outbox_requeue(self, ids: Sequence[int] | None, now: datetime) -> int:
        with self._transaction() as conn:
            if ids is None:
                cur = conn.execute(
                    "UPDATE outbox SET state = 'pending', attempts = 0, next_at = ?"
                    " WHERE state = 'dead'", (ts(now),))
                return cur.rowcount
            count = 0
            for row_id in ids:
                count += conn.execute(
                    "UPDATE outbox SET state = 'pending', attempts = 0, next_at = ?"
                    " WHERE state = 'dead' AND id = ?", (ts(now), row_id)).rowcount
            return count

    def outbox_next_at(self) -> datetime | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT MIN(next_at) FROM outbox WHERE state = 'pending'").fetchone()
        return None if row[0] is None else parse_ts(row[0])

    def record_fires(self, fires: Sequence[tuple[FireKey, datetime, Sequence[OutboxRow]]]
                     ) -> list[FireKey]:
        fired: list[FireKey] = []
        if not fires:
            return fired
        with self._transaction() as conn:
            for key, at, rows in fires:
                cur = conn.execute(
                    "INSERT INTO sla_fires (ticket, rule, cycle, occurrence, kind, at)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", (*key, ts(at)))
                if cur.rowcount:
                    fired.append(key)
                    self._insert_rows(conn, rows)
        return fired

    def watch_lock(self) -> WatchLock:
        """An ``fcntl`` lock on the file ``<database>.watch.lock`` beside the database."""
        if self.path in (":memory:", ""):
            return ThreadWatchLock()
        return FileWatchLock(Path(self.path + ".watch.lock"))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- credentials (issue 18: the web desk's sign-in) ------------------------

    def set_credential(self, person: str, secret_hash: str, at: datetime) -> None:
        """Store or replace ``person``'s password hash (see :class:`CredentialStore`)."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO credentials (person, hash, set_at) VALUES (?, ?, ?)"
                " ON CONFLICT (person) DO UPDATE SET hash = excluded.hash,"
                " set_at = excluded.set_at",
                (person, secret_hash, iso(at)),
            )

    def credential(self, person: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT hash FROM credentials WHERE person = ?", (person,)
            ).fetchone()
        return None if row is None else str(row[0])

    # -- internals -----------------------------------------------------------

    def _write(
        self, conn: sqlite3.Connection, batch: Sequence[Group], *, keep: bool
    ) -> list[StoredEvent]:
        """Inside an open transaction: check, encode and insert every group."""
        row = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))

        def version_of(ticket: str) -> int:
            found = conn.execute(
                "SELECT MAX(version) FROM events WHERE ticket = ?", (ticket,)
            ).fetchone()[0]
            return int(found or 0)

        def command_taken(command_id: str) -> bool:
            return conn.execute(
                "SELECT 1 FROM commands WHERE command_id = ?", (command_id,)
            ).fetchone() is not None

        plan = plan_write(batch, seq=seq, prev_hash=prev, version_of=version_of,
                          command_taken=command_taken, keep=keep)
        rows, commands, stored = plan.rows, plan.commands, plan.stored
        try:
            conn.executemany(_INSERT, rows)
            if commands:
                conn.executemany(
                    "INSERT INTO commands (command_id, digest, ticket, first_version,"
                    " last_version) VALUES (?, ?, ?, ?, ?)",
                    commands,
                )
            entries = entries_after(numbered(batch, seq), lambda t: search_entry(conn, t))
            if entries:
                conn.executemany(SEARCH_UPSERT, [e.row() for e in entries])
        except sqlite3.IntegrityError as exc:  # a backstop: the checks above hold the lock
            raise StoreUnavailable(f"SQLite refused the append: {exc}") from exc
        return stored


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


_SYNCHRONOUS = ("full", "normal")


def open_sqlite(table: Mapping[str, Any], base_dir: Path) -> SQLiteStore:
    """Open the SQLite store a ``[storage]`` table describes (without ``backend``)."""
    from propdesk.adapters.keys import ConfigKeyError, check_keys

    check_keys(table, ("path", "synchronous", "busy_timeout"))
    path = table.get("path", "propdesk.db")
    if not isinstance(path, str) or not path:
        raise ConfigKeyError("$.storage.path", f"must be a non-empty string, got {path!r}")
    synchronous = table.get("synchronous", "full")
    if not isinstance(synchronous, str) or synchronous.lower() not in _SYNCHRONOUS:
        raise ConfigKeyError(
            "$.storage.synchronous", f"must be 'full' or 'normal', got {synchronous!r}"
        )
    busy = table.get("busy_timeout", 10_000)
    if isinstance(busy, bool) or not isinstance(busy, int) or not 0 <= busy <= 600_000:
        raise ConfigKeyError(
            "$.storage.busy_timeout", f"must be milliseconds from 0 to 600000, got {busy!r}"
        )
    full = path if path == ":memory:" else str(Path(base_dir) / Path(path).expanduser())
    return SQLiteStore(full, synchronous=synchronous, busy_timeout=busy)


@hookimpl
def propdesk_store_backends() -> list[StoreBackend]:
    """The built-in SQLite backend."""
    return [
        StoreBackend(
            name="sqlite",
            open=open_sqlite,
            description="one SQLite file (WAL, synchronous=FULL); the default",
            keys=("path", "synchronous", "busy_timeout"),
        )
    ]

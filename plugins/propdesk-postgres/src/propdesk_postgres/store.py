"""The PostgreSQL event store: the same promises as the SQLite store, for many machines.

* psycopg 3 with a :class:`psycopg_pool.ConnectionPool`; every connection
  sets ``search_path`` to the store's schema, ``lock_timeout`` and
  ``idle_in_transaction_session_timeout``.  Placeholders only; identifiers
  through :class:`psycopg.sql.Identifier`.
* Every append takes a transaction-level advisory lock (one per schema)
  before it reads the head, so appends are serialised: the global sequence
  is the commit order, and a reader tailing ``seq > n`` never skips an event
  that commits later (the lock is released only after the commit is visible).
* ``(ticket, version)`` is unique, command ids are unique, triggers refuse
  updates, deletes and truncation of stored events.
* Plain-SQL migrations (``sql/postgres_NNNN_name.sql``) run in order, each in
  one transaction, under an advisory lock so concurrent openers agree.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from propdesk.adapters import (
    Group,
    audit_entries,
    check_batch,
    decode_event,
    decode_row,
    plan_write,
)
from propdesk.domain.events import Event, iso
from propdesk.plugins import ConfigKeyError, check_keys
from propdesk.ports import (
    AuditReport,
    CommandRecord,
    ConcurrencyConflict,
    DuplicateCommand,
    StoredEvent,
    StoreUnavailable,
)
from propdesk.serialization import GENESIS_HASH
from propdesk_postgres.plugin import CONFIG_KEYS

_COLUMNS = "seq, ticket, version, kind, at, by, data, command_id, prev_hash, hash"
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
_PAGE = 2000
_MIGRATION_NAME = re.compile(r"^postgres_(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_CLASS = 0x70726F70  # "prop": the advisory-lock class of propdesk appends
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

__all__ = ["CONFIG_KEYS", "PostgresStore", "migrations", "open_postgres"]


def migrations() -> list[tuple[int, str, str]]:
    """The packaged migrations as ``(version, name, sql)``, in order."""
    found: list[tuple[int, str, str]] = []
    for item in (importlib.resources.files("propdesk_postgres") / "sql").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), match.group(2), item.read_text("utf-8")))
    found.sort()
    return found


class PostgresStore:
    """An :class:`~propdesk.ports.EventStore` in one schema of a PostgreSQL database."""

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "propdesk",
        pool_size: int = 4,
        connect_timeout: float = 10.0,
        lock_timeout: int = 30_000,
    ) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"schema must be a plain identifier, got {schema!r}")
        self.schema = schema
        self._lock_timeout = int(lock_timeout)

        def configure(conn: psycopg.Connection[Any]) -> None:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(self._lock_timeout)))
            conn.execute("SET idle_in_transaction_session_timeout = 60000")

        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            dsn,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"autocommit": True},
            configure=configure,
            timeout=connect_timeout,
            open=False,
            name=f"propdesk-{schema}",
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
            self.migrate()
        except (PoolTimeout, psycopg.OperationalError) as exc:
            self._pool.close()
            raise StoreUnavailable(f"cannot reach PostgreSQL ({_safe_dsn(dsn)}): {exc}") from exc
        except BaseException:
            self._pool.close()
            raise

    # -- setup ---------------------------------------------------------------

    def migrate(self) -> list[int]:
        """Apply the packaged migrations not applied yet; returns their versions."""
        applied: list[int] = []
        ident = sql.Identifier(self.schema)
        with self._pool.connection() as conn:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
            for version, name, script in migrations():
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                    done = conn.execute(
                        "SELECT 1 FROM schema_migrations WHERE version = %s", (version,)
                    ).fetchone()
                    if done:
                        continue
                    conn.execute(sql.SQL(script))
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (version, name),
                    )
                    applied.append(version)
        return applied

    def schema_version(self) -> int:
        """The highest applied migration."""
        with self._pool.connection() as conn:
            row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0) if row else 0

    # -- reads ---------------------------------------------------------------

    def load(self, ticket: str) -> list[Event]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT ticket, version, kind, at, by, data FROM events"
                " WHERE ticket = %s ORDER BY version",
                (ticket,),
            ).fetchall()
        return [decode_event(*row) for row in rows]

    def version(self, ticket: str) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT MAX(version) FROM events WHERE ticket = %s", (ticket,)
            ).fetchone()
        return int(row[0] or 0) if row else 0

    def find_command(self, command_id: str) -> CommandRecord | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT command_id, digest, ticket, first_version, last_version"
                " FROM commands WHERE command_id = %s",
                (command_id,),
            ).fetchone()
        return None if row is None else CommandRecord(*row)

    def tickets(self) -> list[str]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT ticket FROM events WHERE version = 1 ORDER BY seq"
            ).fetchall()
        return [str(row[0]) for row in rows]

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        remaining = limit
        position = max(after, 0)
        while remaining is None or remaining > 0:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            with self._pool.connection() as conn:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
                    (position, page),
                ).fetchall()
            for row in rows:
                yield decode_row(row)
            if len(rows) < page:
                return
            position = int(rows[-1][0])
            if remaining is not None:
                remaining -= len(rows)

    def head(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0) if row else 0

    def audit(self) -> AuditReport:
        return audit_entries(self.read_all())

    # -- writes --------------------------------------------------------------

    def append(
        self,
        ticket: str,
        expected_version: int,
        events: Sequence[Event],
        *,
        command_id: str | None = None,
        digest: str = "",
    ) -> list[StoredEvent]:
        group: Group = (ticket, expected_version, events, command_id, digest)
        check_batch([group])
        return self._write([group], keep=True)

    def append_many(self, batch: Sequence[Group]) -> None:
        check_batch(batch)
        if batch:
            self._write(batch, keep=False)

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- credentials (issue 18: the web desk's sign-in) ------------------------

    def set_credential(self, person: str, secret_hash: str, at: datetime) -> None:
        """Store or replace ``person``'s password hash (see ``CredentialStore``)."""
        with self._pool.connection() as conn:
            conn.execute(
                "INSERT INTO credentials (person, hash, set_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (person) DO UPDATE SET hash = excluded.hash,"
                " set_at = excluded.set_at",
                (person, secret_hash, iso(at)),
            )

    def credential(self, person: str) -> str | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT hash FROM credentials WHERE person = %s", (person,)
            ).fetchone()
        return None if row is None else str(row[0])

    # -- internals -----------------------------------------------------------

    def _write(self, batch: Sequence[Group], *, keep: bool) -> list[StoredEvent]:
        try:
            with self._pool.connection() as conn, conn.pipeline(), conn.transaction():
                return self._write_in(conn, batch, keep=keep)
        except (ConcurrencyConflict, DuplicateCommand, ValueError, TypeError):
            raise
        except psycopg.errors.UniqueViolation as exc:  # a backstop: the head lock serialises
            raise StoreUnavailable(f"PostgreSQL refused the append: {exc}") from exc
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(f"PostgreSQL append failed: {exc}") from exc

    def _write_in(
        self, conn: psycopg.Connection[Any], batch: Sequence[Group], *, keep: bool
    ) -> list[StoredEvent]:
        """Inside a pipelined transaction: two round trips, the lock held for one.

        The lock and the three reads are queued together; PostgreSQL runs them
        in order, so the head, versions and command ids are read under the lock.
        """
        ticket_ids = sorted({g[0] for g in batch})
        command_ids = [g[3] for g in batch if g[3] is not None]
        conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_CLASS, self.schema))
        head_cur = conn.cursor()
        head_cur.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
        version_cur = conn.cursor()
        version_cur.execute(
            "SELECT ticket, MAX(version) FROM events WHERE ticket = ANY(%s) GROUP BY ticket",
            (ticket_ids,),
        )
        command_cur = conn.cursor()
        command_cur.execute(
            "SELECT command_id FROM commands WHERE command_id = ANY(%s)", (command_ids,)
        )
        head = head_cur.fetchone()
        seq, prev = (0, GENESIS_HASH) if head is None else (int(head[0]), str(head[1]))
        versions: dict[str, int] = dict.fromkeys(ticket_ids, 0)
        for ticket, version in version_cur.fetchall():
            versions[str(ticket)] = int(version)
        taken = {str(r[0]) for r in command_cur.fetchall()}
        plan = plan_write(batch, seq=seq, prev_hash=prev, version_of=versions.__getitem__,
                          command_taken=taken.__contains__, keep=keep)
        rows, commands, stored = plan.rows, plan.commands, plan.stored
        with conn.cursor() as cur:
            if rows:
                cur.executemany(_INSERT, rows)
            if commands:
                cur.executemany(
                    "INSERT INTO commands (command_id, digest, ticket, first_version,"
                    " last_version) VALUES (%s, %s, %s, %s, %s)",
                    commands,
                )
        return stored


def _safe_dsn(dsn: str) -> str:
    """The DSN without any password, for messages."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "an unparsable DSN"
    parts.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in sorted(parts.items()))


def open_postgres(table: Mapping[str, Any], base_dir: Path) -> PostgresStore:
    """Open the store a ``[storage]`` table describes (without ``backend``).

    ``dsn`` is required and must not hold a password (use ``PGPASSWORD`` or
    a pgpass file); ``schema`` defaults to ``propdesk``.
    """
    check_keys(table, CONFIG_KEYS)
    dsn = table.get("dsn")
    if not isinstance(dsn, str) or not dsn.strip():
        raise ConfigKeyError("$.storage.dsn", "a libpq connection string is required")
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise ConfigKeyError("$.storage.dsn", f"not a libpq connection string: {exc}") from exc
    if "password" in parts:
        raise ConfigKeyError(
            "$.storage.dsn",
            "must not contain a password; set PGPASSWORD or use a pgpass file",
        )
    schema = table.get("schema", "propdesk")
    if not isinstance(schema, str) or not _SCHEMA_NAME.match(schema):
        raise ConfigKeyError("$.storage.schema", f"must be a plain identifier, got {schema!r}")
    pool_size = table.get("pool_size", 4)
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or not 1 <= pool_size <= 100:
        raise ConfigKeyError("$.storage.pool_size", f"must be 1 to 100, got {pool_size!r}")
    timeout = table.get("connect_timeout", 10)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise ConfigKeyError(
            "$.storage.connect_timeout", f"must be seconds from 0 to 600, got {timeout!r}"
        )
    lock_timeout = table.get("lock_timeout", 30_000)
    if (
        isinstance(lock_timeout, bool)
        or not isinstance(lock_timeout, int)
        or not 0 <= lock_timeout <= 600_000
    ):
        raise ConfigKeyError(
            "$.storage.lock_timeout", f"must be milliseconds from 0 to 600000, got {lock_timeout!r}"
        )
    return PostgresStore(
        dsn,
        schema=schema,
        pool_size=pool_size,
        connect_timeout=float(timeout),
        lock_timeout=lock_timeout,
    )

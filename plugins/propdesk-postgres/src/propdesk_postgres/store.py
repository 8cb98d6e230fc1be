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
from datetime import UTC, datetime
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
from propdesk.adapters.keys import ConfigKeyError, check_keys
from propdesk.adapters.outbox_rows import (
    OUTBOX_COLUMNS,
    OUTBOX_INSERT_COLUMNS,
    insert_values,
    row_from,
)
from propdesk.domain.events import Event, iso
from propdesk.ports import (
    AuditReport,
    CommandRecord,
    ConcurrencyConflict,
    DuplicateCommand,
    FireKey,
    OutboxRow,
    StoredEvent,
    StoreUnavailable,
    WatchLock,
)
from propdesk.search import SearchEntry, entries_after, numbered, parse_query
from propdesk.serialization import GENESIS_HASH
from propdesk_postgres.connect import probe, unavailable
from propdesk_postgres.plugin import CONFIG_KEYS

_COLUMNS = "seq, ticket, version, kind, at, by, data, command_id, prev_hash, hash"
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
_PAGE = 2000
_MIGRATION_NAME = re.compile(r"^postgres_(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_CLASS = 0x70726F70  # "prop": the advisory-lock class of propdesk appends
_WATCH_CLASS = 0x77617463  # "watc": the advisory-lock class of the one sending watcher
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_SEARCH_MIGRATION = 2
_SEARCH_COLUMNS = "seq, ticket, location, contact, phone, content, digits, last4, text"
_SEARCH_UPSERT = (
    f"INSERT INTO search ({_SEARCH_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (ticket) DO UPDATE SET location = excluded.location,"
    " contact = excluded.contact, phone = excluded.phone, content = excluded.content,"
    " digits = excluded.digits, last4 = excluded.last4, text = excluded.text"
)

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
        self._dsn = dsn
        self._lock_timeout = int(lock_timeout)

        def configure(conn: psycopg.Connection[Any]) -> None:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(self._lock_timeout)))
            conn.execute("SET idle_in_transaction_session_timeout = 60000")

        probe(dsn, connect_timeout, _safe_dsn(dsn))  # one clear line when it cannot connect
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
        self._trigram = False
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
            self.migrate()
            self._trigram = self._trigram_index()
        except (PoolTimeout, psycopg.OperationalError) as exc:
            self._pool.close()
            raise unavailable(exc, dsn, connect_timeout, _safe_dsn(dsn)) from exc
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
                    if version == _SEARCH_MIGRATION:
                        _fill_search(conn)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (version, name),
                    )
                    applied.append(version)
        return applied

    def _trigram_index(self) -> bool:
        """Where the database has the ``pg_trgm`` extension (installed by its
        owner: ``CREATE EXTENSION pg_trgm``), a trigram index on the search
        text, made once; words of three characters or more then use it."""
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
                " ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").fetchone()
            if row is None:
                return False
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                conn.execute(sql.SQL(
                    "CREATE INDEX IF NOT EXISTS search_text_trgm ON search"
                    " USING gin (text {}.gin_trgm_ops)").format(sql.Identifier(str(row[0]))))
        return True

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

    def search(self, query: str, *, limit: int | None = 50) -> list[str]:
        """Tickets matching ``query`` (:mod:`propdesk.search`), newest first, from
        the one-row-per-ticket ``search`` table: phone numbers by their indexes,
        words of three characters or more by the trigram index where
        ``pg_trgm`` is installed, other words read newest first until ``limit``
        tickets match."""
        terms = parse_query(query)
        if not terms or (limit is not None and limit <= 0):
            return []
        where: list[str] = []
        params: list[Any] = []
        for term in terms:
            word = term.text.replace("\x00", "")
            if self._trigram and len(word) >= 3:
                cond = "text LIKE %s"
                params.append("%" + re.sub(r"([\\%_])", r"\\\1", word) + "%")
            else:
                cond = "strpos(text, %s) > 0"
                params.append(word)
            if term.digits:
                cond += " OR digits = %s"
                params.append(term.digits)
                if term.last4:
                    cond += " OR last4 = %s"
                    params.append(term.digits)
            where.append(f"({cond})")
        condition = " AND ".join(where)
        if self._trigram and all(len(t.text.replace("\x00", "")) >= 3 for t in terms):
            # every word has an index: find all matches through them first (a
            # plain ORDER BY seq … LIMIT may walk the whole table for a rare word)
            text = (f"WITH hits AS MATERIALIZED (SELECT seq, ticket FROM search"
                    f" WHERE {condition}) SELECT ticket FROM hits ORDER BY seq DESC")
        else:
            text = f"SELECT ticket FROM search WHERE {condition} ORDER BY seq DESC"
        if limit is not None:
            text += " LIMIT %s"
            params.append(limit)
        with self._pool.connection() as conn:
            rows = conn.execute(text.encode(), params).fetchall()
        return [str(r[0]) for r in rows]

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
        return self._write([group], keep=True, outbox=outbox)

    def append_many(self, batch: Sequence[Group], *, outbox: Sequence[OutboxRow] = ()) -> None:
        check_batch(batch)
        if batch:
            self._write(batch, keep=False, outbox=outbox)

    # -- the outbox (issue 17) -------------------------------------------------

    @staticmethod
    def _insert_rows(conn: psycopg.Connection[Any], rows: Sequence[OutboxRow]) -> None:
        if rows:
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO outbox ({OUTBOX_INSERT_COLUMNS}) VALUES"
                    " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (dedupe_key) DO NOTHING",
                    [insert_values(r, text_times=False) for r in rows],
                )

    def outbox_due(self, channel: str, now: datetime, limit: int) -> list[OutboxRow]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending'"
                " AND channel = %s AND next_at <= %s ORDER BY next_at, id LIMIT %s",
                (channel, now, limit),
            ).fetchall()
        return [row_from(r) for r in rows]

    def outbox_update(self, row_id: int, *, state: str, attempts: int, next_at: datetime,
                      last_error: str = "", sent_at: datetime | None = None) -> None:
        with self._pool.connection() as conn:
            conn.execute(
                "UPDATE outbox SET state = %s, attempts = %s, next_at = %s, last_error = %s,"
                " sent_at = %s WHERE id = %s",
                (state, attempts, next_at, last_error, sent_at, row_id),
            )

    def outbox_rows(self, *, states: Sequence[str] = (), limit: int | None = None
                    ) -> list[OutboxRow]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {OUTBOX_COLUMNS} FROM outbox"
                " WHERE (cardinality(%s::text[]) = 0 OR state = ANY(%s::text[]))"
                " ORDER BY id LIMIT %s",
                (list(states), list(states), limit),
            ).fetchall()
        return [row_from(r) for r in rows]

    def outbox_requeue(self, ids: Sequence[int] | None, now: datetime) -> int:
        with self._pool.connection() as conn:
            cur = conn.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_at = %s"
                " WHERE state = 'dead' AND (%s::bigint[] IS NULL OR id = ANY(%s::bigint[]))",
                (now, None if ids is None else list(ids), None if ids is None else list(ids)),
            )
            return cur.rowcount

    def outbox_next_at(self) -> datetime | None:
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT MIN(next_at) FROM outbox WHERE state = 'pending'").fetchone()
        return None if row is None or row[0] is None else row[0].astimezone(UTC)

    def record_fires(self, fires: Sequence[tuple[FireKey, datetime, Sequence[OutboxRow]]]
                     ) -> list[FireKey]:
        fired: list[FireKey] = []
        if not fires:
            return fired
        try:
            with self._pool.connection() as conn, conn.transaction():
                for key, at, rows in fires:
                    cur = conn.execute(
                        "INSERT INTO sla_fires (ticket, rule, cycle, occurrence, kind, at)"
                        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING", (*key, at))
                    if cur.rowcount:
                        fired.append(key)
                        self._insert_rows(conn, rows)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(f"PostgreSQL could not record SLA alerts: {exc}") from exc
        return fired

    def watch_lock(self) -> WatchLock:
        """A session-level advisory lock (``pg_try_advisory_lock``) on a connection of
        its own: PostgreSQL releases it when that connection ends (even by ``kill -9``)."""
        return _AdvisoryWatchLock(self._dsn, self.schema)

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

    def _write(self, batch: Sequence[Group], *, keep: bool,
               outbox: Sequence[OutboxRow] = ()) -> list[StoredEvent]:
        try:
            with self._pool.connection() as conn, conn.pipeline(), conn.transaction():
                stored = self._write_in(conn, batch, keep=keep)
                self._insert_rows(conn, outbox)
                return stored
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
        amended = sorted({e.ticket for g in batch for e in g[2] if e.kind == "amend"})
        search_cur = conn.cursor()
        if amended:
            search_cur.execute(
                "SELECT ticket, seq, location, contact, phone, content FROM search"
                " WHERE ticket = ANY(%s)", (amended,))
        taken = {str(r[0]) for r in command_cur.fetchall()}
        before = {str(r[0]): SearchEntry(*r) for r in search_cur.fetchall()} if amended else {}
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
            entries = entries_after(numbered(batch, seq), before.get)
            if entries:
                cur.executemany(_SEARCH_UPSERT, [_no_nul(e.row()) for e in entries])
        return stored


def _no_nul(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """PostgreSQL text cannot hold NUL: the index leaves it out (so does its
    normalised text, see :func:`propdesk.search.normalize`)."""
    return tuple(v.replace("\x00", "") if isinstance(v, str) else v for v in row)


def _fill_search(conn: psycopg.Connection[Any]) -> None:
    """Build the search index of a log written before it existed (migration 2)."""
    rows = conn.execute(
        "SELECT seq, ticket, version, kind, at, by, data FROM events"
        " WHERE kind IN ('record', 'amend') ORDER BY seq").fetchall()
    pairs = ((int(r[0]), decode_event(*r[1:])) for r in rows)
    entries = entries_after(pairs, lambda _ticket: None)
    if entries:
        with conn.cursor() as cur:
            cur.executemany(_SEARCH_UPSERT, [_no_nul(e.row()) for e in entries])
class _AdvisoryWatchLock:
    """``pg_try_advisory_lock`` held on a dedicated connection."""

    def __init__(self, dsn: str, schema: str) -> None:
        self._dsn = dsn
        self._schema = schema
        self._conn: psycopg.Connection[Any] | None = None

    def acquire(self) -> bool:
        if self._conn is not None:
            return True
        try:
            conn = psycopg.connect(self._dsn, autocommit=True)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(f"cannot reach PostgreSQL for the watch lock: {exc}") from exc
        row = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                           (_WATCH_CLASS, self._schema)).fetchone()
        if row is not None and row[0]:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))",
                                   (_WATCH_CLASS, self._schema))
            finally:
                self._conn.close()
                self._conn = None


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

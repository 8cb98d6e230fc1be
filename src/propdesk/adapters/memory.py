"""The in-memory event store: the reference every other store is compared with.

It keeps the same promises as the persistent stores (atomic appends,
optimistic concurrency, idempotent command ids, a global sequence, a hash
chain) and nothing survives the process.  Payloads are copied through
canonical JSON on the way in, so what comes back is exactly what a SQL store
gives back (tuples become lists, times come back in UTC, non-JSON values are
refused).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from propdesk.adapters import Group, audit_entries, check_batch, check_group, encode_event
from propdesk.adapters.watch_lock import ThreadWatchLock
from propdesk.domain.events import Event, utc
from propdesk.hookspecs import StoreBackend, hookimpl
from propdesk.ports import (
    OUTBOX_STATES,
    AuditReport,
    CommandRecord,
    ConcurrencyConflict,
    DuplicateCommand,
    FireKey,
    OutboxRow,
    StoredEvent,
    WatchLock,
)
from propdesk.search import SearchIndex
from propdesk.serialization import GENESIS_HASH


class MemoryStore:
    """An :class:`~propdesk.ports.EventStore` held in process memory (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._log: list[StoredEvent] = []
        self._streams: dict[str, list[Event]] = {}
        self._commands: dict[str, CommandRecord] = {}
        self._search = SearchIndex()
        self._outbox: dict[str, OutboxRow] = {}
        self._fires: set[FireKey] = set()
        self._watch = threading.Lock()
        self._credentials: dict[str, str] = {}

    # -- reads ---------------------------------------------------------------

    def load(self, ticket: str) -> list[Event]:
        with self._lock:
            return list(self._streams.get(ticket, ()))

    def version(self, ticket: str) -> int:
        with self._lock:
            return len(self._streams.get(ticket, ()))

    def find_command(self, command_id: str) -> CommandRecord | None:
        with self._lock:
            return self._commands.get(command_id)

    def tickets(self) -> list[str]:
        with self._lock:
            return list(self._streams)  # dicts keep insertion (first event) order

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        with self._lock:
            start = max(after, 0)
            stop = len(self._log) if limit is None else min(len(self._log), start + max(limit, 0))
            chunk = self._log[start:stop]
        return iter(chunk)

    def head(self) -> int:
        with self._lock:
            return len(self._log)

    def audit(self) -> AuditReport:
        with self._lock:
            entries = list(self._log)
        return audit_entries(entries)

    def search(self, query: str, *, limit: int | None = 50) -> list[str]:
        """Tickets matching ``query`` (:mod:`propdesk.search`), newest first."""
        return self._search.search(query, limit=limit)

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
        check_batch([(ticket, expected_version, events, command_id, digest)])
        with self._lock:
            stored = self._commit([(ticket, expected_version, events, command_id, digest)])
            self._insert_rows(outbox)
            return stored

    def append_many(self, batch: Sequence[Group], *, outbox: Sequence[OutboxRow] = ()) -> None:
        check_batch(batch)
        with self._lock:
            self._commit(batch)
            self._insert_rows(outbox)

    # -- the outbox (issue 17) -------------------------------------------------

    def _insert_rows(self, rows: Sequence[OutboxRow]) -> None:
        for row in rows:
            if row.key not in self._outbox:
                self._outbox[row.key] = attrs.evolve(
                    row, id=len(self._outbox) + 1, created=utc(row.created),
                    next_at=utc(row.next_at))

    def _rows(self) -> list[OutboxRow]:
        return sorted(self._outbox.values(), key=lambda r: r.id)

    def outbox_due(self, channel: str, now: datetime, limit: int) -> list[OutboxRow]:
        with self._lock:
            due = [r for r in self._rows() if r.state == "pending" and r.channel == channel
                   and r.next_at <= now]
        due.sort(key=lambda r: (r.next_at, r.id))
        return due[:limit]

    def outbox_update(self, row_id: int, *, state: str, attempts: int, next_at: datetime,
                      last_error: str = "", sent_at: datetime | None = None) -> None:
        if state not in OUTBOX_STATES:
            raise ValueError(f"unknown outbox state {state!r}")
        with self._lock:
            for key, row in self._outbox.items():
                if row.id == row_id:
                    self._outbox[key] = attrs.evolve(
                        row, state=state, attempts=attempts, next_at=utc(next_at),
                        last_error=last_error, sent_at=None if sent_at is None else utc(sent_at))
                    return

    def outbox_rows(self, *, states: Sequence[str] = (), limit: int | None = None
                    ) -> list[OutboxRow]:
        with self._lock:
            rows = [r for r in self._rows() if not states or r.state in states]
        return rows if limit is None else rows[:limit]

    def outbox_requeue(self, ids: Sequence[int] | None, now: datetime) -> int:
        count = 0
        with self._lock:
            for key, row in self._outbox.items():
                if row.state == "dead" and (ids is None or row.id in ids):
                    self._outbox[key] = attrs.evolve(row, state="pending", attempts=0,
                                                     next_at=utc(now))
                    count += 1
        return count

    def outbox_next_at(self) -> datetime | None:
        with self._lock:
            times = [r.next_at for r in self._outbox.values() if r.state == "pending"]
        return min(times, default=None)

    def record_fires(self, fires: Sequence[tuple[FireKey, datetime, Sequence[OutboxRow]]]
                     ) -> list[FireKey]:
        fired: list[FireKey] = []
        with self._lock:
            for key, _at, rows in fires:
                if key not in self._fires:
                    self._fires.add(key)
                    fired.append(key)
                    self._insert_rows(rows)
        return fired

    def watch_lock(self) -> WatchLock:
        """A lock shared by every watcher of this store object (one process)."""
        return ThreadWatchLock(self._watch)

    def close(self) -> None:
        """Nothing to release; the data stays readable until the object is dropped."""

    # -- credentials (issue 18: the web desk's sign-in) ------------------------

    def set_credential(self, person: str, secret_hash: str, at: datetime) -> None:
        """Store or replace ``person``'s password hash (see :class:`CredentialStore`)."""
        utc(at)  # an aware time, as for events
        with self._lock:
            self._credentials[person] = secret_hash

    def credential(self, person: str) -> str | None:
        with self._lock:
            return self._credentials.get(person)

    # -- internals -----------------------------------------------------------

    def _commit(self, batch: Sequence[Group]) -> list[StoredEvent]:
        """Check and encode everything first, then publish: all or nothing."""
        pending: dict[str, int] = {}
        for ticket, expected, events, command_id, _digest in batch:
            if command_id is not None and command_id in self._commands:
                raise DuplicateCommand(command_id)
            current = pending.get(ticket, len(self._streams.get(ticket, ())))
            if current != expected:
                raise ConcurrencyConflict(ticket, expected, current)
            pending[ticket] = expected + len(events)
        prev = self._log[-1].hash if self._log else GENESIS_HASH
        seq = len(self._log)
        stored: list[StoredEvent] = []
        records: list[CommandRecord] = []
        for ticket, expected, events, command_id, digest in batch:
            check_group(ticket, expected, events)
            for event in events:
                _at, data_text, _hash = encode_event(prev, event)
                copy = attrs.evolve(event, at=utc(event.at), data=json.loads(data_text))
                seq += 1
                stored.append(StoredEvent(seq, copy, command_id, prev, _hash))
                prev = _hash
            if command_id is not None:
                records.append(
                    CommandRecord(command_id, digest, ticket, expected + 1, expected + len(events))
                )
        for entry in stored:
            self._log.append(entry)
            self._streams.setdefault(entry.event.ticket, []).append(entry.event)
        for record in records:
            self._commands[record.command_id] = record
        self._search.add((entry.seq, entry.event) for entry in stored)
        return stored


def open_memory(table: Mapping[str, Any], base_dir: Path) -> MemoryStore:
    """Open an empty in-memory store (``[storage] backend = "memory"``, no other keys)."""
    from propdesk.adapters.keys import check_keys

    check_keys(table, ())
    return MemoryStore()


@hookimpl
def propdesk_store_backends() -> list[StoreBackend]:
    """The built-in in-memory backend."""
    return [
        StoreBackend(
            name="memory",
            open=open_memory,
            description="kept in process memory; for tests and simulations",
        )
    ]

"""The in-memory event store: the reference every other store is compared with.

It keeps the same promises as the persistent stores (atomic appends,
optimistic concurrency, idempotent command ids, a global sequence, a hash
chain) and nothing survives the process.  Event payloads are copied through
canonical JSON on the way in, so what comes back is exactly what a SQL store
would give back (tuples become lists, non-JSON values are refused).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence

import attrs

from propdesk.adapters import Group, check_batch, check_group
from propdesk.domain.events import Event
from propdesk.ports import (
    AuditReport,
    CommandRecord,
    ConcurrencyConflict,
    DuplicateCommand,
    StoredEvent,
)
from propdesk.serialization import GENESIS_HASH, canonical_json, chain_hash


def _frozen_copy(event: Event) -> Event:
    data = json.loads(canonical_json(dict(event.data)))
    return attrs.evolve(event, data=data)


def audit_entries(entries: Iterator[StoredEvent] | Sequence[StoredEvent]) -> AuditReport:
    """Verify a log given in sequence order: the shared audit of every store.

    Checks, for each position: the sequence number is the next one, the
    stored ``prev_hash`` is the previous entry's hash, the stored ``hash``
    is ``chain_hash(prev_hash, event)``, and the ticket's versions are
    contiguous from 1.  Reports the first 1-based position that fails.
    """
    prev = GENESIS_HASH
    versions: dict[str, int] = {}
    position = 0
    for entry in entries:
        position += 1
        reason = ""
        ev = entry.event
        if entry.seq != position:
            reason = f"sequence number {entry.seq} where {position} was expected"
        elif entry.prev_hash != prev:
            reason = "prev_hash does not match the previous entry's hash"
        elif entry.hash != chain_hash(prev, ev):
            reason = "hash does not match the event's content"
        elif ev.version != versions.get(ev.ticket, 0) + 1:
            reason = (
                f"ticket {ev.ticket} version {ev.version} follows version"
                f" {versions.get(ev.ticket, 0)}"
            )
        if reason:
            return AuditReport(
                checked=position - 1,
                ok=False,
                first_bad=position,
                reason=reason,
                head_hash=prev,
            )
        versions[ev.ticket] = ev.version
        prev = entry.hash
    return AuditReport(checked=position, ok=True, head_hash=prev)


class MemoryStore:
    """An :class:`~propdesk.ports.EventStore` held in process memory (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._log: list[StoredEvent] = []
        self._streams: dict[str, list[Event]] = {}
        self._commands: dict[str, CommandRecord] = {}

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
            stop = len(self._log) if limit is None else min(len(self._log), start + limit)
            chunk = self._log[start:stop]
        return iter(chunk)

    def head(self) -> int:
        with self._lock:
            return len(self._log)

    def audit(self) -> AuditReport:
        with self._lock:
            entries = list(self._log)
        return audit_entries(entries)

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
        check_group(ticket, expected_version, events)
        with self._lock:
            self._precheck([(ticket, expected_version, events, command_id, digest)])
            return self._write(ticket, expected_version, events, command_id, digest)

    def append_many(self, batch: Sequence[Group]) -> None:
        check_batch(batch)
        with self._lock:
            self._precheck(batch)
            for ticket, expected, events, command_id, digest in batch:
                self._write(ticket, expected, events, command_id, digest)

    def close(self) -> None:
        """Nothing to release; the data stays readable until the object is dropped."""

    # -- internals -----------------------------------------------------------

    def _precheck(self, batch: Sequence[Group]) -> None:
        """Raise before anything is written, so a failed batch leaves no trace."""
        pending: dict[str, int] = {}
        for ticket, expected, _events, command_id, _digest in batch:
            if command_id is not None and command_id in self._commands:
                raise DuplicateCommand(command_id)
            current = pending.get(ticket, len(self._streams.get(ticket, ())))
            if current != expected:
                raise ConcurrencyConflict(ticket, expected, current)
            pending[ticket] = expected + len(_events)
        # Payloads must be JSON-native: fail here rather than half-way through.
        for _ticket, _expected, events, _cid, _digest in batch:
            for event in events:
                canonical_json(dict(event.data))

    def _write(
        self,
        ticket: str,
        expected_version: int,
        events: Sequence[Event],
        command_id: str | None,
        digest: str,
    ) -> list[StoredEvent]:
        prev = self._log[-1].hash if self._log else GENESIS_HASH
        stream = self._streams.setdefault(ticket, [])
        if not stream and not events:
            del self._streams[ticket]
        stored: list[StoredEvent] = []
        for event in events:
            copy = _frozen_copy(event)
            entry = StoredEvent(
                seq=len(self._log) + 1,
                event=copy,
                command_id=command_id,
                prev_hash=prev,
                hash=chain_hash(prev, copy),
            )
            self._log.append(entry)
            stream.append(copy)
            stored.append(entry)
            prev = entry.hash
        if command_id is not None:
            self._commands[command_id] = CommandRecord(
                command_id=command_id,
                digest=digest,
                ticket=ticket,
                first_version=expected_version + 1,
                last_version=expected_version + len(events),
            )
        return stored

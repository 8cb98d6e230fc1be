"""Built-in adapters: the in-memory and SQLite event stores.

They are registered through the same pluggy hooks as third-party plugins
(see :mod:`propdesk.plugins`).  This package also holds the small helpers
every store shares (validation, row encoding, the audit walk), so that all
stores refuse the same bad input with the same message and compute the same
hash chain.  Third-party stores may use them too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from propdesk.domain.events import Event, iso, parse_iso, utc
from propdesk.ports import AuditReport, ConcurrencyConflict, DuplicateCommand, StoredEvent
from propdesk.serialization import GENESIS_HASH, canonical_json, chain_hash

Group = tuple[str, int, Sequence[Event], str | None, str]
"""One ``(ticket, expected_version, events, command_id, digest)`` group of
:meth:`~propdesk.ports.EventStore.append_many`."""


def _check_name(what: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    if "\x00" in value:
        raise ValueError(f"{what} {value!r} contains a NUL character")


def check_group(ticket: str, expected_version: int, events: Sequence[Event]) -> None:
    """Refuse an append whose events do not continue ``ticket`` at ``expected_version``.

    Raises ``ValueError`` naming the offending event.  This is a programming
    error of the caller (the Desk numbers events itself), not a conflict.
    Ticket ids, kinds and actors must be non-empty and free of NUL
    characters (PostgreSQL text cannot hold NUL); payload text may be anything.
    """
    _check_name("ticket id", ticket)
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValueError(f"expected_version must be an int, got {expected_version!r}")
    if expected_version < 0:
        raise ValueError(f"expected_version must be >= 0, got {expected_version}")
    for offset, event in enumerate(events):
        where = f"event #{offset + 1} of ticket {ticket!r}"
        if event.ticket != ticket:
            raise ValueError(
                f"event #{offset + 1} belongs to ticket {event.ticket!r}, not {ticket!r}"
            )
        want = expected_version + offset + 1
        if event.version != want:
            raise ValueError(f"{where} has version {event.version}, expected {want}")
        _check_name(f"{where}: kind", event.kind)
        _check_name(f"{where}: actor", event.by)
        if event.at.tzinfo is None or event.at.utcoffset() is None:
            raise ValueError(f"{where} has a naive time")


def check_batch(batch: Sequence[Group]) -> None:
    """Validate every group of a batch and refuse a command id used twice in it."""
    seen: set[str] = set()
    for ticket, expected, events, command_id, _digest in batch:
        check_group(ticket, expected, events)
        if command_id is not None:
            _check_name("command id", command_id)
            if command_id in seen:
                raise DuplicateCommand(command_id)
            seen.add(command_id)


def encode_event(prev_hash: str, event: Event) -> tuple[str, str, str]:
    """``(at_text, data_text, hash)`` of an event as every store writes it.

    ``data_text`` is the canonical JSON of the payload; raises ``TypeError``
    or ``ValueError`` for a payload that is not JSON-native text (a lone
    surrogate, a ``set`` …) before anything is written.
    """
    data_text = canonical_json(dict(event.data))
    entry_hash = chain_hash(prev_hash, event, data_text)  # also refuses text UTF-8 cannot encode
    return iso(event.at), data_text, entry_hash


@attrs.frozen
class PlannedWrite:
    """What one atomic append writes: the event rows (in the column order of
    every SQL store), the ``commands`` rows, and — when asked — the entries as
    a reader will see them."""

    rows: list[tuple[Any, ...]]
    commands: list[tuple[str, str, str, int, int]]
    stored: list[StoredEvent]


def plan_write(
    batch: Sequence[Group],
    *,
    seq: int,
    prev_hash: str,
    version_of: Callable[[str], int],
    command_taken: Callable[[str], bool],
    keep: bool,
) -> PlannedWrite:
    """Check and encode a batch against the log's head (``seq``, ``prev_hash``).

    ``version_of(ticket)`` gives a stream's stored version (asked once per
    ticket) and ``command_taken(id)`` whether a command id is used; both are
    the store's own look-ups, made inside its write transaction.  Raises
    :class:`~propdesk.ports.DuplicateCommand` or
    :class:`~propdesk.ports.ConcurrencyConflict` before anything is written.
    The one place where every SQL store numbers, chains and hashes events.
    """
    versions: dict[str, int] = {}
    rows: list[tuple[Any, ...]] = []
    commands: list[tuple[str, str, str, int, int]] = []
    stored: list[StoredEvent] = []
    for ticket, expected, events, command_id, digest in batch:
        if command_id is not None:
            if command_taken(command_id):
                raise DuplicateCommand(command_id)
            commands.append((command_id, digest, ticket, expected + 1, expected + len(events)))
        current = versions.get(ticket)
        if current is None:
            current = version_of(ticket)
        if current != expected:
            raise ConcurrencyConflict(ticket, expected, current)
        versions[ticket] = expected + len(events)
        for event in events:
            at_text, data_text, entry_hash = encode_event(prev_hash, event)
            seq += 1
            rows.append((seq, ticket, event.version, event.kind, at_text, event.by, data_text,
                         command_id, prev_hash, entry_hash))
            if keep:
                copy = attrs.evolve(event, at=utc(event.at), data=json.loads(data_text))
                stored.append(StoredEvent(seq, copy, command_id, prev_hash, entry_hash))
            prev_hash = entry_hash
    return PlannedWrite(rows, commands, stored)


def decode_event(ticket: str, version: int, kind: str, at: str, by: str, data: str) -> Event:
    """The :class:`Event` of a stored row (inverse of :func:`encode_event`)."""
    payload: dict[str, Any] = json.loads(data)
    return Event(ticket=ticket, version=version, kind=kind, at=parse_iso(at), by=by, data=payload)


def decode_row(row: Sequence[Any]) -> StoredEvent:
    """A :class:`StoredEvent` from a row ``(seq, ticket, version, kind, at, by,
    data, command_id, prev_hash, hash)`` — the column order of every SQL store."""
    seq, ticket, version, kind, at, by, data, command_id, prev_hash, entry_hash = row
    return StoredEvent(
        seq=int(seq),
        event=decode_event(ticket, int(version), kind, at, by, data),
        command_id=command_id,
        prev_hash=prev_hash,
        hash=entry_hash,
    )


def audit_entries(entries: Iterable[StoredEvent]) -> AuditReport:
    """Verify a log given in sequence order: the shared audit of every store.

    For each position it checks that the sequence number is the next one,
    the stored ``prev_hash`` is the previous entry's hash, the stored
    ``hash`` equals ``chain_hash(prev_hash, event)`` and the ticket's
    versions run on from 1 without gaps.  It reports the first 1-based
    position that fails, with the reason.
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
                checked=position - 1, ok=False, first_bad=position, reason=reason, head_hash=prev
            )
        versions[ev.ticket] = ev.version
        prev = entry.hash
    return AuditReport(checked=position, ok=True, head_hash=prev)

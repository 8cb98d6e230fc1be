"""Moving a desk's whole log between stores: JSON Lines export and import.

One line per stored event, in sequence order: the :func:`event_to_dict`
fields plus ``seq``, ``command_id``, ``digest`` (of the command, when there
is one), ``prev_hash`` and ``hash``, as canonical JSON (UTF-8, keys sorted)::

    {"at":"2026-03-02T01:00:40+00:00","by":"desk-wang","command_id":"c-1",...}

Import checks every line (sequence, chain, hash) before writing it, writes
into an *empty* store in chunks (one transaction each, commands grouped as
they were appended), and finally requires the target's audit to end on the
file's last hash — so the round trip SQLite → PostgreSQL → SQLite gives
identical events and identical hashes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import attrs

from propdesk.domain.events import Event
from propdesk.ports import EventStore, StoredEvent
from propdesk.serialization import (
    GENESIS_HASH,
    canonical_json,
    chain_hash,
    event_from_dict,
    event_to_dict,
)

Group = tuple[str, int, list[Event], str | None, str]


class BackupError(ValueError):
    """A bad export file or target store; the message names the line.  ``zh`` is
    the same message in Chinese, for the desk."""

    code = "transfer"

    def __init__(self, message: str, zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh or message


@attrs.frozen
class BackupReport:
    """What an export or import moved: entries, tickets, commands, the last hash."""

    events: int
    tickets: int
    commands: int
    head_hash: str


def entry_to_line(entry: StoredEvent, digest: str | None) -> str:
    """The canonical JSON line of one stored entry (no newline)."""
    record: dict[str, Any] = event_to_dict(entry.event)
    record.update(
        seq=entry.seq,
        command_id=entry.command_id,
        digest=digest,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )
    return canonical_json(record)


def export_lines(store: EventStore) -> Iterator[str]:
    """The export of ``store``'s whole log, one line (with newline) per entry."""
    digests: dict[str, str] = {}
    for entry in store.read_all():
        digest: str | None = None
        if entry.command_id is not None:
            if entry.command_id not in digests:
                record = store.find_command(entry.command_id)
                digests[entry.command_id] = record.digest if record else ""
            digest = digests[entry.command_id]
        yield entry_to_line(entry, digest) + "\n"


def export_jsonl(store: EventStore, out: TextIO) -> BackupReport:
    """Write ``store``'s whole log to ``out``; returns what was written."""
    events = 0
    tickets: set[str] = set()
    commands: set[str] = set()
    head = GENESIS_HASH
    for line in export_lines(store):
        out.write(line)
        record = json.loads(line)
        events += 1
        tickets.add(record["ticket"])
        if record["command_id"] is not None:
            commands.add(record["command_id"])
        head = record["hash"]
    return BackupReport(events, len(tickets), len(commands), head)


def read_entries(lines: Iterable[str]) -> Iterator[tuple[StoredEvent, str]]:
    """Parse and verify export lines: ``(entry, digest)`` in order.

    Raises :class:`BackupError` naming the first line that is not valid
    JSON, lacks a field, or breaks the sequence or the hash chain.
    """
    prev = GENESIS_HASH
    expected_seq = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            event = event_from_dict(record)
            seq = int(record["seq"])
            command_id = record.get("command_id")
            digest = record.get("digest") or ""
            prev_hash = str(record["prev_hash"])
            entry_hash = str(record["hash"])
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"line {number}: not an exported event ({exc})",
                                f"第 {number} 行不是导出文件中的事件（{exc}）") from exc
        expected_seq += 1
        if seq != expected_seq:
            raise BackupError(f"line {number}: sequence {seq} where {expected_seq} was expected",
                                f"第 {number} 行：序号为 {seq}，应为 {expected_seq}")
        if prev_hash != prev:
            raise BackupError(f"line {number}: prev_hash does not follow the previous line",
                                f"第 {number} 行：prev_hash 与上一行不衔接")
        if chain_hash(prev, event) != entry_hash:
            raise BackupError(f"line {number}: hash does not match the event",
                                f"第 {number} 行：哈希与事件内容不符")
        if command_id is not None and not isinstance(command_id, str):
            raise BackupError(f"line {number}: command_id must be a string or null",
                                f"第 {number} 行：command_id 必须是字符串或 null")
        prev = entry_hash
        yield StoredEvent(seq, event, command_id, prev_hash, entry_hash), str(digest)


def _groups(entries: Iterable[tuple[StoredEvent, str]]) -> Iterator[Group]:
    """Regroup consecutive entries of one command as the append that wrote them."""
    current: Group | None = None
    for entry, digest in entries:
        ev = entry.event
        if (
            current is not None
            and entry.command_id is not None
            and current[3] == entry.command_id
            and current[0] == ev.ticket
        ):
            current[2].append(ev)
            continue
        if current is not None:
            yield current
        current = (ev.ticket, ev.version - 1, [ev], entry.command_id, digest)
    if current is not None:
        yield current


def import_jsonl(lines: Iterable[str], store: EventStore, *, chunk: int = 1000) -> BackupReport:
    """Load an export into an empty ``store``; returns what was imported.

    Groups are written with ``append_many`` in chunks of about ``chunk``
    events.  Raises :class:`BackupError` when the store is not empty, the
    file does not verify, or the stored hashes differ from the file's.
    """
    if store.head() != 0:
        raise BackupError(
            f"the target store already holds {store.head()} events; import needs an empty store",
            f"目标存储已有 {store.head()} 条事件，只能导入空存储",
        )
    file_head = [GENESIS_HASH]

    def verified() -> Iterator[tuple[StoredEvent, str]]:
        for entry, digest in read_entries(lines):
            file_head[0] = entry.hash
            yield entry, digest

    pending: list[Group] = []
    size = events = 0
    tickets: set[str] = set()
    commands: set[str] = set()
    for group in _groups(verified()):
        pending.append(group)
        size += len(group[2])
        events += len(group[2])
        tickets.add(group[0])
        if group[3] is not None:
            commands.add(group[3])
        if size >= chunk:
            store.append_many(pending)
            pending, size = [], 0
    if pending:
        store.append_many(pending)
    report = store.audit()
    if not report.ok or report.checked != events or report.head_hash != file_head[0]:
        raise BackupError(
            f"the imported log does not reproduce the file's hashes: {report.reason or report}",
            f"导入后的日志与文件的哈希不一致：{report.reason or report}",
        )
    return BackupReport(events, len(tickets), len(commands), report.head_hash)

"""A complete storage plugin: an append-only JSON Lines file ("jsonl" backend).

It is the example of ``docs/plugins.md``: it passes propdesk's store
contract unchanged (``tests/storage/test_example_store.py``).  Every
operation takes an exclusive ``fcntl`` lock on the file and first reads the
lines other handles appended since; an append writes all its lines with one
``write`` and ``fsync``, and a torn last line (a crash mid-write) is ignored.
The notification outbox is lines too: a row, each later update of it (the
last word wins), each SLA alert fired; the watch lock is a lock file beside.

Install it as a plugin by naming this module in your distribution::

    [project.entry-points.propdesk]
    jsonl = "custom_store"

and choose it with ``[storage] backend = "jsonl"`` and ``path = "log.jsonl"``.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from propdesk.adapters import Group, audit_entries, check_batch, decode_event, encode_event
from propdesk.adapters.outbox_rows import (
    OUTBOX_INSERT_COLUMNS,
    insert_values,
    parse_ts,
    row_from,
    ts,
)
from propdesk.adapters.watch_lock import FileWatchLock
from propdesk.domain.events import Event
from propdesk.hookspecs import StoreBackend, hookimpl
from propdesk.plugins import ConfigKeyError, check_keys
from propdesk.ports import (
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


class JsonlStore:
    """An :class:`~propdesk.ports.EventStore` in one append-only JSON Lines file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file = open(self.path, "a+b")  # noqa: SIM115 - held open until close()
        self._offset = 0
        self._log: list[StoredEvent] = []
        self._streams: dict[str, list[Event]] = {}
        self._commands: dict[str, CommandRecord] = {}
        self._search = SearchIndex()  # rebuilt from the file, like the rest
        self._outbox: dict[str, OutboxRow] = {}
        self._outbox_ids: dict[int, str] = {}
        self._fires: set[FireKey] = set()

    # Every public method runs under the file lock, after catching up.
    def _locked(self) -> _Lock:
        return _Lock(self)

    def _catch_up(self) -> None:
        self._file.seek(self._offset)
        for raw in self._file.read().splitlines(keepends=True):
            if not raw.endswith(b"\n"):
                break  # a torn last line: never acknowledged
            self._offset += len(raw)
            line = json.loads(raw)
            if line["type"] == "event":
                entry = StoredEvent(
                    seq=line["seq"],
                    event=decode_event(
                        *(line[k] for k in ("ticket", "version", "kind", "at", "by", "data"))
                    ),
                    command_id=line["command_id"],
                    prev_hash=line["prev_hash"],
                    hash=line["hash"],
                )
                self._log.append(entry)
                self._streams.setdefault(entry.event.ticket, []).append(entry.event)
                self._search.add([(entry.seq, entry.event)])
            elif line["type"] == "command":
                self._commands[line["command_id"]] = CommandRecord(
                    line["command_id"], line["digest"], line["ticket"], line["first"], line["last"]
                )
            elif line["type"] == "outbox":
                line["type"] = line.pop("notice_type")
                columns = OUTBOX_INSERT_COLUMNS.split(", ")
                row = row_from([len(self._outbox) + 1, *(line[k] for k in columns), None])
                self._outbox[row.key] = row
                self._outbox_ids[row.id] = row.key
            elif line["type"] == "outbox_update":
                key = self._outbox_ids[line["id"]]
                self._outbox[key] = attrs.evolve(
                    self._outbox[key], state=line["state"], attempts=line["attempts"],
                    next_at=parse_ts(line["next_at"]), last_error=line["last_error"],
                    sent_at=None if line["sent_at"] is None else parse_ts(line["sent_at"]))
            elif line["type"] == "fire":
                self._fires.add(tuple(line["key"]))

    def load(self, ticket: str) -> list[Event]:
        with self._locked():
            return list(self._streams.get(ticket, ()))

    def version(self, ticket: str) -> int:
        with self._locked():
            return len(self._streams.get(ticket, ()))

    def find_command(self, command_id: str) -> CommandRecord | None:
        with self._locked():
            return self._commands.get(command_id)

    def tickets(self) -> list[str]:
        with self._locked():
            return list(self._streams)

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        with self._locked():
            start = max(after, 0)
            stop = len(self._log) if limit is None else start + max(limit, 0)
            return iter(self._log[start:stop])

    def head(self) -> int:
        with self._locked():
            return len(self._log)

    def audit(self) -> AuditReport:
        with self._locked():
            return audit_entries(list(self._log))

    def search(self, query: str, *, limit: int | None = 50) -> list[str]:
        """Tickets matching ``query``, newest first (propdesk's in-memory index)."""
        with self._locked():
            return self._search.search(query, limit=limit)

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
        with self._locked():
            written = self._write([group], outbox)
        return [e for e in self.read_all(after=written[0], limit=written[1])]

    def append_many(self, batch: Sequence[Group], *, outbox: Sequence[OutboxRow] = ()) -> None:
        check_batch(batch)
        with self._locked():
            self._write(batch, outbox)

    # -- the outbox: rows and their updates are lines too; the last word wins --

    def _row_lines(self, rows: Sequence[OutboxRow]) -> list[str]:
        lines, seen = [], set(self._outbox)
        for row in rows:
            if row.key not in seen:
                seen.add(row.key)
                values = dict(zip(OUTBOX_INSERT_COLUMNS.split(", "), insert_values(row),
                                  strict=True))
                lines.append(json.dumps({**values, "type": "outbox", "notice_type": row.type},
                                        ensure_ascii=False))
        return lines

    def outbox_due(self, channel: str, now: datetime, limit: int) -> list[OutboxRow]:
        with self._locked():
            due = [r for r in self._outbox.values() if r.state == "pending"
                   and r.channel == channel and r.next_at <= now]
        return sorted(due, key=lambda r: (r.next_at, r.id))[:limit]

    def outbox_update(self, row_id: int, *, state: str, attempts: int, next_at: datetime,
                      last_error: str = "", sent_at: datetime | None = None) -> None:
        with self._locked():
            self._commit([json.dumps({
                "type": "outbox_update", "id": row_id, "state": state, "attempts": attempts,
                "next_at": ts(next_at), "last_error": last_error,
                "sent_at": None if sent_at is None else ts(sent_at)}, ensure_ascii=False)])

    def outbox_rows(self, *, states: Sequence[str] = (), limit: int | None = None
                    ) -> list[OutboxRow]:
        with self._locked():
            rows = sorted((r for r in self._outbox.values() if not states or r.state in states),
                          key=lambda r: r.id)
        return rows if limit is None else rows[:limit]

    def outbox_requeue(self, ids: Sequence[int] | None, now: datetime) -> int:
        with self._locked():
            dead = [r for r in self._outbox.values()
                    if r.state == "dead" and (ids is None or r.id in ids)]
            self._commit([json.dumps({
                "type": "outbox_update", "id": r.id, "state": "pending", "attempts": 0,
                "next_at": ts(now), "last_error": r.last_error, "sent_at": None})
                for r in dead])
        return len(dead)

    def outbox_next_at(self) -> datetime | None:
        with self._locked():
            return min((r.next_at for r in self._outbox.values() if r.state == "pending"),
                       default=None)

    def record_fires(self, fires: Sequence[tuple[FireKey, datetime, Sequence[OutboxRow]]]
                     ) -> list[FireKey]:
        with self._locked():
            fired = [f for f in dict.fromkeys(k for k, _, _ in fires) if f not in self._fires]
            lines = [json.dumps({"type": "fire", "key": list(k)}) for k in fired]
            lines += self._row_lines([r for k, _, rows in fires if k in fired for r in rows])
            self._commit(lines)
        return fired

    def watch_lock(self) -> WatchLock:
        return FileWatchLock(Path(f"{self.path}.watch.lock"))

    def close(self) -> None:
        self._file.close()

    def _write(self, batch: Sequence[Group], outbox: Sequence[OutboxRow] = ()
               ) -> tuple[int, int]:
        """Check everything, then write all lines at once; returns (after, count)."""
        seq = len(self._log)
        prev = self._log[-1].hash if self._log else GENESIS_HASH
        versions: dict[str, int] = {}
        lines: list[str] = []
        for ticket, expected, events, command_id, digest in batch:
            if command_id is not None and command_id in self._commands:
                raise DuplicateCommand(command_id)
            current = versions.get(ticket, len(self._streams.get(ticket, ())))
            if current != expected:
                raise ConcurrencyConflict(ticket, expected, current)
            versions[ticket] = expected + len(events)
            for event in events:
                at, data, entry_hash = encode_event(prev, event)
                seq += 1
                lines.append(
                    json.dumps(
                        {
                            "type": "event",
                            "seq": seq,
                            "ticket": ticket,
                            "version": event.version,
                            "kind": event.kind,
                            "at": at,
                            "by": event.by,
                            "data": data,
                            "command_id": command_id,
                            "prev_hash": prev,
                            "hash": entry_hash,
                        },
                        ensure_ascii=False,
                    )
                )
                prev = entry_hash
            if command_id is not None:
                lines.append(
                    json.dumps(
                        {
                            "type": "command",
                            "command_id": command_id,
                            "digest": digest,
                            "ticket": ticket,
                            "first": expected + 1,
                            "last": expected + len(events),
                        },
                        ensure_ascii=False,
                    )
                )
        after = len(self._log)
        self._commit(lines + self._row_lines(outbox))
        return after, seq - after

    def _commit(self, lines: list[str]) -> None:
        """Write ``lines`` with one ``write`` and ``fsync`` (under the lock)."""
        if not lines:
            return
        self._file.truncate(self._offset)  # drop a torn tail left by a crash
        self._file.seek(0, os.SEEK_END)
        self._file.write("".join(line + "\n" for line in lines).encode("utf-8"))
        self._file.flush()
        os.fsync(self._file.fileno())
        self._catch_up()


class _Lock:
    def __init__(self, store: JsonlStore) -> None:
        self.store = store

    def __enter__(self) -> None:
        fcntl.flock(self.store._file.fileno(), fcntl.LOCK_EX)
        self.store._catch_up()

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self.store._file.fileno(), fcntl.LOCK_UN)


def open_jsonl(table: Mapping[str, Any], base_dir: Path) -> JsonlStore:
    """Open the store a ``[storage]`` table describes: only ``path`` is allowed."""
    check_keys(table, ("path",))
    path = table.get("path", "propdesk.jsonl")
    if not isinstance(path, str) or not path:
        raise ConfigKeyError("$.storage.path", f"must be a non-empty string, got {path!r}")
    return JsonlStore(base_dir / path)


@hookimpl
def propdesk_store_backends() -> list[StoreBackend]:
    """Offer the ``jsonl`` backend."""
    return [StoreBackend("jsonl", open_jsonl, "an append-only JSON Lines file", ("path",))]


def main() -> None:
    """Register the plugin with a plugin manager, open it from a ``[storage]``
    table and run a desk on it: what an integrator's plugin does once installed."""
    import sys
    import tempfile
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from propdesk.config import load_config
    from propdesk.desk import Desk
    from propdesk.domain import commands as c
    from propdesk.plugins import make_plugin_manager, open_store, store_names

    pm = make_plugin_manager(autoload=False)
    pm.register(sys.modules[__name__], name="jsonl")
    print("stores:", ", ".join(store_names(pm)))
    folder = Path(tempfile.mkdtemp())
    store = open_store({"backend": "jsonl", "path": "log.jsonl"}, folder, pm=pm)
    config = load_config(Path(__file__).resolve().parent / "propdesk.toml")
    desk = Desk(config, store)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    desk.handle(c.Record(ticket="J1", by="desk-wang", at=t0 + timedelta(seconds=30),
                         received_at=t0, source="walk_in", content="路灯不亮",
                         mode="immediate", location="2号楼门口"))
    desk.handle(c.Dispatch(ticket="J1", by="desk-wang", at=t0 + timedelta(minutes=1),
                           category="engineering"))
    lines = (folder / "log.jsonl").read_text(encoding="utf-8").splitlines()
    print(f"J1 is {desk.ticket('J1').state.value}; {len(lines)} lines in {folder / 'log.jsonl'};"
          f" audit ok: {store.audit().ok}")


if __name__ == "__main__":
    main()

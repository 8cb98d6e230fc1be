"""Storage benchmark: a generated batch of desk commands applied through the Desk.

    python bench/bench_storage.py [--tickets 8000] [--pg DSN]

A deterministic workload (bench/workload.py: about 12.5 real desk commands per
ticket, 8,000 tickets ≈ 100,000 commands, interleaved in time) is applied to
each store through ``Desk.apply_commands`` (the rules decide every command;
one transaction per chunk of ``--chunk`` commands).  It reports commands/s for
the batch, interactive single commands/s through ``Desk.handle`` (one
transaction each, ``synchronous=FULL``), the database size, and — in the same
run — the rate of a bare ``executemany`` of the same rows into an empty table,
as the reference.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload

from propdesk.adapters import Group, encode_event
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.ports import EventStore

CONFIG = Path(__file__).resolve().parent.parent / "examples" / "propdesk.toml"


def generate(tickets: int, seed: int = 7) -> list[c.Command]:
    return list(workload.commands(tickets, seed))


def batch_rate(store: EventStore, cmds: list[c.Command], chunk: int) -> float:
    desk = Desk(load_config(CONFIG), store)
    start = time.perf_counter()
    results = desk.apply_commands(enumerate(cmds, start=1), chunk=chunk)
    rate = len(cmds) / (time.perf_counter() - start)
    refused = [r for r in results if not r.ok]
    assert not refused, refused[:3]
    return rate


def interactive_rate(store: EventStore, count: int) -> float:
    """Single commands through Desk.handle, each its own transaction."""
    desk = Desk(load_config(CONFIG), store)
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    tickets = max(count // 10, 1)
    for n in range(tickets):
        desk.handle(c.Record(ticket=f"I-{n}", by="desk-wang", at=t0, received_at=t0,
                             source="walk_in", content="登记", mode="immediate",
                             location="x", contact="x", phone="x"))
    start = time.perf_counter()
    for n in range(count):
        desk.handle(c.FollowUp(ticket=f"I-{n % tickets}", by="desk-wang",
                               at=t0 + timedelta(seconds=n), note=f"跟进 {n}"))
    return count / (time.perf_counter() - start)


def stored_groups(store: EventStore) -> list[Group]:
    return [(e.event.ticket, e.event.version - 1, [e.event], e.command_id, "")
            for e in store.read_all()]


def reference_sqlite(path: Path, groups: list[Group], chunk: int) -> float:
    """A bare executemany of the same rows (hashes precomputed) into an empty table."""
    rows = []
    prev = "0" * 64
    for seq, (ticket, _v, events, cid, _d) in enumerate(groups, start=1):
        at, data, h = encode_event(prev, events[0])
        rows.append(
            (seq, ticket, events[0].version, events[0].kind, at, events[0].by, data, cid, prev, h)
        )
        prev = h
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, ticket TEXT, version INTEGER, kind TEXT,"
        " at TEXT, by TEXT, data TEXT, command_id TEXT, prev_hash TEXT, hash TEXT)"
    )
    start = time.perf_counter()
    for i in range(0, len(rows), chunk):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?)", rows[i : i + chunk])
        conn.execute("COMMIT")
    rate = len(rows) / (time.perf_counter() - start)
    conn.close()
    return rate


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=8_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--interactive", type=int, default=2_000)
    parser.add_argument("--pg", default=os.environ.get("PROPDESK_TEST_PG_DSN", ""))
    args = parser.parse_args()
    cmds = generate(args.tickets)
    print(f"{len(cmds):,} commands on {args.tickets:,} tickets through the Desk,"
          f" chunks of {args.chunk}")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        store = SQLiteStore(db)
        rate = batch_rate(store, cmds, args.chunk)
        assert store.audit().ok
        groups = stored_groups(store)
        size = size_of(db)
        store.close()
        single = interactive_rate(SQLiteStore(Path(tmp) / "single.db"), args.interactive)
        ref = reference_sqlite(Path(tmp) / "ref.db", groups, args.chunk)
        print(
            f"sqlite   batch {rate:9,.0f} cmd/s   interactive {single:7,.0f} cmd/s"
            f"   size {size / 1e6:6.1f} MB   bare executemany {ref:9,.0f} rows/s"
        )
    if args.pg:
        import psycopg
        from propdesk_postgres import PostgresStore

        schema = f"propdesk_bench_{os.getpid()}"
        pg = PostgresStore(args.pg, schema=schema)
        try:
            rate = batch_rate(pg, cmds, args.chunk)
            single = interactive_rate(pg, min(args.interactive, 500))
            with psycopg.connect(args.pg, autocommit=True) as conn:
                size = conn.execute(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
                    " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = %s AND c.relkind = 'r'",
                    (schema,),
                ).fetchone()[0]
                conn.execute(f'CREATE TABLE "{schema}".ref (LIKE "{schema}".events)')
                rows = [
                    (
                        r.seq,
                        r.event.ticket,
                        r.event.version,
                        r.event.kind,
                        r.event.at.isoformat(),
                        r.event.by,
                        "{}",
                        r.command_id,
                        r.prev_hash,
                        r.hash,
                    )
                    for r in pg.read_all(limit=len(cmds))
                ]
                start = time.perf_counter()
                for i in range(0, len(rows), args.chunk):
                    with conn.transaction(), conn.cursor() as cur:
                        cur.executemany(
                            f'INSERT INTO "{schema}".ref VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)',
                            rows[i : i + args.chunk],
                        )
                ref = len(rows) / (time.perf_counter() - start)
            print(
                f"postgres batch {rate:9,.0f} cmd/s   interactive {single:7,.0f} cmd/s"
                f"   size {int(size) / 1e6:6.1f} MB   bare executemany {ref:9,.0f} rows/s"
            )
        finally:
            pg.close()
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()

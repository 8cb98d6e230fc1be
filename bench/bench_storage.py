"""Storage benchmark: a generated batch of commands applied to each store.

    python bench/bench_storage.py [--commands 100000] [--tickets 8000] [--pg DSN]

For each store it reports commands/s for the batch (one transaction per
chunk of ``--chunk`` commands through ``append_many``), interactive single
commands/s (load version → append, one transaction each, ``synchronous=FULL``),
the database size, and — in the same run — the rate of a bare
``executemany`` of the same rows into an empty table, as the reference.

The commands are applied to the store directly (one event each, the shape the
Desk appends); the Desk's own decision cost is not included.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from propdesk.adapters import Group, encode_event
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.domain.events import Event
from propdesk.ports import EventStore

KINDS = ["record", "dispatch", "accept", "start", "finish", "callback", "close"]


def generate(commands: int, tickets: int, seed: int = 7) -> list[Group]:
    rng = random.Random(seed)
    versions: dict[str, int] = {}
    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    out: list[Group] = []
    for n in range(commands):
        ticket = f"T-{rng.randrange(tickets):05d}"
        v = versions.get(ticket, 0)
        data = {
            "text": "3号楼1单元 水管漏水" if v == 0 else "处理中",
            "fee": f"{rng.randrange(10000) / 100:.2f}",
        }
        event = Event(ticket, v + 1, KINDS[min(v, 6)], t0 + timedelta(seconds=n), "desk-wang", data)
        out.append((ticket, v, [event], f"cmd-{n}", f"digest-{n}"))
        versions[ticket] = v + 1
    return out


def batch_rate(store: EventStore, groups: list[Group], chunk: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(groups), chunk):
        store.append_many(groups[i : i + chunk])
    return len(groups) / (time.perf_counter() - start)


def interactive_rate(store: EventStore, count: int) -> float:
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    start = time.perf_counter()
    for n in range(count):
        ticket = f"I-{n % 50}"
        v = store.version(ticket)
        store.append(
            ticket, v, [Event(ticket, v + 1, "note", t0, "desk", {"n": n})], command_id=f"i-{n}"
        )
    return count / (time.perf_counter() - start)


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
    parser.add_argument("--commands", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=8_000)
    parser.add_argument("--chunk", type=int, default=1_000)
    parser.add_argument("--interactive", type=int, default=2_000)
    parser.add_argument("--pg", default=os.environ.get("PROPDESK_TEST_PG_DSN", ""))
    args = parser.parse_args()
    groups = generate(args.commands, args.tickets)
    print(
        f"{args.commands} commands on {len({g[0] for g in groups})} tickets, chunks of {args.chunk}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        store = SQLiteStore(db)
        rate = batch_rate(store, groups, args.chunk)
        assert store.audit().ok
        single = interactive_rate(store, args.interactive)
        store.close()
        ref = reference_sqlite(Path(tmp) / "ref.db", groups, args.chunk)
        print(
            f"sqlite   batch {rate:9,.0f} cmd/s   interactive {single:7,.0f} cmd/s"
            f"   size {size_of(db) / 1e6:6.1f} MB   bare executemany {ref:9,.0f} rows/s"
        )
    if args.pg:
        import psycopg
        from propdesk_postgres import PostgresStore

        schema = f"propdesk_bench_{os.getpid()}"
        pg = PostgresStore(args.pg, schema=schema)
        try:
            rate = batch_rate(pg, groups, args.chunk)
            single = interactive_rate(pg, args.interactive)
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
                    for r in pg.read_all(limit=args.commands)
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

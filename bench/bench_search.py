"""Benchmark: finding a ticket among 100,000 (``list --search``, issue 19).

    .venv/bin/python bench/bench_search.py [--tickets 100000] [--stores sqlite,memory]
    PROPDESK_TEST_PG_DSN='host=… dbname=test' .venv/bin/python bench/bench_search.py \
        --stores sqlite,postgres

Each ticket is recorded through ``Desk.apply_commands`` (the rules decide it,
the store's search index is written in the same transaction), with a reply
and a follow-up note, so the log holds two events per ticket.  Rooms,
contacts, phone numbers and contents are generated from a fixed seed.  Then
each query is timed through the store's index (``store.search``, the newest
50) and through ``Desk.search`` (the same, plus loading and folding the 50
tickets found, on a Desk opened afresh as a CLI command opens one): the
median and the slowest of the repetitions, in ms.  The
reference is one scan of every event of the log looking at the record
events, which is what a search without an index has to do.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

from propdesk.adapters.memory import MemoryStore
from propdesk.adapters.sqlite import SQLiteStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.ports import EventStore

CONFIG = Path(__file__).resolve().parent.parent / "examples" / "propdesk.toml"
T0 = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
TITLES = ("女士", "先生", "阿姨", "师傅", "")
ISSUES = ("厨房水管漏水", "卫生间下水道堵塞", "楼道灯不亮", "电梯异响", "门禁卡失灵",
          "空调外机噪音", "停车位被占用", "垃圾未清运", "邻居装修噪音", "窗户玻璃破裂",
          "咨询物业费缴纳", "快递柜无法开启", "消防通道堆放杂物", "地下车库积水",
          "Water leaking from the ceiling", "Lift stuck between floors")


def generate(n: int, seed: int = 19) -> list[c.Command]:
    rng = random.Random(seed)
    out: list[c.Command] = []
    for i in range(n):
        at = T0 + timedelta(seconds=30 * i)
        tid = f"T{i:06d}"
        floor, door = rng.randint(1, 33), rng.randint(1, 4)
        room = f"{rng.randint(1, 30)}-{rng.randint(1, 4)}-{floor}{door:02d}"
        out.append(c.Record(
            ticket=tid, by="desk-wang", at=at, received_at=at - timedelta(seconds=20),
            source="owner_call", mode="immediate", location=room,
            contact=rng.choice(SURNAMES) + rng.choice(TITLES),
            phone=f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
            content=f"{rng.choice(ISSUES)}，{rng.choice(ISSUES)}", reply="好的，马上安排"))
        out.append(c.FollowUp(ticket=tid, by="desk-wang", at=at + timedelta(seconds=5),
                              note="已通知工程部，稍后回电"))
    return out


def open_store(kind: str, folder: Path) -> EventStore:
    if kind == "sqlite":
        return SQLiteStore(folder / "search.db", synchronous="normal")
    if kind == "memory":
        return MemoryStore()
    from propdesk_postgres.store import PostgresStore

    return PostgresStore(os.environ["PROPDESK_TEST_PG_DSN"], schema="propdesk_bench_search")


def pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal cells (a Chinese character takes two)."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - cells, 0)


def timed(call: object, repeat: int) -> tuple[float, float, object]:
    times = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--stores", default="sqlite,memory")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    config = load_config(CONFIG)
    commands = generate(args.tickets)
    probe = commands[-2 * (args.tickets // 3) - 2]  # a ticket a third from the end
    assert isinstance(probe, c.Record) and probe.phone and probe.location and probe.contact
    queries = [
        ("room", probe.location), ("phone, full", probe.phone),
        ("phone, last four", probe.phone[-4:]), ("contact (3 chars)", probe.contact),
        ("surname (1 char)", probe.contact[0]), ("content (2 chars)", "漏水"),
        ("content (6 chars)", "卫生间下水道"), ("two terms", f"{probe.contact[0]} 电梯"),
        ("no match", "没有这回事"),
    ]
    print(f"{args.tickets:,} tickets, {len(commands):,} events (a record with its reply,"
          " a follow-up note)")
    for kind in args.stores.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(kind, Path(tmp))
            desk = Desk(config, store)
            start = time.perf_counter()
            results = desk.apply_commands(enumerate(commands, 1), chunk=2000)
            fill = time.perf_counter() - start
            assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
            print(f"\n[{kind}] filled in {fill:.1f} s ({len(commands) / fill:,.0f} commands/s,"
                  " index included)")
            print(f"  {'query':<20} {'text':<16} {'found':>6} {'index ms':>9} {'max':>7}"
                  f" {'Desk.search ms':>15}")
            fresh = Desk(config, store)  # as a new CLI process: no view of all tickets
            for label, text in queries:
                median, worst, found = timed(lambda t=text, s=store: s.search(t), args.repeat)
                desk_median, _, _ = timed(lambda t=text, d=fresh: d.search(t),
                                          max(args.repeat // 4, 1))
                assert isinstance(found, list)
                print(f"  {label:<20} {pad(text, 16)} {len(found):>6} {median:>9.2f} {worst:>7.2f}"
                      f" {desk_median:>15.2f}")
            needle = probe.location
            start = time.perf_counter()
            hits = [e.event.ticket for e in store.read_all() if e.event.kind == "record"
                    and needle in str(e.event.data.get("location"))]
            scan = (time.perf_counter() - start) * 1000
            print(f"  reference: one scan of every event for the room: {scan:,.0f} ms"
                  f" ({len(hits)} found)")
            if kind == "postgres":
                import psycopg

                with psycopg.connect(os.environ["PROPDESK_TEST_PG_DSN"], autocommit=True) as con:
                    con.execute("DROP SCHEMA propdesk_bench_search CASCADE")
            store.close()


if __name__ == "__main__":
    main()

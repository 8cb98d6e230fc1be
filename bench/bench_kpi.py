"""Benchmark: the indicators over 1,000,000 tickets' events (≈ 12 million),
generated deterministically — the monthly report of a 100-community company.

    .venv/bin/python bench/bench_kpi.py                 # full size, 2 processes
    .venv/bin/python bench/bench_kpi.py --tickets 20000 --communities 2 --workers 1

Each community's month of events is generated from its seed (a stand-in for
reading the log from the store), then reduced to ticket facts (fold as of the
month end, SLA evaluation, facts) and tallied; community tallies add up to
the company's (they are additive, see tests/kpi/test_pieces.py), and the
report is assembled and rendered from the sum.  Generation and computation
are timed separately; peak memory is the maximum resident set of the parent
and the worker processes.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from typing import Any

from propdesk.domain import kpi
from propdesk.domain.config import Asset, Community, Config, Department, Person, Shift
from propdesk.domain.enums import Role
from propdesk.domain.events import Event, iso

MONTH_START = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 2026-03-01 00:00 Asia/Shanghai
MONTH_END = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
CATEGORIES = ("engineering", "engineering", "engineering", "complaint", "help", "inquiry",
              "security", "cleaning", "cleaning", "fire")
DESK_RESOLVABLE = {"complaint", "help", "inquiry"}
DEPT = {"engineering": "engineering", "security": "order", "fire": "order",
        "cleaning": "environment", "complaint": "service", "help": "service",
        "inquiry": "service"}
SOURCES = ("owner_call",) * 6 + ("walk_in", "online", "property_internal", "superior")
SATISFACTION = ("satisfied",) * 14 + ("basically_satisfied",) * 4 + ("dissatisfied",)


def company_config(n_assets: int = 20) -> Config:
    """One community's configuration (the same shape for all 100)."""
    depts = [Department("engineering", "工程部", ("engineering",), "eng-chief"),
             Department("order", "秩序部", ("security", "fire"), "sec-chief"),
             Department("environment", "环境部", ("cleaning",), "env-chief"),
             Department("service", "客服部", ("complaint", "help", "inquiry"), "cs-chief")]
    people = [Person("desk-1", "前台1", Role.DESK, "service"),
              Person("comm-1", "小区主管", Role.COMMUNITY_SUPERVISOR),
              Person("gm-1", "经理", Role.MANAGER)]
    for d in depts:
        assert d.supervisor is not None
        people.append(Person(d.supervisor, d.name + "主管", Role.SUPERVISOR, d.id))
        people += [Person(f"{d.id}-{i}", f"{d.name}{i}", Role.RESPONSIBLE, d.id)
                   for i in range(4)]
    assets = [Asset(f"asset-{i}", f"设备{i}", "lift") for i in range(n_assets)]
    return Config.build(community=Community(name="社区"), departments=depts, people=people,
                        shifts=[Shift(tuple(p.id for p in people), "00:00", "24:00")],
                        assets=assets)


class _Gen:
    """Events of one ticket, as ``decide`` would have produced them."""

    def __init__(self, tid: str, rnd: random.Random) -> None:
        self.tid, self.rnd, self.v = tid, rnd, 0
        self.out: list[Event] = []
        self.at = MONTH_START

    def ev(self, kind: str, by: str, data: dict[str, Any], lo: int = 20, hi: int = 90) -> None:
        self.at = self.at + timedelta(seconds=self.rnd.randint(lo, hi))
        self.v += 1
        self.out.append(Event(self.tid, self.v, kind, self.at, by, data))


def ticket_events(tid: str, rnd: random.Random, received: datetime, n_assets: int
                  ) -> list[Event]:
    """One ticket's stream: a full lifecycle, a desk resolution, a rework, a
    cancellation or an open ticket, with occasional amendments, late steps,
    reclassifications and sampled callbacks."""
    g = _Gen(tid, rnd)
    g.at = received
    cat = rnd.choice(CATEGORIES)
    source = rnd.choice(SOURCES)
    missing = ["phone"] if rnd.random() < 0.01 else []
    rec: dict[str, Any] = {"received_at": iso(received), "originated_at": iso(received),
                           "source": source, "first_receiver": "desk-1", "content": "报事",
                           "mode": "immediate", "category": cat, "missing": missing,
                           "location": "1-1-101", "reply": "马上安排"}
    if source in ("owner_call", "walk_in", "online"):
        rec.update(contact="业主", phone="13800000000")
    if cat == "engineering" and rnd.random() < 0.1:
        rec["asset"] = f"asset-{rnd.randrange(n_assets)}"
    if cat == "security" and rnd.random() < 0.002:
        rec["major_incident"] = True
    g.ev("record", "desk-1", rec, 5, 75)
    if rnd.random() < 0.02:
        g.ev("amend", "desk-1", {"field": "location", "old": "1-1-101", "new": "1-1-102",
                                 "reason": "更正"})
    if rnd.random() < 0.02:
        new = "help" if cat != "help" else "inquiry"
        g.ev("classify", "desk-1", {"category": new, "previous": cat})
        cat = new
    fate = rnd.random()
    if fate < 0.03:
        g.ev("cancel", "desk-1", {"reason": "业主取消", "confirmed_by_source": True})
        return g.out
    if cat in DESK_RESOLVABLE and fate < 0.25:
        g.ev("complete", "desk-1", {"desk": True, "workers": ["desk-1"]})
        g.ev("callback", "desk-1", _answers(rnd), 10, 150)
        if g.out[-1].data["outcome"] == "passed":
            g.ev("close", "desk-1", {})
        return g.out
    dept = DEPT[cat]
    who = f"{dept}-{rnd.randrange(4)}"
    cycles = 2 if rnd.random() < 0.05 else 1
    for cycle in range(1, cycles + 1):
        wo = len([e for e in g.out if e.kind == "dispatch"]) + 1
        g.ev("dispatch", "desk-1", {"work_order": wo, "cycle": cycle, "assignee": who,
                                    "department": dept, "category": cat, "mode": "immediate",
                                    "routing": {"rule": "R-51"}})
        if fate > 0.97 and cycle == 1:
            return g.out  # still open at the end
        g.ev("confirm", who, {"work_order": wo}, 10, 40)
        g.ev("acknowledge", who, {"work_order": wo}, 30, 120)
        g.ev("arrive", who, {"work_order": wo}, 60, 660 if rnd.random() < 0.02 else 400)
        g.ev("diagnose", who, {"work_order": wo, "diagnosis": "检查"}, 30, 120)
        g.ev("plan", who, {"work_order": wo, "fees": []}, 20, 170)
        g.ev("agree", who, {"work_order": wo, "schedule_shown": False}, 20, 120)
        g.ev("complete", who, {"work_order": wo, "workers": [who]}, 300, 5400)
        if cycle < cycles:
            g.ev("reject", who, {"work_order": wo, "signer": "业主", "owner_copy": False})
            continue
        g.ev("accept", who, {"work_order": wo, "signer": "业主", "owner_copy": True})
        g.ev("return", "desk-1", {"work_order": wo}, 60, 900)
        data = _answers(rnd)
        data.update(fixed=True, outcome="passed")
        g.ev("callback", "desk-1", data, 10, 125)
        g.ev("close", "desk-1", {}, 5, 60)
        if rnd.random() < 0.05:
            s = _answers(rnd)
            s.pop("outcome")
            s["agrees"] = s["satisfaction"] == data["satisfaction"]
            g.ev("sample_callback", "comm-1", s, 600, 86400)
    return g.out


def _answers(rnd: random.Random) -> dict[str, Any]:
    fixed = rnd.random() > 0.01
    return {"fixed": fixed, "satisfaction": rnd.choice(SATISFACTION), "charge_ok": None,
            "channel": "phone", "outcome": "passed" if fixed else "rework"}


def community_events(community: int, tickets: int, n_assets: int) -> Iterator[Event]:
    """A community's month, deterministically from its number; tickets are
    interleaved by receipt time block, each ticket's own events in time order."""
    rnd = random.Random(f"propdesk-bench-{community}")
    span = (MONTH_END - MONTH_START).total_seconds()
    for i in range(tickets):
        received = MONTH_START + timedelta(seconds=int(span * (i + rnd.random()) / tickets))
        yield from ticket_events(f"c{community}-{i}", rnd, received, n_assets)


def run_community(args: tuple[int, int, int]) -> tuple[kpi.Tally, int, float, float, int]:
    """Generate one community and tally it: (tally, events, gen s, compute s, max RSS kB)."""
    community, tickets, n_assets = args
    config = company_config(n_assets)
    t0 = time.perf_counter()
    events = list(community_events(community, tickets, n_assets))
    t1 = time.perf_counter()
    breaches = kpi.sla_breaches(config)
    period = kpi.Period(MONTH_START, MONTH_END, "2026-03")
    facts = (kpi.ticket_facts(t, breaches(t, MONTH_END))
             for t in kpi.tickets_as_of(events, MONTH_END))
    tally = kpi.tally(facts, period, assets=[a.id for a in config.assets])
    t2 = time.perf_counter()
    return (tally, len(events), t1 - t0, t2 - t1,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--assets", type=int, default=20)
    a = ap.parse_args(argv)
    per = a.tickets // a.communities
    jobs = [(c, per, a.assets) for c in range(a.communities)]
    start = time.perf_counter()
    if a.workers > 1:
        with get_context("fork").Pool(a.workers, maxtasksperchild=4) as pool:
            results = list(pool.imap(run_community, jobs))
    else:
        results = [run_community(j) for j in jobs]
    total = kpi.Tally()
    for r in results:
        total = total + r[0]
    period = kpi.Period(MONTH_START, MONTH_END, "2026-03")
    figures = total.indicators(period, a.assets * a.communities)
    wall = time.perf_counter() - start
    events = sum(r[1] for r in results)
    gen = sum(r[2] for r in results)
    comp = sum(r[3] for r in results)
    peak_kb = max([r[4] for r in results]
                  + [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss])
    print(f"tickets {a.tickets:,}  events {events:,}  communities {a.communities}  "
          f"workers {a.workers}")
    print(f"wall {wall:.1f} s  (generation {gen:.1f} s, computation {comp:.1f} s, "
          f"summed over workers)")
    print(f"computation per event {comp / max(events, 1) * 1e6:.2f} µs; "
          f"peak RSS per process {peak_kb / 1024:.0f} MB")
    for k, ind in figures.items():
        v = ind.value
        print(f"  {k:5} {float(ind.numerator):>12.2f} / {ind.denominator:>9}  "
              f"{'n/a' if v is None else f'{float(v):.4f}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

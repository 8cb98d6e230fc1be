"""Benchmark: the indicators over 1,000,000 tickets' events (≈ 12 million),
generated deterministically — the monthly report of a 100-community company
from the KPI projection (issue 4; target ≤ 10 s and ≤ 2 GB on 2 cores).

    .venv/bin/python bench/bench_kpi.py                 # full size, 2 processes
    .venv/bin/python bench/bench_kpi.py --tickets 20000 --communities 2 --workers 1

Three figures, measured separately in one run:

(a) **building the projection** (the append-time cost, paid as events are
    written in production): each community's month of events is generated
    from its seed (a stand-in for the store, not timed as building), then read
    once into a :class:`KpiProjection` (fold, category history, SLA breach
    times, timeline); communities spread over the worker processes.  Also the
    observer's cost per event (the timeline recomputed after every event, as a
    Desk's ``add_observer`` does) on a sample of tickets.
(b) **the monthly report from the projection**: the 100 projections are sent
    to the parent, which computes the weekly tallies of March as of the month
    end, sums them into the company's report and renders it — the figure the
    ≤ 10 s target applies to.  Peak memory: the parent's maximum resident set
    (it holds every projection) and the workers'.
(c) **the reference**: the old full re-fold (fold as of the month end, SLA
    evaluation, facts, tally) on a 2 % sample of the communities, scaled to
    the whole; the sample's tallies must equal the projection's.
"""

from __future__ import annotations

import argparse
import os
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
from propdesk.domain.fold import evolve
from propdesk.domain.kpi_projection import KpiProjection, sla_breach_times
from propdesk.domain.model import Ticket
from propdesk.reports import assemble, render

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


PERIOD = kpi.Period(MONTH_START, MONTH_END, "2026-03")


def rss_kb() -> int:
    """The current resident set (kB), from /proc (the maximum where there is none)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Built:
    """One community's projection and the worker's measurements."""

    def __init__(self, community: int, projection: KpiProjection, events: int, gen_s: float,
                 build_s: float, observer: tuple[int, float], reference: kpi.Tally | None,
                 reference_s: float, max_rss_kb: int) -> None:
        self.community = community
        self.projection = projection
        self.events = events
        self.gen_s = gen_s
        self.build_s = build_s
        self.observer = observer
        self.reference = reference
        self.reference_s = reference_s
        self.max_rss_kb = max_rss_kb


def observer_cost(events: list[Event], breach_times: object, share: float) -> tuple[int, float]:
    """(events, seconds): a projection updated after every event of the first
    ``share`` of the tickets, as ``Desk.add_observer`` does (fold included)."""
    proj = KpiProjection(breach_times)  # type: ignore[arg-type]
    ids = {e.ticket for e in events if e.kind == "record"}
    keep = {f"{e.ticket}" for e in events if e.kind == "record"
            and int(e.ticket.rsplit("-", 1)[1]) < len(ids) * share}
    view: dict[str, Ticket] = {}
    sample = [e for e in events if e.ticket in keep]
    t0 = time.perf_counter()
    for e in sample:
        t = view[e.ticket] = evolve(view.get(e.ticket), e)
        proj.update(t)
    return len(sample), time.perf_counter() - t0


def build_community(args: tuple[int, int, int, bool]) -> Built:
    """Generate one community's month and read it into a projection."""
    community, tickets, n_assets, reference = args
    config = company_config(n_assets)
    t0 = time.perf_counter()
    events = list(community_events(community, tickets, n_assets))
    t1 = time.perf_counter()
    breaches = kpi.sla_breaches(config)
    times = sla_breach_times(breaches.rules)
    projection = KpiProjection.from_events(events, times)
    t2 = time.perf_counter()
    observer = observer_cost(events, times, 0.02) if community < 2 else (0, 0.0)
    ref = None
    ref_s = 0.0
    if reference:
        t3 = time.perf_counter()
        facts = (kpi.ticket_facts(t, breaches(t, MONTH_END))
                 for t in kpi.tickets_as_of(events, MONTH_END))
        ref = kpi.tally(facts, PERIOD, assets=[a.id for a in config.assets])
        ref_s = time.perf_counter() - t3
    projection.breach_times = None  # a closure: not sent to the parent
    return Built(community, projection, len(events), t1 - t0, t2 - t1, observer, ref, ref_s,
                 resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def same(a: kpi.Tally, b: kpi.Tally) -> bool:
    """Whether two tallies have the same figures and breakdowns."""
    return (+a.num == +b.num and +a.den == +b.den and a.received == b.received
            and a.cancelled == b.cancelled and a.major_incidents == b.major_incidents
            and +a.by_category == +b.by_category and +a.by_assignee == +b.by_assignee
            and +a.breaches_by_rule == +b.breaches_by_rule
            and a.down_seconds() == b.down_seconds())


def monthly_report(config: Config, projections: list[KpiProjection]
                   ) -> tuple[str, assemble.Report]:
    """The company's monthly report from the communities' projections: the weekly
    tallies of each community as of the month end, summed week by week."""
    weeks = assemble.weeks_of(PERIOD, config.zone)
    assets = [a.id for a in config.assets]
    company = [kpi.Tally() for _ in weeks]
    for c, p in enumerate(projections):
        tallies = p.tallies(weeks, MONTH_END, assets=assets)
        for t in tallies:  # every community has its asset-0 …: name them apart (K-9)
            t.asset_down = {f"{c}-{k}": v for k, v in t.asset_down.items()}
        company = [a + b for a, b in zip(company, tallies, strict=True)]
    company_config_ = Config.build(
        community=Community(name="公司（100个小区）"), departments=config.departments,
        people=config.people, shifts=config.shifts,
        assets=[Asset(f"{c}-{a.id}", a.name, a.kind) for c in range(len(projections))
                for a in config.assets])
    report = assemble.assemble(company_config_, PERIOD, weeks, company, kind="monthly",
                               as_of=MONTH_END)
    return render.render_table(report, "zh"), report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--assets", type=int, default=20)
    ap.add_argument("--sample", type=float, default=0.02,
                    help="share of the communities also computed the old way (reference)")
    ap.add_argument("--show", action="store_true", help="print the rendered report")
    a = ap.parse_args(argv)
    per = a.tickets // a.communities
    n_ref = max(1, round(a.communities * a.sample)) if a.sample > 0 else 0
    jobs = [(c, per, a.assets, c < n_ref) for c in range(a.communities)]
    base_kb = rss_kb()
    start = time.perf_counter()
    if a.workers > 1:
        with get_context("fork").Pool(a.workers, maxtasksperchild=10) as pool:
            built = list(pool.imap(build_community, jobs))
    else:
        built = [build_community(j) for j in jobs]
    wall_a = time.perf_counter() - start
    held_kb = rss_kb() - base_kb
    config = company_config(a.assets)
    projections = [b.projection for b in built]
    t0 = time.perf_counter()
    text, report = monthly_report(config, projections)
    report_s = time.perf_counter() - t0
    parent_peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    worker_peak_kb = max(b.max_rss_kb for b in built)
    events = sum(b.events for b in built)
    tickets = sum(len(p) for p in projections)
    gen = sum(b.gen_s for b in built)
    build = sum(b.build_s for b in built)
    obs_events = sum(b.observer[0] for b in built)
    obs_s = sum(b.observer[1] for b in built)
    refs = [b for b in built if b.reference is not None]
    weeks = assemble.weeks_of(PERIOD, config.zone)
    assets = [x.id for x in config.assets]
    agree = all(same(b.reference, b.projection.tallies([PERIOD], MONTH_END, assets=assets)[0])
                for b in refs if b.reference is not None)
    ref_s = sum(b.reference_s for b in refs)
    ref_tickets = sum(len(b.projection) for b in refs)
    print(f"tickets {tickets:,}  events {events:,}  communities {a.communities}  "
          f"workers {a.workers}  (generating the events: {gen:.1f} s summed, not counted)")
    print(f"(a) building the projection: {build:.1f} s summed over workers "
          f"({build / max(events, 1) * 1e6:.1f} µs/event, "
          f"{build / max(tickets, 1) * 1e6:.0f} µs/ticket); wall with generation "
          f"{wall_a:.1f} s on {a.workers} processes; worker peak RSS "
          f"{worker_peak_kb / 1024:.0f} MB")
    if obs_events:
        print(f"    as a Desk observer (timeline recomputed after every event, fold "
              f"included): {obs_s / obs_events * 1e6:.1f} µs/event over {obs_events:,} events")
    print(f"    the projections held by the parent: {held_kb / 1024:.0f} MB "
          f"({held_kb * 1024 / max(tickets, 1):.0f} B/ticket, {len(weeks)} weeks)")
    print(f"(b) the monthly report from the projection: {report_s:.2f} s "
          f"({report_s / max(tickets, 1) * 1e6:.2f} µs/ticket), parent peak RSS "
          f"{parent_peak_kb / 1024:.0f} MB")
    if refs:
        scaled = ref_s * tickets / max(ref_tickets, 1)
        print(f"(c) reference, the full re-fold on {len(refs)} of {a.communities} communities "
              f"({ref_tickets:,} tickets): {ref_s:.1f} s, scaled to all: {scaled:.0f} s "
              f"(one process); same tallies as the projection: {agree}")
    for k, ind in report.indicators.items():
        v = ind.value
        print(f"  {k:5} {float(ind.numerator):>12.2f} / {ind.denominator:>9}  "
              f"{'n/a' if v is None else f'{float(v):.4f}'}")
    if a.show:
        print(text)
    ok = report_s <= 10 and max(parent_peak_kb, worker_peak_kb) <= 2 * 1024 * 1024
    print(f"SUMMARY report {report_s:.2f} s (target <= 10 s), peak memory "
          f"{max(parent_peak_kb, worker_peak_kb) / 1024:.0f} MB (target <= 2048 MB), "
          f"build {build / max(events, 1) * 1e6:.1f} µs/event: "
          f"{'met' if ok else 'NOT met'}  [cpus {os.cpu_count()}]")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())

"""A month at the desk of the example community, and its 《信息三率统计表》.

    .venv/bin/python examples/monthly_report.py [OUTPUT_DIR]

Runs a few tickets through a Desk (in memory), then builds the monthly report
from the same calculators as production (propdesk.domain.kpi) and prints the
terminal table; with OUTPUT_DIR it also writes the JSON, CSV, Markdown and
HTML renderings and the quarterly public report (公开管理报告) there.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from propdesk.adapters.memory import MemoryStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain import kpi
from propdesk.reports import assemble, html, render

HERE = Path(__file__).resolve().parent
ZONE = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=ZONE)


def run_month(desk: Desk) -> None:
    """Three tickets: a repair done right, a late repair, an inquiry answered at the desk."""
    steps: list[c.Command] = []
    t0 = at(2, 9)
    steps += [
        c.Record(ticket="A1", by="desk-wang", at=t0 + timedelta(seconds=40), received_at=t0,
                 source="owner_call", content="厨房水管漏水", mode="immediate",
                 location="5-1-1202", contact="李女士", phone="13800000000",
                 reply="师傅十分钟内到", area="A"),
        c.Dispatch(ticket="A1", by="desk-wang", category="engineering",
                   at=t0 + timedelta(seconds=90)),
    ]
    who = "eng-zhao"
    for i, kind in enumerate((c.Confirm, c.Acknowledge, c.Arrive)):
        steps.append(kind(ticket="A1", by=who, at=t0 + timedelta(minutes=2 + i * 2)))
    steps += [
        c.Diagnose(ticket="A1", by=who, at=t0 + timedelta(minutes=8), diagnosis="阀门老化"),
        c.Plan(ticket="A1", by=who, at=t0 + timedelta(minutes=9)),
        c.Agree(ticket="A1", by=who, at=t0 + timedelta(minutes=10)),
        c.Complete(ticket="A1", by=who, at=t0 + timedelta(minutes=40)),
        c.Accept(ticket="A1", by=who, at=t0 + timedelta(minutes=41), signer="李女士"),
        c.Return(ticket="A1", by="desk-wang", at=t0 + timedelta(minutes=60)),
        c.Callback(ticket="A1", by="desk-wang", at=t0 + timedelta(minutes=61), fixed=True,
                   satisfaction="satisfied", close=True),
    ]
    t1 = at(10, 14)
    steps += [
        c.Record(ticket="B1", by="desk-wang", at=t1 + timedelta(minutes=3), received_at=t1,
                 source="owner_call", content="电梯异响", mode="immediate",
                 location="3号楼", contact="王先生", phone="13900000000",
                 reply="马上安排", asset="lift-3-1", area="A"),
        c.Dispatch(ticket="B1", by="desk-wang", category="engineering", to="eng-liu",
                   at=t1 + timedelta(minutes=4)),
        c.Confirm(ticket="B1", by="eng-liu", at=t1 + timedelta(minutes=5)),
    ]
    t2 = at(20, 10)
    steps += [
        c.Record(ticket="C1", by="desk-wang", at=t2 + timedelta(seconds=30), received_at=t2,
                 source="online", content="物业费缴费时间?", mode="immediate",
                 contact="赵女士", phone="13700000000", category="inquiry",
                 reply="每月1日至15日"),
        c.Complete(ticket="C1", by="desk-wang", at=t2 + timedelta(minutes=1)),
        c.Callback(ticket="C1", by="desk-wang", at=t2 + timedelta(minutes=2), fixed=True,
                   satisfaction="basically_satisfied", close=True),
    ]
    for cmd in steps:
        desk.handle(cmd)


def main(argv: list[str]) -> int:
    config = load_config(HERE / "propdesk.toml")
    desk = Desk(config, MemoryStore())
    run_month(desk)
    breaches = kpi.sla_breaches(config)
    events = list(desk.all_events())
    monthly = assemble.from_events(config, events, assemble.month(2026, 3, config.zone),
                                   breaches, kind="monthly")
    print(render.render_table(monthly, "zh"))
    if len(argv) > 1:
        out = Path(argv[1])
        out.mkdir(parents=True, exist_ok=True)
        (out / "monthly.json").write_text(render.render_json(monthly), encoding="utf-8")
        (out / "monthly.csv").write_bytes(render.render_csv(monthly))
        (out / "monthly.md").write_text(render.render_markdown(monthly), encoding="utf-8")
        (out / "monthly.html").write_text(html.render_html(monthly), encoding="utf-8")
        public = assemble.from_events(config, events, assemble.quarter(2026, 1, config.zone),
                                      breaches, kind="public")
        (out / "public.md").write_text(render.render_markdown(public), encoding="utf-8")
        (out / "public.html").write_text(html.render_html(public), encoding="utf-8")
        desk.publish_report(public.period.label, by="cs-lin", at=at(31, 12) + timedelta(days=5))
        print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Watch the time standards of two tickets, minute by minute.

Run:  python examples/sla_example.py

A Desk over the in-memory store with a manual clock and the example
community (``examples/propdesk.toml``).  A repair is dispatched late and its
assignee arrives late; an inquiry is answered by the desk and called back.
Each minute the "watcher" asks the Desk what fell due (each warning and
breach once), then the SLA status of both tickets is printed (JSON shape).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.memory import MemoryStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c

HERE = Path(__file__).parent
TZ = ZoneInfo("Asia/Shanghai")


def main() -> None:
    config = load_config(HERE / "propdesk.toml")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    clock = ManualClock(start)
    desk = Desk(config, MemoryStore(), clock=clock)

    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    script: dict[float, list[c.Command]] = {
        0.5: [c.Record(ticket="R1", by="desk-wang", at=at(0.5), received_at=at(0),
                       source="owner_call", content="厨房水管漏水", mode="immediate",
                       location="5-1-1202", contact="李女士", phone="13800000000", area="A",
                       reply="师傅马上到")],
        1: [c.Record(ticket="Q1", by="desk-wang", at=at(1), received_at=at(1),
                     source="owner_call", content="物业费怎么交", mode="immediate",
                     contact="王先生", phone="13700000000", category="inquiry")],
        3: [c.Dispatch(ticket="R1", by="desk-wang", at=at(3), category="engineering",
                       to="eng-zhao"),
            c.Complete(ticket="Q1", by="desk-wang", at=at(3), note="前台缴费或线上缴费")],
        4: [c.Confirm(ticket="R1", by="eng-zhao", at=at(4)),
            c.Callback(ticket="Q1", by="desk-wang", at=at(4), fixed=True,
                       satisfaction="satisfied", close=True)],
        5: [c.Acknowledge(ticket="R1", by="eng-zhao", at=at(5))],
        14: [c.Arrive(ticket="R1", by="eng-zhao", at=at(14))],
    }
    for step in range(0, 31):  # every half minute for 15 minutes
        minute = step / 2
        clock.set(at(minute))
        for cmd in script.get(minute, []):
            desk.handle(cmd)
        for alert in desk.due():
            local = alert.at.astimezone(TZ).strftime("%H:%M:%S")
            print(f"{at(minute):%H:%M:%S}  {alert.kind:7} {alert.ticket} {alert.rule} "
                  f"cycle {alert.cycle}: deadline {alert.deadline.astimezone(TZ):%H:%M:%S}"
                  f" (due {local})")
    print()
    print(f"SLA status at {at(15):%H:%M} (JSON shape, rules that apply):")
    for row in desk.sla_all():
        if row["status"] != "na":
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()

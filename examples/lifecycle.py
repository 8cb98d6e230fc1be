"""Take one repair ticket and one emergency through their whole life.

Run:  python examples/lifecycle.py

Uses the library directly: a Desk over the in-memory store and a manual
clock, with the example community of ``examples/propdesk.toml``.  Prints
each ticket's history in the community's time zone.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.memory import MemoryStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.labels import COMMAND_LABELS, STATE_LABELS, label

HERE = Path(__file__).parent
TZ = ZoneInfo("Asia/Shanghai")


def pad(text: str, width: int) -> str:
    """Pad to a display width (Chinese characters take two columns)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def main() -> None:
    config = load_config(HERE / "propdesk.toml")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
    clock = ManualClock(start)
    desk = Desk(config, MemoryStore(), clock=clock)

    def at(minutes: float) -> datetime:
        return start + timedelta(minutes=minutes)

    # -- a routine repair: a leaking kitchen pipe in building 5 (area A) ------
    steps: list[c.Command] = [
        c.Record(ticket="A1", by="desk-wang", at=at(0.6), received_at=at(0),
                 source="owner_call", content="厨房水管漏水", mode="immediate",
                 location="5-1-1202", contact="李女士", phone="13800000000",
                 area="A", reply="师傅十分钟内到"),
        c.Dispatch(ticket="A1", by="desk-wang", at=at(1.5), category="engineering"),
        c.Confirm(ticket="A1", by="eng-zhao", at=at(1.75)),
        c.Acknowledge(ticket="A1", by="eng-zhao", at=at(3)),
        c.Arrive(ticket="A1", by="eng-zhao", at=at(9)),
        c.Diagnose(ticket="A1", by="eng-zhao", at=at(11), diagnosis="水龙头阀芯损坏"),
        c.Plan(ticket="A1", by="eng-zhao", at=at(13), fees=(c.FeeItem(code="E01", qty="1"),),
               note="更换水龙头"),
        c.Agree(ticket="A1", by="eng-zhao", at=at(15), schedule_shown=True),
        c.Complete(ticket="A1", by="eng-zhao", at=at(40), charge="30.00",
                   materials=(c.MaterialItem(name="水龙头", qty="1"),)),
        c.Accept(ticket="A1", by="eng-zhao", at=at(42), signer="李女士", owner_copy=True),
        c.Return(ticket="A1", by="desk-wang", at=at(55)),
        c.Callback(ticket="A1", by="desk-wang", at=at(56), fixed=True,
                   satisfaction="satisfied", charge_ok=True, close=True),
    ]
    # -- an emergency: water pouring from the pump room (area B) -------------
    steps += [
        c.Record(ticket="E1", by="desk-wang", at=at(60.5), received_at=at(60),
                 source="owner_call", content="水泵房漏水严重", mode="emergency",
                 location="1号水泵房", contact="张先生", phone="13900000000",
                 area="B", asset="pump-1", reply="已通知工程部赶往现场"),
        c.Dispatch(ticket="E1", by="desk-wang", at=at(61), category="engineering"),
        c.Confirm(ticket="E1", by="eng-liu", at=at(61.25)),
        c.Arrive(ticket="E1", by="eng-liu", at=at(66)),          # site first (S-14)
        c.FollowUp(ticket="E1", by="eng-liu", at=at(70), note="已关闭总阀，阶段性处理完成"),
        c.Diagnose(ticket="E1", by="eng-liu", at=at(72), diagnosis="出水管接头破裂"),
        c.Plan(ticket="E1", by="eng-liu", at=at(74), note="更换接头"),
        c.Agree(ticket="E1", by="eng-liu", at=at(75)),
        c.Acknowledge(ticket="E1", by="eng-liu", at=at(80)),     # sign for the form after
        c.Complete(ticket="E1", by="eng-liu", at=at(120)),
        c.Accept(ticket="E1", by="eng-liu", at=at(125), signer="张先生"),
        c.Return(ticket="E1", by="desk-wang", at=at(130)),
        c.Callback(ticket="E1", by="desk-wang", at=at(131), fixed=True,
                   satisfaction="basically_satisfied", charge_ok=None),
        c.Close(ticket="E1", by="desk-wang", at=at(132)),
    ]
    notices = 0
    for step in steps:
        clock.set(step.at or clock.now())
        result = desk.handle(step)
        notices += len(result.notices)

    for ticket_id in ("A1", "E1"):
        ticket = desk.ticket(ticket_id)
        print(f"== {ticket.id}  {label(STATE_LABELS, ticket.state.value)} / {ticket.state.value}"
              f"  category={ticket.category} mode={ticket.mode.value}"
              f" rework={ticket.rework_count}")
        for event in desk.events_of(ticket_id):
            local = event.at.astimezone(TZ).strftime("%H:%M:%S")
            what = label(COMMAND_LABELS, event.kind)
            print(f"  {event.version:>2} {local}  {event.kind:<15} {pad(what, 14)} by {event.by}")
        print()
    print(f"notices for the first receiver, assignees and supervisors: {notices}")


if __name__ == "__main__":
    main()

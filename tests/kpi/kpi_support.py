"""Builders for the KPI tests: a community, and a script that drives a Desk
through whole ticket lifecycles so fixtures are real event streams."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from propdesk.adapters.memory import MemoryStore
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.config import Asset, Community, Config, Department, Person, Shift
from propdesk.domain.enums import Role
from propdesk.domain.events import Event
from propdesk.domain.model import Ticket

SH = ZoneInfo("Asia/Shanghai")
OWNER = "李女士"
PHONE = "13800000000"
ROOM = "5-1-1202"


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


def build_config() -> Config:
    depts = [
        Department("engineering", "工程部", ("engineering",), "eng-chief"),
        Department("order", "秩序部", ("security", "fire"), "sec-chief"),
        Department("environment", "环境部", ("cleaning",), "env-chief"),
        Department("service", "客服部", ("complaint", "help", "inquiry"), "cs-chief"),
    ]
    people = [
        Person("desk-wang", "王前台", Role.DESK, "service"),
        Person("eng-chief", "刘工程主管", Role.SUPERVISOR, "engineering"),
        Person("eng-zhao", "赵师傅", Role.RESPONSIBLE, "engineering", ("A",)),
        Person("sec-chief", "秩序主管", Role.SUPERVISOR, "order"),
        Person("sec-wu", "吴保安", Role.RESPONSIBLE, "order", ("A",)),
        Person("env-chief", "环境主管", Role.SUPERVISOR, "environment"),
        Person("env-ma", "马保洁", Role.RESPONSIBLE, "environment"),
        Person("cs-chief", "客服主管", Role.SUPERVISOR, "service"),
        Person("cs-he", "何客服", Role.RESPONSIBLE, "service"),
        Person("comm-zhou", "周主管", Role.COMMUNITY_SUPERVISOR),
        Person("foreman-sun", "孙领班", Role.FOREMAN),
        Person("gm-chen", "陈经理", Role.MANAGER),
    ]
    shifts = [Shift(tuple(p.id for p in people), "00:00", "24:00")]
    assets = [Asset("lift-1", "1号楼1号电梯", "lift", "A"),
              Asset("lift-2", "2号楼1号电梯", "lift", "A"),
              Asset("pump-1", "生活水泵", "pump", "B")]
    return Config.build(community=Community(name="海德花园"), departments=depts,
                        people=people, shifts=shifts, assets=assets)


ASSIGNEE = {"engineering": "eng-zhao", "security": "sec-wu", "fire": "sec-wu",
            "cleaning": "env-ma", "complaint": "cs-he", "help": "cs-he", "inquiry": "cs-he"}


class Script:
    """Drives a Desk; every step is one minute after the previous one of the ticket."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or build_config()
        self.desk = Desk(self.config, MemoryStore())
        self.clock: dict[str, datetime] = {}

    def _at(self, tid: str, at: datetime | None, step: timedelta) -> datetime:
        when = at or self.clock[tid] + step
        self.clock[tid] = when
        return when

    def do(self, cmd: type[c.Command], tid: str, by: str = "desk-wang", *,
           at: datetime | None = None, step: timedelta = timedelta(minutes=1),
           **kw: Any) -> Ticket:
        when = self._at(tid, at, step)
        return self.desk.handle(cmd(ticket=tid, by=by, at=when, **kw)).ticket

    def record(self, tid: str, received: datetime, category: str | None, *,
               delay: timedelta = timedelta(seconds=30), **kw: Any) -> Ticket:
        args: dict[str, Any] = {"source": "owner_call", "content": f"{OWNER}家中报事 {ROOM}",
                                "mode": "immediate", "location": ROOM, "contact": OWNER,
                                "phone": PHONE, "category": category,
                                "reply": "马上安排"}
        args.update(kw)
        self.clock[tid] = received + delay
        return self.desk.handle(c.Record(ticket=tid, by="desk-wang", at=received + delay,
                                         received_at=received, **args)).ticket

    def work(self, tid: str, category: str) -> Ticket:
        """dispatch … complete: the assignee's steps up to awaiting acceptance."""
        who = ASSIGNEE[category]
        self.do(c.Dispatch, tid, category=category, to=who)
        for cmd in (c.Confirm, c.Acknowledge, c.Arrive):
            self.do(cmd, tid, who)
        self.do(c.Diagnose, tid, who, diagnosis="阀门老化")
        self.do(c.Plan, tid, who)
        self.do(c.Agree, tid, who)
        return self.do(c.Complete, tid, who)

    def accept_and_return(self, tid: str, category: str) -> Ticket:
        who = ASSIGNEE[category]
        self.do(c.Accept, tid, who, signer=OWNER)
        return self.do(c.Return, tid)

    def callback(self, tid: str, satisfaction: str = "satisfied", *, fixed: bool = True,
                 close: bool = True) -> Ticket:
        return self.do(c.Callback, tid, fixed=fixed, satisfaction=satisfaction, close=close)

    def full(self, tid: str, received: datetime, category: str,
             satisfaction: str = "satisfied", **kw: Any) -> Ticket:
        self.record(tid, received, category, **kw)
        self.work(tid, category)
        self.accept_and_return(tid, category)
        return self.callback(tid, satisfaction)

    def events(self) -> list[Event]:
        return list(self.desk.all_events())


MARCH = (local(2026, 3, 1), local(2026, 4, 1))


def record_delay_breaches(ticket: Ticket, at: datetime) -> list[str]:
    """A stand-in SLA rule for hand computation: S-1, recorded within 60 s of receipt."""
    return ["S-1"] if (ticket.recorded_at - ticket.received_at).total_seconds() > 60 else []


def march_scenario() -> Script:
    """The hand-computed month (see test_indicators.py for the expected figures)."""
    s = Script()
    # E1 engineering on lift-1, all fine; down 09:00:00 .. completion
    s.full("E1", local(2026, 3, 2, 9), "engineering", asset="lift-1")
    # E2 engineering: the first acceptance fails -> rework -> passes; basically satisfied
    s.record("E2", local(2026, 3, 3, 9), "engineering")
    s.work("E2", "engineering")
    s.do(c.Reject, "E2", "eng-zhao", signer=OWNER, opinion="仍漏水")
    s.work("E2", "engineering")
    s.accept_and_return("E2", "engineering")
    s.callback("E2", "basically_satisfied")
    # E3 engineering recorded 5 minutes late (S-1 breached); dissatisfied
    s.full("E3", local(2026, 3, 4, 9), "engineering", "dissatisfied",
           delay=timedelta(minutes=5))
    # E6 engineering: the callback finds it not fixed -> rework; second callback satisfied
    s.record("E6", local(2026, 3, 5, 9), "engineering")
    s.work("E6", "engineering")
    s.accept_and_return("E6", "engineering")
    s.callback("E6", "dissatisfied", fixed=False)
    s.work("E6", "engineering")
    s.accept_and_return("E6", "engineering")
    s.callback("E6", "satisfied")
    # C1 complaint resolved at the desk, contact amended, closed
    s.record("C1", local(2026, 3, 6, 9), "complaint")
    s.do(c.Amend, "C1", field="contact", value="李女士(业主)", reason="更正称呼")
    s.do(c.Complete, "C1", note="已当面致歉")
    s.callback("C1")
    # C2 complaint dispatched, still in progress at the end of March
    s.record("C2", local(2026, 3, 7, 9), "complaint")
    s.do(c.Dispatch, "C2", to="cs-he")
    s.do(c.Confirm, "C2", "cs-he")
    # I1 inquiry without a location (fine for inquiries), desk-resolved, called back
    # (not closed); the foreman's sampled callback agrees
    s.record("I1", local(2026, 3, 8, 9), "inquiry", location=None)
    s.do(c.Complete, "I1")
    s.callback("I1", close=False)
    s.do(c.SampleCallback, "I1", "foreman-sun", fixed=True, satisfaction="satisfied")
    # H1 help without a phone (incomplete), reclassified to inquiry, desk-resolved and
    # closed; the sampled callback disagrees
    s.record("H1", local(2026, 3, 9, 9), "help", phone=None)
    s.do(c.Classify, "H1", category="inquiry")
    s.do(c.Complete, "H1")
    s.callback("H1")
    s.do(c.SampleCallback, "H1", "comm-zhou", fixed=True, satisfaction="dissatisfied")
    # X1 cleaning, amended then cancelled: counts in K-2 and K-3 only
    s.record("X1", local(2026, 3, 10, 9), "cleaning")
    s.do(c.Amend, "X1", field="location", value="5-1-1203", reason="门牌号记错")
    s.do(c.Cancel, "X1", reason="业主自行处理", confirmed_by_source=True)
    # S1 security, a major incident, dispatched and open
    s.record("S1", local(2026, 3, 11, 22), "security", major_incident=True)
    s.do(c.Dispatch, "S1", to="sec-wu")
    # U1 recorded unclassified (not in K-3's denominator)
    s.record("U1", local(2026, 3, 12, 9), None)
    # E4 engineering on lift-2 received in February, still open: lift-2 down all March
    s.record("E4", local(2026, 2, 20, 9), "engineering", asset="lift-2")
    s.do(c.Dispatch, "E4", to="eng-zhao")
    # E5 engineering on lift-1 received 31 March 23:55; completed (00:03:30), accepted
    # and called back in April: at the end of March it is open and lift-1 is down
    s.full("E5", local(2026, 3, 31, 23, 55), "engineering", asset="lift-1")
    # N1 received in April: not in March
    s.full("N1", local(2026, 4, 1, 0, 0, 1), "engineering", asset="pump-1")
    return s

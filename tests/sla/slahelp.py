"""Builders for the SLA tests: a small community and a ticket driven through
the pure core (``decide`` + ``evolve``) at exact times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from propdesk.domain import commands as c
from propdesk.domain.config import Community, Config, Department, Person, Shift, SlaSettings
from propdesk.domain.decide import Context, decide
from propdesk.domain.enums import Role
from propdesk.domain.fold import evolve
from propdesk.domain.model import Ticket
from propdesk.domain.sla import Outcome, SlaRules, evaluate

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # a Monday, 09:00 local = 01:00 UTC


def t(seconds: float) -> datetime:
    """``T0`` plus ``seconds`` (in UTC, as the store keeps times)."""
    return (T0 + timedelta(seconds=seconds)).astimezone(UTC)


def build_config(*, timezone: str = "Asia/Shanghai", meeting: str = "09:00",
                 allowances: Mapping[str, int | None] | None = None,
                 warn_at: float = 0.8) -> Config:
    depts = [
        Department("engineering", "工程部", ("engineering",), "eng-chief"),
        Department("order", "秩序部", ("security", "fire"), "sec-chief"),
        Department("environment", "环境部", ("cleaning",), "env-chief"),
        Department("service", "客服部", ("complaint", "help", "inquiry"), "svc-chief"),
    ]
    people = [
        Person("desk-wang", "王前台", Role.DESK, "service"),
        Person("eng-zhao", "赵师傅", Role.RESPONSIBLE, "engineering", ("A",)),
        Person("eng-liu", "刘师傅", Role.RESPONSIBLE, "engineering", ("B",)),
        Person("eng-chief", "工程主管", Role.SUPERVISOR, "engineering"),
        Person("sec-sun", "孙保安", Role.RESPONSIBLE, "order", ("A",)),
        Person("sec-chief", "秩序主管", Role.SUPERVISOR, "order"),
        Person("env-chief", "环境主管", Role.SUPERVISOR, "environment"),
        Person("svc-he", "何客服", Role.RESPONSIBLE, "service"),
        Person("svc-chief", "客服主管", Role.SUPERVISOR, "service"),
        Person("mgr-gao", "高经理", Role.MANAGER),
    ]
    shifts = [Shift(tuple(p.id for p in people), "00:00", "24:00")]
    return Config.build(
        community=Community(name="海德花园", timezone=timezone, meeting_time=meeting),
        departments=depts, people=people, shifts=shifts,
        sla=SlaSettings(allowances=dict(allowances or {}), warn_at=warn_at))


DESK = "desk-wang"
DESK_COMMANDS = (c.Dispatch, c.Return, c.Callback, c.Close, c.Reply, c.Escalate, c.Transfer,
                 c.Cancel, c.Classify, c.Amend, c.FollowUp)


class TicketBuilder:
    """One ticket, changed by commands at given times (seconds after ``T0`` or datetimes)."""

    def __init__(self, config: Config, ticket: str = "A1") -> None:
        self.config = config
        self.ctx = Context(config)
        self.id = ticket
        self.ticket: Ticket | None = None
        self.history: list[Ticket] = []

    @property
    def now(self) -> Ticket:
        assert self.ticket is not None
        return self.ticket

    def do(self, cls: type[c.Command], when: float | datetime, **kw: Any) -> TicketBuilder:
        at = when if isinstance(when, datetime) else t(when)
        if "by" not in kw:
            if cls is c.Record or cls in DESK_COMMANDS or (
                    cls is c.Complete and self.ticket is not None
                    and self.ticket.work_order is None):
                kw["by"] = DESK
            else:
                assignee = self.now.assignee
                assert assignee is not None, "no current work order"
                kw["by"] = assignee
        cmd = cls(ticket=self.id, at=at, **kw)
        for event in decide(self.ticket, cmd, self.ctx):
            self.ticket = evolve(self.ticket, event)
        self.history.append(self.now)
        return self

    # shorthands -------------------------------------------------------

    def record(self, when: float | datetime = 0, *, received: float | datetime | None = None,
               mode: str = "immediate", source: str = "owner_call", **kw: Any
               ) -> TicketBuilder:
        rec = received if received is not None else when
        kw.setdefault("content", "厨房水管漏水")
        kw.setdefault("location", "5-1-1202")
        if source in ("owner_call", "walk_in", "online"):
            kw.setdefault("contact", "李女士")
            kw.setdefault("phone", "13800000000")
        return self.do(c.Record, when, received_at=rec if isinstance(rec, datetime) else t(rec),
                       source=source, mode=mode, area="A", **kw)

    def dispatch(self, when: float, to: str = "eng-zhao", category: str = "engineering",
                 **kw: Any) -> TicketBuilder:
        return self.do(c.Dispatch, when, to=to, category=category, **kw)

    def to_in_progress(self, start: float, step: float = 10) -> TicketBuilder:
        """Dispatch … agree from ``start``, one ``step`` apart (immediate or emergency)."""
        s = start
        self.dispatch(s)
        for cls, kw in ((c.Confirm, {}), (c.Acknowledge, {}), (c.Arrive, {}),
                        (c.Diagnose, {"diagnosis": "阀芯损坏"}), (c.Plan, {}), (c.Agree, {})):
            s += step
            self.do(cls, s, **kw)
        return self

    def finish(self, start: float, step: float = 10) -> float:
        """complete, accept, return from ``start``; returns the return's time."""
        self.do(c.Complete, start)
        self.do(c.Accept, start + step, signer="李女士")
        self.do(c.Return, start + 2 * step)
        return start + 2 * step


def rules_of(config: Config) -> SlaRules:
    return SlaRules.from_config(config)


def outcome(ticket: Ticket, rules: SlaRules, rule: str, at: float | datetime, cycle: int = 1,
            occurrence: int = 1) -> Outcome:
    when = at if isinstance(at, datetime) else t(at)
    found = [o for o in evaluate(ticket, rules, when)
             if o.rule == rule and o.cycle == cycle and o.occurrence == occurrence]
    assert len(found) == 1, f"{rule} cycle {cycle} #{occurrence}: {found}"
    return found[0]

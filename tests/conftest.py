"""Shared fixtures: the example community, a Desk over the in-memory store on a
manual clock, and a small driver that takes a ticket to any stage."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.memory import MemoryStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.config import Config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "examples" / "propdesk.toml"
SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday, 09:00 local


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def desk(config: Config, clock: ManualClock) -> Desk:
    return Desk(config, MemoryStore(), clock=clock)


def at(minutes: float) -> datetime:
    """T0 plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)


class Driver:
    """Drives a ticket through the lifecycle with sensible defaults, one minute
    apart, so tests can reach any state in one line."""

    def __init__(self, desk: Desk, ticket: str = "A1", mode: str = "immediate",
                 category: str = "engineering", start: float = 0) -> None:
        self.desk = desk
        self.ticket = ticket
        self.mode = mode
        self.category = category
        self.minute = start

    def tick(self) -> datetime:
        self.minute += 1
        return at(self.minute)

    def do(self, cls: Callable[..., c.Command], **kw: object) -> None:
        kw.setdefault("ticket", self.ticket)
        kw.setdefault("at", self.tick())
        self.desk.handle(cls(**kw))

    def record(self, **kw: object) -> Driver:
        args: dict[str, object] = dict(
            by="desk-wang", received_at=at(self.minute), source="owner_call",
            content="厨房水管漏水", mode=self.mode, location="5-1-1202", contact="李女士",
            phone="13800000000", area="A", reply="收到，马上安排")
        if self.mode == "appointment":
            args["appointment_at"] = at(self.minute + 180)
        args.update(kw)
        self.do(c.Record, **args)
        return self

    @property
    def assignee(self) -> str:
        a = self.desk.ticket(self.ticket).assignee
        assert a is not None
        return a

    def to(self, stage: str) -> Driver:
        """Advance to ``stage`` (a state name) along the main path."""
        order = ["recorded", "dispatched", "confirmed", "acknowledged", "on_site", "diagnosed",
                 "planned", "in_progress", "completed", "accepted", "returned", "called_back",
                 "closed"]
        if not self.desk.store.version(self.ticket):
            self.record()
        state = self.desk.ticket(self.ticket).state.value
        wo = self.desk.ticket(self.ticket).work_order
        current = "diagnosed" if state == "on_site" and wo and wo.diagnosed_at else state
        for step in order[order.index(current) + 1: order.index(stage) + 1]:
            self._step(step)
        return self

    def _step(self, step: str) -> None:
        if step == "dispatched":
            self.do(c.Dispatch, by="desk-wang", category=self.category)
        elif step == "confirmed":
            self.do(c.Confirm, by=self.assignee)
        elif step == "acknowledged":
            self.do(c.Acknowledge, by=self.assignee)
        elif step == "on_site":
            self.do(c.Arrive, by=self.assignee)
        elif step == "diagnosed":
            self.do(c.Diagnose, by=self.assignee, diagnosis="阀芯损坏")
        elif step == "planned":
            self.do(c.Plan, by=self.assignee, fees=(c.FeeItem(code="E01", qty="1"),))
        elif step == "in_progress":
            self.do(c.Agree, by=self.assignee, schedule_shown=True)
        elif step == "completed":
            self.do(c.Complete, by=self.assignee, charge="30.00")
        elif step == "accepted":
            self.do(c.Accept, by=self.assignee, signer="李女士")
        elif step == "returned":
            self.do(c.Return, by="desk-wang")
        elif step == "called_back":
            self.do(c.Callback, by="desk-wang", fixed=True, satisfaction="satisfied",
                    charge_ok=True)
        elif step == "closed":
            self.do(c.Close, by="desk-wang")


@pytest.fixture
def drive(desk: Desk) -> Callable[..., Driver]:
    def make(ticket: str = "A1", **kw: object) -> Driver:
        return Driver(desk, ticket, **kw)  # type: ignore[arg-type]
    return make

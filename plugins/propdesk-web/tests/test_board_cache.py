"""The board's per-ticket SLA state cache gives what a fresh evaluation gives,
at every time around every instant of the ticket's clocks, in any order."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from propdesk_web.queries import SlaView

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.memory import MemoryStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c

from .conftest import EXAMPLE, T0


def test_cached_state_equals_a_fresh_one() -> None:
    config = load_config(EXAMPLE)
    desk = Desk(config, MemoryStore(), clock=ManualClock(T0))
    at = T0
    desk.handle(c.Record(ticket="A", by="desk-wang", at=at, received_at=at, source="owner_call",
                         content="漏水", mode="immediate", location="1-1-101", contact="李",
                         phone="13800000000"))
    desk.handle(c.Dispatch(ticket="A", by="desk-wang", at=at + timedelta(seconds=30),
                           category="engineering", to="eng-zhao"))
    desk.handle(c.Confirm(ticket="A", by="eng-zhao", at=at + timedelta(seconds=200)))
    t = desk.ticket("A")
    cached = SlaView(config)
    warn = cached.rules.warn_at
    instants = sorted({x for clock in cached.clocks(t) for x in clock[3:7] if x is not None}
                      | {k[3] + (k[4] - k[3]) * warn for k in cached.clocks(t)})
    times = [x + timedelta(seconds=d) for x in instants for d in (-1, 0, 1)]
    times += [x + (y - x) / 2 for x, y in itertools.pairwise(instants)]
    rng = random.Random(18)
    for order in (sorted(times), sorted(times, reverse=True), rng.sample(times, len(times))):
        for when in order:
            assert cached.state(t, when) == SlaView(config).state(t, when), when

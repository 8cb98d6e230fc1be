"""A deterministic desk workload: real desk commands for many tickets, interleaved in time.

Each ticket is recorded, dispatched to the area's technician, read
back, signed for, reached, diagnosed, planned with a fee, agreed, completed,
accepted, returned, called back and closed; some get a reply or a follow-up
on the way, some an amendment.  Tickets start 40 seconds apart and their
commands are merged in time order, as at a real desk.  Used by the storage
and core benchmarks.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from propdesk.domain import commands as c

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def _ticket_script(n: int, rng: random.Random) -> list[tuple[float, c.Command]]:
    tid = f"T{n:06d}"
    t = n * 40.0
    steps: list[tuple[float, c.Command]] = []

    def add(delay: float, cmd: c.Command) -> None:
        nonlocal t
        t += delay
        steps.append((t, cmd))

    area = "A" if n % 2 else "B"
    who = "eng-zhao" if area == "A" else "eng-liu"
    add(30, c.Record(ticket=tid, by="desk-wang", received_at=START + timedelta(seconds=t),
                     source="owner_call", content=f"{n % 30 + 1}号楼 厨房水管漏水",
                     mode="immediate",
                     location=f"{n % 30 + 1}-1-{1201 + n % 7}", contact="李女士",
                     phone="13800000000", area=area, reply="师傅十分钟内到"))
    add(50, c.Dispatch(ticket=tid, by="desk-wang", category="engineering", to=who))
    for delay, cls in ((15, c.Confirm), (120, c.Acknowledge), (300, c.Arrive)):
        add(delay, cls(ticket=tid, by=who))
    add(120, c.Diagnose(ticket=tid, by=who, diagnosis="阀芯损坏"))
    add(90, c.Plan(ticket=tid, by=who, fees=(c.FeeItem(code="E01", qty="1"),)))
    add(60, c.Agree(ticket=tid, by=who, schedule_shown=True))
    if rng.random() < 0.25:
        add(60, c.FollowUp(ticket=tid, by="desk-wang", note="已催促进度"))
    if rng.random() < 0.25:
        add(30, c.Reply(ticket=tid, by="desk-wang", text="师傅正在处理", answers=False))
    add(rng.uniform(600, 2400), c.Complete(ticket=tid, by=who, charge="30.00"))
    add(120, c.Accept(ticket=tid, by=who, signer="李女士", owner_copy=True))
    add(600, c.Return(ticket=tid, by="desk-wang"))
    add(60, c.Callback(ticket=tid, by="desk-wang", fixed=True, satisfaction="satisfied",
                       charge_ok=True))
    add(30, c.Close(ticket=tid, by="desk-wang"))
    return steps


def commands(tickets: int, seed: int = 7) -> Iterator[c.Command]:
    """The commands of ``tickets`` tickets, in time order, with ``at`` set."""
    rng = random.Random(seed)
    heap: list[tuple[float, int, int, c.Command]] = []
    seq = 0
    for n in range(tickets):
        for when, cmd in _ticket_script(n, rng):
            heapq.heappush(heap, (when, seq, n, cmd))
            seq += 1
    while heap:
        when, _seq, _n, cmd = heapq.heappop(heap)
        yield _at(cmd, START + timedelta(seconds=when))


def _at(cmd: c.Command, when: datetime) -> c.Command:
    import attrs

    return attrs.evolve(cmd, at=when)

"""Random event histories for the KPI projection's properties: a few tickets,
each living a random life of commands decided by the production ``decide``
(refusals skipped), with classifications, amendments (also of the asset),
reworks, transfers, cancellations, callbacks and sampled callbacks, at times
that jump by microseconds, seconds or days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from tests.kpi.kpi_support import ASSIGNEE, build_config

from propdesk.domain import commands as c
from propdesk.domain.decide import Context, decide
from propdesk.domain.enums import CommandName as C
from propdesk.domain.errors import DomainError
from propdesk.domain.events import Event
from propdesk.domain.fold import evolve
from propdesk.domain.lifecycle import allowed_commands
from propdesk.domain.model import Ticket

CONFIG = build_config()
CONTEXT = Context(CONFIG)
RESOLVABLE = CONTEXT.desk_resolvable
DESK = "desk-wang"
T0 = datetime(2026, 3, 30, 1, 0, tzinfo=UTC)
CATEGORIES = ("engineering", "engineering", "inquiry", "complaint", "help", "security")
ANSWERS = ("satisfied", "basically_satisfied", "dissatisfied")
CHARGES: tuple[dict[str, Any], ...] = (
    {}, {"charge": "0.00"}, {"charge": "30.00", "charge_reason": "加收材料费"})
"""A completion's charge: none, nothing, or one other than the (fee-less) plan."""

gaps = (st.integers(0, 400).map(lambda s: timedelta(seconds=s))
        | st.sampled_from([0, 1, 59, 60, 61, 90, 120, 180, 600, 900, 3600, 86400])
        .map(lambda s: timedelta(seconds=s))
        | st.integers(1, 3_000_000).map(lambda u: timedelta(microseconds=u)))


def record_command(data: st.DataObject, tid: str, at: datetime) -> c.Record:
    mode = data.draw(st.sampled_from(["immediate", "immediate", "appointment", "emergency"]))
    kw: dict[str, Any] = {}
    if mode == "appointment":
        kw["appointment_at"] = at + timedelta(seconds=data.draw(st.integers(60, 6 * 3600)))
    category = data.draw(st.sampled_from((None, *CATEGORIES)))
    lag = timedelta(microseconds=data.draw(st.integers(0, 150_000_000)))
    return c.Record(
        ticket=tid, by=DESK, at=at, received_at=at - lag, source=data.draw(
            st.sampled_from(["owner_call", "online", "property_internal"])),
        content="漏水", mode=mode, category=category, area="A",
        location=data.draw(st.sampled_from(["5-1-1202", None])),
        contact="李女士", phone=data.draw(st.sampled_from(["13800000000", None])),
        reply=data.draw(st.sampled_from(["收到", None])),
        asset=data.draw(st.sampled_from([None, None, "lift-1", "pump-1"])),
        major_incident=category == "security" and data.draw(st.booleans()), **kw)


def next_command(data: st.DataObject, t: Ticket, at: datetime, asset_amends: bool = True
                 ) -> c.Command | None:
    names = [n for n in allowed_commands(t, RESOLVABLE) if n is not C.RECORD]
    if not names:
        return None
    name = data.draw(st.sampled_from(names))
    desk: dict[str, Any] = {"ticket": t.id, "at": at, "by": DESK}
    worker: dict[str, Any] = {"ticket": t.id, "at": at, "by": t.assignee or DESK}
    if name is C.DISPATCH:
        cat = data.draw(st.sampled_from((t.category or "engineering", *CATEGORIES)))
        extra: dict[str, Any] = {}
        if t.cycle > 1 and data.draw(st.booleans()):
            extra["appointment_at"] = at + timedelta(seconds=data.draw(st.integers(60, 20000)))
        return c.Dispatch(**desk, to=ASSIGNEE[cat], category=cat, **extra)
    if name is C.COMPLETE and t.work_order is None:
        return c.Complete(**desk, **data.draw(st.sampled_from(CHARGES)))
    if name is C.CLASSIFY:
        return c.Classify(**desk, category=data.draw(st.sampled_from(CATEGORIES)))
    if name is C.AMEND:
        fields = ["location", "phone", "asset", "asset"] if asset_amends else ["location"]
        field = data.draw(st.sampled_from(fields))
        value = data.draw(st.sampled_from(["lift-1", "lift-2", None])) if field == "asset" \
            else "改"
        return c.Amend(**desk, field=field, value=value, reason="更正")
    if name is C.CALLBACK:
        return c.Callback(**desk, fixed=data.draw(st.booleans()),
                          satisfaction=data.draw(st.sampled_from(ANSWERS)),
                          close=data.draw(st.booleans()),
                          charge_ok=data.draw(st.sampled_from(
                              (True, False) if t.charged else (None, True, False))))
    if name is C.SAMPLE_CALLBACK:
        return c.SampleCallback(ticket=t.id, at=at,
                                by=data.draw(st.sampled_from(["comm-zhou", "foreman-sun"])),
                                fixed=data.draw(st.booleans()),
                                satisfaction=data.draw(st.sampled_from(ANSWERS)))
    if name is C.ESCALATE:
        if t.escalation_level >= 2:
            return None
        return c.Escalate(**desk, level=t.escalation_level + 1, reason="上报")
    simple: dict[C, Any] = {  # (CHARGES: R-62's paid-service counts)
        C.CONFIRM: lambda: c.Confirm(**worker),
        C.ACKNOWLEDGE: lambda: c.Acknowledge(**worker),
        C.CONTACT_OWNER: lambda: c.ContactOwner(**worker),
        C.ARRIVE: lambda: c.Arrive(**worker),
        C.DIAGNOSE: lambda: c.Diagnose(**worker, diagnosis="阀芯损坏"),
        C.PLAN: lambda: c.Plan(**worker),
        C.AGREE: lambda: c.Agree(**worker),
        C.UNABLE: lambda: c.UnableToHandle(**worker, reason="需协调"),
        C.COMPLETE: lambda: c.Complete(**worker, **data.draw(st.sampled_from(CHARGES))),
        C.ACCEPT: lambda: c.Accept(**worker, signer="李女士"),
        C.REJECT: lambda: c.Reject(**worker, signer="李女士"),
        C.RETURN: lambda: c.Return(**desk),
        C.CLOSE: lambda: c.Close(**desk),
        C.REPLY: lambda: c.Reply(**desk, text="答复", answers=data.draw(st.booleans())),
        C.FOLLOW_UP: lambda: c.FollowUp(**desk, note="跟进"),
        C.CANCEL: lambda: c.Cancel(**desk, reason="撤销", confirmed_by_source=True),
        C.TRANSFER: lambda: c.Transfer(**desk, to="sec-wu" if t.assignee != "sec-wu"
                                       else "eng-zhao", reason="转派"),
    }
    return simple[name]()  # type: ignore[no-any-return]


def history(data: st.DataObject, *, tickets: int = 3, steps: int = 40,
            asset_amends: bool = True) -> tuple[list[Event], list[c.Command]]:
    """A log of ``tickets`` tickets' interleaved lives (each ticket's events in
    time order, the log in time order), and the accepted commands in order.

    ``decide`` currently fails on amending the asset (``_choice`` is given a
    list: TypeError); such amendments are written as the event ``decide``
    means to produce, and the commands of such a history cannot be replayed
    through a Desk (pass ``asset_amends=False`` for that)."""
    now = T0
    view: dict[str, Ticket | None] = {}
    log: list[Event] = []
    accepted: list[c.Command] = []
    n = data.draw(st.integers(1, tickets))
    for _ in range(data.draw(st.integers(1, steps))):
        now = now + data.draw(gaps)
        tid = f"T{data.draw(st.integers(1, n))}"
        t = view.get(tid)
        cmd = record_command(data, tid, now) if t is None else next_command(
            data, t, now, asset_amends)
        if cmd is None:
            continue
        try:
            events = decide(t, cmd, CONTEXT)
        except DomainError:
            continue
        except TypeError:
            assert t is not None and isinstance(cmd, c.Amend) and cmd.field == "asset"
            events = [Event(tid, t.version + 1, "amend", now, DESK, {
                "field": "asset", "old": t.asset, "new": cmd.value, "reason": cmd.reason})]
        for e in events:
            t = evolve(t, e)
        view[tid] = t
        log.extend(events)
        accepted.append(cmd)
    return log, accepted

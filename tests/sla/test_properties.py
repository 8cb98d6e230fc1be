"""Hypothesis properties over random ticket lives:

* adding events never removes a breach, never shrinks an overrun and never
  moves a deadline earlier (S-20);
* "due" never reports the same warning or breach twice, reports in time
  order, and has reported every breach by the time it is asked (S-21).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.sla.slahelp import DESK, TicketBuilder, build_config, t

from propdesk.domain import commands as c
from propdesk.domain.decide import Context
from propdesk.domain.enums import CommandName as C
from propdesk.domain.errors import DomainError
from propdesk.domain.lifecycle import allowed_commands
from propdesk.domain.model import Ticket
from propdesk.domain.sla import SlaRules, evaluate

CONFIG = build_config()
RULES = SlaRules.from_config(CONFIG)
RESOLVABLE = Context(CONFIG).desk_resolvable
SKIP = {C.RECORD, C.AMEND, C.SAMPLE_CALLBACK, C.CLASSIFY}


def record_command(data: st.DataObject, tid: str, at: datetime) -> c.Record:
    mode = data.draw(st.sampled_from(["immediate", "immediate", "appointment", "emergency"]))
    owner = data.draw(st.booleans())
    kw: dict[str, Any] = {}
    if mode == "appointment":
        kw["appointment_at"] = at + timedelta(seconds=data.draw(st.integers(60, 6 * 3600)))
    if data.draw(st.booleans()):
        kw["reply"] = "收到"
    category = data.draw(st.sampled_from([None, "engineering", "inquiry", "complaint"]))
    lag = data.draw(st.integers(0, 120))
    early = data.draw(st.integers(0, 600))
    return c.Record(
        ticket=tid, by=DESK, at=at, received_at=at - timedelta(seconds=lag),
        originated_at=at - timedelta(seconds=lag + early),
        source="owner_call" if owner else "property_internal", content="漏水",
        mode=mode, location="5-1-1202", contact="李女士", phone="13800000000",
        category=category, area="A", **kw)


def next_command(data: st.DataObject, ticket: Ticket, at: datetime) -> c.Command | None:
    names = [n for n in allowed_commands(ticket, RESOLVABLE) if n not in SKIP]
    if not names:
        return None
    name = data.draw(st.sampled_from(names))
    base: dict[str, Any] = {"ticket": ticket.id, "at": at}
    assignee = ticket.assignee
    desk = {**base, "by": DESK}
    worker = {**base, "by": assignee or DESK}
    if name is C.DISPATCH:
        extra: dict[str, Any] = {}
        if data.draw(st.booleans()):  # a rework's appointment, or a rescheduling
            extra["appointment_at"] = at + timedelta(seconds=data.draw(st.integers(60, 20000)))
        return c.Dispatch(**desk, to=data.draw(st.sampled_from(["eng-zhao", "eng-liu"])),
                          category=ticket.category or "engineering", **extra)
    if name is C.COMPLETE and ticket.work_order is None:
        return c.Complete(**desk)
    simple: dict[C, Any] = {
        C.CONFIRM: lambda: c.Confirm(**worker),
        C.ACKNOWLEDGE: lambda: c.Acknowledge(**worker),
        C.CONTACT_OWNER: lambda: c.ContactOwner(**worker),
        C.ARRIVE: lambda: c.Arrive(**worker),
        C.DIAGNOSE: lambda: c.Diagnose(**worker, diagnosis="阀芯损坏"),
        C.PLAN: lambda: c.Plan(**worker),
        C.AGREE: lambda: c.Agree(**worker),
        C.UNABLE: lambda: c.UnableToHandle(**worker, reason="需协调"),
        C.COMPLETE: lambda: c.Complete(**worker),
        C.ACCEPT: lambda: c.Accept(**worker, signer="李女士"),
        C.REJECT: lambda: c.Reject(**worker, signer="李女士"),
        C.RETURN: lambda: c.Return(**desk),
        C.CLOSE: lambda: c.Close(**desk),
        C.FOLLOW_UP: lambda: c.FollowUp(**desk, note="跟进"),
        C.CANCEL: lambda: c.Cancel(**desk, reason="撤销", confirmed_by_source=True),
        C.TRANSFER: lambda: c.Transfer(
            **desk, to="eng-liu" if assignee == "eng-zhao" else "eng-zhao", reason="转派"),
    }
    if name in simple:
        return simple[name]()  # type: ignore[no-any-return]
    if name is C.CALLBACK:
        return c.Callback(**desk, fixed=data.draw(st.booleans()), satisfaction="satisfied",
                          charge_ok=data.draw(st.sampled_from([None, True, False])))
    if name is C.REPLY:
        return c.Reply(**desk, text="答复", answers=data.draw(st.booleans()))
    if name is C.ESCALATE:
        if ticket.escalation_level >= 2:
            return None
        return c.Escalate(**desk, level=ticket.escalation_level + 1, reason="上报")
    raise AssertionError(name)


def live(data: st.DataObject, b: TicketBuilder, at: datetime) -> bool:
    """Apply one more command to ``b`` at ``at``; False when nothing applies."""
    if b.ticket is None:
        cmd: c.Command | None = record_command(data, b.id, at)
    else:
        if not b.ticket.open:
            return False
        cmd = next_command(data, b.ticket, at)
        if cmd is None:
            return False
    assert cmd is not None
    try:
        b.do(type(cmd), at, **{k: v for k, v in vars_of(cmd).items() if k not in ("at",)})
    except DomainError:
        return True  # refused (e.g. a plan before the diagnosis): nothing changed
    return True


def vars_of(cmd: c.Command) -> dict[str, Any]:
    import attrs

    d = attrs.asdict(cmd, recurse=False)
    d.pop("ticket")
    d.pop("command_id")
    return d


gaps = st.integers(0, 400) | st.sampled_from([0, 1, 60, 90, 120, 180, 600, 900, 3600, 86400])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_adding_events_never_removes_a_breach_nor_moves_a_deadline_earlier(
        data: st.DataObject) -> None:
    b = TicketBuilder(CONFIG, "P1")
    now = t(0)
    previous: dict[tuple[str, int, int], Any] = {}
    for _ in range(data.draw(st.integers(1, 30))):
        now = now + timedelta(seconds=data.draw(gaps))
        if not live(data, b, now):
            break
        if b.ticket is None:
            continue
        # evaluate at some moment before the next event can happen
        at = now + timedelta(seconds=data.draw(st.integers(0, 5)))
        now = at
        current = {(o.rule, o.cycle, o.occurrence): o for o in evaluate(b.ticket, RULES, at)}
        for key, old in previous.items():
            new = current.get(key)
            assert new is not None, f"{key} disappeared"
            if old.status == "breached":
                assert new.status == "breached", (key, old, new)
                assert new.overrun_s >= old.overrun_s, (key, old, new)
            if old.status == "met":
                assert new.status == "met", (key, old, new)
            if old.deadline is not None and new.deadline is not None:
                assert new.deadline >= old.deadline, (key, old, new)
        previous = current


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_due_reports_each_alert_once_in_time_order_and_every_breach(
        data: st.DataObject) -> None:
    from propdesk.domain.sla import DeadlineIndex

    idx = DeadlineIndex(RULES)
    builders = [TicketBuilder(CONFIG, f"Q{i}") for i in range(data.draw(st.integers(1, 3)))]
    now = t(0)
    seen: set[tuple[str, str, int, int, str]] = set()
    breaches: set[tuple[str, str, int, int]] = set()
    for _ in range(data.draw(st.integers(1, 40))):
        now = now + timedelta(seconds=data.draw(gaps))
        if data.draw(st.booleans()):
            got = idx.due(now)
            assert [(a.at, a.kind == "breach") for a in got] == sorted(
                (a.at, a.kind == "breach") for a in got)
            for a in got:
                key = (a.ticket, a.rule, a.cycle, a.occurrence, a.kind)
                assert key not in seen, f"{key} reported twice"
                seen.add(key)
                assert a.at <= now and (a.kind == "warning" or a.at < now
                                        or a.at > a.deadline)  # (S-3: a late dispatch)
                if a.kind == "breach":
                    assert a.at >= a.deadline  # (S-3: once the cycle is dispatched)
                    breaches.add(key[:4])
        else:
            b = data.draw(st.sampled_from(builders))
            if live(data, b, now) and b.ticket is not None:
                idx.update(b.ticket)
    end = now + timedelta(seconds=data.draw(st.integers(0, 2 * 86400)))
    for a in idx.due(end):
        key = (a.ticket, a.rule, a.cycle, a.occurrence, a.kind)
        assert key not in seen, f"{key} reported twice"
        seen.add(key)
        if a.kind == "breach":
            breaches.add(key[:4])
    breached = {
        (o.ticket, o.rule, o.cycle, o.occurrence)
        for b in builders if b.ticket is not None
        for o in evaluate(b.ticket, RULES, end) if o.status == "breached"
    }
    assert breaches == breached

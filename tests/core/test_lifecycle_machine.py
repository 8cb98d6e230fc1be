"""A Hypothesis state machine driving random command sequences through the Desk.

Invariants (issue 2): the state is a function of the events; terminal states
take no state-changing command; the first receiver never changes; the
rework count equals rejections plus failed callbacks; escalation only rises;
a refused command leaves the events unchanged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.conftest import EXAMPLE_CONFIG, T0

from propdesk.adapters.clock import ManualClock
from propdesk.adapters.memory import MemoryStore
from propdesk.config import load_config
from propdesk.desk import Desk
from propdesk.domain import commands as c
from propdesk.domain.enums import CommandName
from propdesk.domain.errors import DomainError
from propdesk.domain.fold import fold

CONFIG = load_config(EXAMPLE_CONFIG)
PEOPLE = ["desk-wang", "eng-zhao", "eng-liu", "eng-chief", "cs-lin", "fm-xu", "mgr-gao"]
TICKETS = ["T1", "T2"]


def args_for(name: CommandName, draw: Any) -> dict[str, Any]:
    """Plausible arguments for a command (sometimes invalid, on purpose)."""
    b = st.booleans()
    sat = st.sampled_from(["satisfied", "basically_satisfied", "dissatisfied"])
    table: dict[CommandName, dict[str, Any]] = {
        CommandName.CLASSIFY: {"category": draw(st.sampled_from(
            ["engineering", "cleaning", "inquiry", "complaint"]))},
        CommandName.DISPATCH: {"category": draw(st.sampled_from(
            [None, "engineering", "cleaning"])), "to": draw(st.sampled_from(
                [None, "eng-zhao", "eng-liu"]))},
        CommandName.DIAGNOSE: {"diagnosis": "阀芯损坏"},
        CommandName.PLAN: {"fees": draw(st.sampled_from(
            [(), (c.FeeItem(code="E01", qty="1"),)]))},
        CommandName.AGREE: {"schedule_shown": draw(b)},
        CommandName.UNABLE: {"reason": "缺配件"},
        CommandName.COMPLETE: {"charge": draw(st.sampled_from([None, "30.00"]))},
        CommandName.ACCEPT: {"signer": "李女士"},
        CommandName.REJECT: {"signer": "李女士"},
        CommandName.CALLBACK: {"fixed": draw(b), "satisfaction": draw(sat),
                               "charge_ok": draw(st.sampled_from([None, True, False])),
                               "close": draw(b)},
        CommandName.SAMPLE_CALLBACK: {"fixed": draw(b), "satisfaction": draw(sat)},
        CommandName.REPLY: {"text": "好的", "answers": draw(b)},
        CommandName.ESCALATE: {"level": draw(st.sampled_from([1, 2])), "reason": "x"},
        CommandName.TRANSFER: {"to": draw(st.sampled_from(["eng-zhao", "eng-liu"])),
                               "reason": "调配"},
        CommandName.AMEND: {"field": "location", "value": "6-2-301", "reason": "更正"},
        CommandName.FOLLOW_UP: {"note": "跟进"},
        CommandName.CANCEL: {"reason": "撤销", "confirmed_by_source": draw(b)},
    }
    return table.get(name, {})


class LifecycleMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(T0)
        self.desk = Desk(CONFIG, MemoryStore(), clock=self.clock)
        self.first_receivers: dict[str, str] = {}
        self.levels: dict[str, int] = {}

    @initialize(mode=st.sampled_from(["immediate", "emergency", "appointment"]))
    def record_tickets(self, mode: str) -> None:
        for tid in TICKETS:
            now = self.clock.advance(30)
            self.desk.handle(c.Record(
                ticket=tid, by="desk-wang", at=now, received_at=now - timedelta(seconds=20),
                source="owner_call", content="漏水", mode=mode, location="5-1-1202",
                contact="李女士", phone="13800000000", area="A",
                first_receiver="svc-he" if tid == "T2" else None,
                appointment_at=now + timedelta(hours=4) if mode == "appointment" else None))
            self.first_receivers[tid] = self.desk.ticket(tid).first_receiver
            self.levels[tid] = 0

    @rule(data=st.data(), tid=st.sampled_from(TICKETS),
          name=st.sampled_from([n for n in CommandName if n is not CommandName.RECORD]),
          who=st.sampled_from([*PEOPLE, "@assignee"]),
          step=st.integers(min_value=-60, max_value=900))
    def command(self, data: st.DataObject, tid: str, name: CommandName, who: str,
                step: int) -> None:
        ticket = self.desk.ticket(tid)
        by = (ticket.assignee or "desk-wang") if who == "@assignee" else who
        when = ticket.last_at + timedelta(seconds=step)
        if step > 0:
            self.clock.set(max(self.clock.now(), when))
        cmd = c.COMMAND_TYPES[name](ticket=tid, by=by, at=when, **args_for(name, data.draw))
        before_events = self.desk.events_of(tid)
        head = self.desk.store.head()
        try:
            result = self.desk.handle(cmd)
        except DomainError:
            assert self.desk.store.head() == head
            assert self.desk.events_of(tid) == before_events
            return
        assert step >= 0, "a command dated before the previous event was accepted"
        if ticket.state.terminal:
            assert result.ticket.state is ticket.state
            assert name is CommandName.SAMPLE_CALLBACK
        assert [e.version for e in result.events] == list(
            range(ticket.version + 1, ticket.version + 1 + len(result.events)))

    @rule(tid=st.sampled_from(TICKETS), step=st.integers(min_value=0, max_value=600))
    def advance(self, tid: str, step: int) -> None:
        """Take the main path one step (so deep states are reached often)."""
        t = self.desk.ticket(tid)
        a = t.assignee or "desk-wang"
        wo = t.work_order
        nxt: dict[str, tuple[CommandName, str, dict[str, Any]]] = {
            "recorded": (CommandName.DISPATCH, "desk-wang", {"category": "engineering"}),
            "dispatched": (CommandName.CONFIRM, a, {}),
            "confirmed": (CommandName.ACKNOWLEDGE, a, {}),
            "acknowledged": (CommandName.ARRIVE, a, {}),
            "on_site": ((CommandName.PLAN, a, {}) if wo and wo.diagnosed_at else
                        (CommandName.DIAGNOSE, a, {"diagnosis": "x"})),
            "planned": (CommandName.AGREE, a, {"schedule_shown": True}),
            "in_progress": (CommandName.COMPLETE, a, {}),
            "completed": (CommandName.ACCEPT, a, {"signer": "李女士"}),
            "accepted": ((CommandName.RETURN, "desk-wang", {}) if wo and wo.acknowledged_at
                         else (CommandName.ACKNOWLEDGE, a, {})),
            "returned": (CommandName.CALLBACK, "desk-wang",
                         {"fixed": True, "satisfaction": "satisfied"}),
            "called_back": (CommandName.CLOSE, "desk-wang", {}),
        }
        if t.state.value not in nxt:
            return
        name, by, kw = nxt[t.state.value]
        if name is CommandName.CALLBACK and t.charged:
            kw = {**kw, "charge_ok": True}  # asked of a charged ticket
        if t.charge_disputed and not t.dispute_settled and name is CommandName.CALLBACK:
            name, by, kw = CommandName.FOLLOW_UP, "desk-wang", {"note": "协商收费"}
        when = t.last_at + timedelta(seconds=step)
        self.clock.set(max(self.clock.now(), when))
        self.desk.handle(c.COMMAND_TYPES[name](ticket=tid, by=by, at=when, **kw))

    @invariant()
    def state_is_a_function_of_events(self) -> None:
        for tid in self.first_receivers:
            events = self.desk.events_of(tid)
            t = fold(events)
            assert t is not None and t == self.desk.ticket(tid)
            assert [e.version for e in events] == list(range(1, len(events) + 1))

    @invariant()
    def first_receiver_never_changes(self) -> None:
        for tid, fr in self.first_receivers.items():
            assert self.desk.ticket(tid).first_receiver == fr

    @invariant()
    def rework_count_is_rejections_plus_failed_callbacks(self) -> None:
        for tid in self.first_receivers:
            events = self.desk.events_of(tid)
            expected = sum(1 for e in events if e.kind == "reject") + sum(
                1 for e in events if e.kind == "callback" and e.data["outcome"] == "rework")
            assert self.desk.ticket(tid).rework_count == expected

    @invariant()
    def escalation_only_rises(self) -> None:
        for tid in self.first_receivers:
            level = self.desk.ticket(tid).escalation_level
            assert level >= self.levels[tid]
            self.levels[tid] = level

    @invariant()
    def view_agrees_with_the_store(self) -> None:
        view = {t.id: t for t in self.desk.tickets()}
        for tid in self.first_receivers:
            assert view[tid] == self.desk.ticket(tid)


LifecycleMachine.TestCase.settings = settings(
    max_examples=100, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestLifecycle = LifecycleMachine.TestCase

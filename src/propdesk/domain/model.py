"""The ticket (《信息记录表》 record) and its work orders (《信息处理单》).

A :class:`Ticket` is derived from its events alone (R-31) by
:func:`propdesk.domain.fold.fold`; nothing else creates one.  All classes
are frozen: each event yields a new value.  ``Ticket`` and ``WorkOrder`` are
dict-backed (``slots=False``), which makes copying them cheap (docs/speed.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from propdesk.domain.enums import Mode, Source, State


@attrs.frozen
class FeeLine:
    """A fee item of a plan: schedule code, quantity, unit price and amount."""

    code: str
    name: str
    qty: Decimal
    unit_price: Decimal
    amount: Decimal
    on_schedule: bool = True


@attrs.frozen
class Material:
    """A material used (耗费材料)."""

    name: str
    qty: Decimal


@attrs.frozen
class Unable:
    """A report that the assignee cannot handle or coordinate the work (S-11)."""

    at: datetime
    reason: str


@attrs.frozen(slots=False)
class WorkOrder:
    """One 《信息处理单》.  ``cycle`` is the ticket's processing cycle (rework
    starts a new one, S-22); ``mode`` is the service mode of that cycle."""

    number: int
    cycle: int
    assignee: str
    dispatched_at: datetime
    mode: Mode
    appointment_at: datetime | None = None
    routing: Mapping[str, object] = attrs.field(factory=dict)
    notices: tuple[str, ...] = ()
    department: str | None = None
    confirmed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    contacted_at: datetime | None = None
    arrived_at: datetime | None = None
    diagnosed_at: datetime | None = None
    diagnosis: str | None = None
    planned_at: datetime | None = None
    plan_note: str | None = None
    fees: tuple[FeeLine, ...] = ()
    override_by: str | None = None
    agreed_at: datetime | None = None
    schedule_shown: bool = False
    unable: tuple[Unable, ...] = ()
    completed_at: datetime | None = None
    workers: tuple[str, ...] = ()
    materials: tuple[Material, ...] = ()
    charge: Decimal | None = None
    charge_reason: str | None = None
    """Why the charge differs from the agreed plan's fee total (R-62)."""
    note: str | None = None
    accepted_at: datetime | None = None
    rejected_at: datetime | None = None
    signer: str | None = None
    opinion: str | None = None
    owner_copy: bool = False
    returned_at: datetime | None = None
    voided_at: datetime | None = None
    transferred_to: str | None = None

    @property
    def fee_total(self) -> Decimal:
        """Sum of the plan's fee items."""
        return sum((f.amount for f in self.fees), Decimal("0.00"))

    @property
    def charge_differs(self) -> bool:
        """Whether the amount charged is not the agreed plan's fee total (R-62: flagged)."""
        return self.charge is not None and self.charge != self.fee_total


@attrs.frozen
class DeskCharge:
    """An amount the desk charged when it resolved a cycle itself (no plan: R-62
    asks a reason for any amount but 0.00)."""

    at: datetime
    charge: Decimal
    reason: str | None = None


@attrs.frozen
class CallbackResult:
    """A callback (回访) or a sampled callback (抽样回访): the answers of R-41."""

    at: datetime
    by: str
    fixed: bool
    satisfaction: str
    charge_ok: bool | None
    channel: str
    outcome: str  # "passed", "rework" or "disputed" (sampled callbacks: "sampled")
    agrees: bool | None = None
    """Sampled callbacks only: whether the answers agree with the desk's last callback (K-12)."""


@attrs.frozen
class Amendment:
    """A correction of a recorded field (R-15): who, when, old and new value, why."""

    at: datetime
    by: str
    field: str
    old: str | None
    new: str | None
    reason: str


@attrs.frozen
class SentReply:
    """A reply to the source (S-2; ``answers`` marks an answer under S-9)."""

    at: datetime
    by: str
    text: str
    answers: bool


@attrs.frozen
class Escalation:
    """A raise of the escalation level (R-54)."""

    at: datetime
    by: str
    level: int
    reason: str


@attrs.frozen(slots=False)
class Ticket:
    """A record of the information log, as its events make it."""

    id: str
    version: int
    state: State
    last_at: datetime
    source: Source
    first_receiver: str
    recorded_by: str
    originated_at: datetime
    received_at: datetime
    recorded_at: datetime
    content: str
    mode: Mode
    location: str | None = None
    event_at: datetime | None = None
    contact: str | None = None
    phone: str | None = None
    appointment_at: datetime | None = None
    area: str | None = None
    asset: str | None = None
    about: str | None = None
    major_incident: bool = False
    category: str | None = None
    first_category: str | None = None
    reclassified: bool = False
    missing: tuple[str, ...] = ()
    amendments: tuple[Amendment, ...] = ()
    replies: tuple[SentReply, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    escalation_level: int = 0
    rework_count: int = 0
    cycle: int = 1
    cycle_starts: tuple[datetime, ...] = ()
    work_orders: tuple[WorkOrder, ...] = ()
    callbacks: tuple[CallbackResult, ...] = ()
    sample_callbacks: tuple[CallbackResult, ...] = ()
    desk_resolutions: tuple[datetime, ...] = ()
    desk_charges: tuple[DeskCharge, ...] = ()
    charge_disputed: bool = False
    dispute_settled: bool = False
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None
    closed_at: datetime | None = None
    follow_ups: int = 0

    @property
    def work_order(self) -> WorkOrder | None:
        """The current work order: the last one not voided by a transfer, in this cycle."""
        return current_work_order(self)

    @property
    def cycle_started_at(self) -> datetime:
        """When the current cycle started: the recording, or the last rework (S-22)."""
        return self.cycle_starts[-1] if self.cycle_starts else self.recorded_at

    @property
    def assignee(self) -> str | None:
        """The current work order's assignee, if any."""
        return current_assignee(self)

    @property
    def open(self) -> bool:
        """Not closed or cancelled."""
        return not self.state.terminal

    @property
    def charged(self) -> bool:
        """Whether the source was charged an amount (R-61: the callback asks)."""
        return (any(wo.charge for wo in self.work_orders)
                or any(d.charge for d in self.desk_charges))

    @property
    def charge_differs(self) -> bool:
        """Whether a charge was not the agreed plan's fee total (R-62: flagged); the
        desk's own resolution has no plan, so any amount but 0.00 is."""
        return (any(wo.charge_differs for wo in self.work_orders)
                or any(d.charge for d in self.desk_charges))

    @property
    def incomplete(self) -> tuple[str, ...]:
        """Fields R-11 asks for that the record lacked (a location is not
        needed for inquiries): a non-empty tuple marks the record incomplete."""
        if self.category == "inquiry":
            return tuple(f for f in self.missing if f != "location")
        return self.missing


# The definitions of ``Ticket.work_order`` and ``Ticket.assignee``; the rules
# call them directly (docs/speed.md).
def current_work_order(t: Ticket) -> WorkOrder | None:
    """``t.work_order``: the last work order not voided by a transfer, in this cycle."""
    wos = t.work_orders
    if not wos:
        return None
    wo = wos[-1]
    if wo.voided_at is not None or wo.cycle != t.cycle:
        return None
    return wo


def current_assignee(t: Ticket) -> str | None:
    """``t.assignee``: the current work order's assignee, if any."""
    wo = current_work_order(t)
    return wo.assignee if wo is not None else None

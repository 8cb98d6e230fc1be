"""One ticket reduced to what the indicators read (K-1 … K-13, docs/statistics.md).

:func:`ticket_facts` is the first of :mod:`propdesk.domain.kpi`'s two steps
(that module re-exports both names): it reduces a ticket, folded as of the
period end, and its SLA breaches to a small :class:`TicketFacts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import attrs

from propdesk.domain import _fast
from propdesk.domain.enums import Source, State
from propdesk.domain.model import Ticket


@attrs.frozen(slots=True)
class TicketFacts:
    """One ticket as it stood at the period end, reduced to what the
    indicators need.  No personal data: no names, phones, rooms or text."""

    id: str
    received_at: datetime
    source: str
    category: str | None
    cancelled: bool = False
    complete: bool = True
    amended: bool = False
    reclassified: bool = False
    breaches: tuple[str, ...] = ()
    last_satisfaction: str | None = None
    accepted: bool = False
    first_acceptance_passed: bool = False
    reworked: bool = False
    returned: bool = False
    called_back: bool = False
    closed: bool = False
    desk_resolved: bool = False
    major_incident: bool = False
    samples: tuple[bool, ...] = ()
    department: str | None = None
    assignee: str | None = None
    asset: str | None = None
    down: tuple[tuple[datetime, datetime | None], ...] = ()
    charged: bool = False
    """A work order charged the source an amount (R-61)."""
    charge_differs: bool = False
    """A work order charged other than its agreed plan (R-62: flagged)."""
    charge_disputed: bool = False
    """A callback found the charge disputed (R-41)."""


_make_facts: Final = _fast.positional(TicketFacts)

_SOURCE_VALUE: Final[dict[Source, str]] = {s: s.value for s in Source}
_CANCELLED: Final = State.CANCELLED
_CLOSED: Final = State.CLOSED


def ticket_facts(ticket: Ticket, breaches: Sequence[str] = ()) -> TicketFacts:
    """Reduce ``ticket`` (folded from its events with ``at <= as_of``) and the
    SLA rules it has breached at ``as_of`` to :class:`TicketFacts`."""
    wos = ticket.work_orders
    state = ticket.state
    cancelled = state is _CANCELLED
    # one pass over the work orders: the first acceptance and the first rejection
    # (K-5: the first decision passed when the acceptance came strictly first; at
    # the same instant the rejection counts first), and the last return
    first_ok: datetime | None = None
    first_no: datetime | None = None
    last_return: datetime | None = None
    for w in wos:
        x = w.accepted_at
        if x is not None and (first_ok is None or x < first_ok):
            first_ok = x
        x = w.rejected_at
        if x is not None and (first_no is None or x < first_no):
            first_no = x
        x = w.returned_at
        if x is not None and (last_return is None or x > last_return):
            last_return = x
    desk = ticket.desk_resolutions
    for x in desk:  # a desk resolution returns the form too
        if last_return is None or x > last_return:
            last_return = x
    callbacks = ticket.callbacks
    last_cb = callbacks[-1] if callbacks else None
    samples: tuple[bool, ...] = ()
    if ticket.sample_callbacks:
        agree = []
        for s in ticket.sample_callbacks:
            ref = None  # the desk's last callback (in order) up to the sample
            for cb in callbacks:
                if cb.at <= s.at:
                    ref = cb
            agree.append(ref is not None and ref.fixed == s.fixed
                         and ref.satisfaction == s.satisfaction)
        samples = tuple(agree)
    accepted = first_ok is not None
    passed = first_ok is not None and (first_no is None or first_ok < first_no)
    called_back = (last_cb is not None and last_return is not None
                   and last_cb.at >= last_return)
    last_wo = wos[-1] if wos else None
    charged = differs = False
    for w in wos:
        if w.charge:
            charged = True
        if w.charge is not None and w.charge_differs:
            differs = True
    for dc in ticket.desk_charges:  # (no plan: any amount is not the plan's)
        if dc.charge:
            charged = differs = True
    disputed = False
    for cb in callbacks:
        if cb.charge_ok is False:
            disputed = True
    category = ticket.category
    down: tuple[tuple[datetime, datetime | None], ...] = ()
    if ticket.asset is not None and category == "engineering" and not cancelled:
        spans: list[tuple[datetime, datetime | None]] = []
        starts = list(ticket.cycle_starts) or [ticket.recorded_at]
        starts[0] = ticket.received_at
        for cycle, begin in enumerate(starts, start=1):
            done = [w.completed_at for w in wos if w.cycle == cycle and w.completed_at]
            spans.append((begin, min(done) if done else None))
        down = tuple(spans)
    # the fields in order, named alongside
    return _make_facts(
        ticket.id,                                              # id
        ticket.received_at,                                     # received_at
        _SOURCE_VALUE[ticket.source],                           # source
        category,                                               # category
        cancelled,                                              # cancelled
        not ticket.incomplete,                                  # complete
        bool(ticket.amendments),                                # amended
        ticket.reclassified,                                    # reclassified
        tuple(breaches),                                        # breaches
        last_cb.satisfaction if last_cb is not None else None,  # last_satisfaction
        accepted,                                               # accepted
        passed,                                                 # first_acceptance_passed
        ticket.rework_count > 0,                                # reworked
        last_return is not None,                                # returned
        called_back,                                            # called_back
        state is _CLOSED,                                       # closed
        bool(desk),                                             # desk_resolved
        ticket.major_incident,                                  # major_incident
        samples,                                                # samples
        last_wo.department if last_wo is not None else None,    # department
        last_wo.assignee if last_wo is not None else None,      # assignee
        ticket.asset,                                           # asset
        down,                                                   # down
        charged,                                                # charged
        differs,                                                # charge_differs
        disputed,                                               # charge_disputed
    )

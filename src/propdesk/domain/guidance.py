"""What to do next with a ticket: the next step of the manual's procedure.

``show`` (and the web desk) put this first, then the other commands allowed.
The procedure, per state of the current cycle (the time standards S-2 … S-14):

* an owner's information gets its reply at once (S-2) — for an emergency
  right after the dispatch, which comes first (S-4);
* ``recorded``: classified (S-3), then dispatched; a desk-resolvable
  category (inquiry, complaint, help by default) the desk answers itself,
  ``complete`` (S-9) — unless an earlier cycle was already dispatched;
* ``dispatched`` → read back (``confirm``) → sign for the form
  (``acknowledge``; an emergency goes to the site first and signs after the
  first stage, S-14) → for an appointment, ``contact_owner`` 15 minutes
  before (S-6) → ``arrive`` → ``diagnose`` → ``plan`` (S-10) → ``agree`` →
  ``complete`` → ``accept`` → ``return`` (an emergency's form signed first)
  → ``callback`` (S-13) → ``close``;
* an inability (``unable``) not yet reported to the supervisor: ``escalate``
  (S-11); a disputed charge: ``escalate`` to settle it (R-41), or a
  ``follow_up`` once the managers' meeting has it.

Pure: a function of the ticket (and the configuration's desk-resolvable
categories).  :func:`step_reason` gives the why in both languages and
:func:`step_actor` who does it.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Final

from propdesk.domain.config import Config
from propdesk.domain.enums import DEFAULT_CATEGORIES, Mode, State
from propdesk.domain.enums import CommandName as C
from propdesk.domain.labels import NEXT_STEP_LABELS
from propdesk.domain.lifecycle import cycle_mode
from propdesk.domain.model import Ticket, current_work_order

DESK_RESOLVABLE: Final = frozenset(cid for cid, _zh, _en, desk in DEFAULT_CATEGORIES if desk)
"""The default desk-resolvable categories (a configuration may change them)."""

ASSIGNEE_STEPS: Final = frozenset({
    C.CONFIRM, C.ACKNOWLEDGE, C.CONTACT_OWNER, C.ARRIVE, C.DIAGNOSE, C.PLAN, C.AGREE,
    C.UNABLE, C.ACCEPT, C.REJECT})
"""Steps the current work order's assignee takes (``complete`` too, unless the
desk resolves the ticket itself)."""


def desk_categories(config: Config) -> frozenset[str]:
    """The categories ``config`` lets the desk resolve itself."""
    return frozenset(cat.id for cat in config.categories if cat.desk_resolvable)


def next_step(ticket: Ticket, desk_resolvable: AbstractSet[str] = DESK_RESOLVABLE
              ) -> C | None:
    """The next command of the procedure for ``ticket``; ``None`` once it is
    closed or cancelled.  Always one of the commands allowed in its state."""
    state = ticket.state
    if state.terminal:
        return None
    emergency = cycle_mode(ticket) is Mode.EMERGENCY
    if _unreported_inability(ticket):
        return C.ESCALATE
    if ticket.source.is_owner and not ticket.replies and not (
            emergency and state is State.RECORDED):
        return C.REPLY
    if state is State.RETURNED and ticket.charge_disputed and not ticket.dispute_settled:
        return C.ESCALATE if ticket.escalation_level < 2 else C.FOLLOW_UP
    if state is State.RECORDED:
        if ticket.category is None:
            return C.DISPATCH if emergency else C.CLASSIFY
        if ticket.category in desk_resolvable and not ticket.work_orders:
            return C.COMPLETE
        return C.DISPATCH
    wo = current_work_order(ticket)
    if state is State.CONFIRMED:
        return C.ARRIVE if emergency else C.ACKNOWLEDGE
    if state is State.ACKNOWLEDGED:
        if wo is not None and wo.appointment_at is not None and wo.contacted_at is None:
            return C.CONTACT_OWNER
        return C.ARRIVE
    if state is State.ON_SITE:
        return C.PLAN if wo is not None and wo.diagnosed_at is not None else C.DIAGNOSE
    if state is State.ACCEPTED and wo is not None and wo.acknowledged_at is None:
        return C.ACKNOWLEDGE  # S-14: the emergency's form is signed before its return
    return _NEXT[state]


_NEXT: Final[dict[State, C]] = {
    State.DISPATCHED: C.CONFIRM,
    State.PLANNED: C.AGREE,
    State.IN_PROGRESS: C.COMPLETE,
    State.COMPLETED: C.ACCEPT,
    State.ACCEPTED: C.RETURN,
    State.RETURNED: C.CALLBACK,
    State.CALLED_BACK: C.CLOSE,
}


def _unreported_inability(ticket: Ticket) -> bool:
    """An ``unable`` of the current work order with no escalation made after it (S-11)."""
    wo = current_work_order(ticket)
    if wo is None or not wo.unable:
        return False
    last = wo.unable[-1].at
    return not any(e.at >= last for e in ticket.escalations)


def step_actor(ticket: Ticket, step: C) -> str | None:
    """Who takes ``step``: the current assignee (a person id) for the work order's
    own steps, ``None`` for the desk's."""
    wo = current_work_order(ticket)
    if wo is None:
        return None
    if step in ASSIGNEE_STEPS or (step is C.COMPLETE and ticket.state is State.IN_PROGRESS):
        return wo.assignee
    return None


def step_reason(ticket: Ticket, step: C) -> tuple[str, str]:
    """Why ``step`` comes next, in Chinese and English (the rule it serves)."""
    state = ticket.state
    emergency = cycle_mode(ticket) is Mode.EMERGENCY
    wo = current_work_order(ticket)
    appointment = wo is not None and wo.appointment_at is not None
    if step is C.ESCALATE:
        if state is State.RETURNED and ticket.charge_disputed:
            return ("收费有争议：上报主管解决后再回访（R-41）",
                    "the charge is disputed: escalate to settle it, then call back (R-41)")
        return ("处理人报告无法处理：5分钟内上报部门主管（S-11）",
                "the assignee cannot handle it: report to the department supervisor "
                "within 5 minutes (S-11)")
    if step is C.COMPLETE and state is State.RECORDED:
        return ("前台自行答复或解决，15分钟内（S-9）",
                "answer or resolve it at the desk within 15 minutes (S-9)")
    if step is C.ACKNOWLEDGE and emergency:
        return ("阶段性处理后到前台签收信息处理单（S-14）",
                "sign for the work order at the desk after the first stage (S-14)")
    if step is C.ACKNOWLEDGE and appointment:
        return ("预约时间前到前台签收信息处理单（S-7）",
                "sign for the work order at the desk before the appointment (S-7)")
    if step is C.ARRIVE and emergency:
        return ("先赶往现场，再签收（S-14；10分钟内到场，S-5）",
                "go to the site first, sign for the form later (S-14; on site within "
                "10 minutes, S-5)")
    if step is C.ARRIVE and appointment:
        return ("提前3-5分钟到达（S-8）", "arrive 3 to 5 minutes before the appointment (S-8)")
    if step is C.DISPATCH and emergency:
        return ("紧急信息：90秒内派单并通知（S-4）",
                "an emergency: dispatch and notify within 90 seconds (S-4)")
    return NEXT_STEP_LABELS[step.value]

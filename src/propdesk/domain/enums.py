"""The closed vocabularies of the desk: states, commands, roles, sources, modes."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class State(StrEnum):
    """Lifecycle states of a ticket (docs/lifecycle.md)."""

    RECORDED = "recorded"
    DISPATCHED = "dispatched"
    CONFIRMED = "confirmed"
    ACKNOWLEDGED = "acknowledged"
    ON_SITE = "on_site"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    CALLED_BACK = "called_back"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        """Closed and cancelled tickets change no more."""
        return self in (State.CLOSED, State.CANCELLED)


class CommandName(StrEnum):
    """The command vocabulary shared by the library, the CLI and batch files."""

    RECORD = "record"
    CLASSIFY = "classify"
    DISPATCH = "dispatch"
    CONFIRM = "confirm"
    ACKNOWLEDGE = "acknowledge"
    CONTACT_OWNER = "contact_owner"
    ARRIVE = "arrive"
    DIAGNOSE = "diagnose"
    PLAN = "plan"
    AGREE = "agree"
    UNABLE = "unable"
    COMPLETE = "complete"
    ACCEPT = "accept"
    REJECT = "reject"
    RETURN = "return"
    CALLBACK = "callback"
    CLOSE = "close"
    REPLY = "reply"
    ESCALATE = "escalate"
    TRANSFER = "transfer"
    AMEND = "amend"
    FOLLOW_UP = "follow_up"
    SAMPLE_CALLBACK = "sample_callback"
    CANCEL = "cancel"


class Role(StrEnum):
    """The role of a person (R-5)."""

    DESK = "desk"
    RESPONSIBLE = "responsible"
    SUPERVISOR = "supervisor"
    COMMUNITY_SUPERVISOR = "community_supervisor"
    FOREMAN = "foreman"
    MANAGER = "manager"


class Source(StrEnum):
    """信息源点, the source point of a piece of information (R-10)."""

    OWNER_CALL = "owner_call"
    PROPERTY_INTERNAL = "property_internal"
    DESK_INTERNAL = "desk_internal"
    INTERNAL_NEED = "internal_need"
    SUPERIOR = "superior"
    WALK_IN = "walk_in"
    ONLINE = "online"

    @property
    def is_owner(self) -> bool:
        """Owner sources need a contact person and method (R-11) and a reply (S-2)."""
        return self in (Source.OWNER_CALL, Source.WALK_IN, Source.ONLINE)


class Mode(StrEnum):
    """Service mode (R-12)."""

    IMMEDIATE = "immediate"
    APPOINTMENT = "appointment"
    EMERGENCY = "emergency"


class Satisfaction(StrEnum):
    """Callback satisfaction scale (R-41)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class CallbackChannel(StrEnum):
    """How a callback reached the source."""

    PHONE = "phone"
    VISIT = "visit"


SOURCE_BY_VALUE: Final[dict[str, Source]] = {m.value: m for m in Source}
MODE_BY_VALUE: Final[dict[str, Mode]] = {m.value: m for m in Mode}
"""Members by value: a dict look-up, where ``Mode(text)`` goes through the
metaclass (folding and deciding read these for every record)."""


DEFAULT_CATEGORIES: tuple[tuple[str, str, str, bool], ...] = (
    # id, Chinese label, English label, desk may resolve it itself
    ("complaint", "投诉", "Complaint", True),
    ("help", "求助", "Request for help", True),
    ("inquiry", "咨询", "Inquiry", True),
    ("engineering", "工程", "Engineering (repairs)", False),
    ("security", "安全", "Security", False),
    ("fire", "消防", "Fire safety", False),
    ("cleaning", "清洁", "Cleaning", False),
)
"""The seven default categories of R-13."""

"""Commands: what someone asks the desk to do (docs/lifecycle.md, docs/batch-format.md).

One frozen class per command, with a batch line's keys as fields.  Every command
names its ``ticket`` and the acting person ``by``; ``at`` is when it
happened (``None``: the Desk's clock fills it in); ``command_id`` makes a
retry idempotent.  Money and quantities are decimal strings or
:class:`~decimal.Decimal`, never float.

The classes are dict-backed (``slots=False``), which makes them cheaper to
build (docs/speed.md).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

import attrs

from propdesk.domain.enums import CommandName
from propdesk.domain.errors import DomainError

Money = Decimal | str | int


@attrs.frozen(kw_only=True, slots=False)
class Command:
    """Fields common to every command."""

    name: ClassVar[CommandName]
    ticket: str
    by: str
    at: datetime | None = None
    command_id: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class FeeItem:
    """A fee schedule code and quantity in a plan (R-60); the price comes
    from the published schedule."""

    code: str
    qty: Money = "1"
    name: str | None = None
    price: Money | None = None
    """``name`` and ``price`` only for an item off the schedule, with a supervisor override."""


@attrs.frozen(kw_only=True, slots=False)
class MaterialItem:
    """A material used on the work order, with its quantity (a decimal
    string or :class:`~decimal.Decimal`)."""

    name: str
    qty: Money = "1"


@attrs.frozen(kw_only=True, slots=False)
class Record(Command):
    """Take a piece of information into the log (录入)."""

    name = CommandName.RECORD
    received_at: datetime
    source: str
    content: str
    mode: str
    location: str | None = None
    contact: str | None = None
    phone: str | None = None
    appointment_at: datetime | None = None
    category: str | None = None
    first_receiver: str | None = None
    originated_at: datetime | None = None
    event_at: datetime | None = None
    reply: str | None = None
    area: str | None = None
    asset: str | None = None
    about: str | None = None
    major_incident: bool = False


@attrs.frozen(kw_only=True, slots=False)
class Classify(Command):
    """Set or change the category; changing a category already set is a
    reclassification, which K-3 counts against the desk."""

    name = CommandName.CLASSIFY
    category: str


@attrs.frozen(kw_only=True, slots=False)
class Dispatch(Command):
    """Issue a work order.  Without ``to``, routing chooses the assignee
    (R-51); ``appointment_at`` is the appointment's time (a rework cycle
    dispatched with one is an appointment)."""

    name = CommandName.DISPATCH
    category: str | None = None
    to: str | None = None
    appointment_at: datetime | None = None


@attrs.frozen(kw_only=True, slots=False)
class Confirm(Command):
    """The assignee read the order back (复述确认 / 接单): the work order is
    taken."""

    name = CommandName.CONFIRM


@attrs.frozen(kw_only=True, slots=False)
class Acknowledge(Command):
    """The assignee signed for the work order at the desk (签收): for an
    appointment before its time (S-7), in an emergency after the first stage
    of the work (S-14)."""

    name = CommandName.ACKNOWLEDGE


@attrs.frozen(kw_only=True, slots=False)
class ContactOwner(Command):
    """Appointment: the assignee contacted the owner ahead of time (S-6)."""

    name = CommandName.CONTACT_OWNER


@attrs.frozen(kw_only=True, slots=False)
class Arrive(Command):
    """The assignee is on site: within S-5's allowance for immediate and
    emergency service; in an emergency, before signing for the form (S-14)."""

    name = CommandName.ARRIVE


@attrs.frozen(kw_only=True, slots=False)
class Diagnose(Command):
    """The diagnosis on site; the initial plan is due within S-10's
    allowance of it."""

    name = CommandName.DIAGNOSE
    diagnosis: str


@attrs.frozen(kw_only=True, slots=False)
class Plan(Command):
    """The initial plan, with fee items from the schedule (R-60); the
    source agrees to it with ``agree``."""

    name = CommandName.PLAN
    fees: tuple[FeeItem, ...] = ()
    note: str | None = None
    override_by: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class Agree(Command):
    """The source agreed the plan; ``schedule_shown``: they were shown the
    published fee schedule (R-61)."""

    name = CommandName.AGREE
    schedule_shown: bool = False


@attrs.frozen(kw_only=True, slots=False)
class UnableToHandle(Command):
    """The assignee cannot handle or coordinate the work; it must be
    reported upward within S-11's allowance."""

    name = CommandName.UNABLE
    reason: str


@attrs.frozen(kw_only=True, slots=False)
class Complete(Command):
    """Work finished (or, from ``recorded``, resolved by the desk itself)."""

    name = CommandName.COMPLETE
    workers: tuple[str, ...] | None = None
    materials: tuple[MaterialItem, ...] = ()
    charge: Money | None = None
    charge_reason: str | None = None
    """Why the charge differs from the agreed plan's fee total (R-62; required then)."""
    note: str | None = None


@attrs.frozen(kw_only=True, slots=False)
class Inspection(Command):
    """What the acceptance inspection (验收) records, passed or failed: who
    signed, their opinion, and whether the owner kept a copy of the form."""

    signer: str
    opinion: str | None = None
    owner_copy: bool = False


@attrs.frozen(kw_only=True, slots=False)
class Accept(Inspection):
    """The source accepted the work and signed (验收合格); the form goes
    back to the desk next (``return``)."""

    name = CommandName.ACCEPT


@attrs.frozen(kw_only=True, slots=False)
class Reject(Inspection):
    """The acceptance failed (验收不合格): rework (R-40), in a new cycle of
    the same ticket."""

    name = CommandName.REJECT


@attrs.frozen(kw_only=True, slots=False)
class Return(Command):
    """The form is back at the desk, complete and signed; the callback is
    due within S-13's allowance."""

    name = CommandName.RETURN


@attrs.frozen(kw_only=True, slots=False)
class CallbackAnswers(Command):
    """What a callback asks the source (R-41, R-42): was it fixed, how
    satisfied are they, was the charge right (for a charged ticket), and how
    they were reached (``phone`` or ``visit``)."""

    fixed: bool
    satisfaction: str
    charge_ok: bool | None = None
    channel: str = "phone"


@attrs.frozen(kw_only=True, slots=False)
class Callback(CallbackAnswers):
    """The desk called the source back (R-41).  ``close`` also closes a passed callback."""

    name = CommandName.CALLBACK
    close: bool = False


@attrs.frozen(kw_only=True, slots=False)
class Close(Command):
    """Archive a called-back ticket."""

    name = CommandName.CLOSE


@attrs.frozen(kw_only=True, slots=False)
class Reply(Command):
    """A reply to the source (S-2); ``answers`` when it answers the request (S-9)."""

    name = CommandName.REPLY
    text: str
    answers: bool = False


@attrs.frozen(kw_only=True, slots=False)
class Escalate(Command):
    """Raise the escalation level: 1 supervisor, 2 managers' meeting (R-54)."""

    name = CommandName.ESCALATE
    level: int
    reason: str


@attrs.frozen(kw_only=True, slots=False)
class Transfer(Command):
    """Move the work to another person: a new work order (R-2)."""

    name = CommandName.TRANSFER
    to: str
    reason: str


@attrs.frozen(kw_only=True, slots=False)
class Amend(Command):
    """Correct a recorded field, keeping the old value (R-15)."""

    name = CommandName.AMEND
    field: str
    value: str | None
    reason: str


@attrs.frozen(kw_only=True, slots=False)
class FollowUp(Command):
    """A follow-up note, from the desk, the assignee or the first receiver,
    who owns the ticket until it is closed (R-1)."""

    name = CommandName.FOLLOW_UP
    note: str


@attrs.frozen(kw_only=True, slots=False)
class SampleCallback(CallbackAnswers):
    """A sampled callback by the community supervisor or a foreman (R-42)."""

    name = CommandName.SAMPLE_CALLBACK


@attrs.frozen(kw_only=True, slots=False)
class Cancel(Command):
    """Withdrawn by the source (撤销); the desk records the reason and
    whether the source confirmed the withdrawal."""

    name = CommandName.CANCEL
    reason: str
    confirmed_by_source: bool = False


COMMAND_TYPES: dict[CommandName, type[Command]] = {
    cls.name: cls
    for cls in (
        Record,
        Classify,
        Dispatch,
        Confirm,
        Acknowledge,
        ContactOwner,
        Arrive,
        Diagnose,
        Plan,
        Agree,
        UnableToHandle,
        Complete,
        Accept,
        Reject,
        Return,
        Callback,
        Close,
        Reply,
        Escalate,
        Transfer,
        Amend,
        FollowUp,
        SampleCallback,
        Cancel,
    )
}
"""Command class by name; every name of :class:`CommandName` has one."""

assert set(COMMAND_TYPES) == set(CommandName), "a command has no class"


# ---------------------------------------------------------------- input forms
# Checked by the shell before the domain decides (propdesk.converter.check_command):
# the forms of a phone number and a ticket id, and no control characters in text.

TICKET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)
"""A ticket id: letters, digits, ``-``, ``_`` and ``.``, starting with a letter or digit,
at most 64 characters (so it is safe in a file name, a URL and a shell command)."""

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_LANDLINE = re.compile(r"(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})-?[2-9]\d{6,7}(?:-\d{1,6})?",
                       re.ASCII)
_LANDLINE_INTL = re.compile(r"[1-9]\d{1,2}-?[2-9]\d{6,7}(?:-\d{1,6})?", re.ASCII)
_EXTENSION = re.compile(r"\d{3,6}", re.ASCII)


def is_phone(text: str) -> bool:
    """Whether ``text`` is a phone number of an accepted form
    (:data:`propdesk.domain.errors.PHONE_FORMS`)."""
    compact = text.strip().replace(" ", "")
    if compact.startswith("+86"):
        rest = compact[3:].removeprefix("-")
        return bool(_MOBILE.fullmatch(rest.replace("-", ""))
                    or _LANDLINE_INTL.fullmatch(rest))
    return bool(_MOBILE.fullmatch(compact.replace("-", "")) or _LANDLINE.fullmatch(compact)
                or _EXTENSION.fullmatch(compact))


MULTILINE_FIELDS = frozenset({"content", "note", "reason", "diagnosis", "opinion", "text",
                              "reply"})
"""Long text fields, where a newline or a tab is allowed."""

_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
UNSAFE_LINE = re.compile(f"[\t\n{_CONTROLS}]")
"""A character a short text may not carry: a C0/C1 control character or a
bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), which can
make a text display as something other than it is."""
UNSAFE_LONG = re.compile(f"[{_CONTROLS}]")
"""The same for a long text (:data:`MULTILINE_FIELDS`): a newline or a tab is fine."""


def first_unsafe(text: str, *, multiline: bool = False) -> int | None:
    """The index of the first character of ``text`` it may not carry, or ``None``."""
    m = (UNSAFE_LONG if multiline else UNSAFE_LINE).search(text)
    return None if m is None else m.start()


def check_forms(cmd: Command) -> None:
    """Refuse a command whose new ticket id is not of the safe alphabet, or whose phone
    number is of no accepted form (the :class:`~propdesk.domain.errors.DomainError`
    names the field).  Types and control characters are checked before
    (:func:`propdesk.converter.check_command`)."""
    if isinstance(cmd, Record):
        if not TICKET_ID.fullmatch(cmd.ticket):
            raise DomainError("invalid_ticket_id", field="ticket", value=cmd.ticket)
        phone, field = cmd.phone, "phone"
    elif isinstance(cmd, Amend) and cmd.field == "phone":
        phone, field = cmd.value, "value"
    else:
        return
    if phone is not None and phone.strip() and not is_phone(phone):
        raise DomainError("invalid_phone", field=field, value=phone, ticket=cmd.ticket)

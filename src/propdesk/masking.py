"""Masking personal data, and recording who revealed it (RELIABILITY: personal data).

Owners' phone numbers and names are shown masked (``138****8000``,
``李*``) in the CLI's output, notices and reports unless the acting person
may see them and asked to (``--reveal``); each reveal is recorded as an
event of the desk-level stream ``@desk`` (kind ``reveal``), so the log says
who saw which ticket's personal data and when.

Who may reveal (deny by default): the desk, the community supervisor,
foremen (sampled callbacks) and managers; and for one ticket also its
current assignee and its first receiver (they must reach the source).

Pure functions except :func:`record_reveal`, which appends to a store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from propdesk.domain.events import DESK_STREAM

if TYPE_CHECKING:
    from propdesk.domain.config import Config
    from propdesk.domain.events import Event
    from propdesk.domain.model import Ticket
    from propdesk.ports import EventStore

REVEAL_KIND = "reveal"
REVEAL_ROLES = frozenset({"desk", "community_supervisor", "foreman", "manager"})
PERSONAL_FIELDS = ("contact", "phone")
"""Ticket fields masked unless revealed."""

_DIGIT = re.compile(r"\d")


def mask_phone(phone: str | None) -> str | None:
    """``13800138000`` → ``138****8000``: the first three and last four digits stay.

    Shorter numbers keep only their last two digits; separators stay where they
    are so the shape is recognisable (``021-6234-5678`` → ``021-****-5678``).
    """
    if phone is None:
        return None
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    if len(digits) >= 8:
        keep = set(digits[:3]) | set(digits[-4:])
    elif len(digits) >= 3:
        keep = set(digits[-2:])
    else:
        keep = set()
    return "".join(
        ch if i in keep or not ch.isdigit() else "*" for i, ch in enumerate(phone)
    ) if digits else ("*" * min(len(phone), 4))


def mask_name(name: str | None) -> str | None:
    """``李女士`` → ``李*``, ``John Smith`` → ``J*``: the first character and one star."""
    if name is None:
        return None
    text = name.strip()
    if not text:
        return name
    return text[0] + "*"


def mask_room(location: str | None) -> str | None:
    """``5-1-1202`` → ``5-1-****``: the building stays, the door number goes (public reports)."""
    if location is None:
        return None
    return re.sub(r"\d{3,}(?!.*\d{3,})", lambda m: "*" * len(m.group(0)), location)


def mask_text(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every occurrence of the given phone numbers and names masked."""
    out = text
    for secret in secrets:
        if not secret or len(secret.strip()) < 2:
            continue
        masked = mask_phone(secret) if _DIGIT.search(secret) else mask_name(secret)
        out = out.replace(secret, masked or "")
    return out


_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
                     "|\r(?!\n)")
REPLACEMENT = "\ufffd"


def neutralise(text: str) -> str:
    """``text`` safe to show: each C0/C1 control character (but a newline, a tab and
    the CR of a CRLF line end) and each bidirectional embedding, override or isolate
    (U+202A–U+202E, U+2066–U+2069) becomes U+FFFD (�), so stored text cannot move the
    cursor, clear a screen or display reversed (the input refuses them; this protects
    what was stored before, or by other means)."""
    return _UNSAFE.sub(REPLACEMENT, text)


def json_safe(text: str) -> str:
    """A JSON document with those characters written as ``\\uXXXX`` escapes: the same
    data for a program, but nothing that reorders or controls a terminal."""
    return _UNSAFE.sub(lambda m: "".join(f"\\u{ord(ch):04x}" for ch in m.group(0)), text)


def may_reveal(config: Config, person_id: str | None, ticket: Ticket | None = None) -> bool:
    """Whether ``person_id`` may see personal data (of ``ticket``, when given)."""
    if person_id is None:
        return False
    person = config.person_by_id.get(person_id)
    if person is None:
        return False
    if str(person.role) in REVEAL_ROLES:
        return True
    return ticket is not None and person_id in (ticket.assignee, ticket.first_receiver)


def reveal_event(version: int, by: str, at: datetime, tickets: Sequence[str],
                 purpose: str) -> Event:
    """The ``@desk`` event recording that ``by`` saw the personal data of ``tickets``."""
    from propdesk.domain.events import Event, utc

    data: dict[str, Any] = {"tickets": list(tickets), "fields": list(PERSONAL_FIELDS),
                            "purpose": purpose}
    return Event(DESK_STREAM, version, REVEAL_KIND, utc(at), by, data)


def record_reveal(store: EventStore, by: str, at: datetime, tickets: Sequence[str],
                  purpose: str, *, attempts: int = 5) -> Event:
    """Append a ``reveal`` event to ``@desk`` (retrying when another writer was first)."""
    from propdesk.ports import ConcurrencyConflict

    for _ in range(attempts):
        version = store.version(DESK_STREAM)
        event = reveal_event(version + 1, by, at, tickets, purpose)
        try:
            store.append(DESK_STREAM, version, [event])
        except ConcurrencyConflict:
            continue
        return event
    raise ConcurrencyConflict(DESK_STREAM, store.version(DESK_STREAM), -1)


def reveals(events: Iterable[Event]) -> list[Event]:
    """The ``reveal`` events among ``events`` (for audits of who saw what)."""
    return [e for e in events if e.ticket == DESK_STREAM and e.kind == REVEAL_KIND]

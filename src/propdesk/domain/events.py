"""The record: immutable, timestamped events (R-31).

Every accepted command becomes one or more events appended to its ticket's
stream.  An event's payload (``data``) holds JSON-native values only
(``str``, ``int``, ``bool``, ``None``, lists and string-keyed dicts of
those): datetimes are ISO 8601 strings in UTC and money is a decimal string.
That keeps the record byte-for-byte the same in every store, in exports and
in the audit hash chain, and keeps serialisation out of the hot path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final, TypeAlias

import attrs

from propdesk.domain import _fast
from propdesk.domain.errors import DomainError

JSONValue: TypeAlias = Any
"""A JSON-native value: str, int, bool, None, list or dict of those."""


@attrs.frozen(slots=True)
class Event:
    """One immutable fact in a ticket's stream.

    ``version`` is the 1-based position of the event in its ticket's stream;
    ``(ticket, version)`` is unique in every store (optimistic concurrency).
    ``kind`` uses the command vocabulary of docs/lifecycle.md (``record``,
    ``dispatch`` …).  ``at`` is timezone-aware and normalised to UTC.
    """

    ticket: str
    version: int
    kind: str
    at: datetime
    by: str
    data: Mapping[str, JSONValue] = attrs.field(factory=dict)


make_event: Final[Callable[[str, int, str, datetime, str, Mapping[str, JSONValue]], Event]] = (
    _fast.positional(Event))
"""``make_event(ticket, version, kind, at, by, data)``: ``Event(...)`` with every
field given, built without attrs' keyword ``__init__`` (``decide`` makes one per
accepted command, the simulator millions)."""


STREAM_PREFIX: Final = "@"
"""Stream ids starting with ``@`` are reserved for the desk's own streams of
events (reports published, phone numbers revealed), never a ticket's."""

DESK_STREAM: Final = "@desk"
"""The desk's own stream."""


def is_stream(stream: str) -> bool:
    """Whether ``stream`` is one of the desk's own streams rather than a ticket."""
    return stream.startswith(STREAM_PREFIX)


def check_ticket_id(ticket_id: str) -> None:
    """Refuse a new ticket whose id is reserved for the desk's streams
    (``invalid_value``)."""
    if is_stream(ticket_id):
        raise DomainError("invalid_value", field="ticket",
                          reason="a ticket id may not start with '@'")


def utc(dt: datetime) -> datetime:
    """Return ``dt`` in UTC; refuses naive datetimes (R-32)."""
    if dt.tzinfo is UTC:
        return dt
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()} has no time zone")
    return dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    """ISO 8601 text of an aware datetime, in UTC (``2026-03-02T01:00:40+00:00``)."""
    return utc(dt).isoformat()


def parse_iso(text: str) -> datetime:
    """Parse the ISO text written by :func:`iso` (or any aware ISO 8601 text)."""
    return utc(datetime.fromisoformat(text))

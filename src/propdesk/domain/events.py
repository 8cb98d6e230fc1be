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

from propdesk.domain.makers import COMPILED

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


def _slot_setter(name: str) -> Callable[[Event, Any], None]:
    setter: Callable[[Event, Any], None] = getattr(Event, name).__set__
    return setter


# Final: the compiled build (docs/speed.md) keeps final names in C variables
# instead of looking them up in the module's dict at every call
_new_object: Final = object.__new__
_UTC: Final = UTC
_COMPILED: Final = COMPILED
_set_ticket: Final = _slot_setter("ticket")
_set_version: Final = _slot_setter("version")
_set_kind: Final = _slot_setter("kind")
_set_at: Final = _slot_setter("at")
_set_by: Final = _slot_setter("by")
_set_data: Final = _slot_setter("data")


def make_event(ticket: str, version: int, kind: str, at: datetime, by: str,
               data: Mapping[str, JSONValue]) -> Event:
    """``Event(ticket, version, kind, at, by, data)`` with every field given,
    several times cheaper: the slots are set one by one, past attrs' frozen
    ``__setattr__``, the way that is fastest in each build
    (:mod:`propdesk.domain.makers`).  ``Event`` has no validators or
    converters; the tests check both ways build equal events.  ``decide`` makes
    one per accepted command, the simulator millions."""
    event: Event = _new_object(Event)
    if _COMPILED:  # one C call a field
        object.__setattr__(event, "ticket", ticket)
        object.__setattr__(event, "version", version)
        object.__setattr__(event, "kind", kind)
        object.__setattr__(event, "at", at)
        object.__setattr__(event, "by", by)
        object.__setattr__(event, "data", data)
    else:  # the slots' own setters
        _set_ticket(event, ticket)
        _set_version(event, version)
        _set_kind(event, kind)
        _set_at(event, at)
        _set_by(event, by)
        _set_data(event, data)
    return event


def utc(dt: datetime) -> datetime:
    """Return ``dt`` in UTC; refuses naive datetimes (R-32)."""
    if dt.tzinfo is _UTC:
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

"""Plain events for the store contracts' tests (re-exported by :mod:`propdesk.testing.contract`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from propdesk.domain.events import Event

T0 = datetime(2026, 3, 2, 1, 0, 40, tzinfo=UTC)


def make_event(
    ticket: str,
    version: int,
    kind: str = "note",
    *,
    at: datetime | None = None,
    by: str = "desk-wang",
    data: dict[str, Any] | None = None,
) -> Event:
    """A plain event for tests (``at`` defaults to a fixed instant + version seconds)."""
    when = at if at is not None else T0 + timedelta(seconds=version)
    return Event(ticket, version, kind, when, by, {} if data is None else data)


def make_events(ticket: str, after: int, count: int, **kwargs: Any) -> list[Event]:
    """``count`` events continuing ``ticket`` after version ``after``."""
    return [make_event(ticket, after + i + 1, **kwargs) for i in range(count)]

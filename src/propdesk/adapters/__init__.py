"""Built-in adapters: the in-memory and SQLite event stores.

They are registered through the same pluggy hooks as third-party plugins
(see :mod:`propdesk.plugins`).  This package also holds the small helpers
every store shares, so that all of them refuse the same bad input with the
same message and compute the same hash chain.
"""

from __future__ import annotations

from collections.abc import Sequence

from propdesk.domain.events import Event
from propdesk.ports import DuplicateCommand

Group = tuple[str, int, Sequence[Event], str | None, str]
"""One ``(ticket, expected_version, events, command_id, digest)`` group of
:meth:`~propdesk.ports.EventStore.append_many`."""


def check_group(ticket: str, expected_version: int, events: Sequence[Event]) -> None:
    """Refuse an append whose events do not continue ``ticket`` at ``expected_version``.

    Raises ``ValueError`` naming the offending event.  This is a programming
    error of the caller (the Desk numbers events itself), not a conflict.
    """
    if not isinstance(ticket, str) or not ticket:
        raise ValueError(f"ticket id must be a non-empty string, got {ticket!r}")
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise ValueError(f"expected_version must be an int, got {expected_version!r}")
    if expected_version < 0:
        raise ValueError(f"expected_version must be >= 0, got {expected_version}")
    for offset, event in enumerate(events):
        if event.ticket != ticket:
            raise ValueError(
                f"event #{offset + 1} belongs to ticket {event.ticket!r}, not {ticket!r}"
            )
        want = expected_version + offset + 1
        if event.version != want:
            raise ValueError(
                f"event #{offset + 1} of ticket {ticket!r} has version {event.version},"
                f" expected {want}"
            )
        if event.at.tzinfo is None or event.at.utcoffset() is None:
            raise ValueError(f"event #{offset + 1} of ticket {ticket!r} has a naive time")


def check_batch(batch: Sequence[Group]) -> None:
    """Validate every group of a batch and refuse a command id used twice in it."""
    seen: set[str] = set()
    for ticket, expected, events, command_id, _digest in batch:
        check_group(ticket, expected, events)
        if command_id is not None:
            if command_id in seen:
                raise DuplicateCommand(command_id)
            seen.add(command_id)

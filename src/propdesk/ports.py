"""Protocols the shell's adapters implement (storage, clock, notices).

The domain core never imports this module; the :class:`~propdesk.desk.Desk`
talks to adapters only through these protocols.  Storage adapters are
registered as pluggy plugins (see :mod:`propdesk.hookspecs`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from propdesk.domain.events import Event
from propdesk.domain.notices import Notice

__all__ = ["Notice"]  # re-exported: notifiers receive domain notices


class StoreError(Exception):
    """Base class of storage failures.  ``code`` is stable, for the CLI's exit codes."""

    code = "storage"


class ConcurrencyConflict(StoreError):
    """Another writer appended to the ticket first (expected version no longer current)."""

    code = "conflict"

    def __init__(self, ticket: str, expected: int, actual: int) -> None:
        super().__init__(
            f"ticket {ticket}: expected version {expected}, but the stream is at {actual}"
            " (another operator changed it first; reload and try again)"
        )
        self.ticket = ticket
        self.expected = expected
        self.actual = actual


class DuplicateCommand(StoreError):
    """A command id was already used (idempotency key)."""

    code = "duplicate_command"

    def __init__(self, command_id: str) -> None:
        super().__init__(f"command id {command_id!r} was already applied")
        self.command_id = command_id


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached."""

    code = "storage_unavailable"


@attrs.frozen
class StoredEvent:
    """An event as it sits in the global log: its sequence number and hashes."""

    seq: int
    event: Event
    command_id: str | None
    prev_hash: str
    hash: str


@attrs.frozen
class CommandRecord:
    """What a store remembers of an applied command id (idempotency)."""

    command_id: str
    digest: str
    ticket: str
    first_version: int
    last_version: int


@attrs.frozen
class AuditReport:
    """Result of verifying the hash chain.  ``first_bad`` is the 1-based
    global position of the first entry that does not verify, or ``None``."""

    checked: int
    ok: bool
    first_bad: int | None = None
    reason: str = ""
    head_hash: str = ""


@runtime_checkable
class EventStore(Protocol):
    """Append-only event storage keyed by ``(ticket, version)``.

    Contract (shipped as tests in :mod:`propdesk.testing`):

    * ``append`` writes all of ``events`` or none; their versions must be
      ``expected_version + 1 …`` in order; if the ticket's stream is not at
      ``expected_version`` it raises :class:`ConcurrencyConflict` and writes
      nothing.
    * With a ``command_id``, a second append with the same id raises
      :class:`DuplicateCommand` and writes nothing; ``find_command`` returns
      what was recorded for it (``digest`` identifies the command's content).
    * Every appended event gets the next global sequence number; sequence
      order is commit order, and ``read_all(after=n)`` never skips one.
    * Stored events are never changed; ``audit()`` verifies the hash chain.
    """

    def load(self, ticket: str) -> list[Event]:
        """All events of one ticket in version order (empty if unknown)."""
        ...

    def version(self, ticket: str) -> int:
        """The ticket stream's current version (0 if unknown)."""
        ...

    def append(
        self,
        ticket: str,
        expected_version: int,
        events: Sequence[Event],
        *,
        command_id: str | None = None,
        digest: str = "",
    ) -> list[StoredEvent]:
        """Append atomically; returns the stored entries."""
        ...

    def append_many(
        self, batch: Sequence[tuple[str, int, Sequence[Event], str | None, str]]
    ) -> None:
        """Append several (ticket, expected_version, events, command_id, digest)
        groups in one transaction: all or nothing (used for batch imports)."""
        ...

    def find_command(self, command_id: str) -> CommandRecord | None:
        """The record of an applied command id, or ``None``."""
        ...

    def tickets(self) -> list[str]:
        """Ids of all tickets, in order of their first event."""
        ...

    def read_all(self, after: int = 0, limit: int | None = None) -> Iterator[StoredEvent]:
        """Entries of the global log with ``seq > after``, in sequence order."""
        ...

    def head(self) -> int:
        """The highest global sequence number (0 when empty)."""
        ...

    def audit(self) -> AuditReport:
        """Verify the whole hash chain."""
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...


# ------------------------------------------------------------ credentials (issue 18)
# Sign-in secrets of the web desk, kept in the store beside the event log.


@runtime_checkable
class CredentialStore(Protocol):
    """A store that keeps one password hash per person (the web desk's sign-in).

    Only hashes made by a password-hashing library are stored, never a
    password; setting a person's hash again replaces it.  Contract (in
    :mod:`propdesk.testing`): ``credential`` returns the last hash set, or
    ``None``; hashes are shared by every handle on the same store.
    """

    def set_credential(self, person: str, secret_hash: str, at: datetime) -> None:
        """Store (or replace) ``person``'s password hash, set at ``at``."""
        ...

    def credential(self, person: str) -> str | None:
        """``person``'s password hash, or ``None`` when none was set."""
        ...


# ------------------------------------------------------------ end of credentials


class Clock(Protocol):
    """Where the shell gets "now" (a manual clock in tests and the simulator)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class Notifier(Protocol):
    """Delivers notices after commit (fan-out: every registered notifier is called)."""

    def notify(self, notice: Notice) -> None:
        """Deliver one notice; may raise (the outbox retries)."""
        ...

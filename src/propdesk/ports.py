"""Protocols the shell's adapters implement (storage with its outbox, clock).

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
    * ``search`` answers from an index kept up to date by every append (the
      ``record`` and ``amend`` events), all or nothing with the append.
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
        outbox: Sequence[OutboxRow] = (),
    ) -> list[StoredEvent]:
        """Append atomically; returns the stored entries.  ``outbox`` rows are
        written in the same transaction (a row whose ``key`` exists is skipped)."""
        ...

    def append_many(
        self, batch: Sequence[tuple[str, int, Sequence[Event], str | None, str]],
        *, outbox: Sequence[OutboxRow] = (),
    ) -> None:
        """Append several (ticket, expected_version, events, command_id, digest)
        groups in one transaction: all or nothing (used for batch imports);
        ``outbox`` rows in the same transaction."""
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

    def search(self, query: str, *, limit: int | None = 50) -> list[str]:
        """Ids of the tickets matching ``query``, newest first (by the sequence
        number of their ``record`` event), at most ``limit`` (``None``: all).

        The rules are :mod:`propdesk.search`'s (location, contact, content as
        substrings; the phone in full or by its last four digits; every term
        must match).  Served by an index the store updates in the same
        transaction as each append, never by reading the whole log.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...

    # -- the outbox (issue 17): notices waiting for their channels ------------

    def outbox_due(self, channel: str, now: datetime, limit: int) -> list[OutboxRow]:
        """Pending rows of ``channel`` with ``next_at <= now``, oldest first."""
        ...

    def outbox_update(self, row_id: int, *, state: str, attempts: int, next_at: datetime,
                      last_error: str = "", sent_at: datetime | None = None) -> None:
        """Record one delivery attempt's outcome (its own transaction)."""
        ...

    def outbox_rows(self, *, states: Sequence[str] = (), limit: int | None = None
                    ) -> list[OutboxRow]:
        """Rows in id order, only those in ``states`` when given."""
        ...

    def outbox_requeue(self, ids: Sequence[int] | None, now: datetime) -> int:
        """Make dead rows (all when ``ids`` is None) pending again, due at ``now``,
        with their attempts reset; returns how many."""
        ...

    def outbox_next_at(self) -> datetime | None:
        """The earliest ``next_at`` of a pending row (None when nothing is pending)."""
        ...

    def record_fires(self, fires: Sequence[tuple[FireKey, datetime, Sequence[OutboxRow]]]
                     ) -> list[FireKey]:
        """Record SLA alerts as fired, once ever: in one transaction, each key not
        recorded yet is recorded with its outbox rows; returns those keys."""
        ...

    def watch_lock(self) -> WatchLock:
        """The lock that makes one watcher the only sender for this store."""
        ...


# ------------------------------------------------------------------ outbox (issue 17)

OUTBOX_STATES = ("pending", "sent", "dead")

FireKey = tuple[str, str, int, int, str]
"""An SLA alert's identity: (ticket, rule, cycle, occurrence, kind)."""


@attrs.frozen
class OutboxRow:
    """One notice for one channel, kept until the channel confirmed it.

    ``key`` is unique (``<notice id>@<channel>``): writing a row twice keeps
    the first.  ``body`` is the JSON text of the channel message.  ``id`` is
    assigned by the store (0 before it is written).
    """

    key: str
    notice: str
    channel: str
    ticket: str
    type: str
    created: datetime
    body: str
    next_at: datetime
    state: str = "pending"
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None
    id: int = 0


class WatchLock(Protocol):
    """Held by the one watcher that sends (a file lock, an advisory lock …)."""

    def acquire(self) -> bool:
        """Take the lock without waiting; ``True`` when now held."""
        ...

    def release(self) -> None:
        """Give the lock up (no effect when not held)."""
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

"""The Desk: the imperative shell around the pure core.

``Desk.handle(command)`` loads the ticket's events, decides (permissions are
checked inside the core), appends with the expected version, and writes
the notices it causes into the store's outbox in the same transaction
(delivered after the commit by ``propdesk watch``, :mod:`propdesk.outbox`).
Clock and store are injected.  A view
of all tickets is kept up to date from the store's global sequence for the
queries that need every ticket (routing's open work orders, lists, SLA,
statistics) and for observers such as the SLA deadline index.

``handle`` and batches share one path: :meth:`Desk._admit` (the command-id
replay check, the reserved ``@`` ids) and :meth:`Desk._decide` (decide, then
evolve).  The notification side is in :mod:`propdesk.desk_outbox`, the
as-of views, the SLA engine and the open-work projection in
:mod:`propdesk.desk_reads`, command ids in :mod:`propdesk.command_ids`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from propdesk import desk_outbox
from propdesk.batch import LineResult as LineResult
from propdesk.batch import read_lines, refused_line
from propdesk.command_ids import LINE_ID_PREFIX as LINE_ID_PREFIX
from propdesk.command_ids import command_digest as command_digest
from propdesk.command_ids import content_digest as content_digest
from propdesk.command_ids import line_command_id as line_command_id
from propdesk.converter import check_command
from propdesk.desk_outbox import MASKS as MASKS
from propdesk.desk_reads import SlaView, ticket_as_of, tickets_as_of
from propdesk.domain import commands as c
from propdesk.domain.config import Config
from propdesk.domain.decide import Context, decide
from propdesk.domain.enums import CommandName
from propdesk.domain.errors import DomainError
from propdesk.domain.events import DESK_STREAM, Event, check_ticket_id, is_stream, iso, utc
from propdesk.domain.fold import evolve, fold
from propdesk.domain.lifecycle import allowed_commands
from propdesk.domain.model import Ticket
from propdesk.domain.notices import Notice
from propdesk.domain.routing import OpenWork, active_assignee
from propdesk.domain.sla import Alert, Outcome
from propdesk.ports import (
    Clock,
    CommandRecord,
    ConcurrencyConflict,
    DuplicateCommand,
    EventStore,
    OutboxRow,
    StoredEvent,
)

_log = logging.getLogger("propdesk.desk")

QUESTION_WINDOW = timedelta(days=7)

Observer = Callable[[Ticket], None]
_Item = tuple[int, "c.Command | DomainError", str, bool]
"""A batch item: line, command (or its parse error), digest, id derived from content."""
CommitHook = Callable[[Sequence[StoredEvent]], None]


@attrs.frozen
class Result:
    """What an accepted command did: the ticket after it, its events and notices.
    ``replayed`` is true when a repeated ``command_id`` returned the first answer."""

    ticket: Ticket
    events: tuple[Event, ...]
    notices: tuple[Notice, ...] = ()
    replayed: bool = False


class Desk:
    """A community's front desk over an event store."""

    def __init__(
        self,
        config: Config,
        store: EventStore,
        *,
        clock: Clock | None = None,
        channels: Sequence[str] | None = None,
        on_commit: Sequence[CommitHook] = (),
        future_tolerance: timedelta | None = None,
    ) -> None:
        from propdesk.adapters.clock import SystemClock

        self.config = config
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.channels = ([str(t["name"]) for t in config.notifiers] if channels is None
                         else list(channels))
        """The names of the notification channels: each notice gets one outbox
        row per channel (default: the ``[[notifiers]]`` tables' names)."""
        self.on_commit = list(on_commit)
        """Called with the stored entries of every successful append (the
        ``propdesk_events_committed`` plugin hook); never for refusals."""
        self.future_tolerance = future_tolerance
        """A command dated more than this ahead of the clock is refused (``future_time``);
        ``None``: no limit.  Batches (:meth:`apply_commands`) are not held to it."""
        self._view: dict[str, Ticket] | None = None
        self._open = OpenWork()
        """Open work orders per person over the view (kept while there is a view)."""
        self._seq = 0
        self._observers: list[Observer] = []
        self._window: tuple[int, datetime | None] = (-1, None)
        self._sla = SlaView(config, self.add_observer, self.refresh)
        self.notices_queued = 0
        """Notices written to the outbox by this Desk (for the CLI's report)."""
        self.failures: Counter[str] = Counter()
        """Failures of observers (``observer``), counted and logged, never silent."""

    # ------------------------------------------------------------- commands

    def handle(self, command: c.Command, *, expected_version: int | None = None) -> Result:
        """Apply one command.  Raises :class:`DomainError` when it is refused
        (nothing is written) and :class:`~propdesk.ports.ConcurrencyConflict`
        when ``expected_version`` is given and someone else changed the ticket
        first.  Without ``expected_version`` a conflict is retried by deciding
        again on the new state (so the rules are always checked on what is stored)."""
        command = check_command(command)
        digest = command_digest(command) if command.command_id is not None else ""
        if command.at is None:
            command = attrs.evolve(command, at=self.clock.now())
        elif self.future_tolerance is not None:
            self._not_in_future(command.at)
        rec = self._admit(command, digest)
        if rec is not None:
            return self._replayed(rec)
        for _attempt in range(1 if expected_version is not None else 5):
            events_before = self.store.load(command.ticket)
            if expected_version is not None and len(events_before) != expected_version:
                raise ConcurrencyConflict(command.ticket, expected_version, len(events_before))
            needs_view = isinstance(command, c.Dispatch) and command.to is None
            events, after = self._decide(fold(events_before), command,
                                         self._context(needs_view))
            notices = self._notices(after, events)
            try:
                stored = self.store.append(command.ticket, len(events_before), events,
                                           command_id=command.command_id, digest=digest,
                                           outbox=self._outbox_rows(notices))
            except ConcurrencyConflict:
                if expected_version is not None:
                    raise
                continue
            except DuplicateCommand:
                rec = self._admit(command, digest)
                if rec is None:
                    raise
                return self._replayed(rec)
            if self.channels:
                self.notices_queued += len(notices)
            self._run_commit_hooks(stored)
            self._committed()
            return Result(after, tuple(events), tuple(notices))
        raise DomainError("conflict", ticket=command.ticket)

    def _admit(self, cmd: c.Command, digest: str, *, look: bool = True) -> CommandRecord | None:
        """The checks before deciding, for :meth:`handle` and batches alike: the
        stored record when ``cmd``'s id was applied before with this very command
        (looked up when ``look``); the same id with another command is refused, and
        so is a new ticket id starting with ``@`` (reserved for desk streams)."""
        if cmd.command_id is not None and look:
            rec = self.store.find_command(cmd.command_id)
            if rec is not None:
                if rec.digest != digest or rec.ticket != cmd.ticket:
                    raise DomainError("command_id_reused", value=cmd.command_id)
                return rec
        if isinstance(cmd, c.Record):
            check_ticket_id(cmd.ticket)
        return None

    @staticmethod
    def _decide(ticket: Ticket | None, cmd: c.Command, ctx: Context
                ) -> tuple[list[Event], Ticket]:
        """The one decide-and-evolve step: ``cmd``'s events and the ticket after them."""
        events = decide(ticket, cmd, ctx)
        after = ticket
        for e in events:
            after = evolve(after, e)
        assert after is not None
        return events, after

    def _replayed(self, rec: CommandRecord) -> Result:
        """The first answer to a command applied before."""
        events = self.store.load(rec.ticket)
        ticket = fold(events)
        assert ticket is not None
        return Result(ticket, tuple(events[rec.first_version - 1:rec.last_version]),
                      replayed=True)

    def _not_in_future(self, at: datetime) -> None:
        assert self.future_tolerance is not None
        if at.utcoffset() is None:
            return  # decide refuses a naive time (naive_time)
        now = self.clock.now()
        if at - now > self.future_tolerance:
            raise DomainError("future_time", field="at", value=iso(utc(at)),
                              now=iso(utc(now)),
                              tolerance=int(self.future_tolerance.total_seconds()))

    def apply_commands(
        self, items: Iterable[tuple[int, c.Command | DomainError]], *, chunk: int = 1000
    ) -> list[LineResult]:
        """Apply numbered commands in order, ``chunk`` per transaction (see
        :meth:`apply_chunks`); every result in one list."""
        return [r for part in self.apply_chunks(items, chunk=chunk) for r in part]

    def apply_chunks(
        self, items: Iterable[tuple[int, c.Command | DomainError]], *, chunk: int = 1000
    ) -> Iterator[list[LineResult]]:
        """Apply numbered commands in order, ``chunk`` per transaction, yielding
        each chunk's results as soon as the chunk is committed.

        An item may be a :class:`DomainError` (a line that failed to parse): it
        is reported as refused.  A refused command changes nothing and the rest
        still apply.  A chunk that meets a concurrent writer is decided again.

        Applying is safe to repeat: a command with a time and no ``command_id``
        is given one from its content (:func:`line_command_id`), so a command
        already applied (a batch cut short, then run again) is reported as
        ``already``, not refused.
        """
        batch: list[_Item] = []
        occurrences: Counter[str] = Counter()
        for line, cmd in items:
            digest, derived = "", False
            if not isinstance(cmd, DomainError) and cmd.at is not None:
                digest = content_digest(cmd)
                if cmd.command_id is None:
                    n = occurrences[digest]
                    occurrences[digest] += 1
                    cmd = attrs.evolve(cmd, command_id=line_command_id(digest, n))
                    derived = True
            batch.append((line, cmd, digest, derived))
            if len(batch) >= chunk:
                yield self._apply_chunk_retrying(batch)
                batch = []
        if batch:
            yield self._apply_chunk_retrying(batch)

    def _apply_chunk_retrying(self, items: list[_Item]) -> list[LineResult]:
        for _attempt in range(5):
            try:
                return self._apply_chunk(items)
            except (ConcurrencyConflict, DuplicateCommand):
                # another writer (perhaps the same file applied twice at once)
                # got there first: decide the chunk again on what is stored
                self._catch_up()
        raise DomainError("conflict", ticket="(batch)")

    def _apply_chunk(self, items: list[_Item]) -> list[LineResult]:
        """Decide every command of a chunk on the view, then append all accepted
        ones in one transaction.  Each item carries the command's digest when
        its time is known (``""`` otherwise) and whether its id was derived."""
        view = self._ensure_view()
        work: dict[str, Ticket | None] = {}
        open_work = self._open.copy()
        groups: list[tuple[str, int, Sequence[Event], str | None, str]] = []
        changed: list[tuple[Ticket, list[Event]]] = []
        out: list[LineResult] = []
        seen_ids: dict[str, str] = {}
        ctx = Context(self.config, open_work.counts, self._question_window())
        now = self.clock.now()
        for line, cmd, known, derived in items:
            if isinstance(cmd, DomainError):
                out.append(refused_line(line, str(cmd.params.get("ticket") or "") or None, cmd))
                continue
            try:
                cmd = check_command(cmd)
            except DomainError as err:
                ticket_id = getattr(cmd, "ticket", None)
                out.append(refused_line(line, ticket_id if isinstance(ticket_id, str) else None,
                                    err))
                continue
            if cmd.at is None:
                cmd = attrs.evolve(cmd, at=now)
            digest = "" if cmd.command_id is None else known or command_digest(cmd)
            try:
                if cmd.command_id is not None and cmd.command_id in seen_ids:
                    if seen_ids[cmd.command_id] != digest:
                        raise DomainError("command_id_reused", value=cmd.command_id)
                    out.append(LineResult(line, True, cmd.ticket, already=True))
                    continue
                # a line of a ticket the store does not hold was never applied
                # (its id comes from its content, ticket included)
                if self._admit(cmd, digest, look=cmd.ticket in view or not derived) is not None:
                    out.append(LineResult(line, True, cmd.ticket, already=True))
                    continue
                ticket = work[cmd.ticket] if cmd.ticket in work else view.get(cmd.ticket)
                events, after = self._decide(ticket, cmd, ctx)
            except DomainError as err:
                out.append(refused_line(line, cmd.ticket, err))
                continue
            open_work.move(active_assignee(ticket), after)
            work[cmd.ticket] = after
            groups.append((cmd.ticket, ticket.version if ticket else 0, events,
                           cmd.command_id, digest))
            if cmd.command_id:
                seen_ids[cmd.command_id] = digest
            changed.append((after, events))
            out.append(LineResult(line, True, cmd.ticket))
        if groups:
            head = self._seq
            notices = ([n for after, events in changed for n in self._notices(after, events)]
                       if self.channels else [])
            self.store.append_many(groups, outbox=self._outbox_rows(notices))
            self.notices_queued += len(notices)
            written = sum(len(g[2]) for g in groups)
            if self.store.head() == head + written:
                # nobody else wrote meanwhile: the chunk's own results are the view
                self._seq = head + written
                for tid, t in work.items():
                    if t is not None:
                        self._put(tid, t)
                        for observer in self._observers:
                            observer(t)
            else:
                self._catch_up()
            if self.on_commit:
                self._run_commit_hooks(list(self.store.read_all(after=head))[:written])
        return out

    def _run_commit_hooks(self, stored: Sequence[StoredEvent]) -> None:
        for hook in self.on_commit:
            try:
                hook(stored)
            except Exception:  # the events are stored; an observer's failure changes nothing
                tickets = sorted({e.event.ticket for e in stored})
                _log.exception("observer of committed events failed (tickets %s)",
                               ", ".join(tickets))
                self.failures["observer"] += 1

    def apply(self, lines: Iterable[str], *, chunk: int = 1000) -> list[LineResult]:
        """Apply the lines of a batch file (docs/batch-format.md) in order; one
        result per command line."""
        return apply_lines(self, lines, chunk=chunk)

    def publish_report(self, label: str, by: str, at: datetime | None = None) -> Event:
        """Record the publication of the quarterly public management report (K-11):
        for a week after it, owners' questions about it (``about="public_report"``)
        are routed to the community supervisor."""
        person = self.config.person_by_id.get(by)
        if person is None:
            raise DomainError("unknown_person", field="by", value=by)
        when = utc(at or self.clock.now())
        version = self.store.version(DESK_STREAM)
        event = Event(DESK_STREAM, version + 1, "publish_report", when, by, {"report": label})
        self.store.append(DESK_STREAM, version, [event])
        return event

    # ---------------------------------------------------------------- reads

    def ticket(self, ticket_id: str) -> Ticket:
        """The ticket as its stored events make it; ``unknown_ticket`` if none."""
        t = fold(self.store.load(ticket_id)) if not is_stream(ticket_id) else None
        if t is None:
            raise DomainError("unknown_ticket", ticket=ticket_id)
        return t

    def events_of(self, ticket_id: str) -> list[Event]:
        """The stored events of one ticket (its history)."""
        if not self.store.version(ticket_id):
            raise DomainError("unknown_ticket", ticket=ticket_id)
        return self.store.load(ticket_id)

    def allowed(self, ticket_id: str) -> list[CommandName]:
        """The commands allowed on a ticket now (ignoring who asks)."""
        resolvable = Context(self.config).desk_resolvable
        return allowed_commands(self.ticket(ticket_id), resolvable)

    def tickets(self) -> list[Ticket]:
        """Every ticket as it stands now, in order of recording."""
        return list(self._ensure_view().values())

    def all_events(self) -> Iterator[Event]:
        """Every ticket event of the log in commit order (desk-level events left out)."""
        for entry in self.store.read_all():
            if not is_stream(entry.event.ticket):
                yield entry.event

    def tickets_as_of(self, end: datetime, *, received_from: datetime | None = None,
                      ids: Iterable[str] | None = None) -> list[Ticket]:
        """Tickets as they stood at ``end`` (events with ``at <= end``), in order of
        recording, optionally only those received at or after ``received_from`` and
        only those of ``ids`` (then in the order of ``ids``, one fold per ticket
        instead of a read of the whole log).  A ticket recorded after ``end`` is
        left out: the desk as it stood then (``board``, ``list``, ``due``, ``sla``
        with ``--at``)."""
        end = utc(end)
        if ids is not None:  # (in the order of ids)
            out = [t for t in (self.ticket_as_of(i, end) for i in dict.fromkeys(ids))
                   if t is not None]
        else:
            out = tickets_as_of(self.all_events(), end)
        if received_from is not None:
            out = [t for t in out if t.received_at >= received_from]
        return out

    def ticket_as_of(self, ticket_id: str, at: datetime) -> Ticket | None:
        """One ticket as it stood at ``at``; ``None`` when it was not recorded yet
        (``unknown_ticket`` when it does not exist at all)."""
        return ticket_as_of(self.events_of(ticket_id), at)

    def search(self, text: str, *, limit: int | None = 50) -> list[Ticket]:
        """Tickets whose location (room), contact, phone (in full or its last four
        digits) or content match ``text``, newest first, at most ``limit``
        (``None``: all).  Every whitespace-separated term must match; letters match
        regardless of case and width.  Served by the store's search index
        (:meth:`~propdesk.ports.EventStore.search`), not a scan of the log."""
        from propdesk.search import parse_query

        if not parse_query(text):
            return []
        found = self.store.search(text, limit=limit)
        if self._view is not None or len(found) > 2000:  # (then folding all is cheaper)
            view = self._ensure_view()
            return [view[i] for i in found if i in view]
        return [self.ticket(i) for i in found]

    def add_observer(self, observer: Observer) -> None:
        """Call ``observer(ticket)`` with every ticket now, and with each ticket
        again whenever it changes (the SLA deadline index uses this)."""
        view = self._ensure_view()
        self._observers.append(observer)
        for t in view.values():
            observer(t)

    def refresh(self) -> None:
        """Catch the view up with events written by other processes."""
        if self._view is not None:
            self._catch_up()

    # ------------------------------------------- notifications (propdesk.desk_outbox)

    def flush(self, channels: Sequence[Any], *, at: datetime | None = None) -> int:
        """One delivery pass of the outbox through ``channels`` (objects of
        :class:`propdesk.channels.Channel`), when no watcher holds the store's
        watch lock; returns how many rows are still pending."""
        return desk_outbox.flush(self.store, self.config, channels,
                                 utc(at or self.clock.now()))

    def fire_alerts(self, until: datetime | None = None) -> list[Notice]:
        """Record the SLA warnings and breaches due up to ``until`` (default: now)
        that were never fired, each with its outbox rows in one transaction, and
        return their notices (S-21: once per ticket, rule, cycle and kind, across
        processes, through the store's durable fire record)."""
        end = utc(until or self.clock.now())
        alerts = self.due(end)
        if not alerts:
            return []
        view = self._ensure_view()
        try:
            return desk_outbox.record_alerts(self.store, self.config, self.channels, view,
                                             alerts, end)
        except BaseException:
            self._sla.forget()  # the index took them as reported: rebuild it next time
            raise

    # ------------------------------------------- SLA (issue 3, propdesk.desk_reads)

    def sla_status(self, ticket_id: str, at: datetime | None = None) -> list[Outcome]:
        """Every rule's outcome for one ticket at ``at`` (default: now), per cycle (S-20)."""
        return self._sla.status(self.ticket(ticket_id), utc(at or self.clock.now()))

    def sla_all(self, at: datetime | None = None) -> list[dict[str, Any]]:
        """The SLA status of every ticket at ``at`` (default: now) in the JSON
        shape of docs/sla.md; deadlines in the community's time zone."""
        return self._sla.all(self.tickets, utc(at or self.clock.now()))

    def due(self, until: datetime | None = None, since: datetime | None = None
            ) -> list[Alert]:
        """Warnings and breaches falling due, in time order (S-21).

        Without ``since``: those due up to ``until`` (default: now) that were
        not reported before, each reported once ever (the notification
        watcher's and the simulator's call).  With ``since``: those falling due
        in ``(since, until]``, reported before or not (warnings only while their
        clock runs); nothing is consumed."""
        return self._sla.due(utc(until or self.clock.now()),
                             None if since is None else utc(since))

    # ------------------------------------------------------------ internals

    def _context(self, needs_view: bool) -> Context:
        if needs_view:
            return Context(self.config, self._open_counts(), self._question_window())
        return Context(self.config, {}, self._question_window())

    def _question_window(self) -> datetime | None:
        """The end of the K-11 question window, from the small ``@desk`` stream
        (re-read only when that stream grew; never a fold of the whole log)."""
        version = self.store.version(DESK_STREAM)
        if version != self._window[0]:
            published = [e.at for e in self.store.load(DESK_STREAM)
                         if e.kind == "publish_report"]
            self._window = (version, published[-1] + QUESTION_WINDOW if published else None)
        return self._window[1]

    def _open_counts(self) -> dict[str, int]:
        """Open work orders per person now (a copy of the projection)."""
        self._ensure_view()
        return dict(self._open.counts)

    def _ensure_view(self) -> dict[str, Ticket]:
        if self._view is None:
            self._view = {}
            self._open = OpenWork()
            self._seq = 0
        self._catch_up()
        return self._view

    def _put(self, ticket_id: str, ticket: Ticket) -> None:
        """Set one ticket of the view, moving the open-work projection with it."""
        assert self._view is not None
        self._open.move(active_assignee(self._view.get(ticket_id)), ticket)
        self._view[ticket_id] = ticket

    def _catch_up(self) -> None:
        if self._view is None:
            return
        changed: dict[str, None] = {}
        for entry in self.store.read_all(after=self._seq):
            ev = entry.event
            if not is_stream(ev.ticket):
                self._put(ev.ticket, evolve(self._view.get(ev.ticket), ev))
                changed[ev.ticket] = None
            self._seq = entry.seq
        for tid in changed:
            for observer in self._observers:
                observer(self._view[tid])

    def _committed(self) -> None:
        if self._view is not None:
            self._catch_up()

    def _notices(self, ticket: Ticket, events: Sequence[Event]) -> list[Notice]:
        """The notices of accepted ``events``."""
        return desk_outbox.event_notices(self.config, ticket, events)

    def _outbox_rows(self, notices: Sequence[Notice]) -> list[OutboxRow]:
        """One outbox row per (notice, channel), written with what caused it."""
        return desk_outbox.queued_rows(self.config, notices, self.channels)


def open_desk(
    config: Config,
    *,
    clock: Clock | None = None,
    store: EventStore | None = None,
    pm: Any = None,
) -> Desk:
    """A Desk built from the configuration through the plugins: the store named
    by ``[storage] backend`` and the plugins'
    ``propdesk_events_committed`` observers."""
    from pathlib import Path

    from propdesk import plugins

    if store is None:
        store = plugins.open_store(config.storage, Path(config.base_dir or "."), pm=pm)
    return Desk(config, store, clock=clock,
                future_tolerance=future_tolerance(config),
                on_commit=[lambda entries: plugins.events_committed(entries, pm=pm)])


def future_tolerance(config: Config) -> timedelta | None:
    """The configured ``[desk] future_tolerance`` as a :class:`~datetime.timedelta`."""
    seconds = config.desk.future_tolerance
    return None if seconds is None else timedelta(seconds=seconds)


def apply_lines(desk: Desk, lines: Iterable[str], *, chunk: int = 1000) -> list[LineResult]:
    """Apply a batch file's lines to ``desk`` (see :mod:`propdesk.batch`)."""
    return desk.apply_commands(read_lines(lines), chunk=chunk)

"""The Desk: the imperative shell around the pure core.

``Desk.handle(command)`` loads the ticket's events, decides (permissions are
checked inside the core), appends with the expected version, and writes
the notices it causes into the store's outbox in the same transaction
(delivered after the commit by ``propdesk watch``, :mod:`propdesk.outbox`).
Clock and store are injected.  A view
of all tickets is kept up to date from the store's global sequence for the
queries that need every ticket (routing's open work orders, lists, SLA,
statistics) and for observers such as the SLA deadline index.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from propdesk.converter import check_command
from propdesk.domain import commands as c
from propdesk.domain.config import Config
from propdesk.domain.deadlines import Alert, DeadlineIndex
from propdesk.domain.decide import Context, decide
from propdesk.domain.enums import CommandName
from propdesk.domain.errors import DomainError
from propdesk.domain.events import Event, iso, utc
from propdesk.domain.fold import evolve, fold
from propdesk.domain.lifecycle import ACTIVE_WORK, allowed_commands
from propdesk.domain.model import Ticket
from propdesk.domain.notices import Masks, Notice, alert_notice, notices_for
from propdesk.domain.sla import Outcome, SlaRules, evaluate, outcome_to_dict
from propdesk.masking import mask_phone, mask_room
from propdesk.ports import (
    Clock,
    ConcurrencyConflict,
    DuplicateCommand,
    EventStore,
    FireKey,
    OutboxRow,
    StoredEvent,
)
from propdesk.serialization import canonical_json

_log = logging.getLogger("propdesk.desk")
MASKS = Masks(phone=mask_phone, room=mask_room)
"""Notices mask owners' phones and door numbers (RELIABILITY)."""

DESK_STREAM = "@desk"
"""The stream of desk-level events (publication of the public report, K-11)."""
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


@attrs.frozen
class LineResult:
    """The outcome of one command of a batch (docs/batch-format.md).

    ``already`` is true for a line whose command was applied before (by an
    earlier run of the same file, or an earlier line with the same explicit
    ``command_id``): it is acknowledged, not applied a second time."""

    line: int
    ok: bool
    ticket: str | None
    error: str | None = None
    code: str | None = None
    error_zh: str | None = None
    already: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``{"line", "ok", "ticket"}``, plus ``"already": true`` for a line
        applied before, or ``error``, ``code`` and ``error_zh`` for a refused one."""
        out: dict[str, Any] = {"line": self.line, "ok": self.ok, "ticket": self.ticket}
        if self.already:
            out["already"] = True
        if not self.ok:
            out.update(error=self.error, code=self.code, error_zh=self.error_zh)
        return out


LINE_ID_PREFIX = "~"
"""Prefix of the command id a batch line without ``command_id`` is given."""


def line_command_id(digest: str, occurrence: int) -> str:
    """The command id of a batch line that names none: 120 bits of its
    content's digest (:func:`command_digest`, base64), and ``.n`` for the
    n-th identical line before it in the same batch.  Applying the same file
    again finds every line it applied already under the same id.  Short, as
    the store keeps one per line."""
    key = base64.urlsafe_b64encode(bytes.fromhex(digest[:30])).decode()
    return f"{LINE_ID_PREFIX}{key}.{occurrence}" if occurrence else LINE_ID_PREFIX + key


def command_digest(cmd: c.Command) -> str:
    """A digest of a command's content (everything but its ``command_id``)."""
    raw = attrs.asdict(cmd, value_serializer=_plain)
    raw.pop("command_id", None)
    raw["cmd"] = cmd.name.value
    return hashlib.sha256(canonical_json(raw).encode()).hexdigest()


def _plain(_inst: Any, _field: Any, value: Any) -> Any:
    if isinstance(value, datetime):
        # naive times are refused by decide(); here they only need a stable text
        return iso(value) if value.utcoffset() is not None else value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    if not isinstance(value, str | int | float | bool | list | dict) and value is not None:
        return str(value)
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in attrs.fields(cls))
    return names


def _content(value: Any) -> Any:
    """``value`` as :func:`command_digest` serialises it (attrs.asdict with
    :func:`_plain`), written out: four times faster, for batch files."""
    if value is None or type(value) in (str, int, bool, float):
        return value
    if isinstance(value, tuple | list):
        return [_content(x) for x in value]
    if attrs.has(type(value)):
        return {n: _content(getattr(value, n)) for n in _field_names(type(value))}
    return _plain(None, None, value)


def content_digest(cmd: c.Command) -> str:
    """The same digest as :func:`command_digest` (a test holds them equal),
    computed without ``attrs.asdict``: a batch line's id comes from it."""
    raw = {n: _content(getattr(cmd, n)) for n in _field_names(type(cmd)) if n != "command_id"}
    raw["cmd"] = cmd.name.value
    return hashlib.sha256(canonical_json(raw).encode()).hexdigest()


def _active_assignee(t: Ticket | None) -> str | None:
    if t is None or t.state not in ACTIVE_WORK:
        return None
    return t.assignee


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
        self._seq = 0
        self._observers: list[Observer] = []
        self._window: tuple[int, datetime | None] = (-1, None)
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
        if command.command_id is not None:
            replay = self._replay(command, digest)
            if replay is not None:
                return replay
        if isinstance(command, c.Record) and command.ticket.startswith("@"):
            raise DomainError("invalid_value", field="ticket",
                              reason="a ticket id may not start with '@'")
        for _attempt in range(1 if expected_version is not None else 5):
            events_before = self.store.load(command.ticket)
            if expected_version is not None and len(events_before) != expected_version:
                raise ConcurrencyConflict(command.ticket, expected_version, len(events_before))
            ticket = fold(events_before)
            needs_view = isinstance(command, c.Dispatch) and command.to is None
            events = decide(ticket, command, self._context(needs_view))
            after = ticket
            for e in events:
                after = evolve(after, e)
            assert after is not None
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
                replay = self._replay(command, digest)
                if replay is None:
                    raise
                return replay
            if self.channels:
                self.notices_queued += len(notices)
            self._run_commit_hooks(stored)
            self._committed()
            return Result(after, tuple(events), tuple(notices))
        raise DomainError("conflict", ticket=command.ticket)

    def _not_in_future(self, at: datetime) -> None:
        assert self.future_tolerance is not None
        if at.utcoffset() is None:
            return  # decide refuses a naive time (naive_time)
        now = self.clock.now()
        if at - now > self.future_tolerance:
            raise DomainError("future_time", field="at", value=iso(utc(at)),
                              now=iso(utc(now)),
                              tolerance=int(self.future_tolerance.total_seconds()))

    def _replay(self, command: c.Command, digest: str) -> Result | None:
        assert command.command_id is not None
        rec = self.store.find_command(command.command_id)
        if rec is None:
            return None
        if rec.digest != digest or rec.ticket != command.ticket:
            raise DomainError("command_id_reused", value=command.command_id)
        events = self.store.load(rec.ticket)
        ticket = fold(events)
        assert ticket is not None
        return Result(ticket, tuple(events[rec.first_version - 1:rec.last_version]),
                      replayed=True)

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

    def _applied_before(self, cmd: c.Command, digest: str) -> bool:
        """Whether ``cmd``'s command id is already in the store with this very
        command; the same id with another command is refused."""
        assert cmd.command_id is not None
        rec = self.store.find_command(cmd.command_id)
        if rec is None:
            return False
        if rec.digest != digest or rec.ticket != cmd.ticket:
            raise DomainError("command_id_reused", value=cmd.command_id)
        return True

    def _apply_chunk(self, items: list[_Item]) -> list[LineResult]:
        """Decide every command of a chunk on the view, then append all accepted
        ones in one transaction.  Each item carries the command's digest when
        its time is known (``""`` otherwise) and whether its id was derived."""
        view = self._ensure_view()
        work: dict[str, Ticket | None] = {}
        counts = self._open_counts()
        groups: list[tuple[str, int, Sequence[Event], str | None, str]] = []
        changed: list[tuple[Ticket, list[Event]]] = []
        out: list[LineResult] = []
        seen_ids: dict[str, str] = {}
        ctx = Context(self.config, counts, self._question_window())
        now = self.clock.now()
        for line, cmd, known, derived in items:
            if isinstance(cmd, DomainError):
                out.append(_refused(line, str(cmd.params.get("ticket") or "") or None, cmd))
                continue
            try:
                cmd = check_command(cmd)
            except DomainError as err:
                ticket_id = getattr(cmd, "ticket", None)
                out.append(_refused(line, ticket_id if isinstance(ticket_id, str) else None,
                                    err))
                continue
            if cmd.at is None:
                cmd = attrs.evolve(cmd, at=now)
            digest = "" if cmd.command_id is None else known or command_digest(cmd)
            try:
                if cmd.command_id is not None:
                    if cmd.command_id in seen_ids:
                        if seen_ids[cmd.command_id] != digest:
                            raise DomainError("command_id_reused", value=cmd.command_id)
                        out.append(LineResult(line, True, cmd.ticket, already=True))
                        continue
                    # a line of a ticket the store does not hold was never applied
                    # (its id comes from its content, ticket included)
                    if (cmd.ticket in view or not derived) \
                            and self._applied_before(cmd, digest):
                        out.append(LineResult(line, True, cmd.ticket, already=True))
                        continue
                if isinstance(cmd, c.Record) and cmd.ticket.startswith("@"):
                    raise DomainError("invalid_value", field="ticket",
                                      reason="a ticket id may not start with '@'")
                ticket = work[cmd.ticket] if cmd.ticket in work else view.get(cmd.ticket)
                events = decide(ticket, cmd, ctx)
            except DomainError as err:
                out.append(_refused(line, cmd.ticket, err))
                continue
            after = ticket
            for e in events:
                after = evolve(after, e)
            assert after is not None
            old_a, new_a = _active_assignee(ticket), _active_assignee(after)
            if old_a != new_a:
                if old_a:
                    counts[old_a] -= 1
                if new_a:
                    counts[new_a] += 1
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
                        view[tid] = t
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
        t = fold(self.store.load(ticket_id)) if not ticket_id.startswith("@") else None
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
            if not entry.event.ticket.startswith("@"):
                yield entry.event

    # ------------------------------------------- as of a time, and search (issue 19)

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
            streams: dict[str, list[Event]] = {}
            for e in self.all_events():
                if e.at <= end:
                    streams.setdefault(e.ticket, []).append(e)
            out = [t for t in map(fold, streams.values()) if t is not None]
        if received_from is not None:
            out = [t for t in out if t.received_at >= received_from]
        return out

    def ticket_as_of(self, ticket_id: str, at: datetime) -> Ticket | None:
        """One ticket as it stood at ``at``; ``None`` when it was not recorded yet
        (``unknown_ticket`` when it does not exist at all)."""
        end = utc(at)
        return fold([e for e in self.events_of(ticket_id) if e.at <= end])

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

    def flush(self, channels: Sequence[Any], *, at: datetime | None = None) -> int:
        """One delivery pass of the outbox through ``channels`` (objects of
        :class:`propdesk.channels.Channel`), when no watcher holds the store's
        watch lock; returns how many rows are still pending."""
        from propdesk.outbox import Deliverer

        lock = self.store.watch_lock()
        if lock.acquire():
            try:
                Deliverer(self.store, channels, self.config.notify).pass_all(
                    utc(at or self.clock.now()))
            finally:
                lock.release()
        return len(self.store.outbox_rows(states=("pending",)))

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
        oldest = end - timedelta(seconds=self.config.notify.catch_up)
        fires: list[tuple[FireKey, datetime, list[OutboxRow]]] = []
        by_key: dict[FireKey, Notice] = {}
        for a in alerts:
            ticket = view.get(a.ticket)
            if ticket is None:
                continue
            key: FireKey = (a.ticket, a.rule, a.cycle, a.occurrence, str(a.kind))
            if a.at < oldest:  # older than the catch-up window: recorded, not sent
                fires.append((key, a.at, []))
                continue
            notice = alert_notice(self.config, ticket, a, masks=MASKS)
            by_key[key] = notice
            fires.append((key, a.at, self._outbox_rows([notice])))
        try:
            fired = self.store.record_fires(fires)
        except BaseException:
            self._sla = None  # the index took them as reported: rebuild it next time
            raise
        return [by_key[k] for k in fired if k in by_key]

    # ------------------------------------------------------------ SLA (issue 3)
    # The SLA engine (propdesk.domain.sla) and its deadline index, kept up to
    # date through add_observer.  Owned by the SLA engine; nothing else here.

    _sla: tuple[SlaRules, DeadlineIndex] | None = None

    def _sla_engine(self) -> tuple[SlaRules, DeadlineIndex]:
        if self._sla is None:
            rules = SlaRules.from_config(self.config)
            index = DeadlineIndex(rules)
            self._sla = (rules, index)
            self.add_observer(index.update)
        else:
            self.refresh()
        return self._sla

    def sla_status(self, ticket_id: str, at: datetime | None = None) -> list[Outcome]:
        """Every rule's outcome for one ticket at ``at`` (default: now), per cycle (S-20)."""
        rules, _ = self._sla_engine()
        return evaluate(self.ticket(ticket_id), rules, utc(at or self.clock.now()))

    def sla_all(self, at: datetime | None = None) -> list[dict[str, Any]]:
        """The SLA status of every ticket at ``at`` (default: now) in the JSON
        shape of docs/sla.md; deadlines in the community's time zone."""
        rules, _ = self._sla_engine()
        when = utc(at or self.clock.now())
        zone = self.config.zone
        return [outcome_to_dict(o, zone) for t in self.tickets()
                for o in evaluate(t, rules, when)]

    def due(self, until: datetime | None = None, since: datetime | None = None
            ) -> list[Alert]:
        """Warnings and breaches falling due, in time order (S-21).

        Without ``since``: those due up to ``until`` (default: now) that were
        not reported before, each reported once ever (the notification
        watcher's and the simulator's call).  With ``since``: those falling due
        in ``(since, until]``, reported before or not (warnings only while their
        clock runs); nothing is consumed."""
        _, index = self._sla_engine()
        end = utc(until or self.clock.now())
        if since is None:
            return index.due(end)
        return index.peek(utc(since), end)

    # ------------------------------------------------------------ end of SLA block

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

    def _open_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for t in self._ensure_view().values():
            a = _active_assignee(t)
            if a:
                counts[a] += 1
        return counts

    def _ensure_view(self) -> dict[str, Ticket]:
        if self._view is None:
            self._view = {}
            self._seq = 0
        self._catch_up()
        return self._view

    def _catch_up(self) -> None:
        if self._view is None:
            return
        changed: dict[str, None] = {}
        for entry in self.store.read_all(after=self._seq):
            ev = entry.event
            if not ev.ticket.startswith("@"):
                self._view[ev.ticket] = evolve(self._view.get(ev.ticket), ev)
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
        return notices_for(self.config, ticket, events, masks=MASKS)

    def _outbox_rows(self, notices: Sequence[Notice]) -> list[OutboxRow]:
        """One outbox row per (notice, channel), written with what caused it."""
        from propdesk.outbox import outbox_rows

        if not notices or not self.channels:
            return []
        return outbox_rows(self.config, notices, self.channels)


def _refused(line: int, ticket: str | None, err: DomainError) -> LineResult:
    return LineResult(line, False, ticket, err.message("en"), err.code, err.message("zh"))


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
    from propdesk.batch import read_lines

    return desk.apply_commands(read_lines(lines), chunk=chunk)

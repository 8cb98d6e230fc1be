"""The ONE place the web desk asks the Desk for things.

Pages never read the store or the domain directly: they call these
functions.  The search of earlier tickets is the store's index
(``Desk.search``), the next step the core's
:func:`propdesk.domain.guidance.next_step`, the same the CLI's ``show`` uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import attrs

from propdesk.cli import slaview
from propdesk.desk import Desk
from propdesk.domain import guidance
from propdesk.domain.config import Config
from propdesk.domain.decide import Context
from propdesk.domain.enums import CommandName, State
from propdesk.domain.errors import DomainError
from propdesk.domain.events import Event
from propdesk.domain.lifecycle import ACTIVE_WORK, allowed_commands
from propdesk.domain.model import Ticket
from propdesk.domain.permissions import check
from propdesk.domain.sla import RuleClock


class SlaView:
    """What :mod:`propdesk.cli.slaview` reads of the CLI's context (the
    configuration and a cache), plus the board's cache of each ticket's SLA
    state.  :func:`propdesk.domain.sla.clocks` does not depend on the
    time, and :func:`propdesk.domain.sla.outcome_at` of a clock changes only
    when the time passes one of the clock's own instants; so a ticket's board
    state is worked out again only when its version changes or the time passes
    the next such instant (or its warning point)."""

    def __init__(self, config: Config) -> None:
        from propdesk.domain.sla import SlaRules

        self.config = config
        self.cache: dict[str, Any] = {}
        self.rules = SlaRules.from_config(config)
        self._state: dict[str, tuple[int, datetime, datetime, BoardState, datetime]] = {}
        self._clocks: dict[str, tuple[int, list[RuleClock]]] = {}

    def clocks(self, t: Ticket) -> list[RuleClock]:
        """The ticket's clocks that can ever have a status other than n/a."""
        from propdesk.domain.sla import clocks

        kept = self._clocks.get(t.id)
        if kept is None or kept[0] != t.version:
            found = [c for c in clocks(t, self.rules)
                     if c.start is not None and c.deadline is not None]
            kept = self._clocks[t.id] = (t.version, found)
        return kept[1]

    def state(self, t: Ticket, at: datetime) -> BoardState:
        """The ticket's next running deadline, level and breach at ``at``."""
        kept = self._state.get(t.id)
        if kept is not None and kept[0] == t.version and (kept[1] < at < kept[2]
                                                          or kept[4] == at):
            return kept[3]
        from propdesk.domain.sla import outcome_at

        breached = False
        nxt: tuple[datetime, str, datetime] | None = None
        instants: list[datetime] = []
        for clock in self.clocks(t):
            instants += [x for x in (clock.deadline, clock.stop, clock.void) if x is not None]
            o = outcome_at(t.id, clock, at)
            if o.status == "breached":
                breached = True
            if (o.status in ("pending", "breached") and o.stopped_at is None
                    and o.deadline is not None and o.started_at is not None
                    and (nxt is None or o.deadline < nxt[0])):
                nxt = (o.deadline, o.rule, o.started_at)
        if nxt is None:
            level = "breach" if breached else "none"
        elif breached or nxt[0] < at:
            level = "breach"
        else:
            allowance = (nxt[0] - nxt[2]).total_seconds()
            warn_point = nxt[2] + (nxt[0] - nxt[2]) * self.rules.warn_at
            instants.append(warn_point)
            warn = allowance > 0 and at >= warn_point
            level = "warn" if warn else "ok"
        state = BoardState(nxt[0] if nxt else None, nxt[2] if nxt else None,
                           nxt[1] if nxt else None, level, breached)
        # outcome_at compares the time with each instant (``at <= deadline``,
        # ``stop > at``): the state holds for any time strictly between the
        # instants around ``at``, when ``at`` is not one of them itself
        low = datetime.min.replace(tzinfo=UTC)
        high = datetime.max.replace(tzinfo=UTC)
        if at in instants:
            start, end = high, low  # valid at ``at`` only
        else:
            start = max((x for x in instants if x < at), default=low)
            end = min((x for x in instants if x > at), default=high)
        self._state[t.id] = (t.version, start, end, state, at)
        return state


@attrs.frozen
class BoardState:
    deadline: datetime | None
    started: datetime | None
    rule: str | None
    level: str  # ok, warn, breach, none
    breached: bool


@attrs.frozen
class BoardRow:
    ticket: Ticket
    deadline: datetime | None
    started: datetime | None
    rule: str | None
    level: str  # ok, warn, breach, none
    breached: bool
    department: str | None


def board(desk: Desk, view: SlaView, at: datetime, *, state: str = "", category: str = "",
          department: str = "", person: str = "") -> list[BoardRow]:
    """The open tickets with their next running deadline (as the CLI's board
    counts down), filtered; emergencies first, then by deadline."""
    config = desk.config
    rows = []
    for t in desk.tickets():
        if not t.open:
            continue
        wo = t.work_order
        dept = wo.department if wo is not None else _department_of(config, t.category)
        if state and t.state.value != state:
            continue
        if category and t.category != category:
            continue
        if department and dept != department:
            continue
        if person and person not in (t.assignee, t.first_receiver):
            continue
        s = view.state(t, at)
        rows.append(BoardRow(t, s.deadline, s.started, s.rule, s.level, s.breached, dept))
    rows.sort(key=lambda r: (r.ticket.mode.value != "emergency", r.deadline is None,
                             r.deadline or r.ticket.received_at, r.ticket.id))
    return rows


def _department_of(config: Config, category: str | None) -> str | None:
    for d in config.departments:
        if category in d.categories:
            return d.id
    return None


def search(desk: Desk, text: str, *, limit: int = 20) -> list[Ticket]:
    """Earlier tickets matching ``text`` (room, contact, phone in full or its last
    four digits, content: repeat callers), newest first, through the store's index."""
    text = text.strip()
    if len(text) < 2:
        return []
    return desk.search(text, limit=limit)


def may(config: Config, ticket: Ticket | None, command: CommandName, person: str) -> bool:
    """Whether ``person`` may issue ``command`` on ``ticket`` (the Desk's own check)."""
    who = config.person_by_id.get(person)
    if who is None:
        return False
    try:
        check(config, ticket, command, who)
    except DomainError:
        return False
    return True


def actions(desk: Desk, ticket: Ticket, person: str) -> list[CommandName]:
    """The commands allowed on ``ticket`` now that ``person`` may issue, the next
    step of the procedure first."""
    resolvable = Context(desk.config).desk_resolvable
    allowed = [c for c in allowed_commands(ticket, resolvable)
               if may(desk.config, ticket, c, person)]
    step = next_step(desk, ticket)
    if step in allowed:
        allowed.remove(step)
        allowed.insert(0, step)
    return allowed


def next_step(desk: Desk, ticket: Ticket) -> CommandName | None:
    """The next step of the procedure for ``ticket`` (as ``show`` gives it)."""
    return guidance.next_step(ticket, guidance.desk_categories(desk.config))


def my_work(desk: Desk, person: str) -> list[Ticket]:
    """The tickets whose current work order is ``person``'s and still needs them
    (from dispatch to the source's acceptance), oldest first."""
    return [t for t in desk.tickets()
            if t.assignee == person and (t.state in ACTIVE_WORK or t.state is State.COMPLETED)]


def ticket(desk: Desk, ticket_id: str) -> Ticket:
    return desk.ticket(ticket_id)


def history(desk: Desk, ticket_id: str) -> list[Event]:
    return desk.events_of(ticket_id)


def sla_outcomes(desk: Desk, view: SlaView, t: Ticket, at: datetime) -> list[dict[str, Any]]:
    """Every rule's outcome for ``t`` at ``at`` (the CLI's ``show`` rows)."""
    return [slaview.outcome_dict(cast(Any, view), o)
            for o in slaview.outcomes(cast(Any, view), t, at)]


def new_ticket_id(desk: Desk, received: datetime) -> Iterable[str]:
    """Candidate ids ``YYYYMMDD-NNN`` (local date), as the CLI numbers them."""
    prefix = received.astimezone(desk.config.zone).strftime("%Y%m%d-")
    taken = [t for t in desk.store.tickets() if t.startswith(prefix)]
    number = len(taken) + 1
    for i in range(50):
        yield f"{prefix}{number + i:03d}"


def people_with_work(desk: Desk) -> Sequence[str]:
    return sorted({t.assignee for t in desk.tickets() if t.open and t.assignee})


# ------------------------------------------------------------------ statistics


class ReportContext:
    """What the CLI's report code reads of its context (:mod:`propdesk.cli.reports`):
    so the web desk's periods, reports and downloads are the CLI's own."""

    def __init__(self, desk: Desk, lang: str, now: datetime) -> None:
        from types import SimpleNamespace

        self.desk = desk
        self.config = desk.config
        self.lang = lang
        self._now = now
        self.out = SimpleNamespace(width=100)

    def now(self) -> datetime:
        return self._now

    def parse_time(self, text: str, option: str) -> datetime:
        from propdesk.cli.state import parse_time

        return parse_time(text, option, self._now, self.config.zone)


def period_report(desk: Desk, lang: str, now: datetime, start: datetime,
                  end: datetime) -> Any:
    """The indicators of ``[start, end)`` as known now (a custom-period report)."""
    from propdesk.cli.reports import build_report
    from propdesk.domain.kpi import Period

    label = f"{start.date()}..{end.date()}"
    return build_report(cast(Any, ReportContext(desk, lang, now)), Period(start, end, label),
                        "custom")


def report_download(desk: Desk, lang: str, now: datetime, kind: str, period: str,
                    fmt: str) -> tuple[str, str | bytes]:
    """A weekly, monthly or quarterly report in one of the CLI's formats:
    ``(file name, content)``."""
    from propdesk.cli.reports import KIND_OF, build_report, period_of, render

    ctx = cast(Any, ReportContext(desk, lang, now))
    p = period_of(ctx, kind, period or None)
    rep = build_report(ctx, p, KIND_OF[kind])
    ext = {"table": "txt"}.get(fmt, fmt)
    return f"{KIND_OF[kind]}-{p.label}.{ext}", render(ctx, rep, fmt)

"""The Desk's read side beyond the current view: tickets as they stood at a
time (issue 19), the SLA engine over the view (issue 3), and the one count of
open work orders per person that routing reads (R-51,
:class:`~propdesk.domain.routing.OpenWork`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from propdesk.domain.config import Config
from propdesk.domain.events import Event, utc
from propdesk.domain.fold import fold
from propdesk.domain.model import Ticket
from propdesk.domain.sla import Alert, DeadlineIndex, Outcome, SlaRules, evaluate, outcome_to_dict


def tickets_as_of(events: Iterable[Event], end: datetime) -> list[Ticket]:
    """The tickets of ``events`` (the log, in commit order) as they stood at ``end``,
    in order of recording; a ticket recorded after ``end`` is left out."""
    streams: dict[str, list[Event]] = {}
    for e in events:
        if e.at <= end:
            streams.setdefault(e.ticket, []).append(e)
    return [t for t in map(fold, streams.values()) if t is not None]


def ticket_as_of(events: Iterable[Event], at: datetime) -> Ticket | None:
    """One ticket's ``events`` folded up to ``at``; ``None`` before its record."""
    end = utc(at)
    return fold([e for e in events if e.at <= end])


class SlaView:
    """The SLA engine (rules compiled from the configuration) and its deadline
    index, built on first use and kept up to date by the view's observers."""

    def __init__(self, config: Config, add_observer: Callable[[Callable[[Ticket], None]], None],
                 refresh: Callable[[], None]) -> None:
        self._config = config
        self._add_observer = add_observer
        self._refresh = refresh
        self._engine: tuple[SlaRules, DeadlineIndex] | None = None

    def engine(self) -> tuple[SlaRules, DeadlineIndex]:
        """The rules and the index, caught up with the store."""
        if self._engine is None:
            rules = SlaRules.from_config(self._config)
            index = DeadlineIndex(rules)
            self._engine = (rules, index)
            self._add_observer(index.update)
        else:
            self._refresh()
        return self._engine

    def forget(self) -> None:
        """Build the index again next time (it took alerts as reported that were not)."""
        self._engine = None

    def status(self, ticket: Ticket, at: datetime) -> list[Outcome]:
        """Every rule's outcome for ``ticket`` at ``at``, per cycle (S-20)."""
        rules, _ = self.engine()
        return evaluate(ticket, rules, at)

    def all(self, tickets: Callable[[], list[Ticket]], at: datetime) -> list[dict[str, Any]]:
        """The status of every ticket in the JSON shape of docs/sla.md."""
        rules, _ = self.engine()
        zone = self._config.zone
        return [outcome_to_dict(o, zone) for t in tickets() for o in evaluate(t, rules, at)]

    def due(self, until: datetime, since: datetime | None) -> list[Alert]:
        """Alerts falling due (see :meth:`propdesk.desk.Desk.due`)."""
        _, index = self.engine()
        return index.due(until) if since is None else index.peek(since, until)

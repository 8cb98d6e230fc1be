"""What falls due: the deadline index of the SLA engine (S-21).

:class:`DeadlineIndex` is a projection kept up to date as
tickets change (``update(ticket)`` after each change): a heap of alert times,
so that asking "what is due up to T" costs in proportion to what is due, not
to the number of open tickets (S-21).  Pure: no clock; the caller passes the
times.

When an alert falls due:

* a **warning** at ``start + warn_at × (deadline − start)`` (default 80 %),
  only while the rule's clock is running (a clock stopped before the warning
  was delivered drops it: it no longer calls for action), and only when the
  clock started before its deadline;
* a **breach** as soon as the deadline has passed (its ``at`` is the deadline;
  ``due(until)`` reports it when ``until`` is later than the deadline, as the
  deadline itself is still in time, S-20).  A breach is reported even if the
  clock stopped late before anyone asked: a breach is never undone.  A rule
  decided by a later milestone (S-3: the dispatch) breaches only once decided:
  its breach's ``at`` is then the later of the deadline and the decision, and
  a waiver (S-3: the desk's own resolution) drops its alerts, the warning
  included (withdrawn: it no longer calls for action).

Each (ticket, rule, cycle, occurrence, kind) is reported at most once ever.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal

import attrs

from propdesk.domain.model import Ticket
from propdesk.domain.sla.engine import UNDECIDED, SlaRules, clocks
from propdesk.domain.sla.milestones import terminal_at

AlertKind = Literal["warning", "breach"]
AlertKey = tuple[str, int, int, AlertKind]
"""(rule, cycle, occurrence, kind)."""
_RANK: Final = {"warning": 0, "breach": 1}


@attrs.frozen
class Alert:
    """A warning or breach of one rule of one ticket's cycle, falling due at ``at``."""

    at: datetime
    ticket: str
    rule: str
    cycle: int
    kind: AlertKind
    deadline: datetime
    occurrence: int = 1


def alerts_for(ticket: Ticket, rules: SlaRules) -> dict[AlertKey, tuple[datetime, datetime]]:
    """The alerts ``ticket`` calls for as it stands: key -> (when due, deadline)."""
    out: dict[AlertKey, tuple[datetime, datetime]] = {}
    warn_at = rules.warn_at
    for rule, cyc, occ, s, d, stop, void, _, hold in clocks(ticket, rules):
        if s is None or d is None:
            continue
        end = stop if void is None or (stop is not None and stop <= void) else void
        breach_at = d
        if hold is not None:
            if void is not None and hold > void:
                continue  # waived: not applicable, its warning withdrawn
            if hold > d:
                breach_at = hold  # a breach once decided (UNDECIDED: not yet)
        if end is None:
            if d > s:
                out[(rule, cyc, occ, "warning")] = (s + (d - s) * warn_at, d)
            if breach_at != UNDECIDED:
                out[(rule, cyc, occ, "breach")] = (breach_at, d)
        elif end > d:
            out[(rule, cyc, occ, "breach")] = (breach_at, d)
    return out


def _in_window(kind: str, at: datetime, deadline: datetime, since: datetime | None,
               until: datetime) -> bool:
    # a warning falls due at ``at``; a breach just after ``at`` (= its deadline), or at
    # ``at`` when it was decided after its deadline (S-3: at the late dispatch)
    if kind == "warning" or at > deadline:
        return at <= until and (since is None or at > since)
    return at < until and (since is None or at >= since)


class DeadlineIndex:
    """The pending deadlines of all tickets, as a heap of alert times."""

    def __init__(self, rules: SlaRules) -> None:
        self.rules = rules
        self._heap: list[tuple[datetime, int, int, str, AlertKey, datetime]] = []
        self._alerts: dict[str, dict[AlertKey, tuple[datetime, datetime]]] = {}
        self._delivered: dict[str, set[AlertKey]] = {}
        self._terminal: set[str] = set()
        self._seq = 0

    def __len__(self) -> int:
        """How many alerts are known and not yet delivered."""
        return sum(
            sum(1 for k in alerts if k not in self._delivered.get(tid, ()))
            for tid, alerts in self._alerts.items()
        )

    def update(self, ticket: Ticket) -> None:
        """Take ``ticket`` as it stands now (call after each change); replaces its alerts."""
        tid = ticket.id
        new = alerts_for(ticket, self.rules)
        old = self._alerts.get(tid, {})
        delivered = self._delivered.get(tid, set())
        for key, value in new.items():
            if key not in delivered and old.get(key) != value:
                self._seq += 1
                heapq.heappush(self._heap, (value[0], _RANK[key[3]], self._seq, tid, key,
                                            value[1]))
        if terminal_at(ticket) is not None:
            self._terminal.add(tid)
        self._alerts[tid] = new
        self._forget_if_done(tid)

    def update_many(self, tickets: Iterable[Ticket]) -> None:
        """:meth:`update` for each of ``tickets``."""
        for t in tickets:
            self.update(t)

    def due(self, until: datetime) -> list[Alert]:
        """The alerts due up to ``until`` not reported before, in time order
        (warnings before breaches at the same instant); each is reported once ever."""
        heap = self._heap
        out: list[Alert] = []
        later = []  # breaches at their deadline = until: due just after it
        while heap:
            top = heap[0]
            at = top[0]
            if at > until:
                break
            heapq.heappop(heap)
            _, rank, _, tid, key, deadline = top
            if at == until and rank == 1 and at == deadline:
                later.append(top)
                continue
            alerts = self._alerts.get(tid)
            if alerts is None or alerts.get(key) != (at, deadline):
                continue  # superseded by a later update
            delivered = self._delivered.get(tid)
            if delivered is None:
                delivered = self._delivered[tid] = set()
            elif key in delivered:
                continue
            delivered.add(key)
            out.append(Alert(at, tid, key[0], key[1], key[3], deadline, key[2]))
            if tid in self._terminal:
                self._forget_if_done(tid)
        for entry in later:
            heapq.heappush(heap, entry)
        return out

    def peek(self, since: datetime | None, until: datetime) -> list[Alert]:
        """The alerts falling due in ``(since, until]`` for the tickets the index
        holds, whether reported or not (the warnings of clocks still running,
        and the breaches), in time order; marks nothing as reported."""
        found = []
        for tid, alerts in self._alerts.items():
            for key, (at, deadline) in alerts.items():
                if _in_window(key[3], at, deadline, since, until):
                    found.append(Alert(at, tid, key[0], key[1], key[3], deadline, key[2]))
        found.sort(key=lambda a: (a.at, _RANK[a.kind], a.ticket, a.rule, a.cycle,
                                  a.occurrence))
        return found

    def _forget_if_done(self, tid: str) -> None:
        """Drop a closed or cancelled ticket once all its alerts were reported."""
        if tid not in self._terminal:
            return
        delivered = self._delivered.get(tid, set())
        if all(k in delivered for k in self._alerts.get(tid, {})):
            self._alerts.pop(tid, None)
            self._delivered.pop(tid, None)
            self._terminal.discard(tid)

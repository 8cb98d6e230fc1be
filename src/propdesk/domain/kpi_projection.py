"""The KPI projection (issue 4): per-ticket fact timelines, kept up to date on
append, from which any period's indicators are computed *as of the period's
end* without folding (docs/statistics.md; ARCHITECTURE "projections kept up to date on
append, never a full re-fold per call").

A :class:`Timeline` is computed from the ticket **as it stands now** (and its
category history, which the model does not keep): every time at which one of
its :class:`~propdesk.domain.kpi.TicketFacts` changes.  :func:`facts_at` then
gives the facts the ticket had at any end ``E`` — exactly what
``kpi.ticket_facts(fold(events with at <= E), breaches(E))`` gives, which the
property tests check for random histories and random ``E``.

Timeliness (K-1, K-8 and the breaches by rule) needs one instant per SLA rule
instance: the first ``E`` at which that instance is breached.  For a rule
instance with start ``s``, deadline ``d`` and first stop (or void) ``end``,
evaluated on the ticket as of ``E``:

* it exists only once its start has happened (``E >= s``; a clock that starts
  at the receipt exists from the recording on, which is when the ticket
  exists at all), and its ``s`` and ``d`` never change afterwards (they are
  fixed by the event that starts it);
* milestones later than ``E`` are not there (the fold as of ``E`` lacks their
  events; :func:`propdesk.domain.sla.outcome_at` ignores them), and later
  events only *add* milestones: they never remove one nor move one earlier;
* so it is breached at ``E`` iff ``E > d`` and not (``end <= E`` and ``end <=
  d``): iff ``end`` is missing or after ``d`` (the instance is breached, or
  still pending, in the ticket as it stands now) and ``E >= max(d + 1 µs, s)``.

A rule decided by a later milestone (S-3, decided by the cycle's dispatch) is
breached at ``E`` only once that decision is in the fold as well, so its
breach time is also no earlier than the decision (the clock's ``hold``); a
waiver before the decision (the desk's own resolution) makes it never
breached.

That is S-20's "a breach is never undone" read the other way round: once
breached, the breach stays for every later ``E`` and every later event.  The
instant is the rule's **breach time**; the ticket's earliest breach time is
the first ``E`` at which it counts as late.  Breach times come from
``sla.evaluate(ticket, rules, far future)``: an instance breached there is
one whose ``end`` is missing or after its deadline.

The projection keeps, per ticket, the timeline, the instant after which
nothing changes any more (``settled``) and the ticket's final facts, interned:
most tickets of a finished period are settled at its end, so a report counts
them by their shared final facts and looks at the timeline of the others only.
"""

from __future__ import annotations

import itertools
import marshal
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

import attrs

from propdesk.domain import kpi
from propdesk.domain.enums import State
from propdesk.domain.events import Event, is_stream
from propdesk.domain.fold import evolve
from propdesk.domain.model import Ticket
from propdesk.domain.sla import SlaRules, clocks, outcome_at

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
_FAR = datetime(9000, 1, 1, tzinfo=UTC)
_END = 2 ** 62
"""An instant after every other (µs since the epoch)."""

BreachTimesFn = Callable[[Ticket], Sequence[tuple[datetime, str]]]
"""``breach_times(ticket)``: per SLA rule instance that is breached or still
pending in the ticket as it stands, ``(breach time, rule id)``, in the order
the breach function lists breaches."""

CategoryHistory = tuple[tuple[int, "str | None"], ...]
"""``((µs, category), …)``: the category from the recording on, one entry per change."""


def to_us(dt: datetime) -> int:
    """Microseconds since the epoch (aware datetimes)."""
    return (dt - EPOCH) // US


def from_us(x: int) -> datetime:
    """The UTC datetime of ``to_us``'s value."""
    return EPOCH + timedelta(microseconds=x)


def sla_breach_times(rules: SlaRules) -> BreachTimesFn:
    """The breach times of the SLA engine's rule instances (see the module text)."""

    def times(ticket: Ticket) -> list[tuple[datetime, str]]:
        out = []
        tid = ticket.id
        for clock in clocks(ticket, rules):  # (the order of evaluate)
            o = outcome_at(tid, clock, _FAR)
            if o.status == "breached":
                assert o.deadline is not None and o.started_at is not None
                when = max(o.deadline + US, o.started_at)
                hold = clock.hold
                if hold is not None and hold > when:
                    when = hold
                out.append((when, o.rule))
        return out

    return times


def category_history(events: Iterable[Event]) -> CategoryHistory:
    """The category history of one ticket's events (``record``, ``classify``,
    ``dispatch`` set it; only changes are kept)."""
    out: list[tuple[int, str | None]] = []
    for e in events:
        if e.kind == "record":
            out = [(to_us(e.at), e.data.get("category"))]
        elif e.kind in ("classify", "dispatch"):
            cat = e.data["category"]
            if cat != out[-1][1]:
                out.append((to_us(e.at), cat))
    return tuple(out)


@attrs.frozen(slots=True)
class Timeline:
    """One ticket's facts over time; times are µs since the epoch, ``None``: not (yet)."""

    id: str
    received: int
    recorded: int
    source: str
    major_incident: bool
    missing_location: bool
    missing_other: bool
    categories: CategoryHistory
    reclassified_at: int | None
    amended_at: int | None
    assets: tuple[tuple[int, str | None], ...]
    breaches: tuple[tuple[int, str], ...]
    callbacks: tuple[tuple[int, str], ...]
    returns: tuple[int, ...]
    accepted_at: int | None
    first_acceptance_passed: bool
    reworked_at: int | None
    cancelled_at: int | None
    closed_at: int | None
    desk_resolved_at: int | None
    samples: tuple[tuple[int, bool], ...]
    work_orders: tuple[tuple[int, str | None, str], ...]
    cycles: tuple[tuple[int, int | None], ...]
    charged_at: int | None
    charge_differs_at: int | None
    charge_disputed_at: int | None

    def settled(self) -> int:
        """The last instant at which a fact changes: from it on, the facts are final."""
        times = [self.recorded, *(t for t, _ in self.categories),
                 *(t for t, _ in self.assets), *(t for t, _ in self.breaches),
                 *(t for t, _ in self.callbacks), *self.returns,
                 *(t for t, _ in self.samples), *(t for t, _, _ in self.work_orders)]
        for start, done in self.cycles:
            times.append(start)
            if done is not None:
                times.append(done)
        for x in (self.reclassified_at, self.amended_at, self.accepted_at, self.reworked_at,
                  self.cancelled_at, self.closed_at, self.desk_resolved_at, self.charged_at,
                  self.charge_differs_at, self.charge_disputed_at):
            if x is not None:
                times.append(x)
        return max(times)


def _min_us(times: Iterable[datetime | None]) -> int | None:
    found = [to_us(t) for t in times if t is not None]
    return min(found) if found else None


def timeline(ticket: Ticket, categories: CategoryHistory,
             breach_times: BreachTimesFn | None) -> Timeline:
    """The timeline of ``ticket`` as it stands, given its category history;
    ``breach_times`` ``None``: no SLA (the ticket only serves K-9)."""
    wos = ticket.work_orders
    first_acc = _min_us(w.accepted_at for w in wos)
    first_rej = _min_us(w.rejected_at for w in wos)
    returns = sorted([to_us(w.returned_at) for w in wos if w.returned_at is not None]
                     + [to_us(t) for t in ticket.desk_resolutions])
    samples = []
    for s in ticket.sample_callbacks:
        desk = [cb for cb in ticket.callbacks if cb.at <= s.at]
        ref = desk[-1] if desk else None
        samples.append((to_us(s.at), ref is not None and ref.fixed == s.fixed
                        and ref.satisfaction == s.satisfaction))
    recorded = to_us(ticket.recorded_at)
    assets: list[tuple[int, str | None]] = []
    for a in ticket.amendments:
        if a.field == "asset":
            if not assets:
                assets.append((recorded, a.old))
            assets.append((to_us(a.at), a.new))
    reclassified_at = None
    for (_, before), (at, _) in itertools.pairwise(categories):
        if before is not None:
            reclassified_at = at
            break
    starts = ticket.cycle_starts or (ticket.recorded_at,)
    cycles = tuple(
        (to_us(begin), _min_us(w.completed_at for w in wos if w.cycle == k))
        for k, begin in enumerate(starts, start=1))
    state = ticket.state
    missing = ticket.missing
    return Timeline(
        id=ticket.id,
        received=to_us(ticket.received_at),
        recorded=recorded,
        source=ticket.source.value,
        major_incident=ticket.major_incident,
        missing_location="location" in missing,
        missing_other=any(f != "location" for f in missing),
        categories=categories,
        reclassified_at=reclassified_at,
        amended_at=to_us(ticket.amendments[0].at) if ticket.amendments else None,
        assets=tuple(assets) or ((recorded, ticket.asset),),
        breaches=tuple((to_us(t), rule) for t, rule in breach_times(ticket))
        if breach_times is not None else (),
        callbacks=tuple((to_us(cb.at), cb.satisfaction) for cb in ticket.callbacks),
        returns=tuple(returns),
        accepted_at=first_acc,
        first_acceptance_passed=first_acc is not None and (
            first_rej is None or first_acc < first_rej),
        reworked_at=to_us(starts[1]) if len(starts) > 1 else None,
        cancelled_at=to_us(ticket.last_at) if state is State.CANCELLED else None,
        closed_at=to_us(ticket.closed_at) if ticket.closed_at is not None else None,
        desk_resolved_at=to_us(ticket.desk_resolutions[0]) if ticket.desk_resolutions
        else None,
        samples=tuple(samples),
        work_orders=tuple((to_us(w.dispatched_at), w.department, w.assignee) for w in wos),
        cycles=cycles,
        charged_at=_min_us([*(w.completed_at for w in wos if w.charge),
                            *(d.at for d in ticket.desk_charges if d.charge)]),
        charge_differs_at=_min_us([*(w.completed_at for w in wos if w.charge_differs),
                                   *(d.at for d in ticket.desk_charges if d.charge)]),
        charge_disputed_at=_min_us(cb.at for cb in ticket.callbacks if cb.charge_ok is False),
    )


def _at(history: Sequence[tuple[int, str | None]], e: int) -> str | None:
    value = None
    for t, v in history:
        if t > e:
            break
        value = v
    return value


def _by(t: int | None, e: int) -> bool:
    return t is not None and t <= e


def facts_at(tl: Timeline, e: int, *, final: bool = False) -> kpi.TicketFacts | None:
    """The facts of the ticket as it stood at ``e`` (µs), ``None`` before it was
    recorded.  ``final``: without identity, receipt time, asset or downtime —
    the part :meth:`kpi.Tally.add` reads, shared by tickets with the same facts."""
    if tl.recorded > e:
        return None
    cat = _at(tl.categories, e)
    cancelled = _by(tl.cancelled_at, e)
    last_cb = None
    for cb in tl.callbacks:
        if cb[0] > e:
            break
        last_cb = cb
    last_ret = None
    for r in tl.returns:
        if r > e:
            break
        last_ret = r
    accepted = _by(tl.accepted_at, e)
    department = assignee = None
    for at, dept, who in tl.work_orders:
        if at > e:
            break
        department, assignee = dept, who
    asset = None if final else _at(tl.assets, e)
    down: list[tuple[datetime, datetime | None]] = []
    if asset is not None and cat == "engineering" and not cancelled:
        for k, (start, done) in enumerate(tl.cycles):
            if start > e:
                break
            down.append((from_us(tl.received if k == 0 else start),
                         from_us(done) if done is not None and done <= e else None))
    return kpi.TicketFacts(
        id="" if final else tl.id,
        received_at=EPOCH if final else from_us(tl.received),
        source=tl.source,
        category=cat,
        cancelled=cancelled,
        complete=not tl.missing_other and not (tl.missing_location and cat != "inquiry"),
        amended=_by(tl.amended_at, e),
        reclassified=_by(tl.reclassified_at, e),
        breaches=tuple(rule for t, rule in tl.breaches if t <= e),
        last_satisfaction=last_cb[1] if last_cb is not None else None,
        accepted=accepted,
        first_acceptance_passed=accepted and tl.first_acceptance_passed,
        reworked=_by(tl.reworked_at, e),
        returned=last_ret is not None,
        called_back=last_cb is not None and last_ret is not None and last_cb[0] >= last_ret,
        closed=_by(tl.closed_at, e),
        desk_resolved=_by(tl.desk_resolved_at, e),
        major_incident=tl.major_incident,
        samples=tuple(ok for t, ok in tl.samples if t <= e),
        department=department,
        assignee=assignee,
        asset=asset,
        down=tuple(down),
        charged=_by(tl.charged_at, e),
        charge_differs=_by(tl.charge_differs_at, e),
        charge_disputed=_by(tl.charge_disputed_at, e),
    )


class KpiProjection:
    """The fact timelines of a community's tickets, kept up to date on append.

    Fill it through ``desk.add_observer(projection.update)`` (``load`` reads a
    ticket's events when several of them arrive at once, for its category
    history), or from an event log in one pass with :meth:`from_events`.
    :meth:`tallies` computes any periods as of any end in one pass.
    """

    def __init__(self, breach_times: BreachTimesFn | None, *,
                 load: Callable[[str], Sequence[Event]] | None = None) -> None:
        self.breach_times = breach_times
        self.load = load
        self.received_from: int | None = None
        """Set by :meth:`from_events`: tickets received before it are kept for K-9 only."""
        self._row: dict[str, int] = {}
        self._timelines: list[bytes] = []
        """Each timeline's fields, marshalled (a third of the objects' size)."""
        self._versions = array("q")
        self._received = array("q")
        self._recorded = array("q")
        self._settled = array("q")
        self._key = array("l")
        self._keys: list[kpi.TicketFacts] = []
        self._key_ids: dict[kpi.TicketFacts, int] = {}
        self._asset_rows: set[int] = set()

    def __len__(self) -> int:
        return len(self._timelines)

    def timeline(self, ticket_id: str) -> Timeline:
        """The timeline of one ticket."""
        return self._get(self._row[ticket_id])

    def timelines(self) -> list[Timeline]:
        """Every timeline, in order of first appearance."""
        return [self._get(row) for row in range(len(self._timelines))]

    def _get(self, row: int) -> Timeline:
        return Timeline(*marshal.loads(self._timelines[row]))

    # ------------------------------------------------------------ filling

    def update(self, ticket: Ticket) -> None:
        """Take ``ticket`` as it stands now (an observer: call after each change)."""
        row = self._row.get(ticket.id)
        if row is not None and self._versions[row] == ticket.version:
            return
        if ticket.version == 1:
            cats: CategoryHistory = ((to_us(ticket.recorded_at), ticket.category),)
        elif row is not None and ticket.version == self._versions[row] + 1:
            cats = self._get(row).categories
            if ticket.category != cats[-1][1]:
                cats = (*cats, (to_us(ticket.last_at), ticket.category))
        elif self.load is not None:
            cats = category_history(self.load(ticket.id)[:ticket.version])
        else:
            raise ValueError(f"{ticket.id}: several events at once and no way to load them")
        self.put(timeline(ticket, cats, self.breach_times), ticket.version)

    def put(self, tl: Timeline, version: int = 0) -> None:
        """Store (or replace) a ticket's timeline."""
        final = facts_at(tl, _END, final=True)
        assert final is not None
        key = self._key_ids.get(final)
        if key is None:
            key = self._key_ids[final] = len(self._keys)
            self._keys.append(final)
        row = self._row.get(tl.id)
        values = (version, tl.received, tl.recorded, tl.settled(), key)
        packed = marshal.dumps(attrs.astuple(tl, recurse=False))
        if row is None:
            row = self._row[tl.id] = len(self._timelines)
            self._timelines.append(packed)
            for column, value in zip(self._columns(), values, strict=True):
                column.append(value)
        else:
            self._timelines[row] = packed
            for column, value in zip(self._columns(), values, strict=True):
                column[row] = value
        if any(a is not None for _, a in tl.assets):
            self._asset_rows.add(row)

    def _columns(self) -> tuple[array[int], ...]:
        return (self._versions, self._received, self._recorded, self._settled, self._key)

    @classmethod
    def from_events(cls, events: Iterable[Event], breach_times: BreachTimesFn | None, *,
                    received_from: datetime | None = None) -> KpiProjection:
        """Rebuild from an event log in one pass (each ticket's events in time
        order, R-32).  With ``received_from``, tickets received earlier are kept
        only if they ever name an asset (K-9), without their SLA: the projection
        then serves periods starting at ``received_from`` or later."""
        view: dict[str, Ticket] = {}
        history: dict[str, list[tuple[int, str | None]]] = {}
        for e in events:
            tid = e.ticket
            if is_stream(tid):
                continue
            before = view.get(tid)
            after = view[tid] = evolve(before, e)
            if before is None:
                history[tid] = [(to_us(e.at), after.category)]
            elif after.category != before.category:
                history[tid].append((to_us(e.at), after.category))
        proj = cls(breach_times)
        lo = to_us(received_from) if received_from is not None else None
        proj.received_from = lo
        for tid, t in view.items():
            early = lo is not None and to_us(t.received_at) < lo
            if early and t.asset is None and not any(a.field == "asset" for a in t.amendments):
                continue
            tl = timeline(t, tuple(history[tid]), None if early else breach_times)
            proj.put(tl, t.version)
        return proj

    # ------------------------------------------------------------ reading

    def facts(self, as_of: datetime) -> list[kpi.TicketFacts]:
        """Every ticket's facts as of ``as_of`` (those recorded by then)."""
        e = to_us(as_of)
        return [f for tl in self.timelines() if (f := facts_at(tl, e)) is not None]

    def tallies(self, periods: Sequence[kpi.Period], as_of: datetime | None = None, *,
                assets: Iterable[str] = (),
                satisfied: frozenset[str] = kpi.SATISFIED) -> list[kpi.Tally]:
        """One tally per period of ``periods`` (consecutive, e.g. the weeks of a
        month) as of ``as_of`` (default: the last one's end), in one pass: the
        tickets received in a period counted in it, and every ticket's asset
        downtime inside each period (K-9) — what :func:`kpi.tally` gives over the
        facts of the tickets folded as of ``as_of``."""
        if not periods:
            return []
        end = as_of or periods[-1].end
        e = to_us(end)
        starts = [to_us(p.start) for p in periods]
        for p, q in itertools.pairwise(periods):
            if p.end != q.start:
                raise ValueError("the periods must be consecutive")
        lo, hi = starts[0], to_us(periods[-1].end)
        if self.received_from is not None and lo < self.received_from:
            raise ValueError("this projection was built for later periods only")
        counts: dict[tuple[int, int], int] = {}
        slow: list[tuple[int, int]] = []
        single = len(starts) == 1
        rows = zip(self._received, self._recorded, self._settled, self._key, strict=True)
        for row, (rec, recorded, settled, key) in enumerate(rows):
            if rec < lo or rec >= hi or recorded > e:
                continue
            w = 0 if single else bisect_right(starts, rec) - 1
            if settled <= e:
                counts[(w, key)] = counts.get((w, key), 0) + 1
            else:
                slow.append((w, row))
        out = [kpi.Tally() for _ in periods]
        for (w, key), n in counts.items():
            out[w].add(self._keys[key], satisfied, n)
        for w, row in slow:
            f = facts_at(self._get(row), e)
            assert f is not None
            out[w].add(f, satisfied)
        asset_set = frozenset(assets)
        for row in sorted(self._asset_rows):
            f = facts_at(self._get(row), e)
            if f is not None and f.down:
                for p, t in zip(periods, out, strict=True):
                    t.add_downtime(f, p, end, asset_set)
        return out

    def tally(self, period: kpi.Period, as_of: datetime | None = None, *,
              assets: Iterable[str] = (),
              satisfied: frozenset[str] = kpi.SATISFIED) -> kpi.Tally:
        """The tally of one period (see :meth:`tallies`)."""
        return self.tallies([period], as_of or period.end, assets=assets,
                            satisfied=satisfied)[0]

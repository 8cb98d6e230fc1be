"""The SLA engine: a community's rules compiled into clocks, and clocks into outcomes.

:class:`SlaRules` is the rule table of :mod:`propdesk.domain.sla.rules` with a
community's allowances, warning point, zone and meeting time.  :func:`clocks`
gives every enabled rule's :class:`RuleClock` for every cycle of a ticket
(start, deadline, stop, void, hold), independent of the time of evaluation;
:func:`outcome_at` turns one clock into its :class:`Outcome` at a time T
(S-20); :func:`evaluate` gives all of a ticket's outcomes and :func:`statuses`
just their ``(rule, status)``; all of them through ``_judge``, the one place
that says what an outcome is.  Pure: the time of evaluation is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, NamedTuple, cast
from zoneinfo import ZoneInfo

import attrs

from propdesk.domain import _fast
from propdesk.domain.config import Config
from propdesk.domain.enums import Mode, Source
from propdesk.domain.errors import ConfigError
from propdesk.domain.model import Ticket
from propdesk.domain.sla.milestones import (
    CONDITIONS,
    MILESTONES,
    OCCURRENCES,
    Condition,
    CycleView,
    MilestoneFn,
    OccurrenceFn,
    cycle_views,
    earlier,
    terminal_at,
)
from propdesk.domain.sla.rules import BREACHED, MET, NA, PENDING, RULES, Rule, Status, check_rules


def whole_seconds(delta: timedelta) -> int:
    """Whole seconds of a non-negative duration, a started second counting as one."""
    return delta.days * 86400 + delta.seconds + (1 if delta.microseconds else 0)


class RuleClock(NamedTuple):
    """One rule's clock in one cycle and occurrence, independent of the time of
    evaluation.  ``start`` is ``None`` when the rule does not apply (yet);
    ``stop`` is the first stopping milestone, ``void`` the first milestone that
    makes the rule not applicable (closing or cancelling the ticket included).
    ``hold`` is ``None`` for a rule decided from its start; for a rule with
    ``decided_by`` (S-3) it is when the rule was decided (:data:`UNDECIDED`:
    not yet): before it a passed deadline is pending, not a breach.  A hold
    later than the void is a *waiver*: the rule is not applicable, whenever
    the void came."""

    rule: str
    cycle: int
    occurrence: int
    start: datetime | None
    deadline: datetime | None
    stop: datetime | None
    void: datetime | None
    deviation: str | None
    hold: datetime | None


_clock: Final = _fast.named_tuple(RuleClock)

_Row = tuple[str, int, int, datetime | None, datetime | None, datetime | None,
             datetime | None, str | None, datetime | None]
"""The fields of a :class:`RuleClock` as a plain tuple: the engine's own
representation, made into ``RuleClock`` where it leaves the engine."""

UNDECIDED: Final = datetime.max.replace(tzinfo=UTC)
"""The hold of a clock whose rule is not decided (yet): later than any time."""

# ------------------------------------------------------------------ configured rules

_KINDS: Final = {"after_start": 0, "before_anchor": 1, "meeting": 2}


def _never(v: CycleView, s: datetime | None) -> datetime | None:
    """The stop of a rule without stopping milestones: it never happens."""
    return None


class CompiledRule(NamedTuple):
    """A rule with its allowance, ready for :func:`clocks`:
    milestone names resolved to functions, durations to timedeltas."""

    id: str
    rule: Rule
    allowance: timedelta
    kind: int
    """0: after the start, 1: before the anchor, 2: at the meeting after the start's day."""
    first_only: bool
    modes: frozenset[Mode] | None
    sources: frozenset[Source] | None
    filtered: bool
    """Whether :func:`_applies` must look at the cycle
    (categories, desk resolution, conditions)."""
    start: MilestoneFn | None
    each: OccurrenceFn | None
    anchor: MilestoneFn | None
    stop: MilestoneFn
    """The first stopping milestone (a rule without any: one that never happens)."""
    more_stops: tuple[MilestoneFn, ...]
    voids: tuple[MilestoneFn, ...]
    unless: tuple[Condition, ...]
    early: timedelta | None
    """Before-anchor rules only: how early a stop is a deviation (S-8)."""
    decided: MilestoneFn | None
    waives: tuple[MilestoneFn, ...]


def _compile(r: Rule, seconds: int) -> CompiledRule:
    stops = tuple(MILESTONES[n].fn for n in r.stop)
    kind = _KINDS[r.deadline]
    return CompiledRule(
        r.id, r, timedelta(seconds=seconds), kind, r.per == "ticket",
        r.modes, r.sources,
        r.categories is not None or r.desk_resolved is not None or bool(r.unless),
        MILESTONES[r.start].fn if r.per != "each" else None,
        OCCURRENCES[r.start].fn if r.per == "each" else None,
        MILESTONES[r.anchor].fn if r.anchor else None,
        stops[0] if stops else _never, stops[1:],
        tuple(MILESTONES[n].fn for n in r.void),
        tuple(CONDITIONS[n][1] for n in r.unless),
        # without an anchor there is no deviation to note
        timedelta(seconds=r.early_s) if r.early_s is not None and kind == 1 else None,
        MILESTONES[r.decided_by].fn if r.decided_by else None,
        tuple(MILESTONES[n].fn for n in r.waive),
    )


def _compile_all(rules: Sequence[Rule], allowances: Mapping[str, int | None]
                 ) -> tuple[CompiledRule, ...]:
    """The rules that are evaluated (switched on, not informational), compiled."""
    return tuple(_compile(r, seconds) for r in rules
                 if not r.informational and (seconds := allowances.get(r.id)) is not None)


_Fields = tuple[str, Rule, timedelta, int, bool, frozenset[Mode] | None,
                frozenset[Source] | None, bool, MilestoneFn | None, OccurrenceFn | None,
                MilestoneFn | None, MilestoneFn, tuple[MilestoneFn, ...],
                tuple[MilestoneFn, ...], tuple[Condition, ...], timedelta | None,
                MilestoneFn | None, tuple[MilestoneFn, ...]]
"""The fields of :class:`CompiledRule`, as a plain tuple (:func:`clocks` unpacks it)."""

CyclePlan = tuple[tuple[_Row, _Fields | None], ...]
"""The rules for one cycle of a ticket, in order: per rule the clock it has when
it does not apply (occurrence 1), and the compiled rule (the fields of
:class:`CompiledRule` as a plain tuple), ``None`` when the cycle's mode or the
ticket's source rules it out."""


@attrs.frozen
class SlaRules:
    """The rules with a community's allowances, warning point, zone and meeting
    time.  Build with :meth:`from_config` (or :meth:`default`)."""

    allowances: Mapping[str, int | None]
    """Effective allowance per rule id, in seconds (``None``: switched off)."""
    warn_at: float
    zone: ZoneInfo
    meeting: time
    rules: tuple[Rule, ...] = RULES
    _compiled: Sequence[CompiledRule] = attrs.field(
        init=False, repr=False, eq=False,
        default=attrs.Factory(lambda self: _compile_all(self.rules, self.allowances),
                              takes_self=True))
    _meetings: MutableMapping[date, datetime] = attrs.field(init=False, repr=False, eq=False,
                                                            factory=dict)
    _plans: MutableMapping[tuple[int, Mode, Source], CyclePlan] = attrs.field(
        init=False, repr=False, eq=False, factory=dict)
    _order: MutableMapping[str, int] = attrs.field(init=False, repr=False, eq=False,
                                                   factory=dict)

    def __attrs_post_init__(self) -> None:
        self._order.update((c.id, k) for k, c in enumerate(self._compiled))

    @classmethod
    def from_config(cls, config: Config, rules: Sequence[Rule] = RULES) -> SlaRules:
        """The rules with ``config``'s ``[sla]`` overrides and ``[community]`` zone and meeting."""
        return cls.build(config.sla.allowances, warn_at=config.sla.warn_at, zone=config.zone,
                         meeting=config.meeting, rules=rules)

    @classmethod
    def default(cls) -> SlaRules:
        """The default rules, in Asia/Shanghai with the meeting at 09:00."""
        return cls.build({})

    @classmethod
    def build(cls, overrides: Mapping[str, int | None], *, warn_at: float = 0.8,
              zone: ZoneInfo | None = None, meeting: time = time(9, 0),
              rules: Sequence[Rule] = RULES) -> SlaRules:
        """Defaults of ``rules`` with ``overrides`` (rule id -> seconds or ``None`` = off)."""
        if rules is not RULES:
            check_rules(rules)
        by_id = {r.id: r for r in rules}
        allowances: dict[str, int | None] = {r.id: r.allowance_s for r in rules}
        for key, value in overrides.items():
            rule = by_id.get(key)
            if rule is None:
                raise ConfigError(f"$.sla.{key}", f"unknown rule {key!r}; known: "
                                  + ", ".join(by_id))
            if rule.informational and value is not None:
                raise ConfigError(f"$.sla.{key}", f"{key} has no allowance: it is enforced "
                                  "by the lifecycle")
            if value is not None and value < 0:
                raise ConfigError(f"$.sla.{key}", "an allowance must not be negative")
            allowances[key] = value
        if not 0 < warn_at < 1:
            raise ConfigError("$.sla.warn_at", "warn_at must be between 0 and 1")
        return cls(allowances, warn_at, zone or ZoneInfo("Asia/Shanghai"), meeting,
                   tuple(rules))

    @property
    def enabled(self) -> tuple[Rule, ...]:
        """The rules that are evaluated (switched on, not informational)."""
        return tuple(c.rule for c in self._compiled)

    def _cycle_plan(self, cycle: int, mode: Mode, source: Source) -> CyclePlan:
        """The rules that apply to a ``cycle`` (ticket rules: the first only) in
        ``mode`` of a ticket from ``source``, worked out once per combination."""
        key = (cycle, mode, source)
        found = self._plans.get(key)
        if found is None:
            entries: list[tuple[_Row, _Fields | None]] = []
            for c in self._compiled:
                if cycle > 1 and c.first_only:
                    continue
                admitted = ((c.modes is None or mode in c.modes)
                            and (c.sources is None or source in c.sources))
                fields = cast(_Fields, tuple(c)) if admitted else None
                entries.append(((c.id, cycle, 1, None, None, None, None, None, None), fields))
            found = self._plans[key] = tuple(entries)
        return found

    def rule_order(self, clock: RuleClock | _Row) -> int:
        """The position of ``clock``'s rule among the enabled rules (a sort key)."""
        return self._order[clock[0]]

    def meeting_after_day(self, at: datetime) -> datetime:
        """The first managers' meeting after the local day of ``at``, in UTC.

        Computed on the community's calendar with ``zoneinfo`` (a day of 23 or
        25 hours is a day), not by adding 24 hours."""
        day = at.astimezone(self.zone).date()
        found = self._meetings.get(day)
        if found is None:
            local = datetime.combine(day + timedelta(days=1), self.meeting, tzinfo=self.zone)
            found = self._meetings[day] = local.astimezone(UTC)
        return found


# ------------------------------------------------------------------ clocks


def _applies(rule: Rule, unless: tuple[Condition, ...], allowance: timedelta, v: CycleView,
            category: str | None) -> bool:
    """Whether ``rule`` applies to cycle ``v`` of a ticket in ``category``, as far
    as its categories, desk resolution and conditions go (modes and sources: see
    :meth:`SlaRules._cycle_plan`)."""
    if rule.categories is not None and category not in rule.categories:
        return False
    if rule.desk_resolved is not None and (v.desk is not None) != rule.desk_resolved:
        return False
    return not any(cond(v, allowance) for cond in unless)


def clocks(ticket: Ticket, rules: SlaRules) -> list[RuleClock]:
    """Every enabled rule's clock for every cycle of ``ticket``, in rule order
    (then cycle, then occurrence)."""
    return [_clock(row) for row in _rows(ticket, rules)]


def _rows(ticket: Ticket, rules: SlaRules) -> list[_Row]:
    """:func:`clocks` as plain tuples.

    Worked out cycle by cycle, each with its :meth:`SlaRules._cycle_plan`
    (the rules its mode and the ticket's source admit, worked out once); a
    ticket of several cycles is then sorted into rule order (a stable sort keeps
    cycles and occurrences in order)."""
    views = cycle_views(ticket)
    terminal = terminal_at(ticket)
    source = ticket.source
    category = ticket.category
    out: list[_Row] = []
    for v in views:
        cyc = v.cycle
        # na: the rule's clock when it does not apply to this cycle (made once, shared)
        for na, c in rules._cycle_plan(cyc, v.mode, source):
            if c is None:  # not for this mode or source
                out.append(na)
                continue
            (rid, rule, allowance, kind, _, _, _, filtered, start, each, anchor_fn,
             first_stop, more_stops, voids, unless, early, decided, waives) = c
            if filtered and not _applies(rule, unless, allowance, v, category):
                out.append(na)
                continue
            if each is None:
                s0 = start(v, None)  # type: ignore[misc]  # set when each is None
                if s0 is None:
                    out.append(na)
                    continue
                starts: Sequence[datetime] = (s0,)
            else:
                starts = each(v)
                if not starts:
                    out.append(na)
                    continue
            occ = 0
            for s in starts:
                occ += 1
                anchor = None
                if kind == 0:
                    d = s + allowance
                elif kind == 1:
                    anchor = anchor_fn(v, s)  # type: ignore[misc]
                    if anchor is None:
                        out.append((rid, cyc, occ, None, None, None, None, None, None))
                        continue
                    d = anchor - allowance
                else:
                    d = rules.meeting_after_day(s) + allowance
                stop = first_stop(v, s)
                if more_stops:
                    for fn in more_stops:
                        stop = earlier(stop, fn(v, s))
                void = terminal
                if voids:
                    for fn in voids:
                        void = earlier(void, fn(v, s))
                hold = None
                if decided is not None:
                    hold, void = _decision(v, s, decided, waives, terminal, void)
                dev = None
                if (early is not None and stop is not None and anchor is not None
                        and stop < anchor - early):
                    dev = (f"early: on site {whole_seconds(anchor - stop)} s before the "
                           f"appointment, more than {rule.early_s} s early")
                out.append((rid, cyc, occ, s, d, stop, void, dev, hold))
    if len(views) > 1:
        out.sort(key=rules.rule_order)
    return out


def _decision(v: CycleView, s: datetime, decided: MilestoneFn,
              waives: tuple[MilestoneFn, ...], terminal: datetime | None,
              void: datetime | None) -> tuple[datetime, datetime | None]:
    """``(hold, void)`` of a rule decided by a milestone (S-3: the dispatch; the
    ticket's closing or cancellation decides it too): a waiver before the
    decision (S-3: the desk's own resolution) voids the rule with the hold
    :data:`UNDECIDED`, so that it is not applicable whenever it came."""
    x = earlier(decided(v, s), terminal)
    for fn in waives:
        w = fn(v, s)
        if w is not None and (x is None or w < x):
            return UNDECIDED, w if void is None or w < void else void
    return (UNDECIDED if x is None else x), void


# ------------------------------------------------------------------ outcomes


_Judged = tuple[str, int, Status, datetime | None, int | None, datetime | None,
                datetime | None, str | None, int]
"""An outcome as a plain tuple: the fields of :class:`Outcome` after ``ticket``,
in its order (what :func:`_judge` gives)."""


def statuses(ticket: Ticket, rules: SlaRules, at: datetime) -> list[tuple[str, Status]]:
    """``(rule, status)`` of every enabled rule's outcome for every cycle of
    ``ticket`` at ``at``, in the order of :func:`clocks`: what the simulator and
    the indicators' breach function count."""
    return [(v[0], v[2]) for v in _judge(_rows(ticket, rules), at)]


def _judge(rows: Sequence[_Row], at: datetime) -> list[_Judged]:
    """The outcome of each clock at ``at``: the one place that says it."""
    out: list[_Judged] = []
    for rule, cyc, occ, s, d, stop, void, dev, hold in rows:
        if s is None or d is None:
            out.append((rule, cyc, NA, None, None, None, None, None, occ))
            continue
        if stop is not None and stop > at:
            stop = None
        if void is not None and void > at:
            void = None
        if stop is not None and (void is None or stop <= void):
            if stop <= d:
                out.append((rule, cyc, MET, d, None, s, stop, dev, occ))
            else:
                out.append((rule, cyc, BREACHED, d, whole_seconds(stop - d), s, stop, dev, occ))
        elif void is not None:
            if void <= d or (hold is not None and hold > void):  # (hold > void: waived)
                out.append((rule, cyc, NA, None, None, s, void, None, occ))
            else:
                out.append((rule, cyc, BREACHED, d, whole_seconds(void - d), s, void, None, occ))
        elif at <= d or (hold is not None and hold > at):  # (not decided yet: no breach)
            out.append((rule, cyc, PENDING, d, None, s, None, None, occ))
        else:
            out.append((rule, cyc, BREACHED, d, whole_seconds(at - d), s, None, None, occ))
    return out


@attrs.frozen
class Outcome:
    """A rule's outcome for one ticket, cycle (and occurrence) at a time T (S-20).

    ``deadline`` is set for ``met``, ``breached`` and ``pending``; ``overrun_s``
    (whole seconds past the deadline, a started second counting as one) only
    for ``breached``.  ``stopped_at`` is the stopping (or voiding) milestone,
    ``None`` while the clock runs.  ``deviation`` notes a deviation that is not a
    breach (S-8's early arrival).  ``occurrence`` numbers the clocks of a rule
    that starts at each of several events of one cycle (S-11, S-13)."""

    ticket: str
    rule: str
    cycle: int
    status: Status
    deadline: datetime | None
    overrun_s: int | None
    started_at: datetime | None
    stopped_at: datetime | None
    deviation: str | None = None
    occurrence: int = 1


def outcome_at(ticket_id: str, clock: RuleClock, at: datetime) -> Outcome:
    """The outcome of ``clock`` at ``at`` (S-20) for ticket ``ticket_id``:
    milestones after ``at`` have not happened yet."""
    return Outcome(ticket_id, *_judge((clock,), at)[0])


def evaluate(ticket: Ticket, rules: SlaRules, at: datetime) -> list[Outcome]:
    """Every enabled rule's outcome for every cycle of ``ticket`` at ``at``
    (in rule order, then cycle, then occurrence)."""
    tid = ticket.id
    return [Outcome(tid, *v) for v in _judge(_rows(ticket, rules), at)]


def outcome_to_dict(o: Outcome, zone: ZoneInfo | None = None) -> dict[str, Any]:
    """The JSON shape ``{"ticket", "rule", "cycle", "status", "deadline", "overrun_s"}``
    (docs/json-output.md).

    ``deadline`` is ISO 8601 with its offset, in UTC, or in ``zone`` when given
    (the Desk passes the community's zone)."""
    deadline = None
    if o.deadline is not None:
        deadline = (o.deadline.astimezone(zone) if zone else o.deadline.astimezone(UTC)
                    ).isoformat()
    return {"ticket": o.ticket, "rule": o.rule, "cycle": o.cycle, "status": o.status,
            "deadline": deadline, "overrun_s": o.overrun_s}

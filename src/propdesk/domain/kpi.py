"""The indicators of the 《信息三率统计表》 (K-1 … K-13, docs/statistics.md): pure calculators.

A period is computed over the **tickets received in it** (``start <=
received_at < end``) **as they stand at its end** (events with ``at <=
as_of``; ``as_of`` defaults to the period's end), so a report recomputed
later gives the same figures and open tickets already late count as late.

The work is split in two steps, both pure:

1. :func:`ticket_facts` reduces one ticket (folded as of the period end) and
   its SLA breaches to a small :class:`TicketFacts` — everything the
   indicators and the report breakdowns need, and nothing personal.
2. :class:`Tally` adds facts up in one pass: per indicator a numerator and a
   denominator, counts by category, source, department and assignee, breaches
   by rule, and the assets' out-of-order intervals.  Tallies of disjoint
   ticket sets add up (``a + b``), so a period computed in pieces, or a
   company computed community by community, gives the same figures as the
   whole.  :meth:`Tally.indicators` turns a tally into :class:`Indicator`
   values (K-10: an empty denominator gives ``None``, "n/a").

Definitions follow docs/statistics.md, with the final category, and cancelled tickets
counting only in K-2 and K-3 (K-10).  K-4 counts each ticket's last callback
once; sampled callbacks are K-12 on their own.  K-9 is the period's average
of intact assets over the asset register: an asset is out of order from the
receipt to the completion of an engineering ticket naming it (again from a
rework until the next completion); unlike the others it is a time average,
so it uses every such ticket (also those received before the period) as
known at the period end, clipped to the period.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from fractions import Fraction

import attrs

from propdesk.domain.config import Config
from propdesk.domain.events import Event, is_stream
from propdesk.domain.facts import TicketFacts as TicketFacts  # (re-exported)
from propdesk.domain.facts import ticket_facts as ticket_facts
from propdesk.domain.fold import evolve
from propdesk.domain.model import Ticket

BreachFn = Callable[[Ticket, datetime], Sequence[str]]
"""``breaches(ticket, at)``: the ids of the SLA rules breached at ``at``, one
entry per breached outcome (a rule breached in two cycles appears twice)."""

SATISFIED = frozenset({"satisfied", "basically_satisfied"})
"""K-4's default: answers that count as satisfied (configurable)."""

INDICATOR_IDS = ("K-1", "K-2", "K-3", "K-4", "K-5", "K-6", "K-7", "K-8", "K-9", "K-12",
                 "K-13")


@attrs.frozen
class Target:
    """A target: ``op`` is ``=``, ``>``, ``>=``, ``<=``; ``value`` a ratio (or a count)."""

    op: str
    value: Fraction

    def met(self, value: Fraction) -> bool:
        """Whether ``value`` meets the target."""
        if self.op == "=":
            return value == self.value
        if self.op == ">":
            return value > self.value
        if self.op == ">=":
            return value >= self.value
        if self.op == "<=":
            return value <= self.value
        raise ValueError(f"unknown target operator {self.op!r}")

    def text(self, count: bool = False) -> str:
        """``=100%``, ``>98%``, or for counts ``=0``."""
        if count:
            return f"{self.op}{self.value}"
        pct = self.value * 100
        num = f"{float(pct):g}" if pct.denominator != 1 else str(pct.numerator)
        op = "≥" if self.op == ">=" else "≤" if self.op == "<=" else self.op
        return f"{op}{num}%"


TARGETS: dict[str, Target | None] = {
    "K-1": Target("=", Fraction(1)),
    "K-2": Target(">", Fraction(98, 100)),
    "K-3": Target(">", Fraction(99, 100)),
    # the manual's control points say 业主满意率 >98% (its targets chapter: 98 %): the stricter
    "K-4": Target(">", Fraction(98, 100)),
    "K-5": Target("=", Fraction(1)),
    "K-6": Target("=", Fraction(1)),
    "K-7": Target("=", Fraction(1)),
    "K-8": Target("=", Fraction(1)),
    "K-9": Target(">=", Fraction(99, 100)),
    "K-12": None,
    "K-13": Target("=", Fraction(0)),
}
"""Targets of the indicators (docs/statistics.md) and the manual (作业关键控制点, 管理目标)."""


@attrs.frozen
class Period:
    """A half-open period ``[start, end)`` of aware datetimes, with a label."""

    start: datetime
    end: datetime
    label: str = ""

    def __attrs_post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period needs aware datetimes")
        if self.end <= self.start:
            raise ValueError(f"period end {self.end} is not after its start {self.start}")

    @property
    def seconds(self) -> int:
        """Length in whole seconds."""
        return int((self.end - self.start).total_seconds())


@attrs.frozen
class Indicator:
    """One figure of K-10: numerator, denominator, value, target and met.

    ``value`` and ``met`` are ``None`` ("n/a") when the denominator is 0.  A
    count indicator (K-13) has ``value`` = the count and is always defined.
    """

    id: str
    numerator: int | Fraction
    denominator: int
    target: Target | None
    count: bool = False
    extra: Mapping[str, int] = attrs.field(factory=dict)

    @property
    def value(self) -> Fraction | None:
        """The ratio (or the count), ``None`` for an empty denominator."""
        if self.count:
            return Fraction(self.numerator)
        if self.denominator == 0:
            return None
        return Fraction(self.numerator) / self.denominator

    @property
    def met(self) -> bool | None:
        """Whether the target is met; ``None`` without a value or a target."""
        v = self.value
        if v is None or self.target is None:
            return None
        return self.target.met(v)


_RATIOS = ("K-1", "K-2", "K-3", "K-4", "K-5", "K-6", "K-7", "K-8", "K-12")


@attrs.define
class Tally:
    """Numerators, denominators and breakdowns of a set of tickets; tallies of
    disjoint sets add up with ``+``."""

    num: Counter[str] = attrs.field(factory=Counter)
    den: Counter[str] = attrs.field(factory=Counter)
    major_incidents: int = 0
    received: int = 0
    cancelled: int = 0
    by_category: Counter[str] = attrs.field(factory=Counter)
    by_source: Counter[str] = attrs.field(factory=Counter)
    by_department: Counter[str] = attrs.field(factory=Counter)
    by_assignee: Counter[str] = attrs.field(factory=Counter)
    breaches_by_rule: Counter[str] = attrs.field(factory=Counter)
    charges: Counter[str] = attrs.field(factory=Counter)
    """Paid services (R-61, R-62): ``charged``, ``charge_differs``, ``charge_disputed``."""
    asset_down: dict[str, list[tuple[datetime, datetime]]] = attrs.field(factory=dict)

    def add(self, f: TicketFacts, satisfied: frozenset[str] = SATISFIED, n: int = 1) -> None:
        """Count one ticket received in the period (as it stood at its end); ``n``
        tickets with the same facts at once."""
        num, den = self.num, self.den
        category = f.category
        self.received += n
        self.by_category[category or "-"] += n
        self.by_source[f.source] += n
        den["K-2"] += n
        if f.complete and not f.amended:
            num["K-2"] += n
        if category is not None:
            den["K-3"] += n
            if not f.reclassified:
                num["K-3"] += n
        if f.cancelled:
            self.cancelled += n
            return
        self.by_department[f.department or "-"] += n
        self.by_assignee[f.assignee or "-"] += n
        if f.charged:
            self.charges["charged"] += n
        if f.charge_differs:
            self.charges["charge_differs"] += n
        if f.charge_disputed:
            self.charges["charge_disputed"] += n
        den["K-1"] += n
        breaches = f.breaches
        if breaches:
            by_rule = self.breaches_by_rule
            for rule in breaches:
                by_rule[rule] += n
        else:
            num["K-1"] += n
        last = f.last_satisfaction
        if last is not None:
            den["K-4"] += n
            if last in satisfied:
                num["K-4"] += n
        if f.accepted:
            den["K-5"] += n
            if f.first_acceptance_passed and not f.reworked:
                num["K-5"] += n
        if f.returned:
            den["K-6"] += n
            if f.called_back:
                num["K-6"] += n
        if category == "complaint":
            den["K-7"] += n
            if f.closed:
                num["K-7"] += n
        elif category == "engineering":
            den["K-8"] += n
            if not breaches:
                num["K-8"] += n
        elif category == "security" and f.major_incident:
            self.major_incidents += n
        for agrees in f.samples:
            den["K-12"] += n
            if agrees:
                num["K-12"] += n

    def add_downtime(self, f: TicketFacts, period: Period, as_of: datetime,
                     assets: frozenset[str]) -> None:
        """K-9: the part of ``f``'s out-of-order intervals inside ``period``
        (an interval still open at ``as_of`` runs to ``as_of``)."""
        asset = f.asset
        if asset is None or asset not in assets or f.cancelled:
            return
        start, end_ = period.start, period.end
        for begin, done in f.down:
            end = done if done is not None else as_of
            lo = begin if begin >= start else start  # max(begin, start)
            hi = end if end <= end_ else end_  # min(end, end_)
            if lo < hi:
                self.asset_down.setdefault(asset, []).append((lo, hi))

    def __add__(self, other: Tally) -> Tally:
        out = Tally()
        for t in (self, other):
            out.num.update(t.num)
            out.den.update(t.den)
            out.major_incidents += t.major_incidents
            out.received += t.received
            out.cancelled += t.cancelled
            out.by_category.update(t.by_category)
            out.by_source.update(t.by_source)
            out.by_department.update(t.by_department)
            out.by_assignee.update(t.by_assignee)
            out.breaches_by_rule.update(t.breaches_by_rule)
            out.charges.update(t.charges)
            for asset, spans in t.asset_down.items():
                out.asset_down.setdefault(asset, []).extend(spans)
        return out

    def down_seconds(self) -> int:
        """Out-of-order asset-seconds: per asset, the union of its intervals."""
        total = 0
        for spans in self.asset_down.values():
            cur_lo: datetime | None = None
            cur_hi: datetime | None = None
            for lo, hi in sorted(spans):
                if cur_hi is None or lo > cur_hi:
                    if cur_lo is not None and cur_hi is not None:
                        total += int((cur_hi - cur_lo).total_seconds())
                    cur_lo, cur_hi = lo, hi
                elif hi > cur_hi:
                    cur_hi = hi
            if cur_lo is not None and cur_hi is not None:
                total += int((cur_hi - cur_lo).total_seconds())
        return total

    def indicators(self, period: Period, n_assets: int,
                   targets: Mapping[str, Target | None] = TARGETS) -> dict[str, Indicator]:
        """The figures of K-1 … K-9, K-12 and K-13 for this tally."""
        out = {k: Indicator(k, self.num[k], self.den[k], targets.get(k)) for k in _RATIOS}
        asset_seconds = n_assets * period.seconds
        intact = asset_seconds - self.down_seconds()
        avg_intact = Fraction(intact, period.seconds) if period.seconds else Fraction(0)
        out["K-9"] = Indicator("K-9", avg_intact, n_assets, targets.get("K-9"),
                               extra={"intact_asset_seconds": intact,
                                      "asset_seconds": asset_seconds})
        out["K-13"] = Indicator("K-13", self.major_incidents, self.security(),
                                targets.get("K-13"), count=True)
        return {k: out[k] for k in INDICATOR_IDS}

    def security(self) -> int:
        """Security tickets (the context of K-13's count)."""
        return self.by_category.get("security", 0)


def tally(
    facts: Iterable[TicketFacts],
    period: Period,
    *,
    as_of: datetime | None = None,
    assets: Iterable[str] = (),
    satisfied: frozenset[str] = SATISFIED,
) -> Tally:
    """One pass over ``facts`` (tickets received before ``as_of``): the tickets
    received in ``period`` are counted, and every ticket's asset downtime
    inside ``period`` goes to K-9."""
    end = as_of or period.end
    asset_set = frozenset(assets)
    t = Tally()
    for f in facts:
        if period.start <= f.received_at < period.end:
            t.add(f, satisfied)
        if f.down:
            t.add_downtime(f, period, end, asset_set)
    return t


def compute(
    config: Config,
    tickets: Iterable[Ticket],
    period: Period,
    breaches: BreachFn,
    *,
    as_of: datetime | None = None,
    satisfied: frozenset[str] = SATISFIED,
    targets: Mapping[str, Target | None] = TARGETS,
) -> dict[str, Indicator]:
    """The indicators of ``period`` from ``tickets`` folded as of ``as_of``
    (default: the period end); ``breaches`` gives each ticket's breached rules."""
    end = as_of or period.end
    facts = (ticket_facts(t, breaches(t, end)) for t in tickets if t.received_at <= end)
    return tally(facts, period, as_of=end, assets=[a.id for a in config.assets],
                 satisfied=satisfied).indicators(period, len(config.assets), targets)


class SlaBreaches:
    """The breach function of the SLA engine (:mod:`propdesk.domain.sla`) for
    a configuration; ``rules`` lets a KPI projection compute breach times."""

    def __init__(self, config: Config) -> None:
        import propdesk.domain.sla as sla

        self.rules = sla.SlaRules.from_config(config)
        self._statuses = sla.statuses

    def __call__(self, ticket: Ticket, at: datetime) -> list[str]:
        return [rule for rule, status in self._statuses(ticket, self.rules, at)
                if status == "breached"]


def sla_breaches(config: Config) -> SlaBreaches:
    """The breach function of the SLA engine (:mod:`propdesk.domain.sla`)."""
    return SlaBreaches(config)


def tickets_as_of(events: Iterable[Event], as_of: datetime) -> list[Ticket]:
    """Every ticket of an event log as it stood at ``as_of`` (its events with
    ``at <= as_of``), in order of first appearance.  The log may interleave
    tickets; each ticket's own events are in time order (R-32)."""
    view: dict[str, Ticket] = {}
    for e in events:
        if e.at <= as_of and not is_stream(e.ticket):
            view[e.ticket] = evolve(view.get(e.ticket), e)
    return list(view.values())

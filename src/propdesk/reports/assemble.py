"""Reports from the KPI calculators (K-11): the weekly and monthly
《信息三率统计表》 and the quarterly 《公开管理报告》.

Everything here is pure: events (or ticket facts), the configuration, the
period and the breach function come in; a :class:`Report` value goes out,
which the renderers of :mod:`propdesk.reports.render` turn into text.  The
public report is built from the same tally but keeps only counts by category
and source: no names, phone numbers, room numbers, nor staff ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from propdesk.domain import kpi
from propdesk.domain.config import Config
from propdesk.domain.events import Event
from propdesk.domain.kpi_projection import KpiProjection, sla_breach_times

KINDS = ("weekly", "monthly", "custom", "public")
CHARGE_KEYS = ("charged", "charge_differs", "charge_disputed")
"""The paid-service counts of a report, in display order (R-61, R-62)."""


def month(year: int, mon: int, zone: ZoneInfo) -> kpi.Period:
    """The local calendar month ``year-mon``."""
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return kpi.Period(datetime(year, mon, 1, tzinfo=zone),
                      datetime(nxt.year, nxt.month, 1, tzinfo=zone), f"{year}-{mon:02d}")


def iso_week(year: int, week: int, zone: ZoneInfo) -> kpi.Period:
    """The local ISO week (Monday 00:00 to Monday 00:00)."""
    monday = date.fromisocalendar(year, week, 1)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    end_day = monday + timedelta(days=7)
    return kpi.Period(start, datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone),
                      f"{year}-W{week:02d}")


def quarter(year: int, q: int, zone: ZoneInfo) -> kpi.Period:
    """The local calendar quarter ``q`` (1 … 4)."""
    if q not in (1, 2, 3, 4):
        raise ValueError(f"quarter {q} is not 1 … 4")
    first = month(year, 3 * q - 2, zone)
    last = month(year, 3 * q, zone)
    return kpi.Period(first.start, last.end, f"{year}-Q{q}")


def weeks_of(period: kpi.Period, zone: ZoneInfo) -> list[kpi.Period]:
    """The period cut at local Mondays 00:00 (the first and last week may be partial).

    A whole week is labelled ``2026-W10``; a part of a week names the days of
    the period it holds, ``2026-W09 (03-01)`` or ``2026-W14 (03-30–03-31)``, so
    no label suggests a week outside the period."""
    out = []
    start = period.start
    while start < period.end:
        local = start.astimezone(zone)
        monday = local.date() - timedelta(days=local.weekday()) + timedelta(days=7)
        nxt = datetime(monday.year, monday.month, monday.day, tzinfo=zone)
        end = min(nxt, period.end)
        iso = local.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
        whole = (local.weekday() == 0 and local.time() == time(0)
                 and end == nxt)
        if not whole:
            first = local.date()
            last = (end.astimezone(zone) - timedelta(microseconds=1)).date()
            days = f"{first:%m-%d}" if first == last else f"{first:%m-%d}–{last:%m-%d}"
            label += f" ({days})"
        out.append(kpi.Period(start, end, label))
        start = end
    return out


def week_number(week: kpi.Period, zone: ZoneInfo) -> str:
    """The short label of a week of :func:`weeks_of`: ``W10``."""
    return f"W{week.start.astimezone(zone).isocalendar().week:02d}"


def facts_from_events(
    events: Iterable[Event], as_of: datetime, breaches: kpi.BreachFn,
    *, received_from: datetime | None = None,
) -> list[kpi.TicketFacts]:
    """Fold the log as of ``as_of`` and reduce each ticket to its facts.  Tickets
    received before ``received_from`` are kept only when they name an asset
    (K-9 needs their downtime); their SLA is not evaluated."""
    out = []
    for t in kpi.tickets_as_of(events, as_of):
        if received_from is not None and t.received_at < received_from:
            if t.asset is None:
                continue
            out.append(kpi.ticket_facts(t))
        else:
            out.append(kpi.ticket_facts(t, breaches(t, as_of)))
    return out


@attrs.frozen
class Week:
    """One week of the trend: its period and indicators."""

    period: kpi.Period
    indicators: Mapping[str, kpi.Indicator]


@attrs.frozen
class Report:
    """A statistics report, ready to render.  ``public`` reports carry no
    department-internal breakdowns (assignees) and no personal data."""

    kind: str
    community: str
    period: kpi.Period
    as_of: datetime
    zone: ZoneInfo
    indicators: Mapping[str, kpi.Indicator]
    received: int
    cancelled: int
    by_category: Mapping[str, int]
    by_source: Mapping[str, int]
    by_department: Mapping[str, int]
    by_assignee: Mapping[str, int]
    breaches_by_rule: Mapping[str, int]
    weeks: tuple[Week, ...]
    category_labels: Mapping[str, tuple[str, str]]
    department_labels: Mapping[str, tuple[str, str]]
    assignee_labels: Mapping[str, str]
    charges: Mapping[str, int] = attrs.field(factory=dict)
    """Paid services (R-61, R-62): tickets ``charged``, charged other than the agreed
    plan (``charge_differs``, flagged) and with the charge disputed (``charge_disputed``)."""

    @property
    def public(self) -> bool:
        """Whether this is the public management report."""
        return self.kind == "public"


def _sorted(counter: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def build(
    config: Config,
    facts: Iterable[kpi.TicketFacts],
    period: kpi.Period,
    *,
    kind: str = "custom",
    as_of: datetime | None = None,
    satisfied: frozenset[str] = kpi.SATISFIED,
    targets: Mapping[str, kpi.Target | None] = kpi.TARGETS,
) -> Report:
    """Assemble a report in one pass over ``facts`` (tickets as of ``as_of``,
    default the period end): a tally per week of the period (:func:`assemble`)."""
    _check_kind(kind)
    end = as_of or period.end
    weeks = weeks_of(period, config.zone)
    tallies = [kpi.Tally() for _ in weeks]
    starts = [w.start for w in weeks]
    assets = frozenset(a.id for a in config.assets)
    for f in facts:
        if period.start <= f.received_at < period.end:
            i = _week_index(starts, f.received_at)
            tallies[i].add(f, satisfied)
        if f.down:
            for w, t in zip(weeks, tallies, strict=True):
                t.add_downtime(f, w, end, assets)
    return assemble(config, period, weeks, tallies, kind=kind, as_of=end, targets=targets)


def from_projection(
    config: Config,
    projection: KpiProjection,
    period: kpi.Period,
    *,
    kind: str = "custom",
    as_of: datetime | None = None,
    satisfied: frozenset[str] = kpi.SATISFIED,
    targets: Mapping[str, kpi.Target | None] = kpi.TARGETS,
) -> Report:
    """The same report as :func:`build`, from a KPI projection: one pass over
    its timelines, no folding."""
    _check_kind(kind)
    end = as_of or period.end
    weeks = weeks_of(period, config.zone)
    tallies = projection.tallies(weeks, end, assets=[a.id for a in config.assets],
                                 satisfied=satisfied)
    return assemble(config, period, weeks, tallies, kind=kind, as_of=end, targets=targets)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; known: {', '.join(KINDS)}")


def assemble(
    config: Config,
    period: kpi.Period,
    weeks: Sequence[kpi.Period],
    tallies: Sequence[kpi.Tally],
    *,
    kind: str,
    as_of: datetime,
    targets: Mapping[str, kpi.Target | None] = kpi.TARGETS,
) -> Report:
    """A report from the tallies of the weeks of ``period`` (:func:`weeks_of`):
    the whole is their sum, so the trend and the totals always agree."""
    total = kpi.Tally()
    for t in tallies:
        total = total + t
    n_assets = len(config.assets)
    public = kind == "public"
    cats = {c.id: (c.name, c.name_en or c.id) for c in config.categories}
    depts = {d.id: (d.name, d.name_en or d.id) for d in config.departments}
    people = {} if public else {p.id: p.name for p in config.people}
    return Report(
        kind=kind,
        community=config.community.name,
        period=period,
        as_of=as_of,
        zone=config.zone,
        indicators=total.indicators(period, n_assets, targets),
        received=total.received,
        cancelled=total.cancelled,
        by_category=_sorted(total.by_category),
        by_source=_sorted(total.by_source),
        by_department=_sorted(total.by_department),
        by_assignee={} if public else _sorted(total.by_assignee),
        breaches_by_rule=dict(sorted(total.breaches_by_rule.items(),
                                     key=lambda kv: _rule_order(kv[0]))),
        # the trend ends with the week of ``as_of``: later weeks have not begun
        weeks=tuple(Week(w, t.indicators(w, n_assets, targets))
                    for w, t in zip(weeks, tallies, strict=True) if w.start < as_of),
        category_labels=cats,
        department_labels=depts,
        assignee_labels=people,
        charges={k: total.charges[k] for k in CHARGE_KEYS},
    )


def _week_index(starts: list[datetime], at: datetime) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= at:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _rule_order(rule: str) -> tuple[int, str]:
    head, _, num = rule.partition("-")
    return (int(num) if num.isdigit() else 999, head)


def from_events(
    config: Config, events: Iterable[Event], period: kpi.Period, breaches: kpi.BreachFn,
    *, kind: str = "custom", as_of: datetime | None = None,
) -> Report:
    """A report straight from an event log.  With the SLA engine's breach
    function (:func:`kpi.sla_breaches`) the log is read once into a KPI
    projection (:mod:`propdesk.domain.kpi_projection`); any other breach
    function folds the tickets as of the end."""
    end = as_of or period.end
    if isinstance(breaches, kpi.SlaBreaches):
        projection = KpiProjection.from_events(
            events, sla_breach_times(breaches.rules), received_from=period.start)
        return from_projection(config, projection, period, kind=kind, as_of=end)
    facts = facts_from_events(events, end, breaches, received_from=period.start)
    return build(config, facts, period, kind=kind, as_of=end)

"""The time standards of DOMAIN §4 (S-1 … S-14), as data, and their evaluation.

Each rule is a row of :data:`RULES`: which tickets and cycles it applies to,
the milestone that *starts* its clock, the milestones that *stop* it, the
milestones that make it not applicable (a *void*; after the deadline a void
only freezes the overrun, S-20), and how its deadline is computed from the
start (or from an anchor such as the appointment time).  A rule may also be
*decided* only by a later milestone (S-3: the cycle's dispatch): until then a
passed deadline is still pending, and a *waiver* before it (S-3: the desk's
own resolution) makes the rule not applicable whenever it comes.  Milestones, deadline
kinds and conditions are small named functions in registries; a new rule over
existing milestones is one more row, not a branch in a function.

Everything here is pure: the time of evaluation is an argument.  A *clock*
(rule, cycle, occurrence, start, deadline, stop, void, hold) does not depend on the
time of evaluation; the milestones, the clocks and the deadline index live in
:mod:`propdesk.domain.deadlines`, and :func:`evaluate` turns clocks into
outcomes at a time T (:func:`verdicts`: the same as plain tuples).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal, NamedTuple, cast
from zoneinfo import ZoneInfo

import attrs

from propdesk.domain.config import Config
from propdesk.domain.deadlines import (
    CONDITIONS,
    MILESTONES,
    OCCURRENCES,
    Clock,
    Condition,
    CycleView,
    MilestoneFn,
    OccurrenceFn,
    clocks,
    whole_seconds,
)
from propdesk.domain.enums import Mode, Source
from propdesk.domain.errors import ConfigError
from propdesk.domain.model import Ticket

Status = Literal["met", "breached", "pending", "na"]
Per = Literal["ticket", "cycle", "each"]
DeadlineKind = Literal["after_start", "before_anchor", "meeting"]
MET: Final = "met"
BREACHED: Final = "breached"
PENDING: Final = "pending"
NA: Final = "na"

# ------------------------------------------------------------------ the rules


@attrs.frozen
class Rule:
    """One time standard.  ``allowance_s`` is the default allowance: for
    ``after_start`` the time allowed after the start; for ``before_anchor`` how
    long before the anchor the deadline falls; for ``meeting`` a grace after the
    first managers' meeting after the local day of the start."""

    id: str
    title: str
    wording: str
    per: Per
    start: str
    stop: tuple[str, ...]
    allowance_s: int | None
    deadline: DeadlineKind = "after_start"
    anchor: str | None = None
    void: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    decided_by: str | None = None
    """A milestone that decides whether the rule applies: until it (or the
    ticket's closing or cancellation), a passed deadline is pending, not a breach."""
    waive: tuple[str, ...] = ()
    """Milestones that make the rule not applicable whenever they come, if they
    come before ``decided_by`` (only with ``decided_by``)."""
    modes: frozenset[Mode] | None = None
    sources: frozenset[Source] | None = None
    categories: frozenset[str] | None = None
    desk_resolved: bool | None = None
    early_s: int | None = None
    informational: bool = False
    note: str = ""


_APPT: Final = frozenset({Mode.APPOINTMENT})

RULES: Final[tuple[Rule, ...]] = (
    Rule("S-1", "record within 1 minute", "1分钟内录入", "ticket",
         "received", ("recorded",), 60),
    Rule("S-2", "reply at once; after asking a supervisor within 5 minutes",
         "一般立即回复…请示后5分钟内给予回复", "ticket",
         "received", ("replied", "desk_resolved"), 300,
         note="every source: the manual's 业主信息 includes internal owners"),
    Rule("S-3", "classification and transmission within 2 minutes, read back",
         "分类及传递时间2分钟完成; 须复述确认", "cycle",
         "cycle_start", ("confirmed",), 120, decided_by="dispatched",
         waive=("desk_resolved",),
         note="for information that is transmitted: a cycle the desk resolves itself before "
              "any dispatch is not applicable, whenever it does (S-9 times the desk's own "
              "answers); past the deadline, a breach once the cycle is dispatched"),
    Rule("S-4", "emergency: transmission twice as fast, with the emergency notices",
         "突发紧急信息传递提速1倍…90秒内完成", "ticket",
         "received", ("confirmed",), 90, modes=frozenset({Mode.EMERGENCY}),
         note="the emergency notices are issued with the dispatch (R-52)"),
    Rule("S-5", "immediate service: on site within 10 minutes",
         "即时服务责任人10分钟内赶往现场确认", "cycle",
         "dispatched", ("arrived",), 600,
         modes=frozenset({Mode.IMMEDIATE, Mode.EMERGENCY})),
    Rule("S-6", "appointment: contact the owner 15 minutes before",
         "预约服务需提前15分钟联系业主确认", "cycle",
         "dispatched", ("contacted",), 900, deadline="before_anchor",
         anchor="appointment", unless=("short_notice",), modes=_APPT),
    Rule("S-7", "appointment: sign for the work order before the appointment",
         "预约服务需在预约时间前至呼叫中心签收《信息处理单》", "cycle",
         "dispatched", ("acknowledged",), 0, deadline="before_anchor",
         anchor="appointment", modes=_APPT),
    Rule("S-8", "appointment: arrive 3–5 minutes early", "提前3-5分钟到达", "cycle",
         "dispatched", ("arrived",), 180, deadline="before_anchor", anchor="appointment",
         modes=_APPT, early_s=300,
         note="arriving earlier than the window is a recorded deviation, not a breach"),
    Rule("S-9", "every question, opinion, suggestion and complaint arranged or answered "
         "within 15 minutes", "业主所有疑问、意见、建议及投诉要在十五分钟得到安排或答复",
         "cycle", "cycle_origin", ("dispatched", "desk_resolved", "answered"), 900),
    Rule("S-10", "initial plan within 3 minutes of the diagnosis", "3分钟制定初步方案",
         "cycle", "diagnosed", ("planned",), 180, void=("unable",),
         note="`unable` before the plan: not applicable if by the deadline, "
              "else breached up to the report"),
    Rule("S-11", "cannot handle or coordinate: report to the supervisor within 5 minutes",
         "无法处理上报主管时间5分钟", "each", "unables", ("reported",), 300,
         note="each `unable` needs its own report: an escalation before it does not count"),
    Rule("S-12", "not solved the same day: put before the managers' meeting",
         "当日或部门内无法解决的信息，应及时上报会议决定", "ticket",
         "service_start", ("completed", "escalated_2"), 0, deadline="meeting",
         note="the manual says 及时 (promptly); the meeting time is [community] meeting_time"),
    Rule("S-13", "callback within 2 minutes of the form's return", "2分钟内100%回访业主",
         "each", "returns", ("called_back",), 120),
    Rule("S-14", "emergency: site first, sign for the form after the first stage",
         "紧急事件应先赶往现场，阶段性处理后再行返回取单", "ticket",
         "received", (), None, modes=frozenset({Mode.EMERGENCY}), informational=True,
         note="enforced by the lifecycle: `arrive` before `acknowledge`; "
              "`return` needs the signature"),
)
"""The rules of DOMAIN §4 with their default allowances."""

RULE_BY_ID: Final[dict[str, Rule]] = {r.id: r for r in RULES}


def _check_rules(rules: Sequence[Rule]) -> None:
    """Refuse a table naming unknown milestones, series or conditions (``ValueError``)."""
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise ValueError(f"{r.id}: duplicate rule id")
        seen.add(r.id)
        if r.informational:
            continue
        names = (r.start,) if r.per != "each" else ()
        decided = (r.decided_by,) if r.decided_by else ()
        for name in (*names, *r.stop, *r.void, *decided, *r.waive,
                     *((r.anchor,) if r.anchor else ())):
            if name not in MILESTONES:
                raise ValueError(f"{r.id}: unknown milestone {name!r}")
        if r.per == "each" and r.start not in OCCURRENCES:
            raise ValueError(f"{r.id}: unknown occurrences {r.start!r}")
        if r.waive and r.decided_by is None:
            raise ValueError(f"{r.id}: a waiver goes with decided_by")
        if (r.deadline == "before_anchor") != (r.anchor is not None):
            raise ValueError(f"{r.id}: an anchor goes with before_anchor deadlines")
        for cond in r.unless:
            if cond not in CONDITIONS:
                raise ValueError(f"{r.id}: unknown condition {cond!r}")


_check_rules(RULES)

# ------------------------------------------------------------------ configured rules


_KINDS: Final = {"after_start": 0, "before_anchor": 1, "meeting": 2}


def _never(v: CycleView, s: datetime | None) -> datetime | None:
    """The stop of a rule without stopping milestones: it never happens."""
    return None


class _Compiled(NamedTuple):
    """A rule with its allowance, ready for :func:`~propdesk.domain.deadlines.clocks`:
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
    """Whether ``deadlines._applies`` must look at the cycle
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


def _compile(r: Rule, seconds: int) -> _Compiled:
    stops = tuple(MILESTONES[n].fn for n in r.stop)
    kind = _KINDS[r.deadline]
    return _Compiled(
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
                 ) -> tuple[_Compiled, ...]:
    """The rules that are evaluated (switched on, not informational), compiled."""
    return tuple(_compile(r, seconds) for r in rules
                 if not r.informational and (seconds := allowances.get(r.id)) is not None)


_Fields = tuple[str, Rule, timedelta, int, bool, frozenset[Mode] | None,
                frozenset[Source] | None, bool, MilestoneFn | None, OccurrenceFn | None,
                MilestoneFn | None, MilestoneFn, tuple[MilestoneFn, ...],
                tuple[MilestoneFn, ...], tuple[Condition, ...], timedelta | None,
                MilestoneFn | None, tuple[MilestoneFn, ...]]
"""The fields of :class:`_Compiled`, as a plain tuple."""

Plan = tuple[tuple[Clock, _Fields | None], ...]
"""The rules for one cycle of a ticket, in order: per rule the clock it has when
it does not apply (occurrence 1), and the compiled rule (the fields of
:class:`_Compiled` as a plain tuple), ``None`` when the cycle's mode or the
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
    # (abstract types for the derived fields: a class body compiled by mypyc
    # checks a field declared as a concrete built-in type, such as dict, against
    # the attrs field object it holds at that point, see docs/speed.md)
    _compiled: Sequence[_Compiled] = attrs.field(
        init=False, repr=False, eq=False,
        default=attrs.Factory(lambda self: _compile_all(self.rules, self.allowances),
                              takes_self=True))
    _meetings: MutableMapping[date, datetime] = attrs.field(init=False, repr=False, eq=False,
                                                            factory=dict)
    _plans: MutableMapping[tuple[int, Mode, Source], Plan] = attrs.field(
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
        """The defaults of §4, in Asia/Shanghai with the meeting at 09:00."""
        return cls.build({})

    @classmethod
    def build(cls, overrides: Mapping[str, int | None], *, warn_at: float = 0.8,
              zone: ZoneInfo | None = None, meeting: time = time(9, 0),
              rules: Sequence[Rule] = RULES) -> SlaRules:
        """Defaults of ``rules`` with ``overrides`` (rule id -> seconds or ``None`` = off)."""
        if rules is not RULES:
            _check_rules(rules)
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

    def plan(self, cycle: int, mode: Mode, source: Source) -> Plan:
        """The rules that apply to a ``cycle`` (ticket rules: the first only) in
        ``mode`` of a ticket from ``source``, worked out once per combination."""
        key = (cycle, mode, source)
        found = self._plans.get(key)
        if found is None:
            entries: list[tuple[Clock, _Fields | None]] = []
            for c in self._compiled:
                if cycle > 1 and c.first_only:
                    continue
                admitted = ((c.modes is None or mode in c.modes)
                            and (c.sources is None or source in c.sources))
                # a plain tuple: CPython 3.11 unpacks a tuple fast, a NamedTuple by iterating
                fields = cast(_Fields, tuple(c)) if admitted else None
                entries.append(((c.id, cycle, 1, None, None, None, None, None, None), fields))
            found = self._plans[key] = tuple(entries)
        return found

    def rule_order(self, clock: Clock) -> int:
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


# ------------------------------------------------------------------ evaluation

@attrs.frozen(slots=False, init=False)
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

    def __init__(self, ticket: str, rule: str, cycle: int, status: Status,
                 deadline: datetime | None, overrun_s: int | None, started_at: datetime | None,
                 stopped_at: datetime | None, deviation: str | None = None,
                 occurrence: int = 1) -> None:
        # written out (a plain dict class, no slots): evaluate() makes one per rule and
        # cycle of every ticket, and this is a fifth cheaper than the generated __init__
        d = self.__dict__
        d["ticket"] = ticket
        d["rule"] = rule
        d["cycle"] = cycle
        d["status"] = status
        d["deadline"] = deadline
        d["overrun_s"] = overrun_s
        d["started_at"] = started_at
        d["stopped_at"] = stopped_at
        d["deviation"] = deviation
        d["occurrence"] = occurrence


def outcome_at(ticket_id: str, clock: Clock, at: datetime) -> Outcome:
    """The status of ``clock`` at ``at``: milestones after ``at`` have not happened yet."""
    rule, cyc, occ, s, d, stop, void, dev, hold = clock
    if s is None or d is None:
        return Outcome(ticket_id, rule, cyc, NA, None, None, None, None, None, occ)
    if stop is not None and stop > at:
        stop = None
    if void is not None and void > at:
        void = None
    if stop is not None and (void is None or stop <= void):
        if stop <= d:
            return Outcome(ticket_id, rule, cyc, MET, d, None, s, stop, dev, occ)
        return Outcome(ticket_id, rule, cyc, BREACHED, d, whole_seconds(stop - d), s, stop,
                       dev, occ)
    if void is not None:
        if void <= d or (hold is not None and hold > void):  # (hold > void: waived)
            return Outcome(ticket_id, rule, cyc, NA, None, None, s, void, None, occ)
        return Outcome(ticket_id, rule, cyc, BREACHED, d, whole_seconds(void - d), s, void,
                       None, occ)
    if at <= d or (hold is not None and hold > at):  # (not decided yet: no breach)
        return Outcome(ticket_id, rule, cyc, PENDING, d, None, s, None, None, occ)
    return Outcome(ticket_id, rule, cyc, BREACHED, d, whole_seconds(at - d), s, None, None, occ)


Verdict = tuple[str, int, Status, datetime | None, int | None, datetime | None,
                datetime | None, str | None, int]
"""An outcome without its ticket id: ``(rule, cycle, status, deadline, overrun_s,
started_at, stopped_at, deviation, occurrence)``, the arguments of
:class:`Outcome` after the ticket id."""


def verdicts(ticket: Ticket, rules: SlaRules, at: datetime) -> list[Verdict]:
    """The outcomes of :func:`evaluate` as plain tuples, in the same order, without
    making :class:`Outcome` objects (a tuple is about ten times cheaper to make; the
    simulator and the KPI breach function only count them).  The same as
    :func:`outcome_at` over :func:`clocks`, written out for speed."""
    out: list[Verdict] = []
    append = out.append
    for rule, cyc, occ, s, d, stop, void, dev, hold in clocks(ticket, rules):
        if s is None or d is None:
            append((rule, cyc, NA, None, None, None, None, None, occ))
            continue
        if stop is not None and stop > at:
            stop = None
        if void is not None and void > at:
            void = None
        if stop is not None and (void is None or stop <= void):
            if stop <= d:
                append((rule, cyc, MET, d, None, s, stop, dev, occ))
            else:
                append((rule, cyc, BREACHED, d, whole_seconds(stop - d), s, stop, dev, occ))
        elif void is not None:
            if void <= d or (hold is not None and hold > void):
                append((rule, cyc, NA, None, None, s, void, None, occ))
            else:
                append((rule, cyc, BREACHED, d, whole_seconds(void - d), s, void, None, occ))
        elif at <= d or (hold is not None and hold > at):
            append((rule, cyc, PENDING, d, None, s, None, None, occ))
        else:
            append((rule, cyc, BREACHED, d, whole_seconds(at - d), s, None, None, occ))
    return out


def evaluate(ticket: Ticket, rules: SlaRules, at: datetime) -> list[Outcome]:
    """Every enabled rule's outcome for every cycle of ``ticket`` at ``at``
    (in rule order, then cycle, then occurrence): :func:`verdicts` as :class:`Outcome`."""
    tid = ticket.id
    out: list[Outcome] = []
    append = out.append
    new = Outcome
    for rule, cyc, status, d, overrun, s, stop, dev, occ in verdicts(ticket, rules, at):
        append(new(tid, rule, cyc, status, d, overrun, s, stop, dev, occ))  # (no *v: slower)
    return out


def outcome_to_dict(o: Outcome, zone: ZoneInfo | None = None) -> dict[str, Any]:
    """The §12 shape ``{"ticket", "rule", "cycle", "status", "deadline", "overrun_s"}``.

    ``deadline`` is ISO 8601 with its offset, in UTC, or in ``zone`` when given
    (the Desk passes the community's zone)."""
    deadline = None
    if o.deadline is not None:
        deadline = (o.deadline.astimezone(zone) if zone else o.deadline.astimezone(UTC)
                    ).isoformat()
    return {"ticket": o.ticket, "rule": o.rule, "cycle": o.cycle, "status": o.status,
            "deadline": deadline, "overrun_s": o.overrun_s}


# ------------------------------------------------------------------ documentation


def _duration_text(seconds: int) -> str:
    if seconds == 0:
        return "0 s"
    parts = []
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        parts.append(f"{h} h")
    if m:
        parts.append(f"{m} min")
    if s:
        parts.append(f"{s} s")
    return " ".join(parts)


def _config_text(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
    return text or "0s"


def _deadline_text(r: Rule, allowance: int | None, rules: SlaRules) -> str:
    if r.informational:
        return "—"
    if allowance is None:
        return "off"
    a = _duration_text(allowance)
    if r.deadline == "after_start":
        return f"start + {a}"
    if r.deadline == "before_anchor":
        assert r.anchor is not None
        text = f"{MILESTONES[r.anchor].text} − {a}"
        if r.early_s is not None:
            text += f" (window: from − {_duration_text(r.early_s)})"
        return text
    meeting = rules.meeting.strftime("%H:%M")
    grace = f" + {a}" if allowance else ""
    return f"the managers' meeting ({meeting} local) after the start's local day{grace}"


def _applies_text(r: Rule) -> str:
    parts = []
    if r.modes is not None:
        parts.append(" and ".join(sorted(m.value for m in r.modes)) + " cycles")
    if r.sources is not None:
        parts.append("sources " + ", ".join(sorted(s.value for s in r.sources)))
    if r.categories is not None:
        parts.append("categories " + ", ".join(sorted(r.categories)))
    if r.desk_resolved is not None:
        parts.append("desk-resolved cycles" if r.desk_resolved else "cycles not desk-resolved")
    scope = {"ticket": "once per ticket", "cycle": "every cycle",
             "each": "every cycle, each occurrence"}[r.per]
    return (", ".join(parts) or "all") + f"; {scope}"


def rules_markdown(rules: SlaRules | None = None) -> str:
    """The table of rules (for ``docs/sla.md``), generated from the rule data."""
    rules = rules or SlaRules.default()
    lines = [
        "| id | rule | manual | applies to | starts | stops (met when) | not applicable when "
        "| deadline | config |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rules.rules:
        if r.informational:
            start = stops = voids = "—"
        else:
            start = (OCCURRENCES[r.start].text if r.per == "each"
                     else MILESTONES[r.start].text)
            stops = " or ".join(MILESTONES[n].text for n in r.stop)
            voids = "; ".join([*(MILESTONES[n].text + " (by the deadline)" for n in r.void),
                               *(MILESTONES[n].text + " before "
                                 + MILESTONES[r.decided_by].text + " (whenever)"
                                 for n in r.waive if r.decided_by),
                               *(CONDITIONS[n][0] for n in r.unless)]) or "—"
        allowance = rules.allowances.get(r.id)
        config = "—" if r.informational else (
            f'`{r.id} = "{_config_text(allowance)}"`'
            if allowance is not None else f'`{r.id} = "off"`')
        title = r.title + (f" — {r.note}" if r.note else "")
        lines.append(f"| {r.id} | {title} | {r.wording} | {_applies_text(r)} | {start} "
                     f"| {stops} | {voids} | {_deadline_text(r, allowance, rules)} | {config} |")
    return "\n".join(lines) + "\n"

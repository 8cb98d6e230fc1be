"""The time standards S-1 … S-14 (docs/sla.md) as data: one row of :data:`RULES` per rule.

Each rule says which tickets and cycles it applies to, the milestone that
*starts* its clock, the milestones that *stop* it, the milestones that make
it not applicable (a *void*; after the deadline a void only freezes the
overrun, S-20), and how its deadline is computed from the start (or from an
anchor such as the appointment time).  A rule may also be *decided* only by
a later milestone (S-3: the cycle's dispatch): until then a passed deadline
is still pending, and a *waiver* before it (S-3: the desk's own resolution)
makes the rule not applicable whenever it comes.  Milestones, series and
conditions are named (:mod:`propdesk.domain.sla.milestones`); a new rule over
existing milestones is one more row, not a branch in a function.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import attrs

from propdesk.domain.enums import Mode, Source
from propdesk.domain.sla.milestones import CONDITIONS, MILESTONES, OCCURRENCES

Status = Literal["met", "breached", "pending", "na"]
Per = Literal["ticket", "cycle", "each"]
DeadlineKind = Literal["after_start", "before_anchor", "meeting"]
MET: Final = "met"
BREACHED: Final = "breached"
PENDING: Final = "pending"
NA: Final = "na"


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
"""The rules S-1 … S-14 with their default allowances."""

RULE_BY_ID: Final[dict[str, Rule]] = {r.id: r for r in RULES}


def check_rules(rules: Sequence[Rule]) -> None:
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


check_rules(RULES)

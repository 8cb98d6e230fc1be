"""The SLA engine (:mod:`propdesk.domain.sla`) as the CLI shows it.

Countdowns: every *running* clock (started, not stopped, with a deadline)
of an open ticket is ``ok``, ``warn`` (past ``warn_at`` of its allowance) or
``breach`` (past its deadline), with the seconds left (negative: overrun).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from rich.table import Table

    from propdesk.cli.state import App
    from propdesk.domain.model import Ticket
    from propdesk.domain.sla import Outcome, SlaRules

STATUS_STYLE = {"met": "green", "breached": "bold red", "pending": "yellow", "na": "dim"}
LEVEL_STYLE = {"ok": "green", "warn": "bold yellow", "breach": "bold white on red"}


def rules(app: App) -> SlaRules:
    """The configured rules (built once per command)."""
    from propdesk.domain.sla import SlaRules

    cached = app.cache.get("sla_rules")
    if not isinstance(cached, SlaRules):
        cached = app.cache["sla_rules"] = SlaRules.from_config(app.config)
    return cached


def outcomes(app: App, ticket: Ticket, at: datetime) -> list[Outcome]:
    from propdesk.domain.sla import evaluate

    return evaluate(ticket, rules(app), at)


def outcome_dict(app: App, o: Outcome) -> dict[str, Any]:
    """The JSON shape of ``sla --json`` plus the start and stop of the clock."""
    from propdesk.cli.render import local_iso
    from propdesk.domain.sla import outcome_to_dict

    out = outcome_to_dict(o, app.config.zone)
    out.update(started_at=local_iso(o.started_at, app.config),
               stopped_at=local_iso(o.stopped_at, app.config))
    if o.deviation:
        out["deviation"] = o.deviation
    return out


def ticket_outcomes(app: App, ticket: Ticket, at: datetime | None = None
                    ) -> list[dict[str, Any]]:
    """Every rule's outcome for ``ticket`` at ``at`` (default now), as JSON rows."""
    return [outcome_dict(app, o) for o in outcomes(app, ticket, at or app.now())]


def breached_ids(app: App, tickets: Iterable[Ticket], at: datetime | None = None) -> set[str]:
    """Ids of the tickets with at least one breached rule at ``at`` (default now)."""
    when = at or app.now()
    return {t.id for t in tickets
            if any(o.status == "breached" for o in outcomes(app, t, when))}


@attrs.frozen
class Countdown:
    """A running clock of an open ticket at a time."""

    ticket: Ticket
    rule: str
    cycle: int
    deadline: datetime
    started_at: datetime
    left_s: int
    level: str

    def to_dict(self, app: App) -> dict[str, Any]:
        from propdesk.cli.render import local_iso

        return {"ticket": self.ticket.id, "rule": self.rule, "cycle": self.cycle,
                "deadline": local_iso(self.deadline, app.config),
                "started_at": local_iso(self.started_at, app.config),
                "left_s": self.left_s, "level": self.level,
                "state": self.ticket.state.value, "assignee": self.ticket.assignee}


def countdowns(app: App, tickets: Iterable[Ticket], at: datetime) -> list[Countdown]:
    """The running clocks of the open ``tickets`` at ``at``, most urgent first."""
    warn_at = rules(app).warn_at
    out: list[Countdown] = []
    for t in tickets:
        if not t.open:
            continue
        for o in outcomes(app, t, at):
            if o.stopped_at is not None or o.deadline is None or o.started_at is None:
                continue
            if o.status not in ("pending", "breached"):
                continue
            left = int((o.deadline - at).total_seconds())
            allowance = (o.deadline - o.started_at).total_seconds()
            if o.status == "breached":
                level = "breach"
            elif allowance > 0 and (at - o.started_at).total_seconds() >= warn_at * allowance:
                level = "warn"
            else:
                level = "ok"
            out.append(Countdown(t, o.rule, o.cycle, o.deadline, o.started_at, left, level))
    out.sort(key=lambda c: (c.deadline, c.ticket.id, c.rule))
    return out


def duration(seconds: int) -> str:
    """``4m05s``, ``-1h02m`` (overrun), ``2d03h``."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    d, rest = divmod(s, 86400)
    h, rest = divmod(rest, 3600)
    m, sec = divmod(rest, 60)
    if d:
        return f"{sign}{d}d{h:02d}h"
    if h:
        return f"{sign}{h}h{m:02d}m"
    return f"{sign}{m}m{sec:02d}s"


def rule_title(rule_id: str, lang: str) -> str:
    from propdesk.domain.sla import RULES

    for r in RULES:
        if r.id == rule_id:
            return r.wording if lang == "zh" else r.title
    return rule_id


def sla_table(app: App, rows: Sequence[dict[str, Any]], *, title: str = "",
              show_ticket: bool = False) -> Table:
    """A table of SLA rows (``na`` rows left out)."""
    from rich.table import Table
    from rich.text import Text

    from propdesk.cli.render import short_time

    tr = app.t
    table = Table(title=title or None, title_justify="left", header_style="bold")
    if show_ticket:
        table.add_column(tr("工单", "ticket"), no_wrap=True)
    for head in (tr("规则", "rule"), tr("周期", "cycle"), tr("状态", "status"),
                 tr("时限", "deadline"), tr("超时", "overrun"), tr("标准", "standard")):
        table.add_column(head, no_wrap=head not in (tr("标准", "standard"),))
    labels = {"met": tr("达标", "met"), "breached": tr("超时", "breached"),
              "pending": tr("计时中", "pending"), "na": tr("不适用", "n/a")}
    for row in rows:
        if row["status"] == "na":
            continue
        deadline = datetime.fromisoformat(row["deadline"]) if row["deadline"] else None
        cells = [
            Text(row["rule"]), Text(str(row["cycle"])),
            Text(labels[row["status"]], style=STATUS_STYLE[row["status"]]),
            Text(short_time(deadline, app.config)),
            Text(duration(row["overrun_s"]) if row["overrun_s"] is not None else "-"),
            Text(rule_title(row["rule"], app.lang), style="dim"),
        ]
        if show_ticket:
            cells.insert(0, Text(row["ticket"]))
        table.add_row(*cells)
    return table

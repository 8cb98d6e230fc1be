"""``board``, ``sla`` and ``due``: the time standards (S-1 … S-14) at the desk."""

from __future__ import annotations

import time as _time
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from propdesk.cli import slaview
from propdesk.cli.complete import complete_tickets
from propdesk.cli.read import json_option, pass_app
from propdesk.cli.state import App

if TYPE_CHECKING:
    from rich.console import Group


def open_as_of(app: App, at: datetime | None) -> list[Any]:
    """The open tickets now, or — given ``at`` — as the desk stood at ``at``
    (recorded by then, in their states then)."""
    tickets = app.desk.tickets() if at is None else app.desk.tickets_as_of(at)
    return [t for t in tickets if t.open]


def board_frame(app: App, at: datetime, *, as_of: bool = False
                ) -> tuple[Group, dict[str, Any]]:
    """One frame of the board at ``at``: the renderable and its JSON data.  With
    ``as_of`` the tickets are those of the desk as it stood at ``at``; otherwise
    today's tickets with their clocks at ``at``."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from propdesk.cli.render import (
        CHARGE_MARK,
        STATE_STYLE,
        category_label,
        clip,
        mode_label,
        short_time,
        state_label,
    )

    config, lang, tr = app.config, app.lang, app.t
    open_tickets = open_as_of(app, at if as_of else None)
    clocks = slaview.countdowns(app, open_tickets, at)
    worst: dict[str, slaview.Countdown] = {}
    for c in clocks:
        worst.setdefault(c.ticket.id, c)
    breached = slaview.breached_ids(app, open_tickets, at)
    counts = {"open": len(open_tickets), "warn": sum(c.level == "warn" for c in worst.values()),
              "breach": len(breached)}
    order = sorted(open_tickets, key=lambda t: (
        0 if t.id in worst else 1,
        worst[t.id].deadline if t.id in worst else t.received_at, t.id))
    table = Table(header_style="bold", expand=False)
    for head in (tr("工单", "ticket"), tr("状态", "state"), tr("分类", "category"),
                 tr("方式", "mode"), tr("处理人", "assignee"), tr("下一时限", "next deadline"),
                 tr("剩余", "left"), tr("内容", "content")):
        table.add_column(head, no_wrap=True)
    rows = []
    for t in order:
        nxt = worst.get(t.id)
        if nxt is not None:
            when = f"{nxt.rule} {short_time(nxt.deadline, config, with_date=False)}"
            left = Text(slaview.duration(nxt.left_s), style=slaview.LEVEL_STYLE[nxt.level])
        else:
            when, left = "-", Text("-")
        late = t.id in breached
        table.add_row(
            Text(t.id + (f" {CHARGE_MARK}" if t.charge_differs else ""),
                 style="bold red" if late else ""),
            Text(state_label(t.state.value, lang), style=STATE_STYLE[t.state.value]),
            Text(category_label(config, t.category, lang)),
            Text(mode_label(t.mode.value, lang),
                 style="bold red" if t.mode.value == "emergency" else ""),
            Text(t.assignee or "-"), Text(when), left, Text(clip(t.content, 24)))
        rows.append({"ticket": t.id, "state": t.state.value, "category": t.category,
                     "mode": t.mode.value, "assignee": t.assignee, "breached": late,
                     "charge_differs": t.charge_differs,
                     "next": nxt.to_dict(app) if nxt is not None else None})
    header = Text.assemble(
        (f"{config.community.name} ", "bold"),
        tr("呼叫前台  ", "front desk  "), short_time(at, config), "   ",
        (tr(f"未结 {counts['open']}", f"open {counts['open']}"), "bold"), "  ",
        (tr(f"预警 {counts['warn']}", f"warnings {counts['warn']}"), "bold yellow"), "  ",
        (tr(f"超时 {counts['breach']}", f"breached {counts['breach']}"), "bold red"))
    data = {"at": at.astimezone(config.zone).isoformat(), "counts": counts, "tickets": rows}
    parts: list[Any] = [header, table]
    if not open_tickets:
        parts.append(Text(tr("没有未结工单", "no open tickets"), style="dim"))
    return Group(*parts), data


@click.command("board")
@click.option("--at", "at_text", metavar="TIME",
              help="The board as it stood at TIME: tickets recorded by then, in their states "
                   "and with their clocks then (no refresh).")
@click.option("--interval", type=click.FloatRange(min=0.5), default=5.0, show_default=True,
              help="Seconds between refreshes.")
@click.option("--live/--once", default=None,
              help="Refresh until Ctrl-C, or print one frame and exit [default: live on a "
                   "terminal, once otherwise].")
@json_option
@pass_app
def board(app: App, at_text: str | None, interval: float, live: bool | None,
          as_json: bool) -> None:
    """Live board of open tickets: the next deadline of each, counting down.

    Yellow: past the warning point of its allowance; red: breached.  Press
    Ctrl-C to leave.
    """
    app.json_mode = as_json
    at = app.parse_time(at_text, "--at") if at_text else None
    if as_json:
        app.emit_json(board_frame(app, at or app.now(), as_of=at is not None)[1])
        return
    if live is False or at is not None or (live is None and not app.out.is_terminal):
        app.out.print(board_frame(app, at or app.now(), as_of=at is not None)[0])
        return
    from rich.live import Live

    with Live(board_frame(app, app.now())[0], console=app.out, screen=False,
              auto_refresh=False) as view:
        try:
            while True:
                _time.sleep(interval)
                app.desk.refresh()
                view.update(board_frame(app, app.now())[0], refresh=True)
        except KeyboardInterrupt:
            pass


@click.command("sla")
@click.option("--at", "at_text", metavar="TIME", help="The time to evaluate at [default: now].")
@click.option("--ticket", "ticket_ids", multiple=True, shell_complete=complete_tickets,
              help="Only this ticket (repeatable).")
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["met", "breached", "pending", "na"]),
              help="Only outcomes with this status (repeatable).")
@json_option
@pass_app
def sla(app: App, at_text: str | None, ticket_ids: tuple[str, ...],
        statuses: tuple[str, ...], as_json: bool) -> None:
    """Every rule's outcome for every ticket at a time (JSON: ticket, rule, cycle,
    status, deadline, overrun_s)."""
    app.json_mode = as_json
    at = app.parse_time(at_text, "--at") if at_text else app.now()
    desk = app.desk
    tickets = desk.tickets_as_of(at, ids=ticket_ids or None)
    rows = [slaview.outcome_dict(app, o) for t in tickets for o in slaview.outcomes(app, t, at)]
    if statuses:
        rows = [r for r in rows if r["status"] in statuses]
    if as_json:
        app.emit_json(rows)
        return
    shown = [r for r in rows if r["status"] != "na"]
    if not shown:
        app.message("没有适用的时限", "no rule applies")
        return
    app.out.print(slaview.sla_table(app, shown, show_ticket=True))
    late = sum(r["status"] == "breached" for r in rows)
    app.message(f"共 {len(shown)} 项，超时 {late} 项", f"{len(shown)} outcomes, {late} breached")


@click.command("due")
@click.option("--until", "until_text", metavar="TIME", required=True,
              help="Deadlines up to TIME: +30m, 18:00, 2026-03-02 18:00 … (+30m counts "
                   "from --at when it is given).")
@click.option("--at", "at_text", metavar="TIME",
              help="As the desk stood at TIME: tickets recorded by then, in their states "
                   "and with their clocks then [default: now].")
@json_option
@pass_app
def due(app: App, until_text: str, at_text: str | None, as_json: bool) -> None:
    """What falls due up to a time, and what is already overdue (running clocks of
    open tickets)."""
    from propdesk.cli.state import parse_time

    app.json_mode = as_json
    at = app.parse_time(at_text, "--at") if at_text else None
    now = at or app.now()
    until = parse_time(until_text, "--until", now, app.config.zone)
    open_tickets = open_as_of(app, at)
    clocks = [c for c in slaview.countdowns(app, open_tickets, now) if c.deadline <= until]
    rows = [c.to_dict(app) for c in clocks]
    if as_json:
        app.emit_json(rows)
        return
    if not rows:
        app.message("到期前没有待办时限", "nothing falls due")
        return
    from rich.table import Table
    from rich.text import Text

    from propdesk.cli.render import short_time

    tr = app.t
    table = Table(header_style="bold")
    for head in (tr("工单", "ticket"), tr("规则", "rule"), tr("时限", "deadline"),
                 tr("剩余", "left"), tr("处理人", "assignee"), tr("标准", "standard")):
        table.add_column(head, no_wrap=True)
    for c in clocks:
        table.add_row(c.ticket.id, c.rule, short_time(c.deadline, app.config),
                      Text(slaview.duration(c.left_s), style=slaview.LEVEL_STYLE[c.level]),
                      c.ticket.assignee or "-",
                      Text(slaview.rule_title(c.rule, app.lang), style="dim"))
    app.out.print(table)
    overdue = sum(c.level == "breach" for c in clocks)
    app.message(f"共 {len(rows)} 项，已超时 {overdue} 项",
                f"{len(rows)} deadlines, {overdue} overdue")

"""``show`` and ``list``: reading tickets (rich tables, or JSON: docs/json-output.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from propdesk.cli.complete import complete_people, complete_tickets
from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.state import App

if TYPE_CHECKING:
    from propdesk.domain.events import Event
    from propdesk.domain.model import Ticket

pass_app = click.make_pass_decorator(App)

STATES = ("recorded", "dispatched", "confirmed", "acknowledged", "on_site", "planned",
          "in_progress", "completed", "accepted", "returned", "called_back", "closed",
          "cancelled")


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True,
                        help="JSON on stdout (docs/json-output.md).")(f)


def reveal_option(f: Any) -> Any:
    return click.option("--reveal", is_flag=True,
                        help="Show owners' names and phone numbers unmasked (needs the "
                             "permission; recorded in the log).")(f)


def authorize_reveal(app: App, tickets: Sequence[Ticket], purpose: str) -> None:
    """Check that the acting person may see the personal data of ``tickets``; record it."""
    from propdesk.masking import may_reveal, record_reveal

    user = app.require_user()
    config = app.config
    denied = [t.id for t in tickets if not may_reveal(config, user, t)]
    if user not in config.person_by_id:
        from propdesk.domain.errors import DomainError

        raise DomainError("unknown_person", field="--as", value=user)
    if denied or (not tickets and not may_reveal(config, user)):
        raise CliError(
            ExitCode.PERMISSION,
            f"{user} may not see owners' personal data" + (
                f" of {', '.join(denied[:5])}" if denied else ""),
            f"{user} 无权查看业主个人信息" + (f"（{'、'.join(denied[:5])}）" if denied else ""),
            hint_en="allowed: desk, community supervisor, foreman, manager, and a ticket's "
                    "assignee or first receiver; leave out --reveal to see masked data",
            hint_zh="有权者：前台、小区主管、领班、经理，及工单的处理人或首接人；"
                    "去掉 --reveal 查看脱敏信息",
            code="forbidden_reveal")
    record_reveal(app.store(), user, app.now(), [t.id for t in tickets], purpose)
    app.message("已记录：查看个人信息", "recorded: personal data revealed")


@click.command("show")
@click.argument("ticket", shell_complete=complete_tickets)
@json_option
@reveal_option
@pass_app
def show(app: App, ticket: str, as_json: bool, reveal: bool) -> None:
    """Show one ticket: the record, its work orders, SLA and history.

    Owners' names and phone numbers are masked unless --reveal is given by a
    person who may see them.
    """
    from propdesk.cli.render import ticket_dict

    app.json_mode = as_json
    desk = app.desk
    t = desk.ticket(ticket)
    events = desk.events_of(ticket)
    if reveal:
        authorize_reveal(app, [t], "show")
    allowed = [c.value for c in desk.allowed(ticket)]
    data = ticket_dict(t, events, app.config, reveal=reveal, allowed=allowed)
    data["next_step"] = next_step_dict(app, t)
    sla = sla_rows(app, t)
    if sla is not None:
        data["sla"] = sla
    if as_json:
        app.emit_json(data)
        return
    print_ticket(app, t, data, events, reveal=reveal)


def next_step_dict(app: App, ticket: Ticket) -> dict[str, Any] | None:
    """The next step of the procedure (:func:`propdesk.domain.guidance.next_step`):
    the command, who takes it (``None``: the desk), why, and the CLI command."""
    from propdesk.cli.render import step_command
    from propdesk.domain.guidance import desk_categories, next_step, step_actor, step_reason

    step = next_step(ticket, desk_categories(app.config))
    if step is None:
        return None
    actor = step_actor(ticket, step)
    zh, en = step_reason(ticket, step)
    return {"command": step.value, "by": actor, "reason_zh": zh, "reason_en": en,
            "cli": step_command(ticket, step, actor)}


def sla_rows(app: App, ticket: Ticket) -> list[dict[str, Any]] | None:
    """The ticket's SLA outcomes now (docs/json-output.md), or ``None`` without an SLA engine."""
    from propdesk.cli import slaview

    return slaview.ticket_outcomes(app, ticket)


def print_ticket(app: App, t: Ticket, data: dict[str, Any], events: Sequence[Event], *,
                 reveal: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    from propdesk.cli.render import (
        STATE_STYLE,
        category_label,
        charge_flags,
        charge_text,
        mode_label,
        person_label,
        short_time,
        source_label,
        state_label,
    )
    from propdesk.history import history_lines

    config, lang, tr = app.config, app.lang, app.t
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    rows: list[tuple[str, str, str]] = [
        (tr("工单", "Ticket"), t.id, "bold"),
        (tr("状态", "State"), state_label(t.state.value, lang), STATE_STYLE[t.state.value]),
        (tr("分类", "Category"), category_label(config, t.category, lang), ""),
        (tr("服务方式", "Mode"), mode_label(t.mode.value, lang),
         "bold red" if t.mode.value == "emergency" else ""),
        (tr("信息源点", "Source"), source_label(t.source.value, lang), ""),
        (tr("首接负责人", "First receiver"), person_label(config, t.first_receiver), ""),
        (tr("处理人", "Assignee"), person_label(config, t.assignee), ""),
        (tr("接收时间", "Received"), short_time(t.received_at, config), ""),
        (tr("录入时间", "Recorded"), short_time(t.recorded_at, config), ""),
        (tr("地点", "Location"), t.location or "-", ""),
        (tr("联系人", "Contact"), f"{data['contact'] or '-'}  {data['phone'] or ''}", ""),
        (tr("内容", "Content"), t.content, ""),
    ]
    if t.appointment_at:
        rows.append((tr("预约时间", "Appointment"), short_time(t.appointment_at, config), ""))
    if t.rework_count or t.escalation_level:
        rows.append((tr("返工/上报", "Rework/escalation"),
                     f"{t.rework_count} / {t.escalation_level}", "yellow"))
    if t.incomplete:
        rows.append((tr("记录不完整", "Incomplete"), ", ".join(t.incomplete), "yellow"))
    for flag in charge_flags(t, lang):
        rows.append((tr("收费与方案不符", "Charge not the plan"), flag, "bold yellow"))
    for key, value, style in rows:
        head.add_row(key, Text(value, style=style))
    app.out.print(head)
    if t.work_orders:
        wo_table = Table(title=tr("信息处理单", "Work orders"), title_justify="left",
                         header_style="bold")
        for col in (tr("单号", "No."), tr("处理人", "Assignee"), tr("派单", "Sent"),
                    tr("接单", "Read back"), tr("签收", "Signed"), tr("到场", "On site"),
                    tr("完成", "Done"), tr("验收", "Accepted"), tr("返回", "Returned"),
                    tr("收费", "Charge")):
            wo_table.add_column(col, no_wrap=True)
        for wo in t.work_orders:
            wo_table.add_row(
                f"{wo.number}" + ("↷" if wo.voided_at else ""), wo.assignee,
                *(short_time(x, config) for x in (wo.dispatched_at, wo.confirmed_at,
                                                  wo.acknowledged_at, wo.arrived_at,
                                                  wo.completed_at, wo.accepted_at,
                                                  wo.returned_at)),
                charge_text(wo, lang))
        app.out.print(wo_table)
    if data.get("sla"):
        from propdesk.cli.slaview import sla_table

        app.out.print(sla_table(app, data["sla"], title=tr("时限", "SLA")))
    hist = Table(title=tr("处理记录", "History"), title_justify="left", header_style="bold")
    hist.add_column(tr("时间", "Time"), no_wrap=True)
    hist.add_column(tr("事项", "Step"), no_wrap=True)
    hist.add_column(tr("人员", "By"), no_wrap=True)
    hist.add_column(tr("说明", "Details"), overflow="fold")  # Chinese has no spaces to wrap at
    for line in history_lines(events, config, lang, reveal=reveal):
        hist.add_row(line.time, line.step, line.by, Text(line.details))
    app.out.print(hist)
    print_next_step(app, data)


def print_next_step(app: App, data: dict[str, Any]) -> None:
    """The next step (localised, with the CLI command that takes it), then the
    other commands allowed now."""
    from rich.text import Text

    from propdesk.cli.render import command_label, person_label

    tr, lang = app.t, app.lang
    step = data.get("next_step")
    if step is not None:
        who = ""
        if step["by"]:
            who = tr(f"（由 {person_label(app.config, step['by'])}）",
                     f" (by {person_label(app.config, step['by'])})")
        app.out.print(Text.assemble(
            (tr("下一步：", "Next step: "), "bold"),
            (command_label(step["command"], lang), "bold green"), who, " — ",
            step["reason_zh"] if lang == "zh" else step["reason_en"]))
        app.out.print(Text("  " + step["cli"], style="cyan"))
    others = [c for c in data.get("allowed", ()) if step is None or c != step["command"]]
    if others:
        names = [f"{command_label(c, lang)} ({c.replace('_', '-')})" if lang == "zh"
                 else c.replace("_", "-") for c in others]
        app.out.print(Text(tr("其他可执行：", "Other actions: ")
                           + tr("、", ", ").join(names), style="dim"))


SEARCH_LIMIT = 50
"""``list --search`` without ``--limit`` shows the newest this many matches."""


@click.command("list")
@click.option("--search", metavar="TEXT",
              help="Only tickets whose room/location, contact, phone (in full or its last "
                   "four digits) or content contain TEXT; several words must all match. "
                   f"Newest {SEARCH_LIMIT} unless --limit is given.")
@click.option("--state", "states", multiple=True, type=click.Choice(STATES),
              help="Only tickets in this state (repeatable).")
@click.option("--category", "categories", multiple=True, metavar="CATEGORY",
              help="Only this category (repeatable).")
@click.option("--assignee", metavar="PERSON", shell_complete=complete_people,
              help="Only tickets whose current work order is with PERSON.")
@click.option("--first-receiver", metavar="PERSON", shell_complete=complete_people,
              help="Only tickets PERSON first received (首接).")
@click.option("--open", "only_open", is_flag=True, help="Only open tickets.")
@click.option("--overdue", is_flag=True, help="Only tickets with a breached SLA rule now "
                                               "(or at --at).")
@click.option("--from", "period_from", metavar="TIME", help="Received at or after TIME.")
@click.option("--to", "period_to", metavar="TIME", help="Received before TIME.")
@click.option("--at", "at_text", metavar="TIME",
              help="The tickets as they stood at TIME: those recorded by then, in their "
                   "states then [default: now].")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="At most this many (the newest).")
@json_option
@reveal_option
@pass_app
def list_cmd(app: App, search: str | None, states: tuple[str, ...],
             categories: tuple[str, ...], assignee: str | None, first_receiver: str | None,
             only_open: bool, overdue: bool, period_from: str | None, period_to: str | None,
             at_text: str | None, limit: int | None, as_json: bool, reveal: bool) -> None:
    """List tickets, oldest first, with filters; find one with --search."""
    from propdesk.cli.render import ticket_dict, tickets_table

    app.json_mode = as_json
    config = app.config
    for cat in categories:
        if cat not in config.category_by_id:
            from propdesk.domain.errors import DomainError

            raise DomainError("unknown_category", value=cat,
                              allowed=", ".join(config.category_by_id))
    for who in (assignee, first_receiver):
        if who is not None and who not in config.person_by_id:
            from propdesk.domain.errors import DomainError

            raise DomainError("unknown_person", field="--assignee" if who == assignee
                              else "--first-receiver", value=who)
    start = app.parse_time(period_from, "--from") if period_from else None
    end = app.parse_time(period_to, "--to") if period_to else None
    at = app.parse_time(at_text, "--at") if at_text else None
    filtered = bool(states or categories or assignee or first_receiver or only_open
                    or overdue or start or end or at)
    more = False
    if search is not None:
        if search.strip() == "":
            raise CliError(ExitCode.INVALID_INPUT, "--search: give some text to look for",
                           "--search：请给出要查找的文字", code="invalid_value",
                           details={"field": "--search", "value": search})
        wanted = limit or SEARCH_LIMIT
        found = app.desk.search(search, limit=None if filtered else wanted + 1)
        more = len(found) > wanted and not filtered
        found.reverse()  # oldest first, as list shows tickets
        tickets = app.desk.tickets_as_of(at, ids=[t.id for t in found]) if at else found
        if limit is None:
            limit = SEARCH_LIMIT
    else:
        tickets = app.desk.tickets_as_of(at) if at else app.desk.tickets()
    out = [
        t for t in tickets
        if (not states or t.state.value in states)
        and (not categories or t.category in categories)
        and (assignee is None or t.assignee == assignee)
        and (first_receiver is None or t.first_receiver == first_receiver)
        and (not only_open or t.open)
        and (start is None or t.received_at >= start)
        and (end is None or t.received_at < end)
    ]
    if overdue:
        from propdesk.cli import slaview

        late = slaview.breached_ids(app, out, at)
        out = [t for t in out if t.id in late]
    if limit is not None:
        more = more or len(out) > limit
        out = out[-limit:]
    if reveal:
        authorize_reveal(app, out, "list")
    if as_json:
        app.emit_json([ticket_dict(t, None, config, reveal=reveal) for t in out])
        return
    if not out:
        app.message("没有符合条件的工单", "no tickets match")
        return
    app.out.print(tickets_table(app, out, reveal=reveal))
    if more:
        app.message(f"显示最新的 {len(out)} 张工单；用 --limit 查看更多",
                    f"the newest {len(out)} tickets shown; --limit shows more")
    else:
        app.message(f"共 {len(out)} 张工单", f"{len(out)} tickets")

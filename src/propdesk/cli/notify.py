"""``propdesk notify list|retry``: the notification outbox (issue 17)."""

from __future__ import annotations

from typing import Any

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.state import App

pass_app = click.make_pass_decorator(App)

STATE_LABELS = {"pending": ("待发送", "pending"), "sent": ("已发送", "sent"),
                "dead": ("发送失败", "dead")}


@click.group("notify")
def notify() -> None:
    """The notification outbox: what was sent, what waits, what failed."""


def row_dict(row: Any, app: App) -> dict[str, Any]:
    return {"id": row.id, "notice": row.notice, "type": row.type, "ticket": row.ticket,
            "channel": row.channel, "state": row.state, "attempts": row.attempts,
            "created": app.local(row.created).isoformat(),
            "next_at": app.local(row.next_at).isoformat(),
            "sent_at": None if row.sent_at is None else app.local(row.sent_at).isoformat(),
            "last_error": row.last_error}


@notify.command("list")
@click.option("--failed", is_flag=True, help="Only the dead letters (delivery given up).")
@click.option("--pending", is_flag=True, help="Only the rows still waiting.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most N rows.")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@pass_app
def list_cmd(app: App, failed: bool, pending: bool, limit: int | None, as_json: bool) -> None:
    """Show the outbox: one row per notice and channel."""
    app.json_mode = as_json
    states = tuple(s for s, on in (("dead", failed), ("pending", pending)) if on)
    rows = app.store().outbox_rows(states=states, limit=limit)
    data = [row_dict(r, app) for r in rows]
    if as_json:
        app.emit_json(data)
        return
    if not data:
        app.message("发件箱中没有符合条件的通知", "no notices in the outbox match")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold")
    for head in ("id", app.t("通知", "notice"), app.t("渠道", "channel"),
                 app.t("状态", "state"), app.t("次数", "attempts"),
                 app.t("下次", "next"), app.t("错误", "last error")):
        table.add_column(head)
    for d in data:
        zh, en = STATE_LABELS[d["state"]]
        style = {"sent": "green", "dead": "red"}.get(d["state"], "yellow")
        table.add_row(str(d["id"]), Text(d["notice"]), Text(d["channel"]),
                      Text(app.t(zh, en), style=style), str(d["attempts"]),
                      "-" if d["state"] != "pending" else d["next_at"][11:19],
                      Text(d["last_error"][:60]))
    app.out.print(table)


@notify.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Re-queue every dead letter.")
@pass_app
def retry(app: App, ids: tuple[int, ...], every: bool) -> None:
    """Re-queue dead letters (by outbox id, or --all); propdesk watch sends them again."""
    if not ids and not every:
        raise CliError(ExitCode.USAGE, "name outbox ids, or pass --all",
                       "请给出发件箱编号，或使用 --all")
    count = app.store().outbox_requeue(None if every else list(ids), app.clock.now())
    app.message(f"已重新排队 {count} 条通知（由 propdesk watch 发送）",
                f"{count} notices re-queued (propdesk watch sends them)")
    if not count and ids:
        raise CliError(ExitCode.NOT_FOUND, "none of these ids is a dead letter",
                       "这些编号都不是发送失败的通知")

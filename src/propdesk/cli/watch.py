"""``propdesk watch``: raise SLA alerts at their time and deliver the outbox (issue 17)."""

from __future__ import annotations

import json
import logging
import signal
import sys
from typing import Any

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.state import App

pass_app = click.make_pass_decorator(App)


def configured_channels(app: App) -> list[Any]:
    """The channel objects of the configuration's ``[[notifiers]]`` tables."""
    from pathlib import Path

    from propdesk.channels import SecretError
    from propdesk.plugins import notifiers

    raw = dict(app.raw_config())
    raw["notifiers"] = [dict(t) for t in app.config.notifiers]
    try:
        return notifiers(raw, config_dir=Path(app.config.base_dir or "."))
    except SecretError as exc:
        raise CliError(ExitCode.CONFIG, f"configuration {exc}", f"配置错误 {exc}",
                       code="config") from None


def setup_logging() -> None:
    """Warnings and errors of the outbox and the watcher on stderr, one line each."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("propdesk")
    if not root.handlers:
        root.addHandler(handler)
    root.setLevel(logging.INFO)


@click.command("watch")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron and tests).")
@click.option("--at", "at_text", metavar="TIME",
              help="With --once: the pass as of TIME (simulated time) instead of now.")
@click.option("--tick", type=click.FloatRange(0.05, 10.0), default=0.2, show_default=True,
              help="Seconds between two looks at the store and the clocks.")
@click.option("--json", "as_json", is_flag=True,
              help="What was sent as JSON on stdout (--once: one document; else one line each).")
@pass_app
def watch(app: App, once: bool, at_text: str | None, tick: float, as_json: bool) -> None:
    """Raise SLA warnings and breaches at their time and deliver every queued notice.

    One watcher per store sends (a lock file beside a SQLite database, an
    advisory lock on PostgreSQL); a second one waits and takes over.  Stop it
    with SIGTERM or Ctrl-C.
    """
    from propdesk.watch import Watcher, WatchLocked

    app.json_mode = as_json
    if at_text is not None and not once:
        raise CliError(ExitCode.USAGE, "--at needs --once", "--at 只能与 --once 一起使用")
    setup_logging()
    channels = configured_channels(app)
    if not channels:
        app.message("未配置通知渠道：无人收到通知（SLA 预警与超时仍会记录）",
                    "no notification channel configured: nobody is notified "
                    "(SLA warnings and breaches are still recorded)")

    def line(outcome: Any) -> None:
        if as_json and not once:
            click.echo(json.dumps(outcome.to_dict(), ensure_ascii=False))
            sys.stdout.flush()

    watcher = Watcher(app.desk, channels, tick=tick, on_outcome=line)
    try:
        if once:
            at = app.parse_time(at_text, "--at") if at_text else None
            try:
                result = watcher.once(at)
            except WatchLocked:
                raise CliError(ExitCode.CONFLICT, "another propdesk watch holds this store's "
                               "watch lock; nothing was sent",
                               "另一个 propdesk watch 正在运行并持有锁；本次未发送") from None
            sent = [o for o in result.outcomes if o.ok]
            if as_json:
                app.emit_json({"fired": [{"id": n.id, "type": n.type, "ticket": n.ticket,
                                          "rule": n.rule, "cycle": n.cycle,
                                          "at": n.at.isoformat()} for n in result.fired],
                               "deliveries": [o.to_dict() for o in result.outcomes]})
            else:
                failed = len(result.outcomes) - len(sent)
                app.message(f"预警/超时 {len(result.fired)} 条；已发送 {len(sent)} 条，"
                            f"失败 {failed} 条",
                            f"{len(result.fired)} SLA alerts fired; {len(sent)} sent, "
                            f"{failed} failed")
            return
        _run(app, watcher)
    finally:
        watcher.close()


def _run(app: App, watcher: Any) -> None:
    def stop(signum: int, _frame: Any) -> None:
        watcher.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watcher.run(
        on_waiting=lambda: app.message("另一个 propdesk watch 持有锁：等待接替……",
                                       "another propdesk watch holds the lock: waiting to "
                                       "take over …"),
        on_holding=lambda: app.message("开始监视：SLA 时限与通知发件箱",
                                       "watching: SLA deadlines and the notification outbox"))
    counts = watcher.deliverer.counts
    app.message(f"已停止：发送 {counts['sent']} 条，待重试 {counts['failed']} 次，"
                f"转入失败 {counts['dead']} 条",
                f"stopped: {counts['sent']} sent, {counts['failed']} failed attempts, "
                f"{counts['dead']} dead letters")

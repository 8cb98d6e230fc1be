"""``apply`` (batch files, docs/batch-format.md), ``export``/``import`` (JSON Lines)
and ``audit``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.read import json_option, pass_app
from propdesk.cli.state import App

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from propdesk.desk import LineResult

PROGRESS_MIN_LINES = 2000
"""Files with at least this many lines get a progress bar (on a terminal)."""


def read_text(source: str) -> list[str]:
    """The lines of FILE (or stdin for ``-``), UTF-8 with or without a BOM."""
    if source == "-":
        data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else \
            sys.stdin.read().encode("utf-8")
        name = "stdin"
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CliError(ExitCode.INVALID_INPUT, f"{source}: no such file",
                           f"{source}：文件不存在", code="no_file") from None
        except OSError as exc:
            raise CliError(ExitCode.INVALID_INPUT, f"{source}: {exc.strerror}",
                           f"{source}：{exc.strerror}", code="no_file") from None
        name = source
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CliError(ExitCode.INVALID_INPUT,
                       f"{name}: line {line} is not UTF-8 text (byte {exc.start})",
                       f"{name}：第 {line} 行不是 UTF-8 文本（第 {exc.start} 字节）",
                       code="not_utf8") from None
    return text.splitlines()


@click.command("apply")
@click.argument("file", metavar="FILE|-")
@click.option("--chunk", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Lines per transaction.")
@click.option("--progress/--no-progress", default=None,
              help=f"Progress bar on stderr [default: on a terminal, from "
                   f"{PROGRESS_MIN_LINES} lines].")
@click.option("--json", "as_json", is_flag=True,
              help='One JSON result per line on stdout, written as each chunk commits: '
                   '{"line", "ok", "ticket"} plus "already": true for a line applied '
                   'before, or "error", "code", "error_zh" for a refused one.')
@pass_app
def apply(app: App, file: str, chunk: int, progress: bool | None, as_json: bool) -> None:
    """Apply a batch file (JSON Lines, one command per line; - reads stdin).

    The line format is in docs/batch-format.md.  Lines apply in file order; a
    refused line changes nothing and the rest still apply.  Safe to repeat: a
    line applied before (a run cut short, then run again) is reported as
    already applied.  Exit code 10 when any line was refused.
    """
    from propdesk.batch import read_lines

    app.json_mode = as_json
    lines = read_text(file)
    desk = app.desk
    total = sum(1 for x in lines if x.strip())
    show = progress if progress is not None else (
        total >= PROGRESS_MIN_LINES and app.err.is_terminal)
    results: list[LineResult] = []

    def run(source: Iterable[str]) -> None:
        for part in desk.apply_chunks(read_lines(source), chunk=chunk):
            results.extend(part)
            if as_json:
                # written as each chunk commits: a crash leaves what was acknowledged
                click.echo("\n".join(json.dumps(r.to_dict(), ensure_ascii=False)
                                      for r in part))

    if show:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(), console=app.err,
                      transient=True) as bar:
            task = bar.add_task(app.t("导入", "applying"), total=len(lines))
            run(_counting(lines, lambda: bar.advance(task)))
    else:
        run(lines)
    refused = [r for r in results if not r.ok]
    already = sum(1 for r in results if r.already)
    applied = len(results) - len(refused) - already
    if refused and not as_json:
        from rich.table import Table
        from rich.text import Text

        table = Table(header_style="bold")
        for head in (app.t("行", "line"), app.t("工单", "ticket"), app.t("原因", "reason")):
            table.add_column(head, no_wrap=head != app.t("原因", "reason"))
        for r in refused:
            table.add_row(str(r.line), r.ticket or "-",
                          Text((r.error_zh if app.lang == "zh" else r.error) or ""))
        app.out.print(table)
    before_zh = f"{already} 行此前已执行，" if already else ""
    before_en = f"{already} applied before, " if already else ""
    app.message(f"{file}：{applied} 行已执行，{before_zh}{len(refused)} 行被拒绝",
                f"{file}: {applied} lines applied, {before_en}{len(refused)} refused")
    if applied:
        from propdesk.cli.verbs import report_queued

        report_queued(app, desk.notices_queued if desk.channels else None)
    if refused:
        click.get_current_context().exit(int(ExitCode.BATCH_REFUSED))


def _counting(lines: Iterable[str], tick: Any) -> Iterator[str]:
    for line in lines:
        tick()
        yield line


@click.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file [default: stdout].")
@pass_app
def export(app: App, output: Path | None) -> None:
    """Export the whole event log as JSON Lines (with hashes), for backup or moving stores.

    The export holds owners' personal data, so it needs a person who may see
    it (--as); the export is recorded in the log.
    """
    from propdesk.backup import export_jsonl
    from propdesk.cli.read import authorize_reveal

    store = app.store()
    authorize_reveal(app, [], "export")
    if output is None:
        report = export_jsonl(store, sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="\n") as out:
            report = export_jsonl(store, out)
    app.message(f"已导出 {report.events} 条事件（{report.tickets} 个流），末哈希 "
                f"{report.head_hash}",
                f"exported {report.events} events ({report.tickets} streams), head "
                f"{report.head_hash}")


@click.command("import")
@click.argument("file", metavar="FILE|-")
@pass_app
def import_cmd(app: App, file: str) -> None:
    """Import an export (JSON Lines) into the configured store, which must be empty.

    A SQLite store that does not exist yet is created (restoring a backup
    into a new path); it is removed again when the import fails.  Every
    line's sequence and hash are verified; the imported log must reproduce
    the file's hashes.
    """
    from propdesk.cli.restore import import_into

    report = import_into(app, read_text(file))
    app.message(f"已导入 {report.events} 条事件，末哈希 {report.head_hash}",
                f"imported {report.events} events, head {report.head_hash}")


@click.group("audit")
def audit() -> None:
    """Verify the event log; list who revealed personal data."""


@audit.command("verify")
@json_option
@pass_app
def audit_verify(app: App, as_json: bool) -> None:
    """Verify the hash chain of the whole log; names the first bad position."""
    app.json_mode = as_json
    report = app.store().audit()
    data = {"ok": report.ok, "checked": report.checked, "first_bad": report.first_bad,
            "reason": report.reason, "head_hash": report.head_hash}
    if as_json:
        app.emit_json(data)
    elif report.ok:
        app.message(f"日志完整：已校验 {report.checked} 条事件，末哈希 {report.head_hash}"
                    "（请另处保存，供日后核对）",
                    f"log intact: {report.checked} events verified, head "
                    f"{report.head_hash} (keep it elsewhere to compare later)")
    if not report.ok:
        raise CliError(ExitCode.AUDIT_FAILED,
                       f"the log was altered at position {report.first_bad}: {report.reason}",
                       f"日志在第 {report.first_bad} 条处被改动：{report.reason}",
                       code="audit_failed", details=data)


@audit.command("reveals")
@json_option
@pass_app
def audit_reveals(app: App, as_json: bool) -> None:
    """Who saw owners' personal data (--reveal, export), when, and of which tickets."""
    from propdesk.cli.render import local_iso, short_time
    from propdesk.domain.events import DESK_STREAM
    from propdesk.masking import reveals

    app.json_mode = as_json
    found = reveals(app.store().load(DESK_STREAM))
    rows: list[dict[str, Any]] = [
        {"at": local_iso(e.at, app.config), "by": e.by, "purpose": e.data.get("purpose"),
         "tickets": [str(x) for x in e.data.get("tickets", [])]} for e in found]
    if as_json:
        app.emit_json(rows)
        return
    if not rows:
        app.message("没有查看个人信息的记录", "nobody revealed personal data")
        return
    from rich.table import Table

    table = Table(header_style="bold")
    for head in (app.t("时间", "time"), app.t("人员", "by"), app.t("用途", "purpose"),
                 app.t("工单", "tickets")):
        table.add_column(head)
    for e, row in zip(found, rows, strict=True):
        table.add_row(short_time(e.at, app.config), row["by"], str(row["purpose"]),
                      ", ".join(row["tickets"][:10]) or app.t("（全部）", "(all)"))
    app.out.print(table)

"""``propdesk demo``: a demo community in a fresh folder and a day at its desk.

The day (``data/demo-day.jsonl``, a batch file, Monday 2026-03-02) has
routine repairs, a paid repair, an emergency handled site-first (S-14), an
appointment whose owner was called late (S-6), a complaint and an inquiry
answered at the desk, a rework after a failed acceptance, a cleaning job
recorded and attended late (S-1, S-3, S-5), a late callback (S-13), a
sampled callback, and three tickets still open at 17:45, when the board,
the breaches and the day's 《信息三率统计表》 are shown.
"""

from __future__ import annotations

import shlex
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.read import pass_app
from propdesk.cli.state import CONFIG_NAME, App, Overrides, load_checked, open_configured_store

DAY_FILE = "demo-day.jsonl"
DEMO_NOW = "2026-03-02T17:45:00+08:00"
"""The moment of the day the demo shows."""


def demo_lines() -> list[str]:
    """The packaged day at the desk (batch lines)."""
    return (files("propdesk.cli") / "data" / DAY_FILE).read_text("utf-8").splitlines()


@click.command("demo")
@click.argument("folder", required=False, default="propdesk-demo",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Reuse FOLDER even if it holds a demo already.")
@pass_app
def demo(app: App, folder: Path, force: bool) -> None:
    """Create a demo community in FOLDER (default ./propdesk-demo, SQLite), apply a
    realistic day of the desk's work, and show the board, the SLA breaches and
    the day's 《信息三率统计表》."""
    from propdesk.adapters.clock import ManualClock
    from propdesk.cli.reports import build_report, render
    from propdesk.cli.setupcmds import program, starter_toml
    from propdesk.cli.slacmds import board_frame
    from propdesk.cli.slaview import outcome_dict, outcomes, sla_table
    from propdesk.domain.kpi import Period

    config_file = folder / CONFIG_NAME
    if config_file.exists() and not force:
        raise CliError(ExitCode.CONFLICT, f"{config_file} already exists",
                       f"{config_file} 已存在", code="exists",
                       hint_en="choose another folder, or pass --force to start it afresh",
                       hint_zh="请换一个目录，或加 --force 重新生成")
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob("propdesk.db*"):
        leftover.unlink()
    # everything the demo (and the reports it suggests) writes stays out of git
    (folder / ".gitignore").write_text("# written by propdesk demo\n*\n", encoding="utf-8")
    lang = app.lang
    config_file.write_text(starter_toml("海德花园（演示）", "Asia/Shanghai", lang),
                           encoding="utf-8")
    (folder / DAY_FILE).write_text("\n".join(demo_lines()) + "\n", encoding="utf-8")
    open_configured_store(load_checked(config_file), create=True).close()
    now = datetime.fromisoformat(DEMO_NOW)
    day = App(config_path=str(config_file), user=None, lang=lang,
              overrides=Overrides(clock=ManualClock(now), width=app.overrides.width),
              sources={"config_path": "commandline", "lang": "commandline"})
    try:
        results = day.desk.apply(demo_lines())
        refused = [r for r in results if not r.ok]
        if refused:  # the packaged day is tested to apply cleanly
            raise CliError(ExitCode.INTERNAL, f"demo line {refused[0].line}: {refused[0].error}")
        out, tr = day.out, day.t
        out.rule(tr(f"演示小区已建在 {folder}：已执行 {len(results)} 条指令（{DAY_FILE}）",
                    f"demo community in {folder}: {len(results)} commands applied "
                    f"({DAY_FILE})"))
        out.print(board_frame(day, now)[0])
        tickets = day.desk.tickets()
        late = [outcome_dict(day, o) for t in tickets for o in outcomes(day, t, now)
                if o.status == "breached"]
        out.rule(tr(f"今日超时 {len(late)} 项", f"{len(late)} SLA breaches today"))
        out.print(sla_table(day, late, show_ticket=True))
        start = now.replace(hour=0, minute=0, second=0)
        period = Period(start, start + timedelta(days=1), start.strftime("%Y-%m-%d"))
        report = build_report(day, period, "custom")
        out.rule(tr("今日《信息三率统计表》", "today's 《信息三率统计表》"))
        text = render(day, report, "table")
        click.echo(text if isinstance(text, str) else text.decode("utf-8"), nl=False)
        cfg = shlex.quote(str(config_file))
        run = program()
        report_file = shlex.quote(str(folder / "w10.html"))
        day.message(
            "接着试试：\n"
            f"  {run} --config {cfg} board --at '2026-03-02 17:45'\n"
            f"  {run} --config {cfg} show D-0306\n"
            f"  {run} --config {cfg} --as desk-wang record --source owner_call "
            "--mode immediate --content 门禁卡失灵 --location 2-2-201\n"
            f"  {run} --config {cfg} report weekly --period 2026-W10 --format html "
            f"-o {report_file}",
            "Try next:\n"
            f"  {run} --config {cfg} board --at '2026-03-02 17:45'\n"
            f"  {run} --config {cfg} show D-0306\n"
            f"  {run} --config {cfg} --as desk-wang record --source owner_call "
            "--mode immediate --content 'access card broken' --location 2-2-201\n"
            f"  {run} --config {cfg} report weekly --period 2026-W10 --format html "
            f"-o {report_file}")
    finally:
        day.close()

"""``kpi`` and ``report``: the 信息三率 of a period (K-1 … K-13, docs/statistics.md)
from the same calculators."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.read import pass_app
from propdesk.cli.state import App

if TYPE_CHECKING:
    from propdesk.domain.kpi import Indicator, Period
    from propdesk.hookspecs import Renderer
    from propdesk.reports.assemble import Report

BUILTIN_FORMATS = ("table", "json", "csv", "md", "html")
KIND_OF = {"weekly": "weekly", "monthly": "monthly", "quarterly": "public"}


def _period_error(text: str, kind: str) -> CliError:
    examples = {"weekly": "2026-W10", "monthly": "2026-03", "quarterly": "2026-Q1"}[kind]
    return CliError(
        ExitCode.INVALID_INPUT,
        f"--period: {text!r} is not a {kind} period; accepted: {examples}, or a date in it "
        "(2026-03-02)",
        f"--period：{text!r} 不是有效的报表期间；可用：{examples}，或其中一天（2026-03-02）",
        code="invalid_value", details={"field": "--period", "value": text})


def period_of(app: App, kind: str, text: str | None) -> Period:
    """The week, month or quarter named by ``text`` (a label or a time in it; default now)."""
    from propdesk.reports.assemble import iso_week, month, quarter

    zone = app.config.zone
    try:
        if text and (m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text)) and kind == "weekly":
            return iso_week(int(m.group(1)), int(m.group(2)), zone)
        if text and (m := re.fullmatch(r"(\d{4})-(\d{1,2})", text)) and kind == "monthly":
            return month(int(m.group(1)), int(m.group(2)), zone)
        if text and (m := re.fullmatch(r"(\d{4})-Q([1-4])", text)) and kind == "quarterly":
            return quarter(int(m.group(1)), int(m.group(2)), zone)
    except ValueError:
        raise _period_error(text or "", kind) from None
    if text and re.fullmatch(r"\d{4}-(W\d{1,2}|\d{1,2}|Q\d)", text):
        raise _period_error(text, kind)
    try:
        when = app.parse_time(text, "--period") if text else app.now()
    except CliError:
        raise _period_error(text or "", kind) from None
    local = when.astimezone(zone)
    if kind == "weekly":
        iso = local.isocalendar()
        return iso_week(iso.year, iso.week, zone)
    if kind == "monthly":
        return month(local.year, local.month, zone)
    return quarter(local.year, (local.month - 1) // 3 + 1, zone)


def build_report(app: App, period: Period, kind: str) -> Report:
    """The report of ``period`` as known now (tickets as they stand at its end,
    or now when the period is not over)."""
    from propdesk.domain.kpi import sla_breaches
    from propdesk.reports.assemble import from_events

    as_of = min(period.end, app.now())
    if as_of <= period.start:
        raise CliError(ExitCode.INVALID_INPUT,
                       f"the period {period.label or period.start.date()} has not started yet",
                       f"报表期间 {period.label or period.start.date()} 尚未开始",
                       code="invalid_value")
    return from_events(app.config, app.desk.all_events(), period, sla_breaches(app.config),
                       kind=kind, as_of=as_of)


def render(app: App, report: Report, fmt: str) -> str | bytes:
    """The report in a built-in format, or by a renderer plugin."""
    from propdesk.reports import html as html_render
    from propdesk.reports import render as r

    lang: Any = "zh" if app.lang == "zh" else "en"
    if fmt == "table":
        return r.render_table(report, lang, width=app.out.width)
    if fmt == "json":
        return r.render_json(report)
    if fmt == "csv":
        return r.render_csv(report, lang)
    if fmt == "md":
        return r.render_markdown(report, lang)
    if fmt == "html":
        return html_render.render_html(report, lang)
    from propdesk.plugins import renderers

    found = renderers()
    if fmt not in found:
        known = ", ".join([*BUILTIN_FORMATS, *found])
        raise CliError(ExitCode.INVALID_INPUT, f"--format: unknown format {fmt!r}; known: "
                       f"{known}", f"--format：未知格式 {fmt!r}；可用：{known}",
                       code="invalid_choice", details={"field": "--format", "value": fmt})
    renderer: Renderer = found[fmt]
    return renderer.render("report", r.to_dict(report))


def neutralised(data: str | bytes) -> str | bytes:
    """Stored text cannot carry control characters into a report: text, and UTF-8 text
    marked by its BOM (the CSV), are neutralised (:func:`propdesk.masking.neutralise`)."""
    import codecs

    from propdesk.masking import neutralise

    if isinstance(data, str):
        return neutralise(data)
    if data.startswith(codecs.BOM_UTF8):
        return codecs.BOM_UTF8 + neutralise(data[3:].decode("utf-8")).encode("utf-8")
    return data


def write_output(data: str | bytes, output: Path | None) -> None:
    data = neutralised(data)
    if output is not None:
        if isinstance(data, bytes):
            output.write_bytes(data)
        else:
            output.write_text(data, encoding="utf-8")
        return
    if isinstance(data, bytes):
        import sys

        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        click.echo(data, nl=not data.endswith("\n"))


@click.command("report")
@click.argument("kind", type=click.Choice(list(KIND_OF)))
@click.option("--period", "period_text", metavar="PERIOD",
              help="2026-W10 (weekly), 2026-03 (monthly), 2026-Q1 (quarterly), or a date in "
                   "it [default: the current one, as known now].")
@click.option("--format", "fmt", default="table", show_default=True, metavar="FORMAT",
              help=f"{', '.join(BUILTIN_FORMATS)}, or a renderer plugin's name.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file [default: stdout].")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--publish", is_flag=True,
              help="Quarterly: record the publication (owners' questions about it go to "
                   "the community supervisor for a week, K-11).")
@pass_app
def report(app: App, kind: str, period_text: str | None, fmt: str, output: Path | None,
           as_json: bool, publish: bool) -> None:
    """The weekly or monthly 《信息三率统计表》, or the quarterly 《公开管理报告》
    (no personal data)."""
    app.json_mode = as_json or fmt == "json"
    if as_json:
        fmt = "json"
    if publish and kind != "quarterly":
        raise click.UsageError("--publish is only for the quarterly public report")
    period = period_of(app, kind, period_text)
    rep = build_report(app, period, KIND_OF[kind])
    write_output(render(app, rep, fmt), output)
    if publish:
        user = app.require_user()
        app.desk.publish_report(f"{KIND_OF[kind]}:{period.label}", user, app.now())
        app.message(f"已记录《公开管理报告》{period.label} 的公布；一周内业主质询转小区主管",
                    f"publication of the public report {period.label} recorded")


def indicators_of(app: App, period: Period) -> dict[str, Indicator]:
    return dict(build_report(app, period, "custom").indicators)


@click.command("kpi")
@click.option("--from", "start_text", metavar="TIME",
              help="Start of the period [default: the first day of this month].")
@click.option("--to", "end_text", metavar="TIME",
              help="End of the period, exclusive [default: now].")
@click.option("--json", "as_json", is_flag=True,
              help='{"K-1": {"numerator", "denominator", "value", "target", "met"}, …}')
@pass_app
def kpi(app: App, start_text: str | None, end_text: str | None, as_json: bool) -> None:
    """The indicators (K-1 … K-13) over the tickets received in a period, as they
    stand at its end."""
    from propdesk.domain.kpi import Period
    from propdesk.reports import render as r

    app.json_mode = as_json
    now = app.now().astimezone(app.config.zone)
    end = app.parse_time(end_text, "--to") if end_text else now + timedelta(seconds=1)
    start = app.parse_time(start_text, "--from") if start_text else now.replace(
        day=1, hour=0, minute=0, second=0, microsecond=0)
    if end <= start:
        raise CliError(ExitCode.INVALID_INPUT,
                       f"--to ({end.isoformat()}) must be after --from ({start.isoformat()})",
                       f"--to（{end.isoformat()}）须晚于 --from（{start.isoformat()}）",
                       code="time_order")
    period = Period(start, end, f"{_day(start, app)} – {_day(end, app)}")
    indicators = indicators_of(app, period)
    if as_json:
        app.emit_json(r.indicators_json(indicators))
        return
    from rich.table import Table
    from rich.text import Text

    lang: Any = "zh" if app.lang == "zh" else "en"
    table = Table(title=f"{app.t('信息三率', 'Indicators')}  {period.label}",
                  title_justify="left", header_style="bold")
    for head in (app.t("指标", "indicator"), app.t("分子", "numerator"),
                 app.t("分母", "denominator"), app.t("数值", "value"),
                 app.t("目标", "target"), app.t("达标", "met")):
        table.add_column(head, justify="left" if head in ("指标", "indicator") else "right")
    for key, ind in indicators.items():
        style = "" if ind.met is None else ("green" if ind.met else "bold red")
        table.add_row(r.indicator_name(key, lang), r.numerator_text(ind),
                      str(ind.denominator), Text(r.value_text(ind, lang), style=style),
                      r.target_text(ind), Text(r.met_text(ind, lang), style=style))
    app.out.print(table)


def _day(dt: datetime, app: App) -> str:
    return dt.astimezone(app.config.zone).strftime("%Y-%m-%d %H:%M")

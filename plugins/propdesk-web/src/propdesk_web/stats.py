"""Statistics: the indicators (K-1 … K-13) of a chosen period against their
targets, a chart made on the server (SVG), and the weekly, monthly and
quarterly reports for download in the CLI's formats."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from propdesk.reports import render as r
from propdesk_web import queries
from propdesk_web.app import Forbidden, Web
from propdesk_web.i18n import text
from propdesk_web.pages import refusal

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
           "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
           "table": "text/plain; charset=utf-8"}
STATS_ROLES = frozenset({"desk", "supervisor", "community_supervisor", "foreman", "manager"})


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def chart(rows: list[dict[str, Any]], lang: str) -> Markup:
    """Horizontal bars: each rate indicator's value, with its target as a line."""
    bars = [row for row in rows if row["ratio"] is not None]
    width, left, bar_h, gap = 640, 190, 18, 8
    height = 30 + len(bars) * (bar_h + gap)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-title">',
             f'<title id="chart-title">{text("chart", lang)}</title>']
    scale = width - left - 60
    for i, row in enumerate(bars):
        y = 20 + i * (bar_h + gap)
        w = max(0.0, min(1.0, row["ratio"])) * scale
        colour = "#1b5e20" if row["met"] is not False else "#b00020"
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" font-size="12">'
                     f'{escape(row["name"])}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="12">'
                     f'{escape(row["value"])}{"" if row["met"] is not False else " ✖"}</text>')
        if row["target_ratio"] is not None:
            tx = left + row["target_ratio"] * scale
            parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y - 2}" y2="{y + bar_h + 2}" '
                         'stroke="#000" stroke-width="2" stroke-dasharray="3 2"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _rows(report: Any, lang: Any) -> list[dict[str, Any]]:
    out = []
    for key, ind in report.indicators.items():
        v = ind.value
        target = getattr(ind.target, "value", None) if ind.target is not None else None
        out.append({
            "key": key, "name": r.indicator_name(key, lang),
            "fraction": f"{r.numerator_text(ind)}/{ind.denominator}",
            "value": r.value_text(ind, lang), "target": r.target_text(ind),
            "met": ind.met, "met_text": r.met_text(ind, lang),
            "ratio": None if v is None or ind.count else float(v),
            "target_ratio": None if target is None or ind.count else float(target),
        })
    return out


async def stats_page(request: Request) -> Response:
    web: Web = request.app.state.web
    me = web.user(request)
    if web.role(me) not in STATS_ROLES:
        raise Forbidden()
    lang = web.lang(request)
    now = web.now()
    today = now.astimezone(web.config.zone).date()
    start_d = _day(request.query_params.get("start"), today.replace(day=1))
    end_d = _day(request.query_params.get("end"), today)
    zone = web.config.zone
    start = datetime(start_d.year, start_d.month, start_d.day, tzinfo=zone)
    end_day = end_d + timedelta(days=1)
    end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone)
    error = ""
    rows: list[dict[str, Any]] = []
    try:
        report = await web.run(lambda: queries.period_report(web.desk, lang, now, start, end))
        rows = _rows(report, lang)
    except Exception as err:
        error = refusal(web, err, lang)[0]
    return web.page(request, "stats.html", rows=rows, svg=chart(rows, lang) if rows else "",
                    start=start_d.isoformat(), end=end_d.isoformat(), error=error,
                    formats=list(FORMATS), status=422 if error else 200)


async def report_file(request: Request) -> Response:
    web: Web = request.app.state.web
    me = web.user(request)
    if web.role(me) not in STATS_ROLES:
        raise Forbidden()
    lang = web.lang(request)
    q = request.query_params
    kind = str(q.get("kind") or "monthly")
    fmt = str(q.get("format") or "csv")
    if kind not in ("weekly", "monthly", "quarterly") or fmt not in FORMATS:
        return Response("unknown report kind or format", status_code=400)
    try:
        name, body = await web.run(lambda: queries.report_download(
            web.desk, lang, web.now(), kind, str(q.get("period") or ""), fmt))
    except Exception as err:
        return web.page(request, "message.html", status=422, message=refusal(web, err, lang)[0])
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if fmt == "html":  # the report's own stylesheet is inline: show it as a download only
        headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return Response(body, media_type=FORMATS[fmt], headers=headers)


def routes() -> list[Route]:
    return [Route("/stats", stats_page), Route("/stats/report", report_file)]

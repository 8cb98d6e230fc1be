"""A self-contained HTML page of a report: the tables, a trend chart of each
indicator over the weeks of the period and a bar chart of breaches by rule,
drawn as inline SVG (no scripts, no external files).  Chinese labels display
correctly: UTF-8 declared, ``lang`` set and a CJK font stack."""

from __future__ import annotations

from html import escape

from propdesk.domain import kpi
from propdesk.domain.labels import Lang
from propdesk.reports.assemble import Report, week_number
from propdesk.reports.labels import INDICATOR_DEFINITIONS, INDICATOR_LABELS, text
from propdesk.reports.render import (
    breakdowns,
    indicator_name,
    met_text,
    numerator_text,
    period_text,
    target_text,
    title,
    value_text,
)

FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
         '"WenQuanYi Micro Hei", "Hiragino Sans GB", sans-serif')

CSS = f"""
body {{ font-family: {FONTS}; margin: 2em auto; max-width: 60em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
th, td {{ border: 1px solid #bbb; padding: 0.25em 0.6em; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.bad {{ color: #b00020; font-weight: bold; }} .ok {{ color: #1b5e20; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 1em; }}
svg text {{ font-family: {FONTS}; font-size: 11px; }}
"""


LABEL_PX = 30
"""The room a week's axis label (``W10`` at 11 px) needs, with a gap."""


def _e(s: object) -> str:
    return escape(str(s), quote=True)


def _trend_svg(report: Report, key: str, lang: Lang) -> str:
    """A line chart of one indicator's weekly value (0 … 100 %, n/a weeks left out)."""
    w, h, left, right, top, bottom = 300, 160, 40, 10, 24, 34
    weeks = report.weeks
    n = max(len(weeks), 1)
    pw, ph = w - left - right, h - top - bottom
    count = report.indicators[key].count
    values = [wk.indicators[key].value for wk in weeks]
    top_value = max([float(v) for v in values if v is not None] + [1.0]) if count else 1.0

    def x(i: int) -> float:
        return left + (pw * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + ph * (1 - v / top_value)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
             f'role="img" aria-label="{_e(indicator_name(key, lang))}">',
             f'<text x="{left}" y="14">{_e(indicator_name(key, lang))}</text>',
             f'<line x1="{left}" y1="{top + ph}" x2="{w - right}" y2="{top + ph}" '
             'stroke="#888"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#888"/>',
             f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">'
             f'{_e(int(top_value) if count else "100%")}</text>',
             f'<text x="{left - 4}" y="{top + ph}" text-anchor="end">0</text>']
    target = report.indicators[key].target
    if target is not None and not count:
        ty = y(float(target.value))
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{w - right}" y2="{ty:.1f}" '
                     'stroke="#e57373" stroke-dasharray="4 3"/>')
    points = [(x(i), y(float(v))) for i, v in enumerate(values) if v is not None]
    if len(points) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1565c0" '
                     'stroke-width="2"/>')
    # one tick per week; a label only every ``step`` weeks, so that labels
    # (about LABEL_PX wide) never overlap, however many weeks the period has
    step = max(1, -(-n * LABEL_PX // pw))
    for i, v in enumerate(values):
        parts.append(f'<line x1="{x(i):.1f}" y1="{top + ph}" x2="{x(i):.1f}" '
                     f'y2="{top + ph + 3}" stroke="#888"/>')
        if i % step == 0:
            label = week_number(weeks[i].period, report.zone)
            parts.append(f'<text x="{x(i):.1f}" y="{h - 18}" text-anchor="middle">'
                         f'{_e(label)}</text>')
        if v is not None:
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(v)):.1f}" r="3" '
                         f'fill="#1565c0"><title>{_e(weeks[i].period.label)}: '
                         f'{_e(value_text(weeks[i].indicators[key], lang))}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _breaches_svg(report: Report, lang: Lang) -> str:
    """A horizontal bar chart of breaches by rule."""
    from propdesk.domain.labels import label
    from propdesk.reports.labels import RULE_LABELS

    rows = list(report.breaches_by_rule.items())
    bar, gap, left, w = 16, 6, 190, 560
    h = 30 + max(len(rows), 1) * (bar + gap)
    top = max([n for _, n in rows] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
             f'aria-label="{_e(text("breaches", lang))}">',
             f'<text x="0" y="14">{_e(text("breaches", lang))}</text>']
    if not rows:
        parts.append(f'<text x="0" y="40">{_e(text("none", lang))}</text>')
    for i, (rule, n) in enumerate(rows):
        yy = 24 + i * (bar + gap)
        length = (w - left - 50) * n / top
        name = f"{rule} {label(RULE_LABELS, rule, lang)}"
        parts.append(f'<text x="{left - 6}" y="{yy + 12}" text-anchor="end">{_e(name)}</text>'
                     f'<rect x="{left}" y="{yy}" width="{length:.1f}" height="{bar}" '
                     f'fill="#ef6c00"/><text x="{left + length + 4:.1f}" y="{yy + 12}">{n}'
                     '</text>')
    parts.append("</svg>")
    return "".join(parts)


def _cls(ind: kpi.Indicator) -> str:
    return "" if ind.met is None else (' class="ok"' if ind.met else ' class="bad"')


def render_html(report: Report, lang: Lang = "zh") -> str:
    """The report as one HTML file (UTF-8) with inline SVG charts."""
    html_lang = "zh-CN" if lang == "zh" else "en"
    out = ["<!DOCTYPE html>", f'<html lang="{html_lang}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(title(report, lang))}</title>", f"<style>{CSS}</style>", "</head>",
           "<body>", f"<h1>{_e(title(report, lang))}</h1>",
           f"<p>{_e(text('period', lang))}: {_e(period_text(report))}<br>"
           f"{_e(text('received', lang))}: {report.received} "
           f"({_e(text('cancelled', lang))}: {report.cancelled})</p>"]
    if report.public:
        out.append(f"<h2>{_e(text('public_section', lang))}</h2>")
    heads = ("indicator", "numerator", "denominator", "value", "target", "met")
    out.append("<table><thead><tr>" + "".join(f"<th>{_e(text(h, lang))}</th>" for h in heads)
               + "</tr></thead><tbody>")
    for k, ind in report.indicators.items():
        out.append(f"<tr><td>{_e(indicator_name(k, lang))}</td>"
                   f'<td class="n">{_e(numerator_text(ind))}</td>'
                   f'<td class="n">{ind.denominator}</td>'
                   f'<td class="n">{_e(value_text(ind, lang))}</td>'
                   f"<td>{_e(target_text(ind))}</td>"
                   f"<td{_cls(ind)}>{_e(met_text(ind, lang))}</td></tr>")
    out.append("</tbody></table>")
    out.append(f"<h2>{_e(text('trend', lang))}</h2><div class=\"charts\">")
    out += [_trend_svg(report, k, lang) for k in report.indicators]
    out.append("</div>")
    out.append(f"<h2>{_e(text('breaches', lang))}</h2>{_breaches_svg(report, lang)}")
    for heading, column, rows in breakdowns(report, lang):
        out.append(f"<h2>{_e(heading)}</h2><table><thead><tr><th>{_e(column)}</th>"
                   f"<th>{_e(text('count', lang))}</th></tr></thead><tbody>")
        out += [f'<tr><td>{_e(name)}</td><td class="n">{n}</td></tr>' for name, n in rows]
        out.append("</tbody></table>")
    out.append(f"<h2>{_e(text('definitions', lang))}</h2><dl>")
    from propdesk.domain.labels import label

    for k in report.indicators:
        out.append(f"<dt>{_e(k)} {_e(label(INDICATOR_LABELS, k, lang))}</dt>"
                   f"<dd>{_e(label(INDICATOR_DEFINITIONS, k, lang))}</dd>")
    out.append("</dl>")
    if report.public:
        out.append(f"<p>{_e(text('questions', lang))}</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"

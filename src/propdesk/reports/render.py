"""Renderers of a :class:`~propdesk.reports.assemble.Report`: a terminal table
(rich), JSON, CSV (UTF-8 with BOM, formula cells escaped) and
Markdown.  The self-contained HTML page is :mod:`propdesk.reports.html`.
Each returns a string (CSV: bytes); none does I/O.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from propdesk.domain import kpi
from propdesk.domain.labels import SOURCE_LABELS, Lang, label
from propdesk.reports.assemble import Report
from propdesk.reports.labels import INDICATOR_LABELS, RULE_LABELS, text

CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\0")
"""First characters that make a spreadsheet read a cell as a formula (OWASP ASVS 1.2.10)."""


# ------------------------------------------------------------------ values


def value_text(ind: kpi.Indicator, lang: Lang = "zh") -> str:
    """``90.91%``, a count, or ``n/a`` (K-10)."""
    v = ind.value
    if v is None:
        return text("na", lang)
    if ind.count:
        return str(int(v))
    return f"{float(v) * 100:.2f}%"


def numerator_text(ind: kpi.Indicator) -> str:
    """The numerator; K-9's average intact assets with two decimals."""
    n = ind.numerator
    if isinstance(n, Fraction) and n.denominator != 1:
        return f"{float(n):.2f}"
    return str(int(n))


def target_text(ind: kpi.Indicator) -> str:
    """``=100%``, ``>98%``, ``=0``, or ``—`` without a target."""
    return ind.target.text(count=ind.count) if ind.target is not None else "—"


def met_text(ind: kpi.Indicator, lang: Lang = "zh") -> str:
    """是/否/n/a (yes/no/n/a); ``—`` without a target."""
    if ind.target is None:
        return "—"
    m = ind.met
    return text("na", lang) if m is None else text("yes" if m else "no", lang)


def indicator_name(key: str, lang: Lang) -> str:
    """The indicator's label, e.g. ``K-1 及时率``."""
    return f"{key} {label(INDICATOR_LABELS, key, lang)}"


def _local(dt: datetime, report: Report) -> str:
    return dt.astimezone(report.zone).strftime("%Y-%m-%d %H:%M")


def period_text(report: Report) -> str:
    """``2026-03 (2026-03-01 00:00 – 2026-04-01 00:00)``."""
    p = report.period
    return f"{p.label} ({_local(p.start, report)} – {_local(p.end, report)})".strip()


def title(report: Report, lang: Lang) -> str:
    """The report's title with the community."""
    return f"{report.community} {text(report.kind, lang)}"


def breakdowns(report: Report, lang: Lang) -> list[tuple[str, str, list[tuple[str, int]]]]:
    """The count tables as (title, first column's header, [(label, count)]) in
    display order."""

    def cat(k: str) -> str:
        if k == "-":
            return text("unclassified", lang)
        return label(dict(report.category_labels), k, lang)

    def dept(k: str) -> str:
        if k == "-":
            return text("undispatched", lang)
        return label(dict(report.department_labels), k, lang)

    def who(k: str) -> str:
        return text("undispatched", lang) if k == "-" else report.assignee_labels.get(k, k)

    def rule(k: str) -> str:
        return f"{k} {label(RULE_LABELS, k, lang)}"

    out = [
        (text("by_category", lang), text("col_category", lang),
         [(cat(k), n) for k, n in report.by_category.items()]),
        (text("by_source", lang), text("col_source", lang),
         [(label(SOURCE_LABELS, k, lang), n) for k, n in report.by_source.items()]),
        (text("by_department", lang), text("col_department", lang),
         [(dept(k), n) for k, n in report.by_department.items()]),
    ]
    if not report.public:
        out.append((text("by_assignee", lang), text("col_assignee", lang),
                    [(who(k), n) for k, n in report.by_assignee.items()]))
    out.append((text("breaches", lang), text("col_rule", lang),
                [(rule(k), n) for k, n in report.breaches_by_rule.items()]))
    out.append((text("charges", lang), text("col_charge", lang),
                [(text(k, lang), n) for k, n in report.charges.items()]))
    return out


# -------------------------------------------------------------------- JSON


def indicator_dict(ind: kpi.Indicator) -> dict[str, Any]:
    """The JSON shape ``{"numerator", "denominator", "value", "target", "met"}``;
    value and met are null when the denominator is 0."""
    v = ind.value
    num: int | float = (round(float(ind.numerator), 4)
                        if isinstance(ind.numerator, Fraction) and ind.numerator.denominator != 1
                        else int(ind.numerator))
    out: dict[str, Any] = {
        "numerator": num,
        "denominator": ind.denominator,
        "value": None if v is None else (int(v) if ind.count else round(float(v), 6)),
        "target": target_text(ind) if ind.target is not None else None,
        "met": ind.met,
    }
    out.update(ind.extra)
    return out


def indicators_json(indicators: Mapping[str, kpi.Indicator]) -> dict[str, Any]:
    """``{"K-1": {…}, …}`` (``propdesk kpi --json``)."""
    return {k: indicator_dict(v) for k, v in indicators.items()}


def to_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-native data (stable key order)."""
    p = report.period
    counts: dict[str, Any] = {
        "category": dict(report.by_category),
        "source": dict(report.by_source),
        "department": dict(report.by_department),
    }
    if not report.public:
        counts["assignee"] = dict(report.by_assignee)
    return {
        "report": report.kind,
        "title": {"zh": text(report.kind, "zh"), "en": text(report.kind, "en")},
        "community": report.community,
        "period": {"label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()},
        "as_of": report.as_of.isoformat(),
        "received": report.received,
        "cancelled": report.cancelled,
        "indicators": indicators_json(report.indicators),
        "counts": counts,
        "breaches_by_rule": dict(report.breaches_by_rule),
        "charges": dict(report.charges),
        "weeks": [{"label": w.period.label, "start": w.period.start.isoformat(),
                   "end": w.period.end.isoformat(), "indicators": indicators_json(w.indicators)}
                  for w in report.weeks],
    }


def render_json(report: Report) -> str:
    """The report as JSON text (UTF-8, Chinese kept as is)."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------- CSV


NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?")
"""A number (``-2``, ``63.64%``): a spreadsheet reads it as a number, never a formula."""


def csv_cell(value: object) -> str:
    """A cell that a spreadsheet will not run as a formula: text starting with
    ``=``, ``+``, ``-``, ``@``, tab, CR or NUL gets a leading apostrophe.
    Numbers (``-2``, ``+1.5``, ``63.64%``) are left as they are: they are no
    formula, and an apostrophe would show in the cell."""
    s = "" if value is None else str(value)
    if s.startswith(CSV_DANGEROUS) and not NUMBER.fullmatch(s):
        return "'" + s
    return s


def csv_target(ind: kpi.Indicator) -> str:
    """The target as a CSV cell that reads right in a spreadsheet without an
    apostrophe: an exact target is written as its value (``=100%`` → ``100%``,
    ``=0`` → ``0``), since a cell starting with ``=`` is a formula to a
    spreadsheet; ``>98%`` and ``≥99%`` are text as they are."""
    if ind.target is not None and ind.target.op == "=":
        return target_text(ind).removeprefix("=")
    return target_text(ind)


def render_csv(report: Report, lang: Lang = "zh") -> bytes:
    """The report as CSV, UTF-8 with BOM (so spreadsheet programs show Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")

    def row(*cells: object) -> None:
        w.writerow([csv_cell(c) for c in cells])

    row(title(report, lang))
    row(text("period", lang), period_text(report))
    row(text("received", lang), report.received)
    row()
    row("id", text("indicator", lang), text("numerator", lang), text("denominator", lang),
        text("value", lang), text("target", lang), text("met", lang))
    for k, ind in report.indicators.items():
        row(k, label(INDICATOR_LABELS, k, lang), numerator_text(ind), ind.denominator,
            value_text(ind, lang), csv_target(ind), met_text(ind, lang))
    for heading, column, rows in breakdowns(report, lang):
        row()
        row(heading)
        row(column, text("count", lang))
        for name, n in rows:
            row(name, n)
    row()
    row(text("trend", lang))
    row(text("week", lang), *report.indicators)
    for wk in report.weeks:
        row(wk.period.label, *(value_text(i, lang) for i in wk.indicators.values()))
    return buf.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- Markdown


def _md(s: object) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, lang: Lang = "zh") -> str:
    """The report as GitHub-flavoured Markdown."""
    lines = [f"# {_md(title(report, lang))}", "",
             f"- {text('period', lang)}: {_md(period_text(report))}",
             f"- {text('received', lang)}: {report.received}"
             f" ({text('cancelled', lang)}: {report.cancelled})", ""]
    if report.public:
        lines += [f"## {text('public_section', lang)}", ""]
    heads = ("indicator", "numerator", "denominator", "value", "target", "met")
    lines.append("| " + " | ".join(text(h, lang) for h in heads) + " |")
    lines.append("|---|---:|---:|---:|---|---|")
    for k, ind in report.indicators.items():
        cells = (indicator_name(k, lang), numerator_text(ind), ind.denominator,
                 value_text(ind, lang), target_text(ind), met_text(ind, lang))
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    for heading, column, rows in breakdowns(report, lang):
        lines += ["", f"## {_md(heading)}", "", f"| {_md(column)} | {text('count', lang)} |",
                  "|---|---:|"]
        lines += [f"| {_md(name)} | {n} |" for name, n in rows] or ["| — | 0 |"]
    lines += ["", f"## {text('trend', lang)}", "",
              "| " + " | ".join([text("week", lang), *report.indicators]) + " |",
              "|---|" + "---:|" * len(report.indicators)]
    for wk in report.weeks:
        vals = [value_text(i, lang) for i in wk.indicators.values()]
        lines.append("| " + " | ".join([_md(wk.period.label), *vals]) + " |")
    if report.public:
        lines += ["", text("questions", lang)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------ terminal table


def render_table(report: Report, lang: Lang = "zh", width: int = 100) -> str:
    """The report as terminal tables (rich), without colour codes."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=io.StringIO(), width=width, color_system=None,
                      force_terminal=False, legacy_windows=False)
    main = Table(title=f"{title(report, lang)}\n{period_text(report)}")
    for i, h in enumerate(("indicator", "numerator", "denominator", "value", "target", "met")):
        main.add_column(text(h, lang), justify="left" if i == 0 else "right")
    for k, ind in report.indicators.items():
        main.add_row(indicator_name(k, lang), numerator_text(ind), str(ind.denominator),
                     value_text(ind, lang), target_text(ind), met_text(ind, lang))
    console.print(main)
    for heading, column, rows in breakdowns(report, lang):
        t = Table(title=heading)
        t.add_column(column)
        t.add_column(text("count", lang), justify="right")
        for name, n in rows:
            t.add_row(name, str(n))
        console.print(t)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()

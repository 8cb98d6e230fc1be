"""Reports read right: the trend holds only weeks of the period that have begun,
the quarterly chart's week labels do not overlap, and every table column has a
header (terminal table, Markdown, HTML, CSV)."""

from __future__ import annotations

import csv
import io
import itertools
import re
from html.parser import HTMLParser

import pytest
from tests.kpi.kpi_support import Script, local

from propdesk.domain import kpi
from propdesk.domain.labels import Lang
from propdesk.reports import assemble, html, render
from propdesk.reports.assemble import Report
from propdesk.reports.labels import text


def test_the_trend_of_a_period_not_over_stops_at_its_week(march: Script) -> None:
    period = assemble.month(2026, 3, march.config.zone)
    report = assemble.from_events(march.config, march.events(), period,
                                  kpi.sla_breaches(march.config), kind="monthly",
                                  as_of=local(2026, 3, 10, 12))
    assert [w.period.label for w in report.weeks] == ["2026-W09 (03-01)", "2026-W10",
                                                      "2026-W11"]
    for fmt in (render.render_markdown(report), render.render_csv(report).decode("utf-8-sig"),
                html.render_html(report)):
        assert "W12" not in fmt and "W14" not in fmt


def test_trend_labels_never_name_a_week_outside_the_period(monthly: Report) -> None:
    for w in monthly.weeks:
        assert monthly.period.start <= w.period.start < w.period.end <= monthly.period.end
    text = render.render_markdown(monthly)
    assert "| 2026-W09 (03-01) |" in text and "| 2026-W14 (03-30–03-31) |" in text


def axis_labels(svg: str) -> list[tuple[float, str]]:
    return [(float(x), t) for x, t in
            re.findall(r'<text x="([\d.]+)" y="\d+" text-anchor="middle">(W\d\d)</text>', svg)]


def test_the_quarterly_chart_axis_labels_do_not_overlap(public: Report) -> None:
    assert len(public.weeks) == 14
    svg = html._trend_svg(public, "K-1", "zh")
    labels = axis_labels(svg)
    assert labels[0][1] == "W01" and len(labels) >= 5
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(labels)]
    assert min(gaps) >= html.LABEL_PX  # an 11px "W10" is about 20px wide
    assert svg.count('stroke="#888"/>') >= 2 + 14  # axes, and a tick for every week


def test_a_month_labels_every_week(monthly: Report) -> None:
    labels = axis_labels(html._trend_svg(monthly, "K-1", "en"))
    assert [t for _, t in labels] == ["W09", "W10", "W11", "W12", "W13", "W14"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_column_has_a_header(monthly: Report, lang: Lang) -> None:
    md = render.render_markdown(monthly, lang)
    headers = [line for line in md.splitlines()
               if line.startswith("|") and not line.startswith("|---")]
    for line in md.splitlines():
        assert not line.startswith("| |"), line
    assert headers

    class Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[tuple[str, str]]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag == "table":
                self.rows.append([])
            elif tag in ("th", "td"):
                self.cell = [tag]

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag in ("th", "td") and self.cell is not None:
                self.rows[-1].append((self.cell[0], "".join(self.cell[1:]).strip()))
                self.cell = None

    parser = Tables()
    parser.feed(html.render_html(monthly, lang))
    assert len(parser.rows) >= 5
    for cells in parser.rows:
        heads = [text for tag, text in cells if tag == "th"]
        first_row = len([1 for tag, _ in cells if tag == "th"])
        assert heads and all(heads), cells[:4]
        assert (len(cells) - first_row) % first_row == 0  # every row as wide as the header

    table = render.render_table(monthly, lang)
    for head in (text("col_category", lang), text("col_rule", lang)):
        assert head in table

    rows = list(csv.reader(io.StringIO(render.render_csv(monthly, lang)
                                       .decode("utf-8-sig"))))
    i = rows.index([text("by_category", lang)])
    assert rows[i + 1] == [text("col_category", lang), text("count", lang)]
    assert [text("week", lang), "K-1"] == rows[rows.index(
        [text("trend", lang)]) + 1][:2]

"""Reports from the calculators (K-11) and their renderers: the monthly and
weekly 《信息三率统计表》, the public report without personal data, CSV escaping
and BOM, Markdown, terminal table, JSON and the HTML page."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from fractions import Fraction
from html.parser import HTMLParser

import pytest
from tests.kpi.kpi_support import OWNER, PHONE, ROOM, Script, local, march_scenario

from propdesk.domain import commands as c
from propdesk.domain import kpi
from propdesk.reports import assemble, html, render
from propdesk.reports.assemble import Report


def test_periods() -> None:
    from zoneinfo import ZoneInfo

    z = ZoneInfo("Asia/Shanghai")
    q = assemble.quarter(2026, 1, z)
    assert (q.start, q.end, q.label) == (local(2026, 1, 1), local(2026, 4, 1), "2026-Q1")
    assert assemble.month(2026, 12, z).end == local(2027, 1, 1)
    w = assemble.iso_week(2026, 10, z)
    assert (w.start, w.end, w.label) == (local(2026, 3, 2), local(2026, 3, 9), "2026-W10")
    weeks = assemble.weeks_of(assemble.month(2026, 3, z), z)
    # March 2026 starts on a Sunday: W09 is one day, then Mondays … the 30th, then 2 days
    # parts of a week name their days: no label suggests a week outside March
    assert [x.label for x in weeks] == ["2026-W09 (03-01)", "2026-W10", "2026-W11", "2026-W12",
                                        "2026-W13", "2026-W14 (03-30–03-31)"]
    assert weeks[0].end == local(2026, 3, 2) and weeks[-1].start == local(2026, 3, 30)
    with pytest.raises(ValueError):
        assemble.quarter(2026, 5, z)


def test_monthly_report_matches_the_calculators(monthly: Report, march: Script) -> None:
    period = monthly.period
    direct = kpi.compute(march.config, kpi.tickets_as_of(march.events(), period.end),
                         period, kpi.sla_breaches(march.config))
    assert dict(monthly.indicators) == direct
    assert monthly.received == 12 and monthly.cancelled == 1
    assert monthly.by_source == {"owner_call": 12}
    # (U1, never dispatched, has no S-3 breach: S-3 waits for a dispatch)
    assert monthly.breaches_by_rule == {"S-1": 1, "S-3": 1, "S-5": 2, "S-9": 1, "S-12": 3}
    assert list(monthly.breaches_by_rule) == ["S-1", "S-3", "S-5", "S-9", "S-12"]


def test_weekly_trend_sums_to_the_month(monthly: Report) -> None:
    for key in ("K-1", "K-2", "K-3", "K-4", "K-5", "K-6", "K-7", "K-8", "K-12"):
        assert sum(int(w.indicators[key].numerator) for w in monthly.weeks) == \
            monthly.indicators[key].numerator
        assert sum(w.indicators[key].denominator for w in monthly.weeks) == \
            monthly.indicators[key].denominator
    k9 = sum(w.indicators["K-9"].extra["intact_asset_seconds"] for w in monthly.weeks)
    assert k9 == monthly.indicators["K-9"].extra["intact_asset_seconds"]
    # week 10 (2 … 8 March): E1 E2 E3 E6 C1 C2 I1
    w10 = next(w for w in monthly.weeks if w.period.label == "2026-W10")
    assert w10.indicators["K-2"].denominator == 7


def test_weekly_report(march: Script) -> None:
    week = assemble.iso_week(2026, 11, march.config.zone)  # 9 … 15 March: H1 X1 S1 U1
    r = assemble.from_events(march.config, march.events(), week,
                             kpi.sla_breaches(march.config), kind="weekly")
    assert r.received == 4
    assert (r.indicators["K-3"].numerator, r.indicators["K-3"].denominator) == (2, 3)
    assert "信息三率统计表（周报）" in render.render_markdown(r)


def test_json_has_the_documented_shape(monthly: Report) -> None:
    data = json.loads(render.render_json(monthly))
    assert data["indicators"]["K-1"] == {"numerator": 7, "denominator": 11,
                                         "value": round(7 / 11, 6), "target": "=100%",
                                         "met": False}
    assert data["indicators"]["K-13"]["value"] == 1
    assert data["indicators"]["K-12"]["target"] is None
    assert data["indicators"]["K-12"]["met"] is None
    assert data["period"]["label"] == "2026-03"
    assert len(data["weeks"]) == 6
    empty_week = data["weeks"][0]["indicators"]  # 1 March: nothing received
    assert empty_week["K-1"]["value"] is None and empty_week["K-1"]["met"] is None


def test_csv_bom_escaping_and_round_trip(monthly: Report) -> None:
    raw = render.render_csv(monthly)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    k1 = next(r for r in rows if r and r[0] == "K-1")
    assert k1 == ["K-1", "及时率", "7", "11", "63.64%", "100%", "否"]  # no stray apostrophe
    k2 = next(r for r in rows if r and r[0] == "K-2")
    assert k2[5] == ">98%"
    for row in rows:
        for cell in row:
            assert not cell.startswith(render.CSV_DANGEROUS)


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+A1", "-2+3", "=100%", "@SUM(A1)",
                                   "\tx", "\rx", "\0x", "-1楼车库"])
def test_csv_cell_escapes_formula_starts(value: str) -> None:
    assert render.csv_cell(value) == "'" + value
    assert render.csv_cell("a" + value) == "a" + value
    assert render.csv_cell(None) == ""


@pytest.mark.parametrize("value", ["-2", "+1", "63.64%", "-0.5", "100%", ">98%", "≥99%"])
def test_csv_cell_leaves_numbers_and_comparisons_alone(value: str) -> None:
    """Numbers are no formula, and an apostrophe would show in the spreadsheet."""
    assert render.csv_cell(value) == value


@pytest.mark.parametrize("target,count,cell", [
    (kpi.Target("=", Fraction(1)), False, "100%"),
    (kpi.Target("=", Fraction(0)), True, "0"),
    (kpi.Target(">", Fraction(98, 100)), False, ">98%"),
    (kpi.Target(">=", Fraction(99, 100)), False, "≥99%"),
])
def test_csv_targets_read_as_written(target: kpi.Target, count: bool, cell: str) -> None:
    ind = kpi.Indicator("K-1", Fraction(0), 0, target=target, count=count)
    assert render.csv_target(ind) == cell
    assert render.csv_cell(render.csv_target(ind)) == cell


def test_csv_escapes_hostile_names_from_configuration() -> None:
    s = Script()
    cfg = s.config
    from propdesk.domain.config import Config, Person

    people = [Person(p.id, "=cmd|' /C calc'!A0" if p.id == "eng-zhao" else p.name, p.role,
                     p.department, p.areas) for p in cfg.people]
    hostile = Config.build(community=cfg.community, departments=cfg.departments,
                           people=people, shifts=cfg.shifts, assets=cfg.assets)
    s2 = Script(hostile)
    s2.full("E1", local(2026, 3, 2, 9), "engineering")
    r = assemble.from_events(hostile, s2.events(), assemble.month(2026, 3, hostile.zone),
                             kpi.sla_breaches(hostile), kind="monthly")
    text = render.render_csv(r).decode("utf-8-sig")
    assert "'=cmd|" in text
    assert not any(line.startswith("=") for line in text.splitlines())


def test_table_and_markdown_in_both_languages(monthly: Report) -> None:
    zh = render.render_table(monthly, "zh")
    assert "K-1 及时率" in zh and "63.64%" in zh and "\x1b[" not in zh
    en = render.render_table(monthly, "en")
    assert "Timeliness" in en and "Breaches by rule" in en
    md = render.render_markdown(monthly, "zh")
    assert "| K-4 业主满意率 | 6 | 7 | 85.71% | >98% | 否 |" in md
    assert "## 各周趋势" in md


class _Checker(HTMLParser):
    VOID = frozenset({"meta", "br", "line", "circle", "rect", "polyline"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.texts: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if k in ("src", "href") and v:
                self.external.append(v)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, (self.stack[-5:], tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def test_html_is_self_contained_with_charts(monthly: Report) -> None:
    page = html.render_html(monthly, "zh")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page and '<html lang="zh-CN">' in page
    assert "Noto Sans CJK SC" in page
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    assert checker.external == []  # no external files or scripts
    assert "<script" not in page
    # a trend chart per indicator, one bar chart of breaches
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(monthly.indicators) + 1
    assert "K-8 零修、急修及时率" in "".join(checker.texts)
    assert "S-12 当日未解决上报经理会议" in page
    en = html.render_html(monthly, "en")
    assert '<html lang="en">' in en and "Repair timeliness" in en


PERSONAL = re.compile(r"1[3-9]\d{9}|\d+-\d+-\d{3,4}")


def test_public_report_has_no_personal_data(public: Report, march: Script) -> None:
    assert public.by_assignee == {}
    outputs = {
        "json": render.render_json(public),
        "csv": render.render_csv(public).decode("utf-8-sig"),
        "md": render.render_markdown(public),
        "md-en": render.render_markdown(public, "en"),
        "table": render.render_table(public),
        "html": html.render_html(public),
        "html-en": html.render_html(public, "en"),
    }
    names = [p.name for p in march.config.people] + [p.id for p in march.config.people]
    for fmt, out in outputs.items():
        assert OWNER not in out and PHONE not in out and ROOM not in out, fmt
        assert "李" not in out, fmt
        assert not PERSONAL.search(out), (fmt, PERSONAL.search(out))
        for n in names:
            assert n not in out, (fmt, n)
        assert "公开管理报告" in out or "Public management report" in out
    # the same calculators as the monthly report, over the quarter
    assert public.indicators["K-2"].denominator == 13  # 12 in March + E4 in February
    assert "小区主管公开接受业主质询" in outputs["md"]


def test_publication_and_questions_routed_to_community_supervisor() -> None:
    s = march_scenario()
    period = assemble.quarter(2026, 1, s.config.zone)
    report = assemble.from_events(s.config, s.events(), period, kpi.sla_breaches(s.config),
                                  kind="public")
    published = local(2026, 4, 10, 10)
    event = s.desk.publish_report(report.period.label, by="comm-zhou", at=published)
    assert event.kind == "publish_report" and event.data["report"] == "2026-Q1"
    # an owner's question (质询) six days later goes to the community supervisor
    q_at = published + timedelta(days=6)
    s.record("Q1", q_at, "inquiry", about="public_report", content="报告中维修费用如何计算?")
    t = s.do(c.Dispatch, "Q1")
    assert t.assignee == "comm-zhou"
    assert t.work_orders[-1].routing["rule"] == "K-11"
    # eight days later: ordinary routing (the inquiry goes to customer service)
    s.record("Q2", published + timedelta(days=8), "inquiry", about="public_report")
    assert s.do(c.Dispatch, "Q2").assignee == "cs-he"


def test_flagged_charges_beside_the_disputed_ones() -> None:
    """Issue 19, point 3 (R-62): a charge other than the agreed plan is counted in
    the reports beside the disputed charges, from the events and the projection."""
    from decimal import Decimal

    from tests.kpi.kpi_support import ASSIGNEE, build_config

    from propdesk.domain.config import Config, Fee

    base = build_config()
    s = Script(Config.build(community=base.community, departments=base.departments,
                            people=base.people, shifts=base.shifts, assets=base.assets,
                            fees=[Fee("E03", "更换阀芯", "个", Decimal("25.50"))]))
    who = ASSIGNEE["engineering"]
    for tid, charge, ok in (("P1", "25.50", True), ("P2", "999.00", True),
                            ("P3", "999.00", False), ("P4", None, None)):
        s.record(tid, local(2026, 3, 3, 9), "engineering")
        s.do(c.Dispatch, tid, category="engineering", to=who)
        for cmd in (c.Confirm, c.Acknowledge, c.Arrive):
            s.do(cmd, tid, who)
        s.do(c.Diagnose, tid, who, diagnosis="阀门老化")
        s.do(c.Plan, tid, who, fees=(c.FeeItem(code="E03", qty="1"),))
        s.do(c.Agree, tid, who, schedule_shown=True)
        extra = {} if charge in (None, "25.50") else {"charge_reason": "另换整套龙头"}
        s.do(c.Complete, tid, who, charge=charge, **extra)
        s.accept_and_return(tid, "engineering")
        s.do(c.Callback, tid, fixed=True, satisfaction="satisfied", charge_ok=ok)
    period = assemble.month(2026, 3, s.config.zone)
    report = assemble.from_events(s.config, s.events(), period,
                                  kpi.sla_breaches(s.config), kind="monthly")
    assert dict(report.charges) == {"charged": 3, "charge_differs": 2, "charge_disputed": 1}
    folded = assemble.build(s.config, assemble.facts_from_events(
        s.events(), period.end, kpi.sla_breaches(s.config)), period, kind="monthly")
    assert folded.charges == report.charges
    assert render.to_dict(report)["charges"] == dict(report.charges)
    md = render.render_markdown(report, "zh")
    assert "收费与约定方案不符（已标记） | 2 |" in md and "收费有争议 | 1 |" in md
    assert "Charged other than the agreed plan (flagged)" in render.render_table(report, "en")

"""Statistics reports (《信息三率统计表》, 《公开管理报告》) built from the KPI
calculators of :mod:`propdesk.domain.kpi`, and their renderers.

>>> from propdesk.reports import assemble, render, html  # doctest: +SKIP
"""

from __future__ import annotations

from propdesk.reports.assemble import Report, build, from_events, iso_week, month, quarter

__all__ = ["Report", "build", "from_events", "iso_week", "month", "quarter"]

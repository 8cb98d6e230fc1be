"""Fixtures of the KPI tests: the hand-computed month, built once per module."""

from __future__ import annotations

import pytest
from tests.kpi.kpi_support import Script, march_scenario

from propdesk.domain import kpi
from propdesk.reports import assemble
from propdesk.reports.assemble import Report


@pytest.fixture(scope="module")
def march() -> Script:
    return march_scenario()


@pytest.fixture(scope="module")
def monthly(march: Script) -> Report:
    """March's monthly report (《信息三率统计表》)."""
    period = assemble.month(2026, 3, march.config.zone)
    return assemble.from_events(march.config, march.events(), period,
                                kpi.sla_breaches(march.config), kind="monthly")


@pytest.fixture(scope="module")
def public(march: Script) -> Report:
    """The first quarter's public report (《公开管理报告》)."""
    period = assemble.quarter(2026, 1, march.config.zone)
    return assemble.from_events(march.config, march.events(), period,
                                kpi.sla_breaches(march.config), kind="public")

"""Fixtures of the KPI tests: the hand-computed month, built once per module."""

from __future__ import annotations

import pytest
from tests.kpi.kpi_support import Script, march_scenario


@pytest.fixture(scope="module")
def march() -> Script:
    return march_scenario()

"""Fixtures of the simulation tests: the example scenarios."""

from __future__ import annotations

import pytest
from tests.sim.sim_support import EXAMPLES, scenario_text

from propdesk.sim.scenario import Scenario, load_scenario, parse_scenario


@pytest.fixture
def reference() -> Scenario:
    """The reference scenario of issue 7 (one community, 40 tickets a day)."""
    return load_scenario(EXAMPLES / "reference.toml")


@pytest.fixture
def busy() -> Scenario:
    """A small, busy scenario that exercises every branch: appointments and
    no-shows, emergencies, reworks, escalations, reclassification,
    incomplete records, two shifts with transfers at the shift change."""
    return load_scenario(EXAMPLES / "busy-night.toml")


@pytest.fixture
def minimal() -> Scenario:
    return parse_scenario(scenario_text())

"""Fixtures of the simulation tests: small scenarios built from the examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from propdesk.sim.scenario import Scenario, load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "scenarios"
GOLDEN = Path(__file__).resolve().parent / "golden"


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


def scenario_text(extra: str = "", **overrides: str) -> str:
    """A minimal valid scenario, with sections replaced by ``overrides``."""
    parts = {
        "scenario": '[scenario]\nname = "t"\nstart = "2026-03-02"\ndays = 1\n',
        "roster": "[roster]\ndesk = 1\n[roster.staff]\nengineering = 1\n",
        "arrivals": "[arrivals]\nper_day = 20\n[arrivals.streams.repair]\n"
                    'category = "engineering"\n',
    }
    parts.update(overrides)
    return "\n".join(parts.values()) + "\n" + extra


@pytest.fixture
def minimal() -> Scenario:
    return parse_scenario(scenario_text())

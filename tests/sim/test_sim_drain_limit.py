"""A run whose open tickets never finish after the last arrival fails loudly
(the engine's drain limit) instead of running on for ever."""

from __future__ import annotations

import pytest
from tests.sim.sim_support import EXAMPLES

from propdesk.sim import jobs
from propdesk.sim.engine import SimulatedCommunity
from propdesk.sim.errors import SimulationError
from propdesk.sim.scenario import load_scenario


def test_work_still_open_past_the_drain_limit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = load_scenario(EXAMPLES / "reference.toml")
    assert sc.drain
    # no time at all to drain: any ticket still open at the horizon is stuck
    monkeypatch.setattr(jobs, "DRAIN_LIMIT", 0.0)
    community = SimulatedCommunity(sc, 3, days=1)  # (seed 3: work is open at midnight)
    with pytest.raises(SimulationError, match=r"still open 0 days after the last arrival"):
        community.run()
    assert community.active > 0


def test_the_same_run_drains_with_the_usual_limit() -> None:
    sc = load_scenario(EXAMPLES / "reference.toml")
    community = SimulatedCommunity(sc, 3, days=1)  # (seed 3: work is open at midnight)
    community.run()
    assert community.active == 0 and community.now > community.horizon

"""Experiments: sweeps, per-seed verdicts, the staffing recommendation."""

from __future__ import annotations

import pytest
from tests.sim.sim_support import scenario_text

from propdesk.sim.errors import ScenarioError
from propdesk.sim.experiment import (
    Experiment,
    PointSummary,
    parse_sweep,
    recommendation_text,
    run_experiment,
)
from propdesk.sim.scenario import parse_scenario


def test_parse_sweep() -> None:
    assert parse_sweep("roster.desk=1..4") == ("roster.desk", [1, 2, 3, 4])
    assert parse_sweep("arrivals.scale=1,1.5,2") == ("arrivals.scale", [1, 1.5, 2.0])
    for bad in ("roster.desk", "roster.desk=3..1", "x=a,b"):
        with pytest.raises(ScenarioError):
            parse_sweep(bad)


def _point(i: int, size: int, met: int, seeds: int = 20) -> PointSummary:
    return PointSummary(i, {"roster.desk": i + 1}, size, seeds, 100, {}, met, met / seeds,
                        (0.0, 1.0), 0.0, 0.0)


def test_recommendation_is_the_smallest_roster_reaching_the_share() -> None:
    points = (_point(0, 5, 12), _point(1, 6, 19), _point(2, 7, 20), _point(3, 6, 20))
    exp = Experiment("s", ("roster.desk",), tuple(range(20)), 7, 0.95, 0.95, points)
    rec = exp.recommendation
    assert rec is not None and rec.index == 1  # 19/20 = 95 % with 6 people
    assert "roster.desk=2" in recommendation_text(exp)
    strict = Experiment("s", ("roster.desk",), tuple(range(20)), 7, 1.0, 0.95, points)
    assert strict.recommendation is not None and strict.recommendation.index == 3
    none = Experiment("s", ("roster.desk",), tuple(range(20)), 7, 0.95, 0.95, points[:1])
    assert none.recommendation is None
    assert recommendation_text(none).startswith("No roster tried meets every target")


def test_unreachable_targets_give_no_recommendation() -> None:
    sc = parse_scenario(scenario_text("[experiment]\ntargets = { \"K-4\" = 1.0 }\n"
                                      "[probabilities]\ndissatisfied = 0.5\n"))
    exp = run_experiment(sc, seeds=[1, 2], sweeps=[("roster.desk", [1, 2])], days=1)
    assert exp.recommendation is None
    assert all(p.all_met == 0 for p in exp.points)
    assert all(p.indicators["K-4"]["met_share"] == 0.0 for p in exp.points)
    assert exp.points[1].roster_size == exp.points[0].roster_size + 1


def test_a_bad_point_fails_before_anything_runs() -> None:
    sc = parse_scenario(scenario_text())
    with pytest.raises(ScenarioError, match=r"\$\.roster\.desk"):
        run_experiment(sc, seeds=[1], sweeps=[("roster.desk", [0, 1])], days=1)

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


def _full_point(i: int, size: int, met: int, means: dict[str, float], *,
                values: dict[str, object] | None = None, seeds: int = 20) -> PointSummary:
    from propdesk.domain.kpi import TARGETS
    from propdesk.sim.experiment import target_gap

    indicators = {k: {"mean": m, "low": m, "high": m, "met_share": 0.0,
                      "target": TARGETS[k].text() if TARGETS[k] else None}  # type: ignore[union-attr]
                  for k, m in means.items()}
    return PointSummary(i, values or {"roster.desk": i + 1}, size, seeds, 100, indicators, met,
                        met / seeds, (0.0, 0.3), 12.0, 300.0, target_gap(indicators, TARGETS))


def test_without_a_recommendation_the_closest_point_is_named_not_the_first() -> None:
    far = _full_point(0, 5, 0, {"K-1": 0.60, "K-8": 0.70})      # 40 + 30 points short
    closer = _full_point(1, 6, 0, {"K-1": 0.90, "K-8": 0.95})   # 10 + 5 points short
    tie = _full_point(2, 7, 0, {"K-1": 0.90, "K-8": 0.95})      # as close, more people
    exp = Experiment("s", ("roster.desk",), tuple(range(20)), 7, 0.95, 0.95,
                     (far, closer, tie))
    assert exp.recommendation is None
    assert exp.closest.index == 1
    assert abs(closer.target_gap - 0.15) < 1e-9
    text = recommendation_text(exp)
    assert "Closest: roster.desk=2 (6 people; means 15.0 percentage points short" in text
    assert exp.to_dict()["best"]["point"] == 1
    # the share of seeds meeting every target breaks a tie of the gap
    better = _full_point(3, 8, 2, {"K-1": 0.90, "K-8": 0.95})
    exp2 = Experiment("s", ("roster.desk",), tuple(range(20)), 7, 0.95, 0.95,
                      (far, closer, better))
    assert exp2.closest.index == 3


def test_the_sweep_table_fits_120_columns() -> None:
    from propdesk.sim.experiment import INDICATORS, TABLE_WIDTH, chart_text, table_text

    means = dict.fromkeys(INDICATORS, 1.0)
    points = tuple(_full_point(i, 12, 20, means,
                               values={"roster.staff.engineering": 10 + i, "arrivals.scale": 1.5,
                                       "roster.desk": 4})
                   for i in range(3))
    exp = Experiment("s", ("roster.staff.engineering", "arrivals.scale", "roster.desk"),
                     tuple(range(20)), 7, 0.95, 0.95, points)
    text = table_text(exp)
    assert max(len(line) for line in text.splitlines()) <= TABLE_WIDTH == 120, text
    assert "engineering = roster.staff.engineering" in text
    chart = chart_text(exp)
    assert max(len(line) for line in chart.splitlines()) <= TABLE_WIDTH, chart
    assert "  engineering=10, scale=1.5, desk=4 " in chart


def test_the_sweep_csv_is_written_by_the_csv_module() -> None:
    import csv
    import io

    from propdesk.sim.experiment import csv_text

    point = _full_point(0, 5, 3, {"K-1": 0.5}, values={"arrivals.label": 'rainy, "wet"'})
    exp = Experiment("s", ("arrivals.label",), tuple(range(20)), 7, 0.95, 0.95, (point,))
    rows = list(csv.DictReader(io.StringIO(csv_text(exp))))
    assert rows[0]["arrivals.label"] == 'rainy, "wet"'
    assert rows[0]["K-1_mean"] == "0.5" and rows[0]["K-2_mean"] == ""
    assert rows[0]["all_met_share"] == "0.15" and rows[0]["target_gap"] == "0.5"

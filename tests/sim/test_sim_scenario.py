"""Scenarios (R-90): validation errors name the key; generated rosters."""

from __future__ import annotations

import tomllib

import pytest
from tests.sim.sim_support import EXAMPLES, scenario_text

from propdesk.config import parse_config
from propdesk.sim.draws import parse_dist, seconds
from propdesk.sim.errors import ScenarioError
from propdesk.sim.scenario import load_scenario, parse_scenario
from propdesk.sim.tomlw import dumps


@pytest.mark.parametrize(("text", "path"), [
    (scenario_text("[durations]\nrepair = { dist = \"lognormal\", mean = \"40m\" }\n"),
     "$.durations.repair.sigma"),
    (scenario_text("[durations]\nrepair = { dist = \"gamma\", mean = 3 }\n"),
     "$.durations.repair.dist"),
    (scenario_text("[durations]\nrepiar = 3\n"), "$.durations.repiar"),
    (scenario_text("[durations]\ntravel = { dist = \"uniform\", low = \"9m\", high = \"3m\" }\n"),
     "$.durations.travel.high"),
    (scenario_text("[durations]\ntravel = { dist = \"empirical\", values = [] }\n"),
     "$.durations.travel.values"),
    (scenario_text("[durations]\ntravel = \"soon\"\n"), "$.durations.travel"),
    (scenario_text("[probabilities]\nrework = 1.5\n"), "$.probabilities.rework"),
    (scenario_text("[probabilities]\nnoshow = 0.1\n"), "$.probabilities.noshow"),
    (scenario_text(arrivals="[arrivals]\nper_day = 10\n[arrivals.streams.x]\n"
                   'category = "plumbing"\n'), "$.arrivals.streams.x.category"),
    (scenario_text(arrivals="[arrivals]\nhourly = [1, 2]\n[arrivals.streams.inquiry]\n"),
     "$.arrivals.hourly"),
    (scenario_text(arrivals="[arrivals]\n[arrivals.streams.repair]\n"
                   'category = "engineering"\ndesk = 0.5\n'), "$.arrivals.streams.repair.desk"),
    (scenario_text(arrivals="[arrivals]\n[arrivals.streams.inquiry]\n"
                   "modes = { urgent = 1 }\n"), "$.arrivals.streams.inquiry.modes.urgent"),
    (scenario_text(roster="[roster]\ndesk = 0\n[roster.staff]\nengineering = 1\n"),
     "$.roster.desk"),
    (scenario_text(roster="[roster]\ndesk = 1\n"), "$.roster.staff.engineering"),
    (scenario_text(roster="[roster]\nshifts = { day = [\"08:00\", \"20:00\"] }\n"
                   "desk = 1\n[roster.staff]\nengineering = 1\n"), "$.roster.desk"),
    (scenario_text(roster="[roster]\ndesk = 1\n[roster.staff]\nplumbers = 3\n"),
     "$.roster.staff.plumbers"),
    (scenario_text(scenario='[scenario]\nstart = "March"\n'), "$.scenario.start"),
    (scenario_text(scenario="[scenario]\ndays = 0\n"), "$.scenario.days"),
    (scenario_text("[weather]\nrain = true\n"), "$.weather"),
])
def test_errors_name_the_key(text: str, path: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text)
    assert info.value.path == path, str(info.value)


def test_durations_and_distributions() -> None:
    assert seconds("1h30m", "$") == 5400
    assert seconds("90s", "$") == 90
    assert seconds(2.5, "$") == 2.5
    d = parse_dist({"dist": "lognormal", "mean": "40m", "sigma": 0.6}, "$")
    assert d.mean == 2400
    import random

    draw = d.sampler(random.Random(5))
    values = [draw() for _ in range(20000)]
    assert sum(values) / len(values) == pytest.approx(2400, rel=0.03)
    e = parse_dist({"dist": "empirical", "values": ["30s", "1m"]}, "$").sampler(random.Random(1))
    assert {e() for _ in range(50)} == {30.0, 60.0}


def test_reference_generates_a_valid_configuration() -> None:
    sc = load_scenario(EXAMPLES / "reference.toml")
    cfg = parse_config(sc.config_toml)
    assert [p.id for p in cfg.people if p.role.value == "desk"] == ["desk-1", "desk-2"]
    eng = [p.id for p in cfg.people if p.department == "engineering"
           and p.role.value == "responsible"]
    assert eng == ["engineering-1", "engineering-2", "engineering-3"]
    assert abs(sum(s.share for s in sc.streams) - 1.0) < 1e-9
    assert sc.config.community.households == 2000


def test_roster_can_reuse_a_configuration(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    cfg_text = load_scenario(EXAMPLES / "reference.toml").config_toml
    (root / "desk.toml").write_text(cfg_text, encoding="utf-8")
    text = scenario_text(roster='[roster]\nconfig = "desk.toml"\n')
    (root / "s.toml").write_text(text, encoding="utf-8")
    sc = load_scenario(root / "s.toml")
    assert sc.desk_people == ("desk-1", "desk-2")
    with pytest.raises(ScenarioError, match=r"roster\.desk"):
        bad = scenario_text(roster='[roster]\nconfig = "desk.toml"\ndesk = 3\n')
        (root / "b.toml").write_text(bad, encoding="utf-8")
        load_scenario(root / "b.toml")


def test_overrides_for_sweeps(minimal: object) -> None:
    from propdesk.sim.scenario import Scenario

    assert isinstance(minimal, Scenario)
    more = minimal.with_overrides({"roster.desk": 3, "arrivals.scale": 2.0})
    assert len(more.desk_people) == 3 and more.scale == 2.0
    assert len(minimal.desk_people) == 1


def test_toml_writer_round_trips() -> None:
    data = {"a": 1, "b": "引号\"\n", "c": [1.5, True], "t": {"x-y": "S-5", "k": {"z": 0}},
            "rows": [{"id": "p", "areas": ["A"]}, {"id": "q"}]}
    assert tomllib.loads(dumps(data)) == data

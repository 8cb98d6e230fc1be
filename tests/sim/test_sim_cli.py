"""``propdesk simulate`` (the command module, driven with click's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.sim.sim_support import EXAMPLES, scenario_text

from propdesk.adapters.memory import MemoryStore
from propdesk.cli.errors import CliError, ExitCode
from propdesk.cli.simulate import simulate
from propdesk.config import load_config
from propdesk.desk import Desk

REF = str(EXAMPLES / "reference.toml")


def test_one_run_writes_outputs_that_replay(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = CliRunner().invoke(simulate, [REF, "--seed", "5", "--days", "1", "--out", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "Indicators" in res.stdout
    names = {p.name for p in out.iterdir()}
    assert {"events.jsonl", "sla.json", "kpi.json", "report.txt", "propdesk.toml",
            "summary.json"} <= names
    kpi = json.loads((out / "kpi.json").read_text(encoding="utf-8"))
    assert set(kpi["K-1"]) == {"numerator", "denominator", "value", "target", "met"}
    sla = json.loads((out / "sla.json").read_text(encoding="utf-8"))
    assert set(sla[0]) == {"ticket", "rule", "cycle", "status", "deadline", "overrun_s"}
    # the written configuration replays the written log with every line accepted
    config = load_config(out / "propdesk.toml")
    desk = Desk(config, MemoryStore())
    lines = (out / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(r.ok for r in desk.apply(lines))
    assert len(desk.tickets()) == kpi["K-2"]["denominator"]


def test_json_summary_is_deterministic() -> None:
    args = [REF, "--seed", "2", "--days", "1", "--json"]
    a = CliRunner().invoke(simulate, args, catch_exceptions=False)
    b = CliRunner().invoke(simulate, args, catch_exceptions=False)
    assert a.exit_code == 0 and a.stdout == b.stdout
    data = json.loads(a.stdout)
    assert data["seed"] == 2 and data["tickets"] > 0


def test_seeds_and_sweep_recommend_a_roster(tmp_path: Path) -> None:
    text = scenario_text(
        "[experiment]\ntargets = { \"K-1\" = 0.0, \"K-5\" = 0.0, \"K-8\" = 0.0 }\n",
        arrivals="[arrivals]\nper_day = 30\n[arrivals.streams.inquiry]\ndesk = 1.0\n"
                 "[arrivals.streams.repair]\ncategory = \"engineering\"\n")
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "exp"
    args = [str(path), "--seeds", "3", "--sweep", "roster.desk=1..2", "--jobs", "2",
            "--json", "--out", str(out)]
    res = CliRunner().invoke(simulate, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [p["values"] for p in data["points"]] == [{"roster.desk": 1}, {"roster.desk": 2}]
    assert data["recommendation"]["values"] == {"roster.desk": 1}
    assert (out / "sweep.csv").read_text(encoding="utf-8").startswith("roster.desk,")
    assert (out / "chart-K-1.svg").read_text(encoding="utf-8").startswith("<svg")
    # one process gives the same tables as two
    again = CliRunner().invoke(simulate, [*args[:-3], "--jobs", "1", "--json"],
                               catch_exceptions=False)
    assert json.loads(again.stdout) == data


def test_scenario_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(scenario_text("[probabilities]\nrework = 2\n"), encoding="utf-8")
    res = CliRunner().invoke(simulate, [str(path)])
    # the root group turns a CliError into its exit code (8, configuration)
    assert isinstance(res.exception, CliError)
    assert res.exception.exit_code is ExitCode.CONFIG
    assert "$.probabilities.rework" in str(res.exception)


def test_erlang_directly() -> None:
    res = CliRunner().invoke(simulate, ["--erlang", "40/h,2m,2", "--json"],
                             catch_exceptions=False)
    data = json.loads(res.stdout)
    assert abs(data["mean_wait"] - 96.0) < 1e-6
    assert abs(data["prob_wait"] - 0.5333333) < 1e-6


def test_registered_in_the_root_group(tmp_path: Path) -> None:
    from propdesk.cli.app import cli

    res = CliRunner().invoke(cli, ["--help"])
    assert "simulate" in res.output
    path = tmp_path / "bad.toml"
    path.write_text(scenario_text("[probabilities]\nrework = 2\n"), encoding="utf-8")
    res = CliRunner().invoke(cli, ["simulate", str(path)])
    assert res.exit_code == 8
    assert "$.probabilities.rework" in res.output


def test_replay_through_the_cli_gives_the_same_kpi_bytes(tmp_path: Path) -> None:
    """The command log (a batch file) + propdesk.toml -> `propdesk apply` into SQLite ->
    `propdesk kpi --json` over the run's period prints exactly the run's kpi.json."""
    from propdesk.cli.app import cli

    out = tmp_path / "day"
    runner = CliRunner()
    res = runner.invoke(cli, ["simulate", REF, "--seed", "3", "--days", "1", "--out", str(out)],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    cfg = str(out / "propdesk.toml")
    res = runner.invoke(cli, ["--config", cfg, "apply", str(out / "events.jsonl")],
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    res = runner.invoke(cli, ["--config", cfg, "kpi", "--from", summary["period"]["start"],
                              "--to", summary["as_of"], "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert res.stdout == (out / "kpi.json").read_text(encoding="utf-8")

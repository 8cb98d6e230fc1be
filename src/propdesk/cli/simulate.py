"""``propdesk simulate``: run a scenario, seeds and sweeps (docs/simulation.md).

One run::

    propdesk simulate examples/scenarios/reference.toml --seed 1 --days 30 --out run1
    propdesk --config run1/propdesk.toml apply run1/events.jsonl   # replay it

Experiments (independent seeds and sweep points run in worker processes)::

    propdesk simulate reference.toml --seeds 40 --days 28 \\
        --sweep roster.desk=1..4 --sweep roster.staff.engineering=2..5 --jobs 2

Erlang C first estimate (no scenario needed)::

    propdesk simulate --erlang 40/h,2m,2

The report goes to stdout (``--json``: one JSON document); progress and
messages to stderr.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from propdesk.cli.errors import CliError, ExitCode

_ERLANG = re.compile(r"^\s*([0-9.]+)\s*/\s*(h|m|s|d)\s*,\s*([^,]+?)\s*,\s*(\d+)\s*$")


def _seeds(text: str | None, seed: int) -> list[int] | None:
    if text is None:
        return None
    m = re.match(r"^\s*(\d+)\s*\.\.\s*(\d+)\s*$", text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if b < a:
            raise click.BadParameter(f"empty range {text}", param_hint="--seeds")
        return list(range(a, b + 1))
    if text.strip().isdigit() and int(text) > 0:
        return list(range(seed, seed + int(text)))
    raise click.BadParameter("a count (20) or a range (1..20)", param_hint="--seeds")


def _erlang(spec: str, as_json: bool) -> None:
    from propdesk.domain.durations import UNITS, text_seconds
    from propdesk.sim import erlang

    m = _ERLANG.match(spec)
    if not m:
        raise click.BadParameter('expected RATE/UNIT,SERVICE,C such as "40/h,2m,2"',
                                 param_hint="--erlang")
    service = text_seconds(m.group(3))
    if service is None:
        raise CliError(ExitCode.INVALID_INPUT, '--erlang: expected a duration such as "90s", '
                                               f'"2m" or "1h30m", got {m.group(3)!r}')
    try:
        lam = float(m.group(1)) / UNITS[m.group(2)]
        c = int(m.group(4))
        r = erlang.erlang_c(lam, 1.0 / service, c)
    except erlang.ErlangError as exc:
        raise CliError(ExitCode.INVALID_INPUT, str(exc)) from None
    data = {**r.to_dict(), "lambda_per_hour": lam * 3600, "service_s": service,
            "service_level_20s": r.service_level(20.0),
            "service_level_60s": r.service_level(60.0)}
    if as_json:
        click.echo(json.dumps(data, sort_keys=True))
        return
    click.echo(f"M/M/{c}: {lam * 3600:g} arrivals/h, mean service {service:g} s, "
               f"load {r.load:.3f} Erlang, occupancy {100 * r.occupancy:.1f}%")
    click.echo(f"  probability of waiting (Erlang C)  {100 * r.prob_wait:.2f}%")
    click.echo(f"  mean wait in queue                 {r.mean_wait:.1f} s")
    click.echo(f"  mean calls waiting                 {r.mean_queue:.3f}")
    click.echo(f"  answered within 20 s / 60 s        {100 * r.service_level(20):.1f}% / "
               f"{100 * r.service_level(60):.1f}%")


class _Bar:
    """A rich progress bar on stderr (quiet when stderr is not a terminal)."""

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._progress = Progress("[progress.description]{task.description}", BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


@click.command("simulate")
@click.argument("scenario", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="The seed of the run (the first seed with --seeds N).")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Days to simulate (default: the scenario's scenario.days).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write events.jsonl, sla.json, kpi.json, report.txt, summary.json and "
                   "propdesk.toml (experiments: experiment.json, sweep.csv, report.txt).")
@click.option("--no-log", is_flag=True,
              help="With --out, do not write the command log and SLA outcomes.")
@click.option("--seeds", "seeds_text", metavar="N|A..B",
              help="Run many seeds: a count (from --seed) or a range.")
@click.option("--sweep", "sweeps", multiple=True, metavar="KEY=A..B",
              help="Sweep a scenario key over whole numbers A..B (or v1,v2,…); repeatable: "
                   "every combination is run.")
@click.option("--share", type=click.FloatRange(0, 1), default=None,
              help="Share of seeds that must meet every target (default: the scenario's "
                   "experiment.share, 0.95).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: one per CPU).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the report.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: when stderr is a terminal).")
@click.option("--erlang", "erlang_spec", metavar="RATE/UNIT,SERVICE,C",
              help='Only print the Erlang C figures, e.g. "40/h,2m,2".')
def simulate(scenario: Path | None, seed: int, days: int | None, out_dir: Path | None,
             no_log: bool, seeds_text: str | None, sweeps: tuple[str, ...],
             share: float | None, jobs: int | None, as_json: bool, progress: bool | None,
             erlang_spec: str | None) -> None:
    """模拟 Simulate a scenario with the real rules: one seed, many seeds or a sweep."""
    if erlang_spec:
        _erlang(erlang_spec, as_json)
        return
    if scenario is None:
        raise click.UsageError("give a SCENARIO file (or --erlang)")
    from propdesk.sim import experiment as ex
    from propdesk.sim import run as sim_run
    from propdesk.sim.errors import ScenarioError, SimulationError
    from propdesk.sim.scenario import load_scenario

    show = sys.stderr.isatty() if progress is None else progress
    try:
        sc = load_scenario(scenario)
        seeds = _seeds(seeds_text, seed)
        parsed = [ex.parse_sweep(s) for s in sweeps]
        if seeds is not None or parsed:
            bar = _Bar(show, f"simulating {sc.name}")
            try:
                if seeds is None:  # a sweep without --seeds: the scenario's experiment.seeds
                    seeds = list(range(seed, seed + sc.seeds))
                exp = ex.run_experiment(sc, seeds=seeds, sweeps=parsed, days=days,
                                        jobs=jobs or ex.default_jobs(), share=share,
                                        progress=bar)
            finally:
                bar.close()
            _experiment_out(exp, out_dir, as_json)
            return
        bar = _Bar(show, f"simulating {sc.name}")
        bar(0, 1)
        try:
            keep = out_dir is not None and not no_log
            result = sim_run.simulate(sc, seed, days=days, log=keep, outcomes=keep,
                                      jobs=jobs or ex.default_jobs())
            bar(1, 1)
        finally:
            bar.close()
    except ScenarioError as exc:
        raise CliError(ExitCode.CONFIG, f"scenario {scenario}: {exc}",
                       f"场景文件 {scenario}: {exc}", code="scenario") from None
    except SimulationError as exc:
        raise CliError(ExitCode.INTERNAL, str(exc), code="simulation",
                       hint_en="a refusal in a simulation is a bug of the scenario or the "
                               "simulator (R-91)") from None
    if out_dir is not None:
        sim_run.write_outputs(result, out_dir)
        _prepare_replay(sc, out_dir)
    if as_json:
        click.echo(json.dumps(sim_run.summary(result), sort_keys=True, ensure_ascii=False))
    else:
        click.echo(sim_run.report_text(result), nl=False)


def _prepare_replay(sc: Any, out_dir: Path) -> None:
    """Create the empty store each written propdesk.toml names (SQLite
    ``propdesk.db`` next to it), so a log replays with ``apply`` at once; with
    several communities each folder ``community-N/`` replays into its own."""
    from propdesk.plugins import open_store

    folders = ([out_dir / f"community-{i}" for i in range(sc.communities)]
               if sc.communities > 1 else [out_dir])
    for folder in folders:
        db = folder / "propdesk.db"
        if db.exists() and db.stat().st_size > 0:
            click.echo(f"note: {db} exists from an earlier run; delete it before replaying",
                       err=True)
        else:
            open_store(sc.config.storage, folder).close()
    first = folders[0]
    click.echo(f"wrote {out_dir}; replay with: propdesk --config {first / 'propdesk.toml'} "
               f"apply {first / 'events.jsonl'}", err=True)


def _experiment_out(exp: Any, out_dir: Path | None, as_json: bool) -> None:
    from propdesk.sim import experiment as ex
    from propdesk.sim.run import dumps

    text = (ex.table_text(exp) + "\n" + ex.chart_text(exp) + "\n"
            + ex.recommendation_text(exp))
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "experiment.json").write_text(dumps(exp.to_dict()), encoding="utf-8")
        (out_dir / "sweep.csv").write_text(ex.csv_text(exp), encoding="utf-8")
        (out_dir / "report.txt").write_text(text, encoding="utf-8")
        from propdesk.sim.chart import write_svg_charts

        write_svg_charts(exp, out_dir)
        click.echo(f"wrote {out_dir}", err=True)
    if as_json:
        click.echo(json.dumps(exp.to_dict(), sort_keys=True, ensure_ascii=False))
    else:
        click.echo(text, nl=False)

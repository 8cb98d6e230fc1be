"""Experiments: many seeds and parameter sweeps, run across processes.

A sweep is a list of dotted scenario keys with values (``roster.desk=1..4``,
``roster.staff.engineering=2..5``, ``arrivals.scale=1,1.5,2``); every
combination is a *point*, and every point runs the same seeds.  Runs are
independent (one community and one seed each), so they are spread over
worker processes; results are put back in task order, so the tables are
the same whatever the number of processes or the order they finish in.

For each point and indicator the table gives the mean over seeds with a
Student-t interval, and the share of seeds meeting the target.  The
staffing recommendation is the smallest roster (fewest people on the duty
roster) whose share of seeds meeting *every* target is at least the chosen
share (default 95 %), with the Wilson interval of that share.  When no
point reaches it, the *closest* point is named (:attr:`Experiment.closest`):
the smallest target gap (:func:`target_gap`), then the largest share of
seeds meeting every target, then the smallest roster.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from propdesk.domain.enums import Role
from propdesk.sim.errors import ScenarioError
from propdesk.sim.run import fmt, kpi_targets, process_pool, run_community
from propdesk.sim.scenario import Scenario, build_scenario
from propdesk.sim.stats import mean_ci, wilson

Progress = Callable[[int, int], None]
_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")


def parse_sweep(text: str) -> tuple[str, list[Any]]:
    """``KEY=A..B`` (whole numbers, inclusive) or ``KEY=v1,v2,…`` (numbers)."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError("--sweep", f"expected KEY=A..B or KEY=v1,v2, got {text!r}")
    m = _RANGE.match(values)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if b < a:
            raise ScenarioError(f"--sweep {key}", f"empty range {a}..{b}")
        return key, list(range(a, b + 1))
    out: list[Any] = []
    for part in values.split(","):
        part = part.strip()
        try:
            out.append(int(part))
        except ValueError:
            try:
                out.append(float(part))
            except ValueError:
                raise ScenarioError(f"--sweep {key}", f"{part!r} is not a number") from None
    if not out:
        raise ScenarioError(f"--sweep {key}", "no values")
    return key, out


@attrs.frozen
class Task:
    """One run: a point of the sweep, a seed and a community."""

    point: int
    seed: int
    community: int


@attrs.frozen
class SeedResult:
    """What an experiment keeps of one run (per point, seed and community)."""

    point: int
    seed: int
    community: int
    tickets: int
    commands: int
    fractions: Mapping[str, tuple[int, int]]
    met: Mapping[str, bool | None]
    desk_wait_s: float
    field_wait_s: float


# the scenario of the running worker, keyed by point (built once per process)
_WORKER: dict[str, Any] = {}


def _init_worker(raw: Mapping[str, Any], base_dir: str,
                 points: Sequence[Mapping[str, Any]], days: int | None) -> None:
    _WORKER.clear()
    _WORKER.update(raw=raw, base_dir=base_dir, points=points, days=days, built={})


def _scenario_for(point: int) -> Scenario:
    built: dict[int, Scenario] = _WORKER["built"]
    sc = built.get(point)
    if sc is None:
        base = build_scenario(_WORKER["raw"], base_dir=_WORKER["base_dir"])
        sc = built[point] = base.with_overrides(_WORKER["points"][point])
    return sc


def _run_task(task: Task) -> SeedResult:
    sc = _scenario_for(task.point)
    res = run_community(sc, task.seed, task.community, days=_WORKER["days"])
    from propdesk.domain.kpi import Period

    inds = res.tally.indicators(Period(res.start, res.end), len(sc.config.assets),
                                kpi_targets(sc))
    fractions = {k: (int(v.numerator), v.denominator) for k, v in inds.items()
                 if k not in ("K-9",)}
    return SeedResult(task.point, task.seed, task.community, res.tickets, res.commands,
                      fractions, {k: v.met for k, v in inds.items()},
                      res.stats["desk_wait_calls"]["mean_s"], res.stats["field_wait"]["mean_s"])


@attrs.frozen
class PointSummary:
    """One point of a sweep over all its seeds."""

    index: int
    values: Mapping[str, Any]
    roster_size: int
    seeds: int
    tickets: int
    indicators: Mapping[str, Mapping[str, Any]]
    all_met: int
    all_met_share: float
    all_met_ci: tuple[float, float]
    desk_wait_s: float
    field_wait_s: float
    target_gap: float = 0.0
    """How far the indicators' means fall short of their targets (:func:`target_gap`)."""

    def to_dict(self) -> dict[str, Any]:
        return {"point": self.index, "values": dict(self.values),
                "roster_size": self.roster_size, "seeds": self.seeds, "tickets": self.tickets,
                "indicators": {k: dict(v) for k, v in self.indicators.items()},
                "all_met": self.all_met, "all_met_share": fmt(self.all_met_share),
                "all_met_ci": [fmt(self.all_met_ci[0]), fmt(self.all_met_ci[1])],
                "desk_wait_s": fmt(self.desk_wait_s), "field_wait_s": fmt(self.field_wait_s),
                "target_gap": fmt(self.target_gap)}


@attrs.frozen
class Experiment:
    """The results of an experiment: points, runs and the recommendation."""

    scenario: str
    keys: tuple[str, ...]
    seeds: tuple[int, ...]
    days: int
    share: float
    confidence: float
    points: tuple[PointSummary, ...]

    @property
    def recommendation(self) -> PointSummary | None:
        """The smallest roster meeting every target in at least ``share`` of seeds."""
        ok = [p for p in self.points if p.all_met_share >= self.share]
        if not ok:
            return None
        return min(ok, key=lambda p: (p.roster_size, p.index))

    @property
    def closest(self) -> PointSummary:
        """The point closest to meeting the targets: the smallest target gap
        (:func:`target_gap`), then the largest share of seeds meeting every
        target, then the smallest roster, then the first point."""
        return min(self.points, key=lambda p: (round(p.target_gap, 9), -p.all_met_share,
                                               p.roster_size, p.index))

    def to_dict(self) -> dict[str, Any]:
        rec = self.recommendation
        best = self.closest
        return {
            "scenario": self.scenario, "sweep": list(self.keys), "seeds": list(self.seeds),
            "days": self.days, "share": self.share, "confidence": self.confidence,
            "points": [p.to_dict() for p in self.points],
            "recommendation": None if rec is None else rec.to_dict(),
            "best": best.to_dict(),
        }


def target_gap(indicators: Mapping[str, Mapping[str, Any]],
               targets: Mapping[str, Any]) -> float:
    """The distance of a point from its targets: the sum, over the indicators
    with a target and a mean (K-13, a count, left out), of how far the mean
    over seeds falls short of the target, as a share (0.03 = three percentage
    points).  0 when every mean reaches its target."""
    gap = 0.0
    for k, entry in indicators.items():
        target, mean = targets.get(k), entry.get("mean")
        if target is None or mean is None or k == "K-13":
            continue
        bound = float(target.value)
        gap += max(0.0, mean - bound) if target.op == "<=" else max(0.0, bound - mean)
    return gap


def roster_size(sc: Scenario) -> int:
    """People on the duty roster who work (desk operators and responsible staff)."""
    on_roster = {pid for s in sc.config.shifts for pid in s.people}
    return sum(1 for p in sc.config.people if p.id in on_roster
               and p.role in (Role.DESK, Role.RESPONSIBLE))


def run_experiment(
    sc: Scenario,
    *,
    seeds: Sequence[int],
    sweeps: Sequence[tuple[str, Sequence[Any]]] = (),
    days: int | None = None,
    jobs: int = 1,
    share: float | None = None,
    confidence: float = 0.95,
    progress: Progress | None = None,
) -> Experiment:
    """Run every point of ``sweeps`` with every seed (and every community)."""
    keys = tuple(k for k, _ in sweeps)
    combos = list(itertools.product(*[list(v) for _, v in sweeps])) if sweeps else [()]
    points = [dict(zip(keys, combo, strict=True)) for combo in combos]
    # validate every point up front, in this process: errors name the key
    built = [sc.with_overrides(p) for p in points]
    tasks = [Task(i, seed, k) for i in range(len(points)) for seed in seeds
             for k in range(sc.communities)]
    results: list[SeedResult | None] = [None] * len(tasks)
    args = (dict(sc.raw), sc.base_dir, points, days)
    done = 0
    if jobs <= 1 or len(tasks) == 1:
        if progress:
            progress(0, len(tasks))
        _init_worker(*args)
        for i, task in enumerate(tasks):
            results[i] = _run_task(task)
            done += 1
            if progress:
                progress(done, len(tasks))
    else:
        with process_pool(jobs, initializer=_init_worker, initargs=args) as pool:
            futures = {pool.submit(_run_task, t): i for i, t in enumerate(tasks)}
            from concurrent.futures import as_completed

            if progress:  # after the workers are forked: the bar runs a thread
                progress(0, len(tasks))

            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                done += 1
                if progress:
                    progress(done, len(tasks))
    final = [r for r in results if r is not None]
    share_ok = sc.share if share is None else share
    summaries = tuple(_summarise(i, points[i], built[i], [r for r in final if r.point == i],
                                 confidence) for i in range(len(points)))
    return Experiment(sc.name, keys, tuple(seeds), days if days is not None else sc.days,
                      share_ok, confidence, summaries)


def _summarise(index: int, values: Mapping[str, Any], sc: Scenario,
               runs: Sequence[SeedResult], confidence: float) -> PointSummary:
    # communities of one seed add up to one company-wide figure per seed
    by_seed: dict[int, list[SeedResult]] = {}
    for r in runs:
        by_seed.setdefault(r.seed, []).append(r)
    ids = list(runs[0].met)
    targets = kpi_targets(sc)
    per_seed_values: dict[str, list[float]] = {k: [] for k in ids}
    per_seed_met: dict[str, list[bool]] = {k: [] for k in ids}
    all_met = 0
    for seed in sorted(by_seed):
        group = by_seed[seed]
        every = True
        for k in ids:
            if k in group[0].fractions:
                num = sum(g.fractions[k][0] for g in group)
                den = sum(g.fractions[k][1] for g in group)
                target = targets.get(k)
                if k == "K-13":
                    value: float | None = float(num)
                    met = target.met(num) if target is not None else None  # type: ignore[arg-type]
                elif den:
                    from fractions import Fraction

                    value = num / den
                    met = target.met(Fraction(num, den)) if target is not None else None
                else:
                    value, met = None, None
            else:  # K-9 needs the period's asset-seconds: use the runs' own verdicts
                value = None
                verdicts = [g.met[k] for g in group if g.met[k] is not None]
                met = all(verdicts) if verdicts else None
            if value is not None:
                per_seed_values[k].append(value)
            if met is not None:
                per_seed_met[k].append(met)
                every = every and met
        all_met += every
    n = len(by_seed)
    indicators: dict[str, dict[str, Any]] = {}
    for k in ids:
        vals = per_seed_values[k]
        mets = per_seed_met[k]
        entry: dict[str, Any] = {"mean": None, "low": None, "high": None,
                                 "met_share": None, "target": None}
        target = targets.get(k)
        if target is not None:
            entry["target"] = target.text(k == "K-13")
        if vals:
            if len(vals) > 1:
                m, lo, hi = mean_ci(vals, confidence)
            else:
                m = lo = hi = vals[0]
            entry.update(mean=fmt(m), low=fmt(lo), high=fmt(hi))
        if mets:
            entry["met_share"] = fmt(sum(mets) / len(mets))
        indicators[k] = entry
    lo, hi = wilson(all_met, n, confidence)
    return PointSummary(
        index, values, roster_size(sc), n, sum(r.tickets for r in runs), indicators, all_met,
        all_met / n if n else 0.0, (lo, hi),
        sum(r.desk_wait_s for r in runs) / len(runs), sum(r.field_wait_s for r in runs)
        / len(runs), target_gap(indicators, targets))


def default_jobs() -> int:
    """One worker per CPU the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------ rendering

INDICATORS = ("K-1", "K-2", "K-3", "K-4", "K-5", "K-6", "K-7", "K-8")


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


TABLE_WIDTH = 120
"""The sweep table fits a terminal this wide; every figure is in --json and the CSV."""


def _short_keys(keys: Sequence[str]) -> list[str]:
    """Column headers of the swept keys: the last part of each dotted key
    (``roster.staff.engineering`` → ``engineering``) unless two would clash."""
    short = [k.rsplit(".", 1)[-1] for k in keys]
    return short if len(set(short)) == len(short) else list(keys)


def table_text(exp: Experiment) -> str:
    """The table: one row per point with each indicator's mean over seeds (in %),
    the share of seeds meeting every target with its interval, and the mean
    waits.  It fits :data:`TABLE_WIDTH` columns; the intervals of each mean
    and the share of seeds meeting each target are in the JSON and CSV."""
    heads = _short_keys(exp.keys)
    cols = [*heads, "staff", *INDICATORS, "all met", "CI", "gap", "w.desk", "w.field"]
    rows = []
    for p in exp.points:
        row = [str(p.values[k]) for k in exp.keys] + [str(p.roster_size)]
        for k in INDICATORS:
            mean = p.indicators.get(k, {}).get("mean")
            row.append("n/a" if mean is None else f"{100 * mean:.1f}")
        row += [_pct(p.all_met_share),
                f"{100 * p.all_met_ci[0]:.0f}–{100 * p.all_met_ci[1]:.0f}%",
                f"{100 * p.target_gap:.1f}", f"{p.desk_wait_s:.0f}s",
                f"{p.field_wait_s / 60:.1f}m"]
        rows.append(row)
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    lines = [" ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True))]
    lines += [" ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    if heads != list(exp.keys):
        lines.append("; ".join(f"{h} = {k}" for h, k in zip(heads, exp.keys, strict=True)))
    lines += ["K-n: mean over seeds in %; all met: share of seeds meeting every target, CI "
              f"its {100 * exp.confidence:g}% interval;",
              "gap: percentage points the means fall short of the targets; w.desk, w.field: mean "
              "desk and field waits.",
              "Intervals and each target's share of seeds: --json, sweep.csv."]
    return "\n".join(lines) + "\n"


def chart_text(exp: Experiment, width: int = 40) -> str:
    """A text chart of each indicator's mean against the swept parameters."""
    out = []
    heads = _short_keys(exp.keys)
    labels = [", ".join(f"{h}={p.values[key]}" for h, key in zip(heads, exp.keys, strict=True))
              or "scenario" for p in exp.points]
    room = min(max(len(x) for x in labels), TABLE_WIDTH - width - 12)
    for k in INDICATORS:
        out.append(f"{k} (target {exp.points[0].indicators.get(k, {}).get('target') or '-'})")
        for p, label in zip(exp.points, labels, strict=True):
            mean = p.indicators.get(k, {}).get("mean")
            bar = "" if mean is None else "█" * round(width * max(0.0, min(1.0, mean)))
            out.append(f"  {label[:room]:<{room}} {bar:<{width}} {_pct(mean)}")
    return "\n".join(out) + "\n"


def recommendation_text(exp: Experiment) -> str:
    """The staffing recommendation in words."""
    rec = exp.recommendation
    pct = f"{100 * exp.share:g}%"
    if rec is None:
        best = exp.closest
        where = ", ".join(f"{k}={v}" for k, v in best.values.items()) or "the scenario"
        missed = [k for k, v in best.indicators.items()
                  if v.get("met_share") is not None and v["met_share"] < exp.share]
        return (f"No roster tried meets every target in {pct} of seeds. Closest: {where} "
                f"({best.roster_size} people; means {100 * best.target_gap:.1f} percentage "
                f"points short of the targets in all), all targets met in {best.all_met} of "
                f"{best.seeds} seeds ({_pct(best.all_met_share)}, "
                f"{100 * exp.confidence:g}% CI {_pct(best.all_met_ci[0])}–"
                f"{_pct(best.all_met_ci[1])}); short of target: {', '.join(missed)}.\n")
    where = ", ".join(f"{k}={v}" for k, v in rec.values.items()) or "the scenario as written"
    return (f"Recommended: {where} ({rec.roster_size} people on the roster): every target "
            f"met in {rec.all_met} of {rec.seeds} seeds ({_pct(rec.all_met_share)}, "
            f"{100 * exp.confidence:g}% CI {_pct(rec.all_met_ci[0])}–"
            f"{_pct(rec.all_met_ci[1])}), the smallest roster reaching {pct}.\n")


def csv_text(exp: Experiment) -> str:
    """The table as CSV (one row per point, every figure; written by :mod:`csv`)."""
    head = [*exp.keys, "roster_size", "seeds", "tickets"]
    for k in INDICATORS:
        head += [f"{k}_mean", f"{k}_low", f"{k}_high", f"{k}_met_share"]
    head += ["all_met_share", "all_met_low", "all_met_high", "target_gap",
             "desk_wait_s", "field_wait_s"]
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(head)
    for p in exp.points:
        row: list[Any] = [*(p.values[k] for k in exp.keys), p.roster_size, p.seeds, p.tickets]
        for k in INDICATORS:
            ind = p.indicators.get(k, {})
            row += ["" if ind.get(x) is None else ind[x]
                    for x in ("mean", "low", "high", "met_share")]
        row += [fmt(p.all_met_share), fmt(p.all_met_ci[0]), fmt(p.all_met_ci[1]),
                fmt(p.target_gap), fmt(p.desk_wait_s), fmt(p.field_wait_s)]
        out.writerow(row)
    return buf.getvalue()

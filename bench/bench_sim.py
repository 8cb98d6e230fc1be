"""Benchmark of the simulator against a hand-written SimPy model (issue 7).

    python bench/bench_sim.py                  # the full benchmark (~5 min on 2 cores)
    python bench/bench_sim.py --quick          # 30 days, 10 communities
    python bench/bench_sim.py --json

Every measurement runs in a fresh child process (so peak memory is that
run's own), and the two models alternate, round after round:

1. ``examples/scenarios/reference.toml`` for a year, one process:
   propdesk.sim with the full rules (``decide``/``evolve`` of the domain
   core), the SLA engine and the indicators, without writing the log;
   then the SimPy model of ``bench/simpy_model.py``.
2. The same year with the command log (batch lines) written to a file (measured
   separately: writing the log is optional).
3. 100 communities for a year (≈ 1.46 million tickets): propdesk.sim over
   ``--jobs`` worker processes (default: both cores) against the SimPy model
   in one process.

propdesk runs twice in each round: from its Python sources (the installed
package) and as the build compiled with mypyc (docs/speed.md), which the
benchmark first installs into a temporary directory with
``PROPDESK_MYPYC=1 pip install --no-build-isolation --target …`` (about 40 s;
it needs mypy and setuptools ≥ 77 in this environment and a C compiler).
``--compiled no`` skips it; ``auto`` (the default) says why when it cannot
build, ``yes`` stops there.  ``--skip-python`` measures only the compiled
build against SimPy (on a noisy machine, spend the time on more rounds).

Reported: tickets per second, the ratio propdesk / SimPy, and peak resident
memory of the whole process tree: the peak of the summed proportional set
size (PSS, sampled every 50 ms), with ``ru_maxrss`` of the parent and the
largest worker shown as well.  Targets (issue 7):
one process ≥ 0.5× the reference's tickets/s; 100 communities on both cores
≥ 1.0×; peak memory ≤ 2× the reference's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "scenarios" / "reference.toml"


class PssSampler:
    """Peak proportional set size (PSS) of this process and its descendants,
    sampled every 50 ms from /proc (Linux).  PSS splits pages shared between
    processes (forked workers share the parent's imported modules), so the
    sum over the process tree is the memory the run really uses; RSS summed
    over processes would count shared pages once per process."""

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    @staticmethod
    def _tree(pid: int) -> list[int]:
        out = [pid]
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    for child in f.read().split():
                        out += PssSampler._tree(int(child))
        except OSError:
            pass
        return out

    @staticmethod
    def _pss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def sample(self) -> None:
        total = sum(self._pss(p) for p in self._tree(os.getpid()))
        self.peak_kb = max(self.peak_kb, total)

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            self.sample()

    def __enter__(self) -> PssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def _child(model: str, communities: int, days: int, jobs: int, seed: int) -> dict[str, Any]:
    with PssSampler() as pss:
        out = _measure(model, communities, days, jobs, seed)
    if model != "simpy":
        import propdesk

        out["compiled"] = propdesk.compiled()
    out["peak_pss_mb"] = round(pss.peak_kb / 1024, 1) if os.path.exists("/proc/self/smaps_rollup") \
        else None
    return out


def _measure(model: str, communities: int, days: int, jobs: int, seed: int) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    from propdesk.sim.scenario import load_scenario

    sc = load_scenario(SCENARIO).with_overrides({"scenario.communities": communities})
    start = time.perf_counter()
    extra: dict[str, Any] = {}
    if model == "simpy":
        from simpy_model import Model

        tickets = 0
        timely = 0
        for i in range(communities):
            tally = Model(sc, seed, i, days=days).run()
            tickets += tally["tickets"]
            timely += tally["timely"]
        extra["timely_share"] = round(timely / tickets, 4)
    elif model == "propdesk":
        from propdesk.sim.run import simulate

        result = simulate(sc, seed, days=days, jobs=jobs)
        tickets = result.tickets
        k1 = result.indicators()["K-1"]
        extra["K-1"] = None if k1.value is None else round(float(k1.value), 4)
        extra["commands"] = result.commands
    elif model == "propdesk-log":
        from propdesk.sim.run import run_community

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "events.jsonl"
            with open(path, "w", encoding="utf-8") as f:
                res = run_community(sc, seed, 0, days=days, log=f)
            extra["log_bytes"] = path.stat().st_size
        tickets = res.tickets
        extra["commands"] = res.commands
    else:
        raise SystemExit(f"unknown model {model}")
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"model": model, "communities": communities, "days": days, "jobs": jobs,
            "tickets": tickets, "seconds": round(seconds, 3),
            "tickets_per_s": round(tickets / seconds, 1),
            "parent_rss_mb": round(own / 1024, 1), "worker_rss_mb": round(kids / 1024, 1),
            "rss_sum_mb": round((own + (jobs * kids if kids else 0)) / 1024, 1), **extra}


def build_compiled(dest: Path, mode: str) -> Path | None:
    """Install the mypyc build into ``dest`` (the path entry), or ``None``
    (``mode`` is ``--compiled``: auto, yes or no).  Shared with
    ``sim_instructions.py``."""
    if mode == "no":
        return None
    print("building the compiled package (PROPDESK_MYPYC=1) ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    # built from a copy of the work tree: setuptools writes ./build, and stale
    # objects there would end up in the package
    with tempfile.TemporaryDirectory() as work:
        repo = Path(work) / "repo"
        shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "__pycache__", "*.so", "*.egg-info"))
        out = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
             "--target", str(dest), str(repo)],
            capture_output=True, text=True, env={**os.environ, "PROPDESK_MYPYC": "1"})
    if out.returncode:
        why = (out.stderr.strip().splitlines() or ["pip failed"])[-1]
        if mode == "yes":
            sys.stderr.write(out.stdout[-3000:] + out.stderr[-3000:])
            raise SystemExit("bench_sim: the compiled build failed")
        print(f"  no compiled build: {why}", file=sys.stderr, flush=True)
        return None
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return dest


def _spawn(model: str, communities: int, days: int, jobs: int, seed: int,
           compiled: Path | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", model, "--communities", str(communities),
           "--days", str(days), "--jobs", str(jobs), "--seed", str(seed)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if compiled is not None:  # PYTHONPATH comes before the installed package
        env["PYTHONPATH"] = str(compiled)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if model != "simpy" and result["compiled"] != (compiled is not None):
        which = "compiled" if compiled else "Python"
        raise SystemExit(f"bench_sim: the child did not load the {which} build")
    if compiled is not None:
        model += "/mypyc"
    print(f"  {model:<18} x{communities:<4} {result['tickets']:>9} tickets "
          f"{result['seconds']:>8.1f} s {result['tickets_per_s']:>9.0f}/s "
          f"peak PSS {result['peak_pss_mb']:>7.1f} MB (RSS parent {result['parent_rss_mb']:.1f}"
          f" + {jobs} x worker {result['worker_rss_mb']:.1f})", file=sys.stderr, flush=True)
    return result


def _pair(label: str, communities: int, days: int, jobs: int, rounds: int,
          seed: int, compiled: Path | None, python: bool = True) -> dict[str, Any]:
    """The models alternately, ``rounds`` times: propdesk from its sources, the
    compiled build (when there is one), SimPy."""
    print(f"{label}:", file=sys.stderr, flush=True)
    ours: list[dict[str, Any]] = []
    comp: list[dict[str, Any]] = []
    ref: list[dict[str, Any]] = []
    for r in range(rounds):
        if python:
            ours.append(_spawn("propdesk", communities, days, jobs, seed + r))
        if compiled is not None:
            comp.append(_spawn("propdesk", communities, days, jobs, seed + r, compiled))
        ref.append(_spawn("simpy", communities, days, 1, seed + r))
    r_rate = statistics.median(x["tickets_per_s"] for x in ref)
    r_mem = max(x["peak_pss_mb"] for x in ref)
    out: dict[str, Any] = {"label": label, "communities": communities, "days": days,
                           "jobs": jobs, "rounds": rounds, "simpy": ref,
                           "simpy_tickets_per_s": r_rate, "simpy_peak_mb": r_mem}
    for key, runs in (("propdesk", ours), ("compiled", comp)):
        if not runs:
            continue
        rate = statistics.median(x["tickets_per_s"] for x in runs)
        mem = max(x["peak_pss_mb"] for x in runs)
        prefix = "" if key == "propdesk" else "compiled_"
        out.update({key: runs, f"{key}_tickets_per_s": rate, f"{key}_peak_mb": mem,
                    f"{prefix}speed_ratio": round(rate / r_rate, 3),
                    f"{prefix}memory_ratio": round(mem / r_mem, 3)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child")
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="30 days, 10 communities")
    ap.add_argument("--skip-many", action="store_true", help="only the one-community year")
    ap.add_argument("--compiled", choices=("auto", "yes", "no"), default="auto",
                    help="also measure the build compiled with mypyc (default: when it builds)")
    ap.add_argument("--skip-python", action="store_true",
                    help="measure only the compiled build (and SimPy)")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if a.skip_python and a.compiled == "no":
        ap.error("--skip-python needs the compiled build")
    if a.child:
        print(json.dumps(_child(a.child, a.communities, a.days, a.jobs, a.seed)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = _run(a, build_compiled(Path(tmp) / "compiled", a.compiled))
    if a.json:
        print(json.dumps(out, indent=2, sort_keys=True))
        return
    _print(out, a)


def _run(a: argparse.Namespace, compiled: Path | None) -> dict[str, Any]:
    days = 30 if a.quick else a.days
    many = 10 if a.quick else a.communities
    out: dict[str, Any] = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
                           "days": days, "communities": many, "jobs": a.jobs}
    python = not a.skip_python
    if compiled is None and not python:
        raise SystemExit("bench_sim: --skip-python, and the compiled build did not build")
    out["one"] = _pair(f"reference, 1 community, {days} days, 1 process", 1, days, 1,
                       a.rounds, a.seed, compiled, python)
    print("writing the command log:", file=sys.stderr, flush=True)
    if python:
        out["log"] = _spawn("propdesk-log", 1, days, 1, a.seed)
    if compiled is not None:
        out["compiled_log"] = _spawn("propdesk-log", 1, days, 1, a.seed, compiled)
    if not a.skip_many:
        out["many"] = _pair(f"reference, {many} communities, {days} days, {a.jobs} processes "
                            "(SimPy: 1)", many, days, a.jobs, max(1, a.rounds - 1), a.seed,
                            compiled, python)
    return out


def _print(out: dict[str, Any], a: argparse.Namespace) -> None:
    days, many = out["days"], out["communities"]

    def rows(run: dict[str, Any], target: float) -> None:
        for key, name, prefix in (("propdesk", "propdesk.sim (rules + SLA + KPI)", ""),
                                  ("compiled", "  the same, compiled with mypyc", "compiled_")):
            if key in run:
                print(f"  {name:<33}{run[f'{key}_tickets_per_s']:>10.0f} tickets/s   peak "
                      f"{run[f'{key}_peak_mb']:5.1f} MB   ratio "
                      f"{run[f'{prefix}speed_ratio']:.3f}x (target >= {target}x), memory "
                      f"{run[f'{prefix}memory_ratio']:.2f}x (target <= 2x)")
        print(f"  {'SimPy reference model':<33}{run['simpy_tickets_per_s']:>10.0f} tickets/s   "
              f"peak {run['simpy_peak_mb']:5.1f} MB")

    print(f"\none community, {days} days, one process:")
    rows(out["one"], 0.5)
    for key, name in (("log", "propdesk.sim"), ("compiled_log", "compiled")):
        if key in out:
            log = out[key]
            print(f"  with the command log written ({name}): {log['tickets_per_s']:.0f} tickets/s, "
                  f"{log['log_bytes'] / 1e6:.1f} MB of log")
    if "many" in out:
        print(f"\n{many} communities, {days} days, {a.jobs} worker processes (SimPy: one):")
        rows(out["many"], 1.0)


if __name__ == "__main__":
    main()

"""Instructions per simulated ticket, propdesk.sim against the SimPy reference.

Wall-clock ratios on a shared two-core machine move by a fifth from run to
run; instruction counts do not.  This runs each model under Valgrind's
callgrind for two horizons of the reference scenario and divides the
difference in instructions by the difference in tickets, so start-up and
imports cancel out.  propdesk is also run with the SLA and indicator evaluation
switched off (``rules``) and with the core's answers replayed from a first
run (``engine``), which splits a ticket's cost into engine, rules
(decide + evolve) and evaluation.

    python bench/sim_instructions.py            # about 5 minutes
    python bench/sim_instructions.py --json

The build compiled with mypyc (docs/speed.md) is counted too, as a whole
(its split would need the patching above, which compiled code does not
see); it is built first as ``bench_sim.py`` builds it (``--compiled no``
skips it).

Instructions are not time (cache misses and branch prediction differ), but
for an interpreter they track it closely; ``bench_sim.py`` gives the wall
clock.  Needs ``valgrind`` on the PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "scenarios" / "reference.toml"
SHORT, LONG = 4, 24  # days


def _child(model: str, days: int) -> None:
    """Run one model for ``days`` after a warm-up; print the tickets."""
    sys.path.insert(0, str(ROOT / "bench"))
    from propdesk.sim import engine
    from propdesk.sim import run as runmod
    from propdesk.sim.scenario import load_scenario

    sc = load_scenario(SCENARIO)
    if model == "simpy":
        from simpy_model import Model

        Model(sc, 1, 0, days=3).run()
        print(Model(sc, 1, 0, days=days).run()["tickets"])
        return
    if model in ("rules", "engine"):
        runmod._Evaluator.closed = lambda self, t, at: True  # type: ignore[method-assign]
    if model == "engine":
        # record the core's answers over the longest horizon, then replay them
        decided: dict[Any, Any] = {}
        evolved: dict[int, Any] = {}
        decide, evolve = engine.decide, engine.evolve

        def record_decide(t: Any, cmd: Any, ctx: Any) -> Any:
            out = decided[(cmd.ticket, t.version if t else 0, cmd.name)] = decide(t, cmd, ctx)
            return out

        def record_evolve(t: Any, e: Any) -> Any:
            out = evolved[id(e)] = evolve(t, e)
            return out

        engine.decide, engine.evolve = record_decide, record_evolve  # type: ignore[assignment]
        runmod.run_community(sc, 1, 0, days=LONG)
        engine.decide = lambda t, cmd, ctx: decided[  # type: ignore[assignment]
            (cmd.ticket, t.version if t else 0, cmd.name)]
        engine.evolve = lambda t, e: evolved[id(e)]  # type: ignore[assignment]
    else:
        runmod.run_community(sc, 1, 0, days=3)
    print(runmod.run_community(sc, 1, 0, days=days).tickets)


def _count(model: str, days: int, compiled: Path | None = None) -> tuple[int, int]:
    """(tickets, instructions) of one child run under callgrind."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if compiled is not None:  # PYTHONPATH comes before the installed package
        env["PYTHONPATH"] = str(compiled)
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
             sys.executable, __file__, "--child", model, "--days", str(days)],
            capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    tickets = int(out.stdout.strip().splitlines()[-1])
    m = re.search(r"Collected\s*:\s*(\d+)", out.stderr)
    if m is None:
        raise SystemExit(f"no instruction count from valgrind:\n{out.stderr[-2000:]}")
    return tickets, int(m.group(1))


def per_ticket(model: str, compiled: Path | None = None) -> float:
    """Instructions per ticket: the difference of a long and a short run."""
    t1, i1 = _count(model, SHORT, compiled)
    t2, i2 = _count(model, LONG, compiled)
    return (i2 - i1) / (t2 - t1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child")
    ap.add_argument("--days", type=int, default=LONG)
    ap.add_argument("--compiled", choices=("auto", "yes", "no"), default="auto",
                    help="also count the build compiled with mypyc (default: when it builds)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.days)
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    got = {m: per_ticket(m) for m in ("propdesk", "rules", "engine", "simpy")}
    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_sim import build_compiled

        build = build_compiled(Path(tmp) / "compiled", args.compiled)
        if build is not None:
            got["compiled"] = per_ticket("propdesk", build)
    split = {"engine": got["engine"], "rules (decide + evolve)": got["rules"] - got["engine"],
             "SLA and indicator evaluation": got["propdesk"] - got["rules"]}
    ratio = got["simpy"] / got["propdesk"]
    if args.json:
        ratios = {"propdesk": round(ratio, 3)}
        if "compiled" in got:
            ratios["compiled"] = round(got["simpy"] / got["compiled"], 3)
        print(json.dumps({"per_ticket": got, "split": split, "ratio": round(ratio, 3),
                          "ratios": ratios}))
        return
    print(f"instructions per ticket (reference scenario, days {SHORT}..{LONG}):")
    print(f"  propdesk.sim, everything      {got['propdesk'] / 1e3:8.0f} k")
    for label, value in split.items():
        print(f"    {label:<26}  {value / 1e3:8.0f} k "
              f"({100 * value / got['propdesk']:.0f} %)")
    if "compiled" in got:
        print(f"  the same, compiled with mypyc {got['compiled'] / 1e3:8.0f} k")
    print(f"  SimPy reference model         {got['simpy'] / 1e3:8.0f} k")
    print(f"  ratio (SimPy / propdesk)      {ratio:8.3f}x  (the speed target is 0.5x)")
    if "compiled" in got:
        print(f"  ratio (SimPy / compiled)      {got['simpy'] / got['compiled']:8.3f}x")


if __name__ == "__main__":
    main()

"""What the rules cost per command kind in the simulator (issue 7).

Runs the reference scenario once, keeping every ``decide`` call the
simulator makes (the ticket before, the command, the context, the events),
then times ``decide`` and ``evolve`` again over those calls, kind by kind
(best of five passes), and prints microseconds per command and per ticket.
It tells where the rules' share of a simulated ticket goes; the cost of the
whole simulator is ``bench_sim.py`` (wall clock) and ``sim_instructions.py``
(instructions).

    python bench/rules_per_kind.py              # 60 days, under a minute
    python bench/rules_per_kind.py --days 20
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from propdesk.domain.decide import decide
from propdesk.domain.fold import evolve
from propdesk.sim import engine
from propdesk.sim import run as runmod
from propdesk.sim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "examples" / "scenarios" / "reference.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=60)
    args = ap.parse_args()
    sc = load_scenario(SCENARIO)
    calls: list[tuple[Any, Any, Any, Any]] = []

    def keep(ticket: Any, cmd: Any, ctx: Any) -> Any:
        out = decide(ticket, cmd, ctx)
        calls.append((ticket, cmd, ctx, out))
        return out

    engine.decide = keep  # type: ignore[attr-defined]  # (the simulator's own name)
    try:
        runmod.run_community(sc, 1, 0, days=args.days)
    finally:
        engine.decide = decide  # type: ignore[attr-defined]
    by_kind: dict[str, list[tuple[Any, Any, Any, Any]]] = defaultdict(list)
    for call in calls:
        by_kind[call[1].name.value].append(call)
    tickets = len(by_kind["record"])
    print(f"reference scenario, {args.days} days: {tickets} tickets, {len(calls)} commands")
    print(f"{'command':<16}{'per ticket':>11}{'decide µs':>11}{'evolve µs':>11}"
          f"{'µs/ticket':>11}")
    total_d = total_e = 0.0
    gc.disable()
    try:
        for kind, group in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
            best_d = best_e = float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                for ticket, cmd, ctx, _out in group:
                    decide(ticket, cmd, ctx)
                t1 = time.perf_counter()
                for ticket, _cmd, _ctx, out in group:
                    after = ticket
                    for e in out:
                        after = evolve(after, e)
                t2 = time.perf_counter()
                best_d, best_e = min(best_d, t1 - t0), min(best_e, t2 - t1)
            total_d += best_d
            total_e += best_e
            n = len(group)
            print(f"{kind:<16}{n / tickets:>11.2f}{1e6 * best_d / n:>11.2f}"
                  f"{1e6 * best_e / n:>11.2f}{1e6 * (best_d + best_e) / tickets:>11.1f}")
    finally:
        gc.enable()
    print(f"rules per ticket: decide {1e6 * total_d / tickets:.1f} µs + evolve "
          f"{1e6 * total_e / tickets:.1f} µs = {1e6 * (total_d + total_e) / tickets:.1f} µs")


if __name__ == "__main__":
    main()

"""The cost of the shell's input pass (issue 19 / issue 16): type checks, forms
(phone, ticket id) and control characters, per command.

    python bench/bench_input_checks.py [--tickets 2000]

Runs ``propdesk.converter.check_command`` over the deterministic workload of
bench/workload.py (about 12.5 commands per ticket) and prints microseconds per
command, beside the time ``decide`` alone takes for the same commands on the
in-memory store (``Desk.apply_commands``), so the share of the pass is visible.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_storage import CONFIG, generate

from propdesk.adapters.memory import MemoryStore
from propdesk.config import load_config
from propdesk.converter import check_command
from propdesk.desk import Desk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=2000)
    args = parser.parse_args()
    commands = generate(args.tickets)
    n = len(commands)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for cmd in commands:
            check_command(cmd)
        best = min(best, time.perf_counter() - t0)
    config = load_config(CONFIG)
    t0 = time.perf_counter()
    results = Desk(config, MemoryStore()).apply_commands(enumerate(commands, 1))
    applied = time.perf_counter() - t0
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    print(f"commands: {n}")
    print(f"input pass (check_command): {best / n * 1e6:.2f} µs/command")
    print(f"apply_commands (memory store, pass included): {applied / n * 1e6:.2f} µs/command "
          f"(pass: {best / applied:.1%})")


if __name__ == "__main__":
    main()

"""Batch apply: what making ``apply`` safe to repeat costs, and what a rerun costs.

    python bench/bench_apply.py [--tickets 1500] [--repeat 3]

The deterministic workload of bench/workload.py (about 13.5 desk commands per
ticket) is applied to a fresh SQLite store through ``Desk.apply_commands``
(chunks of 1000), then applied again (every line is then "already applied").
It prints commands/s of the first run and of the rerun, measured in process
CPU time (the best of ``--repeat`` runs: this machine is shared, wall time is
not a fair measure), and the database size.  Run it with PYTHONPATH pointing
at another checkout's ``src`` to compare two versions.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_storage import CONFIG, generate

from propdesk.adapters.sqlite import SQLiteStore
from propdesk.config import load_config
from propdesk.desk import Desk


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    commands = generate(args.tickets)
    items = list(enumerate(commands, start=1))
    config = load_config(CONFIG)
    first, again, size = [], [], 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "apply.db"
            store = SQLiteStore(path)
            desk = Desk(config, store)
            t0 = time.process_time()
            results = desk.apply_commands(items, chunk=1000)
            first.append(time.process_time() - t0)
            assert all(r.ok for r in results)
            desk = Desk(config, store)
            t0 = time.process_time()
            results = desk.apply_commands(items, chunk=1000)
            again.append(time.process_time() - t0)
            rerun_ok = sum(r.ok for r in results)
            store.close()
            size = path.stat().st_size
    n = len(commands)
    print(f"{n:,} commands on {args.tickets:,} tickets, chunks of 1000 (CPU time, best of "
          f"{args.repeat})")
    print(f"first apply {n / min(first):9,.0f} cmd/s    rerun {n / min(again):9,.0f} cmd/s "
          f"({rerun_ok:,} of {n:,} lines ok)    database {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

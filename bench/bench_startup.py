"""Benchmark: start-up time of the ``propdesk`` command against bare Python.

    .venv/bin/python bench/bench_startup.py            # 40 runs of each, interleaved
    .venv/bin/python bench/bench_startup.py --runs 100

Each command is run as a fresh process (the installed ``propdesk`` console
script, next to this interpreter), interleaved with ``python -c pass`` in the
same run so both see the same machine load.  Reported: the median and the
best wall time of each, and the ratio of medians against ``python -c pass``.
The target is ``propdesk --version`` ≤ 3× ``python -c pass``; ``--help``
(click, no command module) and ``show`` without an argument (a usage error:
click plus the ``show`` module, no configuration, no database) are shown for
reference.  Exit code 1 when ``--version`` misses the target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    python = sys.executable
    script = Path(python).with_name("propdesk")
    if not script.exists():
        print(f"no console script at {script}: pip install -e . first", file=sys.stderr)
        return 2
    cases = {
        "python -c pass": [python, "-c", "pass"],
        "propdesk --version": [str(script), "--version"],
        "propdesk --help": [str(script), "--help"],
        "propdesk show": [str(script), "show"],
    }
    env = {**os.environ, "PROPDESK_DISABLE_PLUGIN_AUTOLOAD": "1"}
    times: dict[str, list[float]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory() as cwd:
        for cmd in cases.values():  # warm the file cache
            subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
        for _ in range(args.runs):
            for name, cmd in cases.items():
                start = time.perf_counter()
                subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python -c pass"])
    print(f"{'command':<22}{'median ms':>10}{'best ms':>10}{'× python':>10}")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<22}{med * 1000:>10.1f}{min(values) * 1000:>10.1f}{med / base:>10.2f}")
    ratio = statistics.median(times["propdesk --version"]) / base
    verdict = "meets" if ratio <= TARGET else "MISSES"
    print(f"propdesk --version: {ratio:.2f}× python -c pass ({verdict} the target ≤ {TARGET}×)")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

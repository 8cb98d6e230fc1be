"""Benchmark of ``propdesk watch`` (not a timed test; prints its figures).

(a) The watcher's own CPU overhead with N open tickets (default 100,000) and
    nothing due: the tickets are recorded in a SQLite store with every S-rule's
    allowance set to 30 days, ``propdesk watch`` runs as a subprocess, and once
    it has warmed up (its view and deadline index built) its process CPU time
    is measured over ``--seconds`` (default 20).  Target: < 2 % of one core.
(b) From an emergency's dispatch committed (by this process, through a Desk on
    the same file) to its fan-out line written by the ``log`` channel of the
    running watcher: median and 99th percentile over ``--emergencies`` runs.
(c) How late SLA alerts are raised: ``--probes`` tickets recorded without a
    reply, S-2 set to 10 s (the 100,000 tickets have their reply, so S-2 never
    falls due for them); from each warning's and breach's due time to its line
    in the log channel's file.  Target: at most 1 s.

Run:  .venv/bin/python bench/bench_watch.py [--tickets 100000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = [f"S-{i}" for i in range(1, 14) if i != 12]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--emergencies", type=int, default=30)
    parser.add_argument("--probes", type=int, default=10)
    args = parser.parse_args()

    from propdesk.adapters.sqlite import SQLiteStore
    from propdesk.config import load_config
    from propdesk.desk import Desk
    from propdesk.domain import commands as c

    folder = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    text = (ROOT / "examples" / "propdesk.toml").read_text("utf-8")
    text = text.replace("[sla]\n", "[sla]\n" + "".join(
        f'"{r}" = "{"10s" if r == "S-2" else "720h"}"\n' for r in RULES))
    text += '\n[[notifiers]]\nname = "duty-log"\nkind = "log"\npath = "notices.jsonl"\n'
    config_path = folder / "propdesk.toml"
    config_path.write_text(text, "utf-8")
    config = load_config(config_path)
    store = SQLiteStore(folder / "propdesk.db", synchronous="normal")
    desk = Desk(config, store)
    now = datetime.now(UTC)
    started = time.perf_counter()
    desk.apply_commands(
        ((i, c.Record(ticket=f"T{i:06d}", by="desk-wang", at=now, received_at=now,
                      source="owner_call", content="路灯不亮", mode="immediate", area="A",
                      location="2号楼门口", reply="收到"))
         for i in range(args.tickets)), chunk=5000)
    made = time.perf_counter() - started
    assert desk.due(now + timedelta(seconds=args.seconds + 600)) == [], "something is due"
    print(f"{args.tickets} open tickets recorded in {made:.1f} s; nothing due for 30 days")

    env = {**os.environ, "PROPDESK_CONFIG": str(config_path), "PROPDESK_LANG": "en"}
    err = open(folder / "watch.err", "w+")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "propdesk", "watch"], env=env,
                            stdout=subprocess.DEVNULL, stderr=err, cwd=folder)
    try:
        t0 = time.perf_counter()
        last = cpu_seconds(proc.pid)
        while True:  # warm-up: until a second passes with under 0.05 s of CPU
            time.sleep(1.0)
            cpu = cpu_seconds(proc.pid)
            if cpu - last < 0.05 and "watching:" in (folder / "watch.err").read_text():
                break
            last = cpu
        warm = time.perf_counter() - t0
        print(f"watcher warm after {warm:.1f} s ({cpu:.1f} s CPU: view and deadline index "
              f"of {args.tickets} tickets), RSS {rss_mib(proc.pid):.0f} MiB")
        c0, w0 = cpu_seconds(proc.pid), time.perf_counter()
        time.sleep(args.seconds)
        c1, w1 = cpu_seconds(proc.pid), time.perf_counter()
        share = (c1 - c0) / (w1 - w0)
        print(f"(a) idle overhead: {c1 - c0:.2f} s CPU in {w1 - w0:.1f} s = {share:.2%} of one "
              f"core (target < 2 %)")

        log = folder / "notices.jsonl"
        latencies = []
        for i in range(args.emergencies):
            tid = f"E{i:03d}"
            at = datetime.now(UTC)
            desk.handle(c.Record(ticket=tid, by="desk-wang", at=at, received_at=at,
                                 source="owner_call", content="水管爆裂", mode="emergency",
                                 area="A", location="B区车库", category="engineering"))
            desk.handle(c.Dispatch(ticket=tid, by="desk-wang", category="engineering"))
            committed = time.perf_counter()
            wanted = f"ev:{tid}:2:emergency"
            while True:
                if log.exists() and any(json.loads(line)["id"] == wanted
                                        for line in log.read_text("utf-8").splitlines()):
                    break
                time.sleep(0.002)
            latencies.append(time.perf_counter() - committed)
            time.sleep(0.05)
        print(f"(b) dispatch committed -> fan-out written by the log channel, "
              f"{len(latencies)} emergencies: median {statistics.median(latencies) * 1000:.0f} ms,"
              f" p99 {p99(latencies) * 1000:.0f} ms (tick 0.2 s; target median <= 1 s)")

        wanted = {}
        for i in range(args.probes):
            at = datetime.now(UTC)
            tid = f"S{i:03d}"
            desk.handle(c.Record(ticket=tid, by="desk-wang", at=at, received_at=at,
                                 source="owner_call", content="咨询停车", mode="immediate",
                                 area="A", location="2号楼门口"))
            for kind in ("warning", "breach"):
                wanted[f"sla:{tid}:S-2:1:{kind}"] = None
            time.sleep(0.37)  # spread the due times over the tick
        late: list[float] = []
        while wanted:
            seen = log.read_text("utf-8").splitlines() if log.exists() else []
            now_w = datetime.now(UTC)
            for line in seen:
                body = json.loads(line)
                if body["id"] in wanted:
                    del wanted[body["id"]]
                    late.append((now_w - datetime.fromisoformat(body["at"])).total_seconds())
            time.sleep(0.005)
        print(f"(c) SLA alerts raised after their due time, {len(late)} alerts: median "
              f"{statistics.median(late) * 1000:.0f} ms, max {max(late) * 1000:.0f} ms "
              f"(target <= 1 s)")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

"""Benchmark of notification delivery (issue 17; not a timed test, prints its figures).

(a) A storm after an outage: ``--tickets`` emergencies (default 5,000) are
    recorded and dispatched through a Desk while no watcher runs; each dispatch
    queues two notices (the work order and the emergency fan-out), so 10,000
    notices wait in the outbox for the one ``webhook`` channel.  Then
    ``propdesk watch`` starts as a subprocess and delivers them to a local
    webhook receiver running in its own process (it verifies every Standard
    Webhooks signature).  Figure: from the watcher's start to the last notice
    received; every notice must arrive exactly once.  Target: <= 30 s.
(b) With that watcher running and idle: from an emergency's dispatch committed
    (through a Desk on the same SQLite file) to its fan-out received by the
    webhook receiver, median and 99th percentile over ``--emergencies`` runs.
    Target: median <= 1 s.

Every SLA allowance is set to 30 days so that no SLA alert mixes into the figures.

Run:  .venv/bin/python bench/bench_notify.py [--tickets 5000] [--emergencies 30]
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = [f"S-{i}" for i in range(1, 14) if i != 12]
KEY = b"propdesk-bench-key-0123456789abc"


def serve() -> None:
    """The receiver process: prints its URL, then ``<time> <webhook-id>`` per accepted request."""
    from propdesk.testing.receivers import HttpReceiver, Request, standard_webhooks_verifier

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    out_lock = threading.Lock()

    def ok(request: Request) -> tuple[int, dict[str, str], bytes]:
        with out_lock:
            sys.stdout.write(f"{time.time():.6f} {request.headers['webhook-id']}\n")
            sys.stdout.flush()
        return 200, {}, b""

    receiver = HttpReceiver(verify=standard_webhooks_verifier(KEY), ok=ok).start()
    print(receiver.url, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    receiver.stop()
    if receiver.refused:
        print(f"REFUSED {len(receiver.refused)}", flush=True)


class Received:
    """The receiver process's lines, read by a thread: per id, count and first time."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self.stdout = proc.stdout
        self.url = self.stdout.readline().strip()
        self.counts: Counter[str] = Counter()
        self.first: dict[str, float] = {}
        self.refused = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.stdout:
            at, _, nid = line.strip().partition(" ")
            with self.lock:
                if at == "REFUSED":
                    self.refused = int(nid)
                    continue
                self.counts[nid] += 1
                self.first.setdefault(nid, float(at))

    def has(self, nid: str) -> float | None:
        with self.lock:
            return self.first.get(nid)

    def total(self) -> int:
        with self.lock:
            return len(self.counts)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5000,
                        help="emergencies in the storm (two notices each)")
    parser.add_argument("--emergencies", type=int, default=30)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return

    from propdesk.adapters.sqlite import SQLiteStore
    from propdesk.config import load_config
    from propdesk.desk import Desk
    from propdesk.domain import commands as c

    folder = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    receiver_proc = subprocess.Popen([sys.executable, __file__, "--serve"], text=True,
                                     stdout=subprocess.PIPE, cwd=ROOT)
    received = Received(receiver_proc)
    watch: subprocess.Popen[bytes] | None = None
    store = None
    try:
        text = (ROOT / "examples" / "propdesk.toml").read_text("utf-8")
        text = text.replace("[sla]\n", "[sla]\n" + "".join(f'"{r}" = "720h"\n' for r in RULES))
        text += (f'\n[[notifiers]]\nname = "ops-webhook"\nkind = "webhook"\n'
                 f'url = "{received.url}/hooks/propdesk"\nsecret_env = "BENCH_WEBHOOK_SECRET"\n')
        config_path = folder / "propdesk.toml"
        config_path.write_text(text, "utf-8")
        config = load_config(config_path)
        store = SQLiteStore(folder / "propdesk.db")
        desk = Desk(config, store)

        def emergency(tid: str, at: datetime) -> list[c.Command]:
            return [c.Record(ticket=tid, by="desk-wang", at=at, received_at=at,
                             source="owner_call", content="水管爆裂", mode="emergency", area="A",
                             location="B区车库", category="engineering"),
                    c.Dispatch(ticket=tid, by="desk-wang", at=at, category="engineering")]

        now = datetime.now(UTC)
        started = time.perf_counter()
        commands = (cmd for i in range(args.tickets) for cmd in emergency(f"T{i:05d}", now))
        desk.apply_commands(enumerate(commands), chunk=2000)
        queued = len(store.outbox_rows(states=("pending",)))
        print(f"(a) storm: {args.tickets} emergencies recorded and dispatched in "
              f"{time.perf_counter() - started:.1f} s while no watcher ran: {queued} notices "
              f"queued for the webhook")

        env = {**os.environ, "PROPDESK_CONFIG": str(config_path), "PROPDESK_LANG": "en",
               "BENCH_WEBHOOK_SECRET": "whsec_" + base64.b64encode(KEY).decode()}
        t0 = time.time()
        watch = subprocess.Popen([sys.executable, "-m", "propdesk", "watch"], env=env,
                                 stdout=subprocess.DEVNULL,
                                 stderr=open(folder / "watch.err", "w"),  # noqa: SIM115
                                 cwd=folder)
        deadline = time.monotonic() + 600
        while received.total() < queued and time.monotonic() < deadline \
                and watch.poll() is None:
            time.sleep(0.05)
        with received.lock:
            last = max(received.first.values(), default=t0)
            twice = sum(1 for n in received.counts.values() if n > 1)
            got = len(received.counts)
        print(f"    watcher start -> all received: {got} of {queued} notices in "
              f"{last - t0:.1f} s ({got / max(last - t0, 1e-9):.0f} a second), "
              f"{twice} received twice (target <= 30 s, none twice)")

        latencies = []
        for i in range(args.emergencies):
            tid = f"E{i:03d}"
            for cmd in emergency(tid, datetime.now(UTC)):
                desk.handle(cmd)
            committed = time.time()
            wanted = f"ev:{tid}:2:emergency"
            end = time.monotonic() + 60
            while (at := received.has(wanted)) is None and time.monotonic() < end:
                time.sleep(0.002)
            if at is None:
                raise SystemExit(f"{wanted} never arrived")
            latencies.append(at - committed)
            time.sleep(0.05)
        print(f"(b) dispatch committed -> fan-out received by the webhook, {len(latencies)} "
              f"emergencies: median {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99 {p99(latencies) * 1000:.0f} ms (watch tick 0.2 s; target median <= 1 s)")
    finally:
        if watch is not None:
            watch.terminate()
            watch.wait(timeout=60)
        receiver_proc.terminate()
        receiver_proc.wait(timeout=30)
        received.thread.join(5)
        if received.refused:
            print(f"the receiver refused {received.refused} requests (bad signature)")
        if store is not None:
            store.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

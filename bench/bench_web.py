"""Benchmark of the web desk (issue 18): figures printed, no targets asserted.

    .venv/bin/python bench/bench_web.py                      # the issue's sizes
    .venv/bin/python bench/bench_web.py --seconds 5          # a shorter load run

Three figures, on a real SQLite store in a temporary folder (the example
community of ``examples/propdesk.toml``):

(a) **the board with 2,000 open tickets rendered server-side**: ``GET /board``
    through the whole application in-process (routing, session, the Desk's
    view, the SLA countdowns of every ticket, the template), median and p95
    of 30 renders after 3 warm-ups; target ≤ 100 ms median.
(b) **20 concurrent clients on loopback for 30 s** against ``propdesk serve``
    (uvicorn, one process) over a store of 200 open tickets, each signed in and
    asking in turn for the board's rows, a ticket page and the board page:
    requests per second and the 99th-percentile latency.
(c) **SSE fan-out**: 50 signed-in clients hold ``/events`` open; this process
    (not the server) commits a command through its own Desk on the same SQLite
    file; the time from the commit's return until all 50 have received the
    ``change`` event (median and worst of 5 rounds); target ≤ 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password"


def make_site(folder: Path, tickets: int) -> None:
    """``propdesk.toml`` and a store with ``tickets`` open tickets (half dispatched)."""
    from propdesk_web.auth import hash_password

    from propdesk.adapters.sqlite import SQLiteStore
    from propdesk.config import load_config
    from propdesk.desk import Desk
    from propdesk.domain import commands as c

    shutil.copy(ROOT / "examples" / "propdesk.toml", folder / "propdesk.toml")
    config = load_config(folder / "propdesk.toml")
    store = SQLiteStore(folder / "propdesk.db", synchronous="normal")
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(hours=3)
    items: list[tuple[int, Any]] = []
    cats = ["engineering", "cleaning", "complaint", "security"]
    to = {"engineering": "eng-zhao", "cleaning": "env-wu", "complaint": "svc-he",
          "security": "sec-sun"}
    for i in range(tickets):
        at = start + timedelta(seconds=i * 5 % 10_000)
        tid = f"B{i:05d}"
        cat = cats[i % 4]
        items.append((len(items), c.Record(
            ticket=tid, by="desk-wang", at=at, received_at=at, source="owner_call",
            content=f"测试工单 {i}", mode="emergency" if i % 50 == 0 else "immediate",
            location=f"{i % 9 + 1}-1-{i % 30 + 100}", contact="李女士",
            phone="13800138000", category=cat)))
        if i % 2:
            items.append((len(items), c.Dispatch(ticket=tid, by="desk-wang",
                                                 at=at + timedelta(seconds=40), to=to[cat])))
    desk = Desk(config, store)
    refused = [r for r in desk.apply_commands(items) if not r.ok]
    assert not refused, refused[:3]
    for person in ("desk-wang", "mgr-gao"):
        store.set_credential(person, hash_password(PASSWORD), now)
    store.close()


def csrf_of(text: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', text)
    assert m
    return m.group(1)


def board_render(folder: Path, rounds: int) -> tuple[float, float]:
    from propdesk_web.app import create_app

    from propdesk.adapters.clock import SystemClock
    from propdesk.cli.state import load_checked, open_configured_store

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    config = load_checked(folder / "propdesk.toml")
    store = open_configured_store(config, create=False)
    app = create_app(config, store, clock=SystemClock(), secret="b" * 40)
    times = []
    with TestClient(app, base_url="http://127.0.0.1") as client:
        page = client.get("/login")
        client.post("/login", data={"person": "desk-wang", "password": PASSWORD,
                                    "csrf": csrf_of(page.text)})
        for i in range(rounds + 3):
            t0 = time.perf_counter()
            resp = client.get("/board")
            elapsed = time.perf_counter() - t0
            assert resp.status_code == 200 and "B00001" in resp.text
            if i >= 3:
                times.append(elapsed)
    store.close()
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95) - 1] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "PROPDESK_CONFIG": str(folder / "propdesk.toml"),
           "PROPDESK_WEB_SECRET": "b" * 48}
    proc = subprocess.Popen([sys.executable, "-m", "propdesk", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("propdesk serve did not start")


async def signed_in(base: str) -> Any:
    import httpx

    client = httpx.AsyncClient(base_url=base, timeout=30)
    page = await client.get("/login")
    resp = await client.post("/login", data={"person": "desk-wang", "password": PASSWORD,
                                             "csrf": csrf_of(page.text)})
    assert resp.status_code in (200, 303), resp.status_code
    return client


async def load(base: str, clients: int, seconds: float) -> tuple[float, float, int]:
    sessions = [await signed_in(base) for _ in range(clients)]
    paths = ["/board/rows", "/t/B00001", "/board"]
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker(client: Any, k: int) -> None:
        import httpx

        nonlocal errors
        i = k
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                resp = await client.get(paths[i % len(paths)])
                errors += resp.status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - t0)
            i += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(c, k) for k, c in enumerate(sessions)))
    wall = time.perf_counter() - t0
    for c in sessions:
        await c.aclose()
    latencies.sort()
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000
    return len(latencies) / wall, p99, errors


async def listen(client: Any, got: list[float], hello: list[int], ready: asyncio.Event,
                 boards: int) -> None:
    """Hold ``/events`` open until the first ``change`` arrives; note when."""
    async with client.stream("GET", "/events") as resp:
        async for line in resp.aiter_lines():
            if line.startswith("event: hello"):
                hello.append(1)
                if len(hello) == boards:
                    ready.set()
            elif line.startswith("event: change"):
                got.append(time.perf_counter())
                return


async def fan_out(base: str, folder: Path, boards: int, rounds: int) -> list[float]:
    sessions = [await signed_in(base) for _ in range(boards)]
    results = []
    from propdesk.adapters.sqlite import SQLiteStore
    from propdesk.config import load_config
    from propdesk.desk import Desk
    from propdesk.domain import commands as c

    # the commit is made here, in another process than the server (as the CLI would)
    store = SQLiteStore(folder / "propdesk.db")
    desk = Desk(load_config(folder / "propdesk.toml"), store)
    for r in range(rounds):
        got: list[float] = []
        hello: list[int] = []
        ready = asyncio.Event()
        tasks = [asyncio.create_task(listen(c, got, hello, ready, boards)) for c in sessions]
        await asyncio.wait_for(ready.wait(), 30)
        await asyncio.sleep(0.3)
        desk.handle(c.FollowUp(ticket="B00001", by="desk-wang", note=f"bench {r}"))
        committed = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        results.append(max(got) - committed)
    for client in sessions:
        await client.aclose()
    store.close()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tickets", type=int, default=2000)
    ap.add_argument("--load-tickets", type=int, default=200)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--boards", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        big.mkdir()
        small.mkdir()
        make_site(big, args.tickets)
        make_site(small, args.load_tickets)
        median, p95 = board_render(big, 30)
        print(f"(a) board with {args.tickets} open tickets, server-side: "
              f"median {median:.1f} ms, p95 {p95:.1f} ms (target <= 100 ms median)")
        proc, base = start_server(small)
        try:
            rps, p99, errors = asyncio.run(load(base, args.clients, args.seconds))
            print(f"(b) {args.clients} clients, {args.seconds:.0f} s, {args.load_tickets} open "
                  f"tickets: {rps:.0f} requests/s, p99 {p99:.0f} ms, {errors} errors")
            fan = asyncio.run(fan_out(base, small, args.boards, 5))
            print(f"(c) SSE fan-out to {args.boards} boards after a commit elsewhere: median "
                  f"{statistics.median(fan) * 1000:.0f} ms, worst "
                  f"{max(fan) * 1000:.0f} ms of 5 (target <= 1 s)")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()

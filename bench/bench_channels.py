"""Benchmark: the notifier plugins' own cost, against local receivers (issue 17).

    .venv/bin/python bench/bench_channels.py               # 10,000 webhook notices
    .venv/bin/python bench/bench_channels.py --notices 2000

(a) **webhook storm**: ``--notices`` messages handed to one webhook channel
    in batches of ``--batch`` (as an outbox drain would), ``--concurrency``
    in flight at once, each signed and POSTed over kept-alive connections to
    a local receiver that verifies the
    Standard Webhooks signature; prints notices/s, the wall time and the
    median and 99th percentile of one notice's send (signing + POST + answer).
(b) **robot digest planning**: the time to plan one send of ``--notices``
    messages for a WeCom robot whose bucket is full (19 single messages and
    one digest; the rest wait), without a network.

The receiver runs in a process of its own; on 2 cores the figures include
its cost all the same (it shares the machine).  Nothing here is asserted: the tests check behaviour.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import statistics
import time
from multiprocessing import Event, Process, Queue
from multiprocessing.synchronize import Event as EventType

from propdesk_webhook.plugin import WebhookChannel
from propdesk_wecom.plugin import WeComChannel

from propdesk.testing.receivers import HttpReceiver, Request, sample_message

KEY = b"bench-key-0123456789abcdef012345"
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def verify(request: Request) -> str | None:
    wid, ts = request.headers["webhook-id"], request.headers["webhook-timestamp"]
    mac = hmac.new(KEY, f"{wid}.{ts}.".encode() + request.body, hashlib.sha256).digest()
    ok = "v1," + base64.b64encode(mac).decode() == request.headers["webhook-signature"]
    return None if ok else "bad signature"


def serve(urls: Queue[str], stop: EventType,
          counts: Queue[tuple[int, int, int, float]]) -> None:
    """The receiver, in its own process (as a real one would be); reports its CPU time."""
    with HttpReceiver(verify=verify) as receiver:
        cpu = time.process_time()
        urls.put(receiver.url)
        stop.wait()
        cpu = time.process_time() - cpu
        ids = {r.headers["webhook-id"] for r in receiver.accepted}
        counts.put((len(receiver.accepted), len(ids), len(receiver.refused), cpu))


def storm(notices: int, batch: int, concurrency: int) -> None:
    messages = [sample_message(i, ticket=f"T{i}") for i in range(notices)]
    urls: Queue[str] = Queue()
    counts: Queue[tuple[int, int, int, float]] = Queue()
    stop = Event()
    child = Process(target=serve, args=(urls, stop, counts), daemon=True)
    child.start()
    url = urls.get(timeout=30) + "/hook"
    channel = WebhookChannel("bench", url, SECRET, concurrency=concurrency)
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, notices, batch):
        chunk = messages[i:i + batch]
        results = channel.send(chunk)
        assert results == [None] * len(chunk), results
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    singles = []
    for m in messages[:500]:
        t0 = time.perf_counter()
        channel.send([m])
        singles.append(time.perf_counter() - t0)
    channel.close()
    stop.set()
    got, distinct, refused, receiver_cpu = counts.get(timeout=30)
    child.join(10)
    assert got == notices + 500 and distinct == notices and refused == 0
    singles.sort()
    print(f"(a) webhook storm: {notices} notices in {wall:.2f} s = {notices / wall:,.0f}/s, "
          f"all verified, none twice (batches of {batch}, {concurrency} in flight); "
          f"the sender's CPU "
          f"{cpu:.2f} s = {cpu / notices * 1000:.2f} ms a notice")
    print(f"    the receiver's CPU (verifying, recording): {receiver_cpu:.2f} s = "
          f"{receiver_cpu / (notices + 500) * 1000:.2f} ms a request")
    print(f"    one notice alone: median {statistics.median(singles) * 1000:.2f} ms, "
          f"p99 {singles[int(len(singles) * 0.99) - 1] * 1000:.2f} ms (500 sends)")


def planning(notices: int) -> None:
    messages = [sample_message(i, ticket=f"T{i}") for i in range(notices)]
    channel = WeComChannel("bench", "k", url="http://127.0.0.1:9/")
    t0 = time.perf_counter()
    batches, left = channel.plan(messages)
    took = time.perf_counter() - t0
    channel.close()
    carried = sum(len(b.indices) for b in batches)
    print(f"(b) robot plan for {notices} messages: {len(batches)} requests carrying {carried}, "
          f"{len(left)} wait; {took * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    print("load average before: {:.1f} {:.1f} {:.1f} (2 cores)".format(*os.getloadavg()))
    storm(args.notices, args.batch, args.concurrency)
    planning(args.notices)


if __name__ == "__main__":
    main()

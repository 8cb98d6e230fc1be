"""Worker processes of the storage reliability tests (run as a script).

Usage: ``python workers.py JOB SPEC_JSON WORKER_NO [ARGS…]``; the last line
of stdout is a JSON result.  Jobs:

``hammer N TICKETS``   N commands on TICKETS shared tickets: load the version,
                       append one event with a unique command id, retry on
                       conflict.
``race ROUNDS``        for each round r append to ticket ``R-r`` at version 0;
                       report wins and conflicts.
``repeat N``           apply the same N command ids as every other worker:
                       skip when already applied, retry on conflict.
``crash``              append 2-event commands and batches forever, printing
                       each acknowledged command id (killed by the test).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from storehelp import Spec, open_spec

from propdesk.domain.events import Event
from propdesk.ports import ConcurrencyConflict, DuplicateCommand

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def event(ticket: str, version: int, by: str, n: int) -> Event:
    return Event(
        ticket,
        version,
        "note",
        T0 + timedelta(seconds=n),
        by,
        {"text": f"第{n}条 ✓", "fee": "12.30"},
    )


def hammer(spec: Spec, worker: int, count: int, tickets: int) -> dict[str, int]:
    store = open_spec(spec)
    conflicts = 0
    for i in range(count):
        ticket = f"T-{(worker * 7 + i) % tickets:02d}"
        while True:
            version = store.version(ticket)
            try:
                store.append(
                    ticket,
                    version,
                    [event(ticket, version + 1, f"w{worker}", i)],
                    command_id=f"w{worker}-{i}",
                    digest=f"d{worker}-{i}",
                )
                break
            except ConcurrencyConflict:
                conflicts += 1
    store.close()
    return {"done": count, "conflicts": conflicts}


def race(spec: Spec, worker: int, rounds: int) -> dict[str, object]:
    store = open_spec(spec)
    won: list[int] = []
    lost = 0
    for r in range(rounds):
        ticket = f"R-{r:04d}"
        try:
            store.append(ticket, 0, [event(ticket, 1, f"op{worker}", r)])
            won.append(r)
        except ConcurrencyConflict as exc:
            assert (exc.expected, exc.actual) == (0, 1), exc
            lost += 1
    store.close()
    return {"won": won, "lost": lost}


def repeat(spec: Spec, worker: int, count: int) -> dict[str, int]:
    store = open_spec(spec)
    applied = duplicates = 0
    for i in range(count):
        command_id = f"same-{i}"
        ticket = f"T-{i % 5}"
        while True:
            if store.find_command(command_id) is not None:
                duplicates += 1
                break
            version = store.version(ticket)
            try:
                store.append(
                    ticket,
                    version,
                    [event(ticket, version + 1, "desk", i)],
                    command_id=command_id,
                    digest="same",
                )
                applied += 1
                break
            except DuplicateCommand:
                duplicates += 1
                break
            except ConcurrencyConflict:
                continue
    store.close()
    return {"applied": applied, "duplicates": duplicates}


def crash(spec: Spec, worker: int) -> None:
    store = open_spec(spec)
    n = 0
    while True:
        n += 1
        ticket = f"K-{n % 13}"
        if n % 5:
            version = store.version(ticket)
            command_id = f"p{worker}-{n}"
            store.append(
                ticket,
                version,
                [event(ticket, version + 1, "k", n), event(ticket, version + 2, "k", n)],
                command_id=command_id,
                digest="d",
            )
            print(command_id, flush=True)
        else:  # a bigger transaction: 25 two-event commands at once
            batch = []
            versions: dict[str, int] = {}
            ids = []
            for j in range(25):
                t = f"B-{j % 7}"
                v = versions.get(t, store.version(t))
                cid = f"b{worker}-{n}-{j}"
                batch.append((t, v, [event(t, v + 1, "k", n), event(t, v + 2, "k", n)], cid, "d"))
                versions[t] = v + 2
                ids.append(cid)
            store.append_many(batch)
            print(" ".join(ids), flush=True)


def main() -> None:
    job, raw, worker, *args = sys.argv[1:]
    spec = Spec(**json.loads(raw))
    if args and args[-1].startswith("@"):  # start together: "@<unix time>"
        delay = float(args.pop()[1:]) - time.time()
        if delay > 0:
            time.sleep(delay)
    if job == "hammer":
        result: object = hammer(spec, int(worker), int(args[0]), int(args[1]))
    elif job == "race":
        result = race(spec, int(worker), int(args[0]))
    elif job == "repeat":
        result = repeat(spec, int(worker), int(args[0]))
    elif job == "crash":
        crash(spec, int(worker))
        return
    else:
        raise SystemExit(f"unknown job {job}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

"""Helpers of the storage tests: store specs per backend (SQLite, PostgreSQL).

A :class:`Spec` is plain data, so worker processes (``workers.py``, started
with ``subprocess``) can open their own handle on the same store.  PostgreSQL
specs use a throw-away schema; without ``PROPDESK_TEST_PG_DSN`` those tests
skip with a hint (and fail when ``CI=true``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs

from propdesk.ports import EventStore

WORKERS = Path(__file__).with_name("workers.py")


@attrs.frozen
class Spec:
    """Where a test store lives: ``backend`` plus its path or DSN and schema."""

    backend: str
    path: str = ""
    dsn: str = ""
    schema: str = ""

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self))

    def open(self) -> EventStore:
        return open_spec(self)


def open_spec(spec: Spec) -> EventStore:
    if spec.backend == "sqlite":
        from propdesk.adapters.sqlite import SQLiteStore

        # The workers are many processes on two cores: a writer may wait its turn for
        # the lock far longer than on an idle machine.  The properties tested here
        # are about what is written, not how fast, so the wait allowed is long.
        return SQLiteStore(spec.path, busy_timeout=120_000)
    from propdesk_postgres import PostgresStore

    return PostgresStore(spec.dsn, schema=spec.schema, pool_size=2)


def run_workers(spec: Spec, job: str, count: int, *args: Any, timeout: float = 120) -> list[Any]:
    """Run ``count`` worker processes of ``job`` at once; their JSON results, in order."""
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKERS), job, spec.to_json(), str(n), *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, f"worker failed ({proc.returncode}):\n{err}"
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results

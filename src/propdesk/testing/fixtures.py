"""propdesk's pytest plugin: store fixtures for propdesk's tests and integrators.

Activated by the ``pytest11`` entry point when propdesk is installed.  It
imports nothing heavy at import time (no Hypothesis, no database driver), so
it costs nothing in unrelated test runs.

Fixtures:

``memory_store``
    A fresh :class:`~propdesk.adapters.memory.MemoryStore`.
``sqlite_store``
    A fresh SQLite store in ``tmp_path``, closed afterwards.
``sqlite_store_factory``
    ``factory(name="main")``: SQLite stores in ``tmp_path``, one file per name.
``propdesk_pg_dsn``
    The libpq connection string of a PostgreSQL server for tests, from
    ``PROPDESK_TEST_PG_DSN``.  Without it the test is skipped with a message
    saying how to set it — except when ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from propdesk.adapters.memory import MemoryStore
    from propdesk.adapters.sqlite import SQLiteStore

PG_DSN_ENV = "PROPDESK_TEST_PG_DSN"
PG_HINT = (
    f"no PostgreSQL server for tests: set {PG_DSN_ENV} to a libpq connection string,"
    f" e.g. {PG_DSN_ENV}='host=127.0.0.1 port=5432 user=postgres dbname=test'"
    " (each test works in its own schema, created and dropped)"
)


def in_ci() -> bool:
    """True when ``CI`` is ``true`` (then missing services fail instead of skipping)."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require_pg_dsn() -> str:
    """The test server's DSN; skips (or fails in CI) when it is not configured."""
    dsn = os.environ.get(PG_DSN_ENV, "").strip()
    if not dsn:
        if in_ci():
            pytest.fail(f"CI=true but {PG_HINT}", pytrace=False)
        pytest.skip(PG_HINT)
    return dsn


@pytest.fixture
def memory_store() -> MemoryStore:
    from propdesk.adapters.memory import MemoryStore

    return MemoryStore()


@pytest.fixture
def sqlite_store_factory(tmp_path: Path) -> Iterator[Callable[..., SQLiteStore]]:
    from propdesk.adapters.sqlite import SQLiteStore

    opened: list[SQLiteStore] = []

    def factory(name: str = "main") -> SQLiteStore:
        store = SQLiteStore(tmp_path / f"{name}.db")
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def sqlite_store(sqlite_store_factory: Callable[..., SQLiteStore]) -> SQLiteStore:
    return sqlite_store_factory()


@pytest.fixture(scope="session")
def propdesk_pg_dsn() -> str:
    return require_pg_dsn()

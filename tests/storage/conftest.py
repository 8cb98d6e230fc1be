"""Fixtures of the storage tests: a fresh store of each backend (see ``storehelp``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.storage.storehelp import Spec

from propdesk.ports import EventStore
from propdesk.testing.fixtures import in_ci, require_pg_dsn


def _postgres_spec() -> Iterator[Spec]:
    dsn = require_pg_dsn()
    try:
        import psycopg
        from propdesk_postgres.testing import check_server
    except ImportError:
        message = "propdesk-postgres is not installed: pip install -e plugins/propdesk-postgres"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        check_server(dsn)
    except RuntimeError as exc:
        if in_ci():
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    schema = f"propdesk_test_{secrets.token_hex(6)}"
    yield Spec("postgres", dsn=dsn, schema=schema)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Spec]:
    """A fresh, empty store of each backend."""
    if request.param == "sqlite":
        yield Spec("sqlite", path=str(tmp_path / "desk.db"))
    else:
        yield from _postgres_spec()


@pytest.fixture
def pg_spec() -> Iterator[Spec]:
    """A fresh PostgreSQL store (skips without a server, fails in CI)."""
    yield from _postgres_spec()


@pytest.fixture
def sqlite_spec(tmp_path: Path) -> Spec:
    return Spec("sqlite", path=str(tmp_path / "desk.db"))


@pytest.fixture
def store_of(request: pytest.FixtureRequest) -> Iterator[Any]:
    """``store_of(spec)`` opens a handle, closed after the test."""
    opened: list[EventStore] = []

    def open_(spec: Spec) -> EventStore:
        store = spec.open()
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()

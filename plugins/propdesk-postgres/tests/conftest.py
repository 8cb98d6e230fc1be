"""Fixtures of the PostgreSQL plugin's tests (server from PROPDESK_TEST_PG_DSN)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from propdesk_postgres.testing import SchemaFactory, check_server, schema_factory

from propdesk.testing.fixtures import in_ci


@pytest.fixture(scope="session")
def pg_dsn(propdesk_pg_dsn: str) -> str:
    try:
        check_server(propdesk_pg_dsn)
    except RuntimeError as exc:
        if in_ci():
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    return propdesk_pg_dsn


@pytest.fixture
def pg_schemas(pg_dsn: str) -> Iterator[SchemaFactory]:
    with schema_factory(pg_dsn) as factory:
        yield factory

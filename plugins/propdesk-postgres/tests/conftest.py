"""Fixtures of the PostgreSQL plugin's tests (server from PROPDESK_TEST_PG_DSN).

Without the plugin installed (plain ``pip install -e '.[dev]'``), each test
module skips itself with :data:`NOT_INSTALLED` (``pytest.importorskip``) and
this file imports nothing of the plugin, so collection never fails; with
``CI=true`` a missing plugin is an error instead, as missing services are.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from propdesk.testing.fixtures import in_ci

if TYPE_CHECKING:
    from propdesk_postgres.testing import SchemaFactory

NOT_INSTALLED = ("propdesk-postgres is not installed: "
                 "pip install -e plugins/propdesk-postgres")

if in_ci() and importlib.util.find_spec("propdesk_postgres") is None:
    raise ImportError(f"CI=true but {NOT_INSTALLED}")


@pytest.fixture(scope="session")
def pg_dsn(propdesk_pg_dsn: str) -> str:
    from propdesk_postgres.testing import check_server

    try:
        check_server(propdesk_pg_dsn)
    except RuntimeError as exc:
        if in_ci():
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    return propdesk_pg_dsn


@pytest.fixture
def pg_schemas(pg_dsn: str) -> Iterator[SchemaFactory]:
    from propdesk_postgres.testing import schema_factory

    with schema_factory(pg_dsn) as factory:
        yield factory

"""Test helpers: throw-away schemas on a PostgreSQL test server.

Each test gets its own schema (``propdesk_test_<random>``), created on first
use and dropped afterwards, so runs can repeat and run side by side.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from propdesk_postgres.store import PostgresStore


class SchemaFactory:
    """Opens :class:`PostgresStore` handles on named throw-away schemas."""

    def __init__(self, dsn: str, prefix: str | None = None) -> None:
        self.dsn = dsn
        self.prefix = prefix or f"propdesk_test_{secrets.token_hex(4)}"
        self.schemas: list[str] = []
        self.opened: list[PostgresStore] = []

    def schema(self, name: str = "main") -> str:
        schema = f"{self.prefix}_{name.replace('-', '_')}"
        if schema not in self.schemas:
            self.schemas.append(schema)
        return schema

    def __call__(self, name: str = "main", **kwargs: object) -> PostgresStore:
        store = PostgresStore(self.dsn, schema=self.schema(name), pool_size=2, **kwargs)  # type: ignore[arg-type]
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            for schema in self.schemas:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                )


@contextmanager
def schema_factory(dsn: str) -> Iterator[SchemaFactory]:
    """A :class:`SchemaFactory` whose schemas are dropped at the end."""
    factory = SchemaFactory(dsn)
    try:
        yield factory
    finally:
        factory.close()


def check_server(dsn: str) -> None:
    """Raise a clear error when the test server cannot be reached."""
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        raise RuntimeError(f"PostgreSQL test server unreachable ({dsn}): {exc}") from exc

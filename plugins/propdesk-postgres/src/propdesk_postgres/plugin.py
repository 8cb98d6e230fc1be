"""The pluggy plugin module (entry point ``postgres`` in the ``propdesk`` group)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from propdesk.hookspecs import StoreBackend, hookimpl
from propdesk.ports import EventStore

CONFIG_KEYS = ("dsn", "schema", "pool_size", "connect_timeout", "lock_timeout")
"""The ``[storage]`` keys of the postgres backend."""


def _open(table: Mapping[str, Any], base_dir: Path) -> EventStore:
    # Imported when chosen, so listing backends never loads psycopg.
    from propdesk_postgres.store import open_postgres

    return open_postgres(table, base_dir)


@hookimpl
def propdesk_store_backends() -> list[StoreBackend]:
    """Offer the ``postgres`` backend."""
    return [
        StoreBackend(
            name="postgres",
            open=_open,
            description="PostgreSQL through psycopg 3 and a connection pool",
            keys=CONFIG_KEYS,
        )
    ]

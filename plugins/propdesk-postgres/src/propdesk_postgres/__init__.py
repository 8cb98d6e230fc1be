"""PostgreSQL event store for propdesk.

Install it next to propdesk and choose it in ``propdesk.toml``::

    [storage]
    backend = "postgres"
    dsn = "host=db.example port=5432 user=desk dbname=propdesk"

The password never goes into the configuration file: libpq takes it from
``PGPASSWORD`` or a pgpass file.  See the README for every key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from propdesk_postgres.store import PostgresStore, open_postgres

__all__ = ["PostgresStore", "open_postgres"]


def __getattr__(name: str) -> Any:
    # psycopg is imported on first use, not when the plugin is loaded (``propdesk
    # --help`` loads every plugin to list their commands)
    if name in __all__:
        from propdesk_postgres import store

        return getattr(store, name)
    raise AttributeError(name)

"""PostgreSQL event store for propdesk.

Install it next to propdesk and choose it in ``propdesk.toml``::

    [storage]
    backend = "postgres"
    dsn = "host=db.example port=5432 user=desk dbname=propdesk"

The password never goes into the configuration file: libpq takes it from
``PGPASSWORD`` or a pgpass file.  See the README for every key.
"""

from __future__ import annotations

from propdesk_postgres.store import PostgresStore, open_postgres

__all__ = ["PostgresStore", "open_postgres"]

"""The PostgreSQL search index (issue 19, point 7): built for a log written
before it existed."""

from __future__ import annotations

import pytest
from propdesk_postgres.testing import SchemaFactory

from propdesk.testing.search_contract import A1, B1, amended, recorded

pytestmark = pytest.mark.postgres


def test_an_older_schema_gets_its_index_when_opened(pg_schemas: SchemaFactory) -> None:
    store = pg_schemas("old")
    store.append("A1", 0, [recorded("A1", **A1)])
    store.append("B1", 0, [recorded("B1", **B1)])
    store.append("A1", 1, [amended("A1", 2, "location", "5-1-1202", "5-2-0808")])
    with store._pool.connection() as conn:
        conn.execute("DROP TABLE search")
        conn.execute("DELETE FROM schema_migrations WHERE version = 2")
    reopened = pg_schemas("old")
    assert reopened.schema_version() >= 2
    assert reopened.search("5-2-0808") == ["A1"]
    assert reopened.search("1202") == ["B1"]
    assert reopened.search("李女士") == ["A1"]

"""The PostgreSQL search index (issue 19, point 7): built for a log written
before it existed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

pytest.importorskip("propdesk_postgres.testing", reason="propdesk-postgres is not installed: "
                    "pip install -e plugins/propdesk-postgres")

from propdesk.testing.search_contract import A1, B1, amended, recorded

if TYPE_CHECKING:
    from propdesk_postgres.testing import SchemaFactory

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


def test_the_trigram_index_answers_as_the_scan(pg_schemas: SchemaFactory) -> None:
    import psycopg

    from propdesk.adapters.memory import MemoryStore

    try:
        with psycopg.connect(pg_schemas.dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except psycopg.Error as exc:  # not the database owner: the scan is all there is
        pytest.skip(f"pg_trgm cannot be installed here: {exc}")
    store, reference = pg_schemas("trgm"), MemoryStore()
    assert store._trigram
    odd = {"location": "5-1-1202", "contact": "Mr_%\\ 王", "content": "100% 漏水_急 ＬＥＡＫ"}
    for target in (store, reference):
        target.append("A1", 0, [recorded("A1", **A1)])
        target.append("B1", 0, [recorded("B1", **B1)])
        target.append("C1", 0, [recorded("C1", **odd)])
    with store._pool.connection() as conn:
        plan = " ".join(str(r[0]) for r in conn.execute(
            "EXPLAIN SELECT ticket FROM search WHERE text LIKE '%水管漏%'").fetchall())
    assert "search_text_trgm" in plan or "Seq Scan" in plan  # (tiny table: either)
    queries = ["水管漏", "5-1-1202", "1202", "8000", "13800138000", "100%", "漏水_急",
               "_%\\", "mr_%", "%", "leak", "李女士 kitchen", "王", "没有这回事"]
    with_index = [store.search(q, limit=None) for q in queries]
    store._trigram = False
    assert with_index == [store.search(q, limit=None) for q in queries]
    assert with_index == [reference.search(q, limit=None) for q in queries]

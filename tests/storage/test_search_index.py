"""The SQLite search index (issue 19, point 7): built for a log written before
it existed, and used for the search rather than the event log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from propdesk.adapters.sqlite import SQLiteStore
from propdesk.testing.search_contract import A1, B1, amended, recorded


def _old_database(path: Path) -> None:
    """A database as schema version 1 left it: events, no search index."""
    store = SQLiteStore(path)
    store.append("A1", 0, [recorded("A1", **A1)])
    store.append("B1", 0, [recorded("B1", **B1)])
    store.append("A1", 1, [amended("A1", 2, "location", "5-1-1202", "5-2-0808")])
    store.close()
    con = sqlite3.connect(path)
    for name in ("search_fts_insert", "search_fts_delete", "search_fts_update"):
        con.execute(f"DROP TRIGGER {name}")
    con.execute("DROP TABLE search_fts")
    con.execute("DROP TABLE search")
    con.execute("DELETE FROM schema_migrations WHERE version = 2")
    con.commit()
    con.close()


def test_an_older_database_gets_its_index_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_database(path)
    with SQLiteStore(path) as store:
        assert store.schema_version() >= 2
        assert store.search("5-2-0808") == ["A1"]
        assert store.search("5-1-1202") == []
        assert store.search("1202") == ["B1"]
        assert store.search("李女士") == ["A1"]
        assert store.integrity_check() == "ok"


def test_search_reads_the_index_not_the_log(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    with SQLiteStore(path) as store:
        store.append("A1", 0, [recorded("A1", **A1)])
        plans = " ".join(str(row) for row in store._conn.execute(
            "EXPLAIN QUERY PLAN SELECT ticket FROM search WHERE (seq IN (SELECT rowid FROM"
            " search_fts WHERE search_fts MATCH '\"水管漏\"')) ORDER BY seq DESC LIMIT 50"
        ).fetchall())
        assert "search_fts VIRTUAL TABLE INDEX" in plans and "events" not in plans
        assert store.search("水管漏") == ["A1"]

"""The SQLite search index (issue 19, point 7): built for a log written before
it existed, and used for the search rather than the event log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

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


def test_search_reads_the_indexes_not_the_log(tmp_path: Path) -> None:
    from propdesk.search import parse_query

    with SQLiteStore(tmp_path / "d.db") as store:
        store.append("A1", 0, [recorded("A1", **A1)])

        def plan(query: str) -> str:
            text, params = store.search_sql(parse_query(query), 50)
            rows = store._conn.execute("EXPLAIN QUERY PLAN " + text, params).fetchall()
            return " | ".join(str(r[-1]) for r in rows)

        for query in ("水管漏", "13800138000", "5-1-1202 李女士"):
            found = plan(query)
            assert "VIRTUAL TABLE INDEX" in found and "events" not in found, found
            assert "SCAN search" not in found.replace("SCAN search_fts", ""), found
        assert store.search("13800138000") == ["A1"]
        # one or two characters: a trigram index cannot help; the search table
        # (never the event log) is read newest first
        assert "events" not in plan("李")


def test_without_the_trigram_tokenizer_the_table_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SQLite older than 3.34 has no trigram tokenizer: the migration leaves
    the full-text index out and the search reads the search table instead."""
    import propdesk.adapters.sqlite as sqlite_module
    from propdesk.adapters.memory import MemoryStore

    monkeypatch.setattr(sqlite_module, "_has_trigram", lambda _conn: False)
    reference = MemoryStore()
    with SQLiteStore(tmp_path / "old-sqlite.db") as store:
        assert not store._fts
        names = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master")}
        assert "search" in names and "search_fts" not in names
        for target in (store, reference):
            target.append("A1", 0, [recorded("A1", **A1)])
            target.append("B1", 0, [recorded("B1", **B1)])
            target.append("A1", 1, [amended("A1", 2, "contact", "李女士", "张先生")])
        for query in ("1202", "张先生", "李女士", "水管漏水", "13800138000", "8000", "灯 王"):
            assert store.search(query) == reference.search(query), query

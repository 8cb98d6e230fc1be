"""The SQLite store's search index (issue 19): its SQL, kept beside the store.

One short row per ticket in ``search`` (location, contact, phone, content and
their folded text), and an FTS5 trigram index over it when this SQLite has one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from propdesk.adapters import decode_event
from propdesk.search import SearchEntry, Term, entries_after

SEARCH_MIGRATION = 2
SEARCH_COLUMNS = "seq, ticket, location, contact, phone, content, digits, last4, text"
SEARCH_UPSERT = (
    f"INSERT INTO search ({SEARCH_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (ticket) DO UPDATE SET location = excluded.location,"
    " contact = excluded.contact, phone = excluded.phone, content = excluded.content,"
    " digits = excluded.digits, last4 = excluded.last4, text = excluded.text"
)


def search_sql(terms: Sequence[Term], limit: int | None, *, fts: bool) -> tuple[str, list[Any]]:
    """The query :meth:`SQLiteStore.search` runs, with its parameters: through the
    trigram index (``fts``) when every term has three characters or more."""
    params: list[Any] = []
    if fts and all(len(t.text) >= 3 for t in terms):
        parts = []
        for term in terms:
            part = "SELECT rowid FROM search_fts WHERE search_fts MATCH ?"
            params.append('"' + term.text.replace('"', '""') + '"')
            if term.digits:
                part += " UNION SELECT seq FROM search WHERE digits = ?"
                params.append(term.digits)
                if term.last4:
                    part += " UNION SELECT seq FROM search WHERE last4 = ?"
                    params.append(term.digits)
            parts.append(part)
        where = f"seq IN ({' INTERSECT '.join(parts)})"
    else:
        conds = []
        for term in terms:
            cond = "instr(text, ?) > 0"
            params.append(term.text)
            if term.digits:
                cond += " OR digits = ?"
                params.append(term.digits)
                if term.last4:
                    cond += " OR last4 = ?"
                    params.append(term.digits)
            conds.append(f"({cond})")
        where = " AND ".join(conds)
    text = f"SELECT ticket FROM search WHERE {where} ORDER BY seq DESC"
    if limit is not None:
        text += " LIMIT ?"
        params.append(limit)
    return text, params


def search_entry(conn: sqlite3.Connection, ticket: str) -> SearchEntry | None:
    """The search row of ``ticket``, if it has one."""
    row = conn.execute(
        "SELECT ticket, seq, location, contact, phone, content FROM search WHERE ticket = ?",
        (ticket,)).fetchone()
    return None if row is None else SearchEntry(*row)


def has_trigram(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34 and later)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.propdesk_probe USING fts5(x, tokenize='trigram')")
    except sqlite3.OperationalError:
        return False
    conn.execute("DROP TABLE temp.propdesk_probe")
    return True


def fill_search(conn: sqlite3.Connection) -> None:
    """Build the search index of a log written before it existed (migration 2)."""
    rows = conn.execute(
        "SELECT seq, ticket, version, kind, at, by, data FROM events"
        " WHERE kind IN ('record', 'amend') ORDER BY seq").fetchall()
    pairs = ((int(r[0]), decode_event(*r[1:])) for r in rows)
    entries = entries_after(pairs, lambda _ticket: None)
    conn.executemany(SEARCH_UPSERT, [e.row() for e in entries])

-- propdesk SQLite schema, version 2: the search index (finding a ticket, issue 19).
-- One row per ticket, written in the same transaction as the append that
-- records or amends it (propdesk.search says what is searchable).  It is
-- derived data: unlike the event log it is updated in place.

CREATE TABLE search (
    seq      INTEGER PRIMARY KEY,          -- the ticket's record event: newest first
    ticket   TEXT    NOT NULL UNIQUE,
    location TEXT,                         -- the fields as recorded or amended
    contact  TEXT,
    phone    TEXT,
    content  TEXT,
    digits   TEXT    NOT NULL,             -- the phone number's digits ('' without one)
    last4    TEXT    NOT NULL,             -- their last four
    text     TEXT    NOT NULL              -- location, contact, content: normalised
) STRICT;

CREATE INDEX search_digits ON search (digits);
CREATE INDEX search_last4 ON search (last4);

-- A trigram full-text index over the text, kept in step by triggers.  Where
-- this SQLite lacks FTS5's trigram tokenizer (before 3.34) the store leaves
-- out the statements naming search_fts and scans the search table instead.
CREATE VIRTUAL TABLE search_fts USING fts5 (
    text, content = 'search', content_rowid = 'seq', tokenize = 'trigram'
);

CREATE TRIGGER search_fts_insert AFTER INSERT ON search
BEGIN
    INSERT INTO search_fts (rowid, text) VALUES (new.seq, new.text);
END;

CREATE TRIGGER search_fts_delete AFTER DELETE ON search
BEGIN
    INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', old.seq, old.text);
END;

CREATE TRIGGER search_fts_update AFTER UPDATE ON search
BEGIN
    INSERT INTO search_fts (search_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    INSERT INTO search_fts (rowid, text) VALUES (new.seq, new.text);
END;

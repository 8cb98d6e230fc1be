-- propdesk PostgreSQL schema, version 2: the search index (finding a ticket),
-- the same idea as the SQLite store's.  One row per ticket, written in the
-- same transaction as the append that records or amends it; derived data,
-- updated in place.  Terms are matched with strpos over this table (one short
-- row per ticket, never the event log); phone numbers through the indexes.

CREATE TABLE search (
    seq      BIGINT PRIMARY KEY,           -- the ticket's record event: newest first
    ticket   TEXT   NOT NULL UNIQUE,
    location TEXT,                         -- the fields as recorded or amended
    contact  TEXT,
    phone    TEXT,
    content  TEXT,
    digits   TEXT   NOT NULL,              -- the phone number's digits ('' without one)
    last4    TEXT   NOT NULL,              -- their last four
    text     TEXT   NOT NULL               -- location, contact, content: normalised
);

CREATE INDEX search_digits ON search (digits);
CREATE INDEX search_last4 ON search (last4);

-- propdesk SQLite schema, version 3: the notification outbox and the SLA fire record
-- (issue 17).  Rows are written in the same transaction as the events or the
-- alert that caused them; the watcher delivers them after the commit.

-- One row per (notice, channel); dedupe_key = '<notice id>@<channel>'.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    dedupe_key TEXT    NOT NULL UNIQUE,
    notice     TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    ticket     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    created    TEXT    NOT NULL,          -- fixed-width UTC: text order is time order
    body       TEXT    NOT NULL,          -- JSON of the channel message
    next_at    TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT    NOT NULL DEFAULT '',
    sent_at    TEXT
) STRICT;

-- The watcher's questions: what is due for a channel, when is the next one due.
CREATE INDEX outbox_due ON outbox (state, channel, next_at);
CREATE INDEX outbox_next ON outbox (next_at) WHERE state = 'pending';

-- Each SLA warning or breach fires once ever (S-21), across watcher restarts.
CREATE TABLE sla_fires (
    ticket     TEXT    NOT NULL,
    rule       TEXT    NOT NULL,
    cycle      INTEGER NOT NULL,
    occurrence INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('warning', 'breach')),
    at         TEXT    NOT NULL,
    PRIMARY KEY (ticket, rule, cycle, occurrence, kind)
) STRICT, WITHOUT ROWID;

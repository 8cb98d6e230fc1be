-- propdesk SQLite schema, version 1: the event log, command ids, immutability.
-- Applied once, in one transaction, by propdesk.adapters.sqlite.

-- The global log.  seq is the commit order (assigned under BEGIN IMMEDIATE,
-- so there are no gaps); (ticket, version) is unique: optimistic concurrency.
CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    ticket     TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    kind       TEXT    NOT NULL,
    at         TEXT    NOT NULL,          -- ISO 8601, UTC
    by         TEXT    NOT NULL,
    data       TEXT    NOT NULL,          -- canonical JSON of the payload
    command_id TEXT,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    UNIQUE (ticket, version)
) STRICT;

-- tickets() lists streams in order of their first event.
CREATE INDEX events_first_of_ticket ON events (seq) WHERE version = 1;
CREATE INDEX events_command ON events (command_id) WHERE command_id IS NOT NULL;

-- Idempotency: one row per applied command id.
CREATE TABLE commands (
    command_id    TEXT    PRIMARY KEY,
    digest        TEXT    NOT NULL,
    ticket        TEXT    NOT NULL,
    first_version INTEGER NOT NULL,
    last_version  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The record is append-only.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'propdesk: stored events cannot be changed');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'propdesk: stored events cannot be deleted');
END;

CREATE TRIGGER commands_no_update BEFORE UPDATE ON commands
BEGIN
    SELECT RAISE(ABORT, 'propdesk: applied commands cannot be changed');
END;

CREATE TRIGGER commands_no_delete BEFORE DELETE ON commands
BEGIN
    SELECT RAISE(ABORT, 'propdesk: applied commands cannot be deleted');
END;

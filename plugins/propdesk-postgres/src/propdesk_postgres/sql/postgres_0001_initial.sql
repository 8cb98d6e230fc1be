-- propdesk PostgreSQL schema, version 1 (the same ideas as the SQLite store).
-- Run with search_path set to the store's schema, in one transaction.

-- The global log.  seq is assigned under a transaction-level advisory lock
-- held by every append, so it is the commit order and has no gaps;
-- (ticket, version) is unique.
CREATE TABLE events (
    seq        BIGINT  PRIMARY KEY,
    ticket     TEXT    NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    kind       TEXT    NOT NULL,
    at         TEXT    NOT NULL,          -- ISO 8601, UTC
    by         TEXT    NOT NULL,
    data       TEXT    NOT NULL,          -- canonical JSON, byte for byte as hashed
    command_id TEXT,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL,
    UNIQUE (ticket, version)
);

CREATE INDEX events_first_of_ticket ON events (seq) WHERE version = 1;
CREATE INDEX events_command ON events (command_id) WHERE command_id IS NOT NULL;

-- Idempotency: one row per applied command id.
CREATE TABLE commands (
    command_id    TEXT    PRIMARY KEY,
    digest        TEXT    NOT NULL,
    ticket        TEXT    NOT NULL,
    first_version INTEGER NOT NULL,
    last_version  INTEGER NOT NULL
);

-- The record is append-only.
CREATE FUNCTION propdesk_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'propdesk: stored % cannot be changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION propdesk_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION propdesk_refuse_change();
CREATE TRIGGER commands_append_only BEFORE UPDATE OR DELETE ON commands
    FOR EACH ROW EXECUTE FUNCTION propdesk_refuse_change();
CREATE TRIGGER commands_no_truncate BEFORE TRUNCATE ON commands
    FOR EACH STATEMENT EXECUTE FUNCTION propdesk_refuse_change();

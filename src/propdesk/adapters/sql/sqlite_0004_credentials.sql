-- propdesk SQLite schema, version 4: sign-in credentials of the web desk.
-- One salted password hash per person (argon2id, made by the web plugin);
-- never a password.  Kept apart from the event log: a new password replaces
-- the old one and is not part of the ticket history.
CREATE TABLE credentials (
    person TEXT PRIMARY KEY,
    hash   TEXT NOT NULL,
    set_at TEXT NOT NULL                  -- ISO 8601, UTC
) STRICT;

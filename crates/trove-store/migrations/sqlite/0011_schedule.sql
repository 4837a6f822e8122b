-- The publication schedule (desk). Media events from the newsroom's
-- calendar; releases an editor marked ready, with their topics, and where
-- the scheduler last placed each (every placement and change is also a
-- signed schedule statement in the log, whose index is kept here). Times
-- are whole hours since 1970-01-01T00:00Z.
CREATE TABLE calendar_events (
    uid        TEXT PRIMARY KEY NOT NULL,
    title      TEXT NOT NULL,
    start_hour INTEGER NOT NULL,
    end_hour   INTEGER NOT NULL CHECK (end_hour > start_hour),
    topics     TEXT NOT NULL,              -- comma-separated, lower case
    attention  REAL NOT NULL CHECK (attention >= 0 AND attention <= 0.95),
    added_by   TEXT NOT NULL
);
CREATE INDEX calendar_events_by_start ON calendar_events (start_hour);

CREATE TABLE release_schedule (
    release_id    TEXT PRIMARY KEY NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    ready_hour    INTEGER NOT NULL,
    ready_by      TEXT NOT NULL,
    topics        TEXT NOT NULL,
    embargo_until INTEGER,                 -- a partner's exclusive access ends
    at_hour       INTEGER,                 -- the current placement
    revision      INTEGER NOT NULL DEFAULT 0,
    codes         TEXT,
    reason        TEXT,
    log_index     INTEGER
);

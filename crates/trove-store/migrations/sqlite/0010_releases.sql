-- Releases (desk). A release is built from an accepted submission: every
-- document is in it unless a row of release_withheld holds it back with a
-- reason code. Redactions are byte spans of a document's rendered text
-- (never the redacted text itself), proposed by one person and confirmed
-- or rejected by another. `secret` salts the manifest's commitments to
-- the originals and never leaves the desk.
CREATE TABLE releases (
    id              TEXT PRIMARY KEY NOT NULL,  -- 32 hex digits
    submission_id   TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    created_day     TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    secret          BLOB NOT NULL CHECK (length(secret) = 32),
    state           TEXT NOT NULL CHECK (state IN ('draft', 'publishing', 'published')),
    entry           BLOB,                       -- the signed publication statement
    log_size_before INTEGER,                    -- the log's size when it was signed
    log_index       INTEGER,
    root            TEXT,                       -- the manifest's root (hex)
    folder          TEXT                        -- the sealed folder, under the data directory
);
CREATE INDEX releases_by_submission ON releases (submission_id);

CREATE TABLE release_withheld (
    release_id  TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    document_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    note        TEXT,
    by_user     TEXT NOT NULL,
    PRIMARY KEY (release_id, document_id)
);

CREATE TABLE redactions (
    id          INTEGER PRIMARY KEY,
    release_id  TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    document_id TEXT NOT NULL,
    span_start  INTEGER NOT NULL,
    span_end    INTEGER NOT NULL CHECK (span_end > span_start),
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'rejected')),
    proposed_by TEXT NOT NULL,
    reviewed_by TEXT,
    UNIQUE (release_id, document_id, span_start, span_end)
);
CREATE INDEX redactions_by_document ON redactions (release_id, document_id);

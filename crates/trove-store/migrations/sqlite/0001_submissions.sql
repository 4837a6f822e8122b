-- Submissions as the store knows them. Paths, sizes and content ids are in
-- the sealed manifest blob, not here: this table must say nothing about what
-- a submission contains.
CREATE TABLE submissions (
    id            TEXT PRIMARY KEY NOT NULL,
    received_day  TEXT NOT NULL,               -- YYYY-MM-DD (UTC), never an exact time
    channel       TEXT NOT NULL CHECK (channel IN ('cli', 'intake')),
    manifest_blob TEXT NOT NULL
);

-- The file blobs of each submission, in manifest order, so that retention
-- and deletion need no decryption.
CREATE TABLE submission_blobs (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    blob_id       TEXT NOT NULL,
    PRIMARY KEY (submission_id, ordinal)
);

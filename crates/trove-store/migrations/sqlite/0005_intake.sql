-- The intake's records. Nothing here names a file, holds a codename, or a
-- hash of plaintext: sources are Argon2id outputs, messages and files are
-- sealed blobs, and an upload in progress keeps only sizes and values
-- encrypted under a key that only the source's upload URL carries.

-- A source, known by the Argon2id of its codename (never the codename).
CREATE TABLE sources (
    id              TEXT PRIMARY KEY NOT NULL,
    reply_recipient TEXT NOT NULL,          -- age recipient derived from the codename
    created_day     TEXT NOT NULL,          -- YYYY-MM-DD
    stored_bytes    INTEGER NOT NULL DEFAULT 0  -- ciphertext bytes held for it (quota)
);

-- Which source handed over a submission (NULL for `trove submit`), and when
-- the desk confirmed it has pulled it (retention counts from then).
ALTER TABLE submissions ADD COLUMN source_id TEXT;
ALTER TABLE submissions ADD COLUMN confirmed_day TEXT;
CREATE INDEX submissions_by_source ON submissions (source_id);

-- Messages both ways, sealed: a source's to the newsroom's recipients, the
-- newsroom's replies to the source's reply recipient.
CREATE TABLE messages (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    source_id     TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    direction     TEXT NOT NULL CHECK (direction IN ('source', 'newsroom')),
    blob_id       TEXT NOT NULL,
    day           TEXT NOT NULL,
    confirmed_day TEXT
);
CREATE INDEX messages_by_source ON messages (source_id, seq);

-- A resumable (tus) upload in progress. Its URL carries a random key that
-- is never stored: `key_check` lets the server recognise it, `name_sealed`
-- (the file name) and each part's `hash_sealed` (its BLAKE3) are encrypted
-- under it, so a seized intake holds nothing about the plaintext but sizes.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY NOT NULL,
    source_id   TEXT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    key_check   TEXT NOT NULL,
    length      INTEGER NOT NULL,
    name_sealed TEXT NOT NULL,
    created_day TEXT NOT NULL
);

CREATE TABLE upload_parts (
    upload_id   TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    blob_id     TEXT NOT NULL,
    size        INTEGER NOT NULL,
    stored      INTEGER NOT NULL,
    hash_sealed TEXT NOT NULL,
    PRIMARY KEY (upload_id, ordinal)
);

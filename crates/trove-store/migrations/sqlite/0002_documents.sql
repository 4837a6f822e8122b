-- Documents built by ingest (desk side). Unlike `submissions`, these rows
-- hold plaintext-derived facts (paths, types, content ids, metadata): they
-- exist only where the identity is.
CREATE TABLE documents (
    id            TEXT PRIMARY KEY NOT NULL,   -- BLAKE3(submission ‖ path), first 16 bytes, hex
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    parent_id     TEXT,
    path          TEXT NOT NULL,               -- provenance: bundle.zip/mail.mbox/#42/invoice.pdf
    content_id    TEXT NOT NULL,               -- BLAKE3 of the document's bytes
    type          TEXT NOT NULL,               -- detected from content
    size          INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'encrypted', 'failed')),
    reason        TEXT,
    text_blob     TEXT,                        -- the sealed text pack holding this document's text
    text_offset   INTEGER,                     -- where its text starts in the pack (bytes)
    text_len      INTEGER,                     -- and how long it is
    metadata      TEXT NOT NULL,               -- JSON object
    UNIQUE (submission_id, path)
);
CREATE INDEX documents_by_content ON documents (content_id);

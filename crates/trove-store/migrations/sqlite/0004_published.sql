-- Published corpora registered for overlap measurement (public data), and
-- their documents' fingerprints. The near-duplicate and quotation indexes
-- are segment files beside the database (see trove-overlap).
CREATE TABLE published_corpora (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    publisher TEXT NOT NULL,
    date      TEXT NOT NULL,               -- YYYY-MM-DD of publication
    url       TEXT,
    source    TEXT NOT NULL,               -- the path it was imported from
    imported  TEXT NOT NULL                -- YYYY-MM-DD
);

CREATE TABLE published_documents (
    id          INTEGER PRIMARY KEY,       -- the doc number in the index segments
    corpus_id   INTEGER NOT NULL REFERENCES published_corpora (id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    type        TEXT NOT NULL,
    content_id  TEXT NOT NULL,             -- BLAKE3 of the bytes
    text_id     TEXT,                      -- BLAKE3 of the normalized text
    size        INTEGER NOT NULL,
    segment     INTEGER,                   -- where its shingle set is
    set_offset  INTEGER,
    set_len     INTEGER
);
CREATE INDEX published_by_content ON published_documents (content_id);
CREATE INDEX published_by_text ON published_documents (text_id);
CREATE INDEX published_by_corpus ON published_documents (corpus_id);

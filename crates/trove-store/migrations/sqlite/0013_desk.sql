-- What the desk lists documents by (desk only; never sent to the intake
-- or the archive). A document's overlap class and the corpus of its best
-- match, kept by the last overlap run; its entities and significance,
-- kept by the last triage.
CREATE TABLE document_facts (
    document_id   TEXT PRIMARY KEY NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    overlap       TEXT CHECK (overlap IN ('exact', 'near', 'partial', 'new')),
    corpus        TEXT,
    matches       TEXT,                       -- JSON: the published documents it overlaps, with its passages
    significance  INTEGER
);
CREATE INDEX document_facts_by_submission ON document_facts (submission_id);

CREATE TABLE document_entities (
    document_id   TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,             -- person, organisation, place, email
    name          TEXT NOT NULL,
    PRIMARY KEY (document_id, kind, name)
);
CREATE INDEX document_entities_by_submission ON document_entities (submission_id);
CREATE INDEX document_entities_by_name ON document_entities (kind, name);

-- Journalists' own records, each with who and the day. A target is a
-- document or a submission (by its id).
CREATE TABLE tags (
    target      TEXT NOT NULL,
    tag         TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    day         TEXT NOT NULL,
    PRIMARY KEY (target, tag)
);
CREATE INDEX tags_by_tag ON tags (tag);

CREATE TABLE notes (
    seq         INTEGER PRIMARY KEY,
    target      TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    day         TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX notes_by_target ON notes (target, seq);

CREATE TABLE stars (
    document_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_name   TEXT NOT NULL,
    day         TEXT NOT NULL,
    PRIMARY KEY (document_id, user_name)
);

-- A journalist's proposal that a document be withheld or redacted: the
-- release builder's starting point, decided there by an editor.
CREATE TABLE document_marks (
    document_id TEXT PRIMARY KEY NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    mark        TEXT NOT NULL CHECK (mark IN ('withhold', 'redact')),
    code        TEXT,                        -- a withholding's reason code
    reason      TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    day         TEXT NOT NULL
);

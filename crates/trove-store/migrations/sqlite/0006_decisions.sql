-- Triage and decisions (desk). A triage row is the latest proposal for a
-- submission under a policy; decisions are kept, every one, in order: a
-- later decision supersedes an earlier one, and both are in the log.
CREATE TABLE triage (
    submission_id TEXT PRIMARY KEY NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    policy        TEXT NOT NULL,            -- SHA-256 of policy.toml (hex)
    significance  INTEGER NOT NULL,
    proposal      TEXT NOT NULL CHECK (proposal IN ('accept', 'reject', 'defer')),
    report        TEXT NOT NULL             -- JSON: case, significance, proposal
);

CREATE TABLE decisions (
    seq           INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('accept', 'reject', 'defer')),
    reasons       TEXT NOT NULL,            -- JSON array of reason codes
    proposed      TEXT NOT NULL,            -- what the policy proposed
    note          TEXT,                     -- the editor's written reason (required to override)
    editor        TEXT NOT NULL,
    policy        TEXT NOT NULL,
    log_index     INTEGER NOT NULL
);
CREATE INDEX decisions_by_submission ON decisions (submission_id, seq);

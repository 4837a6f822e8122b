-- The DKIM key archive: key records seen over time, imported from files
-- (or archived from a live lookup on the desk). Public data.
CREATE TABLE dkim_keys (
    selector    TEXT NOT NULL,
    domain      TEXT NOT NULL,
    record      TEXT NOT NULL,              -- the TXT record, strings joined
    first_seen  TEXT,                       -- YYYY-MM-DD, when known
    last_seen   TEXT,
    source      TEXT NOT NULL,              -- the file it came from, or "dns"
    PRIMARY KEY (selector, domain, record)
);

-- Verification results per document (desk side): the verdict and the
-- evidence it rests on, as JSON. Re-running `trove verify` replaces them.
CREATE TABLE verifications (
    document_id   TEXT PRIMARY KEY NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    verdict       TEXT NOT NULL CHECK (verdict IN ('verified', 'consistent', 'suspicious', 'unverifiable')),
    evidence      TEXT NOT NULL
);
CREATE INDEX verifications_by_submission ON verifications (submission_id);

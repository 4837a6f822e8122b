-- The job queue (desk): stages of the path queued for `trove worker`
-- processes. A running job is held under a lease (seconds since 1970)
-- that its worker renews; once a lease has run out, another worker takes
-- the job again. `then_rest`: finishing the job queues the path's next
-- stage. Times are kept only while a job runs.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('ingest', 'verify', 'overlap', 'triage')),
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    then_rest     INTEGER NOT NULL CHECK (then_rest IN (0, 1)),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    worker        TEXT,
    lease_until   INTEGER,
    error         TEXT
);
CREATE INDEX jobs_by_state ON jobs (state, id);

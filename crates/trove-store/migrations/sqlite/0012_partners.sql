-- Media partners (desk). The users table gains the partner role: SQLite
-- cannot change a CHECK, so the table is rebuilt with the same rows.
CREATE TABLE users_new (
    name          TEXT PRIMARY KEY NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('journalist', 'editor', 'admin', 'partner')),
    password_hash TEXT NOT NULL,
    totp_secret   TEXT NOT NULL,
    created_day   TEXT NOT NULL,
    last_step     INTEGER,
    disabled      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_new (name, role, password_hash, totp_secret, created_day, last_step, disabled)
    SELECT name, role, password_hash, totp_secret, created_day, last_step, disabled FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- A partner organisation, with the verifier key of the witness key it
-- was given (it cosigns checkpoints with it, and grants name its id).
CREATE TABLE partners (
    name         TEXT PRIMARY KEY NOT NULL,
    witness_vkey TEXT NOT NULL,
    created_day  TEXT NOT NULL
);

-- Which organisation a user of the partner role belongs to.
CREATE TABLE partner_members (
    user_name TEXT PRIMARY KEY NOT NULL,
    partner   TEXT NOT NULL REFERENCES partners (name)
);

-- Exclusive early access to a release, from start_hour to embargo_until
-- (hours since 1970), each signed into the log as a grant statement.
CREATE TABLE partner_grants (
    release_id    TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    partner       TEXT NOT NULL REFERENCES partners (name),
    start_hour    INTEGER NOT NULL,
    embargo_until INTEGER NOT NULL CHECK (embargo_until > start_hour),
    terms_sha256  TEXT NOT NULL,
    paid          INTEGER NOT NULL CHECK (paid IN (0, 1)),
    by_user       TEXT NOT NULL,
    log_index     INTEGER NOT NULL,
    PRIMARY KEY (release_id, partner)
);

-- Every view, download and search of a partner user, for the partner
-- and the editors to see.
CREATE TABLE partner_access (
    id          INTEGER PRIMARY KEY,
    user_name   TEXT NOT NULL,
    partner     TEXT NOT NULL,
    release_id  TEXT NOT NULL,
    document_id TEXT,
    action      TEXT NOT NULL CHECK (action IN ('view', 'download', 'search')),
    hour        INTEGER NOT NULL
);
CREATE INDEX partner_access_by_partner ON partner_access (partner, id);

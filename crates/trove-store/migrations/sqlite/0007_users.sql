-- The desk's users. Passwords are Argon2id PHC strings; the TOTP secret is
-- kept as the authenticator needs it (base32), in the desk's own database,
-- which lives with the newsroom identity on the desk machine.
CREATE TABLE users (
    name          TEXT PRIMARY KEY NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('journalist', 'editor', 'admin')),
    password_hash TEXT NOT NULL,
    totp_secret   TEXT NOT NULL,
    created_day   TEXT NOT NULL
);

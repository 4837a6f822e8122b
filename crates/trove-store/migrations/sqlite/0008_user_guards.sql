-- The last TOTP step each user logged in with, kept across restarts so a
-- code is good once (RFC 6238 §5.2); and whether an admin disabled the
-- account (its sessions end at their next request).
ALTER TABLE users ADD COLUMN last_step INTEGER;
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

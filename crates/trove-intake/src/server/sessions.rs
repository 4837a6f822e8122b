//! Sessions, CSRF tokens and log-in rate limits, all in memory.
//!
//! Nothing here is written to disk: a restart logs every source out (their
//! resumable uploads go on, authorized by their upload URLs). Session
//! tokens and pending codenames are looked up by their BLAKE3, so a map
//! probe compares hashes, not secrets. Rate limits are kept per codename
//! (by a keyed hash that dies with the process) and globally, never per
//! address.

use std::time::Duration;

use trove_web::{Csrf, SessionTable, Throttle};
pub use trove_web::{Throttled, clear_cookie, cookie};

use super::IntakeLimits;
use crate::Codename;

pub const SESSION_COOKIE: &str = "trove_session";
pub const ANON_COOKIE: &str = "trove_anon";

/// A session lasts at most this long, however active.
const ABSOLUTE: Duration = Duration::from_secs(12 * 3600);

/// A logged-in source.
pub struct Session {
    pub source_id: String,
    /// The source's own reply identity, to read replies; derived from the
    /// codename at log-in and never stored.
    pub reply_identity: age::x25519::Identity,
}

/// The intake's sessions, codenames shown but not yet confirmed, CSRF keys
/// and log-in limits.
pub struct Sessions {
    sessions: SessionTable<Session>,
    pending: SessionTable<Codename>,
    csrf: Csrf,
    throttle: Throttle,
}

impl Sessions {
    pub fn new(limits: &IntakeLimits) -> Result<Self, crate::DeriveError> {
        Ok(Sessions {
            sessions: SessionTable::new(limits.session_idle, ABSOLUTE),
            // A codename shown but not yet confirmed: at most 65 536 wait.
            pending: SessionTable::with_capacity(limits.session_idle, limits.session_idle, 1 << 16),
            csrf: Csrf::new("trove/csrf/v1").map_err(|e| crate::DeriveError::Random(e.to_string()))?,
            throttle: Throttle::new(limits.login_attempts_per_codename, limits.login_window),
        })
    }

    /// The CSRF token for forms shown to the holder of `cookie` (a session
    /// or anonymous cookie value).
    pub fn csrf_token(&self, cookie: &str) -> String {
        self.csrf.token(cookie)
    }

    /// Checks a form's CSRF token against the cookie it was issued for, in
    /// constant time.
    pub fn csrf_ok(&self, cookie: Option<&str>, token: &str) -> bool {
        self.csrf.check(cookie, token)
    }

    /// Starts a session and returns its cookie value.
    pub fn start(&self, source_id: String, reply_identity: age::x25519::Identity) -> String {
        self.sessions.start(Session {
            source_id,
            reply_identity,
        })
    }

    /// The session of a cookie, if it is live; touching it keeps it alive.
    pub fn with_session<T>(&self, token: &str, f: impl FnOnce(&Session) -> T) -> Option<T> {
        self.sessions.with(token, f)
    }

    pub fn end(&self, token: &str) {
        self.sessions.end(token);
    }

    /// Keeps a freshly shown codename until the source confirms it.
    pub fn hold_codename(&self, anon: &str, codename: Codename) {
        self.pending.insert(anon, codename);
    }

    pub fn take_codename(&self, anon: &str) -> Option<Codename> {
        self.pending.take(anon)
    }

    /// Counts a log-in attempt for a codename, before any derivation. The
    /// counter is keyed by a hash that dies with the process.
    pub fn attempt(&self, codename: &Codename) -> Result<(), Throttled> {
        let key = self
            .csrf
            .keyed_hash("trove/login-attempts/v1", codename.expose().as_bytes());
        self.throttle.attempt(key)
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, for the whole site,
/// gone when the browser closes.
pub fn set_cookie(name: &str, value: &str) -> String {
    trove_web::set_cookie(name, value, "/")
}

//! Sessions, CSRF tokens and log-in rate limits, all in memory.
//!
//! Nothing here is written to disk: a restart logs every source out (their
//! resumable uploads go on, authorized by their upload URLs). Session
//! tokens and pending codenames are looked up by their BLAKE3, so a map
//! probe compares hashes, not secrets. Rate limits are kept per codename
//! (by a keyed hash that dies with the process) and globally, never per
//! address.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::IntakeLimits;
use crate::Codename;

pub const SESSION_COOKIE: &str = "trove_session";
pub const ANON_COOKIE: &str = "trove_anon";

/// A logged-in source.
pub struct Session {
    pub source_id: String,
    /// The source's own reply identity, to read replies; derived from the
    /// codename at log-in and never stored.
    pub reply_identity: age::x25519::Identity,
    last_seen: Instant,
}

struct Window {
    started: Instant,
    count: u32,
}

impl Window {
    /// Counts an attempt; false if the window is already full.
    fn allow(&mut self, limit: u32, length: Duration, now: Instant) -> bool {
        if now.duration_since(self.started) >= length {
            self.started = now;
            self.count = 0;
        }
        if self.count >= limit {
            return false;
        }
        self.count += 1;
        true
    }
}

struct Inner {
    sessions: HashMap<[u8; 32], Session>,
    pending: HashMap<[u8; 32], (Codename, Instant)>,
    attempts: HashMap<[u8; 32], Window>,
    global: Window,
}

pub struct Sessions {
    inner: Mutex<Inner>,
    /// Keys CSRF tokens and the per-codename attempt counters; random per
    /// process.
    key: Zeroizing<[u8; 32]>,
    idle: Duration,
    per_codename: u32,
    global: u32,
    window: Duration,
}

/// Why a log-in attempt was refused before any derivation.
pub enum Throttled {
    Codename,
    Everyone,
}

fn hash(value: &str) -> [u8; 32] {
    *blake3::hash(value.as_bytes()).as_bytes()
}

impl Sessions {
    pub fn new(limits: &IntakeLimits) -> Result<Self, crate::DeriveError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(key.as_mut()).map_err(|e| crate::DeriveError::Random(e.to_string()))?;
        Ok(Sessions {
            inner: Mutex::new(Inner {
                sessions: HashMap::new(),
                pending: HashMap::new(),
                attempts: HashMap::new(),
                global: Window {
                    started: Instant::now(),
                    count: 0,
                },
            }),
            key,
            idle: limits.session_idle,
            per_codename: limits.login_attempts_per_codename,
            global: limits.login_attempts_global,
            window: limits.login_window,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A handler that panicked mid-update leaves maps that are still
        // consistent (every update is a single insert or remove).
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The CSRF token for forms shown to the holder of `cookie` (a session
    /// or anonymous cookie value).
    pub fn csrf_token(&self, cookie: &str) -> String {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(b"trove/csrf/v1\n");
        hasher.update(cookie.as_bytes());
        hasher.finalize().to_hex().to_string()
    }

    /// Checks a form's CSRF token against the cookie it was issued for, in
    /// constant time.
    pub fn csrf_ok(&self, cookie: Option<&str>, token: &str) -> bool {
        match cookie {
            Some(cookie) => self.csrf_token(cookie).as_bytes().ct_eq(token.as_bytes()).into(),
            None => false,
        }
    }

    /// Starts a session and returns its cookie value.
    pub fn start(&self, source_id: String, reply_identity: age::x25519::Identity) -> String {
        let token = super::random_hex::<32>();
        let session = Session {
            source_id,
            reply_identity,
            last_seen: Instant::now(),
        };
        let mut inner = self.lock();
        let idle = self.idle;
        inner.sessions.retain(|_, s| s.last_seen.elapsed() < idle);
        inner.sessions.insert(hash(&token), session);
        token
    }

    /// The session of a cookie, if it is live; touching it keeps it alive.
    pub fn with_session<T>(&self, token: &str, f: impl FnOnce(&Session) -> T) -> Option<T> {
        let mut inner = self.lock();
        let key = hash(token);
        let session = inner.sessions.get_mut(&key)?;
        if session.last_seen.elapsed() >= self.idle {
            inner.sessions.remove(&key);
            return None;
        }
        session.last_seen = Instant::now();
        Some(f(session))
    }

    pub fn end(&self, token: &str) {
        self.lock().sessions.remove(&hash(token));
    }

    /// Keeps a freshly shown codename until the source confirms it.
    pub fn hold_codename(&self, anon: &str, codename: Codename) {
        let mut inner = self.lock();
        let idle = self.idle;
        inner.pending.retain(|_, (_, shown)| shown.elapsed() < idle);
        inner.pending.insert(hash(anon), (codename, Instant::now()));
    }

    pub fn take_codename(&self, anon: &str) -> Option<Codename> {
        self.lock().pending.remove(&hash(anon)).map(|(codename, _)| codename)
    }

    /// Counts a log-in attempt for a codename, before any derivation.
    pub fn attempt(&self, codename: &Codename) -> Result<(), Throttled> {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(b"trove/login-attempts/v1\n");
        hasher.update(codename.expose().as_bytes());
        let key = *hasher.finalize().as_bytes();
        let now = Instant::now();
        let mut inner = self.lock();
        let window = self.window;
        if !inner.global.allow(self.global, window, now) {
            return Err(Throttled::Everyone);
        }
        inner.attempts.retain(|_, w| now.duration_since(w.started) < window);
        let counter = inner.attempts.entry(key).or_insert(Window { started: now, count: 0 });
        if !counter.allow(self.per_codename, window, now) {
            return Err(Throttled::Codename);
        }
        Ok(())
    }
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, for the whole site,
/// gone when the browser closes.
pub fn set_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict")
}

pub fn clear_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

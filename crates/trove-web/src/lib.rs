//! The web layer the intake's and the desk's servers share.
//!
//! * [`cookie`], [`set_cookie`], [`clear_cookie`]: HttpOnly, SameSite=Strict
//!   session cookies scoped to a path, gone when the browser closes.
//! * [`Csrf`]: form tokens keyed by a per-process secret and bound to the
//!   cookie they were shown to, checked in constant time.
//! * [`SessionTable`]: sessions in memory, looked up by the BLAKE3 of their
//!   token (a map probe compares hashes, not secrets), with an idle and an
//!   absolute expiry.
//! * [`Throttle`]: log-in attempts counted per key (a keyed hash of a name
//!   or codename), never per address, and never for everyone together.
//! * [`serve_bounded`]: a listener with a connection cap and a deadline
//!   for request headers (no slowloris).
//! * [`random_token`], [`harden`], [`render`], [`redirect`].
//!
//! What this crate must never do: log a request, or keep anything about a
//! client (an address, a user agent) beyond the cookie it was handed.
//! Nothing here is written to disk: a restart logs everyone out.
//!
//! ```
//! use std::time::Duration;
//! use trove_web::{Csrf, SessionTable};
//! let csrf = Csrf::new("trove/example-csrf/v1").unwrap();
//! let sessions = SessionTable::new(Duration::from_secs(60), Duration::from_secs(3600));
//! let token = sessions.start("ana".to_owned());
//! assert_eq!(sessions.with(&token, |user| user.clone()), Some("ana".to_owned()));
//! assert!(csrf.check(Some(&token), &csrf.token(&token)));
//! ```

mod listener;
mod routes;

pub use listener::{ListenerLimits, serve_bounded};
pub use routes::{Access, Route};

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The operating system's random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomError(pub String);

/// `N` random bytes as hex (session tokens, anonymous cookies, ids).
pub fn random_token<const N: usize>() -> Result<String, RandomError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(hex::encode(bytes))
}

fn random_key() -> Result<Zeroizing<[u8; 32]>, RandomError> {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::getrandom(key.as_mut()).map_err(|e| RandomError(e.to_string()))?;
    Ok(key)
}

/// Locks a mutex whose holder may have panicked: every update here is a
/// single insert or remove, so the maps stay consistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, for `path` and below,
/// gone when the browser closes.
pub fn set_cookie(name: &str, value: &str, path: &str) -> String {
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict")
}

/// A `Set-Cookie` value that removes the cookie.
pub fn clear_cookie(name: &str, path: &str) -> String {
    format!("{name}=; Path={path}; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Appends `Set-Cookie` headers to a response.
pub fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for value in cookies {
        if let Ok(value) = value.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// Percent-encodes a query parameter's value (letters, digits and
/// `-_.~/` are kept).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A snippet split at its highlighted byte ranges, each part marked
/// whether it is highlighted (for `<mark>`); ranges out of order, out of
/// bounds or off a character boundary are ignored, never a panic.
pub fn highlight_parts(snippet: &str, highlighted: &[(usize, usize)]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in highlighted {
        if start < at || end > snippet.len() || !snippet.is_char_boundary(start) || !snippet.is_char_boundary(end) {
            continue;
        }
        if start > at {
            out.push((snippet[at..start].to_owned(), false));
        }
        out.push((snippet[start..end].to_owned(), true));
        at = end;
    }
    if at < snippet.len() {
        out.push((snippet[at..].to_owned(), false));
    }
    out
}

/// A 303 to `to`, setting `cookies`.
pub fn redirect(to: &str, cookies: &[String]) -> Response {
    let response = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    with_cookies(response, cookies)
}

/// A page from an askama template, or a plain 500 if it cannot render.
pub fn render(status: StatusCode, template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response(),
    }
}

/// CSRF tokens: a keyed BLAKE3 of the cookie a form is shown to, under a
/// key that lives and dies with the process.
pub struct Csrf {
    key: Zeroizing<[u8; 32]>,
    domain: &'static str,
}

impl Csrf {
    /// `domain` separates the tokens of one use from another's.
    pub fn new(domain: &'static str) -> Result<Csrf, RandomError> {
        Ok(Csrf {
            key: random_key()?,
            domain,
        })
    }

    /// The token for forms shown to the holder of `cookie`.
    pub fn token(&self, cookie: &str) -> String {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(self.domain.as_bytes());
        hasher.update(b"\n");
        hasher.update(cookie.as_bytes());
        hasher.finalize().to_hex().to_string()
    }

    /// Whether a form's token was issued for `cookie`, in constant time.
    pub fn check(&self, cookie: Option<&str>, token: &str) -> bool {
        cookie.is_some_and(|cookie| bool::from(self.token(cookie).as_bytes().ct_eq(token.as_bytes())))
    }

    /// A keyed hash of `value` under this process's key, for counters that
    /// must not hold the value itself (a codename's log-in attempts).
    pub fn keyed_hash(&self, label: &str, value: &[u8]) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(label.as_bytes());
        hasher.update(b"\n");
        hasher.update(value);
        *hasher.finalize().as_bytes()
    }
}

struct Entry<T> {
    value: T,
    started: Instant,
    last_seen: Instant,
}

/// Sessions in memory, keyed by the BLAKE3 of their token, ended after
/// `idle` without a request or `absolute` after they started, and at most
/// `capacity` of them: past it, the least recently used are dropped, so a
/// flood of new sessions (or pending codenames) costs bounded memory and
/// never refuses a newcomer.
pub struct SessionTable<T> {
    entries: Mutex<Entries<T>>,
    idle: Duration,
    absolute: Duration,
    capacity: usize,
}

struct Entries<T> {
    map: HashMap<[u8; 32], Entry<T>>,
    /// Expired entries are swept at most once a second, not on every
    /// insert: a scan of the whole table per request made a flood of
    /// requests quadratic.
    swept: Instant,
}

fn token_key(token: &str) -> [u8; 32] {
    *blake3::hash(token.as_bytes()).as_bytes()
}

impl<T> SessionTable<T> {
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        SessionTable::with_capacity(idle, absolute, 1 << 20)
    }

    pub fn with_capacity(idle: Duration, absolute: Duration, capacity: usize) -> Self {
        SessionTable {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                swept: Instant::now(),
            }),
            idle,
            absolute,
            capacity: capacity.max(1),
        }
    }

    fn live(&self, entry: &Entry<T>, now: Instant) -> bool {
        now.duration_since(entry.last_seen) < self.idle && now.duration_since(entry.started) < self.absolute
    }

    /// Starts a session under a fresh token, which is returned (the table
    /// keeps only its hash). Expired sessions are swept on the way.
    pub fn start(&self, value: T) -> String {
        // A token is 256 random bits; without a random source the server
        // cannot run at all, so this is not an input error.
        let token = random_token::<32>().expect("the operating system's random source failed");
        self.insert(&token, value);
        token
    }

    /// Files `value` under a token the caller chose (an anonymous cookie).
    pub fn insert(&self, token: &str, value: T) {
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        let full = entries.map.len() >= self.capacity;
        if full || now.duration_since(entries.swept) >= Duration::from_secs(1) {
            entries.map.retain(|_, entry| self.live(entry, now));
            entries.swept = now;
        }
        if entries.map.len() >= self.capacity {
            // Drop the least recently used sixteenth at once, so that the
            // sort is paid once every capacity/16 inserts.
            let mut ages: Vec<(Instant, [u8; 32])> =
                entries.map.iter().map(|(key, entry)| (entry.last_seen, *key)).collect();
            ages.sort_unstable_by_key(|(seen, _)| *seen);
            for (_, key) in ages.iter().take((self.capacity / 16).max(1)) {
                entries.map.remove(key);
            }
        }
        entries.map.insert(
            token_key(token),
            Entry {
                value,
                started: now,
                last_seen: now,
            },
        );
    }

    /// Sessions held (live or not yet swept).
    pub fn len(&self) -> usize {
        lock(&self.entries).map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `f` on the live session of `token`, touching it.
    pub fn with<R>(&self, token: &str, f: impl FnOnce(&T) -> R) -> Option<R> {
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        let key = token_key(token);
        let entry = entries.map.get_mut(&key)?;
        if !self.live(entry, now) {
            entries.map.remove(&key);
            return None;
        }
        entry.last_seen = now;
        Some(f(&entry.value))
    }

    /// Ends a session and returns its value if it was live.
    pub fn take(&self, token: &str) -> Option<T> {
        let now = Instant::now();
        let entry = lock(&self.entries).map.remove(&token_key(token))?;
        self.live(&entry, now).then_some(entry.value)
    }

    /// Ends a session.
    pub fn end(&self, token: &str) {
        lock(&self.entries).map.remove(&token_key(token));
    }
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl Window {
    /// Counts an attempt; false if the window is already full.
    fn allow(&mut self, limit: u32, length: Duration, now: Instant) -> bool {
        if now.duration_since(self.started) >= length {
            *self = Window { started: now, count: 0 };
        }
        if self.count >= limit {
            return false;
        }
        self.count += 1;
        true
    }
}

/// Why an attempt was refused: the key's own window was full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// The key's own (one name or codename).
    Key,
}

/// Attempts per key (a name or a codename), limited within a window.
///
/// There is deliberately no cap for everyone together: one client sending
/// attempts with made-up names would fill it and lock every source or
/// journalist out. What bounds the total is the work each attempt costs
/// (Argon2id, run a few at a time), which makes a flood slow, never a
/// lockout. The keys tracked are bounded too: past `MAX_TRACKED` keys in
/// one window, a new key is let through untracked rather than refused.
pub struct Throttle {
    windows: Mutex<HashMap<[u8; 32], Window>>,
    per_key: u32,
    window: Duration,
}

/// The most keys one window tracks (about 3 MiB).
const MAX_TRACKED: usize = 65_536;

impl Throttle {
    pub fn new(per_key: u32, window: Duration) -> Self {
        Throttle {
            windows: Mutex::new(HashMap::new()),
            per_key,
            window,
        }
    }

    /// Counts an attempt for `key` (a keyed hash, never a name in clear).
    pub fn attempt(&self, key: [u8; 32]) -> Result<(), Throttled> {
        let now = Instant::now();
        let window = self.window;
        let mut per_key = lock(&self.windows);
        per_key.retain(|_, w| now.duration_since(w.started) < window);
        if per_key.len() >= MAX_TRACKED && !per_key.contains_key(&key) {
            return Ok(());
        }
        let counter = per_key.entry(key).or_insert(Window { started: now, count: 0 });
        if !counter.allow(self.per_key, window, now) {
            return Err(Throttled::Key);
        }
        Ok(())
    }
}

/// The headers SecureDrop's source interface sends, and a few more: no
/// scripts, frames, referrers, caches or cross-origin reads.
pub async fn harden(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("cross-origin-embedder-policy", "require-corp"),
        (
            "permissions-policy",
            "interest-cohort=(), camera=(), microphone=(), geolocation=()",
        ),
    ] {
        headers.insert(header::HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    headers.remove(header::SERVER);
    response
}

#[cfg(test)]
mod tests {
    use super::{highlight_parts, url_encode};

    #[test]
    fn query_parameters_are_encoded() {
        assert_eq!(url_encode("from:a@b \"x y\""), "from%3Aa%40b%20%22x%20y%22");
    }

    #[test]
    fn snippets_are_split_at_their_highlights() {
        assert_eq!(
            highlight_parts("a bc d", &[(2, 4)]),
            vec![
                ("a ".to_owned(), false),
                ("bc".to_owned(), true),
                (" d".to_owned(), false)
            ]
        );
        // Ranges off a character boundary are ignored, never a panic.
        assert_eq!(highlight_parts("äb", &[(1, 2)]), vec![("äb".to_owned(), false)]);
    }

    use super::*;

    #[test]
    fn csrf_tokens_are_bound_to_their_cookie_and_domain() {
        let csrf = Csrf::new("trove/test-csrf/v1").unwrap();
        let other = Csrf::new("trove/test-csrf/v1").unwrap();
        let token = csrf.token("cookie-a");
        assert!(csrf.check(Some("cookie-a"), &token));
        assert!(!csrf.check(Some("cookie-b"), &token));
        assert!(!csrf.check(None, &token));
        assert!(!other.check(Some("cookie-a"), &token), "another process's key");
        assert!(!csrf.check(Some("cookie-a"), &token[..63]));
    }

    #[test]
    fn sessions_end_when_idle_absolute_or_ended() {
        let table = SessionTable::new(Duration::from_secs(60), Duration::from_secs(3600));
        let token = table.start(7u32);
        assert_eq!(table.with(&token, |v| *v), Some(7));
        assert_eq!(table.with("not-a-token", |v| *v), None);
        table.end(&token);
        assert_eq!(table.with(&token, |v| *v), None);

        let idle = SessionTable::new(Duration::ZERO, Duration::from_secs(3600));
        let token = idle.start(1u32);
        assert_eq!(idle.with(&token, |v| *v), None, "idle expiry");
        let absolute = SessionTable::new(Duration::from_secs(60), Duration::ZERO);
        let token = absolute.start(1u32);
        assert_eq!(absolute.with(&token, |v| *v), None, "absolute expiry");

        let pending = SessionTable::new(Duration::from_secs(60), Duration::from_secs(60));
        pending.insert("anon", "codename");
        assert_eq!(pending.take("anon"), Some("codename"));
        assert_eq!(pending.take("anon"), None, "taken once");
    }

    #[test]
    fn a_flood_of_sessions_is_bounded_and_the_newest_stays() {
        let table = SessionTable::with_capacity(Duration::from_secs(60), Duration::from_secs(60), 100);
        let mut last = String::new();
        for i in 0..1_000 {
            last = table.start(i);
        }
        assert!(table.len() <= 100, "{} held", table.len());
        assert_eq!(table.with(&last, |v| *v), Some(999));
    }

    #[test]
    fn throttles_count_per_key_and_one_key_never_locks_out_another() {
        let throttle = Throttle::new(2, Duration::from_secs(60));
        assert_eq!(throttle.attempt([1; 32]), Ok(()));
        assert_eq!(throttle.attempt([1; 32]), Ok(()));
        assert_eq!(throttle.attempt([1; 32]), Err(Throttled::Key));
        // A flood of other keys locks out nobody else.
        for i in 0..10_000u32 {
            let mut key = [0u8; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            key[31] = 7;
            let _ = throttle.attempt(key);
        }
        assert_eq!(throttle.attempt([2; 32]), Ok(()));
        let open = Throttle::new(1, Duration::ZERO);
        assert_eq!(open.attempt([1; 32]), Ok(()));
        assert_eq!(open.attempt([1; 32]), Ok(()), "a window of zero length restarts");
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; trove_session=abc; b=2"));
        assert_eq!(cookie(&headers, "trove_session"), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
        assert_eq!(
            set_cookie("x", "y", "/desk"),
            "x=y; Path=/desk; HttpOnly; SameSite=Strict"
        );
    }
}

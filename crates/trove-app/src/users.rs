//! Desk users: a role, an Argon2id-hashed password, and a TOTP secret.
//! Creating them is a newsroom operation (`trove users add`); the desk's
//! log-in page checks them with [`verify_login`].

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use trove_store::UserRecord;
use zeroize::Zeroizing;

use trove_store::Day;

/// Why a user cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0:?} is not a role: journalist, editor, admin or partner")]
    BadRole(String),
    #[error("{0:?} is not a user name: use 2 to 32 letters, digits, '-' or '_'")]
    BadName(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("no randomness available: {0}")]
    Random(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads submissions, triages, talks with sources.
    Journalist,
    /// And decides (with an editor signing key of the same name).
    Editor,
    /// And manages users.
    Admin,
    /// A media partner's user: reads the releases granted to its
    /// organisation before they are public, and nothing else of the desk.
    Partner,
}

impl Role {
    pub fn parse(text: &str) -> Result<Role, UserError> {
        match text {
            "journalist" => Ok(Role::Journalist),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            "partner" => Ok(Role::Partner),
            other => Err(UserError::BadRole(other.to_owned())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Journalist => "journalist",
            Role::Editor => "editor",
            Role::Admin => "admin",
            Role::Partner => "partner",
        }
    }

    /// Whether the role works at the desk (every role but a partner's).
    pub fn at_desk(self) -> bool {
        !matches!(self, Role::Partner)
    }

    /// Whether the role may sign decisions.
    pub fn decides(self) -> bool {
        matches!(self, Role::Editor | Role::Admin)
    }
}

/// A new user's record and the secrets to hand over once.
pub struct NewUser {
    pub record: UserRecord,
    pub password: Zeroizing<String>,
    /// The TOTP secret in base32, for an authenticator app.
    pub totp_secret: String,
}

impl NewUser {
    /// The `otpauth://` URI an authenticator app imports.
    pub fn otpauth_uri(&self, issuer: &str) -> String {
        format!(
            "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
            self.record.name, self.totp_secret
        )
    }
}

fn random<const N: usize>() -> Result<[u8; N], UserError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| UserError::Random(e.to_string()))?;
    Ok(bytes)
}

/// Creates a user with a fresh password (shown once) and TOTP secret.
pub fn create(name: &str, role: Role, day: Day) -> Result<NewUser, UserError> {
    let valid = (2..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(UserError::BadName(name.to_owned()));
    }
    // 120 bits, in lower-case base32 groups that read aloud well.
    let raw = data_encoding::BASE32_NOPAD.encode(&random::<15>()?).to_lowercase();
    let password = Zeroizing::new(
        raw.as_bytes()
            .chunks(6)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-"),
    );
    let totp_secret = data_encoding::BASE32_NOPAD.encode(&random::<20>()?);
    Ok(NewUser {
        record: UserRecord {
            name: name.to_owned(),
            role: role.as_str().to_owned(),
            password_hash: hash_password(&password)?,
            totp_secret: totp_secret.clone(),
            created_day: day.to_string(),
            disabled: false,
        },
        password,
        totp_secret,
    })
}

pub fn hash_password(password: &str) -> Result<String, UserError> {
    let salt = SaltString::encode_b64(&random::<16>()?).map_err(|e| UserError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

/// RFC 6238 with the parameters every authenticator app supports:
/// HMAC-SHA-1, 6 digits, 30-second steps, one step of clock skew.
fn totp(secret: &str) -> Option<totp_rs::Totp> {
    // Secrets are 160 bits, as RFC 4226 recommends.
    let bytes: [u8; 20] = data_encoding::BASE32_NOPAD
        .decode(secret.as_bytes())
        .ok()?
        .try_into()
        .ok()?;
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes)
        .build()
        .ok()
}

/// The TOTP code of a secret at a Unix time (for tests and the demo).
pub fn totp_code(secret: &str, unix_time: u64) -> Option<String> {
    Some(totp(secret)?.generate(unix_time).to_string())
}

/// Checks a log-in: the password against its Argon2id hash, and the TOTP
/// code for the current 30-second step or its neighbours. Both are always
/// checked, so the time taken says nothing about which one failed.
/// Returns the step the code belongs to: the caller refuses a step it has
/// already accepted for this user (RFC 6238 §5.2: a code is good once).
pub fn verify_login(user: &UserRecord, password: &str, code: &str, unix_time: u64) -> Option<u64> {
    let password_ok = password_matches(&user.password_hash, password);
    let step = totp(&user.totp_secret).and_then(|t| t.check(code.trim(), unix_time));
    step.filter(|_| password_ok)
}

fn password_matches(hash: &str, password: &str) -> bool {
    #[cfg(test)]
    tests::PASSWORDS_CHECKED.with(|checked| checked.set(checked.get() + 1));
    PasswordHash::new(hash)
        .map(|hash| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// For a name that has no account: the same Argon2id work as for one that
/// has, against a hash of nothing anyone knows, so the time a refusal
/// takes does not tell which names exist. Always None.
pub fn verify_unknown(password: &str) -> Option<u64> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = DUMMY.get_or_init(|| {
        hash_password("trove: no such user").unwrap_or_else(|_| {
            // Without randomness a fixed salt will do: the hash guards no
            // secret, it only costs what a real one costs.
            let salt = SaltString::encode_b64(b"trove-dummy-salt").expect("a valid salt");
            argon2::Argon2::default()
                .hash_password(b"trove: no such user", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
    });
    let _ = password_matches(hash, password);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Argon2id verifications done on this thread (tests run side by
        /// side), to show that unknown names cost one.
        pub(super) static PASSWORDS_CHECKED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[test]
    fn an_unknown_name_costs_an_argon2_verification_too() {
        let day: Day = "2026-11-27".parse().unwrap();
        let user = create("olena", Role::Editor, day).unwrap();
        let checked = || PASSWORDS_CHECKED.with(std::cell::Cell::get);
        let before = checked();
        assert!(verify_login(&user.record, "wrong", "000000", 1_800_000_000).is_none());
        let known = checked() - before;
        let before = checked();
        assert!(verify_unknown("wrong").is_none());
        let unknown = checked() - before;
        assert_eq!((known, unknown), (1, 1), "one Argon2id verification each");
    }

    #[test]
    fn a_new_user_logs_in_with_password_and_code_only() {
        let day: Day = "2026-11-27".parse().unwrap();
        let user = create("olena", Role::Editor, day).unwrap();
        let now = 1_800_000_000;
        let code = totp_code(&user.totp_secret, now).unwrap();
        assert_eq!(verify_login(&user.record, &user.password, &code, now), Some(now / 30));
        assert!(
            verify_login(&user.record, &user.password, &code, now + 30).is_some(),
            "one step of skew"
        );
        assert!(verify_login(&user.record, &user.password, &code, now + 300).is_none());
        assert!(verify_login(&user.record, "wrong", &code, now).is_none());
        assert!(!user.record.password_hash.contains(user.password.as_str()));
        assert!(
            user.otpauth_uri("trove")
                .starts_with("otpauth://totp/trove:olena?secret=")
        );
        // RFC 6238 appendix B, SHA-1: the secret "12345678901234567890" at 59 s.
        let rfc = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        assert_eq!(totp_code(&rfc, 59).unwrap(), "287082");
        assert!(create("no spaces", Role::Admin, day).is_err());
        assert!(Role::parse("owner").is_err());
    }
}

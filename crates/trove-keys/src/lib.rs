//! The newsroom's keys, on disk and in memory.
//!
//! trove uses two kinds of key:
//!
//! * an **age X25519 identity** (the desk's decryption key) and its
//!   **recipient list** (the public half, which is all the intake holds);
//! * **Ed25519 statement keys** that sign log checkpoints, intake receipts
//!   and editors' decisions. They are stored in the C2SP signed-note key
//!   format (`PRIVATE+KEY+<name>+<id>+<base64>` and the verifier key
//!   `<name>+<id>+<base64>`), so standard note tooling reads them.
//!
//! Key files live in `DATA/keys/`. Private files are created with mode
//! 0600 and refused on load when group or others can read them.
//!
//! This crate must never print, log or serialize a private key except into
//! its own 0600 file: [`Keyring::public_keys`] is the only listing it offers.
//!
//! ```no_run
//! use trove_keys::Keyring;
//! let origin: trove_keys::LogOrigin = "news.example.org/log".parse()?;
//! let keyring = Keyring::generate("trove-data/keys".as_ref(), "editor", &origin, false)?;
//! let recipients = keyring.recipients()?; // what the intake may hold
//! let identity = keyring.identity()?;     // desk only
//! # Ok::<(), trove_keys::KeyError>(())
//! ```

mod note;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use zeroize::Zeroizing;

pub use note::{KeyAlg, NoteKeyError, NoteSigningKey, NoteVerifierKey};

/// Errors from creating or loading key files. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key directory {0} already holds keys; pass --force to replace them (the old keys are lost)")]
    AlreadyExists(PathBuf),
    #[error("key file {path} is missing: run `trove init` for this data directory")]
    Missing { path: PathBuf },
    #[error("cannot read key file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write key file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error(
        "private key file {path} has mode {mode:04o}, readable by others; run `chmod 600 {path}` and check who may have copied it"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("key file {path} is malformed: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("key file {path} is malformed: {source}")]
    NoteKey { path: PathBuf, source: NoteKeyError },
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("log origin {0:?} is not a schema-less URL without spaces or '+' (like news.example.org/log)")]
    Origin(String),
}

/// The transparency log's origin: the first line of every checkpoint and
/// the name of the log key. C2SP asks for a schema-less URL, unique to the
/// log, so that a verifier never mistakes one newsroom's log for another's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOrigin(String);

impl LogOrigin {
    /// An origin no other log has, for a newsroom that has not chosen one:
    /// `trove.invalid/log-` and 16 random hex digits (`.invalid` never
    /// resolves, RFC 2606).
    pub fn unique() -> Result<LogOrigin, KeyError> {
        let mut bytes = [0u8; 8];
        getrandom::getrandom(&mut bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(LogOrigin(format!("trove.invalid/log-{hex}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for LogOrigin {
    type Err = KeyError;

    /// Non-empty, no scheme, no Unicode space, no '+' (a signed-note key
    /// name), at most 255 bytes.
    fn from_str(text: &str) -> Result<LogOrigin, KeyError> {
        let fits = !text.is_empty()
            && text.len() <= 255
            && !text.contains("://")
            && !text.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control());
        if fits {
            Ok(LogOrigin(text.to_owned()))
        } else {
            Err(KeyError::Origin(text.to_owned()))
        }
    }
}

/// Who a statement key belongs to. The role fixes the file name and the
/// key name inside signed notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementRole {
    /// Signs transparency-log checkpoints.
    Log,
    /// The intake's own key: signs receipts. Not a decryption identity.
    Intake,
    /// An editor's key: signs decisions.
    Editor(String),
    /// A partner's witness key: cosigns checkpoints (tlog-cosignature/v1).
    Witness(String),
}

impl StatementRole {
    fn file_stem(&self) -> String {
        match self {
            StatementRole::Log => "log".into(),
            StatementRole::Intake => "intake".into(),
            StatementRole::Editor(name) => format!("editor-{name}"),
            StatementRole::Witness(name) => format!("witness-{name}"),
        }
    }

    /// The key name used in signed notes (`trove-log`, `trove-editor-ana`).
    pub fn key_name(&self) -> String {
        format!("trove-{}", self.file_stem())
    }
}

/// One line of `trove keys list`: public material only.
#[derive(Debug, Clone)]
pub struct PublicKeyInfo {
    pub role: String,
    pub kind: &'static str,
    pub public: String,
    pub file: PathBuf,
}

const IDENTITY_FILE: &str = "newsroom.identity";
const RECIPIENTS_FILE: &str = "newsroom.recipients";

/// The key directory of one data directory.
#[derive(Debug, Clone)]
pub struct Keyring {
    dir: PathBuf,
}

impl Keyring {
    /// Opens an existing key directory without reading any key yet.
    pub fn open(dir: &Path) -> Self {
        Keyring { dir: dir.to_owned() }
    }

    /// Creates every key a newsroom starts with: the age identity and its
    /// recipient list, and Ed25519 keys for the log (named by its
    /// `origin`), the intake and one editor. Refuses to overwrite unless
    /// `force`.
    pub fn generate(dir: &Path, editor: &str, origin: &LogOrigin, force: bool) -> Result<Self, KeyError> {
        let keyring = Keyring::open(dir);
        if keyring.path(IDENTITY_FILE).exists() && !force {
            return Err(KeyError::AlreadyExists(dir.to_owned()));
        }
        fs::create_dir_all(dir).map_err(|source| KeyError::Write {
            path: dir.to_owned(),
            source,
        })?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|source| KeyError::Write {
            path: dir.to_owned(),
            source,
        })?;

        let identity = age::x25519::Identity::generate();
        let secret = identity.to_string();
        let created = "# age identity of the newsroom (desk only). Never copy it to the intake.\n";
        let text = Zeroizing::new(format!(
            "{created}# public key: {}\n{}\n",
            identity.to_public(),
            age::secrecy::ExposeSecret::expose_secret(&secret)
        ));
        write_private(&keyring.path(IDENTITY_FILE), text.as_bytes())?;
        write_public(
            &keyring.path(RECIPIENTS_FILE),
            format!(
                "# age recipients of the newsroom: the intake encrypts to every line.\n{}\n",
                identity.to_public()
            )
            .as_bytes(),
        )?;

        keyring.write_statement_key(&StatementRole::Log, origin.as_str())?;
        for role in [StatementRole::Intake, StatementRole::Editor(editor.to_owned())] {
            keyring.generate_statement_key(&role)?;
        }
        Ok(keyring)
    }

    /// Creates (or replaces) the Ed25519 key of one role.
    pub fn generate_statement_key(&self, role: &StatementRole) -> Result<NoteVerifierKey, KeyError> {
        let name = match role {
            // The log key keeps the origin it was made with.
            StatementRole::Log => self
                .verifier_key(role)
                .map_or_else(|_| role.key_name(), |k| k.name().to_owned()),
            _ => role.key_name(),
        };
        self.write_statement_key(role, &name)
    }

    fn write_statement_key(&self, role: &StatementRole, name: &str) -> Result<NoteVerifierKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
        let alg = match role {
            StatementRole::Witness(_) => KeyAlg::Cosignature,
            _ => KeyAlg::Ed25519,
        };
        let key = NoteSigningKey::with_alg(name, alg, &seed);
        let stem = role.file_stem();
        write_private(&self.path(&format!("{stem}.key")), key.to_note_string().as_bytes())?;
        let verifier = key.verifier();
        write_public(&self.path(&format!("{stem}.vkey")), format!("{verifier}\n").as_bytes())?;
        Ok(verifier)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The newsroom's recipients: the only key material the intake gets.
    pub fn recipients(&self) -> Result<Vec<age::x25519::Recipient>, KeyError> {
        let path = self.path(RECIPIENTS_FILE);
        let text = read_file(&path)?;
        let recipients = content_lines(&text)
            .map(|line| {
                age::x25519::Recipient::from_str(line).map_err(|e| KeyError::Malformed {
                    path: path.clone(),
                    reason: format!("not an age X25519 recipient ({e}): {line:?}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if recipients.is_empty() {
            return Err(KeyError::Malformed {
                path,
                reason: "no recipient in the file".into(),
            });
        }
        Ok(recipients)
    }

    /// The newsroom's decryption identity. Desk only.
    pub fn identity(&self) -> Result<age::x25519::Identity, KeyError> {
        let path = self.path(IDENTITY_FILE);
        let text = read_private(&path)?;
        let line = content_lines(&text).next().ok_or_else(|| KeyError::Malformed {
            path: path.clone(),
            reason: "no AGE-SECRET-KEY line".into(),
        })?;
        age::x25519::Identity::from_str(line).map_err(|_| KeyError::Malformed {
            path,
            reason: "not an age X25519 identity".into(),
        })
    }

    /// The signing key of one role.
    pub fn signing_key(&self, role: &StatementRole) -> Result<NoteSigningKey, KeyError> {
        let path = self.path(&format!("{}.key", role.file_stem()));
        let text = read_private(&path)?;
        NoteSigningKey::parse(text.trim()).map_err(|source| KeyError::NoteKey { path, source })
    }

    /// The verifier key of one role.
    pub fn verifier_key(&self, role: &StatementRole) -> Result<NoteVerifierKey, KeyError> {
        let path = self.path(&format!("{}.vkey", role.file_stem()));
        let text = read_file(&path)?;
        NoteVerifierKey::parse(text.trim()).map_err(|source| KeyError::NoteKey { path, source })
    }

    /// Public parts of every key in the directory, for `trove keys list`.
    pub fn public_keys(&self) -> Result<Vec<PublicKeyInfo>, KeyError> {
        let mut keys = Vec::new();
        for recipient in self.recipients()? {
            keys.push(PublicKeyInfo {
                role: "newsroom".into(),
                kind: "age-x25519-recipient",
                public: recipient.to_string(),
                file: self.path(RECIPIENTS_FILE),
            });
        }
        let entries = fs::read_dir(&self.dir).map_err(|source| KeyError::Read {
            path: self.dir.clone(),
            source,
        })?;
        let mut vkeys: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "vkey"))
            .collect();
        vkeys.sort();
        for path in vkeys {
            let text = read_file(&path)?;
            let verifier = NoteVerifierKey::parse(text.trim()).map_err(|source| KeyError::NoteKey {
                path: path.clone(),
                source,
            })?;
            let role = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            keys.push(PublicKeyInfo {
                role,
                kind: "ed25519-note-vkey",
                public: verifier.to_string(),
                file: path,
            });
        }
        Ok(keys)
    }
}

fn content_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

fn read_file(path: &Path) -> Result<String, KeyError> {
    fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => KeyError::Missing { path: path.to_owned() },
        _ => KeyError::Read {
            path: path.to_owned(),
            source,
        },
    })
}

/// Reads a secret file of the key directory that is not a key (the intake's
/// pepper, the newsroom's API key), after checking that only its owner can
/// read it.
pub fn read_secret(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    read_private(path)
}

/// Writes such a secret file (or any private file): mode 0600, replaced
/// atomically and durably.
pub fn write_secret(path: &Path, text: &str) -> Result<(), KeyError> {
    write_private(path, text.as_bytes())
}

/// Reads a private key file after checking that only its owner can read it.
fn read_private(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let meta = fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => KeyError::Missing { path: path.to_owned() },
        _ => KeyError::Read {
            path: path.to_owned(),
            source,
        },
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::TooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    read_file(path).map(Zeroizing::new)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    write_with_mode(path, bytes, 0o600)
}

fn write_public(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    write_with_mode(path, bytes, 0o644)
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let err = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    // Replace by rename so that a crash never leaves half a key, and so the
    // new file gets `mode` even when an older, more open file was there.
    let tmp = path.with_extension("tmp");
    let _ = fs::remove_file(&tmp);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)?;
    fs::rename(&tmp, path).map_err(err)?;
    // The rename is durable once the folder's entry is.
    match path.parent() {
        Some(dir) => fs::File::open(dir).and_then(|d| d.sync_all()).map_err(err),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> LogOrigin {
        "news.example.org/log".parse().unwrap()
    }

    #[test]
    fn the_log_key_is_named_by_its_origin_and_origins_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::generate(dir.path(), "ana", &origin(), false).unwrap();
        assert_eq!(
            ring.signing_key(&StatementRole::Log).unwrap().name(),
            "news.example.org/log"
        );
        assert_eq!(
            ring.verifier_key(&StatementRole::Intake).unwrap().name(),
            "trove-intake"
        );
        for bad in ["", "https://news.example.org/log", "news example", "a+b", "tab\there"] {
            let error = bad.parse::<LogOrigin>().unwrap_err().to_string();
            assert!(error.contains("schema-less URL"), "{bad:?}: {error}");
        }
        let (a, b) = (LogOrigin::unique().unwrap(), LogOrigin::unique().unwrap());
        assert_ne!(a, b);
        assert!(a.as_str().starts_with("trove.invalid/log-"));
        assert_eq!(a.as_str().parse::<LogOrigin>().unwrap(), a);
    }

    #[test]
    fn generated_keys_load_and_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let ring = Keyring::generate(&keys, "ana", &origin(), false).unwrap();
        let identity = ring.identity().map_err(|e| e.to_string()).unwrap();
        assert_eq!(ring.recipients().unwrap(), vec![identity.to_public()]);
        let mode = fs::metadata(keys.join(IDENTITY_FILE)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let editor = StatementRole::Editor("ana".into());
        let signer = ring.signing_key(&editor).unwrap();
        assert_eq!(signer.verifier(), ring.verifier_key(&editor).unwrap());
        assert_eq!(signer.verifier().name(), "trove-editor-ana");

        let listed = ring.public_keys().unwrap();
        assert_eq!(listed.len(), 4);
        let secret = identity.to_string();
        let secret = age::secrecy::ExposeSecret::expose_secret(&secret);
        assert!(
            listed
                .iter()
                .all(|k| !k.public.contains(secret) && !k.public.contains("PRIVATE"))
        );
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keyring::generate(dir.path(), "ana", &origin(), false)
            .unwrap()
            .recipients()
            .unwrap();
        let err = Keyring::generate(dir.path(), "ana", &origin(), false).unwrap_err();
        assert!(matches!(err, KeyError::AlreadyExists(_)), "{err}");
        let second = Keyring::generate(dir.path(), "ana", &origin(), true)
            .unwrap()
            .recipients()
            .unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn open_identity_file_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::generate(dir.path(), "ana", &origin(), false).unwrap();
        let path = dir.path().join(IDENTITY_FILE);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let Err(error) = ring.identity() else {
            panic!("an open identity file was accepted")
        };
        let message = error.to_string();
        assert!(
            message.contains("chmod 600") && message.contains(IDENTITY_FILE),
            "{message}"
        );
    }

    #[test]
    fn missing_and_malformed_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::open(dir.path());
        let message = ring.recipients().unwrap_err().to_string();
        assert!(
            message.contains(RECIPIENTS_FILE) && message.contains("trove init"),
            "{message}"
        );
        fs::write(dir.path().join(RECIPIENTS_FILE), "age1notakey\n").unwrap();
        let message = ring.recipients().unwrap_err().to_string();
        assert!(
            message.contains("malformed") && message.contains("age1notakey"),
            "{message}"
        );
    }
}

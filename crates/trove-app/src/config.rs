//! `trove.toml`: the data directory's configuration.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::AppError;

/// The file `trove init` writes. Every key is documented where it stands.
pub const TEMPLATE: &str = r#"# trove configuration for this data directory.
# Relative paths are relative to the directory that holds this file.

[store]
# Where sealed blobs live. "fs": content-addressed files under `path`
# (fan-out ab/cd/<id>, named by the BLAKE3 of the ciphertext). "s3": an
# S3-compatible bucket, as [store.s3] below says (only ciphertext is sent).
backend = "fs"
path = "blobs"
# Staging files older than this many hours are the remains of puts that
# were killed; they are removed when the store opens.
stale_staging_hours = 24

# [store.s3]
# endpoint = "http://127.0.0.1:8333"   # left out for AWS itself
# bucket = "trove"
# region = "us-east-1"
# prefix = "blobs/"                    # several data directories may share a bucket
# Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the
# environment (preferred), or access_key_id and secret_access_key here.

[database]
# The metadata database. "sqlite": one file at `path` (WAL, synchronous=FULL).
# "postgres": the server at `url` (postgres://user@host/db, or a socket
# folder as postgres:///db?host=/run/postgresql), which workers on other
# machines share; TROVE_DATABASE_URL in the environment (preferred, as it
# may hold a password) overrides `url`. Its database must sort by bytes:
# `createdb --locale=C --template=template0 trove`.
backend = "sqlite"
path = "trove.db"
# url = "postgres:///trove?host=/run/postgresql"
# max_connections = 8

[log]
# The transparency log: checkpoint, tiles and entry bundles in the C2SP
# tlog-tiles layout, served as static files under /log/ by `trove serve`.
path = "log"

[ingest]
# Containers nested deeper than this are recorded but not opened.
max_depth = 12
# An archive member may expand to at most this many times its compressed
# size (and at least 1 MiB); beyond, it is recorded as a decompression bomb.
max_ratio = 200
# The largest document read into memory (MiB); larger ones are recorded as
# partial with the reason.
max_document_mib = 256
# Extracted text beyond this (MiB) is cut, and the cut recorded.
max_text_mib = 32
# Tesseract languages for OCR of images, used when the `tesseract` command
# is installed (e.g. "eng+rus"); "" turns OCR off.
ocr_language = "eng"
# Every document is parsed in a worker process confined with Landlock
# (read-only system libraries, no data directory, only the helper
# programs), seccomp (no network) and these limits; a document that
# exceeds them is recorded as failed with the reason, and the rest goes on.
# false parses in the trove process itself: only for a trusted corpus.
confine = true
parser_memory_mib = 2048
# CPU seconds a document (the wall clock allows twice as much).
parser_seconds = 300

[intake]
# The newsroom's name on the source pages.
newsroom = "trove newsroom"
# The largest file a source may upload, and what one source may have stored
# at once (sizes like 500M, 100G). Going over either gives a clear page or
# response and keeps what was already acknowledged.
max_file = "100G"
max_source = "100G"
# Resumable (tus) uploads are sealed in parts of at most this size, each
# acknowledged as it completes: a dropped connection loses nothing that
# arrived, and memory stays bounded whatever the file's size.
part_size = "64M"
# The longest message a source may send.
max_message = "256K"
# A source's session ends after this many idle minutes.
session_idle_minutes = 30
# Connections open at once on each listener (one more is closed at once),
# and the seconds a request's headers may take to arrive: clients that
# open connections and send nothing, or send a byte a minute, cannot hold
# the server.
max_connections = 1024
header_timeout_seconds = 30
# Log-in attempts allowed per minute for one codename. No per-address
# state is kept, and there is no cap for everyone together (one client
# could fill it and lock every source out): the Argon2id work below, two
# derivations at a time, is what bounds a flood.
login_attempts_per_codename = 5
# Argon2id cost of a codename derivation (memory in MiB, passes).
kdf_memory_mib = 64
kdf_passes = 3
# `trove pull`: the newsroom's API key file (its BLAKE3 is compared in
# constant time), and how many days after the desk confirmed a pull the
# intake deletes what it pulled.
api_key_file = "keys/intake.apikey"
retention_days = 14
# A codename that never submitted, never wrote and never began an upload
# is forgotten this many days after it was made.
unused_source_days = 30
# A resumable upload begun this many days ago and never finished is deleted
# with what arrived of it.
abandoned_upload_days = 7

[triage]
# The shipped gazetteer (countries, capitals, demonyms in five languages)
# can be extended with a file of the same form (TSV: code, language,
# country, capital, demonym). The rules and thresholds are in policy.toml.
# gazetteer = "places.tsv"

[overlap]
# A document is "partial" only when one published document covers at least
# this share of its words; below, it is new and its quotations are listed.
partial_share = 0.20
# Passages recurring in at least this share of the documents of the
# submission or of one published corpus, and in at least
# `boilerplate_documents` of them, are boilerplate (signatures, disclaimers,
# licence text, list footers): reported, never evidence of publication.
boilerplate_share = 0.01
boilerplate_documents = 20

[schedule]
# The editor whose key signs schedule statements and publications when
# `trove serve` publishes a release whose hour has come (the bound and
# limits are in policy.toml).
editor = "chief"

[keys]
# The key directory: the newsroom's age identity (desk only, mode 0600), its
# recipient list (all that the intake holds), and Ed25519 statement keys for
# the log, the intake's receipts and each editor.
path = "keys"
"#;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub store: StoreConfig,
    pub database: DatabaseConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub ingest: IngestConfig,
    #[serde(default)]
    pub intake: IntakeConfig,
    #[serde(default)]
    pub triage: TriageConfig,
    #[serde(default)]
    pub overlap: OverlapConfig,
    #[serde(default)]
    pub schedule: ScheduleConfig,
    pub keys: KeysConfig,
}

/// `[schedule]`: who signs what `trove serve` publishes on time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleConfig {
    pub editor: String,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig { editor: "chief".into() }
    }
}

/// `[overlap]`: when a shared passage makes a document partial, and when
/// it is boilerplate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverlapConfig {
    pub partial_share: f64,
    pub boilerplate_share: f64,
    pub boilerplate_documents: u64,
}

impl Default for OverlapConfig {
    fn default() -> Self {
        let settings = trove_overlap::Settings::default();
        OverlapConfig {
            partial_share: settings.partial_share,
            boilerplate_share: settings.boilerplate_share,
            boilerplate_documents: settings.boilerplate_documents,
        }
    }
}

impl OverlapConfig {
    pub fn settings(&self) -> trove_overlap::Settings {
        trove_overlap::Settings {
            partial_share: self.partial_share,
            boilerplate_share: self.boilerplate_share,
            boilerplate_documents: self.boilerplate_documents,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageConfig {
    /// More places, in the shipped gazetteer's TSV form.
    pub gazetteer: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeConfig {
    pub newsroom: String,
    #[serde(deserialize_with = "size")]
    pub max_file: u64,
    #[serde(deserialize_with = "size")]
    pub max_source: u64,
    #[serde(deserialize_with = "size")]
    pub part_size: u64,
    #[serde(deserialize_with = "size")]
    pub max_message: u64,
    pub session_idle_minutes: u64,
    pub max_connections: usize,
    pub header_timeout_seconds: u64,
    pub login_attempts_per_codename: u32,
    pub kdf_memory_mib: u32,
    pub kdf_passes: u32,
    pub api_key_file: PathBuf,
    pub retention_days: u64,
    pub unused_source_days: u64,
    pub abandoned_upload_days: u64,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig {
            newsroom: "trove newsroom".into(),
            max_file: 100 << 30,
            max_source: 100 << 30,
            part_size: 64 << 20,
            max_message: 256 << 10,
            session_idle_minutes: 30,
            max_connections: 1024,
            header_timeout_seconds: 30,
            login_attempts_per_codename: 5,
            kdf_memory_mib: 64,
            kdf_passes: 3,
            api_key_file: PathBuf::from("keys/intake.apikey"),
            retention_days: 14,
            unused_source_days: 30,
            abandoned_upload_days: 7,
        }
    }
}

fn size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let text = String::deserialize(d)?;
    parse_size(&text).map_err(serde::de::Error::custom)
}

/// A text that is not a size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("{0:?} is not a size like 100M or 1G")]
    NotASize(String),
    #[error("unknown size unit {0:?} (use K, M, G or T)")]
    Unit(String),
    #[error("{0} is too large")]
    TooLarge(String),
}

/// A size like `500K`, `100M`, `1G` (binary units) or plain bytes.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| SizeError::NotASize(text.to_owned()))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(SizeError::Unit(other.to_owned())),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| SizeError::TooLarge(text.to_owned()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub path: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestConfig {
    pub max_depth: usize,
    pub max_ratio: u64,
    pub max_document_mib: usize,
    pub max_text_mib: usize,
    #[serde(default)]
    pub ocr_language: String,
    /// Parse every document in a confined worker process.
    #[serde(default = "yes")]
    pub confine: bool,
    #[serde(default = "parser_memory_mib")]
    pub parser_memory_mib: u64,
    #[serde(default = "parser_seconds")]
    pub parser_seconds: u64,
}

fn yes() -> bool {
    true
}

fn parser_memory_mib() -> u64 {
    2048
}

fn parser_seconds() -> u64 {
    300
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            max_depth: 12,
            max_ratio: 200,
            max_document_mib: 256,
            max_text_mib: 32,
            ocr_language: String::new(),
            confine: yes(),
            parser_memory_mib: parser_memory_mib(),
            parser_seconds: parser_seconds(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            path: PathBuf::from("log"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub backend: StoreBackend,
    pub path: PathBuf,
    pub stale_staging_hours: u64,
    /// The bucket, for `backend = "s3"`.
    #[serde(default)]
    pub s3: Option<S3Table>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    Fs,
    S3,
}

/// `[store.s3]`: an S3-compatible bucket for the sealed blobs.
#[derive(Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct S3Table {
    #[serde(default)]
    pub endpoint: Option<String>,
    pub bucket: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Table {
    // Never print the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Table")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl S3Table {
    pub fn to_config(&self) -> trove_s3::S3Config {
        trove_s3::S3Config {
            endpoint: self.endpoint.clone(),
            bucket: self.bucket.clone(),
            region: self.region.clone(),
            prefix: self.prefix.clone(),
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
        }
    }
}

/// What a configuration with the S3 backend and no bucket is told.
pub(crate) const NO_S3_TABLE: &str = "[store] backend = \"s3\" needs a [store.s3] table naming its bucket";

/// The template with its database at the PostgreSQL server `url`
/// (`trove init --database`); an error says what is wrong with the URL.
pub fn with_postgres(url: &str) -> Result<String, AppError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(AppError::DatabaseUrl(format!("takes a postgres:// URL, not {url:?}")));
    }
    if url.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
        return Err(AppError::DatabaseUrl(
            "holds a quote, a backslash or a control character; percent-encode it".into(),
        ));
    }
    let sqlite = "backend = \"sqlite\"\npath = \"trove.db\"\n# url = \"postgres:///trove?host=/run/postgresql\"\n";
    debug_assert!(TEMPLATE.contains(sqlite));
    Ok(TEMPLATE.replace(
        sqlite,
        &format!("backend = \"postgres\"\npath = \"trove.db\"\nurl = \"{url}\"\n"),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub backend: DatabaseBackend,
    #[serde(default = "default_database_path")]
    pub path: PathBuf,
    /// The PostgreSQL server (`postgres` only); TROVE_DATABASE_URL wins.
    pub url: Option<String>,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

fn default_database_path() -> PathBuf {
    PathBuf::from("trove.db")
}

fn default_max_connections() -> u32 {
    8
}

impl std::fmt::Debug for DatabaseConfig {
    // A URL may hold a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("backend", &self.backend)
            .field("path", &self.path)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl DatabaseConfig {
    /// The PostgreSQL URL: the environment's, else the file's.
    pub fn postgres_url(&self) -> Option<String> {
        std::env::var(DATABASE_URL_VAR)
            .ok()
            .filter(|url| !url.is_empty())
            .or_else(|| self.url.clone())
    }
}

/// The environment variable that names the PostgreSQL server.
pub const DATABASE_URL_VAR: &str = "TROVE_DATABASE_URL";

/// What a configuration with the PostgreSQL backend and no URL is told.
pub(crate) const NO_DATABASE_URL: &str =
    "[database] backend = \"postgres\" needs `url` (or TROVE_DATABASE_URL in the environment)";

#[derive(Debug, Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseBackend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    pub path: PathBuf,
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, AppError> {
        let text = std::fs::read_to_string(path).map_err(AppError::io(path))?;
        let config: Config = toml::from_str(&text).map_err(|source| AppError::Config {
            path: path.into(),
            source,
        })?;
        config
            .overlap
            .settings()
            .validate()
            .map_err(|reason| AppError::Setting {
                path: path.into(),
                reason: reason.to_string(),
            })?;
        if config.database.backend == DatabaseBackend::Postgres && config.database.postgres_url().is_none() {
            return Err(AppError::Setting {
                path: path.into(),
                reason: NO_DATABASE_URL.into(),
            });
        }
        if config.store.backend == StoreBackend::S3 && config.store.s3.is_none() {
            return Err(AppError::Setting {
                path: path.into(),
                reason: NO_S3_TABLE.into(),
            });
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_with_a_database_url_writes_a_postgres_configuration() {
        let text = with_postgres("postgres://trove@db.example/trove").unwrap();
        let config: Config = toml::from_str(&text).unwrap();
        assert_eq!(config.database.backend, DatabaseBackend::Postgres);
        assert_eq!(
            config.database.url.as_deref(),
            Some("postgres://trove@db.example/trove")
        );
        assert!(
            with_postgres("mysql://x")
                .unwrap_err()
                .to_string()
                .contains("postgres://")
        );
        assert!(with_postgres("postgres://x\"\nbackend = 1").is_err());
    }

    #[test]
    fn the_template_parses() {
        let config: Config = toml::from_str(TEMPLATE).unwrap();
        assert_eq!(config.store.backend, StoreBackend::Fs);
        assert_eq!(config.database.path, PathBuf::from("trove.db"));
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("100M"), Ok(100 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("12 parsecs"), Err(SizeError::Unit("parsecs".into())));
        assert!(parse_size("M").is_err());
        assert!(matches!(parse_size("99999999999T"), Err(SizeError::TooLarge(_))));
    }

    #[test]
    fn an_overlap_share_out_of_range_names_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("trove.toml");
        std::fs::write(&path, TEMPLATE.replace("partial_share = 0.20", "partial_share = 20")).unwrap();
        let error = Config::load(&path).unwrap_err().to_string();
        assert!(error.contains("overlap.partial_share = 20"), "{error}");
        assert!(error.contains("trove.toml"), "{error}");
        std::fs::write(&path, TEMPLATE).unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.overlap.settings(), trove_overlap::Settings::default());
    }

    #[test]
    fn a_typo_names_the_field() {
        let text = TEMPLATE.replace("stale_staging_hours", "stale_staging_hour");
        let error = toml::from_str::<Config>(&text).unwrap_err().to_string();
        assert!(error.contains("stale_staging_hour"), "{error}");
    }
}

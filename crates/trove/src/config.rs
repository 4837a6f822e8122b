//! `trove.toml`: the data directory's configuration.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The file `trove init` writes. Every key is documented where it stands.
pub const TEMPLATE: &str = r#"# trove configuration for this data directory.
# Relative paths are relative to the directory that holds this file.

[store]
# Where sealed blobs live. "fs": content-addressed files under `path`
# (fan-out ab/cd/<id>, named by the BLAKE3 of the ciphertext).
backend = "fs"
path = "blobs"
# Staging files older than this many hours are the remains of puts that
# were killed; they are removed when the store opens.
stale_staging_hours = 24

[database]
# The metadata database. "sqlite": one file at `path` (WAL, synchronous=FULL).
backend = "sqlite"
path = "trove.db"

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
    pub keys: KeysConfig,
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
}

impl Default for IngestConfig {
    fn default() -> Self {
        IngestConfig {
            max_depth: 12,
            max_ratio: 200,
            max_document_mib: 256,
            max_text_mib: 32,
            ocr_language: String::new(),
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
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    Fs,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub backend: DatabaseBackend,
    pub path: PathBuf,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseBackend {
    Sqlite,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    pub path: PathBuf,
}

impl Config {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("{} is not a valid trove configuration", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses() {
        let config: Config = toml::from_str(TEMPLATE).unwrap();
        assert_eq!(config.store.backend, StoreBackend::Fs);
        assert_eq!(config.database.path, PathBuf::from("trove.db"));
    }

    #[test]
    fn a_typo_names_the_field() {
        let text = TEMPLATE.replace("stale_staging_hours", "stale_staging_hour");
        let error = toml::from_str::<Config>(&text).unwrap_err().to_string();
        assert!(error.contains("stale_staging_hour"), "{error}");
    }
}

//! A data directory: where its configuration, keys, store, database, log
//! and overlap index are, opened with errors that say what to do.

use std::path::{Path, PathBuf};
use std::time::Duration;

use trove_ingest::Limits;
use trove_keys::Keyring;
use trove_ledger::Ledger;
use trove_store::{AnyBackend, BlobOpener, BlobSealer, FsBackend, SqlRepo};
use trove_triage::{Gazetteer, Policy};

use crate::AppError;
use crate::config::{self, Config, DatabaseBackend, NO_DATABASE_URL, NO_S3_TABLE, StoreBackend};

pub const CONFIG_FILE: &str = "trove.toml";
pub const POLICY_FILE: &str = "policy.toml";

/// The paths and configuration of one data directory.
#[derive(Debug)]
pub struct DataDir {
    pub root: PathBuf,
    pub config: Config,
    /// The blob store, opened on first use and then shared (a bucket's
    /// client keeps a runtime and connections).
    blobs: std::sync::OnceLock<AnyBackend>,
}

impl DataDir {
    /// Opens an initialised data directory.
    pub fn open(root: &Path) -> Result<Self, AppError> {
        match std::fs::metadata(root) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AppError::NoDataDir(root.into())),
            Err(e) => return Err(AppError::io(root)(e)),
            Ok(meta) if !meta.is_dir() => return Err(AppError::NotADirectory(root.into())),
            Ok(_) => {}
        }
        let config_path = root.join(CONFIG_FILE);
        if !config_path.exists() {
            return Err(AppError::NotInitialised(root.into()));
        }
        Ok(DataDir {
            root: root.to_owned(),
            config: Config::load(&config_path)?,
            blobs: std::sync::OnceLock::new(),
        })
    }

    /// Writes the configuration of a new data directory.
    /// With `database`, the metadata database is that PostgreSQL server
    /// (`postgres://…`) instead of the SQLite file.
    pub fn create(root: &Path, force: bool, database: Option<&str>) -> Result<Self, AppError> {
        let config_path = root.join(CONFIG_FILE);
        if config_path.exists() && !force {
            return Err(AppError::AlreadyInitialised(root.into()));
        }
        create_private_dir(root)?;
        let text = match database {
            None => config::TEMPLATE.to_owned(),
            Some(url) => config::with_postgres(url)?,
        };
        // Written as a key file is: 0600 whatever the umask, and replaced
        // by rename, so `--force` over an older, more open file narrows it.
        trove_keys::write_secret(&config_path, &text)?;
        Self::open(root)
    }

    fn resolve(&self, path: &Path) -> PathBuf {
        self.root.join(path)
    }

    pub fn keyring(&self) -> Keyring {
        Keyring::open(&self.keys_dir())
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.resolve(&self.config.keys.path)
    }

    /// The transparency log's folder (served as `/log/`).
    pub fn log_dir(&self) -> PathBuf {
        self.resolve(&self.config.log.path)
    }

    /// The log with the keys that sign into it, its receipts queued in
    /// `receipt-queue/` until their day's batch.
    pub fn ledger(&self) -> Ledger {
        Ledger::new(&self.log_dir(), &self.root.join("receipt-queue"), self.keyring())
    }

    /// The search index of every ingested document (terms, not texts).
    pub fn search_dir(&self) -> PathBuf {
        self.root.join("search")
    }

    /// Where the desk's document list index lives.
    pub fn list_dir(&self) -> PathBuf {
        self.root.join("lists")
    }

    /// Where the overlap index's segments live.
    pub fn overlap_dir(&self) -> PathBuf {
        self.root.join("overlap")
    }

    /// The API key file `trove pull` and the intake share.
    pub fn api_key_file(&self) -> PathBuf {
        self.resolve(&self.config.intake.api_key_file)
    }

    /// The blob store this directory's configuration names: its folder of
    /// files (stale staging swept when first opened), or its bucket.
    pub fn backend(&self) -> Result<AnyBackend, AppError> {
        if let Some(opened) = self.blobs.get() {
            return Ok(std::sync::Arc::clone(opened));
        }
        let opened = self.open_backend()?;
        Ok(std::sync::Arc::clone(self.blobs.get_or_init(|| opened)))
    }

    fn open_backend(&self) -> Result<AnyBackend, AppError> {
        match self.config.store.backend {
            StoreBackend::Fs => {
                let backend = FsBackend::open(&self.resolve(&self.config.store.path))?;
                backend.sweep_staging(Duration::from_secs(self.config.store.stale_staging_hours * 3600))?;
                Ok(std::sync::Arc::new(backend))
            }
            StoreBackend::S3 => {
                let s3 = self.config.store.s3.as_ref().ok_or_else(|| AppError::Setting {
                    path: self.root.join(CONFIG_FILE).into(),
                    reason: NO_S3_TABLE.into(),
                })?;
                Ok(std::sync::Arc::new(trove_s3::S3Backend::new(&s3.to_config())?))
            }
        }
    }

    /// The write side of the store: recipients only.
    pub fn sealer(&self) -> Result<BlobSealer<AnyBackend>, AppError> {
        let recipients = self.keyring().recipients()?;
        let boxed = recipients
            .into_iter()
            .map(|r| Box::new(r) as Box<dyn age::Recipient + Send + Sync>)
            .collect();
        Ok(BlobSealer::new(self.backend()?, boxed)?)
    }

    /// The read side of the store: needs the identity (desk only).
    pub fn opener(&self) -> Result<BlobOpener<AnyBackend>, AppError> {
        let identity = self.keyring().identity()?;
        Ok(BlobOpener::new(self.backend()?, Box::new(identity)))
    }

    /// The metadata database, created (with its migrations) if missing.
    pub async fn repo(&self) -> Result<SqlRepo, AppError> {
        let database = &self.config.database;
        match database.backend {
            DatabaseBackend::Sqlite => Ok(SqlRepo::open_sqlite(&self.resolve(&database.path), true).await?),
            DatabaseBackend::Postgres => {
                let url = database.postgres_url().ok_or_else(|| AppError::Setting {
                    path: self.root.join(CONFIG_FILE).into(),
                    reason: NO_DATABASE_URL.into(),
                })?;
                Ok(SqlRepo::connect_postgres(&url, database.max_connections).await?)
            }
        }
    }

    /// The policy, written from the template on first use.
    pub fn policy(&self) -> Result<Policy, AppError> {
        let path = self.root.join(POLICY_FILE);
        if !path.exists() {
            std::fs::write(&path, trove_triage::policy::TEMPLATE).map_err(AppError::io(&path))?;
            tracing::info!("wrote the default policy to {}", path.display());
        }
        let text = std::fs::read_to_string(&path).map_err(AppError::io(&path))?;
        Ok(Policy::parse(&path.display().to_string(), &text)?)
    }

    /// The shipped gazetteer, extended by `[triage] gazetteer` if set.
    pub fn gazetteer(&self) -> Result<Gazetteer, AppError> {
        let mut gazetteer = Gazetteer::shipped();
        if let Some(extra) = &self.config.triage.gazetteer {
            let path = self.root.join(extra);
            let text = std::fs::read_to_string(&path).map_err(AppError::io(&path))?;
            gazetteer.add(&path.display().to_string(), &text)?;
        }
        Ok(gazetteer)
    }

    /// Ingest's limits from `[ingest]`; OCR only where tesseract is installed.
    pub fn ingest_limits(&self) -> Limits {
        let config = &self.config.ingest;
        Limits {
            max_depth: config.max_depth,
            max_ratio: config.max_ratio,
            max_document_bytes: config.max_document_mib << 20,
            max_text_bytes: config.max_text_mib << 20,
            ocr_language: (!config.ocr_language.is_empty() && tesseract_installed())
                .then(|| config.ocr_language.clone()),
            workers: config
                .confine
                .then(|| parser_workers(config.parser_memory_mib << 20, config.parser_seconds))
                .flatten(),
        }
    }
}

/// The program (and its arguments) that serves as a confined parser
/// worker, set once by the binary that can be one.
static WORKER_PROGRAM: std::sync::OnceLock<(PathBuf, Vec<String>)> = std::sync::OnceLock::new();
static WORKERS: std::sync::OnceLock<std::sync::Arc<trove_sandbox::Pool>> = std::sync::OnceLock::new();

/// Says that `program args…` runs [`trove_ingest::serve_worker`], so that
/// documents are parsed in confined workers. Only a binary can be such a
/// program; a library user that never calls this parses in process.
pub fn use_parser_workers(program: PathBuf, args: Vec<String>) {
    let _ = WORKER_PROGRAM.set((program, args));
}

/// Stops the process's parser workers, if it has any (before it exits).
pub fn stop_parser_workers() {
    if let Some(pool) = WORKERS.get() {
        pool.shutdown();
    }
}

/// Limits for reading files outside any data directory (building an
/// archive from release folders): the defaults, in confined workers when
/// the binary provides them.
pub(crate) fn standalone_limits() -> Limits {
    let defaults = crate::config::IngestConfig::default();
    Limits {
        workers: parser_workers(defaults.parser_memory_mib << 20, defaults.parser_seconds),
        ..Limits::default()
    }
}

/// The process's pool of parser workers (made on first use, with the
/// limits of the first data directory that asks).
fn parser_workers(memory_bytes: u64, seconds: u64) -> Option<std::sync::Arc<trove_sandbox::Pool>> {
    let (program, args) = WORKER_PROGRAM.get()?;
    Some(
        WORKERS
            .get_or_init(|| trove_ingest::worker_pool(program.clone(), args.clone(), memory_bytes, seconds))
            .clone(),
    )
}

/// Makes a data directory (a desk's or an intake's) that only its owner
/// may enter, whatever the umask.
pub(crate) fn create_private_dir(root: &Path) -> Result<(), AppError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(root).map_err(AppError::io(root))?;
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700)).map_err(AppError::io(root))
}

fn tesseract_installed() -> bool {
    std::process::Command::new("tesseract")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

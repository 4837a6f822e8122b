//! A data directory: its configuration, keys, store and database, opened
//! with errors that say what to do.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use trove_keys::Keyring;
use trove_store::{BlobOpener, BlobSealer, FsBackend, SqliteRepo};

use crate::config::{self, Config, DatabaseBackend, StoreBackend};

pub const CONFIG_FILE: &str = "trove.toml";

pub struct DataDir {
    pub root: PathBuf,
    pub config: Config,
}

impl DataDir {
    /// Opens an initialised data directory.
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        let config_path = root.join(CONFIG_FILE);
        match std::fs::metadata(root) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
                "no trove data directory at {}: run `trove init --data {}`, or point --data (or TROVE_DATA) at an existing one",
                root.display(),
                root.display()
            ),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read the data directory {}", root.display()));
            }
            Ok(meta) if !meta.is_dir() => bail!("{} is not a directory", root.display()),
            Ok(_) => {}
        }
        if !config_path.exists() {
            bail!(
                "{} is not a trove data directory ({CONFIG_FILE} is missing): run `trove init --data {}`",
                root.display(),
                root.display()
            );
        }
        Ok(DataDir {
            root: root.to_owned(),
            config: Config::load(&config_path)?,
        })
    }

    /// Writes the configuration and creates the layout of a new data dir.
    pub fn create(root: &Path, force: bool) -> anyhow::Result<Self> {
        let config_path = root.join(CONFIG_FILE);
        if config_path.exists() && !force {
            bail!(
                "{} is already a trove data directory; pass --force to replace its configuration and keys (blobs sealed to the old keys can then no longer be opened)",
                root.display()
            );
        }
        std::fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
        std::fs::write(&config_path, config::TEMPLATE)
            .with_context(|| format!("cannot write {}", config_path.display()))?;
        Self::open(root)
    }

    fn resolve(&self, path: &Path) -> PathBuf {
        self.root.join(path)
    }

    pub fn keyring(&self) -> Keyring {
        Keyring::open(&self.resolve(&self.config.keys.path))
    }

    /// The transparency log's folder (served as `/log/`).
    pub fn log_dir(&self) -> PathBuf {
        self.resolve(&self.config.log.path)
    }

    pub fn keys_dir(&self) -> PathBuf {
        self.resolve(&self.config.keys.path)
    }

    pub fn backend(&self) -> anyhow::Result<FsBackend> {
        let path = self.resolve(&self.config.store.path);
        let backend = match self.config.store.backend {
            StoreBackend::Fs => FsBackend::open(&path)?,
        };
        backend.sweep_staging(Duration::from_secs(self.config.store.stale_staging_hours * 3600))?;
        Ok(backend)
    }

    /// The write side of the store: recipients only.
    pub fn sealer(&self) -> anyhow::Result<BlobSealer<FsBackend>> {
        let recipients = self.keyring().recipients()?;
        let boxed = recipients
            .into_iter()
            .map(|r| Box::new(r) as Box<dyn age::Recipient + Send + Sync>)
            .collect();
        Ok(BlobSealer::new(self.backend()?, boxed)?)
    }

    /// The read side of the store: needs the identity (desk only).
    pub fn opener(&self) -> anyhow::Result<BlobOpener<FsBackend>> {
        let identity = self.keyring().identity()?;
        Ok(BlobOpener::new(self.backend()?, Box::new(identity)))
    }

    pub async fn repo(&self, create: bool) -> anyhow::Result<SqliteRepo> {
        match self.config.database.backend {
            DatabaseBackend::Sqlite => Ok(SqliteRepo::open(&self.resolve(&self.config.database.path), create).await?),
        }
    }
}

//! The public archive's side of the newsroom: each published release is
//! added to `DATA/archive` (checked against the log like any other
//! folder), and archives are built or checked from release folders alone.

use std::path::{Path, PathBuf};

use trove_archive::{Archive, MirrorRelease, ReleaseSummary};
use trove_keys::{NoteVerifierKey, StatementRole};
use trove_ledger::{DirFetch, HttpFetch};

use crate::{AppError, Newsroom};

impl Newsroom {
    /// The log's public key, which is all an archive needs to check.
    pub fn log_verifier_key(&self) -> Result<NoteVerifierKey, AppError> {
        Ok(self.dir().keyring().verifier_key(&StatementRole::Log)?)
    }

    /// Adds the sealed release `root` to the newsroom's archive.
    pub async fn archive_release(&self, root: &str) -> Result<ReleaseSummary, AppError> {
        let archive_dir = self.archive_dir();
        let folder = archive_dir.join("releases").join(root);
        let key = self.log_verifier_key()?;
        let limits = self.dir().ingest_limits();
        tokio::task::spawn_blocking(move || -> Result<ReleaseSummary, AppError> {
            Ok(Archive::open(&archive_dir)?.add_release(&folder, &key, &limits)?)
        })
        .await
        .map_err(|e| AppError::Join(e.to_string()))?
    }
}

/// Builds (or adds to) the archive in `out` from release folders, each
/// checked with the log's key alone; no data directory is needed.
/// Documents are read back in confined parser workers when the binary
/// provides them.
pub async fn build_archive(
    out: &Path,
    folders: &[PathBuf],
    log_key: &NoteVerifierKey,
) -> Result<Vec<ReleaseSummary>, AppError> {
    let out = out.to_owned();
    let folders = folders.to_vec();
    let key = log_key.clone();
    let limits = crate::datadir::standalone_limits();
    tokio::task::spawn_blocking(move || -> Result<Vec<ReleaseSummary>, AppError> {
        let archive = Archive::open(&out)?;
        let key_path = out.join("log.pub");
        std::fs::write(&key_path, format!("{key}\n")).map_err(AppError::io(&key_path))?;
        folders
            .iter()
            .map(|folder| Ok(archive.add_release(folder, &key, &limits)?))
            .collect()
    })
    .await
    .map_err(|e| AppError::Join(e.to_string()))?
}

/// Checks an archive folder or a mirror's URL against the log.
pub async fn verify_archive(target: &str, log_key: &NoteVerifierKey) -> Result<Vec<MirrorRelease>, AppError> {
    let target = target.to_owned();
    let key = log_key.clone();
    tokio::task::spawn_blocking(move || -> Result<Vec<MirrorRelease>, AppError> {
        if target.starts_with("http://") || target.starts_with("https://") {
            Ok(trove_archive::verify_archive(&HttpFetch::new(&target), &key)?)
        } else {
            Ok(trove_archive::verify_archive(&DirFetch(target.into()), &key)?)
        }
    })
    .await
    .map_err(|e| AppError::Join(e.to_string()))?
}

//! `submit`: files and folders on the desk's own machine become one
//! sealed submission with a receipt in the log.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use trove_store::{Channel, SubmissionSummary, SubmissionWriter};

use crate::{AppError, Newsroom, Progress};

/// A file to submit: where it is, and the relative path it is stored under.
struct Input {
    source: PathBuf,
    relative: String,
    len: u64,
}

fn utf8_path(path: &Path) -> Result<&str, AppError> {
    path.to_str().ok_or_else(|| AppError::NonUtf8Path(path.into()))
}

/// Lists the files of `paths` (folders recursively, in name order) and
/// checks every path before a byte is stored.
fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, AppError> {
    let mut inputs = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(AppError::io(path))?;
        if meta.is_file() {
            let name = path.file_name().map(Path::new).unwrap_or(path);
            inputs.push(Input {
                source: path.clone(),
                relative: utf8_path(name)?.to_owned(),
                len: meta.len(),
            });
        } else if meta.is_dir() {
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                let entry = entry.map_err(|e| AppError::io(path)(e.into()))?;
                if entry.file_type().is_symlink() {
                    tracing::warn!(path = %entry.path().display(), "skipping a symbolic link");
                    continue;
                }
                if !entry.file_type().is_file() {
                    continue;
                }
                let relative = entry.path().strip_prefix(path).expect("walkdir stays under its root");
                let parts = relative
                    .iter()
                    .map(|part| utf8_path(Path::new(part)))
                    .collect::<Result<Vec<_>, _>>()?;
                let len = entry
                    .metadata()
                    .map_err(|e| AppError::io(entry.path())(e.into()))?
                    .len();
                inputs.push(Input {
                    source: entry.path().to_owned(),
                    relative: parts.join("/"),
                    len,
                });
            }
        } else {
            return Err(AppError::NotAFile(path.as_path().into()));
        }
    }
    let mut seen = BTreeSet::new();
    for input in &inputs {
        if !seen.insert(input.relative.as_str()) {
            return Err(AppError::DuplicatePath(input.relative.clone()));
        }
    }
    Ok(inputs)
}

/// Counts the bytes read through it for a progress display.
struct Counted<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64, 0);
        Ok(n)
    }
}

impl Newsroom {
    /// Stores files and folders as one submission, sealed to the
    /// newsroom's recipients. Every path is checked before a byte is
    /// stored; [`Newsroom::queue_receipt`] then queues its receipt for the log.
    pub async fn submit(&self, paths: &[PathBuf], progress: &dyn Progress) -> Result<SubmissionSummary, AppError> {
        let inputs = collect_inputs(paths)?;
        let sealer = self.sealer()?;
        let mut writer = SubmissionWriter::new(&sealer)?;
        for input in &inputs {
            writer
                .check_path(&input.relative)
                .map_err(|source| AppError::Unstorable {
                    path: input.source.as_path().into(),
                    source,
                })?;
        }
        progress.start("submitting", Some(inputs.iter().map(|i| i.len).sum()));
        for input in &inputs {
            let file = std::fs::File::open(&input.source).map_err(AppError::io(&input.source))?;
            writer
                .add_file(&input.relative, Counted { inner: file, progress })
                .map_err(|source| AppError::Storing {
                    path: input.source.as_path().into(),
                    source,
                })?;
        }
        progress.finish();
        let summary = writer.commit(self.repo(), Channel::Cli).await?;
        Ok(summary)
    }

    /// Queues a stored submission's receipt, signed by the intake key, for
    /// the log's batch after its day.
    pub fn queue_receipt(&self, summary: &SubmissionSummary) -> Result<(), AppError> {
        Ok(self.dir().ledger().queue_receipt(summary)?)
    }
}

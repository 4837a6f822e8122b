//! The public archive: what was published, served to anyone.
//!
//! An archive is a folder built from sealed release folders alone
//! (`trove archive build`, or as each release is published), which can be
//! copied to any machine:
//!
//! ```text
//! ARCHIVE/releases/<root>/     release folders, each checked against the log before it is added
//! ARCHIVE/releases/<root>.json what the release pages show (ReleaseSummary)
//! ARCHIVE/releases.txt         the roots, one a line: what `trove archive verify URL` walks
//! ARCHIVE/index/               the search index (trove-search's PublicIndex)
//! ```
//!
//! [`Archive::add_release`] checks a folder with the log's key, copies it
//! in, reads each published file back (mail headers, text through
//! ingest's extractors, DKIM against the keys the release carries) and
//! indexes it; [`server::router`] serves search, document pages, release
//! pages, downloads and a feed.
//!
//! What this crate must never do: hold or open a newsroom identity, read
//! the newsroom's store or database, or serve anything that is not in a
//! release folder or the public log. It knows nothing a reader of the
//! published folders does not.

pub mod ftm;
pub mod mirror;
pub mod read;
pub mod server;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use trove_keys::NoteVerifierKey;
use trove_ledger::{DirFetch, Fetch};
use trove_publish::{Counts, ReleaseCheck, WithheldRecord};
use trove_search::public::PublicIndex;

pub use read::read_release;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("release {folder}: {reason}")]
    Release { folder: String, reason: String },
    #[error("release {folder} is incomplete: {problems}")]
    Incomplete { folder: String, problems: String },
    #[error(transparent)]
    Search(#[from] trove_search::SearchError),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ArchiveError + '_ {
    move |e| ArchiveError::Io {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// What a release page shows, kept beside the release folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseSummary {
    /// The manifest root (hex): the release's name in the archive.
    pub root: String,
    pub release: String,
    pub submission: String,
    /// The publication statement's index in the log.
    pub log_index: u64,
    pub signer: String,
    pub records: u64,
    pub counts: Counts,
    pub withheld: Vec<WithheldRecord>,
    /// Documents the archive serves (published and redacted).
    pub documents: u64,
    /// The UTC day the archive added it (`YYYY-MM-DD`).
    pub added: String,
}

impl ReleaseSummary {
    fn from_check(check: &ReleaseCheck, documents: u64, added: String) -> ReleaseSummary {
        ReleaseSummary {
            root: check.root.clone(),
            release: check.release.clone(),
            submission: check.submission.to_string(),
            log_index: check.log_index,
            signer: check.signer.clone(),
            records: check.records,
            counts: check.counts.clone(),
            withheld: check.withheld.clone(),
            documents,
            added,
        }
    }
}

/// An archive folder, open.
pub struct Archive {
    dir: PathBuf,
    index: PublicIndex,
    /// Release summaries read so far: every document page names its
    /// release. Adding a release through this value updates its entry;
    /// added again by another process, only its `added` day could differ.
    summaries: std::sync::RwLock<std::collections::HashMap<String, ReleaseSummary>>,
}

const RELEASES: &str = "releases";
const RELEASE_LIST: &str = "releases.txt";

impl Archive {
    /// Opens (or creates) the archive in `dir`.
    pub fn open(dir: &Path) -> Result<Archive, ArchiveError> {
        std::fs::create_dir_all(dir.join(RELEASES)).map_err(io(dir))?;
        let index = PublicIndex::open(&dir.join("index"))?;
        Ok(Archive {
            dir: dir.to_owned(),
            index,
            summaries: Default::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn index(&self) -> &PublicIndex {
        &self.index
    }

    /// The folder of a release in the archive (`root` is 64 hex digits).
    pub fn release_dir(&self, root: &str) -> Option<PathBuf> {
        is_root(root).then(|| self.dir.join(RELEASES).join(root))
    }

    /// Checks `folder` against the log (with only the log's key), refuses
    /// it if any published file is missing or changed, copies it in (when
    /// it is not already the archive's copy) and indexes its documents.
    /// Adding a release again replaces it.
    pub fn add_release(
        &self,
        folder: &Path,
        log_key: &NoteVerifierKey,
        limits: &trove_ingest::Limits,
    ) -> Result<ReleaseSummary, ArchiveError> {
        let name = folder.display().to_string();
        // A folder from elsewhere is copied in first and the copy is what
        // gets checked, so nothing can change between the check and what
        // the archive serves.
        let releases = self.dir.join(RELEASES);
        let already_here = folder
            .parent()
            .and_then(|parent| parent.canonicalize().ok())
            .zip(releases.canonicalize().ok())
            .is_some_and(|(parent, releases)| parent == releases);
        let checked = if already_here {
            folder.to_owned()
        } else {
            let staged = releases.join(format!(".adding-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&staged);
            copy_tree(folder, &staged)?;
            staged
        };
        let discard = |checked: &Path| {
            if !already_here {
                let _ = std::fs::remove_dir_all(checked);
            }
        };
        let check = match trove_publish::verify_release(&DirFetch(checked.clone()), log_key, None::<&DirFetch>) {
            Ok(check) if check.complete() => check,
            Ok(check) => {
                discard(&checked);
                let problems = check
                    .problems
                    .iter()
                    .map(|p| format!("{} {} ({})", p.what, p.file, p.path.as_deref().unwrap_or("-")))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ArchiveError::Incomplete { folder: name, problems });
            }
            Err(e) => {
                discard(&checked);
                return Err(ArchiveError::Release {
                    folder: name,
                    reason: e.to_string(),
                });
            }
        };
        let target = releases.join(&check.root);
        if !already_here {
            let _ = std::fs::remove_dir_all(&target);
            std::fs::rename(&checked, &target).map_err(io(&target))?;
        }
        let documents = read_release(&target, &check, limits)?;
        self.index.put_release(&check.root, &documents)?;
        let summary = ReleaseSummary::from_check(&check, documents.len() as u64, today());
        let path = self.dir.join(RELEASES).join(format!("{}.json", check.root));
        let json = serde_json::to_vec_pretty(&summary).map_err(|e| ArchiveError::Io {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomically(&path, &json)?;
        if let Ok(mut summaries) = self.summaries.write() {
            summaries.insert(summary.root.clone(), summary.clone());
        }
        self.write_release_list()?;
        Ok(summary)
    }

    /// Every release, the newest (latest in the log) first.
    pub fn releases(&self) -> Result<Vec<ReleaseSummary>, ArchiveError> {
        let dir = self.dir.join(RELEASES);
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Some(summary) = read_summary(&path)?
            {
                out.push(summary);
            }
        }
        out.sort_by_key(|r| std::cmp::Reverse(r.log_index));
        Ok(out)
    }

    /// One release's summary.
    pub fn release(&self, root: &str) -> Result<Option<ReleaseSummary>, ArchiveError> {
        if !is_root(root) {
            return Ok(None);
        }
        if let Some(summary) = self.summaries.read().ok().and_then(|s| s.get(root).cloned()) {
            return Ok(Some(summary));
        }
        let summary = read_summary(&self.dir.join(RELEASES).join(format!("{root}.json")))?;
        if let (Some(summary), Ok(mut summaries)) = (&summary, self.summaries.write()) {
            summaries.insert(root.to_owned(), summary.clone());
        }
        Ok(summary)
    }

    fn write_release_list(&self) -> Result<(), ArchiveError> {
        let mut roots: Vec<String> = self.releases()?.into_iter().map(|r| r.root).collect();
        roots.sort();
        let mut text = roots.join("\n");
        text.push('\n');
        write_atomically(&self.dir.join(RELEASE_LIST), text.as_bytes())
    }
}

fn read_summary(path: &Path) -> Result<Option<ReleaseSummary>, ArchiveError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| ArchiveError::Io {
            path: path.to_owned(),
            reason: format!("not a release summary: {e}"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(path)(e)),
    }
}

/// 64 hex digits: a manifest root, and nothing that could leave a folder.
pub fn is_root(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn today() -> String {
    let now = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", now.year(), u8::from(now.month()), now.day())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    let staged = path.with_extension("staged");
    std::fs::write(&staged, bytes).map_err(io(&staged))?;
    std::fs::rename(&staged, path).map_err(io(path))
}

pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<(), ArchiveError> {
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))? {
        let entry = entry.map_err(io(from))?;
        let kind = entry.file_type().map_err(io(from))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).map_err(io(&target))?;
        }
    }
    Ok(())
}

/// A fetch rooted at a folder within another fetch's (a release within
/// an archive or a mirror).
struct Within<'a, F: Fetch> {
    outer: &'a F,
    prefix: String,
}

impl<F: Fetch> Fetch for Within<'_, F> {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, trove_ledger::LedgerError> {
        self.outer.fetch(&format!("{}{path}", self.prefix))
    }
}

/// One release of a checked archive or mirror.
#[derive(Debug, Clone, Serialize)]
pub struct MirrorRelease {
    pub root: String,
    /// The check, when the release could be trusted at all.
    pub check: Option<ReleaseCheck>,
    /// Why it could not be trusted (a bad signature, a proof that leads nowhere, …).
    pub error: Option<String>,
}

impl MirrorRelease {
    pub fn complete(&self) -> bool {
        self.check.as_ref().is_some_and(|c| c.complete() && c.root == self.root)
    }
}

/// Checks an archive folder or a mirror (through `Fetch`, rooted where
/// `releases.txt` is) with only the log's key: every release it lists is
/// signed into the log and holds every published file with its digest.
pub fn verify_archive<F: Fetch>(archive: &F, log_key: &NoteVerifierKey) -> Result<Vec<MirrorRelease>, ArchiveError> {
    let list = archive.fetch(RELEASE_LIST).map_err(|e| ArchiveError::Release {
        folder: RELEASE_LIST.into(),
        reason: e.to_string(),
    })?;
    let list = String::from_utf8_lossy(&list);
    let mut out = Vec::new();
    for root in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !is_root(root) {
            out.push(MirrorRelease {
                root: root.into(),
                check: None,
                error: Some("not a manifest root (64 hex digits)".into()),
            });
            continue;
        }
        let release = Within {
            outer: archive,
            prefix: format!("{RELEASES}/{root}/"),
        };
        let (check, error) = match trove_publish::verify_release(&release, log_key, None::<&DirFetch>) {
            Ok(check) if check.root != root => (
                None,
                Some(format!("the folder holds release {}, not {root}", check.root)),
            ),
            Ok(check) => (Some(check), None),
            Err(e) => (None, Some(e.to_string())),
        };
        out.push(MirrorRelease {
            root: root.into(),
            check,
            error,
        });
    }
    Ok(out)
}

//! Test support shared by the crates' integration tests and benchmarks: a
//! desk store (blob store, identity, SQLite) in a temporary folder,
//! generated corpora submitted and ingested into it, the word-pair
//! agreement that text extraction is measured by, a real S3 server
//! ([`seaweedfs`]) and a real PostgreSQL ([`postgres`]).
//!
//! What this crate must never be: a normal dependency. It is for
//! `[dev-dependencies]` only, and it panics on any error (a test's failure
//! is its report).

pub mod postgres;
pub mod seaweedfs;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use trove_store::SubmissionRepo as _;

use trove_ingest::{IngestReport, Limits, ingest_submission};
use trove_store::{BlobOpener, BlobSealer, Channel, FsBackend, SqlRepo, SubmissionRecord, SubmissionWriter};

/// A desk's store in a temporary folder.
pub struct Store {
    pub tmp: tempfile::TempDir,
    pub sealer: BlobSealer<FsBackend>,
    pub opener: Arc<BlobOpener<FsBackend>>,
    pub repo: SqlRepo,
}

impl Store {
    pub async fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let backend = FsBackend::open(&tmp.path().join("blobs")).unwrap();
        let sealer = BlobSealer::new(backend.clone(), vec![Box::new(identity.to_public())]).unwrap();
        let opener = Arc::new(BlobOpener::new(backend, Box::new(identity)));
        let repo = SqlRepo::open_sqlite(&tmp.path().join("trove.db"), true).await.unwrap();
        Store {
            tmp,
            sealer,
            opener,
            repo,
        }
    }

    /// Stores `files` (relative path, contents) as one submission.
    pub async fn submit<R: Read>(&self, files: impl IntoIterator<Item = (String, R)>) -> SubmissionRecord {
        let mut writer = SubmissionWriter::new(&self.sealer).unwrap();
        for (name, reader) in files {
            writer.add_file(&name, reader).unwrap();
        }
        let summary = writer.commit(&self.repo, Channel::Cli).await.unwrap();
        self.repo.submission(&summary.submission).await.unwrap().unwrap()
    }

    /// Stores in-memory files as one submission.
    pub async fn submit_bytes(&self, files: Vec<(String, Vec<u8>)>) -> SubmissionRecord {
        self.submit(
            files
                .into_iter()
                .map(|(name, bytes)| (name, std::io::Cursor::new(bytes))),
        )
        .await
    }

    /// Stores every file under `root` as one submission.
    pub async fn submit_folder(&self, root: &Path) -> SubmissionRecord {
        let files = files_under(root);
        self.submit(
            files
                .into_iter()
                .map(|(name, path)| (name, std::fs::File::open(path).unwrap())),
        )
        .await
    }

    /// Ingests a submission with default limits on two threads.
    pub async fn ingest(&self, record: &SubmissionRecord) -> IngestReport {
        self.ingest_with(record, &Limits::default()).await
    }

    pub async fn ingest_with(&self, record: &SubmissionRecord, limits: &Limits) -> IngestReport {
        ingest_submission(self.opener.clone(), &self.sealer, &self.repo, record, limits, 2, |_| {})
            .await
            .unwrap()
    }
}

/// Every file under `root` (relative path, full path), in name order.
pub fn files_under(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.strip_prefix(root).unwrap().display().to_string(), path));
            }
        }
    }
    out.sort();
    out
}

/// A generated corpus in a temporary folder: the folder and the corpus root
/// (with `cache/`, `published/`, `truth.json`, `dkim-keys.txt`).
pub fn generated_corpus(seed: u64, size: u64) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let spec = trove_corpus::Spec {
        seed,
        size,
        published_share: 0.45,
        footer: false,
    };
    trove_corpus::generate(&corpus, &spec, |_, _| {}).unwrap();
    (tmp, corpus)
}

/// truth.json of a generated corpus.
pub fn truth(corpus: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(corpus.join("truth.json")).unwrap()).unwrap()
}

/// The share of the reference's word pairs (words: maximal alphanumeric
/// runs, lower-cased; pairs counted with their repeats) that `text` also
/// has. It falls with every word split in two and every line read out of
/// order, which a bag of words would not notice.
pub fn word_pair_agreement(text: &str, reference: &str) -> f64 {
    let pairs = |text: &str| {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        let mut counts: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
        for pair in words.windows(2) {
            *counts.entry((pair[0].clone(), pair[1].clone())).or_insert(0) += 1;
        }
        counts
    };
    let (ours, theirs) = (pairs(text), pairs(reference));
    let total: usize = theirs.values().sum();
    let shared: usize = theirs
        .iter()
        .map(|(pair, n)| (*n).min(ours.get(pair).copied().unwrap_or(0)))
        .sum();
    if total == 0 { 1.0 } else { shared as f64 / total as f64 }
}

/// `len` bytes that do not compress and are not all alike (BLAKE3 of a
/// counter), different for each `seed`.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut counter = 0u64;
    while out.len() < len {
        out.extend_from_slice(blake3::hash(&[seed.to_le_bytes(), counter.to_le_bytes()].concat()).as_bytes());
        counter += 1;
    }
    out.truncate(len);
    out
}

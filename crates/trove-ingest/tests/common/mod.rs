//! A store in a temporary folder, shared by the ingest tests.
#![allow(dead_code)] // each test file uses its own subset

use std::io::Read;
use std::sync::Arc;

use trove_store::{
    BlobOpener, BlobSealer, Channel, FsBackend, MetadataRepo, SqliteRepo, SubmissionRecord, SubmissionWriter,
};

pub struct Store {
    pub tmp: tempfile::TempDir,
    pub sealer: BlobSealer<FsBackend>,
    pub opener: Arc<BlobOpener<FsBackend>>,
    pub repo: SqliteRepo,
}

impl Store {
    pub async fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let identity = age::x25519::Identity::generate();
        let backend = FsBackend::open(&tmp.path().join("blobs")).unwrap();
        let sealer = BlobSealer::new(backend.clone(), vec![Box::new(identity.to_public())]).unwrap();
        let opener = Arc::new(BlobOpener::new(backend, Box::new(identity)));
        let repo = SqliteRepo::open(&tmp.path().join("trove.db"), true).await.unwrap();
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
}

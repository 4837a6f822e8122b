//! trove's storage: encrypted, padded, content-addressed blobs and the
//! metadata repository.
//!
//! * [`BlobSealer`] streams plaintext into a blob: age (X25519 recipients,
//!   STREAM), framed, PADMÉ-padded, written atomically and named by the
//!   BLAKE3 of the *ciphertext* ([`BlobId`]). It returns the plaintext's
//!   BLAKE3 ([`ContentId`]) to the caller and writes it nowhere in the clear.
//! * [`BlobOpener`] holds the identity and streams a blob back, checking
//!   the ciphertext against its id and the plaintext against its content id.
//! * [`BlobBackend`] is where ciphertext lives ([`FsBackend`] here; an
//!   S3-compatible bucket in `trove-s3`).
//! * The metadata database is one trait per concern ([`SubmissionRepo`],
//!   [`DocumentRepo`], [`VerificationRepo`], [`PublishedRepo`],
//!   [`DecisionRepo`], [`IntakeRepo`], [`UserRepo`], [`ReleaseRepo`], [`DeskRepo`], [`JobRepo`];
//!   [`MetadataRepo`] is all of them): [`SqlRepo`], on SQLite or PostgreSQL.
//! * [`Day`] and [`Outcome`]: the day (UTC) that is the only time trove
//!   records, and an editor's decision, shared by every later stage.
//! * [`SubmissionWriter`] turns files into one submission whose manifest
//!   (paths, sizes, content ids) is itself a sealed blob.
//!
//! What this crate must never do: write plaintext, a plaintext hash or an
//! exact plaintext size anywhere outside a sealed blob; hold an identity in
//! a type the intake uses ([`BlobSealer`] has none).
//!
//! ```no_run
//! # fn main() -> Result<(), trove_store::StoreError> {
//! use trove_store::{BlobOpener, BlobSealer, FsBackend};
//! let identity = age::x25519::Identity::generate();
//! let backend = FsBackend::open("trove-data/blobs".as_ref())?;
//! let sealer = BlobSealer::new(backend.clone(), vec![Box::new(identity.to_public())])?;
//! let receipt = sealer.put(&b"a memo"[..])?;
//! let opener = BlobOpener::new(backend, Box::new(identity));
//! let mut plaintext = Vec::new();
//! assert_eq!(opener.copy_to(&receipt.blob, &mut plaintext)?, receipt.content);
//! # Ok(()) }
//! ```

mod backend;
mod day;
mod decisions;
mod desk;
mod documents;
mod ids;
mod intake;
mod jobs;
pub mod padme;
mod partners;
mod pipeline;
mod published;
mod releases;
mod repo;
mod schedule;
mod sealed;
mod submission;
mod users;
mod verification;

use std::io;
use std::path::PathBuf;

pub use backend::{AnyBackend, BlobBackend, Durability, FsBackend, StagedBlob, put_ciphertext};
pub use day::{Day, DayError, set_times_to_today};
pub use decisions::{DecisionRecord, DecisionRepo, SourceDecision, TriageRecord};
pub use desk::{DeskFacts, DeskRepo, EntityFact, MarkRow, NoteRow, OverlapFact, TagRow};
pub use documents::{
    DocStatus, DocumentRecord, DocumentRepo, DocumentSummary, DocumentTexts, TextRef, read_text, read_texts,
};
pub use ids::{BlobId, ContentId, Outcome, OutcomeError, SubmissionId};
pub use intake::{
    Direction, Expired, IntakeRepo, MessageRecord, Pending, SourceRecord, SourceSubmission, UploadPart, UploadRecord,
};
pub use jobs::{JobKind, JobOutcome, JobRecord, JobRepo, JobState};
pub use partners::{AccessAction, AccessRow, GrantRow, PartnerRepo, PartnerRow};
pub use published::{PublishedCorpus, PublishedDocument, PublishedRepo};
pub use releases::{NewRedaction, RedactionRow, RedactionState, ReleaseRecord, ReleaseRepo, ReleaseState, WithheldRow};
pub use repo::{Channel, Dialect, MetadataRepo, SealedSubmission, SqlRepo, SubmissionRecord, SubmissionRepo};
pub use schedule::{EventRow, PlacementRow, ScheduleRepo, ScheduleRow};
pub use sealed::{BlobOpener, BlobReader, BlobSealer, PutReceipt};
pub use submission::{
    FilePart, FileReader, Manifest, ManifestFile, SubmissionSummary, SubmissionWriter, commitment, file_digest,
    read_manifest,
};
pub use users::{UserRecord, UserRepo};
pub use verification::{ArchivedKey, VerificationRecord, VerificationRepo};

/// Errors of the store. Each names the blob, file or submission concerned
/// and, where there is one, what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{text:?} is not a valid {what}")]
    BadId { what: &'static str, text: String },
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("blob {0} is not in the store")]
    NotFound(BlobId),
    #[error("no recipients: the store needs at least one age recipient to encrypt to")]
    NoRecipients,
    #[error("cannot encrypt: {0}")]
    Encrypt(String),
    #[error("writing the blob failed (nothing was stored): {0}")]
    Write(io::Error),
    #[error("reading the input failed (nothing was stored): {0}")]
    Input(io::Error),
    #[error("writing the output failed: {0}")]
    Output(io::Error),
    #[error(
        "blob {blob} is not encrypted to this data directory's identity: it comes from another newsroom, or the keys were replaced (`trove init --force`)"
    )]
    WrongIdentity { blob: BlobId },
    #[error("blob {blob} is damaged: {reason}; restore it from a backup")]
    Corrupt { blob: BlobId, reason: String },
    #[error(
        "blob {blob} does not match its id (its ciphertext hashes to {actual}): the file was changed or swapped on disk; restore it from a backup"
    )]
    IdMismatch { blob: BlobId, actual: BlobId },
    #[error("metadata database: {context}: {source}")]
    Database { context: String, source: sqlx::Error },
    #[error(
        "the PostgreSQL database sorts text by {collation:?}; trove needs byte order, as SQLite has: \
         create it with `createdb --locale=C --template=template0`"
    )]
    Collation { collation: String },
    #[error("metadata database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("metadata database: the {field} of {what} is damaged; restore the database from a backup")]
    Damaged { what: String, field: String },
    #[error("submission {submission}: {reason}")]
    Submission { submission: String, reason: String },
    #[error("object storage: {what}: {reason}")]
    ObjectStore { what: String, reason: String },
}

impl StoreError {
    fn from_decrypt(blob: BlobId, error: age::DecryptError) -> Self {
        match error {
            age::DecryptError::NoMatchingKeys => StoreError::WrongIdentity { blob },
            age::DecryptError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => StoreError::Corrupt {
                blob,
                reason: "the ciphertext is truncated inside its header".into(),
            },
            other => StoreError::Corrupt {
                blob,
                reason: format!("the age header is invalid ({other})"),
            },
        }
    }
}

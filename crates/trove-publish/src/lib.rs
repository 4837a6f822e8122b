//! Releases: what a newsroom publishes from an accepted submission, and
//! the proof that nothing was removed without saying so.
//!
//! * [`reason`]: the closed list of codes a document is withheld for.
//! * [`redact`]: redaction proposals (contact data, account and id
//!   numbers, addresses, protected names) as byte spans of a document's
//!   rendered text, the text with confirmed spans taken out, and the
//!   residue check that refuses an output still holding a secret.
//! * [`flags`]: source-protection flags from metadata and text (authors,
//!   user paths, serials, GPS, document ids, revision history, tracked
//!   changes and their authors); [`watermarks`]: per-recipient marks found
//!   by comparing near-identical copies within the submission.
//! * [`render`]: how each document type is published (original bytes,
//!   re-rendered text, pixels, or not at all) and a mail's rendered text.
//! * [`manifest`]: one record per document of the submission, its text
//!   format and its Merkle root; [`folder`]: the sealed release folder
//!   and [`folder::verify_release`], which checks one against the log with
//!   only the log's key.
//!
//! What this crate must never do: publish a document's original bytes
//! when anything of it was redacted or flagged; let a withheld record
//! reveal its path or content (its commitment is salted with a secret);
//! read anything but what it is given (no store, no database, no clock).

pub mod flags;
pub mod folder;
pub mod manifest;
pub mod reason;
pub mod redact;
pub mod render;
pub mod watermarks;

pub use flags::{FlagKind, SourceFlag};
pub use folder::{ReleaseCheck, WithheldRecord, verify_release};
pub use manifest::{Counts, Manifest, ManifestRecord, RecordStatus};
pub use reason::WithholdReason;
pub use redact::{Proposer, Span, SpanKind};
pub use render::{Plan, PlanInput, plan, rendered_text};

/// Why a release, a redaction or a release folder is refused.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "{0:?} is not a reason code (SOURCE_PROTECTION, PRIVACY, LEGAL, NOT_AUTHENTIC, DUPLICATE, OUT_OF_SCOPE, CANNOT_RENDER)"
    )]
    UnknownReason(String),
    #[error("the span {start}..{end} is outside the text ({len} bytes) or cuts a character")]
    SpanOutOfRange { start: usize, end: usize, len: usize },
    #[error("the protect list does not compile: {0}")]
    ProtectList(String),
    #[error("manifest line {line}: {reason}")]
    Manifest { line: usize, reason: String },
    #[error("release folder: {file}: {reason}")]
    Folder { file: String, reason: String },
    #[error("the publication is not in the log: {0}")]
    NotInLog(String),
}

/// A salted commitment to a document's original bytes, by their BLAKE3
/// (the content id): BLAKE3 keyed with the document's salt. The newsroom
/// can open one later by showing the salt; without it, a commitment says
/// nothing about a guessed file.
pub fn commitment(salt: &[u8; 32], content_id: &[u8; 32]) -> [u8; 32] {
    *blake3::keyed_hash(salt, content_id).as_bytes()
}

/// A document's salt: derived from the release's secret and the
/// document's place in the manifest.
pub fn document_salt(release_secret: &[u8; 32], index: u64) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_keyed(release_secret);
    hasher.update(b"trove document salt v1");
    hasher.update(&index.to_le_bytes());
    *hasher.finalize().as_bytes()
}

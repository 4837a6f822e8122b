//! Overlap: how much of a cache was already public, measured instead of
//! recalled.
//!
//! Published corpora are registered ([`import_corpus`]) and fingerprinted
//! per document: BLAKE3 of the bytes, BLAKE3 of the normalized text
//! ([`text::normalize`]: NFKC, case-folded, whitespace collapsed), a MinHash
//! signature of the word 5-shingles banded for LSH ([`minhash`]), and
//! winnowing fingerprints of word 8-grams ([`winnow`]). The bytes and text
//! ids are database rows; the bands, fingerprints and shingle sets are
//! immutable on-disk segments read through memory maps ([`index`]), added
//! to by each import, so millions of published documents are searched in
//! bounded memory. Each published text is sealed in a text pack like a
//! submission's, so the desk can show a passage where it was published
//! ([`text::find_passages`] places it).
//!
//! [`overlap_submission`] classes each document of an ingested submission:
//! **exact** (the same bytes, or the same normalized text), **near** (word
//! 5-shingle Jaccard ≥ 0.8 with a published document: every LSH candidate
//! is checked on the real shingle sets, so no false positive is reported),
//! **partial** (passages of at least 8 words found in a published document,
//! with their byte spans) or **new**; and sums the novel share by count and
//! by bytes (docs/overlap.md defines both).
//!
//! What this crate must never do: store the text of a submission's
//! documents outside the sealed store (only published corpora, which are
//! public, are fingerprinted on disk), or reach the network.

pub mod index;
pub mod minhash;
mod registry;
mod report;
pub mod text;
pub mod winnow;

pub use registry::{CorpusInfo, ImportSummary, import_corpus};
pub use report::{
    Class, CorpusShare, DocumentOverlap, MIN_PASSAGE_WORDS, Match, OverlapReport, Settings, Summary, overlap_streaming,
    overlap_submission,
};

#[derive(Debug, thiserror::Error)]
pub enum OverlapError {
    #[error(transparent)]
    Store(#[from] trove_store::StoreError),
    #[error(transparent)]
    Index(#[from] index::IndexError),
    #[error("{path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("a published corpus named {0:?} is registered already; remove it first (trove published remove {0})")]
    AlreadyRegistered(String),
    #[error("{0}")]
    BadInput(String),
    #[error("submission {0} has no documents: run `trove ingest {0}` first")]
    NotIngested(String),
}

/// The near-duplicate threshold on the word 5-shingle Jaccard.
pub const NEAR: f64 = 0.8;

/// Everything fingerprinted about one document's text.
pub struct Fingerprints {
    pub text_id: Option<String>,
    pub words: Vec<text::Word>,
    pub set: Vec<u64>,
    pub bands: Option<[u64; minhash::BANDS]>,
    pub winnowed: Vec<winnow::Fingerprint>,
}

/// Fingerprints a text.
pub fn fingerprint(text: &str) -> Fingerprints {
    let normalized = text::normalize(text);
    let words = text::words(text);
    let set = text::shingle_set(&words);
    let bands = minhash::signature(&set).map(|s| minhash::band_keys(&s));
    let winnowed = winnow::winnow(&words);
    Fingerprints {
        text_id: (!normalized.is_empty()).then(|| blake3::hash(normalized.as_bytes()).to_hex().to_string()),
        words,
        set,
        bands,
        winnowed,
    }
}

//! trove's transparency log: an append-only Merkle log (RFC 9162) stored as
//! C2SP tlog-tiles, with C2SP checkpoints as Ed25519 signed notes, witness
//! cosignatures (tlog-cosignature/v1), and entries that are signed
//! statements (receipts, decisions, publications, withheld documents).
//!
//! * [`merkle`]: hashing, roots, inclusion and consistency proofs and their
//!   verification, over any [`merkle::HashSource`].
//! * [`tiles`]: paths and bundle encoding of tlog-tiles.
//! * [`checkpoint`]: checkpoints, signed notes, cosignatures.
//! * [`statement`]: the canonical, signed entry format (`docs/log.md`).
//! * [`LogWriter`] appends batches durably; [`Sequencer`] batches appends
//!   from many threads; [`verify_log`] audits a log from its files alone.
//! * [`Ledger`] is one data directory's log with the keyring that signs
//!   into it: receipts, decisions, proofs and cosignatures go through it;
//!   receipts wait in a queue and are appended once a day in one batch
//!   ([`Due`]); [`HttpFetch`] reads a served log.
//!
//! What this crate must never do: put content, names, codenames, exact
//! times or exact sizes into an entry; append a receipt before its day has
//! ended (unless told to, [`Due::All`]) or in the order receipts arrived;
//! give a log file a time finer than its day; acknowledge an entry before
//! the checkpoint covering it is durable.
//!
//! ```no_run
//! use trove_ledger::{LogWriter, statement::Statement};
//! let key = trove_keys::NoteSigningKey::from_seed("trove-log", &[0; 32]);
//! let intake = trove_keys::NoteSigningKey::from_seed("trove-intake", &[1; 32]);
//! let mut log = LogWriter::open("trove-data/log".as_ref(), key)?;
//! let receipt = Statement::Withheld { document: [0; 32], reason: "PRIVACY".into() };
//! let indices = log.append(&[receipt.sign(&intake).unwrap()])?;
//! # Ok::<(), trove_ledger::LedgerError>(())
//! ```

pub mod checkpoint;
mod keylist;
mod log;
pub mod merkle;
mod newsroom;
mod queue;
pub mod statement;
pub mod stats;
pub mod tiles;
mod verify;

use std::path::PathBuf;

pub use keylist::{KEY_LIST, encode_key_list, read_key_list};
pub use log::{DirFetch, Fetch, LogWriter, Sequencer, TileSource};
pub use newsroom::{HttpFetch, InclusionProof, Ledger};
pub use queue::{AppendedReceipt, Due};
pub use stats::{LogAccount, LogStats};
pub use verify::{VerifyOptions, VerifyReport, verify_log, verify_log_with};

/// Why a checkpoint, signed note, entry bundle or statement cannot be
/// read: the text formats of the log, parsed strictly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("{what} does not end in a newline")]
    NoFinalNewline { what: &'static str },
    #[error("{what} needs {needs}")]
    Incomplete { what: &'static str, needs: &'static str },
    #[error("{field} {text:?} is not {expected}")]
    Field {
        field: &'static str,
        text: String,
        expected: &'static str,
    },
    #[error("expected field {expected}, found {found:?}")]
    UnexpectedLine { expected: &'static str, found: String },
    #[error("{0:?} is not a signature line")]
    SignatureLine(String),
    #[error("the signature of {0} is not base64 of at least 5 bytes")]
    Signature(String),
    #[error("not a {0} statement")]
    Header(&'static str),
    #[error("unknown statement kind {0:?}")]
    Kind(String),
    #[error("the statement is not in canonical form")]
    NotCanonical,
    #[error("the entry is not UTF-8")]
    NotUtf8,
    #[error("no valid signature by a known statement key (signed as {signers})")]
    UnknownSigner { signers: String },
    #[error("a length prefix is cut short")]
    CutShort,
    #[error("entry {entry} claims {claimed} bytes but {remaining} remain")]
    Overrun {
        entry: usize,
        claimed: usize,
        remaining: usize,
    },
    #[error("holds {found} entries where {expected} were expected")]
    EntryCount { found: usize, expected: u64 },
    #[error("the origin {origin:?} is not the log key's name {key:?}")]
    Origin { origin: String, key: String },
    #[error(transparent)]
    Outcome(#[from] trove_store::OutcomeError),
    #[error(transparent)]
    Day(#[from] trove_store::DayError),
}

impl FormatError {
    /// A field whose text is not of the expected form.
    pub(crate) fn field(field: &'static str, text: &str, expected: &'static str) -> Self {
        FormatError::Field {
            field,
            text: text.chars().take(80).collect(),
            expected,
        }
    }
}

/// Errors of the log. Each names the file, entry or checkpoint concerned.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("log file {path} cannot be read: {reason}")]
    Missing { path: String, reason: String },
    #[error("tile {path} is wrong: {reason}")]
    Tile { path: String, reason: String },
    #[error("entry bundle {path} is damaged: {reason}")]
    Bundle { path: String, reason: FormatError },
    #[error("entry {index}: {reason}")]
    Entry { index: u64, reason: FormatError },
    #[error("a statement cannot be signed: {0}")]
    Statement(FormatError),
    #[error("the checkpoint is malformed: {0}")]
    Checkpoint(FormatError),
    #[error("the key list is malformed: {0}")]
    KeyList(FormatError),
    #[error("signature check failed: {0}")]
    Signature(String),
    #[error("the root computed from the entries does not match the checkpoint of size {size}")]
    RootMismatch { size: u64 },
    #[error("rollback: the log now has {now} entries but a checkpoint of {seen} entries was seen before")]
    Rollback { seen: u64, now: u64 },
    #[error(
        "the checkpoint of size {now} is not consistent with the checkpoint of size {seen} seen before: the log was rewritten"
    )]
    Inconsistent { seen: u64, now: u64 },
    #[error("the verifier state file {0} is malformed; remove it to start over")]
    State(PathBuf),
    #[error("an entry of {0} bytes is over the 65535-byte limit of a bundle")]
    EntryTooLarge(usize),
    #[error("appending failed: {0}")]
    Append(String),
    #[error("the log's sequencer has stopped")]
    Stopped,
    #[error(transparent)]
    Keys(#[from] trove_keys::KeyError),
    #[error("the log has {size} entries; there is no entry {index}")]
    NoEntry { index: u64, size: u64 },
    #[error("not a witness key (type 0x04)")]
    NotAWitnessKey,
}

impl From<std::convert::Infallible> for LedgerError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

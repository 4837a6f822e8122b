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
//!
//! What this crate must never do: put content, names, codenames, exact
//! times or exact sizes into an entry; acknowledge an entry before the
//! checkpoint covering it is durable.
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
pub mod statement;
pub mod tiles;
mod verify;

use std::path::PathBuf;

pub use keylist::{KEY_LIST, encode_key_list, read_key_list};
pub use log::{DirFetch, Fetch, LogWriter, Sequencer, TileSource};
pub use verify::{VerifyOptions, VerifyReport, verify_log};

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
    Bundle { path: String, reason: String },
    #[error("entry {index}: {reason}")]
    Entry { index: u64, reason: String },
    #[error("the checkpoint is malformed: {0}")]
    Checkpoint(String),
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
}

impl From<std::convert::Infallible> for LedgerError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

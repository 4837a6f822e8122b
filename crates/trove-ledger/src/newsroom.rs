//! [`Ledger`]: one data directory's log together with the keys that sign
//! into it, so that everything which appends (a receipt at the intake, a
//! decision on the desk) goes through one type; [`HttpFetch`] reads a
//! served log.

use std::path::{Path, PathBuf};

use trove_keys::{KeyAlg, Keyring, NoteSigningKey, NoteVerifierKey, StatementRole};
use trove_store::{Day, SubmissionId, SubmissionSummary};

use crate::checkpoint::SignedCheckpoint;
use crate::log::{DirFetch, Fetch, LogWriter, TileSource};
use crate::merkle::{self, Hash};
use crate::queue::{AppendedReceipt, Due, ReceiptQueue};
use crate::statement::{Statement, size_class};
use crate::{LedgerError, tiles};

/// A data directory's transparency log, its queue of receipts waiting for
/// the day's batch, and its keyring.
#[derive(Debug, Clone)]
pub struct Ledger {
    dir: PathBuf,
    queue: ReceiptQueue,
    keyring: Keyring,
}

/// An entry's inclusion proof against a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    pub index: u64,
    pub tree_size: u64,
    pub root: Hash,
    pub leaf_hash: Hash,
    pub proof: Vec<Hash>,
}

impl Ledger {
    /// The log in `dir`, its receipts queued in `queue` (a private folder,
    /// never served), signed with the keys of `keyring`.
    pub fn new(dir: &Path, queue: &Path, keyring: Keyring) -> Ledger {
        Ledger {
            dir: dir.to_owned(),
            queue: ReceiptQueue { dir: queue.to_owned() },
            keyring,
        }
    }

    /// The log's folder (served as `/log/`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the log for writing, finishes a receipt batch that a crash cut
    /// short, and publishes the statement keys it accepts: the intake's and
    /// every editor's.
    pub fn writer(&self) -> Result<LogWriter, LedgerError> {
        let mut writer = LogWriter::open(&self.dir, self.keyring.signing_key(&StatementRole::Log)?)?;
        self.queue.finish(&mut writer)?;
        let statement_keys: Vec<NoteVerifierKey> = self
            .keyring
            .public_keys()?
            .into_iter()
            .filter(|k| k.role == "intake" || k.role.starts_with("editor-"))
            .map(|k| {
                NoteVerifierKey::parse(&k.public).map_err(|source| {
                    LedgerError::Keys(trove_keys::KeyError::NoteKey {
                        path: PathBuf::from(&k.role),
                        source,
                    })
                })
            })
            .collect::<Result<_, _>>()?;
        writer.publish_keys(&statement_keys)?;
        Ok(writer)
    }

    /// Signs a statement with `signer`'s key and appends it; the entry's
    /// index once it is durable.
    pub fn append(&self, statement: &Statement, signer: &StatementRole) -> Result<u64, LedgerError> {
        self.append_signed(self.sign(statement, signer)?)
    }

    /// Queues a submission's receipt, signed by the intake's key, for the
    /// batch after its day ends (see [`Ledger::append_queued_receipts`]).
    pub fn queue_receipt(&self, summary: &SubmissionSummary) -> Result<(), LedgerError> {
        self.queue_receipt_of(summary.submission, summary.commitment, summary.day, summary.bytes)
    }

    /// Queues the receipt of a submission of `bytes` in all.
    pub fn queue_receipt_of(
        &self,
        submission: SubmissionId,
        commitment: [u8; 32],
        day: Day,
        bytes: u64,
    ) -> Result<(), LedgerError> {
        let receipt = Statement::Receipt {
            submission,
            commitment,
            day,
            size_class: size_class(bytes),
        };
        let key = self.keyring.signing_key(&StatementRole::Intake)?;
        let entry = receipt.sign(&key).map_err(LedgerError::Statement)?;
        self.queue.push(day, submission, &entry)
    }

    /// Appends the queued receipts that are due as one batch, ordered by
    /// day and submission id; what was appended, with indices.
    pub fn append_queued_receipts(&self, due: Due) -> Result<Vec<AppendedReceipt>, LedgerError> {
        let mut log = self.writer()?;
        self.queue.append_due(&mut log, due)
    }

    /// How many receipts wait for a batch.
    pub fn queued_receipts(&self) -> Result<usize, LedgerError> {
        self.queue.len()
    }

    /// The current checkpoint.
    pub fn checkpoint(&self) -> Result<SignedCheckpoint, LedgerError> {
        Ok(self.writer()?.checkpoint().clone())
    }

    /// The inclusion proof of entry `index` against the current checkpoint.
    pub fn prove(&self, index: u64) -> Result<InclusionProof, LedgerError> {
        let checkpoint = self.checkpoint()?.checkpoint;
        let size = checkpoint.size;
        if index >= size {
            return Err(LedgerError::NoEntry { index, size });
        }
        let fetch = DirFetch(self.dir.clone());
        let proof = merkle::inclusion_proof(&TileSource::new(&fetch, size), index, size)?;
        let bundle_start = index / tiles::TILE_WIDTH * tiles::TILE_WIDTH;
        let width = (size - bundle_start).min(tiles::TILE_WIDTH);
        let path = tiles::bundle_path(index / tiles::TILE_WIDTH, width);
        let entries =
            tiles::decode_bundle(&fetch.fetch(&path)?, width).map_err(|reason| LedgerError::Bundle { path, reason })?;
        Ok(InclusionProof {
            index,
            tree_size: size,
            root: checkpoint.root,
            leaf_hash: merkle::leaf_hash(&entries[(index - bundle_start) as usize]),
            proof,
        })
    }

    /// Signs a statement with `signer`'s key: the entry [`Ledger::append`]
    /// would append (signing is deterministic, so the same statement gives
    /// the same entry).
    pub fn sign(&self, statement: &Statement, signer: &StatementRole) -> Result<Vec<u8>, LedgerError> {
        let key = self.keyring.signing_key(signer)?;
        statement.sign(&key).map_err(LedgerError::Statement)
    }

    /// Appends an entry signed with [`Ledger::sign`]; its index.
    pub fn append_signed(&self, entry: Vec<u8>) -> Result<u64, LedgerError> {
        Ok(self.writer()?.append(&[entry])?.start)
    }

    /// The index of the first entry at or after `from` that is exactly
    /// `entry`, if the log holds one.
    pub fn find_entry(&self, entry: &[u8], from: u64) -> Result<Option<u64>, LedgerError> {
        let size = self.checkpoint()?.checkpoint.size;
        let fetch = DirFetch(self.dir.clone());
        let mut tile = from / tiles::TILE_WIDTH;
        while tile * tiles::TILE_WIDTH < size {
            let start = tile * tiles::TILE_WIDTH;
            let width = (size - start).min(tiles::TILE_WIDTH);
            let path = tiles::bundle_path(tile, width);
            let entries = tiles::decode_bundle(&fetch.fetch(&path)?, width)
                .map_err(|reason| LedgerError::Bundle { path, reason })?;
            for (offset, candidate) in entries.iter().enumerate() {
                let index = start + offset as u64;
                if index >= from && candidate.as_slice() == entry {
                    return Ok(Some(index));
                }
            }
            tile += 1;
        }
        Ok(None)
    }

    /// Cosigns the current checkpoint with a witness key
    /// (tlog-cosignature/v1) at `timestamp`; the size cosigned.
    pub fn cosign(&self, witness: &NoteSigningKey, timestamp: u64) -> Result<u64, LedgerError> {
        if witness.verifier().alg() != KeyAlg::Cosignature {
            return Err(LedgerError::NotAWitnessKey);
        }
        let mut log = self.writer()?;
        let mut note = log.checkpoint().note.clone();
        note.cosign(witness, timestamp);
        log.store_cosigned(note)?;
        Ok(log.checkpoint().checkpoint.size)
    }
}

/// Reads log files over HTTP (plain HTTP: TLS terminates in front of trove).
pub struct HttpFetch {
    base: String,
    agent: ureq::Agent,
}

impl HttpFetch {
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        HttpFetch {
            base: base.trim_end_matches('/').to_owned(),
            agent,
        }
    }
}

impl Fetch for HttpFetch {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, LedgerError> {
        let url = format!("{}/{path}", self.base);
        let missing = |reason: String| LedgerError::Missing {
            path: url.clone(),
            reason,
        };
        let mut response = self.agent.get(&url).call().map_err(|e| missing(e.to_string()))?;
        if !response.status().is_success() {
            return Err(missing(format!("HTTP {}", response.status())));
        }
        response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|e| missing(e.to_string()))
    }
}

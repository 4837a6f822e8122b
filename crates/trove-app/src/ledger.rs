//! The transparency log of a data directory: statements appended by hand,
//! receipts queued and appended in daily batches, checkpoints, proofs,
//! cosignatures, and the audit of any log (a folder or a served one) with
//! only its key.

use std::path::{Path, PathBuf};

use serde::Serialize;
use trove_keys::{KeyAlg, NoteSigningKey, NoteVerifierKey, StatementRole};
use trove_ledger::checkpoint::SignedCheckpoint;
use trove_ledger::statement::{Outcome, Statement};
use trove_ledger::{
    AppendedReceipt, DirFetch, Due, HttpFetch, InclusionProof, VerifyOptions, VerifyReport, verify_log,
};
use trove_store::{Day, SubmissionId};

use crate::{AppError, Newsroom};

/// A statement to append by hand (`trove log append …`).
#[derive(Debug, Clone)]
pub enum AppendRequest {
    /// An editor's decision, signed by the editor's key, whose id the
    /// statement names.
    Decision {
        submission: SubmissionId,
        outcome: Outcome,
        reasons: Vec<String>,
        policy: [u8; 32],
        editor: String,
    },
    /// Any other statement (a publication, a withheld document), signed by
    /// an editor's key.
    Signed { statement: Statement, editor: String },
}

/// What an audit of a log found.
#[derive(Debug, Clone, Serialize)]
pub struct LogVerification {
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub entries: std::collections::BTreeMap<String, u64>,
    pub tiles_checked: u64,
    pub consistent_with_size: Option<u64>,
    pub cosigned_at: Option<u64>,
}

impl From<VerifyReport> for LogVerification {
    fn from(report: VerifyReport) -> Self {
        LogVerification {
            origin: report.origin,
            size: report.size,
            root: report.root,
            entries: report.entries_by_kind,
            tiles_checked: report.tiles_checked,
            consistent_with_size: report.previous_size,
            cosigned_at: report.cosigned_at,
        }
    }
}

/// Reads a note verifier key file of the given kind.
pub fn read_vkey(path: &Path, alg: KeyAlg) -> Result<NoteVerifierKey, AppError> {
    let text = std::fs::read_to_string(path).map_err(AppError::io(path))?;
    let key = NoteVerifierKey::parse(text.trim()).map_err(|source| AppError::NoteKey {
        path: path.into(),
        source,
    })?;
    if key.alg() != alg {
        return Err(AppError::WrongKeyKind(path.into()));
    }
    Ok(key)
}

/// Audits a log from its files alone: a folder, or an `http(s)://` URL of
/// a served one, with its verifier key and, if given, a witness's; the
/// last verified checkpoint is remembered in `state`, so a rollback or a
/// rewrite is caught next time.
/// Where `trove log verify` remembers the checkpoints it has seen: beside
/// the data directory for its own log, else in the user's state directory
/// (`$XDG_STATE_HOME/trove/log-seen`, `~/.local/state/trove/log-seen`), so
/// that what one folder remembers never depends on where the command ran.
pub fn log_state_dir(data: &Path, own_log: bool) -> PathBuf {
    if own_log {
        return data.join("log-seen");
    }
    let state_home = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")));
    match state_home {
        Some(home) => home.join("trove/log-seen"),
        None => PathBuf::from(".trove-log-seen"),
    }
}

pub async fn verify_any_log(
    from: &str,
    vkey: &Path,
    witness: Option<&Path>,
    state: PathBuf,
) -> Result<LogVerification, AppError> {
    let options = VerifyOptions {
        log_key: read_vkey(vkey, KeyAlg::Ed25519)?,
        statement_keys: Vec::new(),
        witness: witness.map(|path| read_vkey(path, KeyAlg::Cosignature)).transpose()?,
        state: Some(state),
    };
    let report = if from.starts_with("http://") || from.starts_with("https://") {
        let from = from.to_owned();
        tokio::task::spawn_blocking(move || verify_log(&HttpFetch::new(&from), &options))
            .await
            .map_err(|e| AppError::Join(e.to_string()))?
    } else {
        verify_log(&DirFetch(PathBuf::from(from)), &options)
    }?;
    Ok(report.into())
}

/// Accountability figures from a log folder or URL and its key alone:
/// the log is verified whole (checkpoint, every entry's signature, every
/// tile), and the figures count only once it has.
pub async fn log_stats(from: &str, vkey: &Path) -> Result<trove_ledger::LogStats, AppError> {
    let options = VerifyOptions {
        log_key: read_vkey(vkey, KeyAlg::Ed25519)?,
        statement_keys: Vec::new(),
        witness: None,
        state: None,
    };
    let from = from.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut account = trove_ledger::LogAccount::default();
        let mut visit = |_: u64, statement: &Statement| account.add(statement);
        if from.starts_with("http://") || from.starts_with("https://") {
            trove_ledger::verify_log_with(&HttpFetch::new(&from), &options, &mut visit)?;
        } else {
            trove_ledger::verify_log_with(&DirFetch(PathBuf::from(&from)), &options, &mut visit)?;
        }
        Ok(account.finish())
    })
    .await
    .map_err(|e| AppError::Join(e.to_string()))?
}

impl Newsroom {
    /// Builds and appends a statement; its index and kind.
    pub async fn append_statement(&self, request: AppendRequest) -> Result<(u64, &'static str), AppError> {
        let (statement, signer) = match request {
            AppendRequest::Decision {
                submission,
                outcome,
                reasons,
                policy,
                editor,
            } => {
                let role = StatementRole::Editor(editor);
                let key_id = self.dir().keyring().verifier_key(&role)?.id();
                let statement = Statement::Decision {
                    submission,
                    outcome,
                    reasons,
                    policy,
                    editor: hex::encode(key_id),
                    facts: None,
                };
                (statement, role)
            }
            AppendRequest::Signed { statement, editor } => (statement, StatementRole::Editor(editor)),
        };
        let index = self.dir().ledger().append(&statement, &signer)?;
        Ok((index, statement.kind()))
    }

    /// Queues the receipt of a stored submission, from its sealed manifest
    /// (the desk, after pulling from a separate intake), for the batch
    /// after its day; the day.
    pub async fn queue_receipt_of(&self, id: &SubmissionId) -> Result<Day, AppError> {
        let record = self.submission(id).await?;
        let manifest = trove_store::read_manifest(&self.opener()?, &record)?;
        let bytes = manifest.files.iter().map(|f| f.size).sum();
        self.dir()
            .ledger()
            .queue_receipt_of(*id, manifest.commitment(), record.received_day, bytes)?;
        Ok(record.received_day)
    }

    /// Appends the queued receipts that are `due` in one batch (see
    /// [`trove_ledger::Due`]).
    pub async fn append_queued_receipts(&self, due: Due) -> Result<Vec<AppendedReceipt>, AppError> {
        let ledger = self.dir().ledger();
        tokio::task::spawn_blocking(move || ledger.append_queued_receipts(due))
            .await
            .map_err(|e| AppError::Join(e.to_string()))?
            .map_err(AppError::from)
    }

    /// Appends each day's receipts in one batch once the day has ended
    /// (UTC), now and after every midnight, until the task is dropped. A
    /// failed batch is retried at the next midnight and logged without
    /// anything that names a submission.
    pub async fn run_daily_receipt_batches(self: std::sync::Arc<Self>) {
        loop {
            if let Err(reason) = self.append_queued_receipts(Due::Before(Day::today())).await {
                tracing::warn!("the day's receipt batch failed: {reason}");
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            let next = Day::today().plus_days(1).unix_start();
            // A minute past midnight, so that a clock a little behind still
            // sees the new day.
            tokio::time::sleep(std::time::Duration::from_secs((next - now).max(0) as u64 + 60)).await;
        }
    }

    /// The log's current checkpoint.
    pub fn checkpoint(&self) -> Result<SignedCheckpoint, AppError> {
        Ok(self.dir().ledger().checkpoint()?)
    }

    /// An entry's inclusion proof against the current checkpoint.
    pub fn prove(&self, index: u64) -> Result<InclusionProof, AppError> {
        Ok(self.dir().ledger().prove(index)?)
    }

    /// Cosigns the current checkpoint with a witness key file; the size
    /// cosigned.
    pub fn cosign(&self, key_file: &Path) -> Result<u64, AppError> {
        let text = std::fs::read_to_string(key_file).map_err(AppError::io(key_file))?;
        let witness = NoteSigningKey::parse(text.trim()).map_err(|source| AppError::NoteKey {
            path: key_file.into(),
            source,
        })?;
        if witness.verifier().alg() != KeyAlg::Cosignature {
            return Err(AppError::NotAWitnessKey(key_file.into()));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| AppError::Clock)?
            .as_secs();
        Ok(self.dir().ledger().cosign(&witness, now)?)
    }
}

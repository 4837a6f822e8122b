//! `trove log …` and the receipts `trove submit` appends: the binary's
//! glue between the data directory and trove-ledger.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::json;
use trove_keys::{KeyAlg, NoteSigningKey, NoteVerifierKey, StatementRole};
use trove_ledger::statement::{Outcome, Statement, size_class};
use trove_ledger::{DirFetch, Fetch, LedgerError, LogWriter, TileSource, VerifyOptions, merkle, verify_log};
use trove_store::{MetadataRepo, SubmissionId, SubmissionSummary, read_manifest};

use crate::datadir::DataDir;

/// Opens the data directory's log and publishes the statement keys it
/// accepts (the intake's and every editor's).
pub fn open_log(dir: &DataDir) -> anyhow::Result<LogWriter> {
    let keyring = dir.keyring();
    let writer = LogWriter::open(&dir.log_dir(), keyring.signing_key(&StatementRole::Log)?)?;
    let statement_keys: Vec<NoteVerifierKey> = keyring
        .public_keys()?
        .into_iter()
        .filter(|k| k.role == "intake" || k.role.starts_with("editor-"))
        .map(|k| NoteVerifierKey::parse(&k.public).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()?;
    writer.publish_keys(&statement_keys)?;
    Ok(writer)
}

/// Appends the receipt of a submission, signed by the intake's key.
pub fn append_receipt(dir: &DataDir, summary: &SubmissionSummary) -> anyhow::Result<u64> {
    let receipt = Statement::Receipt {
        submission: summary.submission.to_string(),
        commitment: summary.commitment,
        day: summary.day.clone(),
        size_class: size_class(summary.bytes),
    };
    append(dir, &receipt, &StatementRole::Intake)
}

pub(crate) fn append(dir: &DataDir, statement: &Statement, signer: &StatementRole) -> anyhow::Result<u64> {
    let key = dir.keyring().signing_key(signer)?;
    let entry = statement.sign(&key).map_err(anyhow::Error::msg)?;
    let mut log = open_log(dir)?;
    Ok(log.append(&[entry])?.start)
}

fn hex32(text: &str, what: &str) -> anyhow::Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).with_context(|| format!("{what} {text:?} is not 64 hex digits"))?;
    Ok(out)
}

#[derive(clap::Subcommand)]
pub enum AppendCommand {
    /// The receipt of a stored submission (signed by the intake key).
    Receipt { submission: String },
    /// An editor's decision (signed by the editor's key).
    Decision {
        submission: String,
        #[arg(long)]
        outcome: String,
        /// Reason codes, e.g. --reason ALREADY_PUBLIC (repeatable).
        #[arg(long = "reason")]
        reasons: Vec<String>,
        /// SHA-256 of the policy file, 64 hex digits.
        #[arg(long)]
        policy: String,
        #[arg(long, default_value = "chief")]
        editor: String,
    },
    /// A publication manifest's root and counts (signed by the chief editor).
    Publication {
        #[arg(long)]
        root: String,
        #[arg(long)]
        published: u64,
        #[arg(long)]
        withheld: u64,
        #[arg(long, default_value = "chief")]
        editor: String,
    },
    /// A withheld document, by commitment, with a reason code.
    Withheld {
        #[arg(long)]
        document: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "chief")]
        editor: String,
    },
}

#[derive(clap::Subcommand)]
pub enum LogCommand {
    /// Append a signed statement.
    Append {
        #[command(subcommand)]
        statement: AppendCommand,
    },
    /// Print the current checkpoint (a signed note).
    Checkpoint,
    /// Print the inclusion proof of an entry against the current checkpoint.
    Prove { index: u64 },
    /// Audit a log from its files: checkpoint, tiles, entries, signatures.
    Verify {
        /// A log folder or an http:// URL of one [default: this data dir's log].
        #[arg(long)]
        from: Option<String>,
        /// The log's verifier key file [default: this data dir's keys/log.vkey].
        #[arg(long)]
        vkey: Option<PathBuf>,
        /// Require a cosignature by this witness verifier key file.
        #[arg(long)]
        witness: Option<PathBuf>,
        /// Where to remember the last verified checkpoint [default: .trove-log-seen].
        #[arg(long, default_value = ".trove-log-seen")]
        state: PathBuf,
    },
    /// Cosign the current checkpoint with a witness key file (tlog-cosignature/v1).
    Cosign {
        #[arg(long)]
        key: PathBuf,
    },
}

pub async fn run(data: &Path, command: LogCommand, json: bool) -> anyhow::Result<()> {
    match command {
        LogCommand::Append { statement } => {
            let dir = DataDir::open(data)?;
            let (statement, signer) = build_statement(&dir, statement).await?;
            let index = append(&dir, &statement, &signer)?;
            crate::print_report(json, &json!({ "index": index, "kind": statement.kind() }), |_| {
                format!("appended {} as entry {index}", statement.kind())
            });
        }
        LogCommand::Checkpoint => {
            let log = open_log(&DataDir::open(data)?)?;
            let note = log.checkpoint().note.encode();
            let checkpoint = &log.checkpoint().checkpoint;
            crate::print_report(
                json,
                &json!({ "origin": checkpoint.origin, "size": checkpoint.size, "root": BASE64.encode(checkpoint.root), "note": note }),
                |_| note.trim_end().to_owned(),
            );
        }
        LogCommand::Prove { index } => {
            let dir = DataDir::open(data)?;
            let log = open_log(&dir)?;
            let checkpoint = log.checkpoint().checkpoint.clone();
            if index >= checkpoint.size {
                bail!("the log has {} entries; there is no entry {index}", checkpoint.size);
            }
            let fetch = DirFetch(dir.log_dir());
            let proof = merkle::inclusion_proof(&TileSource::new(&fetch, checkpoint.size), index, checkpoint.size)?;
            let bundle = trove_ledger::tiles::bundle_path(index / 256, (checkpoint.size - index / 256 * 256).min(256));
            let entries = trove_ledger::tiles::decode_bundle(
                &fetch.fetch(&bundle)?,
                (checkpoint.size - index / 256 * 256).min(256),
            )
            .map_err(anyhow::Error::msg)?;
            let leaf = merkle::leaf_hash(&entries[(index % 256) as usize]);
            let report = json!({
                "index": index,
                "tree_size": checkpoint.size,
                "root": BASE64.encode(checkpoint.root),
                "leaf_hash": BASE64.encode(leaf),
                "proof": proof.iter().map(|h| BASE64.encode(h)).collect::<Vec<_>>(),
            });
            crate::print_report(json, &report, |r| serde_json::to_string_pretty(r).expect("json"));
        }
        LogCommand::Verify {
            from,
            vkey,
            witness,
            state,
        } => {
            let vkey_path = vkey.unwrap_or_else(|| data.join("keys/log.vkey"));
            let log_key = read_vkey(&vkey_path, KeyAlg::Ed25519)?;
            let witness = witness.map(|path| read_vkey(&path, KeyAlg::Cosignature)).transpose()?;
            let options = VerifyOptions {
                log_key,
                statement_keys: Vec::new(),
                witness,
                state: Some(state),
            };
            let from = from.unwrap_or_else(|| data.join("log").display().to_string());
            let report = if from.starts_with("http://") || from.starts_with("https://") {
                tokio::task::spawn_blocking(move || verify_log(&HttpFetch::new(&from), &options)).await?
            } else {
                verify_log(&DirFetch(PathBuf::from(&from)), &options)
            }?;
            let value = json!({
                "origin": report.origin,
                "size": report.size,
                "root": report.root,
                "entries": report.entries_by_kind,
                "tiles_checked": report.tiles_checked,
                "consistent_with_size": report.previous_size,
                "cosigned_at": report.cosigned_at,
            });
            crate::print_report(json, &value, |_| {
                let mut text = format!(
                    "verified {}: {} entries, {} tiles, root {}",
                    report.origin, report.size, report.tiles_checked, report.root
                );
                if let Some(previous) = report.previous_size {
                    text.push_str(&format!(
                        "\nconsistent with the checkpoint of size {previous} seen before"
                    ));
                }
                if let Some(time) = report.cosigned_at {
                    text.push_str(&format!("\ncosigned by the witness at {time}"));
                }
                text
            });
        }
        LogCommand::Cosign { key } => {
            let dir = DataDir::open(data)?;
            let text = std::fs::read_to_string(&key).with_context(|| format!("cannot read {}", key.display()))?;
            let witness = NoteSigningKey::parse(text.trim()).map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
            if witness.verifier().alg() != KeyAlg::Cosignature {
                bail!("{} is not a witness key (type 0x04)", key.display());
            }
            let mut log = open_log(&dir)?;
            let mut note = log.checkpoint().note.clone();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            note.cosign(&witness, now);
            log.store_cosigned(note)?;
            crate::print_report(
                json,
                &json!({ "cosigned_size": log.checkpoint().checkpoint.size }),
                |_| format!("cosigned the checkpoint of size {}", log.checkpoint().checkpoint.size),
            );
        }
    }
    Ok(())
}

fn read_vkey(path: &Path, alg: KeyAlg) -> anyhow::Result<NoteVerifierKey> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the verifier key {}", path.display()))?;
    let key = NoteVerifierKey::parse(text.trim()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if key.alg() != alg {
        bail!("{} is not the right kind of key for this use", path.display());
    }
    Ok(key)
}

/// Appends the receipt of a stored submission, from its sealed manifest
/// (the desk, after pulling from a separate intake).
pub async fn append_receipt_of(dir: &DataDir, submission: &str) -> anyhow::Result<u64> {
    let receipt = AppendCommand::Receipt {
        submission: submission.to_owned(),
    };
    let (statement, signer) = build_statement(dir, receipt).await?;
    append(dir, &statement, &signer)
}

async fn build_statement(dir: &DataDir, command: AppendCommand) -> anyhow::Result<(Statement, StatementRole)> {
    Ok(match command {
        AppendCommand::Receipt { submission } => {
            let id = SubmissionId::from_str(&submission)?;
            let repo = dir.repo(false).await?;
            let record = repo
                .submission(&id)
                .await?
                .with_context(|| format!("no submission {id}"))?;
            let manifest = read_manifest(&dir.opener()?, &record)?;
            let bytes = manifest.files.iter().map(|f| f.size).sum();
            let statement = Statement::Receipt {
                submission: id.to_string(),
                commitment: manifest.commitment(),
                day: record.received_day,
                size_class: size_class(bytes),
            };
            (statement, StatementRole::Intake)
        }
        AppendCommand::Decision {
            submission,
            outcome,
            reasons,
            policy,
            editor,
        } => {
            let editor_role = StatementRole::Editor(editor);
            let key_id = dir.keyring().verifier_key(&editor_role)?.id();
            let statement = Statement::Decision {
                submission,
                outcome: Outcome::parse(&outcome).map_err(anyhow::Error::msg)?,
                reasons,
                policy: hex32(&policy, "policy")?,
                editor: hex::encode(key_id),
            };
            (statement, editor_role)
        }
        AppendCommand::Publication {
            root,
            published,
            withheld,
            editor,
        } => (
            Statement::Publication {
                root: hex32(&root, "root")?,
                published,
                withheld,
            },
            StatementRole::Editor(editor),
        ),
        AppendCommand::Withheld {
            document,
            reason,
            editor,
        } => (
            Statement::Withheld {
                document: hex32(&document, "document")?,
                reason,
            },
            StatementRole::Editor(editor),
        ),
    })
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

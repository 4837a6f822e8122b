//! A sealed release folder and its check.
//!
//! ```text
//! <root>/manifest.txt        the manifest (crate::manifest)
//! <root>/publication.entry   the publication statement, a signed note, as the log holds it
//! <root>/checkpoint          the log's checkpoint the proof is against
//! <root>/inclusion.txt       the entry's inclusion proof
//! <root>/keys                the log's statement-key list, signed by the log key
//! <root>/dkim-keys.txt       DKIM keys that verified the unredacted mail (if any)
//! <root>/verifications.note  the newsroom's verdicts on re-rendered mail, signed (if any)
//! <root>/appeared-before.note where published documents had appeared before, signed (if any)
//! <root>/documents/<sha256>.<ext>
//! ```
//!
//! The folder is named by the manifest's root. [`verify_release`] needs
//! only the log's key: the key list says which editor keys may sign, the
//! checkpoint and proof put the statement in the log, the statement holds
//! the manifest's root, and the manifest every file's digest.

use serde::Serialize;
use sha2::{Digest, Sha256};
use trove_keys::NoteVerifierKey;
use trove_ledger::checkpoint::SignedCheckpoint;
use trove_ledger::merkle::{self, Hash};
use trove_ledger::statement::{Statement, open_entry};
use trove_ledger::{Fetch, InclusionProof, TileSource, read_key_list};
use trove_store::SubmissionId;

use crate::PublishError;
use crate::manifest::{Counts, Manifest, RecordStatus};

pub const MANIFEST: &str = "manifest.txt";
pub const ENTRY: &str = "publication.entry";
pub const CHECKPOINT: &str = "checkpoint";
pub const INCLUSION: &str = "inclusion.txt";
pub const DKIM_KEYS: &str = "dkim-keys.txt";
pub const VERIFICATIONS: &str = "verifications.note";
const VERIFICATIONS_HEADER: &str = "trove/verifications/v1";
pub const APPEARED_BEFORE: &str = "appeared-before.note";
const APPEARED_BEFORE_HEADER: &str = "trove/appeared-before/v1";
const INCLUSION_HEADER: &str = "trove/inclusion/v1";

/// An inclusion proof as `inclusion.txt` holds it.
pub fn encode_inclusion(proof: &InclusionProof) -> String {
    let mut out = format!("{INCLUSION_HEADER}\nindex {}\nsize {}\n", proof.index, proof.tree_size);
    for hash in &proof.proof {
        out.push_str(&hex::encode(hash));
        out.push('\n');
    }
    out
}

fn parse_inclusion(text: &str) -> Result<(u64, u64, Vec<Hash>), PublishError> {
    let bad = |reason: &str| PublishError::Folder {
        file: INCLUSION.into(),
        reason: reason.into(),
    };
    let mut lines = text.lines();
    if lines.next() != Some(INCLUSION_HEADER) {
        return Err(bad("not a trove/inclusion/v1 proof"));
    }
    let mut number = |name: &str| -> Result<u64, PublishError> {
        lines
            .next()
            .and_then(|l| l.strip_prefix(name))
            .and_then(|l| l.strip_prefix(' '))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| bad(&format!("no {name} line")))
    };
    let index = number("index")?;
    let size = number("size")?;
    let hashes = lines
        .map(|line| {
            let mut hash = [0u8; 32];
            hex::decode_to_slice(line, &mut hash).map_err(|_| bad("a proof hash is not 64 hex digits"))?;
            Ok(hash)
        })
        .collect::<Result<Vec<Hash>, PublishError>>()?;
    Ok((index, size, hashes))
}

/// The text of `verifications.note`: the newsroom's verdict on each mail
/// that was published re-rendered (so that its DKIM signature can no
/// longer be checked by a reader), by manifest index; signed by the
/// publishing editor as a signed note.
pub fn verifications_text(release: &[u8; 16], verdicts: &[(u64, String)]) -> String {
    let mut out = format!("{VERIFICATIONS_HEADER}\nrelease {}\n", hex::encode(release));
    for (index, verdict) in verdicts {
        out.push_str(&format!("{index} {verdict}\n"));
    }
    out
}

/// A published document that had appeared before the release, in a
/// publication the newsroom registered (overlap's exact, near and partial
/// classes): a reader sees where else to find it and judges what is new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Appearance {
    /// The record's index in the manifest.
    pub index: u64,
    /// `exact`, `near` or `partial`.
    pub class: String,
    pub publisher: String,
    /// The registered corpus's name.
    pub corpus: String,
    /// The publication's day, `YYYY-MM-DD`.
    pub date: String,
}

/// The text of `appeared-before.note`, signed by the publishing editor as
/// a signed note: a line per appearance, fields separated by tabs (which
/// names cannot hold: they become spaces).
pub fn appeared_before_text(release: &[u8; 16], appearances: &[Appearance]) -> String {
    let clean = |text: &str| text.replace(['\t', '\n', '\r'], " ");
    let mut out = format!("{APPEARED_BEFORE_HEADER}\nrelease {}\n", hex::encode(release));
    for a in appearances {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            a.index,
            clean(&a.class),
            clean(&a.date),
            clean(&a.publisher),
            clean(&a.corpus)
        ));
    }
    out
}

/// A document of the manifest that the folder does not hold as it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub index: u64,
    pub path: Option<String>,
    pub file: String,
    /// `missing` or `changed`.
    pub what: &'static str,
}

/// A withheld document: its place in the submission and its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct WithheldRecord {
    pub index: u64,
    pub reason: String,
}

/// What a check of a release folder found.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseCheck {
    pub release: String,
    pub submission: SubmissionId,
    pub root: String,
    /// The publication statement's place in the log.
    pub log_index: u64,
    pub proved_at_size: u64,
    /// The size of the served log it was also found in (when one was given).
    pub found_in_log_of_size: Option<u64>,
    pub signer: String,
    pub records: u64,
    pub counts: Counts,
    pub withheld: Vec<WithheldRecord>,
    /// The newsroom's signed verdicts on re-rendered mail, by index.
    pub verdicts: Vec<(u64, String)>,
    /// Where published documents had appeared before (signed).
    pub appeared_before: Vec<Appearance>,
    pub problems: Vec<Problem>,
}

impl ReleaseCheck {
    /// True when every published document is present and unchanged.
    pub fn complete(&self) -> bool {
        self.problems.is_empty()
    }
}

fn fetch_text<F: Fetch>(folder: &F, file: &str) -> Result<String, PublishError> {
    let bytes = folder.fetch(file).map_err(|e| PublishError::Folder {
        file: file.into(),
        reason: e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|_| PublishError::Folder {
        file: file.into(),
        reason: "not UTF-8".into(),
    })
}

/// Checks a release folder (a directory or a URL, through `Fetch`) with
/// only the log's key: the statement is signed by a key the log lists and
/// included under a checkpoint the log key signed; the manifest has the
/// statement's root and counts; every published file is there with its
/// digest. With `log`, the statement must also be in that log as served
/// now. Errors are for a release that cannot be trusted at all; missing
/// or changed documents are `problems`.
pub fn verify_release<F: Fetch, L: Fetch>(
    folder: &F,
    log_key: &NoteVerifierKey,
    log: Option<&L>,
) -> Result<ReleaseCheck, PublishError> {
    let keys = read_key_list(folder, log_key).map_err(|e| PublishError::Folder {
        file: trove_ledger::KEY_LIST.into(),
        reason: e.to_string(),
    })?;
    let entry = folder.fetch(ENTRY).map_err(|e| PublishError::Folder {
        file: ENTRY.into(),
        reason: e.to_string(),
    })?;
    let (statement, signer) = open_entry(&entry, &keys).map_err(|e| PublishError::Folder {
        file: ENTRY.into(),
        reason: e.to_string(),
    })?;
    let Statement::Publication {
        release,
        submission,
        root,
        published,
        redacted,
        withheld,
        containers,
        codes,
        ..
    } = statement
    else {
        return Err(PublishError::Folder {
            file: ENTRY.into(),
            reason: format!("a {} statement, not a publication", statement.kind()),
        });
    };
    let checkpoint =
        SignedCheckpoint::open(&fetch_text(folder, CHECKPOINT)?, log_key).map_err(|e| PublishError::Folder {
            file: CHECKPOINT.into(),
            reason: e.to_string(),
        })?;
    let (index, size, proof) = parse_inclusion(&fetch_text(folder, INCLUSION)?)?;
    let leaf = merkle::leaf_hash(&entry);
    if size != checkpoint.checkpoint.size
        || !merkle::verify_inclusion(index, size, &leaf, &proof, &checkpoint.checkpoint.root)
    {
        return Err(PublishError::NotInLog(format!(
            "the inclusion proof of entry {index} does not lead to the checkpoint's root"
        )));
    }
    let found_in_log_of_size = match log {
        Some(log) => Some(check_in_served_log(log, log_key, index, &leaf)?),
        None => None,
    };
    let manifest = Manifest::parse(&fetch_text(folder, MANIFEST)?)?;
    if manifest.root() != root || manifest.release != release || manifest.submission != submission {
        return Err(PublishError::Folder {
            file: MANIFEST.into(),
            reason: "its root, release or submission is not the publication statement's".into(),
        });
    }
    let counts = manifest.counts();
    if (
        counts.published,
        counts.redacted,
        counts.withheld,
        counts.containers,
        &counts.codes,
    ) != (published, redacted, withheld, containers, &codes)
    {
        return Err(PublishError::Folder {
            file: MANIFEST.into(),
            reason: "its counts are not the publication statement's".into(),
        });
    }
    let mut problems = Vec::new();
    let mut withheld_records = Vec::new();
    for record in &manifest.records {
        if let RecordStatus::Withheld(reason) = record.status {
            withheld_records.push(WithheldRecord {
                index: record.index,
                reason: reason.code().into(),
            });
        }
        let (Some(file), Some(digest)) = (&record.file, &record.published) else {
            continue;
        };
        let what = match folder.fetch(file) {
            Err(_) => Some("missing"),
            Ok(bytes) if Sha256::digest(&bytes).as_slice() != digest => Some("changed"),
            Ok(_) => None,
        };
        if let Some(what) = what {
            problems.push(Problem {
                index: record.index,
                path: record.path.clone(),
                file: file.clone(),
                what,
            });
        }
    }
    let verdicts = match folder.fetch(VERIFICATIONS) {
        Err(_) => Vec::new(),
        Ok(bytes) => read_verifications(&bytes, &keys, &release, &manifest)?,
    };
    let appeared_before = match folder.fetch(APPEARED_BEFORE) {
        Err(_) => Vec::new(),
        Ok(bytes) => read_appeared_before(&bytes, &keys, &release, &manifest)?,
    };
    Ok(ReleaseCheck {
        verdicts,
        appeared_before,
        release: hex::encode(release),
        submission,
        root: hex::encode(root),
        log_index: index,
        proved_at_size: size,
        found_in_log_of_size,
        signer,
        records: manifest.records.len() as u64,
        counts,
        withheld: withheld_records,
        problems,
    })
}

/// The lines of a release's signed note (`file`): signed by a key the log
/// lists, with `header` and naming this release.
fn release_note_lines(
    file: &str,
    bytes: &[u8],
    keys: &[NoteVerifierKey],
    header: &str,
    release: &[u8; 16],
) -> Result<Vec<String>, PublishError> {
    let bad = |reason: &str| PublishError::Folder {
        file: file.into(),
        reason: reason.into(),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8"))?;
    let note = trove_ledger::checkpoint::SignedNote::parse(text).map_err(|e| bad(&e.to_string()))?;
    if !keys.iter().any(|key| note.verify(key)) {
        return Err(bad("not signed by a key the log lists"));
    }
    let mut lines = note.text.lines();
    if lines.next() != Some(header) || lines.next() != Some(format!("release {}", hex::encode(release)).as_str()) {
        return Err(bad(&format!("not a {header} note of this release")));
    }
    Ok(lines.map(str::to_owned).collect())
}

/// A record index of a note's line, which must name a published record.
fn published_index(file: &str, manifest: &Manifest, index: &str) -> Result<u64, PublishError> {
    let bad = |reason: &str| PublishError::Folder {
        file: file.into(),
        reason: reason.into(),
    };
    let index: u64 = index.parse().map_err(|_| bad("an index is not a number"))?;
    match manifest.records.get(index as usize).map(|r| r.status) {
        Some(RecordStatus::Published | RecordStatus::Redacted) => Ok(index),
        _ => Err(bad(&format!("record {index} is named but was not published"))),
    }
}

/// Reads `verifications.note`: each line `INDEX VERDICT`.
fn read_verifications(
    bytes: &[u8],
    keys: &[NoteVerifierKey],
    release: &[u8; 16],
    manifest: &Manifest,
) -> Result<Vec<(u64, String)>, PublishError> {
    release_note_lines(VERIFICATIONS, bytes, keys, VERIFICATIONS_HEADER, release)?
        .into_iter()
        .map(|line| {
            let (index, verdict) = line.split_once(' ').ok_or_else(|| PublishError::Folder {
                file: VERIFICATIONS.into(),
                reason: "a line is not INDEX VERDICT".into(),
            })?;
            Ok((published_index(VERIFICATIONS, manifest, index)?, verdict.to_owned()))
        })
        .collect()
}

/// Reads `appeared-before.note`: each line five fields separated by tabs.
fn read_appeared_before(
    bytes: &[u8],
    keys: &[NoteVerifierKey],
    release: &[u8; 16],
    manifest: &Manifest,
) -> Result<Vec<Appearance>, PublishError> {
    release_note_lines(APPEARED_BEFORE, bytes, keys, APPEARED_BEFORE_HEADER, release)?
        .into_iter()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [index, class, date, publisher, corpus] = fields[..] else {
                return Err(PublishError::Folder {
                    file: APPEARED_BEFORE.into(),
                    reason: "a line is not INDEX CLASS DATE PUBLISHER CORPUS, separated by tabs".into(),
                });
            };
            Ok(Appearance {
                index: published_index(APPEARED_BEFORE, manifest, index)?,
                class: class.to_owned(),
                date: date.to_owned(),
                publisher: publisher.to_owned(),
                corpus: corpus.to_owned(),
            })
        })
        .collect()
}

/// Proves entry `index` (with leaf hash `leaf`) against the served log's
/// current checkpoint, from its tiles; the size proved at.
fn check_in_served_log<L: Fetch>(
    log: &L,
    log_key: &NoteVerifierKey,
    index: u64,
    leaf: &Hash,
) -> Result<u64, PublishError> {
    let not_in_log = |reason: String| PublishError::NotInLog(reason);
    let text = log
        .fetch("checkpoint")
        .map_err(|e| not_in_log(format!("the log's checkpoint: {e}")))?;
    let text = String::from_utf8(text).map_err(|_| not_in_log("the log's checkpoint is not UTF-8".into()))?;
    let current = SignedCheckpoint::open(&text, log_key).map_err(|e| not_in_log(e.to_string()))?;
    let size = current.checkpoint.size;
    if index >= size {
        return Err(not_in_log(format!(
            "the log has {size} entries; the release names entry {index}"
        )));
    }
    let proof =
        merkle::inclusion_proof(&TileSource::new(log, size), index, size).map_err(|e| not_in_log(e.to_string()))?;
    if !merkle::verify_inclusion(index, size, leaf, &proof, &current.checkpoint.root) {
        return Err(not_in_log(format!(
            "entry {index} of the log as served is not the release's publication statement"
        )));
    }
    Ok(size)
}

//! A release's manifest: one record per document of the submission, in the
//! submission's path order, and its Merkle root (RFC 9162 hashing, as the
//! log's) that the publication statement puts in the log.
//!
//! The format is text, one record a line, so that anyone can check it
//! with a shell and no trove code (`docs/publish.md`):
//!
//! ```text
//! trove/manifest/v1
//! release <32 hex>
//! submission <32 hex>
//! records <n>
//! <index> TAB <status> TAB <code|-> TAB <redactions> TAB <original> TAB <sha256|-> TAB <file|-> TAB <path|->
//! ```
//!
//! A leaf is a record line's bytes without its newline. `original` is a
//! salted commitment to the original bytes (the salt is the newsroom's
//! secret, so a withheld record confirms nothing about a guessed file);
//! a withheld record has no path, file or digest.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use trove_ledger::merkle::{self, Hash, LeafHashes};
use trove_store::SubmissionId;

use crate::{PublishError, WithholdReason};

const HEADER: &str = "trove/manifest/v1";

/// What became of a document in a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "reason", rename_all = "snake_case")]
pub enum RecordStatus {
    /// Published as it came (mail with its original bytes) or re-rendered
    /// with nothing taken out.
    Published,
    /// Re-rendered with redactions.
    Redacted,
    Withheld(WithholdReason),
    /// An archive or mailbox: its members are records of their own, and
    /// none of its own bytes are published.
    Container,
}

impl RecordStatus {
    pub fn name(self) -> &'static str {
        match self {
            RecordStatus::Published => "published",
            RecordStatus::Redacted => "redacted",
            RecordStatus::Withheld(_) => "withheld",
            RecordStatus::Container => "container",
        }
    }
}

/// One document's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestRecord {
    pub index: u64,
    pub status: RecordStatus,
    pub redactions: u32,
    #[serde(serialize_with = "hex_bytes")]
    pub original: [u8; 32],
    /// SHA-256 of the published file (so `sha256sum` checks it).
    #[serde(serialize_with = "hex_option")]
    pub published: Option<[u8; 32]>,
    /// The published file, relative to the release folder.
    pub file: Option<String>,
    /// The provenance path (`cache.zip/mail.mbox/#42/invoice.pdf`).
    pub path: Option<String>,
}

fn hex_bytes<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

fn hex_option<S: serde::Serializer>(bytes: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => s.serialize_some(&hex::encode(b)),
        None => s.serialize_none(),
    }
}

/// The file a published digest is stored under: `documents/<sha256>.<ext>`.
pub fn file_name(digest: &[u8; 32], extension: &str) -> String {
    format!("documents/{}.{extension}", hex::encode(digest))
}

/// Percent-escapes what would break a line or a field.
fn escape(text: &str) -> String {
    if text == "-" {
        return "%2D".into();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '%' || c.is_control() {
            let mut buffer = [0u8; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn unescape(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let pair = text.get(i + 1..i + 3).ok_or("a % not followed by two hex digits")?;
            out.push(u8::from_str_radix(pair, 16).map_err(|_| "a % not followed by two hex digits")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "an escaped path that is not UTF-8".to_owned())
}

fn dash<T>(value: &Option<T>, show: impl Fn(&T) -> String) -> String {
    value.as_ref().map_or_else(|| "-".to_owned(), show)
}

impl ManifestRecord {
    /// The record's line (its Merkle leaf), without a newline.
    pub fn line(&self) -> String {
        let code = match self.status {
            RecordStatus::Withheld(reason) => reason.code(),
            _ => "-",
        };
        format!(
            "{}\t{}\t{code}\t{}\t{}\t{}\t{}\t{}",
            self.index,
            self.status.name(),
            self.redactions,
            hex::encode(self.original),
            dash(&self.published, |d| hex::encode(d)),
            dash(&self.file, |f| escape(f)),
            dash(&self.path, |p| escape(p)),
        )
    }

    /// Parses a record line strictly: it must be the line of what it
    /// parses to.
    pub(crate) fn parse(line: &str) -> Result<ManifestRecord, String> {
        let fields: Vec<&str> = line.split('\t').collect();
        let [index, status, code, redactions, original, published, file, path] = fields[..] else {
            return Err(format!("{} fields, not 8", fields.len()));
        };
        let hex32 = |text: &str, what: &str| -> Result<[u8; 32], String> {
            let mut out = [0u8; 32];
            hex::decode_to_slice(text, &mut out).map_err(|_| format!("{what} {text:?} is not 64 hex digits"))?;
            Ok(out)
        };
        let status = match (status, code) {
            ("published", "-") => RecordStatus::Published,
            ("redacted", "-") => RecordStatus::Redacted,
            ("container", "-") => RecordStatus::Container,
            ("withheld", code) => RecordStatus::Withheld(code.parse().map_err(|e: PublishError| e.to_string())?),
            _ => return Err(format!("status {status:?} with code {code:?}")),
        };
        let optional = |text: &str| (text != "-").then(|| unescape(text)).transpose();
        let record = ManifestRecord {
            index: index.parse().map_err(|_| format!("index {index:?} is not a number"))?,
            status,
            redactions: redactions
                .parse()
                .map_err(|_| format!("redactions {redactions:?} is not a number"))?,
            original: hex32(original, "original")?,
            published: (published != "-").then(|| hex32(published, "digest")).transpose()?,
            file: optional(file)?,
            path: optional(path)?,
        };
        if record.line() != line {
            return Err("the record is not in its canonical form".into());
        }
        let has_output = matches!(record.status, RecordStatus::Published | RecordStatus::Redacted);
        match (&record.published, &record.file) {
            (Some(digest), Some(file)) if has_output => {
                let extension = file.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
                if *file != file_name(digest, extension)
                    || extension.is_empty()
                    || !extension.bytes().all(|b| b.is_ascii_alphanumeric())
                {
                    return Err(format!("file {file:?} is not documents/<its sha256>.<extension>"));
                }
            }
            (None, None) if !has_output => {}
            _ => {
                return Err(format!(
                    "a {} record with the wrong digest and file",
                    record.status.name()
                ));
            }
        }
        if matches!(record.status, RecordStatus::Withheld(_)) && record.path.is_some() {
            return Err("a withheld record names a path".into());
        }
        Ok(record)
    }
}

/// Documents by status, and withheld ones by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    pub published: u64,
    pub redacted: u64,
    pub withheld: u64,
    pub containers: u64,
    pub codes: BTreeMap<String, u64>,
}

/// A release's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    #[serde(serialize_with = "hex16")]
    pub release: [u8; 16],
    pub submission: SubmissionId,
    pub records: Vec<ManifestRecord>,
}

fn hex16<S: serde::Serializer>(bytes: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(bytes))
}

impl Manifest {
    /// The Merkle root over the record lines.
    pub fn root(&self) -> Hash {
        let leaves: Vec<Hash> = self
            .records
            .iter()
            .map(|r| merkle::leaf_hash(r.line().as_bytes()))
            .collect();
        match merkle::tree_root(&LeafHashes(&leaves), leaves.len() as u64) {
            Ok(root) => root,
            Err(never) => match never {},
        }
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for record in &self.records {
            match record.status {
                RecordStatus::Published => counts.published += 1,
                RecordStatus::Redacted => counts.redacted += 1,
                RecordStatus::Container => counts.containers += 1,
                RecordStatus::Withheld(reason) => {
                    counts.withheld += 1;
                    *counts.codes.entry(reason.code().to_owned()).or_default() += 1;
                }
            }
        }
        counts
    }

    pub fn encode(&self) -> String {
        let mut out = format!(
            "{HEADER}\nrelease {}\nsubmission {}\nrecords {}\n",
            hex::encode(self.release),
            self.submission,
            self.records.len()
        );
        for record in &self.records {
            out.push_str(&record.line());
            out.push('\n');
        }
        out
    }

    /// Parses a manifest strictly; an error names the line.
    pub fn parse(text: &str) -> Result<Manifest, PublishError> {
        let bad = |line: usize, reason: String| PublishError::Manifest { line, reason };
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad(0, "no final newline".into()))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad(1, format!("the first line is not {HEADER}")));
        }
        let mut field = |n: usize, name: &str| -> Result<String, PublishError> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|l| l.strip_prefix(' '))
                .map(str::to_owned)
                .ok_or_else(|| bad(n, format!("expected {name}")))
        };
        let release_text = field(2, "release")?;
        let mut release = [0u8; 16];
        hex::decode_to_slice(&release_text, &mut release).map_err(|_| bad(2, "release is not 32 hex digits".into()))?;
        let submission: SubmissionId = field(3, "submission")?
            .parse()
            .map_err(|_| bad(3, "submission is not an id".into()))?;
        let count: usize = field(4, "records")?
            .parse()
            .map_err(|_| bad(4, "records is not a number".into()))?;
        let mut records = Vec::with_capacity(count.min(1 << 20));
        for (offset, line) in lines.enumerate() {
            let number = offset + 5;
            let record = ManifestRecord::parse(line).map_err(|reason| bad(number, reason))?;
            if record.index != offset as u64 {
                return Err(bad(number, format!("index {} where {offset} was due", record.index)));
            }
            records.push(record);
        }
        if records.len() != count {
            return Err(bad(
                0,
                format!("{} records where the header says {count}", records.len()),
            ));
        }
        let manifest = Manifest {
            release,
            submission,
            records,
        };
        if manifest.encode() != text {
            return Err(bad(0, "not in canonical form".into()));
        }
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Manifest {
        let digest = [7u8; 32];
        Manifest {
            release: [1; 16],
            submission: "0123456789abcdef0123456789abcdef".parse().unwrap(),
            records: vec![
                ManifestRecord {
                    index: 0,
                    status: RecordStatus::Container,
                    redactions: 0,
                    original: [2; 32],
                    published: None,
                    file: None,
                    path: Some("cache.zip".into()),
                },
                ManifestRecord {
                    index: 1,
                    status: RecordStatus::Redacted,
                    redactions: 3,
                    original: [3; 32],
                    published: Some(digest),
                    file: Some(file_name(&digest, "txt")),
                    path: Some("cache.zip/a\tb%.txt".into()),
                },
                ManifestRecord {
                    index: 2,
                    status: RecordStatus::Withheld(WithholdReason::Privacy),
                    redactions: 0,
                    original: [4; 32],
                    published: None,
                    file: None,
                    path: None,
                },
            ],
        }
    }

    #[test]
    fn manifests_round_trip_and_count() {
        let manifest = sample();
        let text = manifest.encode();
        assert!(text.contains("cache.zip/a%09b%25.txt"));
        assert_eq!(Manifest::parse(&text).unwrap(), manifest);
        let counts = manifest.counts();
        assert_eq!(
            (counts.published, counts.redacted, counts.withheld, counts.containers),
            (0, 1, 1, 1)
        );
        assert_eq!(counts.codes.get("PRIVACY"), Some(&1));
    }

    #[test]
    fn changed_or_hostile_manifests_are_refused_with_the_line() {
        let text = sample().encode();
        let traversal = text.replace(&file_name(&[7; 32], "txt"), "../../etc/passwd");
        assert!(matches!(
            Manifest::parse(&traversal),
            Err(PublishError::Manifest { line: 6, .. })
        ));
        let named_withheld = text.replace(
            &format!("{}\t-\t-\t-", hex::encode([4; 32])),
            &format!("{}\t-\t-\tsecret.pdf", hex::encode([4; 32])),
        );
        assert!(matches!(
            Manifest::parse(&named_withheld),
            Err(PublishError::Manifest { line: 7, .. })
        ));
        let unknown_code = text.replace("PRIVACY", "BECAUSE");
        assert!(Manifest::parse(&unknown_code).is_err());
        let changed = sample();
        let mut other = changed.clone();
        other.records[1].redactions = 2;
        assert_ne!(changed.root(), other.root());
    }
}

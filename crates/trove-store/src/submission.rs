//! One submission: files stored as blobs, and a sealed manifest that lists
//! them with their relative paths. `trove submit` and the intake's uploads
//! both go through [`SubmissionWriter`].

use std::collections::BTreeSet;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::{
    BlobBackend, BlobId, BlobOpener, BlobSealer, Channel, ContentId, MetadataRepo, StoreError, SubmissionId,
    SubmissionRecord,
};

/// The sealed list of a submission's files. Desk only: reading it needs the
/// identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub files: Vec<ManifestFile>,
    /// The salt of the submission's receipt commitment (hex). Sealed here,
    /// and given to the source, so that only they can open the commitment.
    #[serde(default)]
    pub salt: String,
}

impl Manifest {
    /// The receipt commitment: SHA-256("trove/receipt/v1\n" ‖ salt ‖ the
    /// content ids of the files in order). It proves which files were handed
    /// over to whoever holds the salt and the files, and to no one else.
    pub fn commitment(&self) -> [u8; 32] {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        hash.update(b"trove/receipt/v1\n");
        hash.update(hex::decode(&self.salt).unwrap_or_default());
        for file in &self.files {
            hash.update(file.content.as_bytes());
        }
        hash.finalize().into()
    }
}

/// One file of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative path, `/`-separated, as the source named it.
    pub path: String,
    pub size: u64,
    #[serde(with = "hex_id")]
    pub blob: BlobId,
    #[serde(with = "hex_id")]
    pub content: ContentId,
}

/// What `trove submit` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmissionSummary {
    #[serde(serialize_with = "serialize_display")]
    pub submission: SubmissionId,
    pub files: usize,
    pub bytes: u64,
    /// The receipt commitment (see [`Manifest::commitment`]).
    #[serde(skip)]
    pub commitment: [u8; 32],
    /// The day the submission was recorded, `YYYY-MM-DD`.
    #[serde(skip)]
    pub day: String,
}

fn serialize_display<S: serde::Serializer>(value: &SubmissionId, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

mod hex_id {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, T: FromStr<Err: Display>, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Builds one submission. Files are sealed as they are added; nothing is
/// recorded until [`SubmissionWriter::commit`], so an interrupted
/// submission leaves only unreferenced ciphertext.
pub struct SubmissionWriter<'a, B> {
    sealer: &'a BlobSealer<B>,
    id: SubmissionId,
    files: Vec<ManifestFile>,
    paths: BTreeSet<String>,
}

impl<'a, B: BlobBackend> SubmissionWriter<'a, B> {
    pub fn new(sealer: &'a BlobSealer<B>) -> Result<Self, StoreError> {
        Ok(SubmissionWriter {
            sealer,
            id: SubmissionId::random()?,
            files: Vec::new(),
            paths: BTreeSet::new(),
        })
    }

    pub fn id(&self) -> SubmissionId {
        self.id
    }

    /// Checks a relative path before any byte is stored under it.
    pub fn check_path(&self, path: &str) -> Result<(), StoreError> {
        let bad = |reason: &str| StoreError::Submission {
            submission: self.id.to_string(),
            reason: format!("path {path:?} {reason}"),
        };
        if path.is_empty() || path.starts_with('/') || path.contains('\0') || path.contains('\\') {
            return Err(bad("must be a relative path with `/` separators"));
        }
        if path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(bad("has an empty, `.` or `..` component"));
        }
        if self.paths.contains(path) {
            return Err(bad("occurs twice in the submission"));
        }
        Ok(())
    }

    /// Seals one file.
    pub fn add_file(&mut self, path: &str, reader: impl Read) -> Result<&ManifestFile, StoreError> {
        self.check_path(path)?;
        let receipt = self.sealer.put(reader)?;
        self.paths.insert(path.to_owned());
        self.files.push(ManifestFile {
            path: path.to_owned(),
            size: receipt.plaintext_len,
            blob: receipt.blob,
            content: receipt.content,
        });
        Ok(self.files.last().expect("just pushed"))
    }

    /// Seals the manifest and records the submission.
    pub async fn commit(self, repo: &impl MetadataRepo, channel: Channel) -> Result<SubmissionSummary, StoreError> {
        let mut salt = [0u8; 32];
        getrandom::getrandom(&mut salt).map_err(|e| StoreError::Random(e.to_string()))?;
        let manifest = Manifest {
            version: 1,
            files: self.files,
            salt: hex::encode(salt),
        };
        let json = serde_json::to_vec(&manifest).expect("a manifest always serializes");
        let sealed = self.sealer.put(json.as_slice())?;
        let record = SubmissionRecord {
            id: self.id,
            received_day: today_utc(),
            channel,
            manifest: sealed.blob,
            blobs: manifest.files.iter().map(|f| f.blob).collect(),
        };
        repo.insert_submission(&record).await?;
        Ok(SubmissionSummary {
            submission: self.id,
            files: manifest.files.len(),
            bytes: manifest.files.iter().map(|f| f.size).sum(),
            commitment: manifest.commitment(),
            day: record.received_day,
        })
    }
}

/// Opens a submission's manifest (desk side).
pub fn read_manifest<B: BlobBackend>(
    opener: &BlobOpener<B>,
    record: &SubmissionRecord,
) -> Result<Manifest, StoreError> {
    let mut json = Vec::new();
    opener.copy_to(&record.manifest, &mut json)?;
    serde_json::from_slice(&json).map_err(|e| StoreError::Submission {
        submission: record.id.to_string(),
        reason: format!("the manifest blob {} is not a valid manifest: {e}", record.manifest),
    })
}

/// Today's date in UTC as `YYYY-MM-DD`.
fn today_utc() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days((seconds / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `civil_from_days`), to avoid a date crate for one conversion.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_784), (2026, 11, 27));
    }
}

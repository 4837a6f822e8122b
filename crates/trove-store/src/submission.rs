//! One submission: files stored as blobs, and a sealed manifest that lists
//! them with their relative paths. `trove submit` and the intake's uploads
//! both go through [`SubmissionWriter`].

use std::collections::BTreeSet;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::{
    BlobBackend, BlobId, BlobOpener, BlobReader, BlobSealer, Channel, SealedSubmission, StoreError, SubmissionId,
    SubmissionRecord, SubmissionRepo,
};

/// The sealed list of a submission's files. Desk only: reading it needs the
/// identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub files: Vec<ManifestFile>,
    /// The salt of the submission's receipt commitment (hex). Sealed here,
    /// and given to the source, so that only they can open the commitment.
    pub salt: String,
}

impl Manifest {
    /// The receipt commitment (see [`commitment`]).
    pub fn commitment(&self) -> [u8; 32] {
        let mut salt = [0u8; 32];
        // A manifest this crate wrote always has a 32-byte salt; a damaged
        // one gives a commitment that matches nothing, which is the truth.
        let _ = hex::decode_to_slice(&self.salt, &mut salt);
        commitment(&salt, self.files.iter().map(|f| f.digest))
    }
}

/// The receipt commitment: BLAKE3(salt ‖ the files' digests, sorted). It
/// proves which files were handed over to whoever holds the salt and the
/// files, and reveals nothing to anyone else. Sorting makes it independent
/// of upload order, so a source can recompute it from the files alone.
pub fn commitment(salt: &[u8; 32], digests: impl IntoIterator<Item = [u8; 32]>) -> [u8; 32] {
    let mut sorted: Vec<[u8; 32]> = digests.into_iter().collect();
    sorted.sort_unstable();
    let mut hash = blake3::Hasher::new();
    hash.update(salt);
    for digest in &sorted {
        hash.update(digest);
    }
    *hash.finalize().as_bytes()
}

/// A file's digest in the receipt, from the BLAKE3 and length of each part
/// it was stored in. A file stored whole (one part) has its plain BLAKE3.
/// A resumable upload stored in several parts has
/// BLAKE3("trove/parts/v1\n" ‖ for each part: length (u64 BE) ‖ BLAKE3(part)):
/// a whole-file hasher cannot survive a restart without keeping
/// plaintext-derived state on disk, and the source, who has the file and
/// the part lengths, recomputes this as easily.
pub fn file_digest(parts: &[(u64, [u8; 32])]) -> [u8; 32] {
    if let [(_, only)] = parts {
        return *only;
    }
    let mut hash = blake3::Hasher::new();
    hash.update(b"trove/parts/v1\n");
    for (len, part) in parts {
        hash.update(&len.to_be_bytes());
        hash.update(part);
    }
    *hash.finalize().as_bytes()
}

/// One file of a submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative path, `/`-separated, as the source named it.
    pub path: String,
    pub size: u64,
    /// The blobs that hold the file, in order: one for a file stored whole,
    /// one per acknowledged part of a resumable upload.
    pub parts: Vec<FilePart>,
    /// The file's receipt digest ([`file_digest`]): its BLAKE3 when stored
    /// whole.
    #[serde(with = "hex_bytes")]
    pub digest: [u8; 32],
}

/// One stored part of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePart {
    #[serde(with = "hex_id")]
    pub blob: BlobId,
    pub size: u64,
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
    /// The commitment's salt: shown to the source once, kept otherwise only
    /// inside the sealed manifest.
    #[serde(skip)]
    pub salt: [u8; 32],
    /// The day the submission was recorded (UTC).
    #[serde(skip)]
    pub day: crate::Day,
}

fn serialize_display<S: serde::Serializer>(value: &SubmissionId, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&hex::encode(value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(out)
    }
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
    salt: Option<[u8; 32]>,
    source: Option<String>,
}

impl<'a, B: BlobBackend> SubmissionWriter<'a, B> {
    pub fn new(sealer: &'a BlobSealer<B>) -> Result<Self, StoreError> {
        Ok(SubmissionWriter {
            sealer,
            id: SubmissionId::random()?,
            files: Vec::new(),
            paths: BTreeSet::new(),
            salt: None,
            source: None,
        })
    }

    pub fn id(&self) -> SubmissionId {
        self.id
    }

    /// Files the submission under a source (the intake's source id).
    pub fn from_source(mut self, source_id: &str) -> Self {
        self.source = Some(source_id.to_owned());
        self
    }

    /// Uses this receipt salt instead of a fresh random one: a resumable
    /// upload derives its salt from the upload's key, which only the
    /// source holds.
    pub fn with_salt(mut self, salt: [u8; 32]) -> Self {
        self.salt = Some(salt);
        self
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
        let part = FilePart {
            blob: receipt.blob,
            size: receipt.plaintext_len,
        };
        self.push(path, vec![part], *receipt.content.as_bytes());
        Ok(self.files.last().expect("just pushed"))
    }

    /// Adds a file already sealed in parts (a resumable upload), with its
    /// digest ([`file_digest`]).
    pub fn add_parts(&mut self, path: &str, parts: Vec<FilePart>, digest: [u8; 32]) -> Result<(), StoreError> {
        self.check_path(path)?;
        self.push(path, parts, digest);
        Ok(())
    }

    fn push(&mut self, path: &str, parts: Vec<FilePart>, digest: [u8; 32]) {
        self.paths.insert(path.to_owned());
        self.files.push(ManifestFile {
            path: path.to_owned(),
            size: parts.iter().map(|p| p.size).sum(),
            parts,
            digest,
        });
    }

    /// Seals the manifest and records the submission.
    pub async fn commit(self, repo: &impl SubmissionRepo, channel: Channel) -> Result<SubmissionSummary, StoreError> {
        let (sealed, summary) = self.seal(channel)?;
        repo.insert_submission(&sealed).await?;
        Ok(summary)
    }

    /// Seals the manifest and returns the record to insert, for a caller
    /// that records it in a transaction of its own.
    pub fn seal(self, channel: Channel) -> Result<(SealedSubmission, SubmissionSummary), StoreError> {
        let salt = match self.salt {
            Some(salt) => salt,
            None => {
                let mut salt = [0u8; 32];
                getrandom::getrandom(&mut salt).map_err(|e| StoreError::Random(e.to_string()))?;
                salt
            }
        };
        let manifest = Manifest {
            version: 2,
            files: self.files,
            salt: hex::encode(salt),
        };
        let json = serde_json::to_vec(&manifest).expect("a manifest always serializes");
        let sealed = self.sealer.put(json.as_slice())?;
        let record = SubmissionRecord {
            id: self.id,
            received_day: crate::Day::today(),
            channel,
            source: self.source,
            manifest: sealed.blob,
        };
        let blobs = manifest
            .files
            .iter()
            .flat_map(|f| f.parts.iter().map(|p| p.blob))
            .collect();
        let summary = SubmissionSummary {
            submission: self.id,
            files: manifest.files.len(),
            bytes: manifest.files.iter().map(|f| f.size).sum(),
            commitment: manifest.commitment(),
            salt,
            day: record.received_day,
        };
        Ok((SealedSubmission { record, blobs }, summary))
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

impl<B: BlobBackend> BlobOpener<B> {
    /// Streams one file of a manifest: its parts in order, each checked
    /// as [`BlobOpener::open`] checks a blob.
    pub fn open_file(&self, file: &ManifestFile) -> Result<FileReader<'_, B>, StoreError> {
        let mut parts = file.parts.iter().map(|p| p.blob).collect::<Vec<_>>().into_iter();
        let first = parts.next().ok_or_else(|| StoreError::Submission {
            submission: String::from("(manifest)"),
            reason: format!("file {:?} has no parts", file.path),
        })?;
        Ok(FileReader {
            opener: self,
            current: self.open(&first)?,
            rest: parts,
        })
    }
}

/// The plaintext of a file stored in one or more blobs.
pub struct FileReader<'a, B> {
    opener: &'a BlobOpener<B>,
    current: BlobReader,
    rest: std::vec::IntoIter<BlobId>,
}

impl<B> FileReader<'_, B> {
    /// Turns an error from `read` back into the store error it carries.
    pub fn explain(&self, error: std::io::Error) -> StoreError {
        self.current.explain(error)
    }
}

impl<B: BlobBackend> Read for FileReader<'_, B> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let Some(next) = self.rest.next() else { return Ok(0) };
            self.current = self.opener.open(&next).map_err(std::io::Error::other)?;
        }
    }
}

//! Ingest: turns a submission's files into documents.
//!
//! Every file is unpacked recursively (zip, tar, tar.gz, gzip, mbox with
//! mboxrd unquoting, mail attachments and nested messages), each thing
//! found gets a provenance path (`bundle.zip/mail.mbox/#3/memo.pdf`), a
//! content id (BLAKE3 of its bytes), a type detected from its content, its
//! extracted text (sealed as a blob), structured metadata and a status
//! (ok, partial, encrypted, failed with the reason). A document that cannot
//! be read is recorded as such, and the rest of the submission goes on.
//!
//! Formats read now: email (RFC 5322 with MIME), mbox, zip, tar, tar.gz,
//! gzip, PDF (text per page, document info, page and revision counts),
//! DOCX and XLSX (text and core/app properties), HTML, CSV, and text in any
//! common encoding (BOM, UTF-8, else detected: windows-125x, KOI8-R,
//! ISO-8859-x, …). Everything else gets its detected type and size.
//!
//! What this crate must never do: write anything outside the store (it
//! never touches the file system: archive members are bytes in memory, so
//! a zip-slip path is only a name), expand an archive past the limits, or
//! let one bad document stop a submission.
//!
//! ```no_run
//! # async fn run(opener: &trove_store::BlobOpener<trove_store::FsBackend>,
//! #   sealer: &trove_store::BlobSealer<trove_store::FsBackend>, repo: &trove_store::SqliteRepo,
//! #   record: &trove_store::SubmissionRecord) -> Result<(), trove_ingest::IngestError> {
//! let report = trove_ingest::ingest_submission(opener, sealer, repo, record, &Default::default(), |_| {}).await?;
//! println!("{} documents, {} failed", report.documents, report.failed);
//! # Ok(()) }
//! ```

mod detect;
mod extract;

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::Value;
use trove_store::{
    BlobBackend, BlobOpener, BlobSealer, DocumentRecord, SqliteRepo, StoreError, SubmissionRecord, read_manifest,
};

pub use detect::{DocType, detect};
pub use extract::{Status, decode_text, extract, html_to_text, split_mbox};

/// Limits that keep ingest bounded whatever the input.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Containers nested deeper than this are recorded, not opened.
    pub max_depth: usize,
    /// An archive member may expand to at most this many times its
    /// compressed size (and at least 1 MiB).
    pub max_ratio: u64,
    /// The largest document held in memory to be read.
    pub max_document_bytes: usize,
    /// Extracted text beyond this is cut, and the cut recorded.
    pub max_text_bytes: usize,
    /// Tesseract's language for OCR of images (e.g. `eng+rus`); `None`
    /// when tesseract is not installed or OCR is off.
    pub ocr_language: Option<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_ratio: 200,
            max_document_bytes: 256 << 20,
            max_text_bytes: 32 << 20,
            ocr_language: None,
        }
    }
}

impl Limits {
    fn expansion_limit(&self, compressed: u64) -> u64 {
        compressed
            .saturating_mul(self.max_ratio)
            .max(1 << 20)
            .min(self.max_document_bytes as u64)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an ingest run did.
#[derive(Debug, Default, Clone)]
pub struct IngestReport {
    /// Documents of the submission (this run's and earlier runs').
    pub documents: usize,
    /// Documents recorded by this run.
    pub added: usize,
    pub failed: usize,
    pub by_type: BTreeMap<String, usize>,
    pub by_status: BTreeMap<String, usize>,
}

/// The id of the document at `path` in `submission`: stable, so a run
/// that is killed and started again finds what it already recorded.
pub fn document_id(submission: &str, path: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(submission.as_bytes());
    hasher.update(&[0]);
    hasher.update(path.as_bytes());
    hex::encode(&hasher.finalize().as_bytes()[..16])
}

struct Pending {
    path: String,
    parent: Option<String>,
    bytes: Result<Vec<u8>, Status>,
    depth: usize,
}

/// Ingests a submission. Resumable: documents already recorded are kept,
/// and their text is not sealed again.
pub async fn ingest_submission<B: BlobBackend>(
    opener: &BlobOpener<B>,
    sealer: &BlobSealer<B>,
    repo: &SqliteRepo,
    record: &SubmissionRecord,
    limits: &Limits,
    mut progress: impl FnMut(u64),
) -> Result<IngestReport, IngestError> {
    let manifest = read_manifest(opener, record)?;
    let submission = record.id.to_string();
    let mut report = IngestReport::default();
    for file in &manifest.files {
        let bytes = if file.size > limits.max_document_bytes as u64 {
            Err(Status::Partial(format!(
                "{} bytes is over the in-memory limit of {}",
                file.size, limits.max_document_bytes
            )))
        } else {
            let mut bytes = Vec::with_capacity(file.size as usize);
            match opener.open(&file.blob) {
                Ok(mut reader) => match reader.read_to_end(&mut bytes) {
                    Ok(_) => Ok(bytes),
                    Err(e) => Err(Status::Failed(reader.explain(e).to_string())),
                },
                Err(e) => Err(Status::Failed(e.to_string())),
            }
        };
        let mut stack = vec![Pending {
            path: file.path.clone(),
            parent: None,
            bytes,
            depth: 0,
        }];
        while let Some(pending) = stack.pop() {
            let children = ingest_one(sealer, repo, &submission, record, pending, limits, &mut report).await?;
            // Reversed, so that members come out in archive order.
            stack.extend(children.into_iter().rev());
        }
        progress(file.size);
    }
    report.documents = repo.documents(&record.id).await?.len();
    Ok(report)
}

async fn ingest_one<B: BlobBackend>(
    sealer: &BlobSealer<B>,
    repo: &SqliteRepo,
    submission: &str,
    record: &SubmissionRecord,
    mut pending: Pending,
    limits: &Limits,
    report: &mut IngestReport,
) -> Result<Vec<Pending>, IngestError> {
    let id = document_id(submission, &pending.path);
    let known = repo.document(&id).await?;
    let bytes = match std::mem::replace(&mut pending.bytes, Ok(Vec::new())) {
        Ok(bytes) => bytes,
        Err(status) => {
            let doc = document(
                &id,
                record,
                &pending,
                "",
                "unknown",
                0,
                &status,
                None,
                Value::Object(Default::default()),
            );
            record_document(repo, &doc, report).await?;
            return Ok(Vec::new());
        }
    };
    let content_id = blake3::hash(&bytes).to_hex().to_string();
    let doc_type = detect(&bytes);
    let container = matches!(
        doc_type,
        DocType::Zip | DocType::Tar | DocType::TarGz | DocType::Gzip | DocType::Mbox | DocType::Email
    );
    if known.is_some() && !container {
        return Ok(Vec::new());
    }
    if pending.depth > limits.max_depth {
        let status = Status::Failed(format!("nested deeper than {} levels; not opened", limits.max_depth));
        let doc = document(
            &id,
            record,
            &pending,
            &content_id,
            doc_type.name(),
            bytes.len(),
            &status,
            None,
            Value::Object(Default::default()),
        );
        record_document(repo, &doc, report).await?;
        return Ok(Vec::new());
    }
    // Identical bytes elsewhere: reuse their text instead of extracting again.
    if !container && let Some(twin) = repo.document_with_content(&content_id).await? {
        let status = match twin.status.as_str() {
            "ok" => Status::Ok,
            "encrypted" => Status::Encrypted(twin.reason.clone().unwrap_or_default()),
            _ => Status::Partial(twin.reason.clone().unwrap_or_default()),
        };
        let doc = document(
            &id,
            record,
            &pending,
            &content_id,
            &twin.doc_type,
            bytes.len(),
            &status,
            twin.text_blob,
            twin.metadata,
        );
        record_document(repo, &doc, report).await?;
        return Ok(Vec::new());
    }
    let extracted = extract(doc_type, &bytes, limits);
    let children: Vec<Pending> = extracted
        .children
        .into_iter()
        .map(|child| Pending {
            path: format!("{}/{}", pending.path, child.name),
            parent: Some(id.clone()),
            bytes: child.bytes,
            depth: pending.depth + 1,
        })
        .collect();
    if known.is_none() {
        let text_blob = match &extracted.text {
            Some(text) if !text.is_empty() => Some(sealer.put(text.as_bytes())?.blob),
            _ => None,
        };
        let doc = document(
            &id,
            record,
            &pending,
            &content_id,
            doc_type.name(),
            bytes.len(),
            &extracted.status,
            text_blob,
            Value::Object(extracted.metadata),
        );
        record_document(repo, &doc, report).await?;
    }
    Ok(children)
}

#[allow(clippy::too_many_arguments)]
fn document(
    id: &str,
    record: &SubmissionRecord,
    pending: &Pending,
    content_id: &str,
    doc_type: &str,
    size: usize,
    status: &Status,
    text_blob: Option<trove_store::BlobId>,
    metadata: Value,
) -> DocumentRecord {
    DocumentRecord {
        id: id.to_owned(),
        submission: record.id,
        parent: pending.parent.clone(),
        path: pending.path.clone(),
        content_id: content_id.to_owned(),
        doc_type: doc_type.to_owned(),
        size: size as u64,
        status: status.name().to_owned(),
        reason: status.reason().map(str::to_owned),
        text_blob,
        metadata,
    }
}

async fn record_document(
    repo: &SqliteRepo,
    doc: &DocumentRecord,
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    if repo.insert_document(doc).await? {
        report.added += 1;
        *report.by_type.entry(doc.doc_type.clone()).or_insert(0) += 1;
        *report.by_status.entry(doc.status.clone()).or_insert(0) += 1;
        if doc.status == "failed" {
            report.failed += 1;
        }
    }
    Ok(())
}

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
//! Formats read: email (RFC 5322 with MIME), mbox, Outlook .msg, zip (and
//! zip64), tar, gzip, bzip2, xz, 7z, PDF (text per page, document info and
//! XMP, page and revision counts, OCR of pages without text), DOCX, XLSX,
//! PPTX, ODT, ODS, legacy .doc and .xls (text and document properties),
//! HTML, CSV, images (EXIF, OCR), and text in any common encoding (BOM,
//! UTF-8, else detected: windows-125x, KOI8-R, ISO-8859-x, …). Everything
//! else gets its detected type and size.
//!
//! What this crate must never do: write anything outside the store (it
//! never touches the file system: archive members are bytes in memory, so
//! a zip-slip path is only a name), expand an archive past the limits, or
//! let one bad document stop a submission.
//!
//! ```no_run
//! # async fn run(opener: std::sync::Arc<trove_store::BlobOpener<trove_store::FsBackend>>,
//! #   sealer: &trove_store::BlobSealer<trove_store::FsBackend>, repo: &trove_store::SqlRepo,
//! #   record: &trove_store::SubmissionRecord) -> Result<(), trove_ingest::IngestError> {
//! let report = trove_ingest::ingest_submission(opener.clone(), sealer, repo, record, &Default::default(), 2, |_| {}).await?;
//! println!("{} documents, {} failed", report.documents, report.failed);
//! # Ok(()) }
//! ```

mod detect;
mod extract;
pub mod pixels;

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use trove_store::{
    BlobBackend, BlobOpener, BlobSealer, DocStatus, DocumentRecord, DocumentRepo, ManifestFile, StoreError,
    SubmissionRecord, TextRef, read_manifest,
};

pub use detect::{DocType, detect};
pub use extract::confined::{HELPERS, serve_worker, worker_pool};
pub use extract::{
    Child, Extracted, MboxMessages, Status, decode_text, extract, extract_document, html_to_text, split_mbox,
};

/// Limits that keep ingest bounded whatever the input. (Serialized to be
/// sent to a parser worker, without the workers themselves.)
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    /// Confined worker processes that parse each document
    /// ([`worker_pool`]); `None` parses in this process, which only a
    /// test or a trusted corpus should do.
    #[serde(skip)]
    pub workers: Option<Arc<trove_sandbox::Pool>>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 12,
            max_ratio: 200,
            max_document_bytes: 256 << 20,
            max_text_bytes: 32 << 20,
            ocr_language: None,
            workers: None,
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

/// Work done since the last call of the progress callback.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Bytes of submitted files finished (with everything inside them).
    pub bytes: u64,
    /// Documents recorded.
    pub documents: usize,
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

/// A document a worker has read, on its way to the writer.
struct Found {
    id: String,
    path: String,
    parent: Option<String>,
    content_id: String,
    doc_type: &'static str,
    size: usize,
    status: Status,
    text: Option<String>,
    metadata: serde_json::Map<String, Value>,
}

enum Message {
    Document(Box<Found>),
    /// A manifest file and everything inside it is done (its size, for progress).
    FileDone(u64),
}

/// Ingests a submission with `threads` workers. Workers decrypt, unpack and
/// extract whole files; one writer seals the text and records documents,
/// reusing the text of identical bytes already ingested. Resumable:
/// documents already recorded are kept and not read again.
pub async fn ingest_submission<B: BlobBackend + 'static>(
    opener: Arc<BlobOpener<B>>,
    sealer: &BlobSealer<B>,
    repo: &impl DocumentRepo,
    record: &SubmissionRecord,
    limits: &Limits,
    threads: usize,
    progress: impl FnMut(Progress),
) -> Result<IngestReport, IngestError> {
    let mut ignore = |_: &DocumentRecord, _: &str| {};
    ingest_submission_with(opener, sealer, repo, record, limits, threads, progress, &mut ignore).await
}

/// [`ingest_submission`], telling `recorded` about each document and its
/// text once it is recorded (a search index is built this way, as the
/// documents come).
#[expect(clippy::too_many_arguments, reason = "ingest_submission's, and the hook")]
pub async fn ingest_submission_with<B: BlobBackend + 'static>(
    opener: Arc<BlobOpener<B>>,
    sealer: &BlobSealer<B>,
    repo: &impl DocumentRepo,
    record: &SubmissionRecord,
    limits: &Limits,
    threads: usize,
    mut progress: impl FnMut(Progress),
    recorded: &mut (dyn FnMut(&DocumentRecord, &str) + Send),
) -> Result<IngestReport, IngestError> {
    let manifest = read_manifest(&opener, record)?;
    let submission = record.id.to_string();
    let known: Arc<HashSet<String>> = Arc::new(repo.document_ids(&record.id).await?);
    let files = Arc::new(manifest.files);
    let next = Arc::new(AtomicUsize::new(0));
    // Bounded: workers wait when the writer falls behind, so memory holds
    // at most this many extracted documents.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Message>(64);
    let workers: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let (opener, files, next, known, sender) = (
                opener.clone(),
                files.clone(),
                next.clone(),
                known.clone(),
                sender.clone(),
            );
            let (submission, limits) = (submission.clone(), limits.clone());
            std::thread::spawn(move || {
                let reader = Reader {
                    submission: &submission,
                    limits: &limits,
                    known: &known,
                    sender: &sender,
                };
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(index) else { break };
                    let sent = if file.size > limits.max_document_bytes as u64 {
                        reader.stream_large_file(&opener, file)
                    } else {
                        reader.drain(vec![Pending {
                            path: file.path.clone(),
                            parent: None,
                            bytes: read_file(&opener, file),
                            depth: 0,
                        }])
                    };
                    if sent.is_err() || sender.blocking_send(Message::FileDone(file.size)).is_err() {
                        return;
                    }
                }
            })
        })
        .collect();
    drop(sender);

    let mut report = IngestReport::default();
    let mut outcome = Ok(());
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    let mut batch_text = 0usize;
    while let Some(message) = receiver.recv().await {
        match message {
            Message::FileDone(size) => progress(Progress {
                bytes: size,
                documents: 0,
            }),
            Message::Document(found) => {
                batch_text += found.text.as_ref().map_or(0, String::len);
                batch.push(*found);
            }
        }
        // Write when the batch is full (by count or by text), or when the
        // workers have nothing ready and a fair batch is waiting, so that a
        // slow file does not hold many finished documents back. Small
        // batches cost a sync each, which is what limits the writer.
        let idle = receiver.is_empty() && batch.len() >= IDLE_BATCH;
        if batch.len() >= WRITE_BATCH || batch_text >= WRITE_BATCH_TEXT || idle {
            batch_text = 0;
            let documents = batch.len();
            if let Err(error) = write_batch(sealer, repo, record, &mut batch, &mut report, recorded).await {
                outcome = Err(error);
                break;
            }
            progress(Progress { bytes: 0, documents });
        }
    }
    if outcome.is_ok() && !batch.is_empty() {
        outcome = write_batch(sealer, repo, record, &mut batch, &mut report, recorded).await;
    }
    drop(receiver);
    for worker in workers {
        let _ = worker.join();
    }
    outcome?;
    report.documents = repo.document_summary(&record.id).await?.documents() as usize;
    Ok(report)
}

fn read_file<B: BlobBackend>(opener: &BlobOpener<B>, file: &ManifestFile) -> Result<Vec<u8>, Status> {
    let mut bytes = Vec::with_capacity(file.size as usize);
    match opener.open_file(file) {
        Ok(mut reader) => match reader.read_to_end(&mut bytes) {
            Ok(_) => Ok(bytes),
            Err(e) => Err(Status::Failed(reader.explain(e).to_string())),
        },
        Err(e) => Err(Status::Failed(e.to_string())),
    }
}

/// The writer has stopped (it failed); workers stop too.
struct Stopped;

/// A worker's view of the run.
struct Reader<'a> {
    submission: &'a str,
    limits: &'a Limits,
    known: &'a HashSet<String>,
    sender: &'a tokio::sync::mpsc::Sender<Message>,
}

impl Reader<'_> {
    fn send(&self, found: Found) -> Result<(), Stopped> {
        self.sender
            .blocking_send(Message::Document(Box::new(found)))
            .map_err(|_| Stopped)
    }

    /// Reads `stack` and everything inside it, depth first.
    fn drain(&self, mut stack: Vec<Pending>) -> Result<(), Stopped> {
        while let Some(pending) = stack.pop() {
            let (found, children) = read_one(self.submission, pending, self.limits, self.known);
            if let Some(found) = found {
                self.send(found)?;
            }
            stack.extend(children.into_iter().rev());
        }
        Ok(())
    }

    /// A file over the in-memory limit is read as a stream: its content id
    /// is hashed as it passes, an mbox is split message by message (each
    /// read like any document), text is kept up to the text cap, and any
    /// other type is recorded with its type, size and content id.
    fn stream_large_file<B: BlobBackend>(&self, opener: &BlobOpener<B>, file: &ManifestFile) -> Result<(), Stopped> {
        let id = document_id(self.submission, &file.path);
        let mut found = Found {
            id: id.clone(),
            path: file.path.clone(),
            parent: None,
            content_id: String::new(),
            doc_type: "unknown",
            size: file.size as usize,
            status: Status::Ok,
            text: None,
            metadata: Default::default(),
        };
        let blob = match opener.open_file(file) {
            Ok(blob) => blob,
            Err(e) => {
                found.status = Status::Failed(e.to_string());
                return self.send(found);
            }
        };
        let mut stream = std::io::BufReader::with_capacity(1 << 20, Hashing::new(blob));
        let head = match std::io::BufRead::fill_buf(&mut stream) {
            Ok(head) => head.to_vec(),
            Err(e) => {
                found.status = Status::Failed(e.to_string());
                return self.send(found);
            }
        };
        let doc_type = detect(&head);
        found.doc_type = doc_type.name();
        if self.known.contains(&id) && doc_type != DocType::Mbox {
            return Ok(());
        }
        match doc_type {
            DocType::Mbox => {
                let mut messages = 0;
                for (i, message) in MboxMessages::new(&mut stream, self.limits.max_document_bytes).enumerate() {
                    messages += 1;
                    self.drain(vec![Pending {
                        path: format!("{}/#{}", file.path, i + 1),
                        parent: Some(id.clone()),
                        bytes: message,
                        depth: 1,
                    }])?;
                }
                found.metadata.insert("messages".into(), messages.into());
            }
            DocType::Text | DocType::Csv | DocType::Html => {
                let mut text = Vec::new();
                let _ = (&mut stream)
                    .take(self.limits.max_text_bytes as u64)
                    .read_to_end(&mut text);
                let (text, encoding) = decode_text(&text);
                found.metadata.insert("encoding".into(), encoding.into());
                found.text = Some(if doc_type == DocType::Html {
                    html_to_text(&text)
                } else {
                    text
                });
                found.status = Status::Partial(format!("text capped at {} bytes", self.limits.max_text_bytes));
            }
            _ => {
                found.status = Status::Partial(format!(
                    "{} bytes is over the in-memory limit of {}: type, size and content id recorded, contents not read",
                    file.size, self.limits.max_document_bytes
                ));
            }
        }
        // The rest is read to finish the content id (and the blob's own
        // integrity check, which runs at its end).
        if let Err(e) = std::io::copy(&mut stream, &mut std::io::sink()) {
            found.status = Status::Failed(e.to_string());
        }
        found.content_id = stream.into_inner().finish();
        if self.known.contains(&id) {
            return Ok(());
        }
        self.send(found)
    }
}

/// Hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: blake3::Hasher::new(),
        }
    }

    fn finish(self) -> String {
        self.hasher.finalize().to_hex().to_string()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Reads one document: what to record (unless already recorded) and what
/// it contains.
fn read_one(
    submission: &str,
    pending: Pending,
    limits: &Limits,
    known: &HashSet<String>,
) -> (Option<Found>, Vec<Pending>) {
    let id = document_id(submission, &pending.path);
    let is_known = known.contains(&id);
    let found = |content_id: String, doc_type: &'static str, size: usize, status: Status| Found {
        id: id.clone(),
        path: pending.path.clone(),
        parent: pending.parent.clone(),
        content_id,
        doc_type,
        size,
        status,
        text: None,
        metadata: Default::default(),
    };
    let bytes = match &pending.bytes {
        Ok(bytes) => bytes,
        Err(status) => {
            return (
                (!is_known).then(|| found(String::new(), "unknown", 0, status.clone())),
                Vec::new(),
            );
        }
    };
    let content_id = blake3::hash(bytes).to_hex().to_string();
    let doc_type = detect(bytes);
    let container = is_container(doc_type);
    if is_known && !container {
        return (None, Vec::new());
    }
    if pending.depth > limits.max_depth {
        let status = Status::Failed(format!("nested deeper than {} levels; not opened", limits.max_depth));
        return (
            (!is_known).then(|| found(content_id, doc_type.name(), bytes.len(), status)),
            Vec::new(),
        );
    }
    let extracted = extract_document(doc_type, bytes, limits);
    let children = extracted
        .children
        .into_iter()
        .map(|child| Pending {
            path: format!("{}/{}", pending.path, child.name),
            parent: Some(id.clone()),
            bytes: child.bytes,
            depth: pending.depth + 1,
        })
        .collect();
    if is_known {
        return (None, children);
    }
    let mut record = found(content_id, doc_type.name(), bytes.len(), extracted.status);
    record.text = extracted.text;
    record.metadata = extracted.metadata;
    (Some(record), children)
}

/// Documents written per transaction (and per blob-store sync), at most.
const WRITE_BATCH: usize = 1024;
/// Extracted text held for one batch, at most (memory stays bounded
/// whatever the documents).
const WRITE_BATCH_TEXT: usize = 16 << 20;
/// A batch written early when the workers have nothing ready.
const IDLE_BATCH: usize = 64;

/// Seals the batch's texts without a sync each, syncs the blob store once,
/// then records the batch in one transaction: a row never points at text
/// that is not on disk. Identical bytes share one sealed text.
async fn write_batch<B: BlobBackend>(
    sealer: &BlobSealer<B>,
    repo: &impl DocumentRepo,
    record: &SubmissionRecord,
    batch: &mut Vec<Found>,
    report: &mut IngestReport,
    recorded: &mut (dyn FnMut(&DocumentRecord, &str) + Send),
) -> Result<(), IngestError> {
    // One sealed pack holds the new texts of the batch.
    let mut pack: Vec<u8> = Vec::new();
    // Each document with the text it shares, or its (offset, len) in the pack.
    type Placed = (Found, Option<TextRef>, Option<(u64, u64)>);
    let mut pending: Vec<Placed> = Vec::with_capacity(batch.len());
    // Identical bytes ingested before (by this run's earlier batches or
    // another submission) are found in the database: no map of every
    // content id grows with the submission.
    let mut contents: Vec<&str> = batch
        .iter()
        .map(|f| f.content_id.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    contents.sort_unstable();
    contents.dedup();
    let twins = repo.texts_of_contents(&contents).await?;
    for found in batch.drain(..) {
        let known_text = twins.get(&found.content_id).copied();
        let (shared, range) = match (known_text, &found.text) {
            (Some(Some(text)), _) => (Some(text), None),
            (_, Some(text)) if !text.is_empty() => {
                let range = (pack.len() as u64, text.len() as u64);
                pack.extend_from_slice(text.as_bytes());
                (None, Some(range))
            }
            _ => (None, None),
        };
        pending.push((found, shared, range));
    }
    let pack_blob = if pack.is_empty() {
        None
    } else {
        Some(sealer.put_deferred(pack.as_slice())?.blob)
    };
    let mut documents = Vec::with_capacity(pending.len());
    let mut texts = Vec::with_capacity(pending.len());
    for (mut found, shared, range) in pending {
        texts.push(found.text.take().unwrap_or_default());
        let text = shared.or_else(|| {
            let (offset, len) = range?;
            Some(TextRef {
                blob: pack_blob?,
                offset,
                len,
            })
        });
        documents.push(DocumentRecord {
            id: found.id,
            submission: record.id,
            parent: found.parent,
            path: found.path,
            content_id: found.content_id,
            doc_type: found.doc_type.to_owned(),
            size: found.size as u64,
            status: found.status.kind(),
            reason: found.status.reason().map(str::to_owned),
            text,
            metadata: Value::Object(found.metadata),
        });
    }
    sealer.backend().sync()?;
    repo.insert_documents(&documents).await?;
    for (doc, text) in documents.iter().zip(&texts) {
        recorded(doc, text);
    }
    for doc in &documents {
        report.added += 1;
        *report.by_type.entry(doc.doc_type.clone()).or_insert(0) += 1;
        *report.by_status.entry(doc.status.as_str().to_owned()).or_insert(0) += 1;
        if doc.status == DocStatus::Failed {
            report.failed += 1;
        }
    }
    Ok(())
}

/// Visits every document of a submission with its bytes, in order: each
/// file, then what it contains, depth first, with the same provenance
/// paths, limits and container rules as ingest. For readers that need the
/// original bytes again (DKIM verification hashes them exactly); nothing
/// is recorded. Files over the in-memory limit are visited only as far as
/// an mbox's messages.
pub fn walk_submission<B: BlobBackend>(
    opener: &BlobOpener<B>,
    record: &SubmissionRecord,
    limits: &Limits,
    mut visit: impl FnMut(&str, DocType, &[u8]),
) -> Result<(), IngestError> {
    let manifest = read_manifest(opener, record)?;
    for file in &manifest.files {
        walk_submission_file(opener, file, limits, &mut visit);
    }
    Ok(())
}

/// [`walk_submission`] for one file of the submission's manifest, so that
/// a caller can store what it found file by file.
pub fn walk_submission_file<B: BlobBackend>(
    opener: &BlobOpener<B>,
    file: &ManifestFile,
    limits: &Limits,
    mut visit: impl FnMut(&str, DocType, &[u8]),
) {
    if file.size > limits.max_document_bytes as u64 {
        if let Ok(blob) = opener.open_file(file) {
            walk_large_mbox(&file.path, blob, limits, &mut visit);
        }
        return;
    }
    if let Ok(bytes) = read_file(opener, file) {
        walk_tree(file.path.clone(), bytes, limits, &mut visit);
    }
}

/// Visits every document in files on disk: a folder (recursively, in name
/// order, paths relative to it), an archive, an mbox or any one file, with
/// the same container rules as ingest. For published corpora, which are
/// public and read in place.
pub fn walk_path(
    root: &std::path::Path,
    limits: &Limits,
    mut visit: impl FnMut(&str, DocType, &[u8]),
) -> std::io::Result<()> {
    let mut files = Vec::new();
    if root.is_dir() {
        let mut stack = vec![root.to_owned()];
        while let Some(dir) = stack.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)?.flatten().map(|e| e.path()).collect();
            entries.sort();
            for path in entries.into_iter().rev() {
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        files.sort();
    } else {
        files.push(root.to_owned());
    }
    for path in files {
        let name = path
            .strip_prefix(root)
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| path.file_name().map(std::path::Path::new))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let size = std::fs::metadata(&path)?.len();
        if size > limits.max_document_bytes as u64 {
            walk_large_mbox(&name, std::fs::File::open(&path)?, limits, &mut visit);
            continue;
        }
        walk_tree(name, std::fs::read(&path)?, limits, &mut visit);
    }
    Ok(())
}

/// A file too large to hold: visited only if it is an mbox, message by
/// message.
fn walk_large_mbox(path: &str, reader: impl Read, limits: &Limits, visit: &mut impl FnMut(&str, DocType, &[u8])) {
    let mut stream = std::io::BufReader::with_capacity(1 << 20, reader);
    let is_mbox = std::io::BufRead::fill_buf(&mut stream).is_ok_and(|head| detect(head) == DocType::Mbox);
    if is_mbox {
        for (i, message) in MboxMessages::new(&mut stream, limits.max_document_bytes).enumerate() {
            if let Ok(message) = message {
                walk_tree(format!("{path}/#{}", i + 1), message, limits, visit);
            }
        }
    }
}

/// A document and everything inside it, depth first.
fn walk_tree(path: String, bytes: Vec<u8>, limits: &Limits, visit: &mut impl FnMut(&str, DocType, &[u8])) {
    let mut stack = vec![(path, bytes, 0)];
    while let Some((path, bytes, depth)) = stack.pop() {
        let doc_type = detect(&bytes);
        visit(&path, doc_type, &bytes);
        if is_container(doc_type) && depth <= limits.max_depth {
            let children = extract_document(doc_type, &bytes, limits).children;
            for child in children.into_iter().rev() {
                if let Ok(child_bytes) = child.bytes {
                    stack.push((format!("{path}/{}", child.name), child_bytes, depth + 1));
                }
            }
        }
    }
}

/// Whether a recorded type name (`DocumentRecord::doc_type`) is a
/// document of the cache in its own right: everything but pure containers
/// (archives and mboxes, whose contents are the documents). A message
/// counts, though it holds attachments.
pub fn counts_as_document(type_name: &str) -> bool {
    !matches!(
        type_name,
        "zip" | "tar" | "tar.gz" | "gzip" | "bzip2" | "xz" | "7z" | "mbox"
    )
}

/// Types whose documents hold other documents.
pub fn is_container(doc_type: DocType) -> bool {
    matches!(
        doc_type,
        DocType::Zip
            | DocType::Tar
            | DocType::TarGz
            | DocType::Gzip
            | DocType::Bzip2
            | DocType::Xz
            | DocType::SevenZip
            | DocType::Mbox
            | DocType::Email
            | DocType::Msg
    )
}

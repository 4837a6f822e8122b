//! The pipeline's stages on one submission: ingest and its documents,
//! verification and the DKIM key archive, overlap and the published
//! corpora.

use std::path::Path;
use std::sync::Arc;
use trove_store::{DeskRepo as _, DocumentRepo as _, PublishedRepo as _, SubmissionRepo as _, VerificationRepo as _};

use serde::Serialize;
use trove_ingest::{IngestReport, ingest_submission_with};
use trove_overlap::index::Index;
use trove_overlap::{
    Class, CorpusInfo, DocumentOverlap, ImportSummary, OverlapReport, Summary as OverlapSummary, import_corpus,
    overlap_streaming, overlap_submission,
};
use trove_store::{
    ArchivedKey, DocumentRecord, DocumentSummary, OverlapFact, PublishedCorpus, SubmissionId, SubmissionRecord,
};
use trove_verify::{
    DocumentVerification, KeyArchive, Summary as VerifySummary, VerifyReport, parse_key_file, verify_streaming,
    verify_submission,
};

use crate::{AppError, Newsroom, Progress};

/// What `trove ingest` reports: counts by type and status, and every
/// document that is not `ok` with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    pub documents: u64,
    pub failed: u64,
    pub by_type: std::collections::BTreeMap<String, u64>,
    pub by_status: std::collections::BTreeMap<String, u64>,
    pub problems: Vec<Problem>,
}

/// A document that is not `ok`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub path: String,
    pub status: String,
    pub reason: Option<String>,
}

impl From<DocumentSummary> for IngestSummary {
    fn from(summary: DocumentSummary) -> Self {
        IngestSummary {
            documents: summary.documents(),
            failed: summary.by_status.get("failed").copied().unwrap_or(0),
            by_type: summary.by_type,
            by_status: summary.by_status,
            problems: summary
                .problems
                .into_iter()
                .map(|(path, status, reason)| Problem { path, status, reason })
                .collect(),
        }
    }
}

/// One document with its text, for `trove docs show`.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub id: String,
    pub path: String,
    pub parent: Option<String>,
    #[serde(rename = "type")]
    pub doc_type: String,
    pub size: u64,
    pub content_id: String,
    pub status: trove_store::DocStatus,
    pub reason: Option<String>,
    pub metadata: serde_json::Value,
    pub text: String,
}

impl Newsroom {
    /// The record of a submission, or an error that names it.
    pub async fn submission(&self, id: &SubmissionId) -> Result<SubmissionRecord, AppError> {
        self.repo().submission(id).await?.ok_or_else(|| self.no_submission(id))
    }

    /// Every submission, newest day first.
    pub async fn submissions(&self) -> Result<Vec<SubmissionRecord>, AppError> {
        Ok(self.repo().submissions().await?)
    }

    /// A submission's sealed manifest: its files, sizes and digests.
    pub async fn manifest(&self, id: &SubmissionId) -> Result<trove_store::Manifest, AppError> {
        let record = self.submission(id).await?;
        Ok(trove_store::read_manifest(&self.opener()?, &record)?)
    }

    /// Unpacks a submission and extracts every document's text and
    /// metadata; `retry_failed` forgets the failures first.
    pub async fn ingest(
        &self,
        id: &SubmissionId,
        retry_failed: bool,
        threads: usize,
        progress: &dyn Progress,
    ) -> Result<IngestReport, AppError> {
        let record = self.submission(id).await?;
        if retry_failed {
            self.repo().delete_failed_documents(id).await?;
        }
        let opener = Arc::new(self.opener()?);
        let sealer = self.sealer()?;
        let manifest = trove_store::read_manifest(&opener, &record)?;
        progress.start("ingesting", Some(manifest.files.iter().map(|f| f.size).sum()));
        let limits = self.dir().ingest_limits();
        // The search index grows as documents are recorded.
        let mut indexer = crate::search::IngestIndexer::new(self)?;
        let report = ingest_submission_with(
            opener,
            &sealer,
            self.repo(),
            &record,
            &limits,
            threads,
            |done| progress.advance(done.bytes, done.documents as u64),
            &mut |doc, text| indexer.add(doc, text),
        )
        .await?;
        indexer.finish(self, id).await?;
        self.relist(id).await?;
        progress.finish();
        Ok(report)
    }

    /// The ingest report of a submission (counts and problems).
    pub async fn ingest_summary(&self, id: &SubmissionId) -> Result<IngestSummary, AppError> {
        Ok(self.repo().document_summary(id).await?.into())
    }

    /// A submission's documents.
    pub async fn documents(&self, id: &SubmissionId) -> Result<Vec<DocumentRecord>, AppError> {
        Ok(self.repo().documents(id).await?)
    }

    /// One document with its extracted text.
    pub async fn document(&self, id: &str) -> Result<DocumentView, AppError> {
        let record = self
            .repo()
            .document(id)
            .await?
            .ok_or_else(|| AppError::NoDocument(id.to_owned()))?;
        let text = match &record.text {
            Some(text) => trove_store::read_text(&self.opener()?, text)?,
            None => String::new(),
        };
        Ok(DocumentView {
            id: record.id,
            path: record.path,
            parent: record.parent,
            doc_type: record.doc_type,
            size: record.size,
            content_id: record.content_id,
            status: record.status,
            reason: record.reason,
            metadata: record.metadata,
            text,
        })
    }

    /// Imports a DKIM key file into the archive: (keys read, keys new).
    /// Every bad line is named and nothing is imported from a file with one.
    pub async fn import_dkim_keys(&self, file: &Path) -> Result<(usize, usize), AppError> {
        let text = std::fs::read_to_string(file).map_err(AppError::io(file))?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let keys = parse_key_file(&name, &text).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            AppError::KeyFile(lines.join("\n  "))
        })?;
        let added = self.repo().add_dkim_keys(&keys).await?;
        Ok((keys.len(), added))
    }

    /// The DKIM key archive.
    pub async fn dkim_keys(&self) -> Result<Vec<ArchivedKey>, AppError> {
        Ok(self.repo().dkim_keys().await?)
    }

    /// Verifies a submission against the key archive and stores the results.
    pub async fn verify(&self, id: &SubmissionId) -> Result<VerifyReport, AppError> {
        let record = self.submission(id).await?;
        let archive = KeyArchive::new(self.repo().dkim_keys().await?);
        let opener = self.opener()?;
        let report = verify_submission(&opener, self.repo(), &record, &self.dir().ingest_limits(), &archive).await?;
        self.relist(id).await?;
        Ok(report)
    }

    /// Verifies a submission and stores the results, in the memory of a
    /// page of documents however large the submission: each document's
    /// result goes to `sink`, in path order.
    pub async fn verify_streaming(
        &self,
        id: &SubmissionId,
        sink: impl FnMut(DocumentVerification),
    ) -> Result<VerifySummary, AppError> {
        let record = self.submission(id).await?;
        let archive = KeyArchive::new(self.repo().dkim_keys().await?);
        let opener = self.opener()?;
        let limits = self.dir().ingest_limits();
        let summary = verify_streaming(&opener, self.repo(), &record, &limits, &archive, sink).await?;
        self.relist(id).await?;
        Ok(summary)
    }

    /// Fingerprints a folder, archive, mbox or file as a published corpus.
    pub async fn import_published(
        &self,
        path: &Path,
        info: &CorpusInfo,
        progress: &dyn Progress,
    ) -> Result<ImportSummary, AppError> {
        progress.start("importing", None);
        let limits = self.dir().ingest_limits();
        let sealer = self.sealer()?;
        let summary = import_corpus(
            self.repo(),
            &sealer,
            &self.dir().overlap_dir(),
            path,
            info,
            &limits,
            |n| {
                if n % 256 == 0 {
                    progress.advance(0, 256);
                }
            },
        )
        .await?;
        progress.finish();
        Ok(summary)
    }

    /// Registers every corpus a listing names (`corpora.json`: a JSON array
    /// of name, publisher, date and url, each corpus a folder of that name
    /// beside the listing) that is not registered yet.
    pub async fn import_listing(
        &self,
        listing: &Path,
        progress: &dyn Progress,
    ) -> Result<Vec<ImportSummary>, AppError> {
        let text = std::fs::read_to_string(listing).map_err(AppError::io(listing))?;
        let corpora: Vec<CorpusInfo> = serde_json::from_str(&text).map_err(|e| AppError::Listing {
            path: listing.into(),
            reason: e.to_string(),
        })?;
        let folder = listing.parent().unwrap_or(Path::new("."));
        let registered = self.published_corpora().await?;
        let mut out = Vec::new();
        for mut info in corpora {
            if registered.iter().any(|c| c.name == info.name) {
                continue;
            }
            info.url = info.url.filter(|u| !u.is_empty());
            out.push(self.import_published(&folder.join(&info.name), &info, progress).await?);
        }
        Ok(out)
    }

    /// The registered published corpora.
    pub async fn published_corpora(&self) -> Result<Vec<PublishedCorpus>, AppError> {
        Ok(self.repo().published_corpora().await?)
    }

    /// Forgets a published corpus, and removes its texts from the store.
    pub async fn remove_published(&self, name: &str) -> Result<(), AppError> {
        let Some(packs) = self.repo().remove_published_corpus(name).await? else {
            return Err(AppError::NoCorpus(name.to_owned()));
        };
        let backend = self.dir().backend()?;
        for pack in packs {
            backend.remove(&pack)?;
        }
        Ok(())
    }

    /// How much of a submission was already public, with every document's
    /// class (held in memory: for reports; triage uses the summary).
    pub async fn overlap(&self, id: &SubmissionId) -> Result<OverlapReport, AppError> {
        let record = self.submission(id).await?;
        let index = Index::open(&self.dir().overlap_dir())?;
        let settings = self.dir().config.overlap.settings();
        let report = overlap_submission(&self.opener()?, self.repo(), &index, &record, &settings).await?;
        self.repo().clear_overlap_facts(id).await?;
        for batch in report.documents.chunks(FACTS_BATCH) {
            let facts: Vec<OverlapFact> = batch.iter().map(overlap_fact).collect();
            self.repo().add_overlap_facts(id, &facts).await?;
        }
        self.relist(id).await?;
        Ok(report)
    }

    /// How much of a submission was already public, in the memory of one
    /// text pack however large the submission: each document's result goes
    /// to `sink` as it is settled.
    pub async fn overlap_streaming(
        &self,
        id: &SubmissionId,
        sink: impl FnMut(DocumentOverlap),
    ) -> Result<OverlapSummary, AppError> {
        let summary = self.overlap_recorded(id, sink).await?;
        self.relist(id).await?;
        Ok(summary)
    }

    /// As [`Newsroom::overlap_streaming`], keeping each document's class
    /// for the desk but leaving the list to the caller (triage lists the
    /// submission once, after its own facts; a publication changes
    /// nothing a list shows).
    pub(crate) async fn overlap_recorded(
        &self,
        id: &SubmissionId,
        sink: impl FnMut(DocumentOverlap),
    ) -> Result<OverlapSummary, AppError> {
        let record = self.submission(id).await?;
        let index = Index::open(&self.dir().overlap_dir())?;
        let settings = self.dir().config.overlap.settings();
        // Each document's class is kept for the desk's lists, written in
        // batches as the run settles documents (alongside it, in the same
        // task), so memory does not grow with the submission.
        self.repo().clear_overlap_facts(id).await?;
        let (send, mut receive) = tokio::sync::mpsc::unbounded_channel::<OverlapFact>();
        let mut sink = sink;
        let opener = self.opener()?;
        let run = overlap_streaming(&opener, self.repo(), &index, &record, &settings, move |doc| {
            // The receiver outlives the run: a send cannot fail.
            let _ = send.send(overlap_fact(&doc));
            sink(doc)
        });
        let record_facts = async {
            let mut batch = Vec::with_capacity(FACTS_BATCH);
            while receive.recv_many(&mut batch, FACTS_BATCH).await > 0 {
                self.repo().add_overlap_facts(id, &batch).await?;
                batch.clear();
            }
            Ok::<(), AppError>(())
        };
        let (summary, recorded) = tokio::join!(run, record_facts);
        let summary = summary?;
        recorded?;
        Ok(summary)
    }
}

/// Documents' facts written to the database at a time.
const FACTS_BATCH: usize = 1_000;

/// A document's class and the corpus of its best match, as the desk lists it.
fn overlap_fact(doc: &DocumentOverlap) -> OverlapFact {
    let class = serde_json::to_value(doc.class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let corpus = match doc.class {
        Class::New => None,
        _ => doc.matches.first().map(|m| m.corpus.clone()),
    };
    // The best few matches are kept for its page.
    let matches = (!doc.matches.is_empty())
        .then(|| serde_json::to_string(&doc.matches.iter().take(5).collect::<Vec<_>>()).ok())
        .flatten();
    OverlapFact {
        document_id: doc.doc.clone(),
        class,
        corpus,
        matches,
    }
}

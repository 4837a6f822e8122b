//! Verifying a submission: evidence for every document, verdicts, shares,
//! and the results stored for the desk and the public archive.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use trove_ingest::{DocType, Limits, document_id, walk_submission};
use trove_store::{
    BlobBackend, BlobOpener, DocumentRepo, PublishedRepo, StoreError, SubmissionRecord, VerificationRecord,
    VerificationRepo,
};

use crate::thread::MailDoc;
use crate::{Evidence, KeyArchive, Verdict, mail_evidence, metadata_evidence, thread_evidence, verdict};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ingest(#[from] trove_ingest::IngestError),
    #[error("submission {0} has no documents: run `trove ingest {0}` first")]
    NotIngested(String),
}

/// One document's result.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentVerification {
    pub doc: String,
    pub path: String,
    #[serde(rename = "type")]
    pub doc_type: String,
    pub size: u64,
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
}

/// A verdict's share of the submission.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerdictShare {
    pub documents: u64,
    pub bytes: u64,
    pub share_count: f64,
    pub share_bytes: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub documents: u64,
    pub bytes: u64,
    pub by_verdict: BTreeMap<&'static str, VerdictShare>,
    /// Signatures by outcome (pass, body_hash_mismatch, no_key, …).
    pub dkim: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub documents: Vec<DocumentVerification>,
    pub summary: Summary,
}

/// Verifies an ingested submission and stores the results (replacing any
/// earlier run's).
pub async fn verify_submission<B: BlobBackend>(
    opener: &BlobOpener<B>,
    repo: &(impl DocumentRepo + VerificationRepo + PublishedRepo),
    record: &SubmissionRecord,
    limits: &Limits,
    archive: &KeyArchive,
) -> Result<VerifyReport, VerifyError> {
    let documents = repo.documents(&record.id).await?;
    if documents.is_empty() {
        return Err(VerifyError::NotIngested(record.id.to_string()));
    }
    let submission = record.id.to_string();

    // The mail's own bytes, exactly as sent: DKIM hashes them.
    let mut evidence: HashMap<String, Vec<Evidence>> = HashMap::new();
    walk_submission(opener, record, limits, |path, doc_type, bytes| {
        if doc_type == DocType::Email {
            evidence
                .entry(document_id(&submission, path))
                .or_default()
                .extend(mail_evidence(bytes, archive));
        }
    })?;

    let newest = documents
        .iter()
        .filter(|d| d.doc_type == "email")
        .filter_map(|d| d.metadata.get("date").and_then(|v| v.as_str()))
        .filter_map(crate::metadata::parse_date)
        .max();
    let mail: Vec<MailDoc<'_>> = documents
        .iter()
        .filter(|d| d.doc_type == "email" || d.doc_type == "msg")
        .map(|d| MailDoc {
            id: &d.id,
            path: &d.path,
            metadata: &d.metadata,
        })
        .collect();
    for (id, found) in thread_evidence(&mail) {
        evidence.entry(id).or_default().extend(found);
    }

    let corpora: HashMap<i64, trove_store::PublishedCorpus> =
        repo.published_corpora().await?.into_iter().map(|c| (c.id, c)).collect();
    let mut results = Vec::new();
    let mut summary = Summary::default();
    for doc in documents
        .iter()
        .filter(|d| trove_ingest::counts_as_document(&d.doc_type))
    {
        let mut found = evidence.remove(&doc.id).unwrap_or_default();
        // Corroboration: the same bytes in a registered published corpus.
        if !corpora.is_empty() {
            for published in repo.published_by_content(&doc.content_id).await? {
                let Some(corpus) = corpora.get(&published.corpus_id) else {
                    continue;
                };
                found.push(Evidence::new(
                    "corroboration",
                    crate::Strength::Supporting,
                    serde_json::json!({
                        "corpus": corpus.name, "publisher": corpus.publisher, "date": corpus.date,
                        "document": published.path,
                    }),
                    format!(
                        "The same bytes were published in {} ({}, {}) as {}: the document existed in this form by then.",
                        corpus.name, corpus.publisher, corpus.date, published.path
                    ),
                ));
            }
        }
        if doc.doc_type != "email" {
            found.extend(metadata_evidence(&doc.metadata, newest));
        }
        for e in found.iter().filter(|e| e.kind == "dkim") {
            let outcome = e.facts.get("result").and_then(|v| v.as_str()).unwrap_or("unknown");
            *summary.dkim.entry(outcome.to_owned()).or_default() += 1;
        }
        let verdict = verdict(&found);
        let share = summary.by_verdict.entry(verdict.name()).or_default();
        share.documents += 1;
        share.bytes += doc.size;
        summary.documents += 1;
        summary.bytes += doc.size;
        results.push(DocumentVerification {
            doc: doc.id.clone(),
            path: doc.path.clone(),
            doc_type: doc.doc_type.clone(),
            size: doc.size,
            verdict,
            evidence: found,
        });
    }
    for verdict in Verdict::ALL {
        let share = summary.by_verdict.entry(verdict.name()).or_default();
        share.share_count = share.documents as f64 / summary.documents.max(1) as f64;
        share.share_bytes = share.bytes as f64 / summary.bytes.max(1) as f64;
    }
    let stored: Vec<VerificationRecord> = results
        .iter()
        .map(|r| VerificationRecord {
            document_id: r.doc.clone(),
            verdict: r.verdict.name().to_owned(),
            evidence: serde_json::to_value(&r.evidence).unwrap_or_default(),
        })
        .collect();
    repo.put_verifications(&record.id, &stored).await?;
    Ok(VerifyReport {
        documents: results,
        summary,
    })
}

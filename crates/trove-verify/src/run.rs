//! Verifying a submission: evidence for every document, verdicts, shares,
//! and the results stored for the desk and the public archive.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use trove_ingest::{DocType, Limits, document_id, walk_submission_file};
use trove_store::{
    BlobBackend, BlobOpener, DocumentRecord, DocumentRepo, PublishedRepo, StoreError, SubmissionRecord,
    VerificationRecord, VerificationRepo, read_manifest,
};

use crate::thread::{Reply, ThreadIndex, reply_evidence};
use crate::{Evidence, KeyArchive, Verdict, mail_evidence, metadata_evidence, verdict};

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

/// Verifies an ingested submission, stores the results (replacing any
/// earlier run's) and gathers them (for reports of a size that fits in
/// memory: [`verify_streaming`] gives them one at a time).
pub async fn verify_submission<B: BlobBackend>(
    opener: &BlobOpener<B>,
    repo: &(impl DocumentRepo + VerificationRepo + PublishedRepo),
    record: &SubmissionRecord,
    limits: &Limits,
    archive: &KeyArchive,
) -> Result<VerifyReport, VerifyError> {
    let mut documents = Vec::new();
    let summary = verify_streaming(opener, repo, record, limits, archive, |d| documents.push(d)).await?;
    Ok(VerifyReport { documents, summary })
}

/// Documents per page of the passes over the database.
const PAGE: usize = 2048;

/// Verifies an ingested submission and stores the results (replacing any
/// earlier run's), giving each document's result to `sink` in path order.
/// Memory holds a page of documents and the thread index (the cache's
/// Message-IDs), not the cache: three passes, over the documents'
/// metadata (threads, the newest date), over the mail's own bytes (DKIM,
/// stored file by file as each document's first evidence), and over the
/// documents again to add the rest and settle the verdicts.
pub async fn verify_streaming<B: BlobBackend>(
    opener: &BlobOpener<B>,
    repo: &(impl DocumentRepo + VerificationRepo + PublishedRepo),
    record: &SubmissionRecord,
    limits: &Limits,
    archive: &KeyArchive,
    mut sink: impl FnMut(DocumentVerification),
) -> Result<Summary, VerifyError> {
    let submission = record.id.to_string();
    let is_mail = |doc: &DocumentRecord| doc.doc_type == "email" || doc.doc_type == "msg";

    let mut threads = ThreadIndex::default();
    let mut newest = None;
    let mut after = String::new();
    loop {
        let page = repo.documents_page(&record.id, &after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.path.clone();
        for doc in page.iter().filter(|d| is_mail(d)) {
            threads.add(&doc.id, &doc.metadata);
            if doc.doc_type == "email" {
                let date = doc.metadata.get("date").and_then(|v| v.as_str());
                newest = newest.max(date.and_then(crate::metadata::parse_date));
            }
        }
    }
    if after.is_empty() {
        return Err(VerifyError::NotIngested(submission));
    }

    // The mail's own bytes, exactly as sent: DKIM hashes them.
    repo.clear_verifications(&record.id).await?;
    for file in &read_manifest(opener, record)?.files {
        let mut found = Vec::new();
        walk_submission_file(opener, file, limits, |path, doc_type, bytes| {
            if doc_type == DocType::Email {
                let evidence = mail_evidence(bytes, archive);
                found.push(VerificationRecord {
                    document_id: document_id(&submission, path),
                    verdict: verdict(&evidence).name().to_owned(),
                    evidence: serde_json::to_value(&evidence).unwrap_or_default(),
                });
            }
        });
        repo.add_verifications(&record.id, &found).await?;
    }

    let corpora: HashMap<i64, trove_store::PublishedCorpus> =
        repo.published_corpora().await?.into_iter().map(|c| (c.id, c)).collect();
    let mut summary = Summary::default();
    let mut after = String::new();
    loop {
        let page = repo.documents_page(&record.id, &after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.path.clone();
        let counted: Vec<&DocumentRecord> = page
            .iter()
            .filter(|d| trove_ingest::counts_as_document(&d.doc_type))
            .collect();
        let ids: Vec<&str> = counted.iter().map(|d| d.id.as_str()).collect();
        let mut stored = repo.verifications_of(&record.id, &ids).await?;
        let replies: HashMap<&str, Reply> = counted
            .iter()
            .filter(|d| is_mail(d))
            .filter_map(|d| Some((d.id.as_str(), threads.reply(&d.metadata)?)))
            .collect();
        let parent_ids: Vec<&str> = replies
            .values()
            .filter_map(|r| r.parent.as_ref().map(|(id, _)| id.as_str()))
            .collect();
        let parent_paths: HashMap<String, String> = repo
            .documents_by_ids(&parent_ids)
            .await?
            .into_iter()
            .map(|d| (d.id, d.path))
            .collect();
        let mut results = Vec::with_capacity(counted.len());
        for doc in counted {
            let mut found: Vec<Evidence> = stored
                .remove(&doc.id)
                .and_then(|r| serde_json::from_value(r.evidence).ok())
                .unwrap_or_default();
            if let Some(reply) = replies.get(doc.id.as_str()) {
                let parent_path = reply
                    .parent
                    .as_ref()
                    .and_then(|(id, _)| parent_paths.get(id))
                    .map(String::as_str);
                found.push(reply_evidence(reply, parent_path, &doc.metadata));
            }
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
        let records: Vec<VerificationRecord> = results
            .iter()
            .map(|r| VerificationRecord {
                document_id: r.doc.clone(),
                verdict: r.verdict.name().to_owned(),
                evidence: serde_json::to_value(&r.evidence).unwrap_or_default(),
            })
            .collect();
        repo.add_verifications(&record.id, &records).await?;
        results.into_iter().for_each(&mut sink);
    }
    for verdict in Verdict::ALL {
        let share = summary.by_verdict.entry(verdict.name()).or_default();
        share.share_count = share.documents as f64 / summary.documents.max(1) as f64;
        share.share_bytes = share.bytes as f64 / summary.bytes.max(1) as f64;
    }
    Ok(summary)
}

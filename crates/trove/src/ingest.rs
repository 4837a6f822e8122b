//! `trove ingest` and `trove docs`: the binary's glue to trove-ingest.

use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use serde_json::json;
use trove_ingest::{IngestReport, Limits, ingest_submission};
use trove_store::{DocumentSummary, MetadataRepo, SubmissionId};

use crate::datadir::DataDir;
use crate::{print_report, progress_bar};

/// Ingests a submission and returns its report.
pub async fn ingest(
    dir: &DataDir,
    id: &SubmissionId,
    retry_failed: bool,
    threads: usize,
) -> anyhow::Result<IngestReport> {
    let repo = dir.repo(false).await?;
    let record = repo
        .submission(id)
        .await?
        .with_context(|| format!("no submission {id} in {}", dir.root.display()))?;
    if retry_failed {
        repo.delete_failed_documents(id).await?;
    }
    let opener = std::sync::Arc::new(dir.opener()?);
    let sealer = dir.sealer()?;
    let manifest = trove_store::read_manifest(&opener, &record)?;
    let bar = progress_bar(manifest.files.iter().map(|f| f.size).sum(), "ingesting");
    let documents = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = documents.clone();
    bar.set_style(bar.style().with_key(
        "docs",
        move |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
            let done = counted.load(std::sync::atomic::Ordering::Relaxed);
            let rate = done as f64 / state.elapsed().as_secs_f64().max(0.001);
            let _ = write!(out, "{done} docs {rate:.0} docs/s");
        },
    ));
    let limits = dir.ingest_limits();
    let report = ingest_submission(opener.clone(), &sealer, &repo, &record, &limits, threads, |done| {
        bar.inc(done.bytes);
        documents.fetch_add(done.documents as u64, std::sync::atomic::Ordering::Relaxed);
    })
    .await?;
    bar.finish_and_clear();
    Ok(report)
}

/// Counts by type and status, and every failure with its reason.
pub fn summarize(summary: &DocumentSummary) -> serde_json::Value {
    let problems: Vec<_> = summary
        .problems
        .iter()
        .map(|(path, status, reason)| json!({ "path": path, "status": status, "reason": reason }))
        .collect();
    json!({
        "documents": summary.documents(),
        "failed": summary.by_status.get("failed").copied().unwrap_or(0),
        "by_type": summary.by_type,
        "by_status": summary.by_status,
        "problems": problems,
    })
}

pub fn human_summary(summary: &serde_json::Value) -> String {
    let mut text = format!("{} documents, {} failed\n", summary["documents"], summary["failed"]);
    if let Some(types) = summary["by_type"].as_object() {
        let list: Vec<String> = types.iter().map(|(t, n)| format!("{t} {n}")).collect();
        text.push_str(&format!("by type: {}\n", list.join(", ")));
    }
    for problem in summary["problems"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "{:<9} {}: {}\n",
            problem["status"].as_str().unwrap_or(""),
            problem["path"].as_str().unwrap_or(""),
            problem["reason"].as_str().unwrap_or("")
        ));
    }
    text
}

pub async fn run_ingest(
    data: &Path,
    id: &str,
    report_only: bool,
    retry_failed: bool,
    threads: usize,
    json: bool,
) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let id = SubmissionId::from_str(id)?;
    if !report_only {
        ingest(&dir, &id, retry_failed, threads).await?;
    }
    let summary = summarize(&dir.repo(false).await?.document_summary(&id).await?);
    print_report(json, &summary, human_summary);
    Ok(())
}

pub async fn docs_list(data: &Path, id: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let documents = dir.repo(false).await?.documents(&SubmissionId::from_str(id)?).await?;
    let list: Vec<_> = documents
        .iter()
        .map(|d| json!({ "id": d.id, "path": d.path, "type": d.doc_type, "size": d.size, "status": d.status }))
        .collect();
    print_report(json, &json!({ "documents": list }), |_| {
        documents
            .iter()
            .map(|d| format!("{}  {:<7} {:<9} {:>10}  {}", d.id, d.doc_type, d.status, d.size, d.path))
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

pub async fn docs_show(data: &Path, id: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let doc = dir
        .repo(false)
        .await?
        .document(id)
        .await?
        .with_context(|| format!("no document {id}"))?;
    let text = match &doc.text {
        Some(text) => trove_store::read_text(&dir.opener()?, text)?,
        None => String::new(),
    };
    let value = json!({
        "id": doc.id, "path": doc.path, "parent": doc.parent, "type": doc.doc_type, "size": doc.size,
        "content_id": doc.content_id, "status": doc.status, "reason": doc.reason, "metadata": doc.metadata, "text": text,
    });
    print_report(json, &value, |_| {
        format!(
            "{}\ntype {}, {} bytes, status {}{}\ncontent {}\nmetadata {}\n\n{}",
            doc.path,
            doc.doc_type,
            doc.size,
            doc.status,
            doc.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
            doc.content_id,
            serde_json::to_string_pretty(&doc.metadata).unwrap_or_default(),
            text
        )
    });
    Ok(())
}

impl DataDir {
    pub fn ingest_limits(&self) -> Limits {
        let config = &self.config.ingest;
        Limits {
            max_depth: config.max_depth,
            max_ratio: config.max_ratio,
            max_document_bytes: config.max_document_mib << 20,
            max_text_bytes: config.max_text_mib << 20,
            ocr_language: (!config.ocr_language.is_empty() && tesseract_installed())
                .then(|| config.ocr_language.clone()),
        }
    }
}

fn tesseract_installed() -> bool {
    std::process::Command::new("tesseract")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Worker threads by default: one per core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

//! `trove published` and `trove overlap`: the binary's glue to trove-overlap.

use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use serde_json::json;
use trove_overlap::index::Index;
use trove_overlap::{CorpusInfo, ImportSummary, OverlapReport, import_corpus, overlap_submission};
use trove_store::{MetadataRepo, SubmissionId};

use crate::datadir::DataDir;
use crate::print_report;

impl DataDir {
    /// Where the overlap index's segments live.
    pub fn overlap_dir(&self) -> std::path::PathBuf {
        self.root.join("overlap")
    }
}

pub async fn import(dir: &DataDir, path: &Path, info: &CorpusInfo) -> anyhow::Result<ImportSummary> {
    let repo = dir.repo(false).await?;
    let bar = indicatif::ProgressBar::new_spinner();
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let summary = import_corpus(&repo, &dir.overlap_dir(), path, info, &dir.ingest_limits(), |n| {
        if n % 256 == 0 {
            bar.set_message(format!("importing {}: {n} documents", info.name));
            bar.tick();
        }
    })
    .await?;
    bar.finish_and_clear();
    Ok(summary)
}

pub async fn run_import(data: &Path, path: &Path, info: CorpusInfo, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let summary = import(&dir, path, &info).await?;
    print_report(json, &summary, |s| {
        format!("registered {}: {} documents, {} bytes", s.name, s.documents, s.bytes)
    });
    Ok(())
}

pub async fn run_list(data: &Path, json: bool) -> anyhow::Result<()> {
    let corpora = DataDir::open(data)?.repo(false).await?.published_corpora().await?;
    print_report(json, &json!({ "corpora": corpora }), |_| {
        corpora
            .iter()
            .map(|c| {
                format!(
                    "{}  {}  {}  {} documents  {} bytes{}",
                    c.name,
                    c.date,
                    c.publisher,
                    c.documents,
                    c.bytes,
                    c.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

pub async fn run_remove(data: &Path, name: &str, json: bool) -> anyhow::Result<()> {
    let removed = DataDir::open(data)?
        .repo(false)
        .await?
        .remove_published_corpus(name)
        .await?;
    anyhow::ensure!(removed, "no published corpus named {name:?} (see trove published list)");
    print_report(json, &json!({ "removed": name }), |_| format!("removed {name}"));
    Ok(())
}

pub async fn overlap(dir: &DataDir, id: &SubmissionId) -> anyhow::Result<OverlapReport> {
    let repo = dir.repo(false).await?;
    let record = repo
        .submission(id)
        .await?
        .with_context(|| format!("no submission {id} in {}", dir.root.display()))?;
    let index = Index::open(&dir.overlap_dir())?;
    Ok(overlap_submission(&dir.opener()?, &repo, &index, &record).await?)
}

pub fn human_summary(report: &OverlapReport) -> String {
    let summary = &report.summary;
    let mut text = format!("{}\n", summary.sentence);
    let classes: Vec<String> = summary
        .by_class
        .iter()
        .map(|(class, n)| {
            format!(
                "{} {n}",
                serde_json::to_value(class).unwrap_or_default().as_str().unwrap_or("")
            )
        })
        .collect();
    text.push_str(&format!("{} documents: {}\n", summary.documents, classes.join(", ")));
    for corpus in &summary.by_corpus {
        text.push_str(&format!(
            "  {:<24} {}  exact {:>5}  near {:>5}  partial {:>5}  {:>5.1}% of documents, {:>5.1}% of bytes\n",
            corpus.name,
            corpus.date,
            corpus.exact,
            corpus.near,
            corpus.partial,
            corpus.share_count * 100.0,
            corpus.share_bytes * 100.0
        ));
    }
    text
}

pub async fn run_overlap(data: &Path, id: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let report = overlap(&dir, &SubmissionId::from_str(id)?).await?;
    print_report(json, &report, human_summary);
    Ok(())
}

/// Registers every corpus a generated corpus published (its
/// `published/corpora.json`), for the demo.
pub async fn import_generated(dir: &DataDir, corpus: &Path) -> anyhow::Result<Vec<ImportSummary>> {
    let listing = corpus.join("published/corpora.json");
    let text = std::fs::read_to_string(&listing).with_context(|| format!("cannot read {}", listing.display()))?;
    let corpora: Vec<serde_json::Value> = serde_json::from_str(&text)?;
    let registered = dir.repo(false).await?.published_corpora().await?;
    let mut out = Vec::new();
    for corpus_entry in corpora {
        let field = |name: &str| corpus_entry[name].as_str().unwrap_or_default().to_owned();
        if registered.iter().any(|c| c.name == field("name")) {
            continue;
        }
        let info = CorpusInfo {
            name: field("name"),
            publisher: field("publisher"),
            date: field("date"),
            url: Some(field("url")).filter(|u| !u.is_empty()),
        };
        out.push(import(dir, &corpus.join("published").join(&info.name), &info).await?);
    }
    Ok(out)
}

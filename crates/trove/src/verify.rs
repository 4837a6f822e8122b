//! `trove verify` and `trove keys dkim`: the binary's glue to trove-verify.

use std::path::Path;
use std::str::FromStr;

use anyhow::Context;
use serde_json::json;
use trove_store::{MetadataRepo, SubmissionId};
use trove_verify::{KeyArchive, VerifyReport, parse_key_file, verify_submission};

use crate::datadir::DataDir;
use crate::print_report;

/// Imports a key file into the archive; every bad line is named and
/// nothing is imported from a file with one.
pub async fn import_keys(dir: &DataDir, file: &Path) -> anyhow::Result<(usize, usize)> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let keys = parse_key_file(&name, &text).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("nothing imported; fix these lines:\n  {}", lines.join("\n  "))
    })?;
    let added = dir.repo(false).await?.add_dkim_keys(&keys).await?;
    Ok((keys.len(), added))
}

pub async fn run_import(data: &Path, file: &Path, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let (read, added) = import_keys(&dir, file).await?;
    print_report(json, &json!({ "read": read, "added": added }), |_| {
        format!("{read} keys read, {added} new in the archive")
    });
    Ok(())
}

pub async fn run_list(data: &Path, json: bool) -> anyhow::Result<()> {
    let keys = DataDir::open(data)?.repo(false).await?.dkim_keys().await?;
    print_report(json, &json!({ "keys": keys }), |_| {
        keys.iter()
            .map(|k| {
                let kind = trove_dkim::KeyRecord::parse(&k.record)
                    .map(|r| {
                        if r.key_type == trove_dkim::KeyType::Rsa {
                            "rsa"
                        } else {
                            "ed25519"
                        }
                    })
                    .unwrap_or("?");
                format!(
                    "{}._domainkey.{}  {kind}  seen {} .. {}  ({})",
                    k.selector,
                    k.domain,
                    k.first_seen.as_deref().unwrap_or("?"),
                    k.last_seen.as_deref().unwrap_or("?"),
                    k.source
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// Verifies a submission against the key archive and stores the results.
pub async fn verify(dir: &DataDir, id: &SubmissionId) -> anyhow::Result<VerifyReport> {
    let repo = dir.repo(false).await?;
    let record = repo
        .submission(id)
        .await?
        .with_context(|| format!("no submission {id} in {}", dir.root.display()))?;
    let archive = KeyArchive::new(repo.dkim_keys().await?);
    let opener = dir.opener()?;
    Ok(verify_submission(&opener, &repo, &record, &dir.ingest_limits(), &archive).await?)
}

pub fn human_summary(report: &VerifyReport) -> String {
    summary_listing(report, usize::MAX)
}

/// The summary, and at most `limit` suspicious documents with their reasons.
pub fn summary_listing(report: &VerifyReport, limit: usize) -> String {
    let summary = &report.summary;
    let mut text = format!("{} documents verified\n", summary.documents);
    for (verdict, share) in &summary.by_verdict {
        text.push_str(&format!(
            "  {verdict:<13} {:>6} documents ({:>5.1}%)  {:>5.1}% of bytes\n",
            share.documents,
            share.share_count * 100.0,
            share.share_bytes * 100.0
        ));
    }
    if !summary.dkim.is_empty() {
        let outcomes: Vec<String> = summary.dkim.iter().map(|(o, n)| format!("{o} {n}")).collect();
        text.push_str(&format!("DKIM signatures: {}\n", outcomes.join(", ")));
    }
    let suspicious: Vec<_> = report
        .documents
        .iter()
        .filter(|d| d.verdict == trove_verify::Verdict::Suspicious)
        .collect();
    if suspicious.len() > limit {
        text.push_str(&format!(
            "{} suspicious documents; the first {limit} (all: trove verify SUBMISSION):\n",
            suspicious.len()
        ));
    }
    for doc in suspicious.into_iter().take(limit) {
        text.push_str(&format!("suspicious {}\n", doc.path));
        for evidence in doc
            .evidence
            .iter()
            .filter(|e| e.strength == trove_verify::Strength::Against)
        {
            text.push_str(&format!("    {}\n", evidence.sentence));
        }
    }
    text
}

pub async fn run_verify(data: &Path, id: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let report = verify(&dir, &SubmissionId::from_str(id)?).await?;
    print_report(json, &report, human_summary);
    Ok(())
}

//! `trove triage` and `trove decide`: the proposal under the newsroom's
//! policy, and an editor's signed decision in the transparency log.

use std::path::Path;
use std::str::FromStr;

use anyhow::{Context, bail};
use serde_json::json;
use trove_keys::StatementRole;
use trove_ledger::statement::{Outcome as LogOutcome, Statement};
use trove_store::{DecisionRecord, MetadataRepo, SubmissionId, TriageRecord, read_texts, today_utc};
use trove_triage::policy::TEMPLATE;
use trove_triage::{Case, Extractor, Gazetteer, Missing, Outcome, Policy, Proposal, Significance, SubmissionFacts};

use crate::datadir::DataDir;
use crate::{ledger, print_report};

pub const POLICY_FILE: &str = "policy.toml";

impl DataDir {
    /// The policy, written from the template on first use.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        let path = self.root.join(POLICY_FILE);
        if !path.exists() {
            std::fs::write(&path, TEMPLATE).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote the default policy to {}", path.display());
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Policy::parse(&path.display().to_string(), &text)?)
    }

    /// The shipped gazetteer, extended by `[triage] gazetteer` if set.
    pub fn gazetteer(&self) -> anyhow::Result<Gazetteer> {
        let mut gazetteer = Gazetteer::shipped();
        if let Some(extra) = &self.config.triage.gazetteer {
            let path = self.root.join(extra);
            let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            gazetteer.add(&path.display().to_string(), &text)?;
        }
        Ok(gazetteer)
    }
}

/// What `trove triage` reports and stores.
#[derive(serde::Serialize)]
pub struct TriageReport {
    pub submission: String,
    pub policy: String,
    pub case: Case,
    pub significance: Significance,
    pub proposal: Proposal,
}

/// Triage of a submission: its case, significance and the proposal.
pub async fn triage(dir: &DataDir, id: &SubmissionId) -> anyhow::Result<TriageReport> {
    let policy = dir.policy()?;
    let repo = dir.repo(false).await?;
    repo.submission(id)
        .await?
        .with_context(|| format!("no submission {id} in {}", dir.root.display()))?;
    let documents = repo.documents(id).await?;
    let verifications = repo.verifications(id).await?;
    let mut missing = Vec::new();
    if documents.is_empty() {
        missing.push(Missing::Ingest);
    }
    if verifications.is_empty() {
        missing.push(Missing::Verification);
    }
    let registered = !repo.published_corpora().await?.is_empty();
    let novel_share = if registered && !documents.is_empty() {
        crate::overlap::overlap(dir, id).await?.summary.novel_share_count
    } else {
        missing.push(Missing::Overlap);
        0.0
    };
    let share = |verdict: &str| {
        let count = verifications.iter().filter(|v| v.verdict == verdict).count();
        if verifications.is_empty() {
            0.0
        } else {
            count as f64 / verifications.len() as f64
        }
    };
    let extractor = Extractor::new(&dir.gazetteer()?, &policy.watch_list)?;
    let refs: Vec<_> = documents.iter().collect();
    let opener = dir.opener()?;
    let texts = read_texts(&opener, &refs)?;
    let entities: Vec<_> = documents
        .iter()
        .map(|doc| extractor.extract_document(texts.get(&doc.id).map_or("", |t| t), &doc.metadata))
        .collect();
    let mut doc_types = std::collections::BTreeMap::new();
    for doc in &documents {
        *doc_types.entry(doc.doc_type.clone()).or_insert(0u64) += 1;
    }
    let facts = SubmissionFacts {
        documents: documents.len() as u64,
        doc_types,
        novel_share,
        verified_share: share("verified"),
        consistent_share: share("consistent"),
    };
    let significance = trove_triage::significance(&entities, &facts);
    let case = Case {
        documents: facts.documents,
        authentic_share: facts.verified_share + 0.5 * facts.consistent_share,
        suspicious_share: share("suspicious"),
        novel_share,
        significance: significance.score,
        missing,
    };
    let proposal = policy.propose(&case);
    let report = TriageReport {
        submission: id.to_string(),
        policy: policy.id(),
        case,
        significance,
        proposal,
    };
    repo.put_triage(&TriageRecord {
        submission: *id,
        day: today_utc(),
        policy: report.policy.clone(),
        significance: report.significance.score,
        proposal: report.proposal.outcome.as_str().to_owned(),
        report: serde_json::to_value(&report)?,
    })
    .await?;
    Ok(report)
}

pub fn human_triage(report: &TriageReport) -> String {
    let mut text = format!(
        "significance {} of 100; the policy ({}) proposes: {}",
        report.significance.score,
        &report.policy[..12],
        report.proposal.outcome.as_str()
    );
    for reason in &report.proposal.reasons {
        text.push_str(&format!("\n  {}: {}", reason.code, reason.facts));
    }
    for c in &report.significance.contributions {
        text.push_str(&format!(
            "\n  {:>5.1} / {:>4.0}  {:<24} {}",
            c.points, c.max, c.name, c.facts
        ));
    }
    text
}

pub async fn run_triage(data: &Path, submission: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let report = triage(&dir, &SubmissionId::from_str(submission)?).await?;
    print_report(json, &report, human_triage);
    Ok(())
}

/// What an editor decided, from the command line or the desk.
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    pub note: Option<String>,
    pub editor: String,
}

/// Records an editor's decision: checked against the proposal (an override
/// needs a written reason), signed with the editor's key, appended to the
/// log. A later decision supersedes an earlier one; both stay in the log.
pub async fn decide(dir: &DataDir, id: &SubmissionId, decision: Decision) -> anyhow::Result<DecisionRecord> {
    let policy = dir.policy()?;
    let repo = dir.repo(false).await?;
    let triage = repo
        .triage(id)
        .await?
        .with_context(|| format!("submission {id} has not been triaged: run `trove triage {id}` first"))?;
    if triage.policy != policy.id() {
        bail!(
            "submission {id} was triaged under policy {} but policy.toml is now {}: run `trove triage {id}` again",
            &triage.policy[..12],
            &policy.id()[..12]
        );
    }
    for code in &decision.reasons {
        if !policy.knows(code) {
            bail!("reason code {code} does not exist in the policy");
        }
    }
    match decision.outcome {
        Outcome::Reject if decision.reasons.is_empty() => bail!("a rejection needs at least one reason code"),
        Outcome::Accept if !decision.reasons.is_empty() => bail!("an acceptance takes no reason codes"),
        _ => {}
    }
    let proposed: Vec<String> = triage.report["proposal"]["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["code"].as_str().map(str::to_owned))
        .collect();
    let overrides = triage.proposal != decision.outcome.as_str()
        || (decision.outcome != Outcome::Defer && sorted(&proposed) != sorted(&decision.reasons));
    let note = decision.note.filter(|n| !n.trim().is_empty());
    if overrides && note.is_none() {
        bail!(
            "this overrides the policy's proposal ({} {}): say why with --reason TEXT",
            triage.proposal,
            proposed.join(" ")
        );
    }
    let reasons = match decision.outcome {
        // A deferral without codes defers for what the proposal named.
        Outcome::Defer if decision.reasons.is_empty() => proposed.clone(),
        _ => decision.reasons.clone(),
    };
    let role = StatementRole::Editor(decision.editor.clone());
    let key_id = dir.keyring().verifier_key(&role).with_context(|| {
        format!(
            "no key for editor {:?}: add one with `trove keys add-editor {}`",
            decision.editor, decision.editor
        )
    })?;
    let statement = Statement::Decision {
        submission: id.to_string(),
        outcome: LogOutcome::parse(decision.outcome.as_str()).map_err(anyhow::Error::msg)?,
        reasons: reasons.clone(),
        policy: policy.sha256,
        editor: hex::encode(key_id.id()),
    };
    let log_index = ledger::append(dir, &statement, &role)?;
    let record = DecisionRecord {
        submission: id.to_string(),
        day: today_utc(),
        outcome: decision.outcome.as_str().to_owned(),
        reasons,
        proposed: triage.proposal,
        note,
        editor: decision.editor,
        policy: policy.id(),
        log_index,
    };
    repo.add_decision(&record).await?;
    Ok(record)
}

fn sorted(codes: &[String]) -> Vec<String> {
    let mut codes = codes.to_vec();
    codes.sort();
    codes
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
pub struct OutcomeArgs {
    /// Accept the submission.
    #[arg(long)]
    accept: bool,
    /// Reject it, with reason codes (ALREADY_PUBLIC, UNVERIFIABLE, …).
    #[arg(long, num_args = 1.., value_name = "CODE")]
    reject: Option<Vec<String>>,
    /// Defer it (optionally with codes; by default, what triage found missing).
    #[arg(long, num_args = 0.., value_name = "CODE")]
    defer: Option<Vec<String>>,
}

pub async fn run_decide(
    data: &Path,
    submission: &str,
    outcome: OutcomeArgs,
    reason: Option<String>,
    editor: String,
    json: bool,
) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let (outcome, reasons) = match (outcome.accept, outcome.reject, outcome.defer) {
        (true, _, _) => (Outcome::Accept, vec![]),
        (_, Some(codes), _) => (Outcome::Reject, codes),
        (_, _, Some(codes)) => (Outcome::Defer, codes),
        _ => bail!("say --accept, --reject CODE… or --defer"),
    };
    let id = SubmissionId::from_str(submission)?;
    let earlier = dir.repo(false).await?.decisions(submission).await?.len();
    let record = decide(
        &dir,
        &id,
        Decision {
            outcome,
            reasons,
            note: reason,
            editor,
        },
    )
    .await?;
    print_report(json, &json!({ "decision": record, "supersedes": earlier }), |_| {
        let mut text = format!(
            "{} {} by {} (log entry {}; the policy proposed {})",
            record.outcome,
            record.reasons.join(" "),
            record.editor,
            record.log_index,
            record.proposed
        );
        if earlier > 0 {
            text.push_str(&format!(
                "\nsupersedes {earlier} earlier decision(s), which stay in the log"
            ));
        }
        text
    });
    Ok(())
}

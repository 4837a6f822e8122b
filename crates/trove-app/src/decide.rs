//! `triage` and `decide`: the proposal under the newsroom's policy, and an
//! editor's decision, checked against it, signed and appended to the log.

use trove_store::{DecisionRepo as _, DeskRepo as _, DocumentRepo as _, PublishedRepo as _, VerificationRepo as _};

use serde::Serialize;
use trove_keys::StatementRole;
use trove_ledger::statement::Statement;
use trove_store::{Day, DecisionRecord, DocumentTexts, EntityFact, Outcome, SubmissionId, TriageRecord};
use trove_triage::{Case, EntityKind, EntityTally, Extractor, Missing, SubmissionFacts, TriageReport};

use crate::{AppError, Newsroom};

/// What an editor decided, from the command line or the desk.
#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    /// Why; required when the decision differs from the proposal.
    pub note: Option<String>,
    /// The editor whose key signs it.
    pub editor: String,
}

/// A recorded decision and how many earlier ones it supersedes (they stay
/// in the log).
#[derive(Debug, Clone, Serialize)]
pub struct DecisionReport {
    pub decision: DecisionRecord,
    pub supersedes: usize,
}

fn sorted(codes: &[String]) -> Vec<String> {
    let mut codes = codes.to_vec();
    codes.sort();
    codes
}

impl Newsroom {
    /// Triage of a submission: its case, significance and the policy's
    /// proposal, stored for the desk and for `decide`.
    pub async fn triage(&self, id: &SubmissionId) -> Result<TriageReport, AppError> {
        let policy = self.dir().policy()?;
        self.submission(id).await?;
        let summary = self.repo().document_summary(id).await?;
        let documents = summary.documents();
        let verdicts = self.repo().verdict_counts(id).await?;
        let verified_documents: u64 = verdicts.values().sum();
        let mut missing = Vec::new();
        if documents == 0 {
            missing.push(Missing::Ingest);
        }
        if verified_documents == 0 {
            missing.push(Missing::Verification);
        }
        let registered = !self.repo().published_corpora().await?.is_empty();
        let novel_share = if registered && documents > 0 {
            let summary = self.overlap_recorded(id, |_| {}).await?;
            policy
                .thresholds
                .novel_share_by
                .pick(summary.novel_share_words, summary.novel_share_count)
        } else {
            missing.push(Missing::Overlap);
            0.0
        };
        let share = |verdict: &str| match verdicts.get(verdict) {
            Some(&count) => count as f64 / verified_documents as f64,
            None => 0.0,
        };
        // Texts are read pack by pack and only the entity tally is kept,
        // so triage's memory does not grow with the submission.
        let extractor = Extractor::new(&self.dir().gazetteer()?, &policy.watch_list)?;
        let opener = self.opener()?;
        let mut tally = EntityTally::default();
        let mut texts = DocumentTexts::new(self.repo(), &opener, id).await?;
        // Each document's names are kept for the desk's lists and entity
        // pages, written batch by batch.
        self.repo().clear_entity_facts(id).await?;
        while let Some(batch) = texts.next_batch().await? {
            let mut entity_facts = Vec::with_capacity(batch.len());
            for (doc, text) in batch {
                let found = extractor.extract_document(&text, &doc.doc_type, &doc.metadata);
                entity_facts.push(entity_fact(&doc.id, &found));
                tally.add(found);
            }
            self.repo().add_entity_facts(id, &entity_facts).await?;
        }
        self.relist(id).await?;
        let facts = SubmissionFacts {
            documents,
            doc_types: summary.by_type,
            novel_share,
            novel_share_by: policy.thresholds.novel_share_by,
            verified_share: share("verified"),
            consistent_share: share("consistent"),
        };
        let significance = tally.significance(&facts);
        let case = Case::new(&facts, share("suspicious"), significance.score, missing);
        let proposal = policy.propose(&case);
        let report = TriageReport {
            submission: *id,
            policy: policy.id(),
            case,
            significance,
            proposal,
        };
        self.repo()
            .put_triage(&TriageRecord {
                submission: *id,
                day: Day::today(),
                policy: report.policy.clone(),
                significance: report.significance.score,
                proposal: report.proposal.outcome,
                report: serde_json::to_value(&report).expect("a triage report serializes"),
            })
            .await?;
        Ok(report)
    }

    /// The stored triage of a submission, if it has one.
    pub async fn triage_report(&self, id: &SubmissionId) -> Result<Option<TriageReport>, AppError> {
        match self.repo().triage(id).await? {
            None => Ok(None),
            Some(record) => serde_json::from_value(record.report)
                .map(Some)
                .map_err(|e| AppError::DamagedTriage(id.to_string(), e.to_string())),
        }
    }

    /// Every decision on a submission, oldest first; the last one stands.
    pub async fn decisions(&self, id: &SubmissionId) -> Result<Vec<DecisionRecord>, AppError> {
        Ok(self.repo().decisions(id).await?)
    }

    /// Records an editor's decision: checked against the proposal (a
    /// rejection needs codes, an acceptance takes none, an override needs
    /// a written reason, a deferral without codes defers for what the
    /// proposal named), signed with the editor's key and appended to the
    /// log. A later decision supersedes an earlier one; both stay in the log.
    pub async fn decide(&self, id: &SubmissionId, decision: Decision) -> Result<DecisionReport, AppError> {
        let policy = self.dir().policy()?;
        let triage = self
            .triage_report(id)
            .await?
            .ok_or_else(|| AppError::NotTriaged(id.to_string()))?;
        if triage.policy != policy.id() {
            return Err(AppError::PolicyChanged {
                id: id.to_string(),
                then: triage.policy[..12].to_owned(),
                now: policy.id()[..12].to_owned(),
            });
        }
        if let Some(code) = decision.reasons.iter().find(|code| !policy.knows(code)) {
            return Err(AppError::UnknownCode(code.clone()));
        }
        match decision.outcome {
            Outcome::Reject if decision.reasons.is_empty() => return Err(AppError::RejectWithoutCode),
            Outcome::Accept if !decision.reasons.is_empty() => return Err(AppError::AcceptWithCodes),
            _ => {}
        }
        let proposed_outcome = triage.proposal.outcome;
        let proposed = triage.proposed_codes();
        let overrides = proposed_outcome != decision.outcome
            || (decision.outcome != Outcome::Defer && sorted(&proposed) != sorted(&decision.reasons));
        let note = decision.note.filter(|n| !n.trim().is_empty());
        if overrides && note.is_none() {
            return Err(AppError::OverrideWithoutNote {
                outcome: proposed_outcome.to_string(),
                codes: proposed.join(" "),
            });
        }
        let reasons = match decision.outcome {
            Outcome::Defer if decision.reasons.is_empty() => proposed,
            _ => decision.reasons,
        };
        let role = StatementRole::Editor(decision.editor.clone());
        let key_id = self
            .dir()
            .keyring()
            .verifier_key(&role)
            .map_err(|_| AppError::NoEditorKey(decision.editor.clone()))?;
        let statement = Statement::Decision {
            submission: *id,
            outcome: decision.outcome,
            reasons: reasons.clone(),
            policy: policy.sha256,
            editor: hex::encode(key_id.id()),
            facts: Some(decision_facts(&triage, &policy, overrides)),
        };
        // A decision cut short by a crash is finished first; the same
        // decision again is the one already made, not a second entry.
        self.finish_pending_decision(id).await?;
        let earlier = self.repo().decisions(id).await?;
        let mut record = DecisionRecord {
            submission: *id,
            day: Day::today(),
            outcome: decision.outcome,
            reasons,
            proposed: proposed_outcome,
            note,
            editor: decision.editor,
            policy: policy.id(),
            log_index: 0,
        };
        if let Some(last) = earlier.last()
            && same_decision(last, &record)
        {
            return Ok(DecisionReport {
                decision: last.clone(),
                supersedes: earlier.len() - 1,
            });
        }
        let ledger = self.dir().ledger();
        let entry = ledger.sign(&statement, &role)?;
        let pending = PendingDecision {
            log_size: ledger.checkpoint()?.checkpoint.size,
            entry: hex::encode(&entry),
            record: record.clone(),
        };
        let journal = self.pending_decision_path(id);
        let folder = journal.parent().expect("the journal is in a folder");
        std::fs::create_dir_all(folder).map_err(AppError::io(folder))?;
        let text = serde_json::to_string(&pending).expect("a pending decision serializes");
        trove_keys::write_secret(&journal, &text)?;
        record.log_index = ledger.append_signed(entry)?;
        self.repo().add_decision(&record).await?;
        std::fs::remove_file(&journal).map_err(AppError::io(&journal))?;
        Ok(DecisionReport {
            decision: record,
            supersedes: earlier.len(),
        })
    }

    fn pending_decision_path(&self, id: &SubmissionId) -> std::path::PathBuf {
        self.dir().root.join("decisions-pending").join(format!("{id}.json"))
    }

    /// Finishes a decision whose process was stopped between its journal
    /// and its database row: if the log holds its entry, the row is
    /// recorded with that index; if not, it was never made. Either way the
    /// journal goes.
    async fn finish_pending_decision(&self, id: &SubmissionId) -> Result<(), AppError> {
        let journal = self.pending_decision_path(id);
        let text = match std::fs::read(&journal) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(AppError::io(&journal)(e)),
        };
        // A journal cut short was never followed by an append.
        if let Ok(pending) = serde_json::from_slice::<PendingDecision>(&text)
            && let Ok(entry) = hex::decode(&pending.entry)
            && let Some(index) = self.dir().ledger().find_entry(&entry, pending.log_size)?
            && !self.repo().decisions(id).await?.iter().any(|d| d.log_index == index)
        {
            let record = DecisionRecord {
                log_index: index,
                ..pending.record
            };
            self.repo().add_decision(&record).await?;
        }
        std::fs::remove_file(&journal).map_err(AppError::io(&journal))
    }
}

/// A decision between its signature and its database row: the log's size
/// before it, its signed entry (hex), and the row to record.
#[derive(serde::Serialize, serde::Deserialize)]
struct PendingDecision {
    log_size: u64,
    entry: String,
    record: DecisionRecord,
}

/// The same decision by the same editor under the same policy (its day and
/// log index aside).
fn same_decision(a: &DecisionRecord, b: &DecisionRecord) -> bool {
    (a.outcome, &a.reasons, &a.note, &a.editor, &a.policy) == (b.outcome, &b.reasons, &b.note, &b.editor, &b.policy)
}

/// A share as whole percent.
fn percent(share: f64) -> u8 {
    (share.clamp(0.0, 1.0) * 100.0).round() as u8
}

/// What the policy saw, for the decision's statement.
fn decision_facts(
    triage: &TriageReport,
    policy: &trove_triage::Policy,
    overridden: bool,
) -> trove_ledger::statement::DecisionFacts {
    let case = &triage.case;
    let t = &policy.thresholds;
    trove_ledger::statement::DecisionFacts {
        day: Day::today(),
        authentic: percent(case.authentic_share),
        novel: percent(case.novel_share),
        suspicious: percent(case.suspicious_share),
        significance: case.significance.min(100) as u8,
        min_authentic: percent(t.min_authentic_share),
        min_novel: percent(t.min_novel_share),
        min_significance: t.min_significance.min(100) as u8,
        max_suspicious: percent(t.max_suspicious_share),
        proposed: triage.proposal.outcome,
        overridden,
    }
}

/// The entities the desk lists a document by (people, organisations,
/// places, addresses) and its own significance.
fn entity_fact(document: &str, found: &trove_triage::DocumentEntities) -> EntityFact {
    let listed = [
        (EntityKind::Person, "person"),
        (EntityKind::Organisation, "organisation"),
        (EntityKind::Place, "place"),
        (EntityKind::Email, "email"),
    ];
    let mut entities = Vec::new();
    for (kind, name) in listed {
        for value in found.entities.get(&kind).into_iter().flatten() {
            entities.push((name.to_owned(), value.clone()));
        }
    }
    EntityFact {
        document_id: document.to_owned(),
        significance: found.significance(),
        entities,
    }
}

//! Triage results and editors' decisions (desk side).

use std::future::Future;

use sqlx::Row;

use crate::repo::db_err;
use crate::{Day, Outcome, SqlRepo, StoreError, SubmissionId};

/// The latest triage of a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRecord {
    pub submission: SubmissionId,
    pub day: Day,
    /// The SHA-256 (hex) of the policy the proposal was made under.
    pub policy: String,
    pub significance: u32,
    pub proposal: Outcome,
    /// The whole report, whose type belongs to triage (a later stage): the
    /// store keeps it as JSON and never looks inside.
    pub report: serde_json::Value,
}

/// One signed decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecisionRecord {
    pub submission: SubmissionId,
    pub day: Day,
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    /// What the policy proposed when the editor decided.
    pub proposed: Outcome,
    pub note: Option<String>,
    pub editor: String,
    pub policy: String,
    pub log_index: u64,
}

/// What a source, and so an intake, is told of a decision: the outcome and
/// its reason codes, and where it stands in the public log. Never the
/// editor's name, note or proposal: a seized intake must not learn who
/// decided or why in the desk's words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDecision {
    pub submission: SubmissionId,
    pub day: Day,
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    pub log_index: u64,
}

impl DecisionRecord {
    /// The part of this decision a source may be told.
    pub fn for_source(&self) -> SourceDecision {
        SourceDecision {
            submission: self.submission,
            day: self.day,
            outcome: self.outcome,
            reasons: self.reasons.clone(),
            log_index: self.log_index,
        }
    }
}

/// Triage results and editors' decisions.
pub trait DecisionRepo: Send + Sync {
    fn put_triage(&self, triage: &TriageRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn triage(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<Option<TriageRecord>, StoreError>> + Send;

    fn add_decision(&self, decision: &DecisionRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a decision made elsewhere (the desk's, delivered to a
    /// separate intake), unless it is here already or its submission is
    /// not (retention removed it). True if it was recorded.
    fn import_decision(&self, decision: &SourceDecision) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every decision on submissions that came through an intake: what a
    /// separate intake is told, so its sources see the outcome.
    fn intake_decisions(&self) -> impl Future<Output = Result<Vec<DecisionRecord>, StoreError>> + Send;

    /// Every decision on a submission, oldest first; the last one stands.
    fn decisions(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<Vec<DecisionRecord>, StoreError>> + Send;
}

impl DecisionRepo for SqlRepo {
    async fn put_triage(&self, triage: &TriageRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO triage (submission_id, day, policy, significance, proposal, report) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (submission_id) DO UPDATE SET day = excluded.day, policy = excluded.policy,
               significance = excluded.significance, proposal = excluded.proposal, report = excluded.report",
        )
        .bind(triage.submission.to_string())
        .bind(triage.day.to_string())
        .bind(&triage.policy)
        .bind(triage.significance as i64)
        .bind(triage.proposal.as_str())
        .bind(triage.report.to_string())
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording the triage of {}", triage.submission)))?;
        Ok(())
    }

    async fn triage(&self, submission: &SubmissionId) -> Result<Option<TriageRecord>, StoreError> {
        let row =
            sqlx::query("SELECT day, policy, significance, proposal, report FROM triage WHERE submission_id = $1")
                .bind(submission.to_string())
                .fetch_optional(self.pool())
                .await
                .map_err(db_err(format!("reading the triage of {submission}")))?;
        let Some(row) = row else { return Ok(None) };
        let damaged = |field: &str| StoreError::Damaged {
            what: format!("the triage of {submission}"),
            field: field.to_owned(),
        };
        Ok(Some(TriageRecord {
            submission: *submission,
            day: row.get::<&str, _>(0).parse().map_err(|_| damaged("day"))?,
            policy: row.get(1),
            significance: row.get::<i64, _>(2) as u32,
            proposal: row.get::<&str, _>(3).parse().map_err(|_| damaged("proposal"))?,
            report: serde_json::from_str(row.get::<&str, _>(4)).map_err(|_| damaged("report"))?,
        }))
    }

    async fn add_decision(&self, decision: &DecisionRecord) -> Result<(), StoreError> {
        let sql =
            "INSERT INTO decisions (submission_id, day, outcome, reasons, proposed, note, editor, policy, log_index)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        self.insert_decision(sql, decision, "recording").await.map(|_| ())
    }

    /// Records a decision made elsewhere (the desk's, delivered to a
    /// separate intake), unless it is here already or its submission is
    /// not (retention removed it). True if it was recorded.
    async fn import_decision(&self, decision: &SourceDecision) -> Result<bool, StoreError> {
        // An intake keeps no editor, note or policy: the row says only
        // what the source sees (its proposal is recorded as the outcome).
        let sql =
            "INSERT INTO decisions (submission_id, day, outcome, reasons, proposed, note, editor, policy, log_index)
             SELECT $1, $2, $3, $4, $3, NULL, '', '', $5
             WHERE EXISTS (SELECT 1 FROM submissions WHERE id = $1)
               AND NOT EXISTS (SELECT 1 FROM decisions WHERE submission_id = $1 AND log_index = $5)";
        let done = sqlx::query(sql)
            .bind(decision.submission.to_string())
            .bind(decision.day.to_string())
            .bind(decision.outcome.as_str())
            .bind(serde_json::to_string(&decision.reasons).expect("strings serialize"))
            .bind(decision.log_index as i64)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("importing a decision on {}", decision.submission)))?;
        Ok(done.rows_affected() == 1)
    }

    /// Every decision on submissions that came through an intake: what a
    /// separate intake is told, so its sources see the outcome.
    async fn intake_decisions(&self) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.submission_id FROM decisions d JOIN submissions s ON s.id = d.submission_id
             WHERE s.channel = 'intake' GROUP BY d.submission_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing decisions on intake submissions"))?;
        let mut out = Vec::new();
        for row in &rows {
            let id: SubmissionId = row.get::<&str, _>(0).parse()?;
            out.extend(self.decisions(&id).await?);
        }
        Ok(out)
    }

    /// Every decision on a submission, oldest first; the last one stands.
    async fn decisions(&self, submission: &SubmissionId) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT submission_id, day, outcome, reasons, proposed, note, editor, policy, log_index
             FROM decisions WHERE submission_id = $1 ORDER BY seq",
        )
        .bind(submission.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("reading the decisions on {submission}")))?;
        let damaged = |field: &str| StoreError::Damaged {
            what: format!("a decision on {submission}"),
            field: field.to_owned(),
        };
        rows.iter()
            .map(|row| {
                Ok(DecisionRecord {
                    submission: *submission,
                    day: row.get::<&str, _>(1).parse().map_err(|_| damaged("day"))?,
                    outcome: row.get::<&str, _>(2).parse().map_err(|_| damaged("outcome"))?,
                    reasons: serde_json::from_str(row.get::<&str, _>(3)).map_err(|_| damaged("reasons"))?,
                    proposed: row.get::<&str, _>(4).parse().map_err(|_| damaged("proposed"))?,
                    note: row.get(5),
                    editor: row.get(6),
                    policy: row.get(7),
                    log_index: row.get::<i64, _>(8) as u64,
                })
            })
            .collect()
    }
}

impl SqlRepo {
    /// Runs one of the inserts above (parameters ?1…?9 in column order);
    /// the rows it added.
    async fn insert_decision(
        &self,
        sql: &'static str,
        decision: &DecisionRecord,
        doing: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(sql)
            .bind(decision.submission.to_string())
            .bind(decision.day.to_string())
            .bind(decision.outcome.as_str())
            .bind(serde_json::to_string(&decision.reasons).expect("strings serialize"))
            .bind(decision.proposed.as_str())
            .bind(&decision.note)
            .bind(&decision.editor)
            .bind(&decision.policy)
            .bind(decision.log_index as i64)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("{doing} a decision on {}", decision.submission)))?;
        Ok(done.rows_affected())
    }
}

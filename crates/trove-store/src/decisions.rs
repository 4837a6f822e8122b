//! Triage results and editors' decisions (desk side).

use sqlx::Row;

use crate::repo::db_err;
use crate::{SqliteRepo, StoreError, SubmissionId};

/// The latest triage of a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRecord {
    pub submission: SubmissionId,
    pub day: String,
    pub policy: String,
    pub significance: u32,
    pub proposal: String,
    pub report: serde_json::Value,
}

/// One signed decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecisionRecord {
    pub submission: String,
    pub day: String,
    pub outcome: String,
    pub reasons: Vec<String>,
    pub proposed: String,
    pub note: Option<String>,
    pub editor: String,
    pub policy: String,
    pub log_index: u64,
}

impl SqliteRepo {
    pub async fn put_triage(&self, triage: &TriageRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO triage (submission_id, day, policy, significance, proposal, report) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (submission_id) DO UPDATE SET day = excluded.day, policy = excluded.policy,
               significance = excluded.significance, proposal = excluded.proposal, report = excluded.report",
        )
        .bind(triage.submission.to_string())
        .bind(&triage.day)
        .bind(&triage.policy)
        .bind(triage.significance as i64)
        .bind(&triage.proposal)
        .bind(triage.report.to_string())
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording the triage of {}", triage.submission)))?;
        Ok(())
    }

    pub async fn triage(&self, submission: &SubmissionId) -> Result<Option<TriageRecord>, StoreError> {
        let row = sqlx::query("SELECT day, policy, significance, proposal, report FROM triage WHERE submission_id = ?")
            .bind(submission.to_string())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err(format!("reading the triage of {submission}")))?;
        Ok(row.map(|row| TriageRecord {
            submission: *submission,
            day: row.get(0),
            policy: row.get(1),
            significance: row.get::<i64, _>(2) as u32,
            proposal: row.get(3),
            report: serde_json::from_str(row.get::<&str, _>(4)).unwrap_or_default(),
        }))
    }

    pub async fn add_decision(&self, decision: &DecisionRecord) -> Result<(), StoreError> {
        let sql =
            "INSERT INTO decisions (submission_id, day, outcome, reasons, proposed, note, editor, policy, log_index)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
        self.insert_decision(sql, decision, "recording").await.map(|_| ())
    }

    /// Records a decision made elsewhere (the desk's, delivered to a
    /// separate intake), unless it is here already or its submission is
    /// not (retention removed it). True if it was recorded.
    pub async fn import_decision(&self, decision: &DecisionRecord) -> Result<bool, StoreError> {
        let sql =
            "INSERT INTO decisions (submission_id, day, outcome, reasons, proposed, note, editor, policy, log_index)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
             WHERE EXISTS (SELECT 1 FROM submissions WHERE id = ?1)
               AND NOT EXISTS (SELECT 1 FROM decisions WHERE submission_id = ?1 AND log_index = ?9)";
        Ok(self.insert_decision(sql, decision, "importing").await? == 1)
    }

    /// Runs one of the inserts above (parameters ?1…?9 in column order);
    /// the rows it added.
    async fn insert_decision(
        &self,
        sql: &'static str,
        decision: &DecisionRecord,
        doing: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(sql)
            .bind(&decision.submission)
            .bind(&decision.day)
            .bind(&decision.outcome)
            .bind(serde_json::to_string(&decision.reasons).expect("strings serialize"))
            .bind(&decision.proposed)
            .bind(&decision.note)
            .bind(&decision.editor)
            .bind(&decision.policy)
            .bind(decision.log_index as i64)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("{doing} a decision on {}", decision.submission)))?;
        Ok(done.rows_affected())
    }

    /// Every decision on submissions that came through an intake: what a
    /// separate intake is told, so its sources see the outcome.
    pub async fn intake_decisions(&self) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.submission_id FROM decisions d JOIN submissions s ON s.id = d.submission_id
             WHERE s.channel = 'intake' GROUP BY d.submission_id",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing decisions on intake submissions"))?;
        let mut out = Vec::new();
        for row in &rows {
            out.extend(self.decisions(row.get::<&str, _>(0)).await?);
        }
        Ok(out)
    }

    /// Every decision on a submission, oldest first; the last one stands.
    pub async fn decisions(&self, submission: &str) -> Result<Vec<DecisionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT submission_id, day, outcome, reasons, proposed, note, editor, policy, log_index
             FROM decisions WHERE submission_id = ? ORDER BY seq",
        )
        .bind(submission)
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("reading the decisions on {submission}")))?;
        Ok(rows
            .iter()
            .map(|row| DecisionRecord {
                submission: row.get(0),
                day: row.get(1),
                outcome: row.get(2),
                reasons: serde_json::from_str(row.get::<&str, _>(3)).unwrap_or_default(),
                proposed: row.get(4),
                note: row.get(5),
                editor: row.get(6),
                policy: row.get(7),
                log_index: row.get::<i64, _>(8) as u64,
            })
            .collect())
    }
}

//! The DKIM key archive and stored verification results (desk side).

use std::future::Future;

use sqlx::Row;

use crate::repo::{db_err, fetch_in};
use crate::{SqlRepo, StoreError, SubmissionId};

/// A DKIM key record as seen at `selector._domainkey.domain`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArchivedKey {
    pub selector: String,
    pub domain: String,
    pub record: String,
    /// When the record was first and last seen published (YYYY-MM-DD).
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Where it came from: a file name, or `dns`.
    pub source: String,
}

/// One document's stored verification.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationRecord {
    pub document_id: String,
    pub verdict: String,
    pub evidence: serde_json::Value,
}

/// The DKIM key archive and the verification results of documents.
pub trait VerificationRepo: Send + Sync {
    /// Adds keys to the archive; a record already there (same selector,
    /// domain and record) keeps its row, widened to the new seen dates.
    /// Returns how many records were new.
    fn add_dkim_keys(&self, keys: &[ArchivedKey]) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Every archived key, by domain and selector.
    fn dkim_keys(&self) -> impl Future<Output = Result<Vec<ArchivedKey>, StoreError>> + Send;

    /// Forgets a submission's stored verification (a new run starts).
    fn clear_verifications(&self, submission: &SubmissionId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds to a submission's stored verification (one transaction),
    /// replacing a document's earlier row; a record of a document that is
    /// not in the database is left out.
    fn add_verifications(
        &self,
        submission: &SubmissionId,
        records: &[VerificationRecord],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The stored verification of these documents of a submission.
    fn verifications_of(
        &self,
        submission: &SubmissionId,
        ids: &[&str],
    ) -> impl Future<Output = Result<std::collections::HashMap<String, VerificationRecord>, StoreError>> + Send;

    /// How many of a submission's documents have each verdict.
    fn verdict_counts(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<std::collections::BTreeMap<String, u64>, StoreError>> + Send;

    /// The stored verification of a submission's documents.
    fn verifications(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<Vec<VerificationRecord>, StoreError>> + Send;
}

impl VerificationRepo for SqlRepo {
    /// Adds keys to the archive; a record already there (same selector,
    /// domain and record) keeps its row, widened to the new seen dates.
    /// Returns how many records were new.
    async fn add_dkim_keys(&self, keys: &[ArchivedKey]) -> Result<usize, StoreError> {
        let mut tx = self.pool().begin().await.map_err(db_err("adding DKIM keys"))?;
        let count = "SELECT count(*) FROM dkim_keys";
        let before: i64 = sqlx::query_scalar(count)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err("counting DKIM keys"))?;
        for key in keys {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO dkim_keys AS k (selector, domain, record, first_seen, last_seen, source) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (selector, domain, record) DO UPDATE SET
                   first_seen = {least}(coalesce(k.first_seen, excluded.first_seen), coalesce(excluded.first_seen, k.first_seen)),
                   last_seen = {greatest}(coalesce(k.last_seen, excluded.last_seen), coalesce(excluded.last_seen, k.last_seen))",
                least = self.dialect().least(),
                greatest = self.dialect().greatest(),
            )))
            .bind(&key.selector)
            .bind(&key.domain)
            .bind(&key.record)
            .bind(&key.first_seen)
            .bind(&key.last_seen)
            .bind(&key.source)
            .execute(&mut *tx)
            .await
            .map_err(db_err(format!("adding the key {}._domainkey.{}", key.selector, key.domain)))?;
        }
        let after: i64 = sqlx::query_scalar(count)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err("counting DKIM keys"))?;
        tx.commit().await.map_err(db_err("adding DKIM keys"))?;
        Ok((after - before) as usize)
    }

    /// Every archived key, by domain and selector.
    async fn dkim_keys(&self) -> Result<Vec<ArchivedKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT selector, domain, record, first_seen, last_seen, source FROM dkim_keys ORDER BY domain, selector, first_seen NULLS FIRST",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing DKIM keys"))?;
        Ok(rows
            .iter()
            .map(|row| ArchivedKey {
                selector: row.get(0),
                domain: row.get(1),
                record: row.get(2),
                first_seen: row.get(3),
                last_seen: row.get(4),
                source: row.get(5),
            })
            .collect())
    }

    async fn clear_verifications(&self, submission: &SubmissionId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM verifications WHERE submission_id = $1")
            .bind(submission.to_string())
            .execute(self.pool())
            .await
            .map_err(db_err(format!("clearing the verification of {submission}")))?;
        Ok(())
    }

    async fn add_verifications(
        &self,
        submission: &SubmissionId,
        records: &[VerificationRecord],
    ) -> Result<(), StoreError> {
        let context = format!("storing the verification of {submission}");
        let mut tx = self.pool().begin().await.map_err(db_err(context.clone()))?;
        for record in records {
            sqlx::query(
                "INSERT INTO verifications (document_id, submission_id, verdict, evidence)
                 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM documents WHERE id = $5)
                 ON CONFLICT (document_id) DO UPDATE SET submission_id = excluded.submission_id,
                   verdict = excluded.verdict, evidence = excluded.evidence",
            )
            .bind(&record.document_id)
            .bind(submission.to_string())
            .bind(&record.verdict)
            .bind(record.evidence.to_string())
            .bind(&record.document_id)
            .execute(&mut *tx)
            .await
            .map_err(db_err(context.clone()))?;
        }
        tx.commit().await.map_err(db_err(context))
    }

    async fn verifications_of(
        &self,
        submission: &SubmissionId,
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, VerificationRecord>, StoreError> {
        // `+submission_id` keeps SQLite from the by-submission index (a
        // scan of the whole submission per chunk): the ids are primary keys.
        let sql = format!(
            "SELECT document_id, verdict, evidence FROM verifications WHERE {} = $1 AND document_id IN ({{ids}})",
            self.dialect().unindexed("submission_id")
        );
        let context = format!("reading the verification of {submission}");
        let rows = fetch_in(self.pool(), &sql, &[submission.to_string()], ids, &context).await?;
        let mut found = std::collections::HashMap::new();
        for row in &rows {
            let record = VerificationRecord {
                document_id: row.get(0),
                verdict: row.get(1),
                evidence: serde_json::from_str(row.get::<&str, _>(2)).unwrap_or_default(),
            };
            found.insert(record.document_id.clone(), record);
        }
        Ok(found)
    }

    async fn verdict_counts(
        &self,
        submission: &SubmissionId,
    ) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
        let rows = sqlx::query("SELECT verdict, COUNT(*) FROM verifications WHERE submission_id = $1 GROUP BY verdict")
            .bind(submission.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("counting the verdicts of {submission}")))?;
        Ok(rows
            .iter()
            .map(|row| (row.get::<String, _>(0), row.get::<i64, _>(1) as u64))
            .collect())
    }

    /// The stored verification of a submission's documents.
    async fn verifications(&self, submission: &SubmissionId) -> Result<Vec<VerificationRecord>, StoreError> {
        let rows = sqlx::query("SELECT document_id, verdict, evidence FROM verifications WHERE submission_id = $1")
            .bind(submission.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("reading the verification of {submission}")))?;
        Ok(rows
            .iter()
            .map(|row| VerificationRecord {
                document_id: row.get(0),
                verdict: row.get(1),
                evidence: serde_json::from_str(row.get::<&str, _>(2)).unwrap_or_default(),
            })
            .collect())
    }
}

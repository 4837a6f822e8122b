//! Releases, what they hold back, and their redactions (desk side). The
//! rules (who may confirm what, what a release may contain) belong to the
//! operations layer; this is only where they are kept.

use std::future::Future;

use sqlx::Row;

use crate::repo::db_err;
use crate::{Day, SqlRepo, StoreError, SubmissionId};

/// Where a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    /// Being built: documents can be held back and redactions reviewed.
    Draft,
    /// Its statement is signed and may be in the log; publishing finishes
    /// it, whatever stopped it.
    Publishing,
    /// Signed, logged and sealed into its folder: it never changes again.
    Published,
}

impl ReleaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Draft => "draft",
            ReleaseState::Publishing => "publishing",
            ReleaseState::Published => "published",
        }
    }

    fn parse(text: &str) -> Option<ReleaseState> {
        [ReleaseState::Draft, ReleaseState::Publishing, ReleaseState::Published]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A release row. Its `secret` salts the manifest's commitments and is
/// never shown (`Debug` leaves it out).
#[derive(Clone, PartialEq, Eq)]
pub struct ReleaseRecord {
    /// 32 hex digits.
    pub id: String,
    pub submission: SubmissionId,
    pub created_day: Day,
    pub created_by: String,
    pub secret: [u8; 32],
    pub state: ReleaseState,
    pub entry: Option<Vec<u8>>,
    pub log_size_before: Option<u64>,
    pub log_index: Option<u64>,
    pub root: Option<String>,
    pub folder: Option<String>,
}

impl std::fmt::Debug for ReleaseRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseRecord")
            .field("id", &self.id)
            .field("submission", &self.submission)
            .field("state", &self.state)
            .field("log_index", &self.log_index)
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// A document held back from a release.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WithheldRow {
    pub document: String,
    pub reason: String,
    pub note: Option<String>,
    pub by: String,
}

/// Where a redaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedactionState {
    Proposed,
    Confirmed,
    Rejected,
}

impl RedactionState {
    pub fn as_str(self) -> &'static str {
        match self {
            RedactionState::Proposed => "proposed",
            RedactionState::Confirmed => "confirmed",
            RedactionState::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Option<RedactionState> {
        [
            RedactionState::Proposed,
            RedactionState::Confirmed,
            RedactionState::Rejected,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A redaction: a byte span of a document's rendered text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RedactionRow {
    pub id: u64,
    pub document: String,
    pub start: u64,
    pub end: u64,
    pub kind: String,
    pub state: RedactionState,
    pub proposed_by: String,
    pub reviewed_by: Option<String>,
}

/// A span to propose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRedaction {
    pub start: u64,
    pub end: u64,
    pub kind: String,
}

/// Releases, their held-back documents and their redactions.
pub trait ReleaseRepo: Send + Sync {
    fn insert_release(&self, release: &ReleaseRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn release(&self, id: &str) -> impl Future<Output = Result<Option<ReleaseRecord>, StoreError>> + Send;

    /// Every release, or a submission's, oldest first.
    fn releases(
        &self,
        submission: Option<&SubmissionId>,
    ) -> impl Future<Output = Result<Vec<ReleaseRecord>, StoreError>> + Send;

    /// Holds a document back (or changes its reason).
    fn withhold(&self, release: &str, row: &WithheldRow) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Puts a held-back document back in; true if it was held back.
    fn include(&self, release: &str, document: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn withheld(&self, release: &str) -> impl Future<Output = Result<Vec<WithheldRow>, StoreError>> + Send;

    /// Adds proposed spans to a document, skipping spans it already has;
    /// how many were new.
    fn propose_redactions(
        &self,
        release: &str,
        document: &str,
        spans: &[NewRedaction],
        by: &str,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// A release's redactions (one document's, if given), by document and
    /// start.
    fn redactions(
        &self,
        release: &str,
        document: Option<&str>,
    ) -> impl Future<Output = Result<Vec<RedactionRow>, StoreError>> + Send;

    /// Sets a redaction's state and reviewer; false if the release has no
    /// such redaction.
    fn review_redaction(
        &self,
        release: &str,
        id: u64,
        state: RedactionState,
        reviewer: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records the signed statement of a release about to be appended.
    fn begin_publishing(
        &self,
        release: &str,
        entry: &[u8],
        log_size_before: u64,
        root: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records where the statement is in the log and the sealed folder.
    fn finish_publishing(
        &self,
        release: &str,
        log_index: u64,
        folder: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

const RELEASE_COLUMNS: &str =
    "id, submission_id, created_day, created_by, secret, state, entry, log_size_before, log_index, root, folder";

fn release_from_row(row: &sqlx::any::AnyRow) -> Result<ReleaseRecord, StoreError> {
    let id: String = row.get("id");
    let damaged = |field: &str| StoreError::Damaged {
        what: format!("release {id}"),
        field: field.to_owned(),
    };
    let secret: Vec<u8> = row.get("secret");
    Ok(ReleaseRecord {
        submission: row
            .get::<String, _>("submission_id")
            .parse()
            .map_err(|_| damaged("submission"))?,
        created_day: row
            .get::<String, _>("created_day")
            .parse()
            .map_err(|_| damaged("day"))?,
        created_by: row.get("created_by"),
        secret: secret.try_into().map_err(|_| damaged("secret"))?,
        state: ReleaseState::parse(&row.get::<String, _>("state")).ok_or_else(|| damaged("state"))?,
        entry: row.get("entry"),
        log_size_before: row.get::<Option<i64>, _>("log_size_before").map(|n| n as u64),
        log_index: row.get::<Option<i64>, _>("log_index").map(|n| n as u64),
        root: row.get("root"),
        folder: row.get("folder"),
        id,
    })
}

impl ReleaseRepo for SqlRepo {
    async fn insert_release(&self, release: &ReleaseRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO releases (id, submission_id, created_day, created_by, secret, state) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&release.id)
        .bind(release.submission.to_string())
        .bind(release.created_day.to_string())
        .bind(&release.created_by)
        .bind(release.secret.as_slice())
        .bind(release.state.as_str())
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording release {}", release.id)))?;
        Ok(())
    }

    async fn release(&self, id: &str) -> Result<Option<ReleaseRecord>, StoreError> {
        let sql = format!("SELECT {RELEASE_COLUMNS} FROM releases WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err(format!("reading release {id}")))?;
        row.as_ref().map(release_from_row).transpose()
    }

    async fn releases(&self, submission: Option<&SubmissionId>) -> Result<Vec<ReleaseRecord>, StoreError> {
        let sql =
            format!("SELECT {RELEASE_COLUMNS} FROM releases WHERE $1 IS NULL OR submission_id = $1 ORDER BY rowid");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(submission.map(|s| s.to_string()))
            .fetch_all(self.pool())
            .await
            .map_err(db_err("listing releases"))?;
        rows.iter().map(release_from_row).collect()
    }

    async fn withhold(&self, release: &str, row: &WithheldRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO release_withheld (release_id, document_id, reason, note, by_user) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (release_id, document_id) DO UPDATE SET reason = excluded.reason, note = excluded.note,
               by_user = excluded.by_user",
        )
        .bind(release)
        .bind(&row.document)
        .bind(&row.reason)
        .bind(&row.note)
        .bind(&row.by)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("holding back {} from release {release}", row.document)))?;
        Ok(())
    }

    async fn include(&self, release: &str, document: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM release_withheld WHERE release_id = $1 AND document_id = $2")
            .bind(release)
            .bind(document)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("putting {document} back in release {release}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn withheld(&self, release: &str) -> Result<Vec<WithheldRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT document_id, reason, note, by_user FROM release_withheld WHERE release_id = $1 ORDER BY document_id",
        )
        .bind(release)
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("reading what release {release} holds back")))?;
        Ok(rows
            .iter()
            .map(|row| WithheldRow {
                document: row.get("document_id"),
                reason: row.get("reason"),
                note: row.get("note"),
                by: row.get("by_user"),
            })
            .collect())
    }

    async fn propose_redactions(
        &self,
        release: &str,
        document: &str,
        spans: &[NewRedaction],
        by: &str,
    ) -> Result<u64, StoreError> {
        let context = format!("proposing redactions of {document} in release {release}");
        let mut tx = self.pool().begin().await.map_err(db_err(&context))?;
        let mut added = 0;
        for span in spans {
            let done = sqlx::query(
                "INSERT INTO redactions (release_id, document_id, span_start, span_end, kind, state, proposed_by)
                 VALUES ($1, $2, $3, $4, $5, 'proposed', $6)
                 ON CONFLICT DO NOTHING",
            )
            .bind(release)
            .bind(document)
            .bind(span.start as i64)
            .bind(span.end as i64)
            .bind(&span.kind)
            .bind(by)
            .execute(&mut *tx)
            .await
            .map_err(db_err(&context))?;
            added += done.rows_affected();
        }
        tx.commit().await.map_err(db_err(&context))?;
        Ok(added)
    }

    async fn redactions(&self, release: &str, document: Option<&str>) -> Result<Vec<RedactionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, document_id, span_start, span_end, kind, state, proposed_by, reviewed_by FROM redactions
             WHERE release_id = $1 AND ($2 IS NULL OR document_id = $2) ORDER BY document_id, span_start, id",
        )
        .bind(release)
        .bind(document)
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("reading the redactions of release {release}")))?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id");
                Ok(RedactionRow {
                    id: id as u64,
                    document: row.get("document_id"),
                    start: row.get::<i64, _>("span_start") as u64,
                    end: row.get::<i64, _>("span_end") as u64,
                    kind: row.get("kind"),
                    state: RedactionState::parse(&row.get::<String, _>("state")).ok_or_else(|| {
                        StoreError::Damaged {
                            what: format!("redaction {id}"),
                            field: "state".into(),
                        }
                    })?,
                    proposed_by: row.get("proposed_by"),
                    reviewed_by: row.get("reviewed_by"),
                })
            })
            .collect()
    }

    async fn review_redaction(
        &self,
        release: &str,
        id: u64,
        state: RedactionState,
        reviewer: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE redactions SET state = $1, reviewed_by = $2 WHERE release_id = $3 AND id = $4")
            .bind(state.as_str())
            .bind(reviewer)
            .bind(release)
            .bind(id as i64)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("reviewing redaction {id} of release {release}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn begin_publishing(
        &self,
        release: &str,
        entry: &[u8],
        log_size_before: u64,
        root: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE releases SET state = 'publishing', entry = $1, log_size_before = $2, root = $3 WHERE id = $4 AND state = 'draft'",
        )
        .bind(entry)
        .bind(log_size_before as i64)
        .bind(root)
        .bind(release)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("signing release {release}")))?;
        Ok(())
    }

    async fn finish_publishing(&self, release: &str, log_index: u64, folder: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE releases SET state = 'published', log_index = $1, folder = $2 WHERE id = $3")
            .bind(log_index as i64)
            .bind(folder)
            .bind(release)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("recording the publication of release {release}")))?;
        Ok(())
    }
}

//! The intake's records: sources, messages, uploads in progress, and what
//! the desk has confirmed it pulled. See `migrations/0005_intake.sql` for
//! why none of it says anything about plaintext.

use std::future::Future;
use std::str::FromStr;

use sqlx::Row;

use crate::repo::db_err;
use crate::{BlobId, SealedSubmission, SqlRepo, StoreError, SubmissionId};

/// A source: the Argon2id of its codename and its reply recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    pub id: String,
    pub reply_recipient: String,
    pub created_day: String,
    /// Ciphertext bytes held for the source, counted against its quota.
    pub stored_bytes: u64,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the source, sealed to the newsroom.
    Source,
    /// A reply from the newsroom, sealed to the source's reply recipient.
    Newsroom,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Source => "source",
            Direction::Newsroom => "newsroom",
        }
    }
}

/// A sealed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: String,
    pub source_id: String,
    pub direction: Direction,
    pub blob: BlobId,
    pub day: String,
}

/// A submission as its source sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSubmission {
    pub id: SubmissionId,
    pub day: String,
    /// The desk confirmed it pulled it (a separate intake).
    pub collected: bool,
    /// The standing decision: outcome and reason codes.
    pub decision: Option<(String, Vec<String>)>,
}

/// A resumable upload in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRecord {
    pub id: String,
    pub source_id: String,
    /// Proves the key in the upload URL; the key itself is never stored.
    pub key_check: String,
    /// The length the client declared.
    pub length: u64,
    /// The file name, encrypted under the upload key (hex).
    pub name_sealed: String,
    pub created_day: String,
}

/// One acknowledged part of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPart {
    pub ordinal: u32,
    pub blob: BlobId,
    /// Plaintext bytes in the part.
    pub size: u64,
    /// Ciphertext bytes stored for it.
    pub stored: u64,
    /// The part's BLAKE3, encrypted under the upload key (hex).
    pub hash_sealed: String,
}

/// The intake's records: sources, messages, uploads in progress, pull confirmations and retention.
pub trait IntakeRepo: Send + Sync {
    /// Records a new source. False if the id is already taken (a codename
    /// drawn twice, which at 90 bits does not happen, or a replay).
    fn add_source(&self, source: &SourceRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn source(&self, id: &str) -> impl Future<Output = Result<Option<SourceRecord>, StoreError>> + Send;

    /// Counts ciphertext stored for a source (negative when freed).
    fn add_stored_bytes(&self, source_id: &str, delta: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Counts `bytes` for a source only if its total stays within `limit`;
    /// false (and nothing counted) if it would not. One statement, so
    /// uploads running side by side cannot each see room that only one has.
    fn reserve_stored_bytes(
        &self,
        source_id: &str,
        bytes: u64,
        limit: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records a message; one already recorded (a pull run twice) is kept
    /// as it is. True if it was new.
    fn add_message(&self, message: &MessageRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// A source's messages, oldest first.
    fn messages(&self, source_id: &str) -> impl Future<Output = Result<Vec<MessageRecord>, StoreError>> + Send;

    /// The submissions a source handed over, oldest first, with what the
    /// newsroom has done with each.
    fn source_submissions(
        &self,
        source_id: &str,
    ) -> impl Future<Output = Result<Vec<SourceSubmission>, StoreError>> + Send;

    fn create_upload(&self, upload: &UploadRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn upload(&self, id: &str) -> impl Future<Output = Result<Option<UploadRecord>, StoreError>> + Send;

    /// Uploads begun on or before `day` (YYYY-MM-DD) and never finished.
    fn uploads_begun_by(&self, day: &str) -> impl Future<Output = Result<Vec<UploadRecord>, StoreError>> + Send;

    fn upload_parts(&self, id: &str) -> impl Future<Output = Result<Vec<UploadPart>, StoreError>> + Send;

    /// Acknowledges one part: durable when this returns, and counted
    /// against the source's quota in the same transaction; false (and
    /// nothing recorded) if it would take the source over `limit`.
    fn add_upload_part(
        &self,
        upload: &UploadRecord,
        part: &UploadPart,
        limit: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Forgets an upload (terminated, or turned into a submission by
    /// [`SqlRepo::complete_upload`]); returns its parts so the caller can
    /// delete their blobs.
    fn delete_upload(&self, upload: &UploadRecord) -> impl Future<Output = Result<Vec<UploadPart>, StoreError>> + Send;

    /// Turns a finished upload into its submission in one transaction, so a
    /// crash leaves either the upload (complete, resumable to its end) or
    /// the submission, never both or neither.
    fn complete_upload(
        &self,
        upload: &UploadRecord,
        sealed: &SealedSubmission,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Everything from sources the desk has not confirmed: submissions,
    /// the sources' own messages, and the sources concerned.
    fn pending(&self) -> impl Future<Output = Result<Pending, StoreError>> + Send;

    /// Records that the desk holds these (from today, retention counts).
    fn confirm(
        &self,
        submissions: &[String],
        messages: &[String],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets confirmed submissions and source messages confirmed on or
    /// before `day` (YYYY-MM-DD), and returns their blobs for deletion.
    /// Replies stay: the source still has to read them.
    fn expire(&self, day: &str) -> impl Future<Output = Result<Expired, StoreError>> + Send;

    /// Forgets sources made on or before `day` that never submitted, never
    /// wrote and never began an upload: a codename drawn and abandoned
    /// leaves nothing behind for long. Returns how many were forgotten.
    fn forget_unused_sources(&self, day: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The desk's replies not yet handed to a separate intake.
    fn undelivered_replies(&self) -> impl Future<Output = Result<Vec<MessageRecord>, StoreError>> + Send;

    /// Marks replies as delivered to the intake.
    fn delivered(&self, ids: &[String]) -> impl Future<Output = Result<(), StoreError>> + Send;
}

fn upload_record(row: &sqlx::any::AnyRow) -> UploadRecord {
    UploadRecord {
        id: row.get(0),
        source_id: row.get(1),
        key_check: row.get(2),
        length: row.get::<i64, _>(3) as u64,
        name_sealed: row.get(4),
        created_day: row.get(5),
    }
}

impl IntakeRepo for SqlRepo {
    /// Records a new source. False if the id is already taken (a codename
    /// drawn twice, which at 90 bits does not happen, or a replay).
    async fn add_source(&self, source: &SourceRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO sources (id, reply_recipient, created_day, stored_bytes) VALUES ($1, $2, $3, 0)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&source.id)
        .bind(&source.reply_recipient)
        .bind(&source.created_day)
        .execute(self.pool())
        .await
        .map_err(db_err("recording a new source"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn source(&self, id: &str) -> Result<Option<SourceRecord>, StoreError> {
        let row = sqlx::query("SELECT id, reply_recipient, created_day, stored_bytes FROM sources WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err("reading a source"))?;
        Ok(row.map(|row| SourceRecord {
            id: row.get(0),
            reply_recipient: row.get(1),
            created_day: row.get(2),
            stored_bytes: row.get::<i64, _>(3) as u64,
        }))
    }

    /// Counts ciphertext stored for a source (negative when freed).
    async fn add_stored_bytes(&self, source_id: &str, delta: i64) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE sources SET stored_bytes = {}(0, stored_bytes + $1) WHERE id = $2",
            self.dialect().greatest()
        )))
        .bind(delta)
        .bind(source_id)
        .execute(self.pool())
        .await
        .map_err(db_err("counting a source's stored bytes"))?;
        Ok(())
    }

    async fn reserve_stored_bytes(&self, source_id: &str, bytes: u64, limit: u64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sources SET stored_bytes = stored_bytes + $1 WHERE id = $2 AND stored_bytes + $1 <= $3",
        )
        .bind(bytes as i64)
        .bind(source_id)
        .bind(limit as i64)
        .execute(self.pool())
        .await
        .map_err(db_err("counting a source's stored bytes"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records a message; one already recorded (a pull run twice) is kept
    /// as it is. True if it was new.
    async fn add_message(&self, message: &MessageRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO messages (id, source_id, direction, blob_id, day) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&message.id)
        .bind(&message.source_id)
        .bind(message.direction.as_str())
        .bind(message.blob.to_hex())
        .bind(&message.day)
        .execute(self.pool())
        .await
        .map_err(db_err("recording a message"))?;
        Ok(done.rows_affected() == 1)
    }

    /// A source's messages, oldest first.
    async fn messages(&self, source_id: &str) -> Result<Vec<MessageRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source_id, direction, blob_id, day FROM messages WHERE source_id = $1 ORDER BY seq",
        )
        .bind(source_id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err("reading a source's messages"))?;
        rows.iter().map(message_from_row).collect()
    }

    /// The submissions a source handed over, oldest first, with what the
    /// newsroom has done with each.
    async fn source_submissions(&self, source_id: &str) -> Result<Vec<SourceSubmission>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.received_day, CASE WHEN s.confirmed_day IS NULL THEN 0 ELSE 1 END,
               (SELECT d.outcome FROM decisions d WHERE d.submission_id = s.id ORDER BY d.seq DESC LIMIT 1),
               (SELECT d.reasons FROM decisions d WHERE d.submission_id = s.id ORDER BY d.seq DESC LIMIT 1)
             FROM submissions s WHERE s.source_id = $1 ORDER BY s.rowid",
        )
        .bind(source_id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err("reading a source's submissions"))?;
        rows.iter()
            .map(|row| {
                let outcome: Option<String> = row.get(3);
                let reasons: Option<String> = row.get(4);
                Ok(SourceSubmission {
                    id: SubmissionId::from_str(row.get::<&str, _>(0))?,
                    day: row.get(1),
                    collected: row.get::<i64, _>(2) != 0,
                    decision: outcome.map(|outcome| {
                        let codes = reasons.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default();
                        (outcome, codes)
                    }),
                })
            })
            .collect()
    }

    async fn create_upload(&self, upload: &UploadRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO uploads (id, source_id, key_check, length, name_sealed, created_day) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&upload.id)
        .bind(&upload.source_id)
        .bind(&upload.key_check)
        .bind(upload.length as i64)
        .bind(&upload.name_sealed)
        .bind(&upload.created_day)
        .execute(self.pool())
        .await
        .map_err(db_err("recording an upload"))?;
        Ok(())
    }

    async fn upload(&self, id: &str) -> Result<Option<UploadRecord>, StoreError> {
        let row =
            sqlx::query("SELECT id, source_id, key_check, length, name_sealed, created_day FROM uploads WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .map_err(db_err(format!("reading upload {id}")))?;
        Ok(row.as_ref().map(upload_record))
    }

    async fn uploads_begun_by(&self, day: &str) -> Result<Vec<UploadRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source_id, key_check, length, name_sealed, created_day FROM uploads WHERE created_day <= $1",
        )
        .bind(day)
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing abandoned uploads"))?;
        Ok(rows.iter().map(upload_record).collect())
    }

    async fn upload_parts(&self, id: &str) -> Result<Vec<UploadPart>, StoreError> {
        let rows = sqlx::query(
            "SELECT ordinal, blob_id, size, stored, hash_sealed FROM upload_parts WHERE upload_id = $1 ORDER BY ordinal",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("reading the parts of upload {id}")))?;
        rows.iter()
            .map(|row| {
                Ok(UploadPart {
                    ordinal: row.get::<i64, _>(0) as u32,
                    blob: BlobId::from_str(row.get::<&str, _>(1))?,
                    size: row.get::<i64, _>(2) as u64,
                    stored: row.get::<i64, _>(3) as u64,
                    hash_sealed: row.get(4),
                })
            })
            .collect()
    }

    /// Acknowledges one part: durable when this returns, and counted
    /// against the source's quota.
    async fn add_upload_part(&self, upload: &UploadRecord, part: &UploadPart, limit: u64) -> Result<bool, StoreError> {
        let context = || format!("recording a part of upload {}", upload.id);
        let mut tx = self.pool().begin().await.map_err(db_err(context()))?;
        let counted = sqlx::query(
            "UPDATE sources SET stored_bytes = stored_bytes + $1 WHERE id = $2 AND stored_bytes + $1 <= $3",
        )
        .bind(part.stored as i64)
        .bind(&upload.source_id)
        .bind(limit as i64)
        .execute(&mut *tx)
        .await
        .map_err(db_err(context()))?;
        if counted.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO upload_parts (upload_id, ordinal, blob_id, size, stored, hash_sealed) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&upload.id)
        .bind(part.ordinal as i64)
        .bind(part.blob.to_hex())
        .bind(part.size as i64)
        .bind(part.stored as i64)
        .bind(&part.hash_sealed)
        .execute(&mut *tx)
        .await
        .map_err(db_err(context()))?;
        tx.commit().await.map_err(db_err(context()))?;
        Ok(true)
    }

    /// Forgets an upload (terminated, or turned into a submission by
    /// [`SqlRepo::complete_upload`]); returns its parts so the caller can
    /// delete their blobs.
    async fn delete_upload(&self, upload: &UploadRecord) -> Result<Vec<UploadPart>, StoreError> {
        let parts = self.upload_parts(&upload.id).await?;
        let freed: u64 = parts.iter().map(|p| p.stored).sum();
        let context = || format!("deleting upload {}", upload.id);
        let mut tx = self.pool().begin().await.map_err(db_err(context()))?;
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(&upload.id)
            .execute(&mut *tx)
            .await
            .map_err(db_err(context()))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE sources SET stored_bytes = {}(0, stored_bytes - $1) WHERE id = $2",
            self.dialect().greatest()
        )))
        .bind(freed as i64)
        .bind(&upload.source_id)
        .execute(&mut *tx)
        .await
        .map_err(db_err(context()))?;
        tx.commit().await.map_err(db_err(context()))?;
        Ok(parts)
    }

    /// Turns a finished upload into its submission in one transaction, so a
    /// crash leaves either the upload (complete, resumable to its end) or
    /// the submission, never both or neither.
    async fn complete_upload(&self, upload: &UploadRecord, sealed: &SealedSubmission) -> Result<(), StoreError> {
        let context = || format!("completing upload {}", upload.id);
        let mut tx = self.pool().begin().await.map_err(db_err(context()))?;
        crate::repo::insert_submission_in(&mut tx, sealed).await?;
        sqlx::query("DELETE FROM uploads WHERE id = $1")
            .bind(&upload.id)
            .execute(&mut *tx)
            .await
            .map_err(db_err(context()))?;
        tx.commit().await.map_err(db_err(context()))
    }
    /// Everything from sources the desk has not confirmed: submissions,
    /// the sources' own messages, and the sources concerned.
    async fn pending(&self) -> Result<Pending, StoreError> {
        let rows =
            sqlx::query("SELECT id FROM submissions WHERE channel = 'intake' AND confirmed_day IS NULL ORDER BY rowid")
                .fetch_all(self.pool())
                .await
                .map_err(db_err("listing unconfirmed submissions"))?;
        let mut pending = Pending::default();
        for row in &rows {
            let id = SubmissionId::from_str(row.get::<&str, _>(0))?;
            if let Some(record) = crate::SubmissionRepo::submission(self, &id).await? {
                let blobs = crate::SubmissionRepo::submission_blobs(self, &id).await?;
                pending.submissions.push(SealedSubmission { record, blobs });
            }
        }
        let rows = sqlx::query(
            "SELECT id, source_id, direction, blob_id, day FROM messages
             WHERE direction = 'source' AND confirmed_day IS NULL ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing unconfirmed messages"))?;
        pending.messages = rows.iter().map(message_from_row).collect::<Result<_, _>>()?;
        let mut ids: Vec<&str> = pending
            .submissions
            .iter()
            .filter_map(|s| s.record.source.as_deref())
            .chain(pending.messages.iter().map(|m| m.source_id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            if let Some(source) = self.source(id).await? {
                pending.sources.push(source);
            }
        }
        Ok(pending)
    }

    /// Records that the desk holds these (from today, retention counts).
    async fn confirm(&self, submissions: &[String], messages: &[String]) -> Result<(), StoreError> {
        let day = crate::Day::today().to_string();
        let mut tx = self.pool().begin().await.map_err(db_err("confirming a pull"))?;
        for id in submissions {
            sqlx::query("UPDATE submissions SET confirmed_day = $1 WHERE id = $2 AND confirmed_day IS NULL")
                .bind(&day)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err(format!("confirming submission {id}")))?;
        }
        for id in messages {
            sqlx::query("UPDATE messages SET confirmed_day = $1 WHERE id = $2 AND confirmed_day IS NULL")
                .bind(&day)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err(format!("confirming message {id}")))?;
        }
        tx.commit().await.map_err(db_err("confirming a pull"))
    }

    /// Forgets confirmed submissions and source messages confirmed on or
    /// before `day` (YYYY-MM-DD), and returns their blobs for deletion.
    /// Replies stay: the source still has to read them.
    async fn forget_unused_sources(&self, day: &str) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM sources WHERE created_day <= $1
               AND NOT EXISTS (SELECT 1 FROM submissions WHERE source_id = sources.id)
               AND NOT EXISTS (SELECT 1 FROM messages WHERE source_id = sources.id)
               AND NOT EXISTS (SELECT 1 FROM uploads WHERE source_id = sources.id)",
        )
        .bind(day)
        .execute(self.pool())
        .await
        .map_err(db_err("forgetting unused sources"))?;
        Ok(done.rows_affected())
    }

    async fn expire(&self, day: &str) -> Result<Expired, StoreError> {
        let mut expired = Expired::default();
        let mut tx = self.pool().begin().await.map_err(db_err("applying retention"))?;
        let rows = sqlx::query(
            "SELECT s.id, s.manifest_blob, s.source_id FROM submissions s
             WHERE s.confirmed_day IS NOT NULL AND s.confirmed_day <= $1",
        )
        .bind(day)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("applying retention"))?;
        for row in &rows {
            let id: &str = row.get(0);
            let source: Option<String> = row.get(2);
            expired
                .blobs
                .push((source.clone(), BlobId::from_str(row.get::<&str, _>(1))?));
            let blobs = sqlx::query("SELECT blob_id FROM submission_blobs WHERE submission_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err("applying retention"))?;
            for blob in &blobs {
                expired
                    .blobs
                    .push((source.clone(), BlobId::from_str(blob.get::<&str, _>(0))?));
            }
            sqlx::query("DELETE FROM submission_blobs WHERE submission_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err("applying retention"))?;
            sqlx::query("DELETE FROM submissions WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db_err("applying retention"))?;
            expired.submissions += 1;
        }
        let rows = sqlx::query(
            "SELECT id, blob_id, source_id FROM messages
             WHERE direction = 'source' AND confirmed_day IS NOT NULL AND confirmed_day <= $1",
        )
        .bind(day)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("applying retention"))?;
        for row in &rows {
            expired
                .blobs
                .push((row.get(2), BlobId::from_str(row.get::<&str, _>(1))?));
            sqlx::query("DELETE FROM messages WHERE id = $1")
                .bind(row.get::<&str, _>(0))
                .execute(&mut *tx)
                .await
                .map_err(db_err("applying retention"))?;
            expired.messages += 1;
        }
        tx.commit().await.map_err(db_err("applying retention"))?;
        Ok(expired)
    }

    /// The desk's replies not yet handed to a separate intake.
    async fn undelivered_replies(&self) -> Result<Vec<MessageRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source_id, direction, blob_id, day FROM messages
             WHERE direction = 'newsroom' AND confirmed_day IS NULL ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing undelivered replies"))?;
        rows.iter().map(message_from_row).collect()
    }

    /// Marks replies as delivered to the intake.
    async fn delivered(&self, ids: &[String]) -> Result<(), StoreError> {
        self.confirm(&[], ids).await
    }
}

/// What an intake holds that the desk has not confirmed yet.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pub submissions: Vec<SealedSubmission>,
    pub messages: Vec<MessageRecord>,
    pub sources: Vec<SourceRecord>,
}

/// What retention removed: the blobs to delete, each with the source whose
/// quota it counted against.
#[derive(Debug, Clone, Default)]
pub struct Expired {
    pub submissions: usize,
    pub messages: usize,
    pub blobs: Vec<(Option<String>, BlobId)>,
}

fn message_from_row(row: &sqlx::any::AnyRow) -> Result<MessageRecord, StoreError> {
    Ok(MessageRecord {
        id: row.get(0),
        source_id: row.get(1),
        direction: match row.get::<&str, _>(2) {
            "newsroom" => Direction::Newsroom,
            _ => Direction::Source,
        },
        blob: BlobId::from_str(row.get::<&str, _>(3))?,
        day: row.get(4),
    })
}

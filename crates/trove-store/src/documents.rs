//! Documents: what ingest records for each file and each thing unpacked
//! from one. Desk only.

use std::str::FromStr;

use sqlx::Row;

use crate::{BlobId, SqliteRepo, StoreError, SubmissionId};

/// One ingested document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRecord {
    pub id: String,
    pub submission: SubmissionId,
    pub parent: Option<String>,
    pub path: String,
    pub content_id: String,
    pub doc_type: String,
    pub size: u64,
    /// `ok`, `partial`, `encrypted` or `failed`.
    pub status: String,
    pub reason: Option<String>,
    pub text_blob: Option<BlobId>,
    pub metadata: serde_json::Value,
}

fn db_err(context: String) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Database { context, source }
}

impl SqliteRepo {
    /// Records a document; a document already recorded at the same path
    /// (an ingest that was killed and run again) is left as it is.
    pub async fn insert_document(&self, doc: &DocumentRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT OR IGNORE INTO documents (id, submission_id, parent_id, path, content_id, type, size, status, reason, text_blob, metadata)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&doc.id)
        .bind(doc.submission.to_string())
        .bind(&doc.parent)
        .bind(&doc.path)
        .bind(&doc.content_id)
        .bind(&doc.doc_type)
        .bind(doc.size as i64)
        .bind(&doc.status)
        .bind(&doc.reason)
        .bind(doc.text_blob.map(|b| b.to_hex()))
        .bind(doc.metadata.to_string())
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording document {}", doc.path)))?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the failed documents of a submission (for a retry).
    pub async fn delete_failed_documents(&self, submission: &SubmissionId) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM documents WHERE submission_id = ? AND status = 'failed'")
            .bind(submission.to_string())
            .execute(self.pool())
            .await
            .map_err(db_err(format!("clearing failures of {submission}")))?;
        Ok(done.rows_affected())
    }

    /// A submission's documents, in provenance order.
    pub async fn documents(&self, submission: &SubmissionId) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM documents WHERE submission_id = ? ORDER BY path")
            .bind(submission.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("listing the documents of {submission}")))?;
        rows.iter().map(row_to_document).collect()
    }

    pub async fn document(&self, id: &str) -> Result<Option<DocumentRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM documents WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err(format!("reading document {id}")))?;
        row.as_ref().map(row_to_document).transpose()
    }

    /// A document with these bytes already ingested, to reuse its text.
    pub async fn document_with_content(&self, content_id: &str) -> Result<Option<DocumentRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM documents WHERE content_id = ? AND status != 'failed' LIMIT 1")
            .bind(content_id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err(format!("looking up content {content_id}")))?;
        row.as_ref().map(row_to_document).transpose()
    }
}

fn row_to_document(row: &sqlx::sqlite::SqliteRow) -> Result<DocumentRecord, StoreError> {
    let metadata: String = row.get("metadata");
    Ok(DocumentRecord {
        id: row.get("id"),
        submission: SubmissionId::from_str(row.get::<&str, _>("submission_id"))?,
        parent: row.get("parent_id"),
        path: row.get("path"),
        content_id: row.get("content_id"),
        doc_type: row.get("type"),
        size: row.get::<i64, _>("size") as u64,
        status: row.get("status"),
        reason: row.get("reason"),
        text_blob: row
            .get::<Option<&str>, _>("text_blob")
            .map(BlobId::from_str)
            .transpose()?,
        metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
    })
}

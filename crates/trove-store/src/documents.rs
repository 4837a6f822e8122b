//! Documents: what ingest records for each file and each thing unpacked
//! from one. Desk only.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use sqlx::Row;

use crate::repo::{db_err, fetch_in};
use crate::{BlobId, SqlRepo, StoreError, SubmissionId};

/// What extraction made of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocStatus {
    /// Read whole.
    Ok,
    /// Something was read, not all (the reason says what is missing).
    Partial,
    /// Protected by a password: recorded, not read.
    Encrypted,
    /// Not readable (the reason says why); the rest of the submission goes on.
    Failed,
}

impl DocStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Ok => "ok",
            DocStatus::Partial => "partial",
            DocStatus::Encrypted => "encrypted",
            DocStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for DocStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that widths in reports (`{:<9}`) apply.
        f.pad(self.as_str())
    }
}

impl FromStr for DocStatus {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, StoreError> {
        match text {
            "ok" => Ok(DocStatus::Ok),
            "partial" => Ok(DocStatus::Partial),
            "encrypted" => Ok(DocStatus::Encrypted),
            "failed" => Ok(DocStatus::Failed),
            other => Err(StoreError::Damaged {
                what: format!("a document's status {other:?}"),
                field: "status".into(),
            }),
        }
    }
}

/// One ingested document. It serializes as reports show it and is read
/// back from the database into the same types.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DocumentRecord {
    pub id: String,
    pub submission: SubmissionId,
    pub parent: Option<String>,
    pub path: String,
    pub content_id: String,
    pub doc_type: String,
    pub size: u64,
    pub status: DocStatus,
    pub reason: Option<String>,
    /// Where the extracted text is: a range of a sealed text pack.
    pub text: Option<TextRef>,
    pub metadata: serde_json::Value,
}

/// What `trove ingest --report` shows.
#[derive(Debug, Clone, Default)]
pub struct DocumentSummary {
    pub by_type: std::collections::BTreeMap<String, u64>,
    pub by_status: std::collections::BTreeMap<String, u64>,
    /// Path, status and reason of every document that is not `ok`.
    pub problems: Vec<(String, String, Option<String>)>,
}

impl DocumentSummary {
    pub fn documents(&self) -> u64 {
        self.by_status.values().sum()
    }
}

/// A document's text: bytes `offset..offset + len` of a sealed blob that
/// packs the texts of many documents (one blob per ingest batch, instead of
/// one small file each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextRef {
    pub blob: BlobId,
    pub offset: u64,
    pub len: u64,
}

/// The texts of `documents` by document id, each text pack read once,
/// front to back. Documents with identical bytes share one text range,
/// which is read once and shared. For a few documents (a desk page); a
/// whole submission goes through [`DocumentTexts`].
pub fn read_texts<B: crate::BlobBackend>(
    opener: &crate::BlobOpener<B>,
    documents: &[&DocumentRecord],
) -> Result<std::collections::HashMap<String, std::sync::Arc<str>>, StoreError> {
    use std::collections::BTreeMap;
    let mut by_pack: BTreeMap<crate::BlobId, Vec<(u64, u64)>> = BTreeMap::new();
    for text in documents.iter().filter_map(|d| d.text) {
        by_pack.entry(text.blob).or_default().push((text.offset, text.len));
    }
    let mut ranges = std::collections::HashMap::new();
    for (pack, wanted) in by_pack {
        ranges.extend(
            read_pack_ranges(opener, &pack, wanted)?
                .into_iter()
                .map(|(offset, text)| ((pack, offset), text)),
        );
    }
    Ok(documents
        .iter()
        .filter_map(|doc| {
            let text = doc.text?;
            let found = ranges.get(&(text.blob, text.offset))?;
            Some((doc.id.clone(), std::sync::Arc::clone(found)))
        })
        .collect())
}

/// Reads the (offset, len) ranges of one text pack, front to back in one
/// pass: by offset, the text that starts there.
fn read_pack_ranges<B: crate::BlobBackend>(
    opener: &crate::BlobOpener<B>,
    pack: &crate::BlobId,
    mut wanted: Vec<(u64, u64)>,
) -> Result<std::collections::HashMap<u64, std::sync::Arc<str>>, StoreError> {
    use std::io::Read;
    wanted.sort_unstable();
    wanted.dedup();
    let mut texts = std::collections::HashMap::with_capacity(wanted.len());
    let mut reader = opener.open(pack)?;
    let mut at = 0u64;
    for (offset, len) in wanted {
        // Two documents' ranges never overlap unless they are the same
        // range (shared by identical bytes), which dedup removed.
        let Some(skip) = offset.checked_sub(at) else {
            return Err(StoreError::Corrupt {
                blob: *pack,
                reason: format!("the document index has overlapping text ranges at byte {offset}"),
            });
        };
        std::io::copy(&mut (&mut reader).take(skip), &mut std::io::sink()).map_err(|e| reader.explain(e))?;
        let mut bytes = Vec::with_capacity(len as usize);
        (&mut reader)
            .take(len)
            .read_to_end(&mut bytes)
            .map_err(|e| reader.explain(e))?;
        if (bytes.len() as u64) < len {
            return Err(StoreError::Corrupt {
                blob: *pack,
                reason: "the text pack is shorter than the document index says".into(),
            });
        }
        at = offset + len;
        texts.insert(offset, String::from_utf8_lossy(&bytes).into());
    }
    Ok(texts)
}

/// A submission's documents with their texts, one batch at a time: the
/// documents of one sealed text pack (the pack decrypted once, front to
/// back), then the documents without text in pages. Memory holds one
/// batch, however large the submission: this is how every stage after
/// ingest reads a whole submission.
pub struct DocumentTexts<'a, R, B> {
    repo: &'a R,
    opener: &'a crate::BlobOpener<B>,
    submission: SubmissionId,
    packs: std::vec::IntoIter<crate::BlobId>,
    /// The last document id of the previous page of textless documents;
    /// None once they are all read.
    textless_after: Option<String>,
}

/// Documents without text per batch.
const TEXTLESS_PAGE: usize = 4096;

impl<'a, R: DocumentRepo, B: crate::BlobBackend> DocumentTexts<'a, R, B> {
    pub async fn new(
        repo: &'a R,
        opener: &'a crate::BlobOpener<B>,
        submission: &SubmissionId,
    ) -> Result<Self, StoreError> {
        Ok(DocumentTexts {
            repo,
            opener,
            submission: *submission,
            packs: repo.text_packs(submission).await?.into_iter(),
            textless_after: Some(String::new()),
        })
    }

    /// The next batch of documents, each with its text (empty for a
    /// document that has none); None when every document has been given.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<(DocumentRecord, std::sync::Arc<str>)>>, StoreError> {
        if let Some(pack) = self.packs.next() {
            let documents = self.repo.documents_in_pack(&self.submission, &pack).await?;
            let wanted = documents
                .iter()
                .filter_map(|d| d.text)
                .map(|t| (t.offset, t.len))
                .collect();
            let texts = read_pack_ranges(self.opener, &pack, wanted)?;
            return Ok(Some(
                documents
                    .into_iter()
                    .map(|doc| {
                        let text = doc
                            .text
                            .and_then(|t| texts.get(&t.offset).cloned())
                            .unwrap_or_else(|| "".into());
                        (doc, text)
                    })
                    .collect(),
            ));
        }
        let Some(after) = self.textless_after.take() else {
            return Ok(None);
        };
        let page = self
            .repo
            .documents_without_text(&self.submission, &after, TEXTLESS_PAGE)
            .await?;
        if page.len() == TEXTLESS_PAGE {
            self.textless_after = page.last().map(|d| d.id.clone());
        }
        if page.is_empty() {
            return Ok(None);
        }
        Ok(Some(page.into_iter().map(|doc| (doc, "".into())).collect()))
    }
}

/// Reads a document's text out of its pack (desk only).
pub fn read_text<B: crate::BlobBackend>(opener: &crate::BlobOpener<B>, text: &TextRef) -> Result<String, StoreError> {
    use std::io::Read;
    let mut reader = opener.open(&text.blob)?;
    let mut skipped = std::io::sink();
    std::io::copy(&mut (&mut reader).take(text.offset), &mut skipped).map_err(|e| reader.explain(e))?;
    let mut bytes = Vec::with_capacity(text.len as usize);
    (&mut reader)
        .take(text.len)
        .read_to_end(&mut bytes)
        .map_err(|e| reader.explain(e))?;
    if (bytes.len() as u64) < text.len {
        return Err(StoreError::Corrupt {
            blob: text.blob,
            reason: "the text pack is shorter than the document index says".into(),
        });
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Documents and their extracted texts (ingest writes them; every later stage reads them).
pub trait DocumentRepo: Send + Sync {
    /// Records a document; a document already recorded at the same path
    /// (an ingest that was killed and run again) is left as it is.
    fn insert_document(&self, doc: &DocumentRecord) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records many documents in one transaction (one sync for the batch);
    /// returns how many were new.
    fn insert_documents(&self, docs: &[DocumentRecord]) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Deletes the failed documents of a submission (for a retry).
    fn delete_failed_documents(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The ids of a submission's documents (for resuming without loading
    /// every record).
    fn document_ids(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<std::collections::HashSet<String>, StoreError>> + Send;

    /// Counts by type and by status, and every document that is not `ok`
    /// (path, status, reason), computed by the database.
    fn document_summary(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<DocumentSummary, StoreError>> + Send;

    /// A submission's documents, in provenance order.
    fn documents(
        &self,
        submission: &SubmissionId,
    ) -> impl Future<Output = Result<Vec<DocumentRecord>, StoreError>> + Send;

    /// Up to `limit` of a submission's documents in provenance (path)
    /// order, after the path `after` ("" for the first page): a whole
    /// submission page by page, without its texts.
    fn documents_page(
        &self,
        submission: &SubmissionId,
        after: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DocumentRecord>, StoreError>> + Send;

    /// The documents with these ids (those that exist).
    fn documents_by_ids(&self, ids: &[&str]) -> impl Future<Output = Result<Vec<DocumentRecord>, StoreError>> + Send;

    /// The text packs holding a submission's texts (wherever they were
    /// written: identical bytes in an earlier submission share its text).
    fn text_packs(&self, submission: &SubmissionId) -> impl Future<Output = Result<Vec<BlobId>, StoreError>> + Send;

    /// A submission's documents whose text lies in `pack`, by offset.
    fn documents_in_pack(
        &self,
        submission: &SubmissionId,
        pack: &BlobId,
    ) -> impl Future<Output = Result<Vec<DocumentRecord>, StoreError>> + Send;

    /// Up to `limit` of a submission's documents that have no text, by id,
    /// after the id `after` ("" for the first page).
    fn documents_without_text(
        &self,
        submission: &SubmissionId,
        after: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DocumentRecord>, StoreError>> + Send;

    fn document(&self, id: &str) -> impl Future<Output = Result<Option<DocumentRecord>, StoreError>> + Send;

    /// For each content id already ingested, the text of one document with
    /// those bytes (one query for a whole batch).
    fn texts_of_contents(
        &self,
        content_ids: &[&str],
    ) -> impl Future<Output = Result<std::collections::HashMap<String, Option<TextRef>>, StoreError>> + Send;
}

impl DocumentRepo for SqlRepo {
    /// Records a document; a document already recorded at the same path
    /// (an ingest that was killed and run again) is left as it is.
    async fn insert_document(&self, doc: &DocumentRecord) -> Result<bool, StoreError> {
        Ok(self.insert_documents(std::slice::from_ref(doc)).await? == 1)
    }

    /// Records many documents in one transaction (one sync for the batch);
    /// returns how many were new.
    async fn insert_documents(&self, docs: &[DocumentRecord]) -> Result<usize, StoreError> {
        let context = || format!("recording {} documents", docs.len());
        let mut tx = self.pool().begin().await.map_err(db_err(context()))?;
        let mut added = 0;
        for doc in docs {
            let done = sqlx::query(
                "INSERT INTO documents (id, submission_id, parent_id, path, content_id, type, size, status, reason, text_blob, text_offset, text_len, metadata)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                 ON CONFLICT DO NOTHING",
            )
            .bind(&doc.id)
            .bind(doc.submission.to_string())
            .bind(&doc.parent)
            .bind(&doc.path)
            .bind(&doc.content_id)
            .bind(&doc.doc_type)
            .bind(doc.size as i64)
            .bind(doc.status.as_str())
            .bind(&doc.reason)
            .bind(doc.text.map(|t| t.blob.to_hex()))
            .bind(doc.text.map(|t| t.offset as i64))
            .bind(doc.text.map(|t| t.len as i64))
            .bind(doc.metadata.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err(format!("recording document {}", doc.path)))?;
            added += done.rows_affected() as usize;
        }
        tx.commit().await.map_err(db_err(context()))?;
        Ok(added)
    }

    /// Deletes the failed documents of a submission (for a retry).
    async fn delete_failed_documents(&self, submission: &SubmissionId) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM documents WHERE submission_id = $1 AND status = 'failed'")
            .bind(submission.to_string())
            .execute(self.pool())
            .await
            .map_err(db_err(format!("clearing failures of {submission}")))?;
        Ok(done.rows_affected())
    }

    /// The ids of a submission's documents (for resuming without loading
    /// every record).
    async fn document_ids(&self, submission: &SubmissionId) -> Result<std::collections::HashSet<String>, StoreError> {
        let rows = sqlx::query("SELECT id FROM documents WHERE submission_id = $1")
            .bind(submission.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("listing the document ids of {submission}")))?;
        Ok(rows.iter().map(|row| row.get::<String, _>(0)).collect())
    }

    /// Counts by type and by status, and every document that is not `ok`
    /// (path, status, reason), computed by the database.
    async fn document_summary(&self, submission: &SubmissionId) -> Result<DocumentSummary, StoreError> {
        let id = submission.to_string();
        let count = |sql: &'static str| {
            let id = id.clone();
            async move {
                let rows = sqlx::query(sql)
                    .bind(id)
                    .fetch_all(self.pool())
                    .await
                    .map_err(db_err(format!("summarizing the documents of {submission}")))?;
                Ok::<_, StoreError>(
                    rows.iter()
                        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1) as u64))
                        .collect(),
                )
            }
        };
        let by_type = count("SELECT type, COUNT(*) FROM documents WHERE submission_id = $1 GROUP BY type").await?;
        let by_status =
            count("SELECT status, COUNT(*) FROM documents WHERE submission_id = $1 GROUP BY status").await?;
        let rows = sqlx::query(
            "SELECT path, status, reason FROM documents WHERE submission_id = $1 AND status != 'ok' ORDER BY path",
        )
        .bind(&id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("listing the problems of {submission}")))?;
        let problems = rows
            .iter()
            .map(|r| (r.get("path"), r.get("status"), r.get("reason")))
            .collect();
        Ok(DocumentSummary {
            by_type,
            by_status,
            problems,
        })
    }

    /// A submission's documents, in provenance order.
    async fn documents(&self, submission: &SubmissionId) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM documents WHERE submission_id = $1 ORDER BY path")
            .bind(submission.to_string())
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("listing the documents of {submission}")))?;
        rows.iter().map(row_to_document).collect()
    }

    async fn documents_page(
        &self,
        submission: &SubmissionId,
        after: &str,
        limit: usize,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query("SELECT * FROM documents WHERE submission_id = $1 AND path > $2 ORDER BY path LIMIT $3")
            .bind(submission.to_string())
            .bind(after)
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("listing the documents of {submission}")))?;
        rows.iter().map(row_to_document).collect()
    }

    async fn documents_by_ids(&self, ids: &[&str]) -> Result<Vec<DocumentRecord>, StoreError> {
        let sql = "SELECT * FROM documents WHERE id IN ({ids})";
        let rows = fetch_in(self.pool(), sql, &[], ids, "reading documents by id").await?;
        rows.iter().map(row_to_document).collect()
    }

    async fn text_packs(&self, submission: &SubmissionId) -> Result<Vec<BlobId>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT text_blob FROM documents WHERE submission_id = $1 AND text_blob IS NOT NULL ORDER BY text_blob",
        )
        .bind(submission.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("listing the text packs of {submission}")))?;
        rows.iter().map(|row| BlobId::from_str(row.get::<&str, _>(0))).collect()
    }

    async fn documents_in_pack(
        &self,
        submission: &SubmissionId,
        pack: &BlobId,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows =
            sqlx::query("SELECT * FROM documents WHERE submission_id = $1 AND text_blob = $2 ORDER BY text_offset, id")
                .bind(submission.to_string())
                .bind(pack.to_hex())
                .fetch_all(self.pool())
                .await
                .map_err(db_err(format!(
                    "listing the documents of {submission} in text pack {pack}"
                )))?;
        rows.iter().map(row_to_document).collect()
    }

    async fn documents_without_text(
        &self,
        submission: &SubmissionId,
        after: &str,
        limit: usize,
    ) -> Result<Vec<DocumentRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM documents WHERE submission_id = $1 AND text_blob IS NULL AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(submission.to_string())
        .bind(after)
        .bind(limit as i64)
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("listing the documents of {submission} without text")))?;
        rows.iter().map(row_to_document).collect()
    }

    async fn document(&self, id: &str) -> Result<Option<DocumentRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM documents WHERE id = $1")
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err(format!("reading document {id}")))?;
        row.as_ref().map(row_to_document).transpose()
    }

    /// For each content id already ingested, the text of one document with
    /// those bytes (one query for a whole batch).
    async fn texts_of_contents(
        &self,
        content_ids: &[&str],
    ) -> Result<std::collections::HashMap<String, Option<TextRef>>, StoreError> {
        let sql = "SELECT content_id, text_blob, text_offset, text_len FROM documents WHERE status != 'failed' AND content_id IN ({ids})";
        let rows = fetch_in(self.pool(), sql, &[], content_ids, "looking up known contents").await?;
        let mut found = std::collections::HashMap::new();
        for row in rows {
            let text = text_ref(&row)?;
            found.insert(row.get::<String, _>("content_id"), text);
        }
        Ok(found)
    }
}

fn row_to_document(row: &sqlx::any::AnyRow) -> Result<DocumentRecord, StoreError> {
    let metadata: String = row.get("metadata");
    Ok(DocumentRecord {
        id: row.get("id"),
        submission: SubmissionId::from_str(row.get::<&str, _>("submission_id"))?,
        parent: row.get("parent_id"),
        path: row.get("path"),
        content_id: row.get("content_id"),
        doc_type: row.get("type"),
        size: row.get::<i64, _>("size") as u64,
        status: row.get::<&str, _>("status").parse()?,
        reason: row.get("reason"),
        text: text_ref(row)?,
        metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
    })
}

/// The text range of a row that has `text_blob`, `text_offset`, `text_len`.
fn text_ref(row: &sqlx::any::AnyRow) -> Result<Option<TextRef>, StoreError> {
    match row.get::<Option<&str>, _>("text_blob") {
        Some(blob) => Ok(Some(TextRef {
            blob: BlobId::from_str(blob)?,
            offset: row.get::<Option<i64>, _>("text_offset").unwrap_or(0) as u64,
            len: row.get::<Option<i64>, _>("text_len").unwrap_or(0) as u64,
        })),
        None => Ok(None),
    }
}

//! Registered published corpora and their documents (public data, for
//! overlap measurement).

use std::future::Future;
use std::str::FromStr;

use sqlx::Row;

use crate::repo::db_err;
use crate::{BlobId, SqlRepo, StoreError, TextRef};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublishedCorpus {
    pub id: i64,
    pub name: String,
    pub publisher: String,
    pub date: String,
    pub url: Option<String>,
    pub source: String,
    pub imported: String,
    /// Filled in by listings.
    pub documents: u64,
    pub bytes: u64,
    /// The lowest and highest id of its documents (filled in by listings):
    /// an import takes consecutive ids, so these tell a document's corpus
    /// from its id alone.
    pub document_ids: Option<(u32, u32)>,
}

/// A published document as the overlap index records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedDocument {
    pub id: u32,
    pub corpus_id: i64,
    pub path: String,
    pub doc_type: String,
    pub content_id: String,
    pub text_id: Option<String>,
    pub size: u64,
    /// Segment, offset and length of its shingle set in the index.
    pub set: Option<(u32, u64, u32)>,
    /// Its extracted text (None for a corpus imported before texts were
    /// kept, or a document without text).
    pub text: Option<TextRef>,
}

fn document(row: &sqlx::any::AnyRow) -> PublishedDocument {
    let segment: Option<i64> = row.get("segment");
    PublishedDocument {
        id: row.get::<i64, _>("id") as u32,
        corpus_id: row.get("corpus_id"),
        path: row.get("path"),
        doc_type: row.get("type"),
        content_id: row.get("content_id"),
        text_id: row.get("text_id"),
        size: row.get::<i64, _>("size") as u64,
        set: segment.map(|s| {
            (
                s as u32,
                row.get::<i64, _>("set_offset") as u64,
                row.get::<i64, _>("set_len") as u32,
            )
        }),
        text: row
            .get::<Option<&str>, _>("text_blob")
            .and_then(|blob| BlobId::from_str(blob).ok())
            .map(|blob| TextRef {
                blob,
                offset: row.get::<i64, _>("text_offset") as u64,
                len: row.get::<i64, _>("text_len") as u64,
            }),
    }
}

const DOCUMENT_COLUMNS: &str = "id, corpus_id, path, type, content_id, text_id, size, segment, set_offset, set_len, text_blob, text_offset, text_len";

/// The registry of published corpora and their documents (overlap).
pub trait PublishedRepo: Send + Sync {
    fn published_corpora(&self) -> impl Future<Output = Result<Vec<PublishedCorpus>, StoreError>> + Send;

    /// The highest published document id (ids are never reused).
    fn max_published_document(&self) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Registers a corpus and its documents in one transaction.
    fn add_published_corpus(
        &self,
        corpus: &PublishedCorpus,
        documents: &[PublishedDocument],
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Removes a corpus and its documents: None if there is none by that
    /// name, else the text packs that held only its texts (for the caller
    /// to remove from the blob store).
    fn remove_published_corpus(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Vec<BlobId>>, StoreError>> + Send;

    /// Published documents with these bytes.
    fn published_by_content(
        &self,
        content_id: &str,
    ) -> impl Future<Output = Result<Vec<PublishedDocument>, StoreError>> + Send;

    /// Published documents with this normalized text.
    fn published_by_text(
        &self,
        text_id: &str,
    ) -> impl Future<Output = Result<Vec<PublishedDocument>, StoreError>> + Send;

    /// A published document by id (None if it was removed).
    /// Several published documents by id, in one query.
    fn published_documents(
        &self,
        ids: &[u32],
    ) -> impl Future<Output = Result<std::collections::HashMap<u32, PublishedDocument>, StoreError>> + Send;

    fn published_document(&self, id: u32)
    -> impl Future<Output = Result<Option<PublishedDocument>, StoreError>> + Send;
}

impl PublishedRepo for SqlRepo {
    async fn published_corpora(&self) -> Result<Vec<PublishedCorpus>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.publisher, c.date, c.url, c.source, c.imported,
                    count(d.id), CAST(coalesce(sum(d.size), 0) AS BIGINT), min(d.id), max(d.id)
             FROM published_corpora c LEFT JOIN published_documents d ON d.corpus_id = c.id
             GROUP BY c.id ORDER BY c.date, c.name",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing published corpora"))?;
        Ok(rows
            .iter()
            .map(|row| PublishedCorpus {
                id: row.get(0),
                name: row.get(1),
                publisher: row.get(2),
                date: row.get(3),
                url: row.get(4),
                source: row.get(5),
                imported: row.get(6),
                documents: row.get::<i64, _>(7) as u64,
                bytes: row.get::<i64, _>(8) as u64,
                document_ids: row
                    .get::<Option<i64>, _>(9)
                    .zip(row.get::<Option<i64>, _>(10))
                    .map(|(first, last)| (first as u32, last as u32)),
            })
            .collect())
    }

    /// The highest published document id (ids are never reused).
    async fn max_published_document(&self) -> Result<u32, StoreError> {
        let max: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM published_documents")
            .fetch_one(self.pool())
            .await
            .map_err(db_err("reading published document ids"))?;
        Ok(max.unwrap_or(0) as u32)
    }

    /// Registers a corpus and its documents in one transaction.
    async fn add_published_corpus(
        &self,
        corpus: &PublishedCorpus,
        documents: &[PublishedDocument],
    ) -> Result<i64, StoreError> {
        let context = format!("registering the published corpus {}", corpus.name);
        let mut tx = self.pool().begin().await.map_err(db_err(context.clone()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO published_corpora (name, publisher, date, url, source, imported) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&corpus.name)
        .bind(&corpus.publisher)
        .bind(&corpus.date)
        .bind(&corpus.url)
        .bind(&corpus.source)
        .bind(&corpus.imported)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err(context.clone()))?;
        for doc in documents {
            sqlx::query(
                "INSERT INTO published_documents (id, corpus_id, path, type, content_id, text_id, size, segment, set_offset, set_len,
                                                  text_blob, text_offset, text_len)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(doc.id as i64)
            .bind(id)
            .bind(&doc.path)
            .bind(&doc.doc_type)
            .bind(&doc.content_id)
            .bind(&doc.text_id)
            .bind(doc.size as i64)
            .bind(doc.set.map(|s| s.0 as i64))
            .bind(doc.set.map(|s| s.1 as i64))
            .bind(doc.set.map(|s| s.2 as i64))
            .bind(doc.text.map(|t| t.blob.to_hex()))
            .bind(doc.text.map(|t| t.offset as i64))
            .bind(doc.text.map(|t| t.len as i64))
            .execute(&mut *tx)
            .await
            .map_err(db_err(context.clone()))?;
        }
        tx.commit().await.map_err(db_err(context))?;
        Ok(id)
    }

    async fn remove_published_corpus(&self, name: &str) -> Result<Option<Vec<BlobId>>, StoreError> {
        let context = || format!("removing the published corpus {name}");
        let mut tx = self.pool().begin().await.map_err(db_err(context()))?;
        let packs: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT d.text_blob FROM published_documents d JOIN published_corpora c ON c.id = d.corpus_id
             WHERE c.name = $1 AND d.text_blob IS NOT NULL",
        )
        .bind(name)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err(context()))?;
        let done = sqlx::query("DELETE FROM published_corpora WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(db_err(context()))?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let mut unused = Vec::with_capacity(packs.len());
        for pack in packs {
            // A pack is one import's: another corpus never points into it,
            // but a pack still referenced is kept whatever the reason.
            let still: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM published_documents WHERE text_blob = $1 LIMIT 1")
                    .bind(&pack)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_err(context()))?;
            if still.is_none() {
                unused.push(BlobId::from_str(&pack)?);
            }
        }
        tx.commit().await.map_err(db_err(context()))?;
        Ok(Some(unused))
    }

    /// Published documents with these bytes.
    async fn published_by_content(&self, content_id: &str) -> Result<Vec<PublishedDocument>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS} FROM published_documents WHERE content_id = $1 ORDER BY id"
        )))
        .bind(content_id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err("looking up published bytes"))?;
        Ok(rows.iter().map(document).collect())
    }

    /// Published documents with this normalized text.
    async fn published_by_text(&self, text_id: &str) -> Result<Vec<PublishedDocument>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS} FROM published_documents WHERE text_id = $1 ORDER BY id"
        )))
        .bind(text_id)
        .fetch_all(self.pool())
        .await
        .map_err(db_err("looking up published texts"))?;
        Ok(rows.iter().map(document).collect())
    }

    /// A published document by id (None if it was removed).
    /// Several published documents by id, in one query.
    async fn published_documents(
        &self,
        ids: &[u32],
    ) -> Result<std::collections::HashMap<u32, PublishedDocument>, StoreError> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut found = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT {DOCUMENT_COLUMNS} FROM published_documents WHERE id IN ({})",
                placeholders.join(",")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(i64::from(*id));
            }
            let rows = query
                .fetch_all(self.pool())
                .await
                .map_err(db_err("reading published documents"))?;
            found.extend(rows.iter().map(document).map(|d| (d.id, d)));
        }
        Ok(found)
    }

    async fn published_document(&self, id: u32) -> Result<Option<PublishedDocument>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOCUMENT_COLUMNS} FROM published_documents WHERE id = $1"
        )))
        .bind(id as i64)
        .fetch_optional(self.pool())
        .await
        .map_err(db_err("reading a published document"))?;
        Ok(row.as_ref().map(document))
    }
}

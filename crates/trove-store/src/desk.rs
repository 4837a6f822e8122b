//! What the desk knows about documents beyond ingest (desk side only):
//! each document's overlap class and entities as the last overlap and
//! triage runs found them, and journalists' own records (tags, notes,
//! stars, and marks proposing that a document be withheld or redacted),
//! each with who made it and the day.
//!
//! None of this is ever sent to the intake or the archive: the archive's
//! pages are built from releases, and releases copy nothing from here.

use std::collections::HashMap;
use std::future::Future;

use sqlx::Row;

use crate::repo::{db_err, fetch_in};
use crate::{Day, SqlRepo, StoreError, SubmissionId};

/// A document's overlap class (`exact`, `near`, `partial`, `new`) and the
/// corpus of its best match.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlapFact {
    pub document_id: String,
    pub class: String,
    pub corpus: Option<String>,
    /// The published documents it overlaps and its passages found in them
    /// (JSON, as the overlap report gives them), for its page.
    pub matches: Option<String>,
}

/// A document's entities (kind, name) and its significance, from triage.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityFact {
    pub document_id: String,
    pub significance: u32,
    pub entities: Vec<(String, String)>,
}

/// Everything the desk lists a document by, beyond its own record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeskFacts {
    pub overlap: Option<String>,
    pub corpus: Option<String>,
    /// See [`OverlapFact::matches`].
    pub matches: Option<String>,
    pub significance: Option<u32>,
    /// (kind, name), by kind and name.
    pub entities: Vec<(String, String)>,
    pub tags: Vec<String>,
    /// Who starred it.
    pub starred_by: Vec<String>,
    /// `withhold` or `redact`, when a journalist proposed it.
    pub mark: Option<String>,
    /// Whether anyone left a note on it.
    pub noted: bool,
}

/// A tag, note or star as recorded: on what, by whom, which day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TagRow {
    pub target: String,
    pub tag: String,
    pub user: String,
    pub day: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NoteRow {
    pub seq: i64,
    pub target: String,
    pub user: String,
    pub day: String,
    pub text: String,
}

/// A journalist's proposal that a document be withheld or redacted.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MarkRow {
    pub document_id: String,
    pub mark: String,
    /// A withholding's reason code (`PRIVACY`, `LEGAL`, …).
    pub code: Option<String>,
    pub reason: String,
    pub user: String,
    pub day: String,
}

/// The desk's facts about documents and journalists' records.
pub trait DeskRepo: Send + Sync {
    /// Forgets a submission's overlap classes (a new run starts).
    fn clear_overlap_facts(&self, submission: &SubmissionId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records overlap classes of a submission's documents (a batch of a
    /// run; a document not in the submission is left out).
    fn add_overlap_facts(
        &self,
        submission: &SubmissionId,
        facts: &[OverlapFact],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets a submission's entities and significances (a new triage).
    fn clear_entity_facts(&self, submission: &SubmissionId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records entities and significances of a submission's documents (a
    /// batch of a triage).
    fn add_entity_facts(
        &self,
        submission: &SubmissionId,
        facts: &[EntityFact],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The desk facts of these documents (every one asked for, empty
    /// where nothing is known).
    fn desk_facts(&self, ids: &[&str]) -> impl Future<Output = Result<HashMap<String, DeskFacts>, StoreError>> + Send;

    /// Tags a document or submission; false if it had the tag.
    fn add_tag(&self, tag: &TagRow) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Takes a tag off; false if it was not there.
    fn remove_tag(&self, target: &str, tag: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The tags of a document or submission, by tag.
    fn tags_of(&self, target: &str) -> impl Future<Output = Result<Vec<TagRow>, StoreError>> + Send;

    /// Every tag in use with how many documents and submissions carry it.
    fn tag_counts(&self) -> impl Future<Output = Result<Vec<(String, u64)>, StoreError>> + Send;

    fn add_note(
        &self,
        target: &str,
        user: &str,
        day: Day,
        text: &str,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// The notes on a document or submission, oldest first.
    fn notes_of(&self, target: &str) -> impl Future<Output = Result<Vec<NoteRow>, StoreError>> + Send;

    /// Notes holding every one of `words` (case-insensitive), newest first.
    fn search_notes(
        &self,
        words: &[&str],
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NoteRow>, StoreError>> + Send;

    /// Stars or unstars a document for a user.
    fn set_star(
        &self,
        document: &str,
        user: &str,
        day: Day,
        on: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Proposes a document be withheld or redacted (replacing an earlier
    /// mark), or clears the mark with `None`.
    fn set_mark(&self, document: &str, mark: Option<&MarkRow>) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The documents directly inside a document (a mail's attachments, an
    /// archive's members): id, path and type, by path.
    fn children(
        &self,
        document: &str,
    ) -> impl Future<Output = Result<Vec<(String, String, String)>, StoreError>> + Send;

    /// A mail's thread within its submission: the mails whose Message-ID
    /// is one of `parents` (what it answers and their ancestors, from its
    /// In-Reply-To and References), and those that answer `message_id` or
    /// name it among their References (the replies and theirs); (id, path,
    /// relation) with relation `parent` or `reply`, by path.
    fn thread(
        &self,
        submission: &SubmissionId,
        message_id: Option<&str>,
        parents: &[String],
    ) -> impl Future<Output = Result<Vec<(String, String, &'static str)>, StoreError>> + Send;

    /// The mark on one document, if any.
    fn mark_of(&self, document: &str) -> impl Future<Output = Result<Option<MarkRow>, StoreError>> + Send;

    /// The marks on a submission's documents.
    fn marks(&self, submission: &SubmissionId) -> impl Future<Output = Result<Vec<MarkRow>, StoreError>> + Send;
}

impl DeskRepo for SqlRepo {
    async fn clear_overlap_facts(&self, submission: &SubmissionId) -> Result<(), StoreError> {
        sqlx::query("UPDATE document_facts SET overlap = NULL, corpus = NULL, matches = NULL WHERE submission_id = $1")
            .bind(submission.to_string())
            .execute(self.pool())
            .await
            .map_err(db_err(format!("forgetting the overlap classes of {submission}")))?;
        Ok(())
    }

    async fn add_overlap_facts(&self, submission: &SubmissionId, facts: &[OverlapFact]) -> Result<(), StoreError> {
        let context = format!("recording the overlap classes of {submission}");
        let mut tx = self.pool().begin().await.map_err(db_err(context.clone()))?;
        for fact in facts {
            sqlx::query(
                "INSERT INTO document_facts (document_id, submission_id, overlap, corpus, matches)
                 SELECT id, submission_id, $2, $3, $5 FROM documents WHERE id = $1 AND submission_id = $4
                 ON CONFLICT (document_id) DO UPDATE SET overlap = excluded.overlap, corpus = excluded.corpus,
                   matches = excluded.matches",
            )
            .bind(&fact.document_id)
            .bind(&fact.class)
            .bind(&fact.corpus)
            .bind(submission.to_string())
            .bind(&fact.matches)
            .execute(&mut *tx)
            .await
            .map_err(db_err(context.clone()))?;
        }
        tx.commit().await.map_err(db_err(context))
    }

    async fn clear_entity_facts(&self, submission: &SubmissionId) -> Result<(), StoreError> {
        let context = format!("forgetting the entities of {submission}");
        let mut tx = self.pool().begin().await.map_err(db_err(context.clone()))?;
        sqlx::query("DELETE FROM document_entities WHERE submission_id = $1")
            .bind(submission.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err(context.clone()))?;
        sqlx::query("UPDATE document_facts SET significance = NULL WHERE submission_id = $1")
            .bind(submission.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err(context.clone()))?;
        tx.commit().await.map_err(db_err(context))
    }

    async fn add_entity_facts(&self, submission: &SubmissionId, facts: &[EntityFact]) -> Result<(), StoreError> {
        let context = format!("recording the entities of {submission}");
        let mut tx = self.pool().begin().await.map_err(db_err(context.clone()))?;
        for fact in facts {
            let done = sqlx::query(
                "INSERT INTO document_facts (document_id, submission_id, significance)
                 SELECT id, submission_id, $2 FROM documents WHERE id = $1 AND submission_id = $3
                 ON CONFLICT (document_id) DO UPDATE SET significance = excluded.significance",
            )
            .bind(&fact.document_id)
            .bind(i64::from(fact.significance))
            .bind(submission.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db_err(context.clone()))?;
            if done.rows_affected() == 0 {
                continue;
            }
            for (kind, name) in &fact.entities {
                sqlx::query(
                    "INSERT INTO document_entities (document_id, submission_id, kind, name)
                     VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                )
                .bind(&fact.document_id)
                .bind(submission.to_string())
                .bind(kind)
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(db_err(context.clone()))?;
            }
        }
        tx.commit().await.map_err(db_err(context))
    }

    async fn desk_facts(&self, ids: &[&str]) -> Result<HashMap<String, DeskFacts>, StoreError> {
        let mut found: HashMap<String, DeskFacts> =
            ids.iter().map(|id| (id.to_string(), DeskFacts::default())).collect();
        let pool = self.pool();
        let context = "reading the desk's facts of documents";
        let sql = "SELECT document_id, overlap, corpus, significance, matches FROM document_facts WHERE document_id IN ({ids})";
        for row in fetch_in(pool, sql, &[], ids, context).await? {
            if let Some(facts) = found.get_mut(row.get::<&str, _>(0)) {
                facts.overlap = row.get(1);
                facts.corpus = row.get(2);
                facts.significance = row
                    .get::<Option<i64>, _>(3)
                    .map(|s| s.clamp(0, i64::from(u32::MAX)) as u32);
                facts.matches = row.get(4);
            }
        }
        let sql =
            "SELECT document_id, kind, name FROM document_entities WHERE document_id IN ({ids}) ORDER BY kind, name";
        for row in fetch_in(pool, sql, &[], ids, context).await? {
            if let Some(facts) = found.get_mut(row.get::<&str, _>(0)) {
                facts.entities.push((row.get(1), row.get(2)));
            }
        }
        let sql = "SELECT target, tag FROM tags WHERE target IN ({ids}) ORDER BY tag";
        for row in fetch_in(pool, sql, &[], ids, context).await? {
            if let Some(facts) = found.get_mut(row.get::<&str, _>(0)) {
                facts.tags.push(row.get(1));
            }
        }
        let sql = "SELECT document_id, user_name FROM stars WHERE document_id IN ({ids}) ORDER BY user_name";
        for row in fetch_in(pool, sql, &[], ids, context).await? {
            if let Some(facts) = found.get_mut(row.get::<&str, _>(0)) {
                facts.starred_by.push(row.get(1));
            }
        }
        let sql = "SELECT DISTINCT target FROM notes WHERE target IN ({ids})";
        for row in fetch_in(pool, sql, &[], ids, context).await? {
            if let Some(facts) = found.get_mut(row.get::<&str, _>(0)) {
                facts.noted = true;
            }
        }
        let sql = "SELECT document_id, mark FROM document_marks WHERE document_id IN ({ids})";
        for row in fetch_in(pool, sql, &[], ids, context).await? {
            if let Some(facts) = found.get_mut(row.get::<&str, _>(0)) {
                facts.mark = row.get(1);
            }
        }
        Ok(found)
    }

    async fn add_tag(&self, tag: &TagRow) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO tags (target, tag, user_name, day) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(&tag.target)
        .bind(&tag.tag)
        .bind(&tag.user)
        .bind(&tag.day)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("tagging {} {:?}", tag.target, tag.tag)))?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_tag(&self, target: &str, tag: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM tags WHERE target = $1 AND tag = $2")
            .bind(target)
            .bind(tag)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("untagging {target} {tag:?}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn tags_of(&self, target: &str) -> Result<Vec<TagRow>, StoreError> {
        let rows = sqlx::query("SELECT target, tag, user_name, day FROM tags WHERE target = $1 ORDER BY tag")
            .bind(target)
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("reading the tags of {target}")))?;
        Ok(rows
            .iter()
            .map(|row| TagRow {
                target: row.get(0),
                tag: row.get(1),
                user: row.get(2),
                day: row.get(3),
            })
            .collect())
    }

    async fn tag_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows = sqlx::query("SELECT tag, COUNT(*) FROM tags GROUP BY tag ORDER BY tag")
            .fetch_all(self.pool())
            .await
            .map_err(db_err("counting tags"))?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), row.get::<i64, _>(1) as u64))
            .collect())
    }

    async fn add_note(&self, target: &str, user: &str, day: Day, text: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("INSERT INTO notes (target, user_name, day, text) VALUES ($1, $2, $3, $4) RETURNING seq")
            .bind(target)
            .bind(user)
            .bind(day.to_string())
            .bind(text)
            .fetch_one(self.pool())
            .await
            .map_err(db_err(format!("adding a note to {target}")))
    }

    async fn notes_of(&self, target: &str) -> Result<Vec<NoteRow>, StoreError> {
        let rows = sqlx::query("SELECT seq, target, user_name, day, text FROM notes WHERE target = $1 ORDER BY seq")
            .bind(target)
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("reading the notes on {target}")))?;
        Ok(rows.iter().map(note_from_row).collect())
    }

    async fn search_notes(&self, words: &[&str], limit: usize) -> Result<Vec<NoteRow>, StoreError> {
        // Notes are few (written by hand), so a scan is fine; each word is
        // bound, with LIKE's wildcards escaped.
        let mut sql = String::from("SELECT seq, target, user_name, day, text FROM notes WHERE TRUE");
        let like = self.dialect().like();
        for n in 1..=words.len() {
            sql.push_str(&format!(" AND text {like} ${n} ESCAPE '\\'"));
        }
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", words.len() + 1));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for word in words {
            let escaped = word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            query = query.bind(format!("%{escaped}%"));
        }
        let rows = query
            .bind(limit as i64)
            .fetch_all(self.pool())
            .await
            .map_err(db_err("searching notes"))?;
        Ok(rows.iter().map(note_from_row).collect())
    }

    async fn set_star(&self, document: &str, user: &str, day: Day, on: bool) -> Result<(), StoreError> {
        let query = if on {
            sqlx::query("INSERT INTO stars (document_id, user_name, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(document)
                .bind(user)
                .bind(day.to_string())
        } else {
            sqlx::query("DELETE FROM stars WHERE document_id = $1 AND user_name = $2")
                .bind(document)
                .bind(user)
        };
        query
            .execute(self.pool())
            .await
            .map_err(db_err(format!("starring {document}")))?;
        Ok(())
    }

    async fn set_mark(&self, document: &str, mark: Option<&MarkRow>) -> Result<(), StoreError> {
        let context = format!("marking {document}");
        let query = match mark {
            Some(mark) => sqlx::query(
                "INSERT INTO document_marks (document_id, mark, code, reason, user_name, day) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (document_id) DO UPDATE SET mark = excluded.mark, code = excluded.code,
                   reason = excluded.reason, user_name = excluded.user_name, day = excluded.day",
            )
            .bind(document)
            .bind(&mark.mark)
            .bind(&mark.code)
            .bind(&mark.reason)
            .bind(&mark.user)
            .bind(&mark.day),
            None => sqlx::query("DELETE FROM document_marks WHERE document_id = $1").bind(document),
        };
        query.execute(self.pool()).await.map_err(db_err(context))?;
        Ok(())
    }

    async fn children(&self, document: &str) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query("SELECT id, path, type FROM documents WHERE parent_id = $1 ORDER BY path")
            .bind(document)
            .fetch_all(self.pool())
            .await
            .map_err(db_err(format!("reading what {document} holds")))?;
        Ok(rows.iter().map(|row| (row.get(0), row.get(1), row.get(2))).collect())
    }

    async fn thread(
        &self,
        submission: &SubmissionId,
        message_id: Option<&str>,
        parents: &[String],
    ) -> Result<Vec<(String, String, &'static str)>, StoreError> {
        // Message-IDs are read from the documents' metadata: a scan of
        // the submission's mail, which is fine for one page.
        let context = format!("reading a thread of {submission}");
        let mut found = Vec::new();
        if !parents.is_empty() {
            let ids: Vec<&str> = parents.iter().map(String::as_str).collect();
            let sql = format!(
                "SELECT id, path FROM documents WHERE submission_id = $1 AND type = 'email'
                 AND {} IN ({{ids}}) ORDER BY path",
                self.dialect().json_text("metadata", "message_id")
            );
            for row in fetch_in(self.pool(), &sql, &[submission.to_string()], &ids, &context).await? {
                found.push((row.get(0), row.get(1), "parent"));
            }
        }
        if let Some(message_id) = message_id {
            let dialect = self.dialect();
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id, path FROM documents WHERE submission_id = $1 AND type = 'email'
                 AND ({} OR {}) ORDER BY path",
                dialect.json_holds("documents.metadata", "in_reply_to", "$2"),
                dialect.json_holds("documents.metadata", "references", "$2"),
            )))
            .bind(submission.to_string())
            .bind(message_id)
            .fetch_all(self.pool())
            .await
            .map_err(db_err(context))?;
            found.extend(rows.iter().map(|row| (row.get(0), row.get(1), "reply")));
        }
        Ok(found)
    }

    async fn mark_of(&self, document: &str) -> Result<Option<MarkRow>, StoreError> {
        let row = sqlx::query(
            "SELECT document_id, mark, code, reason, user_name, day FROM document_marks WHERE document_id = $1",
        )
        .bind(document)
        .fetch_optional(self.pool())
        .await
        .map_err(db_err(format!("reading the mark on {document}")))?;
        Ok(row.as_ref().map(mark_from_row))
    }

    async fn marks(&self, submission: &SubmissionId) -> Result<Vec<MarkRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT m.document_id, m.mark, m.code, m.reason, m.user_name, m.day FROM document_marks m
             JOIN documents d ON d.id = m.document_id WHERE d.submission_id = $1 ORDER BY d.path",
        )
        .bind(submission.to_string())
        .fetch_all(self.pool())
        .await
        .map_err(db_err(format!("reading the marks on {submission}")))?;
        Ok(rows.iter().map(mark_from_row).collect())
    }
}

fn mark_from_row(row: &sqlx::any::AnyRow) -> MarkRow {
    MarkRow {
        document_id: row.get(0),
        mark: row.get(1),
        code: row.get(2),
        reason: row.get(3),
        user: row.get(4),
        day: row.get(5),
    }
}

fn note_from_row(row: &sqlx::any::AnyRow) -> NoteRow {
    NoteRow {
        seq: row.get(0),
        target: row.get(1),
        user: row.get(2),
        day: row.get(3),
        text: row.get(4),
    }
}

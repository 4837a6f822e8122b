//! Search: the index is built as documents are ingested and answers the
//! desk's queries; a submission whose index is incomplete (an ingest that
//! was killed, failures retried) is indexed again from the store.

use serde::Serialize;
use trove_search::{IndexWriter, Indexed, Query};
use trove_store::{DocumentRecord, DocumentRepo as _, DocumentTexts, SubmissionId, read_texts};

use crate::{AppError, Newsroom};

/// What the index writer may hold before writing a segment.
const WRITER_MEMORY: usize = 64 << 20;

/// Documents between commits of a long ingest, so that searches see it
/// grow.
const COMMIT_EVERY: u64 = 50_000;

/// A hit with a snippet of its text around the query's words.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    #[serde(flatten)]
    pub hit: trove_search::Hit,
    pub snippet: String,
}

/// A mail's senders, recipients and subject, and a document's date, as the
/// index takes them from ingest's metadata.
pub(crate) struct Described {
    pub(crate) from: Vec<String>,
    pub(crate) to: Vec<String>,
    pub(crate) subject: Option<String>,
    pub(crate) date: Option<i64>,
}

pub(crate) fn described(doc: &DocumentRecord) -> Described {
    let strings = |key: &str| -> Vec<String> {
        match doc.metadata.get(key) {
            Some(serde_json::Value::Array(items)) => {
                items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
            }
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let date = ["date", "modified", "created"]
        .iter()
        .filter_map(|key| doc.metadata.get(*key)?.as_str())
        .find_map(trove_verify::parse_date);
    Described {
        from: strings("from"),
        to: strings("to"),
        subject: doc.metadata.get("subject").and_then(|v| v.as_str()).map(str::to_owned),
        date,
    }
}

/// Adds one document to the index.
pub(crate) fn index_document(writer: &mut IndexWriter, doc: &DocumentRecord, text: &str) -> Result<(), AppError> {
    let described = described(doc);
    let submission = doc.submission.to_string();
    writer.add(&Indexed {
        id: &doc.id,
        submission: &submission,
        path: &doc.path,
        doc_type: &doc.doc_type,
        text,
        from: &described.from,
        to: &described.to,
        subject: described.subject.as_deref(),
        date: described.date,
    })?;
    Ok(())
}

/// Feeds an index writer during ingest: documents as they are recorded,
/// a commit every so often, and the first error kept for the end.
pub(crate) struct IngestIndexer {
    writer: IndexWriter,
    added: u64,
    failure: Option<AppError>,
}

impl IngestIndexer {
    pub(crate) fn new(newsroom: &Newsroom) -> Result<IngestIndexer, AppError> {
        Ok(IngestIndexer {
            writer: newsroom.search_index()?.writer(WRITER_MEMORY)?,
            added: 0,
            failure: None,
        })
    }

    pub(crate) fn add(&mut self, doc: &DocumentRecord, text: &str) {
        if self.failure.is_some() {
            return;
        }
        self.added += 1;
        let committed = if self.added.is_multiple_of(COMMIT_EVERY) {
            self.writer.commit().map_err(AppError::from)
        } else {
            Ok(())
        };
        if let Err(error) = committed.and_then(|()| index_document(&mut self.writer, doc, text)) {
            self.failure = Some(error);
        }
    }

    /// Commits, and indexes the submission again if the index does not
    /// hold exactly its documents.
    pub(crate) async fn finish(mut self, newsroom: &Newsroom, id: &SubmissionId) -> Result<(), AppError> {
        if let Some(error) = self.failure.take() {
            return Err(error);
        }
        self.writer.commit()?;
        let index = newsroom.search_index()?;
        index.refresh()?;
        let documents = newsroom.repo().document_summary(id).await?.documents();
        if index.count(&id.to_string())? != documents {
            newsroom.reindex_with(&mut self.writer, id).await?;
        }
        Ok(())
    }
}

impl Newsroom {
    /// Indexes a submission again from the store (its texts read pack by
    /// pack); returns how many documents the index now holds for it.
    pub async fn reindex(&self, id: &SubmissionId) -> Result<u64, AppError> {
        self.submission(id).await?;
        let mut writer = self.search_index()?.writer(WRITER_MEMORY)?;
        self.reindex_with(&mut writer, id).await
    }

    async fn reindex_with(&self, writer: &mut IndexWriter, id: &SubmissionId) -> Result<u64, AppError> {
        writer.remove_submission(&id.to_string());
        let opener = self.opener()?;
        let mut texts = DocumentTexts::new(self.repo(), &opener, id).await?;
        while let Some(batch) = texts.next_batch().await? {
            for (doc, text) in batch {
                index_document(writer, &doc, &text)?;
            }
        }
        writer.commit()?;
        let index = self.search_index()?;
        index.refresh()?;
        self.relist(id).await?;
        Ok(index.count(&id.to_string())?)
    }

    /// The hits of a query (see [`trove_search::SearchIndex`] for what it
    /// may say), best first, each with a snippet cut from its text.
    pub async fn search(&self, query: &Query) -> Result<Vec<SearchHit>, AppError> {
        let index = self.search_index()?;
        let hits = index.search(query)?;
        let ids: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        let documents = self.repo().documents_by_ids(&ids).await?;
        let refs: Vec<&DocumentRecord> = documents.iter().collect();
        let texts = read_texts(&self.opener()?, &refs)?;
        hits.into_iter()
            .map(|hit| {
                let snippet = match texts.get(&hit.id) {
                    Some(text) => index.snippet(query, text)?.0,
                    None => String::new(),
                };
                Ok(SearchHit { hit, snippet })
            })
            .collect()
    }
}

/// One line of a batch search: the query it ran, how many documents match
/// and the best of them, or why it could not run.
#[derive(Debug, Clone, Serialize)]
pub struct BatchTerm {
    /// The line as given.
    pub term: String,
    /// The query it ran (a name of several words is a phrase).
    pub query: String,
    pub count: u64,
    pub hits: Vec<trove_search::Hit>,
    pub error: Option<String>,
}

/// The most lines a batch search takes.
pub const MAX_BATCH_TERMS: usize = 1000;

/// The terms of a batch: one a line, or the first column of a CSV file
/// (with or without a header row, which is searched like any other line);
/// blank lines and `#` comments are skipped, and repeats kept once.
pub fn batch_terms(text: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut seen = std::collections::HashSet::new();
    reader
        .records()
        .filter_map(|record| record.ok())
        .filter_map(|record| record.get(0).map(|t| t.trim().to_owned()))
        .filter(|term| !term.is_empty() && seen.insert(term.clone()))
        .collect()
}

/// The query a batch line runs: as written when it uses the query
/// language (quotes, `field:`, AND/OR/NOT, parentheses); a name of several
/// words is searched as a phrase, since that is what batch lists hold.
fn batch_query(term: &str) -> String {
    let uses_syntax =
        term.contains(['"', ':', '(', ')']) || term.split_whitespace().any(|w| matches!(w, "AND" | "OR" | "NOT"));
    if uses_syntax || !term.contains(char::is_whitespace) {
        term.to_owned()
    } else {
        format!("\"{term}\"")
    }
}

impl Newsroom {
    /// Runs every term at once (within one submission, or across all),
    /// each with its count and its best `hits_per_term` documents. A term
    /// the query language refuses gets its error; the others still run.
    pub fn batch_search(
        &self,
        terms: &[String],
        submission: Option<&SubmissionId>,
        hits_per_term: usize,
    ) -> Result<Vec<BatchTerm>, AppError> {
        if terms.len() > MAX_BATCH_TERMS {
            return Err(AppError::Search(trove_search::SearchError::Query {
                query: format!("{} terms", terms.len()),
                reason: format!("a batch takes at most {MAX_BATCH_TERMS} terms; split the list"),
            }));
        }
        let index = self.search_index()?;
        Ok(terms
            .iter()
            .map(|term| {
                let query = Query {
                    text: batch_query(term),
                    submission: submission.map(|s| s.to_string()),
                    limit: hits_per_term,
                };
                let (count, hits, error) = match index.count_and_search(&query) {
                    Ok((count, hits)) => (count, hits, None),
                    Err(e) => (0, Vec::new(), Some(e.to_string())),
                };
                BatchTerm {
                    term: term.clone(),
                    query: query.text,
                    count,
                    hits,
                    error,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_lines_from_text_or_csv() {
        let text = "name,role\nAnna Berg,minister\n\n# a comment\n\"Holm, Eva\",aide\nAnna Berg,again\nIstmo\n";
        assert_eq!(batch_terms(text), ["name", "Anna Berg", "Holm, Eva", "Istmo"]);
        assert_eq!(batch_query("Anna Berg"), "\"Anna Berg\"");
        assert_eq!(batch_query("Istmo"), "Istmo");
        assert_eq!(batch_query("from:anna@example.org"), "from:anna@example.org");
        assert_eq!(batch_query("Berg OR Holm"), "Berg OR Holm");
    }
}

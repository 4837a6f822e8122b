//! Full-text search over documents: one tantivy index, added to as
//! documents are ingested (the desk) or published (the public archive),
//! and queried in milliseconds instead of by reading texts.
//!
//! * [`SearchIndex`] opens (or creates) an index folder and answers a
//!   [`Query`]: words and phrases (`"…"`) in the text, the subject or the
//!   path, `from:` and `to:` (mail addresses and names), `type:`,
//!   `after:YYYY-MM-DD` and `before:YYYY-MM-DD` (the document's date),
//!   optionally within one submission; hits come with their path and
//!   score, best first.
//! * [`IndexWriter`] adds documents ([`Indexed`]), removes a submission's
//!   (to index it again) and commits; searches see what was committed.
//!
//! What this crate must never do: store a document's text. The index holds
//! the terms it needs to answer (postings) and, per document, only its id,
//! submission and path; snippets are cut by the caller from the text it
//! reads from the sealed store ([`SearchIndex::snippet`]). An index is
//! rebuilt from the documents at any time, so it is never the only copy
//! of anything.

pub mod listing;
mod pairs;
pub mod public;

use std::ops::Bound;
use std::path::{Path, PathBuf};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TEXT, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index {path}: {reason}")]
    Index { path: PathBuf, reason: String },
    #[error("the query {query:?} is not understood: {reason}")]
    Query { query: String, reason: String },
}

/// One document to index: what it is and what it says.
#[derive(Debug, Clone, Copy, Default)]
pub struct Indexed<'a> {
    pub id: &'a str,
    pub submission: &'a str,
    pub path: &'a str,
    pub doc_type: &'a str,
    pub text: &'a str,
    /// Senders and recipients as the mail gives them (addresses, names).
    pub from: &'a [String],
    pub to: &'a [String],
    pub subject: Option<&'a str>,
    /// The document's date (a mail's Date, a file's modification), as
    /// seconds since 1970.
    pub date: Option<i64>,
}

/// A search: the query as an editor types it, optionally within one
/// submission, and how many hits to return.
#[derive(Debug, Clone)]
pub struct Query {
    pub text: String,
    pub submission: Option<String>,
    pub limit: usize,
}

/// One hit, best first.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    pub id: String,
    pub submission: String,
    pub path: String,
    pub score: f32,
}

/// The fields of the schema.
#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    key: Field,
    submission: Field,
    path: Field,
    doc_type: Field,
    text: Field,
    from: Field,
    to: Field,
    subject: Field,
    date: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    // Words and phrases: positions are kept for phrase queries; the text
    // itself is not stored.
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        // The document's number in the list index too (`listing`).
        key: builder.add_u64_field("key", FAST),
        submission: builder.add_text_field("submission", STRING | STORED),
        path: builder.add_text_field("path", TEXT | STORED),
        doc_type: builder.add_text_field("type", STRING),
        text: builder.add_text_field("text", words.clone()),
        from: builder.add_text_field("from", words.clone()),
        to: builder.add_text_field("to", words.clone()),
        subject: builder.add_text_field("subject", words),
        date: builder.add_i64_field("date", INDEXED | FAST),
    };
    (builder.build(), fields)
}

/// Opens (or creates) the tantivy index in `dir` with `schema`, after
/// `setup` (which registers its tokenizers), and a reader that reloads
/// when another process (an ingest, a publish) commits, within
/// milliseconds, by watching the index's meta file. `rebuild` is the
/// command that makes the index again when it is of another version.
fn open_index(
    dir: &Path,
    schema: Schema,
    rebuild: &str,
    setup: impl FnOnce(&Index),
) -> Result<(Index, IndexReader), SearchError> {
    let fail = |reason: String| SearchError::Index {
        path: dir.to_owned(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let directory = tantivy::directory::MmapDirectory::open(dir).map_err(|e| fail(e.to_string()))?;
    let index = Index::open_or_create(directory, schema).map_err(|e| {
        fail(format!(
            "{e} (an index of another version: remove the folder and run `{rebuild}`)"
        ))
    })?;
    setup(&index);
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::OnCommitWithDelay)
        .try_into()
        .map_err(|e: tantivy::TantivyError| fail(e.to_string()))?;
    Ok((index, reader))
}

/// An index folder, open for searching.
pub struct SearchIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the folder) if needed.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let (index, reader) = open_index(dir, schema, "trove search reindex", |_| {})?;
        Ok(SearchIndex {
            path: dir.to_owned(),
            index,
            reader,
            fields,
        })
    }

    fn fail(&self, error: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: self.path.clone(),
            reason: error.to_string(),
        }
    }

    /// A writer: one at a time per index (another process's ingest holds
    /// the index's lock until it finishes). `memory` bounds what it holds
    /// before writing a segment.
    pub fn writer(&self, memory: usize) -> Result<IndexWriter, SearchError> {
        let writer = self
            .index
            .writer_with_num_threads(1, memory.max(20 << 20))
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => self.fail(
                    "another process is writing the search index (an ingest or a reindex); wait for it to finish",
                ),
                other => self.fail(other),
            })?;
        Ok(IndexWriter {
            writer,
            fields: self.fields,
            path: self.path.clone(),
        })
    }

    /// Makes what was committed so far visible to searches now, without
    /// waiting for the reader to notice.
    pub fn refresh(&self) -> Result<(), SearchError> {
        self.reader.reload().map_err(|e| self.fail(e))
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// How many documents of a submission the index holds.
    pub fn count(&self, submission: &str) -> Result<u64, SearchError> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.submission, submission),
            IndexRecordOption::Basic,
        );
        let count = self.searcher().search(&query, &Count).map_err(|e| self.fail(e))?;
        Ok(count as u64)
    }

    /// The hits of a query, best first.
    pub fn search(&self, query: &Query) -> Result<Vec<Hit>, SearchError> {
        let parsed = self.parse(query)?;
        let searcher = self.searcher();
        let top = searcher
            .search(&parsed, &TopDocs::with_limit(query.limit.max(1)).order_by_score())
            .map_err(|e| self.fail(e))?;
        top.into_iter()
            .map(|(score, address)| self.hit(&searcher, score, address))
            .collect()
    }

    /// How many documents match a query, and the best `query.limit` of
    /// them, from one pass over the postings.
    pub fn count_and_search(&self, query: &Query) -> Result<(u64, Vec<Hit>), SearchError> {
        let parsed = self.parse(query)?;
        let searcher = self.searcher();
        let (count, top) = searcher
            .search(
                &parsed,
                &(Count, TopDocs::with_limit(query.limit.max(1)).order_by_score()),
            )
            .map_err(|e| self.fail(e))?;
        let hits = top
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, score, address))
            .collect::<Result<_, _>>()?;
        Ok((count as u64, hits))
    }

    /// Every document a query matches, by its key
    /// ([`listing::document_key`]), with its score: what narrows a list
    /// to a search's documents.
    pub fn matching(&self, query: &Query) -> Result<std::collections::HashMap<u64, f32>, SearchError> {
        let parsed = self.parse(query)?;
        self.searcher().search(&parsed, &KeyScores).map_err(|e| self.fail(e))
    }

    fn hit(&self, searcher: &Searcher, score: f32, address: DocAddress) -> Result<Hit, SearchError> {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.fail(e))?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        Ok(Hit {
            id: text(self.fields.id),
            submission: text(self.fields.submission),
            path: text(self.fields.path),
            score,
        })
    }

    /// The query as tantivy runs it: `after:` and `before:` become a range
    /// on the date; the rest goes to tantivy's query parser (words, quoted
    /// phrases, `field:term`, AND/OR/NOT), over the text, subject and path
    /// by default, every word required.
    fn parse(&self, query: &Query) -> Result<BooleanQuery, SearchError> {
        let bad = |reason: String| SearchError::Query {
            query: query.text.clone(),
            reason,
        };
        let mut after = Bound::Unbounded;
        let mut before = Bound::Unbounded;
        let mut rest = Vec::new();
        for word in split_outside_quotes(&query.text) {
            if let Some(day) = word.strip_prefix("after:") {
                after = Bound::Included(Term::from_field_i64(self.fields.date, start_of_day(day).map_err(bad)?));
            } else if let Some(day) = word.strip_prefix("before:") {
                before = Bound::Excluded(Term::from_field_i64(self.fields.date, start_of_day(day).map_err(bad)?));
            } else {
                rest.push(word);
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        let words = rest.join(" ");
        if !words.trim().is_empty() {
            let mut parser = QueryParser::for_index(
                &self.index,
                vec![self.fields.text, self.fields.subject, self.fields.path],
            );
            parser.set_conjunction_by_default();
            let parsed = parser.parse_query(&words).map_err(|e| bad(e.to_string()))?;
            clauses.push((Occur::Must, parsed));
        }
        if !matches!((&after, &before), (Bound::Unbounded, Bound::Unbounded)) {
            clauses.push((Occur::Must, Box::new(RangeQuery::new(after, before))));
        }
        if clauses.is_empty() {
            if query.submission.is_none() {
                return Err(bad("it is empty".into()));
            }
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        if let Some(submission) = &query.submission {
            let term = Term::from_field_text(self.fields.submission, submission);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        Ok(BooleanQuery::new(clauses))
    }

    /// A snippet of `text` around the query's words, with the matched
    /// words' byte ranges in the snippet (for highlighting).
    pub fn snippet(&self, query: &Query, text: &str) -> Result<(String, Vec<std::ops::Range<usize>>), SearchError> {
        let parsed = self.parse(query)?;
        let mut generator = tantivy::snippet::SnippetGenerator::create(&self.searcher(), &parsed, self.fields.text)
            .map_err(|e| self.fail(e))?;
        generator.set_max_num_chars(200);
        let snippet = generator.snippet(text);
        Ok((snippet.fragment().to_owned(), snippet.highlighted().to_vec()))
    }
}

/// Collects the key and score of every matching document.
struct KeyScores;

struct SegmentKeyScores {
    keys: Option<tantivy::columnar::Column<u64>>,
    found: Vec<(u64, f32)>,
}

impl tantivy::collector::Collector for KeyScores {
    type Fruit = std::collections::HashMap<u64, f32>;
    type Child = SegmentKeyScores;

    fn for_segment(&self, _: u32, segment: &tantivy::SegmentReader) -> tantivy::Result<SegmentKeyScores> {
        Ok(SegmentKeyScores {
            keys: segment.fast_fields().u64("key").ok(),
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u64, f32)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl tantivy::collector::SegmentCollector for SegmentKeyScores {
    type Fruit = Vec<(u64, f32)>;

    fn collect(&mut self, doc: tantivy::DocId, score: f32) {
        if let Some(key) = self.keys.as_ref().and_then(|keys| keys.first(doc)) {
            self.found.push((key, score));
        }
    }

    fn harvest(self) -> Vec<(u64, f32)> {
        self.found
    }
}

/// The query's words, a quoted phrase counting as one.
fn split_outside_quotes(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Seconds since 1970 at the start (UTC) of a `YYYY-MM-DD` day.
fn start_of_day(day: &str) -> Result<i64, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(day, format).map_err(|_| format!("{day:?} is not a day (YYYY-MM-DD)"))?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}

/// Adds and removes documents; nothing is visible before [`commit`].
///
/// [`commit`]: IndexWriter::commit
pub struct IndexWriter {
    writer: tantivy::IndexWriter,
    fields: Fields,
    path: PathBuf,
}

impl IndexWriter {
    fn fail(&self, error: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: self.path.clone(),
            reason: error.to_string(),
        }
    }

    /// Adds a document (queued to the indexing thread).
    pub fn add(&mut self, doc: &Indexed<'_>) -> Result<(), SearchError> {
        let fields = self.fields;
        let mut out = TantivyDocument::new();
        out.add_text(fields.id, doc.id);
        out.add_u64(fields.key, listing::document_key(doc.id));
        out.add_text(fields.submission, doc.submission);
        out.add_text(fields.path, doc.path);
        out.add_text(fields.doc_type, doc.doc_type);
        out.add_text(fields.text, doc.text);
        for from in doc.from {
            out.add_text(fields.from, from);
        }
        for to in doc.to {
            out.add_text(fields.to, to);
        }
        if let Some(subject) = doc.subject {
            out.add_text(fields.subject, subject);
        }
        if let Some(date) = doc.date {
            out.add_i64(fields.date, date);
        }
        self.writer.add_document(out).map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Removes every document of a submission (before indexing it again).
    pub fn remove_submission(&mut self, submission: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.submission, submission));
    }

    /// Makes everything added so far durable and searchable.
    pub fn commit(&mut self) -> Result<(), SearchError> {
        self.writer.commit().map_err(|e| self.fail(e))?;
        Ok(())
    }
}

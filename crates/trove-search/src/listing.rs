//! The desk's document lists: every document with what it is listed,
//! sorted and narrowed by (type, status, verdict, overlap class and
//! corpus, sender and recipient domains, year and month, entities, tags,
//! stars, marks), answered from an index of its own in milliseconds.
//!
//! It is apart from the text index because what it holds changes after
//! ingest (verification, overlap, triage, a journalist's tag) and tantivy
//! cannot change a document in place: a change here is one small
//! document deleted and added again, with no text to read. A search's
//! words are answered by the text index ([`crate::SearchIndex::matching`]),
//! and the list keeps the documents it matched (by [`document_key`]).
//!
//! Like the text index, it holds no text, only ids, paths and the values
//! listed; it is rebuilt from the database at any time.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::collector::{Collector, Count, FacetCollector, FacetCounts, FilterCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, Value};
use tantivy::{DocAddress, DocId, Index, IndexReader, Order, Searcher, SegmentReader, TantivyDocument, Term};

use crate::{SearchError, open_index};

/// The facet groups, in the order pages show them.
pub const LIST_FACETS: [&str; 16] = [
    "type",
    "status",
    "verdict",
    "overlap",
    "corpus",
    "from",
    "to",
    "year",
    "month",
    "person",
    "organisation",
    "place",
    "email",
    "tag",
    "mark",
    "noted",
];

/// What the list writer holds before writing a segment: tantivy's least
/// (a list entry is small, and the stages that list a submission again,
/// triage among them, must not grow with it).
const LIST_WRITER_MEMORY: usize = 15_000_000;

/// Values shown per facet group.
const FACET_VALUES: usize = 15;

/// The number that joins a document's entries in the text index and the
/// list: the first 8 bytes of its id (ids are 16 random-looking bytes in
/// hex), or a hash of an id that is not hex.
pub fn document_key(id: &str) -> u64 {
    match id.get(..16).map(|head| u64::from_str_radix(head, 16)) {
        Some(Ok(key)) => key,
        _ => u64::from_le_bytes(blake3::hash(id.as_bytes()).as_bytes()[..8].try_into().unwrap_or([0; 8])),
    }
}

/// A document as the list holds it.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub id: String,
    pub submission: String,
    pub path: String,
    pub doc_type: String,
    /// `ok`, `partial`, `encrypted`, `failed`.
    pub status: String,
    pub size: u64,
    /// Seconds since 1970.
    pub date: Option<i64>,
    pub verdict: Option<String>,
    pub overlap: Option<String>,
    pub corpus: Option<String>,
    pub significance: Option<u32>,
    /// Domains of the senders and recipients.
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// (kind, name): `person`, `organisation`, `place`, `email`.
    pub entities: Vec<(String, String)>,
    pub tags: Vec<String>,
    pub starred_by: Vec<String>,
    /// `withhold` or `redact`, when proposed.
    pub mark: Option<String>,
    /// Whether it has a note (listed as `noted/yes`).
    pub noted: bool,
}

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListSort {
    #[default]
    Path,
    Type,
    Date,
    Size,
    Verdict,
    Overlap,
    Significance,
    /// How well the search's words match (only with words).
    Relevance,
}

impl ListSort {
    pub const ALL: [ListSort; 8] = [
        ListSort::Path,
        ListSort::Type,
        ListSort::Date,
        ListSort::Size,
        ListSort::Verdict,
        ListSort::Overlap,
        ListSort::Significance,
        ListSort::Relevance,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ListSort::Path => "path",
            ListSort::Type => "type",
            ListSort::Date => "date",
            ListSort::Size => "size",
            ListSort::Verdict => "verdict",
            ListSort::Overlap => "overlap",
            ListSort::Significance => "significance",
            ListSort::Relevance => "relevance",
        }
    }

    pub fn parse(name: &str) -> Option<ListSort> {
        ListSort::ALL.into_iter().find(|sort| sort.name() == name)
    }
}

/// A list to show: which documents, narrowed how, sorted how, which page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub submission: Option<String>,
    /// Facet filters, each `group/value`: values of one group are
    /// alternatives, groups narrow each other.
    pub facets: Vec<String>,
    /// Documents a search's words matched, with their scores (from
    /// [`crate::SearchIndex::matching`]); `None` lists every document.
    pub matched: Option<Arc<HashMap<u64, f32>>>,
    pub sort: ListSort,
    pub descending: bool,
    /// From 0.
    pub offset: usize,
    pub limit: usize,
}

/// One row of a list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ListRow {
    pub id: String,
    pub submission: String,
    pub path: String,
    #[serde(rename = "type")]
    pub doc_type: String,
    pub status: String,
    pub size: u64,
    pub date: Option<i64>,
    pub verdict: Option<String>,
    pub overlap: Option<String>,
    pub significance: Option<u64>,
}

/// A page of a list, with how many documents it has in all and the
/// counts of each facet's values among them.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ListPage {
    pub total: u64,
    pub rows: Vec<ListRow>,
    /// Per group (in [`LIST_FACETS`] order, empty groups left out), its
    /// values and counts, most first.
    pub facets: Vec<(String, Vec<(String, u64)>)>,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    key: Field,
    submission: Field,
    path: Field,
    doc_type: Field,
    status: Field,
    size: Field,
    date: Field,
    verdict: Field,
    verdict_rank: Field,
    overlap: Field,
    overlap_rank: Field,
    significance: Field,
    facet: Field,
    starred: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        key: builder.add_u64_field("key", INDEXED | FAST),
        submission: builder.add_text_field("submission", STRING | STORED),
        path: builder.add_text_field("path", STRING | FAST | STORED),
        doc_type: builder.add_text_field("type", STRING | FAST | STORED),
        status: builder.add_text_field("status", STRING | STORED),
        size: builder.add_u64_field("size", FAST | STORED),
        date: builder.add_i64_field("date", FAST | STORED),
        verdict: builder.add_text_field("verdict", STRING | STORED),
        verdict_rank: builder.add_u64_field("verdict_rank", FAST),
        overlap: builder.add_text_field("overlap", STRING | STORED),
        overlap_rank: builder.add_u64_field("overlap_rank", FAST),
        significance: builder.add_u64_field("significance", FAST | STORED),
        facet: builder.add_facet_field("facet", FacetOptions::default()),
        starred: builder.add_text_field("starred", STRING),
    };
    (builder.build(), fields)
}

/// Verdicts from the strongest, for sorting (none last).
fn verdict_rank(verdict: Option<&str>) -> u64 {
    match verdict {
        Some("verified") => 0,
        Some("consistent") => 1,
        Some("unverifiable") => 2,
        Some("suspicious") => 3,
        _ => 4,
    }
}

/// Overlap classes from the newest to the most public (none last).
fn overlap_rank(class: Option<&str>) -> u64 {
    match class {
        Some("new") => 0,
        Some("partial") => 1,
        Some("near") => 2,
        Some("exact") => 3,
        _ => 4,
    }
}

/// The list's index folder, open.
pub struct ListIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl ListIndex {
    /// Opens the list index in `dir`, creating it if needed.
    pub fn open(dir: &Path) -> Result<ListIndex, SearchError> {
        let (schema, fields) = schema();
        let (index, reader) = open_index(dir, schema, "trove search reindex", |_| {})?;
        Ok(ListIndex {
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

    /// A writer (one at a time per index).
    pub fn writer(&self) -> Result<ListWriter, SearchError> {
        let writer = self
            .index
            .writer_with_num_threads(1, LIST_WRITER_MEMORY)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => {
                    self.fail("another process is writing the document list index; wait for it to finish")
                }
                other => self.fail(other),
            })?;
        Ok(ListWriter {
            writer,
            fields: self.fields,
            path: self.path.clone(),
        })
    }

    /// Makes what was committed visible now.
    pub fn refresh(&self) -> Result<(), SearchError> {
        self.reader.reload().map_err(|e| self.fail(e))
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The query without the text: the submission and the facet filters.
    fn filter(&self, query: &ListQuery) -> Result<Box<dyn Query>, SearchError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(submission) = &query.submission {
            let term = Term::from_field_text(self.fields.submission, submission);
            clauses.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        let mut groups: Vec<(&str, Vec<Box<dyn Query>>)> = Vec::new();
        for filter in &query.facets {
            let Some((group, value)) = filter.split_once('/') else {
                return Err(SearchError::Query {
                    query: filter.clone(),
                    reason: "a facet filter is group/value".into(),
                });
            };
            let clause: Box<dyn Query> = if group == "starred" {
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.starred, value),
                    IndexRecordOption::Basic,
                ))
            } else {
                if !LIST_FACETS.contains(&group) {
                    return Err(SearchError::Query {
                        query: filter.clone(),
                        reason: format!("there is no facet {group:?} (there are {})", LIST_FACETS.join(", ")),
                    });
                }
                let facet = tantivy::schema::Facet::from_path([group, value]);
                Box::new(TermQuery::new(
                    Term::from_facet(self.fields.facet, &facet),
                    IndexRecordOption::Basic,
                ))
            };
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, alternatives)) => alternatives.push(clause),
                None => groups.push((group, vec![clause])),
            }
        }
        for (_, alternatives) in groups {
            let any = alternatives.into_iter().map(|q| (Occur::Should, q)).collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if clauses.is_empty() {
            return Ok(Box::new(AllQuery));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// A page of a list, its total and its facet counts, from one pass.
    pub fn list(&self, query: &ListQuery) -> Result<ListPage, SearchError> {
        let (total, addresses, counts) = self.run(query, true)?;
        let searcher = self.searcher();
        let rows = addresses
            .into_iter()
            .map(|address| self.row(&searcher, address))
            .collect::<Result<_, _>>()?;
        let mut groups = Vec::new();
        if let Some(counts) = counts {
            for group in LIST_FACETS {
                let values: Vec<(String, u64)> = counts
                    .top_k(tantivy::schema::Facet::from_path([group]), FACET_VALUES)
                    .into_iter()
                    .map(|(facet, count)| {
                        let value = facet.to_path().get(1).map(|v| v.to_string()).unwrap_or_default();
                        (value, count)
                    })
                    .collect();
                if !values.is_empty() {
                    groups.push((group.to_owned(), values));
                }
            }
        }
        Ok(ListPage {
            total: total as u64,
            rows,
            facets: groups,
        })
    }

    /// The count, one page's addresses and (if `with_facets`) the facet
    /// counts of a list, in one pass over its documents.
    fn run(
        &self,
        query: &ListQuery,
        with_facets: bool,
    ) -> Result<(usize, Vec<DocAddress>, Option<FacetCounts>), SearchError> {
        let filter = self.filter(query)?;
        let order = if query.descending { Order::Desc } else { Order::Asc };
        let top = TopDocs::with_limit(query.limit.max(1)).and_offset(query.offset);
        let run = Run {
            searcher: self.searcher(),
            filter: filter.as_ref(),
            matched: query.matched.clone(),
            with_facets,
        };
        let found = match query.sort {
            ListSort::Path => run.go(top.order_by_string_fast_field("path", order)),
            ListSort::Type => run.go(top.order_by_string_fast_field("type", order)),
            ListSort::Date => run.go(top.order_by_fast_field::<i64>("date", order)),
            ListSort::Size => run.go(top.order_by_u64_field("size", order)),
            ListSort::Verdict => run.go(top.order_by_u64_field("verdict_rank", order)),
            ListSort::Overlap => run.go(top.order_by_u64_field("overlap_rank", order)),
            ListSort::Significance => run.go(top.order_by_u64_field("significance", order)),
            ListSort::Relevance => {
                let scores = query.matched.clone().unwrap_or_default();
                // Best first unless asked otherwise: a document's score is
                // the text index's, found by its key.
                let order = if query.descending { Order::Asc } else { Order::Desc };
                let by_score = move |segment: &SegmentReader| {
                    let keys = segment.fast_fields().u64("key").ok();
                    let scores = Arc::clone(&scores);
                    move |doc: DocId| -> u64 {
                        let score = keys
                            .as_ref()
                            .and_then(|keys| keys.first(doc))
                            .and_then(|key| scores.get(&key).copied())
                            .unwrap_or(0.0);
                        // Scores are not negative: their bits order as they do.
                        u64::from(score.max(0.0).to_bits())
                    }
                };
                run.go(top.order_by((by_score, order)))
            }
        };
        found.map_err(|e| self.fail(e))
    }

    fn row(&self, searcher: &Searcher, address: DocAddress) -> Result<ListRow, SearchError> {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.fail(e))?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned);
        Ok(ListRow {
            id: text(self.fields.id).unwrap_or_default(),
            submission: text(self.fields.submission).unwrap_or_default(),
            path: text(self.fields.path).unwrap_or_default(),
            doc_type: text(self.fields.doc_type).unwrap_or_default(),
            status: text(self.fields.status).unwrap_or_default(),
            size: doc.get_first(self.fields.size).and_then(|v| v.as_u64()).unwrap_or(0),
            date: doc.get_first(self.fields.date).and_then(|v| v.as_i64()),
            verdict: text(self.fields.verdict),
            overlap: text(self.fields.overlap),
            significance: doc.get_first(self.fields.significance).and_then(|v| v.as_u64()),
        })
    }

    /// One page of rows (`query.offset`, `query.limit`) without counting
    /// facets: for a document's neighbours in its list.
    pub fn rows(&self, query: &ListQuery) -> Result<Vec<ListRow>, SearchError> {
        let (_, addresses, _) = self.run(query, false)?;
        let searcher = self.searcher();
        addresses
            .into_iter()
            .map(|address| self.row(&searcher, address))
            .collect()
    }

    /// How many documents a list holds and the counts of one facet
    /// group's values among them, without a page or the other groups.
    pub fn tally(&self, query: &ListQuery, group: &str) -> Result<(u64, Vec<(String, u64)>), SearchError> {
        let filter = self.filter(query)?;
        let mut facets = FacetCollector::for_field("facet");
        facets.add_facet(tantivy::schema::Facet::from_path([group]));
        let (total, counts) = self
            .searcher()
            .search(filter.as_ref(), &(Count, facets))
            .map_err(|e| self.fail(e))?;
        let values = counts
            .get(&format!("/{group}"))
            .map(|(facet, count)| {
                let value = facet.to_path().get(1).map(|v| v.to_string()).unwrap_or_default();
                (value, count)
            })
            .collect();
        Ok((total as u64, values))
    }

    /// The rows of every document of a list, in its order, a page of
    /// `page` at a time (for exports); `query.offset` and `query.limit`
    /// are ignored.
    pub fn each_page<E: From<SearchError>>(
        &self,
        query: &ListQuery,
        page: usize,
        mut each: impl FnMut(Vec<ListRow>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut next = ListQuery {
            offset: 0,
            limit: page.max(1),
            ..query.clone()
        };
        loop {
            let (_, addresses, _) = self.run(&next, false)?;
            let searcher = self.searcher();
            let done = addresses.len() < next.limit;
            let rows = addresses
                .into_iter()
                .map(|address| self.row(&searcher, address))
                .collect::<Result<_, _>>()?;
            each(rows)?;
            if done {
                return Ok(());
            }
            next.offset += next.limit;
        }
    }

    /// How many documents of a submission the list holds.
    pub fn count(&self, submission: &str) -> Result<u64, SearchError> {
        let query = TermQuery::new(
            Term::from_field_text(self.fields.submission, submission),
            IndexRecordOption::Basic,
        );
        Ok(self.searcher().search(&query, &Count).map_err(|e| self.fail(e))? as u64)
    }
}

/// One search of the list: the filter, the documents a search's words
/// matched, and whether facets are counted; run with a sorted collector of
/// any type.
struct Run<'a> {
    searcher: Searcher,
    filter: &'a dyn Query,
    matched: Option<Arc<HashMap<u64, f32>>>,
    with_facets: bool,
}

impl Run<'_> {
    fn go<C, K>(&self, sorted: C) -> tantivy::Result<(usize, Vec<DocAddress>, Option<FacetCounts>)>
    where
        C: Collector<Fruit = Vec<(K, DocAddress)>>,
    {
        let mut facets = FacetCollector::for_field("facet");
        for group in LIST_FACETS {
            facets.add_facet(tantivy::schema::Facet::from_path([group]));
        }
        let facets = self.with_facets.then_some(facets);
        let collectors = (Count, sorted, facets);
        let (count, top, counts) = match &self.matched {
            None => self.searcher.search(self.filter, &collectors)?,
            Some(matched) => {
                let keep = Arc::clone(matched);
                let filtered =
                    FilterCollector::new("key".to_string(), move |key: u64| keep.contains_key(&key), collectors);
                self.searcher.search(self.filter, &filtered)?
            }
        };
        Ok((count, top.into_iter().map(|(_, address)| address).collect(), counts))
    }
}

/// Adds, replaces and removes listed documents; nothing is visible before
/// [`ListWriter::commit`].
pub struct ListWriter {
    writer: tantivy::IndexWriter,
    fields: Fields,
    path: PathBuf,
}

impl ListWriter {
    fn fail(&self, error: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: self.path.clone(),
            reason: error.to_string(),
        }
    }

    /// Adds a document, replacing its earlier entry.
    pub fn put(&mut self, doc: &Listed) -> Result<(), SearchError> {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.key, document_key(&doc.id)));
        self.add(doc)
    }

    /// Adds a document that is not listed (its submission was removed).
    pub fn add(&mut self, doc: &Listed) -> Result<(), SearchError> {
        let fields = self.fields;
        let key = document_key(&doc.id);
        let mut out = TantivyDocument::new();
        out.add_text(fields.id, &doc.id);
        out.add_u64(fields.key, key);
        out.add_text(fields.submission, &doc.submission);
        out.add_text(fields.path, &doc.path);
        out.add_text(fields.doc_type, &doc.doc_type);
        out.add_text(fields.status, &doc.status);
        out.add_u64(fields.size, doc.size);
        if let Some(date) = doc.date {
            out.add_i64(fields.date, date);
        }
        if let Some(verdict) = &doc.verdict {
            out.add_text(fields.verdict, verdict);
        }
        out.add_u64(fields.verdict_rank, verdict_rank(doc.verdict.as_deref()));
        if let Some(overlap) = &doc.overlap {
            out.add_text(fields.overlap, overlap);
        }
        out.add_u64(fields.overlap_rank, overlap_rank(doc.overlap.as_deref()));
        out.add_u64(fields.significance, u64::from(doc.significance.unwrap_or(0)));
        let mut facets: HashSet<(&str, String)> = HashSet::new();
        facets.insert(("type", doc.doc_type.clone()));
        facets.insert(("status", doc.status.clone()));
        facets.insert(("verdict", doc.verdict.clone().unwrap_or_else(|| "unverified".into())));
        facets.insert(("overlap", doc.overlap.clone().unwrap_or_else(|| "unmeasured".into())));
        if let Some(corpus) = &doc.corpus {
            facets.insert(("corpus", corpus.clone()));
        }
        for domain in &doc.from {
            facets.insert(("from", domain.clone()));
        }
        for domain in &doc.to {
            facets.insert(("to", domain.clone()));
        }
        if let Some(date) = doc.date.and_then(|d| time::OffsetDateTime::from_unix_timestamp(d).ok()) {
            facets.insert(("year", date.year().to_string()));
            facets.insert(("month", format!("{}-{:02}", date.year(), u8::from(date.month()))));
        }
        for (kind, name) in &doc.entities {
            if let Some(group) = LIST_FACETS.iter().find(|group| **group == kind.as_str()) {
                facets.insert((group, name.clone()));
            }
        }
        for tag in &doc.tags {
            facets.insert(("tag", tag.clone()));
        }
        if let Some(mark) = &doc.mark {
            facets.insert(("mark", mark.clone()));
        }
        if doc.noted {
            facets.insert(("noted", "yes".into()));
        }
        for (group, value) in facets {
            if !value.is_empty() {
                out.add_facet(fields.facet, tantivy::schema::Facet::from_path([group, value.as_str()]));
            }
        }
        for user in &doc.starred_by {
            out.add_text(fields.starred, user);
        }
        self.writer.add_document(out).map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Removes every document of a submission (before listing it again).
    pub fn remove_submission(&mut self, submission: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.fields.submission, submission));
    }

    pub fn commit(&mut self) -> Result<(), SearchError> {
        self.writer.commit().map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// Commits, then merges the whole list into one segment (after a
    /// submission was listed again): a page deep in a list sorted by path
    /// turns each segment's candidates into strings before merging them,
    /// so fewer segments answer faster. The list holds no text, so the
    /// merge rewrites little (about 200 bytes a document).
    pub fn commit_merged(mut self) -> Result<(), SearchError> {
        self.commit()?;
        let ListWriter { writer, path, .. } = self;
        let fail = |e: tantivy::TantivyError| SearchError::Index {
            path: path.clone(),
            reason: e.to_string(),
        };
        // The merge policy may be merging some segments in the background
        // (after the many commits of a large ingest): a merge of every
        // segment would then find some gone. Those merges end first, and
        // the whole merge runs on a writer that starts none of its own.
        let index = writer.index().clone();
        writer.wait_merging_threads().map_err(fail)?;
        let segments = index.searchable_segment_ids().map_err(fail)?;
        if segments.len() > 1 {
            let mut writer: tantivy::IndexWriter =
                index.writer_with_num_threads(1, LIST_WRITER_MEMORY).map_err(fail)?;
            writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
            writer.merge(&segments).wait().map_err(fail)?;
            writer.wait_merging_threads().map_err(fail)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large ingest commits many times, and the merge policy merges
    /// some of those segments in the background; merging the whole list
    /// afterwards must wait for those merges, not fail on segments they
    /// took (as a 256 MiB ingest once did).
    #[test]
    fn the_whole_list_merges_into_one_segment_after_many_commits() {
        let dir = tempfile::tempdir().unwrap();
        let index = ListIndex::open(dir.path()).unwrap();
        let mut writer = index.writer().unwrap();
        for batch in 0..40 {
            for n in 0..25 {
                writer
                    .put(&Listed {
                        id: format!("{batch:04}{n:04}"),
                        submission: "s".into(),
                        path: format!("folder/{batch}/{n}.txt"),
                        doc_type: "text".into(),
                        status: "ok".into(),
                        size: 100,
                        ..Listed::default()
                    })
                    .unwrap();
            }
            writer.commit().unwrap();
        }
        writer.commit_merged().unwrap();
        assert_eq!(index.index.searchable_segment_ids().unwrap().len(), 1);
    }
}

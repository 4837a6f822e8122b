//! The public archive's index: what was published, searchable by anyone.
//!
//! Unlike the desk's index, this one stores each document's published
//! text (it is public, and snippets and pages are cut from it) and the
//! facts its pages show. Text is indexed by its language: Russian, English,
//! German, French, Spanish, Italian, Portuguese, Dutch and Swedish are
//! stemmed (a word finds its inflected forms); other languages, Ukrainian
//! among them (tantivy has no Ukrainian stemmer), are matched by
//! lower-cased word.
//!
//! The query language (`docs/archive.md`): words (all required), quoted
//! phrases, `OR`, `AND`, `NOT`/`-`, parentheses, `from:`, `to:`,
//! `subject:`, `type:`, `release:`, `path:`, `after:YYYY-MM-DD`,
//! `before:YYYY-MM-DD`; facet filters are given apart ([`PublicQuery::facets`]).
//!
//! Phrases are answered from word pairs (see `pairs`): each two
//! neighbouring words of a text are indexed as one more term.

use std::ops::Bound;
use std::path::{Path, PathBuf};

use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, EnableScoring, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, TokenizerManager,
};
use tantivy::{DocAddress, DocSet, Index, IndexReader, Order, Searcher, TERMINATED, TantivyDocument, Term};

use crate::pairs::{self, WordPairs};
use crate::{SearchError, split_outside_quotes, start_of_day};

/// Languages with a stemmer: ISO 639-3 code (as ingest detects it),
/// field suffix, stemmer.
const STEMMED: [(&str, &str, Language); 9] = [
    ("rus", "ru", Language::Russian),
    ("eng", "en", Language::English),
    ("deu", "de", Language::German),
    ("fra", "fr", Language::French),
    ("spa", "es", Language::Spanish),
    ("ita", "it", Language::Italian),
    ("por", "pt", Language::Portuguese),
    ("nld", "nl", Language::Dutch),
    ("swe", "sv", Language::Swedish),
];

/// The facet groups, in the order pages show them.
pub const FACET_GROUPS: [&str; 8] = ["release", "type", "language", "year", "month", "from", "to", "evidence"];

/// A published document as the archive indexes it.
#[derive(Debug, Clone, Default)]
pub struct PublicDocument {
    /// The release's manifest root (hex).
    pub release: String,
    /// The record's index in the manifest.
    pub index: u64,
    pub path: String,
    /// The published file, relative to the release folder.
    pub file: String,
    /// `email`, `pdf`, `docx`, `image`, … (the original's type).
    pub doc_type: String,
    /// ISO 639-3, when detected.
    pub language: Option<String>,
    /// The published text (after redaction).
    pub text: String,
    pub subject: Option<String>,
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// Seconds since 1970.
    pub date: Option<i64>,
    /// Evidence badges as pages state them, each with its facet value
    /// (`dkim-verified`, `dkim-failed`, `newsroom-verified`, …).
    pub evidence: Vec<(String, String)>,
    /// Whether redactions were made.
    pub redacted: bool,
    /// A mail's Message-ID and In-Reply-To (published originals only: a
    /// re-rendered mail shows neither), for its thread.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    /// Where it had appeared before the release, a sentence each (from
    /// the release's signed `appeared-before.note`).
    pub appeared_before: Vec<String>,
}

/// A link to another document of the archive.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Link {
    pub release: String,
    pub index: u64,
    pub title: String,
}

/// A document's neighbours: the mail it answers, the mail answering it,
/// its attachments or members, and what holds it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Related {
    pub parents: Vec<Link>,
    pub replies: Vec<Link>,
    pub attachments: Vec<Link>,
    pub container: Option<Link>,
}

/// A search of the archive.
#[derive(Debug, Clone, Default)]
pub struct PublicQuery {
    pub text: String,
    /// Facet filters, each `group/value` (`type/email`, `year/2014`).
    pub facets: Vec<String>,
    pub sort: Sort,
    /// From 0.
    pub offset: usize,
    pub limit: usize,
    /// Skip the facet counts (which visit every hit) and the snippets:
    /// one page of ids, paths and titles, for scripts.
    pub bare: bool,
}

/// The order of hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
}

/// One hit with its snippet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicHit {
    pub release: String,
    pub index: u64,
    pub path: String,
    pub doc_type: String,
    pub subject: Option<String>,
    pub date: Option<i64>,
    /// A fragment of the text around the matches, and the matched byte
    /// ranges within it.
    pub snippet: String,
    pub highlighted: Vec<(usize, usize)>,
}

/// A facet value and how many hits have it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FacetCount {
    pub group: String,
    pub value: String,
    pub count: u64,
}

/// A page of results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicResults {
    pub total: u64,
    /// There are more hits than `total`: a bare search stops counting at
    /// [`BARE_COUNT_LIMIT`].
    pub total_is_lower_bound: bool,
    pub hits: Vec<PublicHit>,
    pub facets: Vec<FacetCount>,
}

/// Seconds in a day.
const DAY: i64 = 86_400;

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    release: Field,
    index: Field,
    path: Field,
    file: Field,
    doc_type: Field,
    language: Field,
    /// The text in a language without a stemmer.
    plain: Field,
    /// One per stemmed language, as [`STEMMED`].
    stemmed: [Field; STEMMED.len()],
    body: Field,
    subject: Field,
    from: Field,
    to: Field,
    date: Field,
    /// The day of `date` (days since 1970-01-01), for day ranges: a
    /// month's range is some thirty terms of the inverted index, where a
    /// range over `date` would scan the column of every document.
    day: Field,
    facet: Field,
    badge: Field,
    redacted: Field,
    message_id: Field,
    in_reply_to: Field,
    appeared_before: Field,
    /// The provenance path without its last part (what holds it).
    parent_path: Field,
    /// The provenance path whole, as one term.
    exact_path: Field,
    /// [`HOLDS`] and [`HELD`], known when the release is indexed, so that
    /// a page runs only the queries that can find something.
    family: Field,
}

/// A bit of `family`: documents of the release sit inside this one.
const HOLDS: u64 = 1;
/// A bit of `family`: this document sits inside another of the release.
const HELD: u64 = 2;

fn words(tokenizer: &str, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    if stored { options.set_stored() } else { options }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let stemmed = STEMMED
        .map(|(_, suffix, _)| b.add_text_field(&format!("text_{suffix}"), words(&format!("stem_{suffix}"), false)));
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        release: b.add_text_field("release", STRING | STORED),
        index: b.add_u64_field("index", STORED),
        path: b.add_text_field("path", words("words", true)),
        file: b.add_text_field("file", STORED),
        doc_type: b.add_text_field("type", STRING | STORED),
        language: b.add_text_field("language", STRING | STORED),
        plain: b.add_text_field("text", words("text_words", false)),
        stemmed,
        body: b.add_text_field("body", STORED),
        subject: b.add_text_field("subject", words("words", true)),
        from: b.add_text_field("from", words("words", true)),
        to: b.add_text_field("to", words("words", true)),
        date: b.add_i64_field("date", FAST | STORED),
        day: b.add_i64_field("day", INDEXED),
        facet: b.add_facet_field("facet", FacetOptions::default()),
        badge: b.add_text_field("badge", STORED),
        redacted: b.add_bool_field("redacted", STORED),
        message_id: b.add_text_field("message_id", STRING | STORED),
        in_reply_to: b.add_text_field("in_reply_to", STRING | STORED),
        appeared_before: b.add_text_field("appeared_before", STORED),
        parent_path: b.add_text_field("parent_path", STRING),
        exact_path: b.add_text_field("exact_path", STRING),
        family: b.add_u64_field("family", STORED),
    };
    (b.build(), fields)
}

/// The analyzers by name. `words` (paths, subjects, addresses) is the
/// same for the index and the query; the texts' own (`text_words`, and
/// `stem_*` by language) also index [`WordPairs`], which a query must not
/// produce: it parses with `pairs` false and [`pairs::rewrite`] asks for
/// the pairs of its phrases.
fn register_tokenizers(manager: &TokenizerManager, pairs: bool) {
    let words = || {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(64))
            .filter(LowerCaser)
    };
    manager.register("words", words().build());
    let text = |analyzer: tantivy::tokenizer::TextAnalyzerBuilder<_>| {
        if pairs {
            analyzer.filter(WordPairs).build()
        } else {
            analyzer.build()
        }
    };
    manager.register("text_words", text(words().dynamic()));
    for (_, suffix, language) in STEMMED {
        manager.register(
            &format!("stem_{suffix}"),
            text(words().filter(Stemmer::new(language)).dynamic()),
        );
    }
}

/// The archive's index folder, open for searching and adding.
pub struct PublicIndex {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// The analyzers that parse queries (without word pairs).
    query_tokenizers: TokenizerManager,
}

/// A document as its page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredDocument {
    pub release: String,
    pub index: u64,
    pub path: String,
    pub file: String,
    pub doc_type: String,
    pub language: Option<String>,
    pub text: String,
    pub subject: Option<String>,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub date: Option<i64>,
    pub evidence: Vec<String>,
    pub redacted: bool,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub appeared_before: Vec<String>,
    /// Documents of its release sit inside it (a mail's attachments, an
    /// archive's members).
    pub holds_documents: bool,
    /// It sits inside another document of its release.
    pub held_by_document: bool,
}

impl StoredDocument {
    /// What a link to it says: its subject, else its file name.
    pub fn title(&self) -> String {
        self.subject
            .clone()
            .unwrap_or_else(|| self.path.rsplit('/').next().unwrap_or(&self.path).to_owned())
    }
}

impl PublicIndex {
    /// Opens the index in `dir`, creating it if needed.
    pub fn open(dir: &Path) -> Result<PublicIndex, SearchError> {
        let (schema, fields) = schema();
        let (index, reader) = crate::open_index(dir, schema, "trove archive build", |index| {
            register_tokenizers(index.tokenizers(), true)
        })?;
        let query_tokenizers = TokenizerManager::default();
        register_tokenizers(&query_tokenizers, false);
        Ok(PublicIndex {
            path: dir.to_owned(),
            index,
            reader,
            fields,
            query_tokenizers,
        })
    }

    fn fail(&self, error: impl std::fmt::Display) -> SearchError {
        SearchError::Index {
            path: self.path.clone(),
            reason: error.to_string(),
        }
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Replaces the index's documents of `release` with `documents` and
    /// commits (adding a release twice leaves one copy).
    pub fn put_release(&self, release: &str, documents: &[PublicDocument]) -> Result<(), SearchError> {
        let mut writer: tantivy::IndexWriter =
            self.index.writer_with_num_threads(1, 64 << 20).map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => {
                    self.fail("another process is adding to the archive's index; wait for it to finish")
                }
                other => self.fail(other),
            })?;
        writer.delete_term(Term::from_field_text(self.fields.release, release));
        let paths: std::collections::HashSet<&str> = documents.iter().map(|d| d.path.as_str()).collect();
        let parents: std::collections::HashSet<&str> = documents.iter().filter_map(|d| parent(&d.path)).collect();
        for doc in documents {
            let mut family = 0;
            if parents.contains(doc.path.as_str()) {
                family |= HOLDS;
            }
            if parent(&doc.path).is_some_and(|p| paths.contains(p)) {
                family |= HELD;
            }
            writer
                .add_document(self.document(doc, family))
                .map_err(|e| self.fail(e))?;
        }
        writer.commit().map_err(|e| self.fail(e))?;
        // The merges the commit started must finish: dropping a writer
        // abandons them, and an archive that grows a release at a time
        // would be searched across ever more segments.
        writer.wait_merging_threads().map_err(|e| self.fail(e))?;
        self.reader.reload().map_err(|e| self.fail(e))
    }

    /// The field a text in `language` (ISO 639-3) is indexed in.
    fn text_field(&self, language: Option<&str>) -> Field {
        language
            .and_then(|code| STEMMED.iter().position(|(iso, _, _)| *iso == code))
            .map_or(self.fields.plain, |i| self.fields.stemmed[i])
    }

    fn document(&self, doc: &PublicDocument, family: u64) -> TantivyDocument {
        let f = self.fields;
        let mut out = TantivyDocument::new();
        out.add_text(f.key, format!("{}/{}", doc.release, doc.index));
        out.add_text(f.release, &doc.release);
        out.add_u64(f.index, doc.index);
        out.add_text(f.path, &doc.path);
        out.add_text(f.file, &doc.file);
        out.add_text(f.doc_type, &doc.doc_type);
        let facet = |group: &str, value: &str| tantivy::schema::Facet::from_path([group, value]);
        if let Some(language) = &doc.language {
            out.add_text(f.language, language);
            out.add_facet(f.facet, facet("language", language));
        }
        // The subject and the path are indexed in the text's own field as
        // well, so that a bare word is one term in one field: tantivy then
        // prunes with block-max WAND, which it cannot do across a union of
        // fields per word (the values are a position apart, so no phrase
        // runs from one into the next).
        let text_field = self.text_field(doc.language.as_deref());
        out.add_text(text_field, &doc.text);
        out.add_text(text_field, &doc.path);
        out.add_text(f.body, &doc.text);
        if let Some(subject) = &doc.subject {
            out.add_text(f.subject, subject);
            out.add_text(text_field, subject);
        }
        for from in &doc.from {
            out.add_text(f.from, from);
        }
        for to in &doc.to {
            out.add_text(f.to, to);
        }
        out.add_facet(f.facet, facet("release", &doc.release));
        out.add_facet(f.facet, facet("type", &doc.doc_type));
        if let Some(date) = doc.date {
            out.add_i64(f.date, date);
            out.add_i64(f.day, date.div_euclid(DAY));
            if let Ok(when) = time::OffsetDateTime::from_unix_timestamp(date) {
                out.add_facet(f.facet, facet("year", &when.year().to_string()));
                out.add_facet(
                    f.facet,
                    facet("month", &format!("{}-{:02}", when.year(), u8::from(when.month()))),
                );
            }
        }
        let mut domains = |group: &str, addresses: &[String]| {
            let mut seen = Vec::new();
            for address in addresses {
                if let Some(domain) = domain_of(address)
                    && !seen.contains(&domain)
                {
                    out.add_facet(f.facet, facet(group, &domain));
                    seen.push(domain);
                }
            }
        };
        domains("from", &doc.from);
        domains("to", &doc.to);
        for (badge, value) in &doc.evidence {
            out.add_text(f.badge, badge);
            out.add_facet(f.facet, facet("evidence", value));
        }
        out.add_bool(f.redacted, doc.redacted);
        if let Some(id) = &doc.message_id {
            out.add_text(f.message_id, id);
        }
        for id in &doc.in_reply_to {
            out.add_text(f.in_reply_to, id);
        }
        for appearance in &doc.appeared_before {
            out.add_text(f.appeared_before, appearance);
        }
        out.add_text(f.exact_path, format!("{}/{}", doc.release, doc.path));
        if let Some(parent) = parent(&doc.path) {
            out.add_text(f.parent_path, format!("{}/{parent}", doc.release));
        }
        out.add_u64(f.family, family);
        out
    }

    /// Documents with `value` in `field`, at most `limit`.
    fn with_term(&self, field: Field, value: &str, limit: usize) -> Result<Vec<StoredDocument>, SearchError> {
        let searcher = self.searcher();
        let query = TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic);
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(|e| self.fail(e))?;
        let mut found = top
            .into_iter()
            .map(|(_, address)| self.stored(&searcher, address))
            .collect::<Result<Vec<_>, _>>()?;
        found.sort_by(|a, b| (&a.release, a.index).cmp(&(&b.release, b.index)));
        Ok(found)
    }

    /// A document's thread and family (at most 100 of each).
    pub fn related(&self, doc: &StoredDocument) -> Result<Related, SearchError> {
        let f = self.fields;
        let link = |d: StoredDocument| Link {
            title: d.title(),
            release: d.release,
            index: d.index,
        };
        let mut related = Related::default();
        for id in &doc.in_reply_to {
            related
                .parents
                .extend(self.with_term(f.message_id, id, 100)?.into_iter().map(link));
        }
        if let Some(id) = &doc.message_id {
            related.replies = self.with_term(f.in_reply_to, id, 100)?.into_iter().map(link).collect();
        }
        if doc.holds_documents {
            related.attachments = self
                .with_term(f.parent_path, &format!("{}/{}", doc.release, doc.path), 100)?
                .into_iter()
                .map(link)
                .collect();
        }
        if let Some(parent) = parent(&doc.path).filter(|_| doc.held_by_document) {
            related.container = self
                .with_term(f.exact_path, &format!("{}/{parent}", doc.release), 1)?
                .into_iter()
                .next()
                .map(link);
        }
        Ok(related)
    }

    /// How many documents the index holds.
    pub fn len(&self) -> u64 {
        self.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One page of hits with their snippets, and the facet counts over
    /// every hit.
    pub fn search(&self, query: &PublicQuery) -> Result<PublicResults, SearchError> {
        let parsed = self.parse(query)?;
        let parsed = parsed.as_ref();
        let searcher = self.searcher();
        let limit = query.limit.clamp(1, 200);
        let addresses: Vec<DocAddress> = match query.sort {
            Sort::Relevance => searcher
                .search(
                    parsed,
                    &TopDocs::with_limit(limit).and_offset(query.offset).order_by_score(),
                )
                .map_err(|e| self.fail(e))?
                .into_iter()
                .map(|(_, address)| address)
                .collect(),
            Sort::Newest | Sort::Oldest => {
                let order = if query.sort == Sort::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                searcher
                    .search(
                        parsed,
                        &TopDocs::with_limit(limit)
                            .and_offset(query.offset)
                            .order_by_fast_field::<i64>("date", order),
                    )
                    .map_err(|e| self.fail(e))?
                    .into_iter()
                    .map(|(_, address)| address)
                    .collect()
            }
        };
        let mut facet_counts = Vec::new();
        let mut total_is_lower_bound = false;
        let total = if query.bare {
            let (count, more) = count_up_to(&searcher, parsed, BARE_COUNT_LIMIT).map_err(|e| self.fail(e))?;
            total_is_lower_bound = more;
            count
        } else {
            let mut facets = FacetCollector::for_field("facet");
            for group in FACET_GROUPS {
                facets.add_facet(tantivy::schema::Facet::from_path([group]));
            }
            let (total, counts) = searcher.search(parsed, &(Count, facets)).map_err(|e| self.fail(e))?;
            for group in FACET_GROUPS {
                for (facet, count) in counts.top_k(tantivy::schema::Facet::from_path([group]), 12) {
                    let value = facet.to_path().last().map(|s| s.to_string()).unwrap_or_default();
                    facet_counts.push(FacetCount {
                        group: group.to_owned(),
                        value,
                        count,
                    });
                }
            }
            total
        };
        // A snippet is cut with the generator of the field the text was
        // indexed in (its language's), which knows that field's terms.
        let mut generators = std::collections::HashMap::new();
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses {
            let stored = self.stored(&searcher, address)?;
            let (snippet, highlighted) = if query.bare {
                (String::new(), Vec::new())
            } else if query.text.trim().is_empty() {
                (opening(&stored.text, 240), Vec::new())
            } else {
                let field = self.text_field(stored.language.as_deref());
                let generator = match generators.entry(field) {
                    std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        let mut generator = tantivy::snippet::SnippetGenerator::create(&searcher, parsed, field)
                            .map_err(|e| self.fail(e))?;
                        generator.set_max_num_chars(240);
                        entry.insert(generator)
                    }
                };
                let snippet = generator.snippet(&stored.text);
                if snippet.is_empty() {
                    (opening(&stored.text, 240), Vec::new())
                } else {
                    let ranges = snippet.highlighted().iter().map(|r| (r.start, r.end)).collect();
                    (snippet.fragment().to_owned(), ranges)
                }
            };
            hits.push(PublicHit {
                release: stored.release,
                index: stored.index,
                path: stored.path,
                doc_type: stored.doc_type,
                subject: stored.subject,
                date: stored.date,
                snippet,
                highlighted,
            });
        }
        Ok(PublicResults {
            total: total as u64,
            total_is_lower_bound,
            hits,
            facets: facet_counts,
        })
    }

    /// A document by release and index.
    pub fn get(&self, release: &str, index: u64) -> Result<Option<StoredDocument>, SearchError> {
        // The key's postings are read directly: a document page needs no
        // scoring, and a scored query would look the key up twice.
        let searcher = self.searcher();
        let key = Term::from_field_text(self.fields.key, &format!("{release}/{index}"));
        for (segment, reader) in searcher.segment_readers().iter().enumerate() {
            let postings = reader
                .inverted_index(self.fields.key)
                .and_then(|terms| Ok(terms.read_postings(&key, IndexRecordOption::Basic)?))
                .map_err(|e| self.fail(e))?;
            let Some(mut postings) = postings else { continue };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if reader.alive_bitset().is_none_or(|alive| alive.is_alive(doc)) {
                    return Ok(Some(self.stored(&searcher, DocAddress::new(segment as u32, doc))?));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }

    /// Every document of a release, in manifest order.
    pub fn release_documents(&self, release: &str) -> Result<Vec<StoredDocument>, SearchError> {
        let searcher = self.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.release, release),
            IndexRecordOption::Basic,
        );
        let count = searcher.search(&query, &Count).map_err(|e| self.fail(e))?;
        let top = searcher
            .search(&query, &TopDocs::with_limit(count.max(1)).order_by_score())
            .map_err(|e| self.fail(e))?;
        let mut documents = top
            .into_iter()
            .map(|(_, address)| self.stored(&searcher, address))
            .collect::<Result<Vec<_>, _>>()?;
        documents.sort_by_key(|d| d.index);
        Ok(documents)
    }

    fn stored(&self, searcher: &Searcher, address: DocAddress) -> Result<StoredDocument, SearchError> {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.fail(e))?;
        let f = self.fields;
        let family = doc.get_first(f.family).and_then(|v| v.as_u64()).unwrap_or_default();
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).map(str::to_owned);
        let all = |field| {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        };
        Ok(StoredDocument {
            release: text(f.release).unwrap_or_default(),
            index: doc.get_first(f.index).and_then(|v| v.as_u64()).unwrap_or_default(),
            path: text(f.path).unwrap_or_default(),
            file: text(f.file).unwrap_or_default(),
            doc_type: text(f.doc_type).unwrap_or_default(),
            language: text(f.language),
            text: text(f.body).unwrap_or_default(),
            subject: text(f.subject),
            from: all(f.from),
            to: all(f.to),
            date: doc.get_first(f.date).and_then(|v| v.as_i64()),
            evidence: all(f.badge),
            redacted: doc.get_first(f.redacted).and_then(|v| v.as_bool()).unwrap_or(false),
            message_id: text(f.message_id),
            in_reply_to: all(f.in_reply_to),
            appeared_before: all(f.appeared_before),
            holds_documents: family & HOLDS != 0,
            held_by_document: family & HELD != 0,
        })
    }

    /// The query as tantivy runs it.
    fn parse(&self, query: &PublicQuery) -> Result<Box<dyn Query>, SearchError> {
        let bad = |reason: String| SearchError::Query {
            query: query.text.clone(),
            reason,
        };
        let f = self.fields;
        let mut after = Bound::Unbounded;
        let mut before = Bound::Unbounded;
        let mut rest = Vec::new();
        for word in split_outside_quotes(&query.text) {
            if let Some(day) = word.strip_prefix("after:") {
                after = Bound::Included(Term::from_field_i64(f.day, start_of_day(day).map_err(bad)? / DAY));
            } else if let Some(day) = word.strip_prefix("before:") {
                before = Bound::Excluded(Term::from_field_i64(f.day, start_of_day(day).map_err(bad)? / DAY));
            } else {
                rest.push(word);
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn tantivy::query::Query>)> = Vec::new();
        let words = rest.join(" ");
        if !words.trim().is_empty() {
            let mut defaults = vec![f.plain];
            defaults.extend(f.stemmed);
            let mut parser = QueryParser::new(self.index.schema(), defaults.clone(), self.query_tokenizers.clone());
            parser.set_conjunction_by_default();
            let parsed = parser.parse_query(&words).map_err(|e| bad(e.to_string()))?;
            // A phrase with a slop (`"a b"~2`) allows words between its
            // own, which pairs cannot answer; tantivy keeps a phrase's slop
            // private, so the query text tells.
            let parsed = if words.contains("\"~") {
                parsed
            } else {
                pairs::rewrite(parsed, &defaults)
            };
            clauses.push((Occur::Must, parsed));
        }
        if !matches!((&after, &before), (Bound::Unbounded, Bound::Unbounded)) {
            clauses.push((Occur::Must, Box::new(RangeQuery::new(after, before))));
        }
        for filter in &query.facets {
            let (group, value) = filter
                .split_once('/')
                .filter(|(group, _)| FACET_GROUPS.contains(group))
                .ok_or_else(|| {
                    bad(format!(
                        "{filter:?} is not a facet (group/value, groups {FACET_GROUPS:?})"
                    ))
                })?;
            let facet = tantivy::schema::Facet::from_path([group, value]);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_facet(f.facet, &facet),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        // A lone clause is run as itself: wrapped in a boolean query it
        // would hide a pure conjunction of terms from tantivy's block-max
        // pruning.
        match clauses.len() {
            0 => Ok(Box::new(AllQuery)),
            1 => Ok(clauses.remove(0).1),
            _ => Ok(Box::new(BooleanQuery::new(clauses))),
        }
    }
}

/// How many hits a bare search counts before it says "at least": counting
/// every hit of a common word costs more than finding its best 20 (which
/// block-max pruning does without visiting most of them). Elasticsearch
/// stops at the same number by default (`track_total_hits`).
pub const BARE_COUNT_LIMIT: usize = 10_000;

/// The hits of `query`, counted up to `limit`, and whether there are more.
fn count_up_to(searcher: &Searcher, query: &dyn Query, limit: usize) -> tantivy::Result<(usize, bool)> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut count = 0;
    for reader in searcher.segment_readers() {
        let mut hits = weight.scorer(reader, 1.0)?;
        let alive = reader.alive_bitset();
        let mut doc = hits.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                if count == limit {
                    return Ok((count, true));
                }
                count += 1;
            }
            doc = hits.advance();
        }
    }
    Ok((count, false))
}

/// What holds the document at `path`: the path without its last part.
fn parent(path: &str) -> Option<&str> {
    path.rsplit_once('/').map(|(parent, _)| parent)
}

/// The domain of an address as mail writes it (`Name <a@b.org>`, `a@b.org`).
fn domain_of(address: &str) -> Option<String> {
    let inner = match (address.rfind('<'), address.rfind('>')) {
        (Some(open), Some(close)) if open < close => &address[open + 1..close],
        _ => address,
    };
    let (_, domain) = inner.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    (!domain.is_empty() && !domain.contains(char::is_whitespace)).then_some(domain)
}

/// The first `chars` characters of a text, on a word boundary.
fn opening(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if out.len() < text.len()
        && let Some(space) = out.rfind(char::is_whitespace)
    {
        out.truncate(space);
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(index: u64, language: &str, text: &str) -> PublicDocument {
        PublicDocument {
            release: "ab".repeat(32),
            index,
            path: format!("cache/{index}.txt"),
            file: format!("documents/{index}.txt"),
            doc_type: "text".into(),
            language: Some(language.into()),
            text: text.into(),
            ..PublicDocument::default()
        }
    }

    fn search(index: &PublicIndex, text: &str) -> Vec<u64> {
        let query = PublicQuery {
            text: text.into(),
            limit: 10,
            ..PublicQuery::default()
        };
        let mut hits: Vec<u64> = index.search(&query).unwrap().hits.iter().map(|h| h.index).collect();
        hits.sort();
        hits
    }

    #[test]
    fn a_russian_word_finds_its_inflected_forms_and_phrases_hold() {
        let dir = tempfile::tempdir().unwrap();
        let index = PublicIndex::open(dir.path()).unwrap();
        let release = "ab".repeat(32);
        index
            .put_release(
                &release,
                &[
                    doc(0, "rus", "Министерство обороны подписало договор о поставках."),
                    doc(1, "rus", "В министерстве обсуждали договоры с подрядчиками."),
                    doc(2, "eng", "The ministries signed contracts for the supplies."),
                    doc(3, "ukr", "Міністерство оборони уклало договір."),
                ],
            )
            .unwrap();
        assert_eq!(search(&index, "министерство"), vec![0, 1]);
        assert_eq!(search(&index, "договоров"), vec![0, 1]);
        assert_eq!(search(&index, "ministry contract"), vec![2]);
        assert_eq!(search(&index, "\"signed contracts\""), vec![2]);
        assert_eq!(search(&index, "\"contracts signed\""), Vec::<u64>::new());
        // Phrases are answered from word pairs: three words, inflected
        // forms, and no pair across words that are not neighbours.
        assert_eq!(search(&index, "\"the ministries signed\""), vec![2]);
        assert_eq!(search(&index, "\"ministries contracts\""), Vec::<u64>::new());
        assert_eq!(search(&index, "\"подписали договоры\""), vec![0]);
        assert_eq!(search(&index, "\"supplies the\""), Vec::<u64>::new());
        // A phrase with a slop still allows words between its own.
        assert_eq!(search(&index, "\"signed for\"~1"), vec![2]);
        assert_eq!(search(&index, "міністерство"), vec![3]);
        // Adding the release again replaces it.
        index.put_release(&release, &[doc(0, "eng", "only this")]).unwrap();
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn threads_and_attachments_are_linked() {
        let dir = tempfile::tempdir().unwrap();
        let index = PublicIndex::open(dir.path()).unwrap();
        let release = "cd".repeat(32);
        let mail = |i: u64, path: &str, id: &str, reply_to: &[&str]| PublicDocument {
            release: release.clone(),
            index: i,
            path: path.into(),
            doc_type: "email".into(),
            subject: Some(format!("mail {i}")),
            message_id: Some(id.into()),
            in_reply_to: reply_to.iter().map(|s| s.to_string()).collect(),
            ..PublicDocument::default()
        };
        let attachment = PublicDocument {
            release: release.clone(),
            index: 2,
            path: "box/1.eml/invoice.pdf".into(),
            doc_type: "pdf".into(),
            ..PublicDocument::default()
        };
        index
            .put_release(
                &release,
                &[
                    mail(0, "box/0.eml", "<a@x>", &[]),
                    mail(1, "box/1.eml", "<b@x>", &["<a@x>"]),
                    attachment,
                ],
            )
            .unwrap();
        let first = index.get(&release, 0).unwrap().unwrap();
        let second = index.get(&release, 1).unwrap().unwrap();
        let related = index.related(&first).unwrap();
        assert_eq!(related.replies.iter().map(|l| l.index).collect::<Vec<_>>(), [1]);
        let related = index.related(&second).unwrap();
        assert_eq!(related.parents.iter().map(|l| l.index).collect::<Vec<_>>(), [0]);
        assert_eq!(
            related.attachments.iter().map(|l| l.title.as_str()).collect::<Vec<_>>(),
            ["invoice.pdf"]
        );
        let pdf = index.get(&release, 2).unwrap().unwrap();
        assert_eq!(index.related(&pdf).unwrap().container.map(|l| l.index), Some(1));
        // What holds what is known from the release, not guessed per page.
        assert!(second.holds_documents && !second.held_by_document);
        assert!(pdf.held_by_document && !pdf.holds_documents);
        assert!(!first.holds_documents && !first.held_by_document);
    }

    #[test]
    fn subjects_paths_and_days_are_searched_and_bare_counts_stop_at_their_limit() {
        let dir = tempfile::tempdir().unwrap();
        let index = PublicIndex::open(dir.path()).unwrap();
        let release = "ef".repeat(32);
        let dated = |i: u64, day: &str, subject: Option<&str>| PublicDocument {
            date: Some(start_of_day(day).unwrap() + 3600 * i as i64),
            subject: subject.map(str::to_owned),
            ..doc(i, "eng", "quarterly figures attached")
        };
        let mut named = doc(3, "eng", "nothing here");
        named.path = "cache/Budget_2014.xlsx".into();
        index
            .put_release(
                &release,
                &[
                    dated(0, "2014-03-01", Some("Procurement plan")),
                    dated(1, "2014-03-31", None),
                    dated(2, "2014-04-01", None),
                    named,
                ],
            )
            .unwrap();
        // The subject and the path are found by a bare word.
        assert_eq!(search(&index, "procurement"), vec![0]);
        assert_eq!(search(&index, "budget"), vec![3]);
        assert_eq!(search(&index, "subject:procurement"), vec![0]);
        // Days: `after:` includes its day, `before:` leaves its day out.
        assert_eq!(search(&index, "after:2014-03-01 before:2014-04-01"), vec![0, 1]);
        assert_eq!(search(&index, "after:2014-03-31"), vec![1, 2]);
        assert_eq!(search(&index, "figures before:2014-03-02"), vec![0]);
        // Counting stops at the limit and says so.
        let searcher = index.searcher();
        let all = AllQuery;
        assert_eq!(count_up_to(&searcher, &all, 2).unwrap(), (2, true));
        assert_eq!(count_up_to(&searcher, &all, 4).unwrap(), (4, false));
        let bare = PublicQuery {
            text: "figures".into(),
            limit: 1,
            bare: true,
            ..PublicQuery::default()
        };
        let results = index.search(&bare).unwrap();
        assert_eq!(
            (results.total, results.total_is_lower_bound, results.hits.len()),
            (3, false, 1)
        );
    }

    #[test]
    fn domains_are_read_from_addresses() {
        assert_eq!(
            domain_of("Anna <anna@Mil.example.RU>").as_deref(),
            Some("mil.example.ru")
        );
        assert_eq!(domain_of("anna@example.org").as_deref(), Some("example.org"));
        assert_eq!(domain_of("Anna Berg"), None);
    }
}

//! Classing a submission's documents against the registered corpora.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use serde::Serialize;
use trove_store::{
    BlobBackend, BlobOpener, DocumentRecord, DocumentRepo, DocumentTexts, PublishedCorpus, PublishedDocument,
    PublishedRepo, SubmissionRecord,
};

use crate::index::{Index, Postings, SetLocation};
use crate::text::{SHINGLE_WORDS, jaccard};
use crate::{NEAR, OverlapError, fingerprint};

/// A document's overlap class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Exact,
    Near,
    Partial,
    New,
}

/// A published document a submission's document overlaps.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub corpus: String,
    pub publisher: String,
    pub date: String,
    pub document: String,
    /// The published document's number in the registry (its text is
    /// kept, for the desk to show the passage there).
    pub published: u32,
    /// exact: `bytes` or `text`; near: the Jaccard; partial: containment.
    pub by: &'static str,
    pub similarity: f64,
    /// Partial: byte ranges of the document's text found in the published one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spans: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentOverlap {
    pub doc: String,
    pub path: String,
    #[serde(rename = "type")]
    pub doc_type: String,
    pub size: u64,
    pub class: Class,
    /// Words of its text (docs/overlap.md defines a word).
    pub words: u64,
    /// Words counted as already public: all of them for exact and near,
    /// the union of the passages for partial, none for new.
    pub covered_words: u64,
    /// Bytes counted as already public: the whole document for exact and
    /// near, the passages' bytes of its text for partial.
    pub covered_bytes: u64,
    /// Exact and near: the published copies. Partial and new: every
    /// published document it shares a passage with, largest share first
    /// (a new document's passages are quotations too small to make it
    /// partial).
    pub matches: Vec<Match>,
    /// Byte ranges of its text shared with a published document but
    /// recurring so widely that they are boilerplate, not evidence of
    /// publication (signatures, disclaimers, licence text, list footers).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub boilerplate: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CorpusShare {
    pub name: String,
    pub publisher: String,
    pub date: String,
    pub exact: u64,
    pub near: u64,
    pub partial: u64,
    /// Documents classed exact, near or partial with this corpus, and the
    /// words and bytes they cover.
    pub documents: u64,
    pub covered_words: u64,
    pub covered_bytes: u64,
    pub share_words: f64,
    pub share_count: f64,
    pub share_bytes: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub documents: u64,
    pub words: u64,
    pub bytes: u64,
    pub by_class: BTreeMap<Class, u64>,
    /// The headline and the policy's default: the share of the
    /// submission's words covered by no publication.
    pub novel_share_words: f64,
    /// The share of documents that are new.
    pub novel_share_count: f64,
    pub novel_share_bytes: f64,
    /// New documents that quote a publication below the partial share.
    pub quoting: u64,
    /// Documents whose shared text was, in part or whole, boilerplate.
    pub boilerplate: u64,
    pub by_corpus: Vec<CorpusShare>,
    pub sentence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverlapReport {
    pub settings: Settings,
    pub documents: Vec<DocumentOverlap>,
    pub summary: Summary,
}

/// What a newsroom tunes about overlap (`[overlap]` in trove.toml).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    /// A document is partial only when one published document covers at
    /// least this share of its words; below, it is new and its passages
    /// are listed as quotations.
    pub partial_share: f64,
    /// A shingle in at least this share of the documents of the submission
    /// or of one corpus is boilerplate ...
    pub boilerplate_share: f64,
    /// ... and in at least this many of them.
    pub boilerplate_documents: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            partial_share: 0.20,
            boilerplate_share: 0.01,
            boilerplate_documents: 20,
        }
    }
}

impl Settings {
    /// In how many of a set's `documents` a shingle must be to be
    /// boilerplate: relative to the set's size, with a floor so that a
    /// small set has none by chance.
    pub fn boilerplate_threshold(&self, documents: u64) -> u64 {
        self.boilerplate_documents
            .max((self.boilerplate_share * documents as f64).ceil() as u64)
            .max(1)
    }

    pub fn validate(&self) -> Result<(), OverlapError> {
        for (name, value) in [
            ("partial_share", self.partial_share),
            ("boilerplate_share", self.boilerplate_share),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(OverlapError::BadInput(format!(
                    "overlap.{name} = {value} is not a share between 0 and 1"
                )));
            }
        }
        Ok(())
    }
}

/// The ids of a registered corpus's documents and its boilerplate
/// threshold.
struct Registered {
    ids: (u32, u32),
    threshold: u64,
}

struct Corpora {
    by_id: HashMap<i64, PublishedCorpus>,
    /// Sorted by first id; imports take consecutive ids.
    ranges: Vec<Registered>,
}

impl Corpora {
    fn new(list: Vec<PublishedCorpus>, settings: &Settings) -> Corpora {
        let mut ranges: Vec<Registered> = list
            .iter()
            .filter_map(|corpus| {
                Some(Registered {
                    ids: corpus.document_ids?,
                    threshold: settings.boilerplate_threshold(corpus.documents),
                })
            })
            .collect();
        ranges.sort_by_key(|r| r.ids.0);
        Corpora {
            by_id: list.into_iter().map(|c| (c.id, c)).collect(),
            ranges,
        }
    }

    fn matched(
        &self,
        doc: &PublishedDocument,
        by: &'static str,
        similarity: f64,
        spans: Vec<(usize, usize)>,
    ) -> Option<Match> {
        let corpus = self.by_id.get(&doc.corpus_id)?;
        Some(Match {
            corpus: corpus.name.clone(),
            publisher: corpus.publisher.clone(),
            date: corpus.date.clone(),
            document: doc.path.clone(),
            published: doc.id,
            by,
            similarity,
            spans,
        })
    }

    /// The lowest boilerplate threshold of any corpus (usize::MAX if none).
    fn smallest_threshold(&self) -> usize {
        self.ranges
            .iter()
            .map(|r| r.threshold as usize)
            .min()
            .unwrap_or(usize::MAX)
    }

    /// Whether the fingerprint is boilerplate in some corpus: in at least
    /// that corpus's threshold of its documents.
    fn is_boilerplate(&self, postings: &[Postings<'_>]) -> bool {
        self.ranges.iter().any(|corpus| {
            let threshold = corpus.threshold as usize;
            let (first, last) = corpus.ids;
            let within: Vec<Postings<'_>> = postings.iter().map(|run| run.within(first, last)).collect();
            // Places bound documents from above, so most fingerprints are
            // settled without reading a posting.
            within.iter().map(Postings::len).sum::<usize>() >= threshold
                && within.iter().map(Postings::documents).sum::<usize>() >= threshold
        })
    }
}

fn location(doc: &PublishedDocument) -> Option<SetLocation> {
    doc.set
        .map(|(segment, offset, len)| SetLocation { segment, offset, len })
}

/// A document that shares passages with published ones, settled once the
/// submission's own boilerplate is known. Kept small (no words, no text):
/// the last pass tokenizes the document again.
struct Pending {
    /// Each published document it shares runs of at least a passage's
    /// shingles with, and those runs (shingle positions).
    runs: Vec<(u32, Vec<Range<u32>>)>,
    /// Runs of shingles inside a fingerprint that is boilerplate in some
    /// corpus.
    boilerplate_in_corpus: Vec<Range<u32>>,
}

/// A pending document with its words again, ready to settle.
struct Shared {
    /// Byte ranges of its words.
    words: Vec<(usize, usize)>,
    /// Its 5-shingles in order.
    shingles: Vec<u64>,
    /// Shingles inside a fingerprint that is boilerplate in some corpus.
    boilerplate_in_corpus: Vec<bool>,
    runs: Vec<(PublishedDocument, Vec<Range<usize>>)>,
}

/// A short key for a document or content id (a BLAKE3 of it): sets of
/// every document of a submission hold these instead of strings.
fn key_of(id: &str) -> u128 {
    let hash = blake3::hash(id.as_bytes());
    u128::from_le_bytes(hash.as_bytes()[..16].try_into().unwrap_or_default())
}

/// The result of a document before any match.
fn unmatched(doc: &DocumentRecord, words: usize) -> DocumentOverlap {
    DocumentOverlap {
        doc: doc.id.clone(),
        path: doc.path.clone(),
        doc_type: doc.doc_type.clone(),
        size: doc.size,
        class: Class::New,
        words: words as u64,
        covered_words: 0,
        covered_bytes: 0,
        matches: Vec::new(),
        boilerplate: Vec::new(),
    }
}

/// Classes every document of an ingested submission and gathers the
/// results, sorted by path (for reports of a size that fits in memory:
/// [`overlap_streaming`] gives them one at a time).
pub async fn overlap_submission<B: BlobBackend>(
    opener: &BlobOpener<B>,
    repo: &(impl DocumentRepo + PublishedRepo),
    index: &Index,
    record: &SubmissionRecord,
    settings: &Settings,
) -> Result<OverlapReport, OverlapError> {
    let mut documents = Vec::new();
    let summary = overlap_streaming(opener, repo, index, record, settings, |d| documents.push(d)).await?;
    documents.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(OverlapReport {
        settings: *settings,
        documents,
        summary,
    })
}

/// Classes every document of an ingested submission, giving each result
/// to `sink` as it is settled (in no particular order), and returns the
/// summary. Memory holds one text pack and, for the documents that share
/// passages, their runs: not the submission's texts. Three passes over
/// the texts: classing (exact, near, shared runs); counting the
/// submission's own boilerplate among the shingles of shared runs; and
/// settling the documents with shared runs.
pub async fn overlap_streaming<B: BlobBackend>(
    opener: &BlobOpener<B>,
    repo: &(impl DocumentRepo + PublishedRepo),
    index: &Index,
    record: &SubmissionRecord,
    settings: &Settings,
    mut sink: impl FnMut(DocumentOverlap),
) -> Result<Summary, OverlapError> {
    settings.validate()?;
    let corpora = Corpora::new(repo.published_corpora().await?, settings);
    let mut summary = SummaryBuilder::default();
    let mut pending: HashMap<u128, Pending> = HashMap::new();
    // Fingerprints common enough to be boilerplate somewhere, and whether
    // they are.
    let mut boilerplate_memo: HashMap<u64, bool> = HashMap::new();
    // The shingles of every shared run, with (later) in how many distinct
    // documents of the submission each one is.
    let mut run_shingles: HashMap<u64, u64> = HashMap::new();
    let mut any = false;
    let mut texts = DocumentTexts::new(repo, opener, &record.id).await?;
    while let Some(batch) = texts.next_batch().await? {
        index.release_pages();
        for (doc, text) in batch {
            any = true;
            if !trove_ingest::counts_as_document(&doc.doc_type) {
                continue;
            }
            let found = fingerprint(&text);
            let mut result = unmatched(&doc, found.words.len());
            if let Some(matches) = exact_or_near(repo, index, &corpora, &doc, &found).await? {
                result.class = matches.0;
                result.matches = matches.1;
                result.covered_words = result.words;
                result.covered_bytes = doc.size;
            } else if let Some((shared, shingles)) =
                shared_runs_of(repo, index, &corpora, &found, &mut boilerplate_memo).await?
            {
                for (_, runs) in &shared.runs {
                    for run in runs {
                        for &shingle in &shingles[run.start as usize..run.end as usize] {
                            run_shingles.entry(shingle).or_insert(0);
                        }
                    }
                }
                pending.insert(key_of(&doc.id), shared);
                continue;
            }
            summary.add(&result);
            sink(result);
        }
    }
    if !any {
        return Err(OverlapError::NotIngested(record.id.to_string()));
    }
    if pending.is_empty() {
        return Ok(summary.finish());
    }
    let boilerplate_in_submission = submission_boilerplate(opener, repo, record, run_shingles, settings).await?;
    let mut texts = DocumentTexts::new(repo, opener, &record.id).await?;
    while let Some(batch) = texts.next_batch().await? {
        index.release_pages();
        let mut settling = Vec::new();
        for (doc, text) in batch {
            if let Some(found) = pending.remove(&key_of(&doc.id)) {
                settling.push((doc, text, found));
            }
        }
        let wanted: Vec<u32> = settling
            .iter()
            .flat_map(|(_, _, found)| found.runs.iter().map(|(published, _)| *published))
            .collect();
        if settling.is_empty() {
            continue;
        }
        let published = repo.published_documents(&wanted).await?;
        for (doc, text, found) in settling {
            let words = crate::text::words(&text);
            let shingles = crate::text::kgram_hashes(&words, SHINGLE_WORDS);
            let mut boilerplate_in_corpus = vec![false; shingles.len()];
            for run in &found.boilerplate_in_corpus {
                boilerplate_in_corpus[run.start as usize..run.end as usize].fill(true);
            }
            let mut runs: Vec<(PublishedDocument, Vec<Range<usize>>)> = found
                .runs
                .into_iter()
                .filter_map(|(id, runs)| {
                    let runs = runs.into_iter().map(|r| r.start as usize..r.end as usize).collect();
                    Some((published.get(&id)?.clone(), runs))
                })
                .collect();
            runs.sort_by_key(|(published, _)| published.id);
            let shared = Shared {
                words: words.iter().map(|w| (w.start, w.end)).collect(),
                shingles,
                boilerplate_in_corpus,
                runs,
            };
            let mut result = unmatched(&doc, words.len());
            settle_passages(&corpora, &shared, &boilerplate_in_submission, settings, &mut result);
            summary.add(&result);
            sink(result);
        }
    }
    Ok(summary.finish())
}

/// Exact (the same bytes, or the same normalized text) or near (LSH
/// candidates, each checked on the real shingle sets) matches of a
/// document, with its class; None when it has neither.
async fn exact_or_near(
    repo: &impl PublishedRepo,
    index: &Index,
    corpora: &Corpora,
    doc: &DocumentRecord,
    found: &crate::Fingerprints,
) -> Result<Option<(Class, Vec<Match>)>, OverlapError> {
    let mut matches = Vec::new();
    for published in repo.published_by_content(&doc.content_id).await? {
        matches.extend(corpora.matched(&published, "bytes", 1.0, Vec::new()));
    }
    if matches.is_empty()
        && let Some(text_id) = &found.text_id
    {
        for published in repo.published_by_text(text_id).await? {
            matches.extend(corpora.matched(&published, "text", 1.0, Vec::new()));
        }
    }
    if !matches.is_empty() {
        return Ok(Some((Class::Exact, matches)));
    }
    let Some(bands) = found.bands else {
        return Ok(None);
    };
    let mut candidates = Vec::new();
    for key in bands {
        index.band_candidates(key, &mut candidates);
    }
    if candidates.is_empty() {
        return Ok(None);
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut near = Vec::new();
    let mut published_candidates: Vec<PublishedDocument> =
        repo.published_documents(&candidates).await?.into_values().collect();
    published_candidates.sort_by_key(|d| d.id);
    for published in published_candidates {
        let Some(at) = location(&published) else { continue };
        let similarity = jaccard(&found.set, &index.set(at));
        if similarity >= NEAR {
            near.extend(corpora.matched(&published, "shingles", similarity, Vec::new()));
        }
    }
    if near.is_empty() {
        return Ok(None);
    }
    near.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    Ok(Some((Class::Near, near)))
}

/// The runs of shingles a document shares with published documents,
/// found through its winnowed fingerprints, and its shingles; None when
/// it shares none.
async fn shared_runs_of(
    repo: &impl PublishedRepo,
    index: &Index,
    corpora: &Corpora,
    found: &crate::Fingerprints,
    memo: &mut HashMap<u64, bool>,
) -> Result<Option<(Pending, Vec<u64>)>, OverlapError> {
    let shingle_count = found.words.len().saturating_sub(SHINGLE_WORDS - 1);
    let mut boilerplate_in_corpus = vec![false; shingle_count];
    // Where in this document each published document's fingerprints fall
    // (k-gram positions, ascending).
    let mut hits: HashMap<u32, Vec<u32>> = HashMap::new();
    for fingerprint in &found.winnowed {
        let postings = index.fingerprint_postings(fingerprint.hash);
        if postings.is_empty() {
            continue;
        }
        // Whether a fingerprint is boilerplate is settled once per run: a
        // common one has thousands of postings, and counting their
        // documents at every occurrence made overlap grow faster than the
        // submission. Fewer places than the smallest threshold settle it
        // without counting.
        let places: usize = postings.iter().map(Postings::len).sum();
        let boilerplate = places >= corpora.smallest_threshold()
            && *memo
                .entry(fingerprint.hash)
                .or_insert_with(|| corpora.is_boilerplate(&postings));
        if boilerplate {
            // The k-gram's words hold GRAM - SHINGLE_WORDS + 1 shingles.
            let first = fingerprint.position as usize;
            let last = (first + crate::winnow::GRAM - SHINGLE_WORDS + 1).min(shingle_count);
            boilerplate_in_corpus[first.min(last)..last].fill(true);
            continue;
        }
        // A k-gram in very many published places says little about which
        // one is quoted; following every one made overlap quadratic on
        // tables, so only the first few are followed.
        for (published, _) in postings.iter().flat_map(Postings::iter).take(MAX_FOLLOWED_PLACES) {
            let positions = hits.entry(published).or_default();
            if positions.last() != Some(&fingerprint.position) {
                positions.push(fingerprint.position);
            }
        }
    }
    let candidates: Vec<u32> = hits
        .into_iter()
        .filter(|(_, positions)| may_share_a_passage(positions))
        .map(|(candidate, _)| candidate)
        .collect();
    let in_corpus_boilerplate = boilerplate_in_corpus.contains(&true);
    if candidates.is_empty() && !in_corpus_boilerplate {
        return Ok(None);
    }
    let mut candidates: Vec<PublishedDocument> = repo.published_documents(&candidates).await?.into_values().collect();
    candidates.sort_by_key(|d| d.id);
    let shingles = crate::text::kgram_hashes(&found.words, SHINGLE_WORDS);
    let mut runs = Vec::new();
    for published in candidates {
        let Some(at) = location(&published) else { continue };
        // The shingles both hold, found by one merge of the two sorted
        // sets: the runs are then looked up in that (small) list.
        let common = crate::text::common(&found.set, &index.set(at));
        if common.len() < PASSAGE_SHINGLES {
            continue;
        }
        let found = shared_runs(&shingles, &common);
        if !found.is_empty() {
            runs.push((published, found));
        }
    }
    if runs.is_empty() && !in_corpus_boilerplate {
        return Ok(None);
    }
    let narrow = |r: Range<usize>| r.start as u32..r.end as u32;
    let pending = Pending {
        runs: runs
            .into_iter()
            .map(|(published, runs)| (published.id, runs.into_iter().map(narrow).collect()))
            .collect(),
        boilerplate_in_corpus: true_runs(&boilerplate_in_corpus).map(narrow).collect(),
    };
    Ok(Some((pending, shingles)))
}

/// The shingles of shared runs that are boilerplate in the submission
/// itself: in at least the threshold of its documents, the same bytes held
/// by several documents (one attachment in many messages) counting once.
/// A second pass over the texts: keeping every document's shingles from
/// the first would hold the whole submission.
async fn submission_boilerplate<B: BlobBackend>(
    opener: &BlobOpener<B>,
    repo: &impl DocumentRepo,
    record: &SubmissionRecord,
    mut counts: HashMap<u64, u64>,
    settings: &Settings,
) -> Result<HashSet<u64>, OverlapError> {
    if counts.is_empty() {
        return Ok(HashSet::new());
    }
    let mut seen_contents = HashSet::new();
    let mut distinct = 0u64;
    let mut texts = DocumentTexts::new(repo, opener, &record.id).await?;
    while let Some(batch) = texts.next_batch().await? {
        for (doc, text) in batch {
            if !trove_ingest::counts_as_document(&doc.doc_type) || !seen_contents.insert(key_of(&doc.content_id)) {
                continue;
            }
            distinct += 1;
            for shingle in crate::text::shingle_set(&crate::text::words(&text)) {
                if let Some(count) = counts.get_mut(&shingle) {
                    *count += 1;
                }
            }
        }
    }
    let threshold = settings.boilerplate_threshold(distinct);
    Ok(counts
        .into_iter()
        .filter(|&(_, count)| count >= threshold)
        .map(|(shingle, _)| shingle)
        .collect())
}

/// Classes a document with shared runs: each run counts as a passage when
/// it holds a passage's worth of shingles that are not boilerplate; the
/// document is partial when one published document's passages cover the
/// partial share of its words.
fn settle_passages(
    corpora: &Corpora,
    found: &Shared,
    boilerplate_in_submission: &HashSet<u64>,
    settings: &Settings,
    result: &mut DocumentOverlap,
) {
    let is_boilerplate =
        |i: usize| found.boilerplate_in_corpus[i] || boilerplate_in_submission.contains(&found.shingles[i]);
    let word_count = found.words.len().max(1);
    // Runs of shingles a..b cover words a .. b + SHINGLE_WORDS - 1.
    let words_of = |run: &Range<usize>| run.start..run.end + SHINGLE_WORDS - 1;
    let bytes_of = |words: Range<usize>| (found.words[words.start].0, found.words[words.end - 1].1);
    let mut passages: Vec<Range<usize>> = Vec::new();
    // Text that is boilerplate in a corpus is reported whether or not a
    // run around it was followed (its fingerprints never are).
    let mut boilerplate: Vec<Range<usize>> = true_runs(&found.boilerplate_in_corpus).map(|r| words_of(&r)).collect();
    let mut largest = 0.0f64;
    for (published, runs) in &found.runs {
        let (counted, widespread): (Vec<&Range<usize>>, Vec<&Range<usize>>) = runs
            .iter()
            .partition(|run| (*run).clone().filter(|&i| !is_boilerplate(i)).count() >= PASSAGE_SHINGLES);
        boilerplate.extend(widespread.into_iter().map(words_of));
        if counted.is_empty() {
            continue;
        }
        let covered: usize = counted.iter().map(|run| words_of(run).len()).sum();
        let containment = covered as f64 / word_count as f64;
        largest = largest.max(containment);
        let spans = counted.iter().map(|run| bytes_of(words_of(run))).collect();
        if let Some(m) = corpora.matched(published, "passages", containment, spans) {
            result.matches.push(m);
            passages.extend(counted.into_iter().map(words_of));
        }
    }
    result.matches.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    let passages = merge(passages);
    result.boilerplate = merge(boilerplate).into_iter().map(bytes_of).collect();
    if largest >= settings.partial_share {
        result.class = Class::Partial;
        result.covered_words = passages.iter().map(|r| r.len() as u64).sum();
        result.covered_bytes = (passages
            .iter()
            .map(|r| {
                let (start, end) = bytes_of(r.clone());
                (end - start) as u64
            })
            .sum::<u64>())
        .min(result.size);
    }
}

/// The ranges of consecutive `true`s.
fn true_runs(flags: &[bool]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + flags.get(at..)?.iter().position(|&f| f)?;
        let end = start + flags[start..].iter().position(|&f| !f).unwrap_or(flags.len() - start);
        at = end;
        Some(start..end)
    })
}

/// Sorted, overlapping or touching ranges merged.
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The shortest passage reported as a quotation: shorter shared runs are
/// boilerplate (signatures, greetings, table headers), not publication.
pub const MIN_PASSAGE_WORDS: usize = 20;

/// Shingles in the shortest passage.
const PASSAGE_SHINGLES: usize = MIN_PASSAGE_WORDS - SHINGLE_WORDS + 1;

/// Published places followed per fingerprint to find quoted documents.
const MAX_FOLLOWED_PLACES: usize = 256;

/// K-grams in the shortest reported passage.
const PASSAGE_GRAMS: usize = MIN_PASSAGE_WORDS - crate::winnow::GRAM + 1;

/// Whether shared fingerprints at these k-gram positions (ascending) can
/// come from a shared passage of `MIN_PASSAGE_WORDS` words. Such a passage
/// holds `PASSAGE_GRAMS` k-grams, so `PASSAGE_GRAMS / WINDOW` disjoint
/// windows lie inside it, and each selects the same fingerprint in both
/// texts (its smallest hash): that many shared fingerprints within one
/// passage's length. Anything less is coincidence (a date and two names in
/// a ledger row, a signature) and is not checked; checking every published
/// document that shared one fingerprint made overlap quadratic on tables.
fn may_share_a_passage(positions: &[u32]) -> bool {
    let needed = PASSAGE_GRAMS / crate::winnow::WINDOW;
    positions
        .windows(needed)
        .any(|run| ((run[needed - 1] - run[0]) as usize) < PASSAGE_GRAMS)
}

/// Maximal runs of consecutive shingles of the document that are all in
/// `shared` (sorted), at least a passage's shingles long.
fn shared_runs(shingles: &[u64], shared: &[u64]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut run_start: Option<usize> = None;
    for i in 0..=shingles.len() {
        let in_both = i < shingles.len() && shared.binary_search(&shingles[i]).is_ok();
        match (in_both, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                if i - start >= PASSAGE_SHINGLES {
                    runs.push(start..i);
                }
                run_start = None;
            }
            _ => {}
        }
    }
    runs
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// The summary, added to one document at a time.
#[derive(Default)]
struct SummaryBuilder {
    summary: Summary,
    by_corpus: BTreeMap<String, CorpusShare>,
    covered_words: u64,
    covered_bytes: u64,
}

impl SummaryBuilder {
    fn add(&mut self, result: &DocumentOverlap) {
        let summary = &mut self.summary;
        summary.documents += 1;
        summary.words += result.words;
        summary.bytes += result.size;
        self.covered_words += result.covered_words;
        self.covered_bytes += result.covered_bytes;
        *summary.by_class.entry(result.class).or_default() += 1;
        summary.boilerplate += u64::from(!result.boilerplate.is_empty());
        if result.class == Class::New {
            summary.quoting += u64::from(!result.matches.is_empty());
            return;
        }
        let mut seen = HashSet::new();
        for m in &result.matches {
            if !seen.insert(m.corpus.as_str()) {
                continue;
            }
            let share = self.by_corpus.entry(m.corpus.clone()).or_insert_with(|| CorpusShare {
                name: m.corpus.clone(),
                publisher: m.publisher.clone(),
                date: m.date.clone(),
                ..CorpusShare::default()
            });
            match result.class {
                Class::Exact => share.exact += 1,
                Class::Near => share.near += 1,
                Class::Partial => share.partial += 1,
                Class::New => {}
            }
            share.documents += 1;
            share.covered_words += result.covered_words;
            share.covered_bytes += result.covered_bytes;
        }
    }

    fn finish(self) -> Summary {
        let SummaryBuilder {
            mut summary,
            by_corpus,
            covered_words,
            covered_bytes,
        } = self;
        let documents = summary.documents.max(1) as f64;
        let (words, bytes) = (summary.words.max(1) as f64, summary.bytes.max(1) as f64);
        let new = summary.by_class.get(&Class::New).copied().unwrap_or(0);
        summary.novel_share_count = new as f64 / documents;
        summary.novel_share_bytes = 1.0 - covered_bytes as f64 / bytes;
        // A submission with no words (scans without OCR) has no text to
        // measure: its documents stand in.
        summary.novel_share_words = if summary.words == 0 {
            summary.novel_share_count
        } else {
            1.0 - covered_words as f64 / words
        };
        let mut shares: Vec<CorpusShare> = by_corpus.into_values().collect();
        for share in &mut shares {
            share.share_words = share.covered_words as f64 / words;
            share.share_count = share.documents as f64 / documents;
            share.share_bytes = share.covered_bytes as f64 / bytes;
        }
        shares.sort_by(|a, b| b.covered_words.cmp(&a.covered_words).then(a.name.cmp(&b.name)));
        let mut sentence = format!(
            "{} of the text, {} of the documents and {} of the bytes are in no registered corpus",
            percent(summary.novel_share_words),
            percent(summary.novel_share_count),
            percent(summary.novel_share_bytes)
        );
        for share in &shares {
            sentence.push_str(&format!(
                "; {} of the text ({} documents) appeared in {} ({}, {})",
                percent(share.share_words),
                share.documents,
                share.name,
                share.publisher,
                share.date
            ));
        }
        sentence.push('.');
        summary.sentence = sentence;
        summary.by_corpus = shares;
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_flags() {
        let flags = [false, true, true, false, true, false, false, true];
        let runs: Vec<Range<usize>> = true_runs(&flags).collect();
        assert_eq!(runs, vec![1..3, 4..5, 7..8]);
        assert_eq!(true_runs(&[]).count(), 0);
        assert_eq!(true_runs(&[false, false]).count(), 0);
    }

    #[test]
    fn only_clustered_shared_fingerprints_are_worth_checking() {
        // Three shared fingerprints within one passage's k-grams: check.
        assert!(may_share_a_passage(&[3, 40, 44, 52]));
        // As many, but spread over the document: coincidences.
        assert!(!may_share_a_passage(&[3, 40, 60, 90, 130]));
        assert!(!may_share_a_passage(&[7, 8]));
        // What winnowing selects inside a real 20-word passage passes.
        let passage: String = (0..20).map(|i| format!("w{} ", i * 37 % 101)).collect();
        let selected = crate::winnow::winnow(&crate::text::words(&passage));
        let positions: Vec<u32> = selected.iter().map(|f| f.position).collect();
        assert!(may_share_a_passage(&positions), "{positions:?}");
    }
}

//! Classing a submission's documents against the registered corpora.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use trove_store::{
    BlobBackend, BlobOpener, DocumentRecord, DocumentRepo, PublishedCorpus, PublishedDocument, PublishedRepo,
    SubmissionRecord,
};

use crate::index::{Index, SetLocation};
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
    /// Bytes counted as already public: the whole document for exact and
    /// near, the spans' bytes for partial.
    pub covered_bytes: u64,
    pub matches: Vec<Match>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CorpusShare {
    pub name: String,
    pub publisher: String,
    pub date: String,
    pub exact: u64,
    pub near: u64,
    pub partial: u64,
    /// Documents in any class with this corpus, and their covered bytes.
    pub documents: u64,
    pub covered_bytes: u64,
    pub share_count: f64,
    pub share_bytes: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub documents: u64,
    pub bytes: u64,
    pub by_class: BTreeMap<Class, u64>,
    pub novel_share_count: f64,
    pub novel_share_bytes: f64,
    pub by_corpus: Vec<CorpusShare>,
    pub sentence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverlapReport {
    pub documents: Vec<DocumentOverlap>,
    pub summary: Summary,
}

struct Corpora {
    by_id: HashMap<i64, PublishedCorpus>,
}

impl Corpora {
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
            by,
            similarity,
            spans,
        })
    }
}

fn location(doc: &PublishedDocument) -> Option<SetLocation> {
    doc.set
        .map(|(segment, offset, len)| SetLocation { segment, offset, len })
}

/// Classes every document of an ingested submission.
pub async fn overlap_submission<B: BlobBackend>(
    opener: &BlobOpener<B>,
    repo: &(impl DocumentRepo + PublishedRepo),
    index: &Index,
    record: &SubmissionRecord,
) -> Result<OverlapReport, OverlapError> {
    let all = repo.documents(&record.id).await?;
    if all.is_empty() {
        return Err(OverlapError::NotIngested(record.id.to_string()));
    }
    let documents: Vec<&DocumentRecord> = all
        .iter()
        .filter(|d| trove_ingest::counts_as_document(&d.doc_type))
        .collect();
    let texts = trove_store::read_texts(opener, &documents)?;
    let corpora = Corpora {
        by_id: repo.published_corpora().await?.into_iter().map(|c| (c.id, c)).collect(),
    };
    let mut results = Vec::with_capacity(documents.len());
    for doc in &documents {
        let mut result = DocumentOverlap {
            doc: doc.id.clone(),
            path: doc.path.clone(),
            doc_type: doc.doc_type.clone(),
            size: doc.size,
            class: Class::New,
            covered_bytes: 0,
            matches: Vec::new(),
        };
        // Exact: the same bytes.
        for published in repo.published_by_content(&doc.content_id).await? {
            result
                .matches
                .extend(corpora.matched(&published, "bytes", 1.0, Vec::new()));
        }
        let text = texts.get(&doc.id).map(|t| &**t).unwrap_or("");
        let found = fingerprint(text);
        // Exact: the same normalized text.
        if result.matches.is_empty()
            && let Some(text_id) = &found.text_id
        {
            for published in repo.published_by_text(text_id).await? {
                result
                    .matches
                    .extend(corpora.matched(&published, "text", 1.0, Vec::new()));
            }
        }
        if !result.matches.is_empty() {
            result.class = Class::Exact;
            result.covered_bytes = doc.size;
            results.push(result);
            continue;
        }
        // Near: LSH candidates, each checked on the real shingle sets.
        if let Some(bands) = found.bands {
            let mut candidates = Vec::new();
            for key in bands {
                index.band_candidates(key, &mut candidates);
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut near = Vec::new();
            for candidate in candidates {
                let Some(published) = repo.published_document(candidate).await? else {
                    continue;
                };
                let Some(at) = location(&published) else { continue };
                let similarity = jaccard(&found.set, &index.set(at));
                if similarity >= NEAR {
                    near.extend(corpora.matched(&published, "shingles", similarity, Vec::new()));
                }
            }
            if !near.is_empty() {
                near.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
                result.class = Class::Near;
                result.covered_bytes = doc.size;
                result.matches = near;
                results.push(result);
                continue;
            }
        }
        // Partial: winnowed passages, widened to the exact run of shared
        // shingles with each published document.
        // Where in this document each published document's fingerprints
        // fall (k-gram positions, ascending).
        let mut hits: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut found_matches = Vec::new();
        for fingerprint in &found.winnowed {
            // A k-gram in very many published documents is boilerplate
            // (a form's wording, a table's header with a common value): it
            // says nothing about which document is quoted, and following it
            // made overlap quadratic on large corpora.
            found_matches.clear();
            if !index.fingerprint_matches_upto(fingerprint.hash, MAX_FINGERPRINT_POSTINGS, &mut found_matches) {
                continue;
            }
            for (published, _) in &found_matches {
                let positions = hits.entry(*published).or_default();
                if positions.last() != Some(&fingerprint.position) {
                    positions.push(fingerprint.position);
                }
            }
        }
        let mut partial: Vec<(Match, Vec<(usize, usize)>)> = Vec::new();
        let candidates: Vec<u32> = hits
            .into_iter()
            .filter(|(_, positions)| may_share_a_passage(positions))
            .map(|(candidate, _)| candidate)
            .collect();
        let mut candidates: Vec<PublishedDocument> =
            repo.published_documents(&candidates).await?.into_values().collect();
        candidates.sort_by_key(|d| d.id);
        // The document's shingles in order, once for all its candidates.
        let shingles = if candidates.is_empty() {
            Vec::new()
        } else {
            crate::text::kgram_hashes(&found.words, SHINGLE_WORDS)
        };
        for published in candidates {
            let Some(at) = location(&published) else { continue };
            let set = index.set(at);
            let spans = shared_runs(&found.words, &shingles, &set);
            if spans.is_empty() {
                continue;
            }
            let covered: usize = spans.iter().map(|(a, b)| b - a).sum();
            let containment = covered as f64 / text.len().max(1) as f64;
            if let Some(m) = corpora.matched(&published, "passages", containment, spans.clone()) {
                partial.push((m, spans));
            }
        }
        if !partial.is_empty() {
            partial.sort_by(|a, b| b.0.similarity.total_cmp(&a.0.similarity));
            let mut union: Vec<(usize, usize)> = partial.iter().flat_map(|(_, s)| s.iter().copied()).collect();
            union.sort_unstable();
            let mut merged: Vec<(usize, usize)> = Vec::new();
            for (start, end) in union {
                match merged.last_mut() {
                    Some(last) if start <= last.1 => last.1 = last.1.max(end),
                    _ => merged.push((start, end)),
                }
            }
            result.class = Class::Partial;
            result.covered_bytes = (merged.iter().map(|(a, b)| b - a).sum::<usize>() as u64).min(doc.size);
            result.matches = partial.into_iter().map(|(m, _)| m).collect();
        }
        results.push(result);
    }
    let summary = summarize(&results);
    Ok(OverlapReport {
        documents: results,
        summary,
    })
}

/// The shortest passage reported as a quotation: shorter shared runs are
/// boilerplate (signatures, greetings, table headers), not publication.
pub const MIN_PASSAGE_WORDS: usize = 20;

/// A fingerprint held by more published places than this is boilerplate
/// and not followed (see `overlap_submission`).
const MAX_FINGERPRINT_POSTINGS: usize = 256;

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

/// Byte ranges of the document's text made of runs of at least
/// `MIN_PASSAGE_WORDS` words whose every 5-shingle is in the published set.
fn shared_runs(words: &[crate::text::Word], shingles: &[u64], published: &[u64]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut run_start: Option<usize> = None;
    for i in 0..=shingles.len() {
        let shared = i < shingles.len() && published.binary_search(&shingles[i]).is_ok();
        match (shared, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                // Shingles start..i cover words start .. i - 1 + SHINGLE_WORDS.
                let last_word = i - 1 + SHINGLE_WORDS - 1;
                if last_word + 1 - start >= MIN_PASSAGE_WORDS {
                    spans.push((words[start].start, words[last_word].end));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    spans
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn summarize(results: &[DocumentOverlap]) -> Summary {
    let mut summary = Summary {
        documents: results.len() as u64,
        bytes: results.iter().map(|r| r.size).sum(),
        ..Summary::default()
    };
    let mut by_corpus: BTreeMap<String, CorpusShare> = BTreeMap::new();
    for result in results {
        *summary.by_class.entry(result.class).or_default() += 1;
        let mut seen = std::collections::HashSet::new();
        for m in &result.matches {
            if !seen.insert(m.corpus.clone()) {
                continue;
            }
            let share = by_corpus.entry(m.corpus.clone()).or_insert_with(|| CorpusShare {
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
            share.covered_bytes += result.covered_bytes;
        }
    }
    let (documents, bytes) = (summary.documents.max(1) as f64, summary.bytes.max(1) as f64);
    let new = summary.by_class.get(&Class::New).copied().unwrap_or(0);
    let covered: u64 = results.iter().map(|r| r.covered_bytes).sum();
    summary.novel_share_count = new as f64 / documents;
    summary.novel_share_bytes = 1.0 - covered as f64 / bytes;
    let mut shares: Vec<CorpusShare> = by_corpus.into_values().collect();
    for share in &mut shares {
        share.share_count = share.documents as f64 / documents;
        share.share_bytes = share.covered_bytes as f64 / bytes;
    }
    shares.sort_by(|a, b| b.documents.cmp(&a.documents).then(a.name.cmp(&b.name)));
    let mut sentence = format!(
        "{} of the documents and {} of the bytes are in no registered corpus",
        percent(summary.novel_share_count),
        percent(summary.novel_share_bytes)
    );
    for share in &shares {
        sentence.push_str(&format!(
            "; {} appeared in {} ({}, {})",
            percent(share.share_count),
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

#[cfg(test)]
mod tests {
    use super::*;

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

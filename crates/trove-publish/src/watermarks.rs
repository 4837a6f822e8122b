//! Per-recipient marks (canary traps): an organisation that hands each
//! recipient a copy differing in a few words learns from a published copy
//! whose it was. Copies of one document in a submission are found as
//! near-duplicates (MinHash and LSH from trove-overlap, then an exact
//! Jaccard check), and the words where each differs from the other are
//! listed: those are proposed for redaction, so that no recipient's mark
//! is published.

use std::collections::{BTreeSet, HashMap};

use similar::{DiffOp, capture_diff_slices};
use trove_overlap::minhash::{self, Signature};
use trove_overlap::text::{jaccard, shingle_set, words};

/// A byte range of a text: start, end.
pub type Range = (usize, usize);

/// Copies share at least this much of their shingles.
const MIN_JACCARD: f64 = 0.8;
/// And differ in at most this share of their words (more is an edit, not a mark).
const MAX_DIFFERENT_SHARE: f64 = 0.05;
/// Documents shorter than this many words are not compared.
const MIN_WORDS: usize = 30;

/// Finds pairs of near-identical copies among documents added one at a
/// time; it keeps a MinHash signature a document (about a kilobyte).
#[derive(Default)]
pub struct CopyFinder {
    ids: Vec<String>,
    signatures: Vec<Signature>,
    buckets: HashMap<(usize, u64), Vec<usize>>,
}

impl CopyFinder {
    pub fn add(&mut self, id: &str, text: &str) {
        let words = words(text);
        if words.len() < MIN_WORDS {
            return;
        }
        let Some(signature) = minhash::signature(&shingle_set(&words)) else {
            return;
        };
        let index = self.ids.len();
        for (band, key) in minhash::band_keys(&signature).into_iter().enumerate() {
            self.buckets.entry((band, key)).or_default().push(index);
        }
        self.ids.push(id.to_owned());
        self.signatures.push(signature);
    }

    /// Pairs of documents that may be copies of each other (by their
    /// signatures; [`differences`] decides), each pair once.
    pub fn candidates(&self) -> Vec<(String, String)> {
        let mut pairs = BTreeSet::new();
        for members in self.buckets.values() {
            for (i, &a) in members.iter().enumerate() {
                for &b in &members[i + 1..] {
                    if minhash::estimate(&self.signatures[a], &self.signatures[b]) >= MIN_JACCARD - 0.1 {
                        pairs.insert((a.min(b), a.max(b)));
                    }
                }
            }
        }
        pairs
            .into_iter()
            .map(|(a, b)| (self.ids[a].clone(), self.ids[b].clone()))
            .collect()
    }
}

/// Where two copies differ, as byte ranges of each (one range a run of
/// differing words), when they are copies with a few words changed; empty
/// when they are not copies, are identical, or differ too much for a mark.
pub fn differences(a: &str, b: &str) -> (Vec<Range>, Vec<Range>) {
    let (words_a, words_b) = (words(a), words(b));
    if words_a.len() < MIN_WORDS || words_b.len() < MIN_WORDS {
        return Default::default();
    }
    if jaccard(&shingle_set(&words_a), &shingle_set(&words_b)) < MIN_JACCARD {
        return Default::default();
    }
    let hashes_a: Vec<u64> = words_a.iter().map(|w| w.hash).collect();
    let hashes_b: Vec<u64> = words_b.iter().map(|w| w.hash).collect();
    let (mut in_a, mut in_b) = (Vec::new(), Vec::new());
    let mut different = 0;
    for op in capture_diff_slices(similar::Algorithm::Myers, &hashes_a, &hashes_b) {
        let (old, new) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { old_index, old_len, .. } => (old_index..old_index + old_len, 0..0),
            DiffOp::Insert { new_index, new_len, .. } => (0..0, new_index..new_index + new_len),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (old_index..old_index + old_len, new_index..new_index + new_len),
        };
        different += old.len().max(new.len());
        if !old.is_empty() {
            in_a.push((words_a[old.start].start, words_a[old.end - 1].end));
        }
        if !new.is_empty() {
            in_b.push((words_b[new.start].start, words_b[new.end - 1].end));
        }
    }
    let longest = words_a.len().max(words_b.len());
    if different == 0 || different as f64 > MAX_DIFFERENT_SHARE * longest as f64 {
        return Default::default();
    }
    (in_a, in_b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memo(mark: &str) -> String {
        let mut text = String::from("Memo to the board.\n");
        for item in 1..=20 {
            text.push_str(&format!(
                "Item {item}: the committee reviewed section {item} of the harbour budget and agreed to revisit it later.\n"
            ));
        }
        text.push_str(&format!(
            "Copy {mark}. Do not forward this memo outside the department.\n"
        ));
        text
    }

    #[test]
    fn copies_that_differ_in_a_mark_are_found_and_the_mark_listed() {
        let (a, b, other) = (memo("number 17 for Ms Holm"), memo("number 23 for Mr Berg"), "A different text altogether, about fishing quotas and nothing else, long enough to count as a document of its own with many words in it for the finder to consider here.".to_owned());
        let mut finder = CopyFinder::default();
        finder.add("a", &a);
        finder.add("b", &b);
        finder.add("c", &other);
        assert_eq!(finder.candidates(), vec![("a".to_owned(), "b".to_owned())]);
        let (in_a, in_b) = differences(&a, &b);
        let marks_a: Vec<&str> = in_a.iter().map(|&(s, e)| &a[s..e]).collect();
        let marks_b: Vec<&str> = in_b.iter().map(|&(s, e)| &b[s..e]).collect();
        assert_eq!(marks_a, vec!["17", "Ms Holm"]);
        assert_eq!(marks_b, vec!["23", "Mr Berg"]);
        assert_eq!(differences(&a, &a), (vec![], vec![]), "identical copies carry no mark");
        assert_eq!(differences(&a, &other), (vec![], vec![]));
    }
}

//! Text as overlap sees it: normalized for exact-by-text matching, and as
//! words with their byte offsets for shingles and quotations.

use unicode_normalization::UnicodeNormalization;

/// NFKC, case-folded, whitespace collapsed to single spaces and trimmed:
/// re-encodings (UTF-16, windows-1251), CRLF line ends and re-wrapping all
/// give the same normalized text.
pub fn normalize(text: &str) -> String {
    // ASCII, most text, is its own NFKC form and folds by lower-casing:
    // the Unicode tables are only walked for the rest.
    let folded = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        caseless::default_case_fold_str(&text.nfkc().collect::<String>())
    };
    let mut out = String::with_capacity(folded.len());
    for word in folded.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// BLAKE3 of the normalized text, hex: equal for texts that differ only in
/// encoding, case, Unicode compatibility forms and whitespace.
pub fn text_id(text: &str) -> String {
    blake3::hash(normalize(text).as_bytes()).to_hex().to_string()
}

/// A word: a maximal run of alphanumeric characters, lower-cased (the
/// corpus generator's definition), with its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub hash: u64,
    pub start: usize,
    pub end: usize,
}

/// The words of `text` with their byte ranges.
pub fn words(text: &str) -> Vec<Word> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(text.len() / 6);
    let mut lower = String::new();
    let mut i = 0;
    while i < bytes.len() {
        // ASCII is most text: lower-cased into a small buffer and hashed
        // without an allocation; anything else goes through char handling.
        if bytes[i].is_ascii_alphanumeric() {
            let start = i;
            let mut buffer = [0u8; 64];
            let mut len = 0;
            while i < bytes.len() && bytes[i].is_ascii_alphanumeric() && len < buffer.len() {
                buffer[len] = bytes[i].to_ascii_lowercase();
                len += 1;
                i += 1;
            }
            if i >= bytes.len() || (!bytes[i].is_ascii_alphanumeric() && bytes[i].is_ascii()) {
                out.push(Word {
                    hash: xxhash_rust::xxh3::xxh3_64(&buffer[..len]),
                    start,
                    end: i,
                });
                continue;
            }
            // A long word, or one that goes on in non-ASCII letters.
            i = start;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        if !c.is_alphanumeric() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        lower.clear();
        for c in text[start..].chars() {
            if !c.is_alphanumeric() {
                break;
            }
            lower.extend(c.to_lowercase());
            i += c.len_utf8();
        }
        out.push(Word {
            hash: xxhash_rust::xxh3::xxh3_64(lower.as_bytes()),
            start,
            end: i,
        });
    }
    out
}

/// Words in a shingle (the corpus's definition of near-duplicate uses 5).
pub const SHINGLE_WORDS: usize = 5;

/// Hash of `n` consecutive words starting at each position: the word
/// hashes combined in order, then mixed (SplitMix64's finalizer).
pub fn kgram_hashes(words: &[Word], n: usize) -> Vec<u64> {
    if words.len() < n || n == 0 {
        return Vec::new();
    }
    words
        .windows(n)
        .map(|window| {
            let mut h = n as u64;
            for word in window {
                h = (h.rotate_left(23) ^ word.hash).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
            h ^= h >> 31;
            h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
            h ^ (h >> 29)
        })
        .collect()
}

/// Where each of `passages` (taken from one text) stands in `published`:
/// the byte range of the longest run of the passage's word shingles that
/// follow each other in `published` as well; None for a passage with no
/// shingle there (or shorter than a shingle). For the desk, which shows a
/// leaked passage beside the published one: the match itself is found by
/// the index, this only places it.
pub fn find_passages(passages: &[&str], published: &str) -> Vec<Option<(usize, usize)>> {
    /// A shingle repeated more often than this (boilerplate, a table's
    /// rows) is placed by its first occurrences only.
    const PLACES: usize = 16;
    let theirs = words(published);
    let mut at: std::collections::HashMap<u64, Vec<usize>> = std::collections::HashMap::new();
    for (position, hash) in kgram_hashes(&theirs, SHINGLE_WORDS).into_iter().enumerate() {
        let places = at.entry(hash).or_default();
        if places.len() < PLACES {
            places.push(position);
        }
    }
    passages
        .iter()
        .map(|passage| {
            // Runs ending at each published position, one shingle of the
            // passage after another: (length, position of the last).
            let mut previous: Vec<(usize, usize)> = Vec::new();
            let mut best = (0, 0);
            for hash in kgram_hashes(&words(passage), SHINGLE_WORDS) {
                let current: Vec<(usize, usize)> = at
                    .get(&hash)
                    .into_iter()
                    .flatten()
                    .map(|&position| {
                        let before = previous
                            .iter()
                            .find(|&&(_, last)| last + 1 == position)
                            .map_or(0, |&(length, _)| length);
                        (before + 1, position)
                    })
                    .collect();
                for &(length, position) in &current {
                    if length > best.0 {
                        best = (length, position);
                    }
                }
                previous = current;
            }
            let (length, last) = best;
            (length > 0).then(|| (theirs[last + 1 - length].start, theirs[last + SHINGLE_WORDS - 1].end))
        })
        .collect()
}

/// The set of word 5-shingles, as sorted unique hashes.
pub fn shingle_set(words: &[Word]) -> Vec<u64> {
    let mut set = kgram_hashes(words, SHINGLE_WORDS);
    set.sort_unstable();
    set.dedup();
    set
}

/// Jaccard similarity of two sorted unique sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let common = intersection(a, b);
    common as f64 / (a.len() + b.len() - common) as f64
}

/// The intersection of two sorted unique sets, sorted.
pub fn common(a: &[u64], b: &[u64]) -> Vec<u64> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Size of the intersection of two sorted unique sets.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_erases_encoding_case_and_wrapping() {
        assert_eq!(normalize("Straße\r\n  ＡＢＣ\tfoo "), "strasse abc foo");
        assert_eq!(text_id("One two\r\nthree"), text_id("ONE   two three\n"));
        assert_ne!(text_id("one two"), text_id("one three"));
    }

    #[test]
    fn passages_are_placed_in_the_published_text() {
        let published = "The ministry said on Monday that the Transfer of 48 000 EUR to Istmo Trust \
                         was approved by the deputy minister in March. Nothing else was said.";
        let leaked = [
            "the transfer of 48,000 EUR to ISTMO trust was approved by the deputy",
            "not there at all in it",
        ];
        let found = find_passages(&leaked, published);
        let (start, end) = found[0].expect("the first passage is placed");
        assert_eq!(
            &published[start..end],
            "the Transfer of 48 000 EUR to Istmo Trust \
                         was approved by the deputy"
        );
        assert_eq!(found[1], None);
        // Shorter than a shingle: nothing to place it by.
        assert_eq!(find_passages(&["the ministry"], published), vec![None]);
    }

    #[test]
    fn words_keep_their_byte_ranges() {
        let text = "Перевод — 48 000 EUR, approved.";
        let found = words(text);
        let spelled: Vec<&str> = found.iter().map(|w| &text[w.start..w.end]).collect();
        assert_eq!(spelled, vec!["Перевод", "48", "000", "EUR", "approved"]);
        assert_eq!(words("EUR")[0].hash, words("eur")[0].hash);
    }

    #[test]
    fn ascii_and_other_words_hash_alike() {
        let mixed = words("Straße ABC-déf 123 x");
        let spelled: Vec<u64> = mixed.iter().map(|w| w.hash).collect();
        let lower: Vec<u64> = words("straße abc déf 123 X").iter().map(|w| w.hash).collect();
        assert_eq!(spelled, lower);
        let long = "a".repeat(100);
        assert_eq!(words(&long).len(), 1);
        assert_eq!(words(&long)[0].end, 100);
        assert_eq!(words(&format!("{long}é"))[0].end, 102);
    }

    #[test]
    fn jaccard_of_shingle_sets() {
        let a = shingle_set(&words("a b c d e f g h"));
        let b = shingle_set(&words("a b c d e f g x"));
        assert_eq!(a.len(), 4);
        assert!((jaccard(&a, &b) - 3.0 / 5.0).abs() < 1e-9);
        assert_eq!(jaccard(&a, &a), 1.0);
    }
}

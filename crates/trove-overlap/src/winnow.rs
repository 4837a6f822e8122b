//! Winnowing (Schleimer, Wilkerson, Aiken 2003): a sample of a text's
//! word k-gram hashes that finds every shared passage of at least
//! `GRAM + WINDOW − 1` words, for partial quotations.

use crate::text::{Word, kgram_hashes};

/// Words in a k-gram.
pub const GRAM: usize = 8;
/// Window of k-grams: one fingerprint is kept in every window.
pub const WINDOW: usize = 4;

/// A selected k-gram: its hash and the index of its first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub hash: u64,
    pub position: u32,
}

/// The winnowed fingerprints: in each window of `WINDOW` consecutive
/// k-grams, the smallest hash (the rightmost on ties), each recorded once.
pub fn winnow(words: &[Word]) -> Vec<Fingerprint> {
    let hashes = kgram_hashes(words, GRAM);
    let mut out: Vec<Fingerprint> = Vec::new();
    if hashes.is_empty() {
        return out;
    }
    let window = WINDOW.min(hashes.len());
    for start in 0..=hashes.len() - window {
        let mut best = start;
        for i in start..start + window {
            if hashes[i] <= hashes[best] {
                best = i;
            }
        }
        if out.last().is_none_or(|f| f.position as usize != best) {
            out.push(Fingerprint {
                hash: hashes[best],
                position: best as u32,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::words;

    #[test]
    fn a_shared_passage_shares_a_fingerprint() {
        let passage = "the transfer of funds to the offshore account was approved by the deputy minister on friday";
        let a = format!("completely unrelated opening words here and there {passage} and then an ending");
        let b = format!("a different article begins like this one does {passage} with its own close");
        let (fa, fb) = (winnow(&words(&a)), winnow(&words(&b)));
        assert!(fa.iter().any(|x| fb.iter().any(|y| x.hash == y.hash)));
        // Density: about 2 / (WINDOW + 1) of the k-grams.
        let long: String = (0..2000).map(|i| format!("w{} ", i * 7919 % 1000)).collect();
        let n = winnow(&words(&long)).len() as f64 / (2000 - GRAM + 1) as f64;
        assert!(n > 0.25 && n < 0.55, "{n}");
    }
}

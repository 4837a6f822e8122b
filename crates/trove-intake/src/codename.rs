//! Codenames: seven words from the EFF large diceware list.

use zeroize::Zeroize;

/// The EFF large word list: `DDDDD<TAB>word` lines, 7 776 of them.
const LIST: &str = include_str!("../wordlist/eff_large_wordlist.txt");

/// Words in a codename: 7 × log2(7 776) ≈ 90 bits.
pub const WORDS: usize = 7;

fn words() -> impl Iterator<Item = &'static str> {
    LIST.lines().filter_map(|line| line.split('\t').nth(1))
}

/// The word list, in order.
pub fn word_list() -> Vec<&'static str> {
    words().collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodenameError {
    #[error("a codename has {WORDS} words; this one has {0}")]
    WordCount(usize),
    /// Which word (by position, never by value: the codename is secret).
    #[error("word {0} of the codename is not in the word list")]
    UnknownWord(usize),
    #[error("no randomness available: {0}")]
    Random(String),
}

/// A codename. Its text is wiped from memory when it is dropped, and it
/// has no `Display` or `Debug` that shows it: `expose` is the only way.
pub struct Codename(String);

impl Drop for Codename {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for Codename {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Codename(…)")
    }
}

impl Codename {
    /// A new codename from the operating system's randomness.
    pub fn generate() -> Result<Codename, CodenameError> {
        let list = word_list();
        let mut chosen = Vec::with_capacity(WORDS);
        for _ in 0..WORDS {
            // Rejection sampling: a uniform index below 7 776 from u16s.
            let index = loop {
                let mut bytes = [0u8; 2];
                getrandom::getrandom(&mut bytes).map_err(|e| CodenameError::Random(e.to_string()))?;
                let value = u16::from_le_bytes(bytes) as usize;
                let limit = 65_536 - 65_536 % list.len();
                if value < limit {
                    break value % list.len();
                }
            };
            chosen.push(list[index]);
        }
        Ok(Codename(chosen.join(" ")))
    }

    /// A codename as a source types it: case, spaces, tabs and line breaks
    /// do not matter; every word must be in the list.
    pub fn parse(typed: &str) -> Result<Codename, CodenameError> {
        let mut normalized = typed.to_lowercase();
        let typed_words: Vec<&str> = normalized.split_whitespace().collect();
        if typed_words.len() != WORDS {
            let count = typed_words.len();
            normalized.zeroize();
            return Err(CodenameError::WordCount(count));
        }
        if let Some(position) = typed_words.iter().position(|w| !words().any(|known| known == *w)) {
            normalized.zeroize();
            return Err(CodenameError::UnknownWord(position + 1));
        }
        let codename = Codename(typed_words.join(" "));
        normalized.zeroize();
        Ok(codename)
    }

    /// The words, space-separated: to show the source once, or to derive.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    #[test]
    fn the_word_list_is_the_eff_list() {
        let digest = hex::encode(sha2::Sha256::digest(LIST.as_bytes()));
        assert_eq!(
            digest,
            "addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e"
        );
        let list = word_list();
        assert_eq!(list.len(), 7776);
        let mut unique = list.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 7776);
    }

    #[test]
    fn codenames_are_seven_listed_words_and_parse_back() {
        let a = Codename::generate().unwrap();
        let b = Codename::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().split(' ').count(), WORDS);
        let typed = format!("  {}\n", a.expose().to_uppercase().replace(' ', "\t "));
        assert_eq!(Codename::parse(&typed).unwrap().expose(), a.expose());
        assert_eq!(format!("{a:?}"), "Codename(…)");
    }

    #[test]
    fn bad_codenames_say_what_is_wrong_without_repeating_it() {
        assert_eq!(Codename::parse("abacus zoom").unwrap_err(), CodenameError::WordCount(2));
        let error = Codename::parse("abacus zoom zoology abdomen abacus zoom quetzalcoatlx").unwrap_err();
        assert_eq!(error, CodenameError::UnknownWord(7));
        assert!(!error.to_string().contains("quetzalcoatlx"));
    }
}

//! Word pairs: each two neighbouring words are indexed as one more term,
//! so that a phrase is answered from the pairs' postings.
//!
//! A phrase of common words ("of the", or two of a cache's most frequent
//! names) otherwise makes tantivy read the positions of every document
//! that holds both words: hundreds of milliseconds on a million
//! documents. As a term, the pair is one posting list that block-max
//! pruning can skip through. This is what Lucene's `CommonGramsFilter`
//! and Elasticsearch's `index_phrases` do; tantivy has neither, hence
//! this filter.
//!
//! The index side runs [`WordPairs`] after the analyzer's last filter
//! (pairs of stems); the query side parses without it and [`rewrite`]
//! turns each exact phrase into its pairs.

use tantivy::Term;
use tantivy::query::{BooleanQuery, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Separates the two words of a pair: no tokenizer of the archive keeps
/// a space inside a word, so a pair never collides with a word.
const JOIN: char = ' ';

/// The token filter: after each word that follows its neighbour directly,
/// also the pair of the two.
#[derive(Clone)]
pub struct WordPairs;

impl TokenFilter for WordPairs {
    type Tokenizer<T: Tokenizer> = WordPairsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordPairsFilter<T> {
        WordPairsFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct WordPairsFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for WordPairsFilter<T> {
    type TokenStream<'a> = WordPairsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordPairsStream {
            words: self.inner.token_stream(text),
            previous: None,
            pair: Token::default(),
            pair_next: false,
            on_pair: false,
        }
    }
}

pub struct WordPairsStream<S> {
    words: S,
    /// The word before the current one.
    previous: Option<Token>,
    pair: Token,
    /// The current word has a pair, given on the next advance.
    pair_next: bool,
    on_pair: bool,
}

impl<S: TokenStream> TokenStream for WordPairsStream<S> {
    fn advance(&mut self) -> bool {
        if self.pair_next {
            self.pair_next = false;
            self.on_pair = true;
            return true;
        }
        self.on_pair = false;
        if !self.words.advance() {
            return false;
        }
        let word = self.words.token();
        // Only direct neighbours: a word dropped between two (one too
        // long to index) leaves no pair across its gap.
        if let Some(previous) = &self.previous
            && previous.position + 1 == word.position
        {
            self.pair.text.clear();
            self.pair.text.push_str(&previous.text);
            self.pair.text.push(JOIN);
            self.pair.text.push_str(&word.text);
            self.pair.offset_from = previous.offset_from;
            self.pair.offset_to = word.offset_to;
            self.pair.position = previous.position;
            self.pair.position_length = 2;
            self.pair_next = true;
        }
        let previous = self.previous.get_or_insert_with(Token::default);
        previous.text.clear();
        previous.text.push_str(&word.text);
        previous.offset_from = word.offset_from;
        previous.position = word.position;
        true
    }

    fn token(&self) -> &Token {
        if self.on_pair { &self.pair } else { self.words.token() }
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.on_pair {
            &mut self.pair
        } else {
            self.words.token_mut()
        }
    }
}

/// `query` with every exact phrase in a field of `paired` answered from
/// word pairs: two words become one pair term, more words a phrase of
/// their pairs. Other queries are kept as they are.
pub fn rewrite(query: Box<dyn Query>, paired: &[Field]) -> Box<dyn Query> {
    if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
        let clauses = boolean
            .clauses()
            .iter()
            .map(|(occur, clause)| (*occur, rewrite(clause.box_clone(), paired)))
            .collect();
        return Box::new(BooleanQuery::new(clauses));
    }
    if let Some(phrase) = query.downcast_ref::<PhraseQuery>()
        && paired.contains(&phrase.field())
    {
        let words = phrase.phrase_terms();
        let texts: Option<Vec<String>> = words.iter().map(|t| t.value().as_str().map(str::to_owned)).collect();
        if let Some(texts) = texts {
            let pairs: Vec<Term> = texts
                .windows(2)
                .map(|w| Term::from_field_text(phrase.field(), &format!("{}{JOIN}{}", w[0], w[1])))
                .collect();
            return match <[Term; 1]>::try_from(pairs) {
                Ok([pair]) => Box::new(TermQuery::new(pair, IndexRecordOption::WithFreqs)),
                Err(pairs) => Box::new(PhraseQuery::new(pairs)),
            };
        }
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer};

    fn tokens(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(10))
            .filter(LowerCaser)
            .filter(WordPairs)
            .build();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push((token.text.clone(), token.position, token.offset_from, token.offset_to));
        }
        out
    }

    #[test]
    fn neighbours_are_paired_and_gaps_are_not_bridged() {
        assert_eq!(
            tokens("Of the ministry"),
            [
                ("of".to_owned(), 0, 0, 2),
                ("the".to_owned(), 1, 3, 6),
                ("of the".to_owned(), 0, 0, 6),
                ("ministry".to_owned(), 2, 7, 15),
                ("the ministry".to_owned(), 1, 3, 15),
            ]
        );
        // "extraordinarily" is dropped as too long: no pair across it.
        let words: Vec<String> = tokens("an extraordinarily big").into_iter().map(|t| t.0).collect();
        assert_eq!(words, ["an", "big"]);
    }
}

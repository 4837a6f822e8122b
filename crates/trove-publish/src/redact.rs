//! Redaction: what to propose in a text, and the text with the confirmed
//! spans taken out.
//!
//! A span is a byte range of the document's *rendered* text (what the
//! release would publish: a mail's headers and body, an office file's
//! text), so that names in a mail's headers are redacted like names in its
//! body. Proposals are suggestions for a reviewer; nothing is removed
//! until a second person confirms it.

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::PublishError;

/// What a span covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    Email,
    Phone,
    Iban,
    Card,
    IdNumber,
    Address,
    /// A name on the newsroom's protect list.
    ProtectedName,
    /// A value the source-protection flags found in the document's
    /// metadata (an author, a user path, a serial) that the text repeats.
    SourceMetadata,
    /// Where a near-identical copy in the submission differs: a possible
    /// per-recipient mark.
    Watermark,
    /// Added by hand.
    Manual,
}

impl SpanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Email => "email",
            SpanKind::Phone => "phone",
            SpanKind::Iban => "iban",
            SpanKind::Card => "card",
            SpanKind::IdNumber => "id_number",
            SpanKind::Address => "address",
            SpanKind::ProtectedName => "protected_name",
            SpanKind::SourceMetadata => "source_metadata",
            SpanKind::Watermark => "watermark",
            SpanKind::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<SpanKind> {
        [
            SpanKind::Email,
            SpanKind::Phone,
            SpanKind::Iban,
            SpanKind::Card,
            SpanKind::IdNumber,
            SpanKind::Address,
            SpanKind::ProtectedName,
            SpanKind::SourceMetadata,
            SpanKind::Watermark,
            SpanKind::Manual,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// A byte range of a rendered text and what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: SpanKind,
}

/// What replaces a redacted span in a text output: always the same, so
/// that its length tells nothing about what was there.
pub const MARK: &str = "[REDACTED]";

/// Finds what to propose: contact data, account and id numbers, street
/// addresses, protected names and repeated source metadata.
pub struct Proposer {
    rules: Vec<(SpanKind, Regex)>,
    protected: Option<Regex>,
}

fn rule(kind: SpanKind, pattern: &str) -> (SpanKind, Regex) {
    (kind, Regex::new(pattern).expect("the built-in rules compile"))
}

/// A pattern matching `value` anywhere, case-insensitively, with any run
/// of white space where it has one (text extraction rewraps lines).
pub fn loose_pattern(value: &str) -> Option<String> {
    let words: Vec<String> = value.split_whitespace().map(regex::escape).collect();
    (!words.is_empty()).then(|| words.join(r"\s+"))
}

impl Proposer {
    /// A proposer for the newsroom's protect list (one name a line; blank
    /// lines and `#` comments skipped).
    pub fn new(protect_list: &[String]) -> Result<Proposer, PublishError> {
        let rules = vec![
            rule(
                SpanKind::Email,
                r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            ),
            rule(
                SpanKind::Iban,
                r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b",
            ),
            rule(SpanKind::Card, r"\b\d(?:[ -]?\d){12,18}\b"),
            rule(
                SpanKind::IdNumber,
                r"\b(?i:passport|id(?:entity)?[ -]card|national id|ausweis|reisepass|passeport)(?:[ \t]+(?i:no\.?|number|nr\.?|num[eé]ro))?[ \t]*[:#]?[ \t]*[A-Z0-9]{6,12}\b|\b\d{3}-\d{2}-\d{4}\b",
            ),
            rule(
                SpanKind::Phone,
                r"(?:\+|\b00)\d{1,3}[ ./-]?(?:\(0\)[ ]?)?(?:\(?\d{1,5}\)?[ ./-]?){1,5}\d{2,5}\b|\(?\b0\d{2,5}\)?[ ./-]\d{3,4}[ ./-]?\d{2,5}\b",
            ),
            rule(
                SpanKind::Address,
                r"\b\d{1,5}[a-z]?\s+(?:[A-Z][A-Za-z'-]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Boulevard|Blvd\.|Lane|Drive|Way|Place|Square|Court|Terrace)|\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|weg|gasse|platz|allee|ring|damm)\s+\d{1,4}[a-z]?\b|\b(?:rue|avenue|boulevard|place)\s+(?:de\s+la\s+|de\s+|du\s+|des\s+)?[A-Z][a-zé-]+(?:\s+[A-Z][a-zé-]+)?",
            ),
        ];
        let names: Vec<String> = protect_list
            .iter()
            .map(|line| line.trim())
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(loose_pattern)
            .collect();
        let protected = if names.is_empty() {
            None
        } else {
            let pattern = format!(r"(?i)\b(?:{})\b", names.join("|"));
            Some(Regex::new(&pattern).map_err(|e| PublishError::ProtectList(e.to_string()))?)
        };
        Ok(Proposer { rules, protected })
    }

    /// The spans to propose in `text`, with `flagged` values (from the
    /// source-protection flags) wherever the text repeats them; sorted,
    /// overlaps merged.
    pub fn propose(&self, text: &str, flagged: &[String]) -> Vec<Span> {
        let mut spans = Vec::new();
        for (kind, regex) in &self.rules {
            for found in regex.find_iter(text) {
                if valid(*kind, found.as_str()) {
                    spans.push(Span {
                        start: found.start(),
                        end: found.end(),
                        kind: *kind,
                    });
                }
            }
        }
        if let Some(regex) = &self.protected {
            spans.extend(regex.find_iter(text).map(|m| Span {
                start: m.start(),
                end: m.end(),
                kind: SpanKind::ProtectedName,
            }));
        }
        for value in flagged {
            spans.extend(find_all(text, value).into_iter().map(|(start, end)| Span {
                start,
                end,
                kind: SpanKind::SourceMetadata,
            }));
        }
        merge(spans)
    }
}

/// Every occurrence of `value` in `text` (case-insensitive, any white
/// space), as byte ranges.
pub fn find_all(text: &str, value: &str) -> Vec<(usize, usize)> {
    let Some(pattern) = loose_pattern(value) else {
        return Vec::new();
    };
    match Regex::new(&format!("(?i){pattern}")) {
        Ok(regex) => regex.find_iter(text).map(|m| (m.start(), m.end())).collect(),
        Err(_) => Vec::new(),
    }
}

/// Whether a match of a rule is what the rule means: a card number passes
/// Luhn, an IBAN its check digits, a phone number has 8 to 15 digits.
fn valid(kind: SpanKind, found: &str) -> bool {
    let digits: Vec<u32> = found.chars().filter_map(|c| c.to_digit(10)).collect();
    match kind {
        SpanKind::Card => (13..=19).contains(&digits.len()) && luhn(&digits),
        SpanKind::Iban => iban_checks(found),
        SpanKind::Phone => (8..=15).contains(&digits.len()),
        // "Passport no. C01X00T47", never "passport no measure".
        SpanKind::IdNumber => !digits.is_empty(),
        _ => true,
    }
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// ISO 13616: move the first four characters to the end, letters to
/// numbers (A = 10), and the number mod 97 is 1.
fn iban_checks(found: &str) -> bool {
    let compact: String = found.chars().filter(|c| !c.is_whitespace()).collect();
    if !(15..=34).contains(&compact.len()) {
        return false;
    }
    let rotated = compact[4..].chars().chain(compact[..4].chars());
    let mut remainder: u64 = 0;
    for c in rotated {
        let value = match c.to_digit(36) {
            Some(v) => v as u64,
            None => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// Sorts spans and merges those that overlap or touch (the first kind
/// stays).
pub fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match out.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => out.push(span),
        }
    }
    out
}

/// Checks that a span lies within `text` on character boundaries.
pub fn check_span(text: &str, start: usize, end: usize) -> Result<(), PublishError> {
    if start < end && end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end) {
        Ok(())
    } else {
        Err(PublishError::SpanOutOfRange {
            start,
            end,
            len: text.len(),
        })
    }
}

/// `text` with every span replaced by [`MARK`]. Spans are checked first:
/// one out of range is an error and nothing is produced.
pub fn apply(text: &str, spans: &[Span]) -> Result<String, PublishError> {
    for span in spans {
        check_span(text, span.start, span.end)?;
    }
    let spans = merge(spans.to_vec());
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for span in spans {
        out.push_str(&text[at..span.start]);
        out.push_str(MARK);
        at = span.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The redacted strings and protected values still present in `output`
/// (case-insensitive, any white space): what the residue check refuses.
pub fn residue<'a>(output: &str, secrets: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let normalized = normalize(output);
    let mut found: Vec<String> = secrets
        .into_iter()
        .filter(|secret| {
            let needle = normalize(secret);
            needle.chars().count() >= 3 && normalized.contains(&needle)
        })
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// Lower case, white space runs as one space.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, protect: &[&str]) -> Vec<(SpanKind, String)> {
        let list: Vec<String> = protect.iter().map(|s| s.to_string()).collect();
        Proposer::new(&list)
            .unwrap()
            .propose(text, &[])
            .into_iter()
            .map(|s| (s.kind, text[s.start..s.end].to_owned()))
            .collect()
    }

    #[test]
    fn contact_data_accounts_ids_addresses_and_protected_names_are_proposed() {
        let text = "Write to anna.berg@ministry.example or call +49 30 1234 5678.\n\
                    Pay DE89 3704 0044 0532 0130 00 by card 4111 1111 1111 1111.\n\
                    Passport no. C01X00T47, she lives at 221 Baker Street; \
                    he at Hauptstraße 12. Ask Jan  de Vries.";
        let found = kinds(text, &["Jan de Vries", "# a comment"]);
        let expect = [
            (SpanKind::Email, "anna.berg@ministry.example"),
            (SpanKind::Phone, "+49 30 1234 5678"),
            (SpanKind::Iban, "DE89 3704 0044 0532 0130 00"),
            (SpanKind::Card, "4111 1111 1111 1111"),
            (SpanKind::IdNumber, "Passport no. C01X00T47"),
            (SpanKind::Address, "221 Baker Street"),
            (SpanKind::Address, "Hauptstraße 12"),
            (SpanKind::ProtectedName, "Jan  de Vries"),
        ];
        for (kind, value) in expect {
            assert!(
                found.contains(&(kind, value.to_owned())),
                "{kind:?} {value:?} not proposed in {found:?}"
            );
        }
    }

    #[test]
    fn numbers_that_fail_their_checks_are_not_proposed() {
        assert!(kinds("the passport no\nmeasure was passed", &[]).is_empty());
        let found = kinds("card 4111 1111 1111 1112 in 2024", &[]);
        assert!(found.is_empty(), "{found:?}");
        let found = kinds("IBAN DE88 3704 0044 0532 0130 00", &[]);
        assert!(found.iter().all(|(k, _)| *k != SpanKind::Iban), "{found:?}");
    }

    #[test]
    fn applying_spans_replaces_them_and_refuses_bad_ranges() {
        let text = "Dear Jan, call me.";
        let spans = [Span {
            start: 5,
            end: 8,
            kind: SpanKind::Manual,
        }];
        assert_eq!(apply(text, &spans).unwrap(), "Dear [REDACTED], call me.");
        let out_of_range = Span {
            start: 5,
            end: 99,
            kind: SpanKind::Manual,
        };
        assert!(matches!(
            apply(text, &[out_of_range]),
            Err(PublishError::SpanOutOfRange { len: 18, .. })
        ));
        let inside_a_char = Span {
            start: 1,
            end: 2,
            kind: SpanKind::Manual,
        };
        assert!(apply("é", &[inside_a_char]).is_err());
    }

    #[test]
    fn residue_finds_secrets_across_case_and_line_breaks() {
        let output = "Memo from JAN DE\nVRIES about the budget";
        assert_eq!(residue(output, ["Jan de Vries", "Anna Berg"]), vec!["Jan de Vries"]);
    }
}

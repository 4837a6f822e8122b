//! Entities by rules and gazetteers. The rules are deliberately plain
//! (regular expressions an editor can read) and each finds one kind; the
//! gazetteer finds places in five languages.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde::Serialize;

use crate::{Gazetteer, TriageError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Organisation,
    Place,
    Money,
    Date,
    Email,
    Phone,
    Classification,
}

/// What one document holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DocumentEntities {
    /// Distinct entities by kind, as written (whitespace collapsed).
    pub entities: BTreeMap<EntityKind, BTreeSet<String>>,
    /// Watch-list entries found (as the list writes them).
    pub watch_hits: BTreeSet<String>,
    /// Years of the dates found.
    pub years: BTreeSet<i32>,
}

impl DocumentEntities {
    pub fn count(&self, kind: EntityKind) -> usize {
        self.entities.get(&kind).map_or(0, BTreeSet::len)
    }
}

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec";
const CURRENCY_CODES: &str = "USD|EUR|GBP|RUB|UAH|CHF|CNY|JPY|CAD|AUD|PLN|CZK|SEK|NOK|DKK|TRY|KZT|BYN";
const CURRENCY_WORDS: &str = "dollars?|euros?|pounds?|roubles?|rubles?|hryvnias?|francs?|yen|yuan";
const ORG_SUFFIXES: &str = "Ltd|LLC|Inc|GmbH|AG|SA|plc|PLC|OOO|JSC|LLP|Limited|Corporation|Corp|Company|Holdings?|Group|Bank|Fund|Trust|Foundation|Agency|Ministry|Department|Partners|Consulting|Capital|Investments?|Authority|Commission|Council|Law";

/// Finds entities in text.
pub struct Extractor {
    rules: Vec<(EntityKind, Regex)>,
    places: Option<Regex>,
    date_year: Regex,
    watch: Vec<(String, Regex)>,
}

impl Extractor {
    /// The rules, the gazetteer's places, and a watch list (names of people,
    /// organisations or projects). A watch-list entry that is a country,
    /// capital or demonym is refused: origin carries no weight.
    pub fn new(gazetteer: &Gazetteer, watch_list: &[String]) -> Result<Extractor, TriageError> {
        let rule = |kind, pattern: &str| (kind, Regex::new(pattern).expect("the built-in rules compile"));
        let rules = vec![
            rule(
                EntityKind::Person,
                r"\b(?:Mr|Mrs|Ms|Dr|Prof|Minister|Director|Deputy|Senator|General|Colonel|Judge)\.?\s+\p{Lu}\p{Ll}+(?:\s+\p{Lu}\p{Ll}+)?",
            ),
            rule(
                EntityKind::Person,
                // The display name of a mail address: `"First Last" <a@b>`
                // or `First Last <a@b>`.
                r#"(?m)^(?:From|To|Cc):\s*"?(\p{Lu}\p{Ll}+\s+\p{Lu}\p{Ll}+)"?\s*<"#,
            ),
            rule(
                EntityKind::Organisation,
                &format!(r"\b(?:\p{{Lu}}[\p{{L}}&'-]*\s+){{1,4}}(?:{ORG_SUFFIXES})\b\.?"),
            ),
            rule(
                EntityKind::Organisation,
                r"\bMinistry of (?:the )?\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)?",
            ),
            rule(
                EntityKind::Money,
                &format!(
                    r"(?:[$€£₽¥]|\b(?:{CURRENCY_CODES})\s?)\d[\d,.\u{{a0}} ]*\d?(?:\s?(?:million|billion|thousand|m|bn|k)\b)?"
                ),
            ),
            rule(
                EntityKind::Money,
                &format!(r"\b\d[\d,.]*(?:\s?(?:million|billion|thousand))?\s?(?:{CURRENCY_CODES}|{CURRENCY_WORDS})\b"),
            ),
            rule(EntityKind::Date, r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b"),
            rule(
                EntityKind::Date,
                &format!(r"\b[0-3]?\d\s+(?:{MONTHS})\.?\s+(?:19|20)\d\d\b"),
            ),
            rule(
                EntityKind::Date,
                &format!(r"\b(?:{MONTHS})\.?\s+[0-3]?\d,?\s+(?:19|20)\d\d\b"),
            ),
            rule(EntityKind::Email, r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
            rule(
                EntityKind::Phone,
                r"(?:\+\d{1,3}[\s.-]?)?\(?\d{2,4}\)?[\s.-]\d{2,4}[\s.-]\d{2,4}(?:[\s.-]\d{2,4})?\b",
            ),
            rule(
                EntityKind::Classification,
                r"\b(?:TOP SECRET|SECRET|CONFIDENTIAL|RESTRICTED|OFFICIAL-SENSITIVE|FOR OFFICIAL USE ONLY|NOFORN)(?://[A-Z]+(?:/[A-Z]+)*)*\b",
            ),
        ];
        let forms: Vec<String> = gazetteer
            .places
            .iter()
            .flat_map(|p| p.forms())
            .map(regex::escape)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let places = (!forms.is_empty()).then(|| {
            // Longest first, so "South Africa" wins over "Africa".
            let mut forms = forms;
            forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
            Regex::new(&format!(r"(?i)\b(?:{})\b", forms.join("|"))).expect("escaped forms compile")
        });
        let places_lower = gazetteer.lowercase_forms();
        let mut watch = Vec::new();
        for entry in watch_list {
            let trimmed = entry.trim();
            if trimmed.chars().count() < 3 {
                return Err(TriageError::WatchList {
                    entry: entry.clone(),
                    reason: "too short to match reliably (3 characters at least)".into(),
                });
            }
            if places_lower.contains(&trimmed.to_lowercase()) {
                return Err(TriageError::WatchList {
                    entry: entry.clone(),
                    reason: "a country, capital or demonym cannot be on the watch list: origin carries no weight"
                        .into(),
                });
            }
            let pattern =
                Regex::new(&format!(r"(?i)\b{}\b", regex::escape(trimmed))).map_err(|e| TriageError::WatchList {
                    entry: entry.clone(),
                    reason: e.to_string(),
                })?;
            watch.push((trimmed.to_owned(), pattern));
        }
        Ok(Extractor {
            rules,
            places,
            date_year: Regex::new(r"(?:19|20)\d\d").expect("compiles"),
            watch,
        })
    }

    pub fn extract(&self, text: &str) -> DocumentEntities {
        let mut found = DocumentEntities::default();
        for (kind, rule) in &self.rules {
            for captures in rule.captures_iter(text) {
                let matched = captures
                    .get(1)
                    .or_else(|| captures.get(0))
                    .expect("group 0 always matches");
                let value = collapse(matched.as_str());
                if *kind == EntityKind::Date
                    && let Some(year) = self.date_year.find(&value).and_then(|y| y.as_str().parse().ok())
                {
                    found.years.insert(year);
                }
                found.entities.entry(*kind).or_default().insert(value);
            }
        }
        if let Some(places) = &self.places {
            for matched in places.find_iter(text) {
                found
                    .entities
                    .entry(EntityKind::Place)
                    .or_default()
                    .insert(collapse(matched.as_str()));
            }
        }
        for (entry, pattern) in &self.watch {
            if pattern.is_match(text) {
                found.watch_hits.insert(entry.clone());
            }
        }
        found
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extract(text: &str) -> DocumentEntities {
        Extractor::new(&Gazetteer::shipped(), &["Project Nightjar".into()])
            .unwrap()
            .extract(text)
    }

    #[test]
    fn each_rule_finds_its_kind() {
        let found = extract(
            "From: Olena Bondar <olena@kovalenko-law.example>\n\nSECRET//NOFORN\nDr. Ivan Petrov of Northwind Capital Ltd wired \
             USD 2,400,000 and €15.5 million on 3 March 2014 (then 2016-02-09) via the Ministry of Finance; call +380 44 123 4567. \
             The Ukrainian side met in Kyiv and Moscow. Project Nightjar goes on.",
        );
        let has = |kind, value: &str| found.entities[&kind].contains(value);
        assert!(has(EntityKind::Person, "Olena Bondar"), "{found:?}");
        assert!(has(EntityKind::Person, "Dr. Ivan Petrov"), "{found:?}");
        assert!(has(EntityKind::Organisation, "Northwind Capital Ltd"), "{found:?}");
        assert!(has(EntityKind::Organisation, "Ministry of Finance"), "{found:?}");
        assert!(has(EntityKind::Money, "USD 2,400,000"), "{found:?}");
        assert!(has(EntityKind::Money, "€15.5 million"), "{found:?}");
        assert!(has(EntityKind::Date, "3 March 2014"));
        assert!(has(EntityKind::Date, "2016-02-09"));
        assert!(has(EntityKind::Email, "olena@kovalenko-law.example"));
        assert!(has(EntityKind::Phone, "+380 44 123 4567"), "{found:?}");
        assert!(has(EntityKind::Classification, "SECRET//NOFORN"));
        for place in ["Ukrainian", "Kyiv", "Moscow"] {
            assert!(has(EntityKind::Place, place), "{place}: {found:?}");
        }
        assert_eq!(found.years, BTreeSet::from([2014, 2016]));
        assert_eq!(found.watch_hits, BTreeSet::from(["Project Nightjar".to_owned()]));
    }

    #[test]
    fn places_in_other_languages_and_scripts() {
        let found = extract("Встреча в Москве? Нет: в Киеве, Украина. Réunion à Varsovie, Pologne; Treffen in Wien.");
        for place in ["Украина", "Varsovie", "Pologne", "Wien"] {
            assert!(found.entities[&EntityKind::Place].contains(place), "{place}: {found:?}");
        }
    }

    #[test]
    fn a_watch_list_cannot_name_an_origin() {
        for entry in ["Russia", "moscow", "Canadian", "Украина"] {
            let error = Extractor::new(&Gazetteer::shipped(), &[entry.into()]).err().unwrap();
            assert!(error.to_string().contains("origin carries no weight"), "{error}");
        }
        assert!(Extractor::new(&Gazetteer::shipped(), &["ab".into()]).is_err());
    }
}

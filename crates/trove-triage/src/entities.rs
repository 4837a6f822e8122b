//! Entities by rules and gazetteers. The rules are deliberately plain
//! (regular expressions an editor can read) and each finds one kind; the
//! gazetteer finds places in five languages.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::{Gazetteer, TriageError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

    /// The document's own weight, to sort a list by: a watch-list hit
    /// counts 10, a classification marking 5, and each distinct person,
    /// organisation and sum of money 1 (what a submission's significance
    /// counts, seen from one document).
    pub fn significance(&self) -> u32 {
        let hits = self.watch_hits.len() * 10 + self.count(EntityKind::Classification) * 5;
        let named =
            self.count(EntityKind::Person) + self.count(EntityKind::Organisation) + self.count(EntityKind::Money);
        u32::try_from(hits + named).unwrap_or(u32::MAX)
    }
}

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec";
const CURRENCY_CODES: &str = "USD|EUR|GBP|RUB|UAH|CHF|CNY|JPY|CAD|AUD|PLN|CZK|SEK|NOK|DKK|TRY|KZT|BYN";
const CURRENCY_WORDS: &str = "dollars?|euros?|pounds?|roubles?|rubles?|hryvnias?|francs?|yen|yuan";
const ORG_SUFFIXES: &str = "Ltd|LLC|Inc|GmbH|AG|SA|plc|PLC|OOO|JSC|LLP|Limited|Corporation|Corp|Company|Holdings?|Group|Bank|Fund|Trust|Foundation|Agency|Ministry|Department|Partners|Consulting|Capital|Investments?|Authority|Commission|Council|Law";

/// Finds entities in text.
pub struct Extractor {
    rules: Vec<(EntityKind, Regex)>,
    places: PlaceFinder,
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
                r"\b(?:Mr|Mrs|Ms|Dr|Prof|Minister|Director|Deputy|Senator|General|Colonel|Judge)\.?[ \t]+\p{Lu}\p{Ll}+(?:[ \t]+\p{Lu}\p{Ll}+)?",
            ),
            rule(
                EntityKind::Person,
                // The display name of a mail address: `"First Last" <a@b>`.
                r#""?\b(\p{Lu}\p{Ll}+\s\p{Lu}\p{Ll}+)"?\s*<[\w.+-]+@"#,
            ),
            rule(
                EntityKind::Person,
                // A letter's signature: the name on the line after the sign-off.
                r"(?m)^(?:Regards|Best regards|Kind regards|Sincerely|Yours sincerely|Best|Thanks|Thank you|Cheers),?[ \t]*\r?\n[ \t]*(\p{Lu}\p{Ll}+[ \t]\p{Lu}\p{Ll}+)[ \t]*\r?$",
            ),
            rule(
                EntityKind::Person,
                // A quoted message's attribution: `On …, First Last wrote:`.
                r"(?m)^On [^\n]{5,60}?, (\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+) wrote:",
            ),
            rule(
                EntityKind::Organisation,
                &format!(r"\b(?:\p{{Lu}}[\p{{L}}&'-]*[ \t]+){{1,4}}(?:{ORG_SUFFIXES})\b\.?"),
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
            // Phone numbers in international form, or after a label: a bare
            // run of digit groups is as likely a date or an invoice number.
            rule(EntityKind::Phone, r"\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}\b"),
            rule(
                EntityKind::Phone,
                r"(?i:\b(?:tel|phone|fax|mobile|mob|cell)\b)\.?:?[ \t]*(\(?\d[\d ().-]{5,}\d)",
            ),
            rule(
                EntityKind::Classification,
                r"\b(?:TOP SECRET|SECRET|CONFIDENTIAL|RESTRICTED|OFFICIAL-SENSITIVE|FOR OFFICIAL USE ONLY|NOFORN)(?://[A-Z]+(?:/[A-Z]+)*)*\b",
            ),
        ];
        let places = PlaceFinder::new(gazetteer);
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

    /// Entities of a document of type `doc_type`: its text, and its
    /// metadata (authors are people, and every address in it counts).
    pub fn extract_document(&self, text: &str, doc_type: &str, metadata: &serde_json::Value) -> DocumentEntities {
        let mut found = self.extract(text);
        let email = &self
            .rules
            .iter()
            .find(|(kind, _)| *kind == EntityKind::Email)
            .expect("an e-mail rule")
            .1;
        // Addresses of the people on a message; message ids look like
        // addresses but name no one.
        let mut strings = Vec::new();
        for field in ["from", "to", "cc", "bcc", "reply_to", "sender"] {
            if let Some(value) = metadata.get(field) {
                collect_strings(value, &mut strings);
            }
        }
        for value in strings {
            for matched in email.find_iter(value) {
                found
                    .entities
                    .entry(EntityKind::Email)
                    .or_default()
                    .insert(matched.as_str().to_owned());
            }
        }
        for field in ["creator", "author", "lastmodifiedby"] {
            // A PDF's Creator is the program that made it ("Microsoft Word
            // 2013"); an office file's creator (dc:creator) is a person.
            if field == "creator" && doc_type == "pdf" {
                continue;
            }
            if let Some(name) = metadata.get(field).and_then(|v| v.as_str()).map(collapse)
                && name.split(' ').count() >= 2
                && !name.contains('@')
            {
                found.entities.entry(EntityKind::Person).or_default().insert(name);
            }
        }
        found
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
        for place in self.places.find(text) {
            found
                .entities
                .entry(EntityKind::Place)
                .or_default()
                .insert(place.to_owned());
        }
        for (entry, pattern) in &self.watch {
            if pattern.is_match(text) {
                found.watch_hits.insert(entry.clone());
            }
        }
        found
    }
}

/// Places by Aho-Corasick over every form as written, in capitals, and
/// capitalised (a lower-case demonym starting a sentence), each found only
/// as a whole word and reported in the gazetteer's spelling. A regular
/// expression with Unicode word boundaries over ~700 alternatives was 30
/// times slower.
struct PlaceFinder {
    automaton: Option<aho_corasick::AhoCorasick>,
    canonical: Vec<String>,
}

impl PlaceFinder {
    fn new(gazetteer: &Gazetteer) -> PlaceFinder {
        let mut patterns = Vec::new();
        let mut canonical = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for place in &gazetteer.places {
            for form in place.forms() {
                let mut capitalised = form.chars();
                let capitalised = match capitalised.next() {
                    Some(first) => first.to_uppercase().chain(capitalised).collect(),
                    None => continue,
                };
                for variant in [form.to_owned(), form.to_uppercase(), capitalised] {
                    if seen.insert(variant.clone()) {
                        patterns.push(variant);
                        canonical.push(form.to_owned());
                    }
                }
            }
        }
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok();
        PlaceFinder { automaton, canonical }
    }

    fn find<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        self.automaton
            .iter()
            .flat_map(move |automaton| automaton.find_iter(text))
            .filter(move |m| !word(text[..m.start()].chars().next_back()) && !word(text[m.end()..].chars().next()))
            .map(|m| self.canonical[m.pattern().as_usize()].as_str())
    }
}

fn collect_strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::String(text) => out.push(text),
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        serde_json::Value::Object(map) => map.values().for_each(|item| collect_strings(item, out)),
        _ => {}
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
        assert!(
            !has(EntityKind::Phone, "2016-02-09"),
            "a date is not a phone number: {found:?}"
        );
        assert!(has(EntityKind::Classification, "SECRET//NOFORN"));
        for place in ["Ukrainian", "Kyiv", "Moscow"] {
            assert!(has(EntityKind::Place, place), "{place}: {found:?}");
        }
        assert_eq!(found.years, BTreeSet::from([2014, 2016]));
        assert_eq!(found.watch_hits, BTreeSet::from(["Project Nightjar".to_owned()]));
    }

    #[test]
    fn signatures_attributions_and_metadata_name_people() {
        let extractor = Extractor::new(&Gazetteer::shipped(), &[]).unwrap();
        let text = "Claire,\n\nThe transfer went out.\n\nRegards,\nPavel Petrov\nBaltic Maritime Holdings\n\nOn Sun, 30 Nov 2014 15:57:06 +0000, Eleni Bondarenko wrote:\n> Tel.: 044 123 45 67\n";
        let metadata =
            serde_json::json!({ "from": ["pavel.petrov@baltic-maritime.example"], "creator": "Viktor Volkov" });
        let found = extractor.extract_document(text, "docx", &metadata);
        let people = &found.entities[&EntityKind::Person];
        for name in ["Pavel Petrov", "Eleni Bondarenko", "Viktor Volkov"] {
            assert!(people.contains(name), "{name}: {people:?}");
        }
        assert!(found.entities[&EntityKind::Email].contains("pavel.petrov@baltic-maritime.example"));
        assert!(
            found.entities[&EntityKind::Phone].contains("044 123 45 67"),
            "{found:?}"
        );
        assert!(found.entities[&EntityKind::Organisation].contains("Baltic Maritime Holdings"));
        // A PDF's creator is the program that made it, not a person.
        let pdf = serde_json::json!({ "creator": "Microsoft Word 2013", "author": "Viktor Volkov" });
        let people = &extractor.extract_document("", "pdf", &pdf).entities[&EntityKind::Person];
        assert!(people.contains("Viktor Volkov"), "{people:?}");
        assert!(!people.contains("Microsoft Word 2013"), "{people:?}");
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

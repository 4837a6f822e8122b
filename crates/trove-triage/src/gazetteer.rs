//! Countries, capitals and demonyms in several languages: the shipped
//! `gazetteer/places.tsv`, plus any file of the same form from
//! configuration.

use std::collections::{BTreeMap, HashSet};

use crate::TriageError;

const SHIPPED: &str = include_str!("../gazetteer/places.tsv");

/// One country in one language: one form for each field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub code: String,
    pub language: String,
    pub country: String,
    pub capital: String,
    pub demonym: String,
}

impl Place {
    pub fn forms(&self) -> [&str; 3] {
        [&self.country, &self.capital, &self.demonym]
    }
}

#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    pub places: Vec<Place>,
}

impl Gazetteer {
    /// The shipped gazetteer.
    pub fn shipped() -> Gazetteer {
        let mut gazetteer = Gazetteer::default();
        gazetteer
            .add("gazetteer/places.tsv", SHIPPED)
            .expect("the shipped gazetteer parses (a test checks it)");
        gazetteer
    }

    /// Adds the lines of a TSV file: code, language, country, capital,
    /// demonym. A bad line adds nothing and is named.
    pub fn add(&mut self, file: &str, text: &str) -> Result<(), TriageError> {
        let mut added = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let bad = |reason: &str| TriageError::Gazetteer {
                file: file.to_owned(),
                line: index + 1,
                reason: reason.to_owned(),
            };
            if fields.len() != 5 {
                return Err(bad(
                    "expected 5 tab-separated fields: code, language, country, capital, demonym",
                ));
            }
            if fields.iter().any(|f| f.is_empty()) {
                return Err(bad("a field is empty"));
            }
            added.push(Place {
                code: fields[0].to_owned(),
                language: fields[1].to_owned(),
                country: fields[2].to_owned(),
                capital: fields[3].to_owned(),
                demonym: fields[4].to_owned(),
            });
        }
        self.places.extend(added);
        Ok(())
    }

    /// Every form, lower-cased: for the watch-list check.
    pub fn lowercase_forms(&self) -> HashSet<String> {
        self.places
            .iter()
            .flat_map(|p| p.forms())
            .map(str::to_lowercase)
            .collect()
    }

    /// Country codes with every language they have.
    pub fn countries(&self) -> BTreeMap<&str, Vec<&Place>> {
        let mut by_code: BTreeMap<&str, Vec<&Place>> = BTreeMap::new();
        for place in &self.places {
            by_code.entry(&place.code).or_default().push(place);
        }
        by_code
    }

    /// A one-to-one map of forms that exchanges countries in pairs
    /// (`pairs` of codes), language by language: every name, capital and
    /// demonym of one becomes the other's. A form that two countries share
    /// is left out, and where one country's form stands in several
    /// languages the first language's mapping counts, so that the map stays
    /// a bijection.
    pub fn swap_map(&self, pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        let countries = self.countries();
        let mut map = BTreeMap::new();
        let mut targets = HashSet::new();
        let mut owners: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
        for place in &self.places {
            for form in place.forms() {
                owners.entry(form).or_default().insert(&place.code);
            }
        }
        let unambiguous = |form: &str| owners.get(form).is_some_and(|codes| codes.len() == 1);
        for (a, b) in pairs {
            let (Some(a_places), Some(b_places)) = (countries.get(a), countries.get(b)) else {
                continue;
            };
            for a_place in a_places {
                let Some(b_place) = b_places.iter().find(|p| p.language == a_place.language) else {
                    continue;
                };
                for (from, to) in a_place.forms().into_iter().zip(b_place.forms()) {
                    for (x, y) in [(from, to), (to, from)] {
                        if unambiguous(x) && unambiguous(y) && !map.contains_key(x) && !targets.contains(y) {
                            map.insert(x.to_owned(), y.to_owned());
                            targets.insert(y.to_owned());
                        }
                    }
                }
            }
        }
        map
    }
}

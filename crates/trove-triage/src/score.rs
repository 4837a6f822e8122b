//! Significance: a score from 0 to 100 made of named contributions, each
//! with its ceiling and the facts behind it, so an editor (and, later, the
//! public) can see why a submission scored what it did.
//!
//! | contribution | up to | from |
//! |---|---|---|
//! | entity salience | 20 | distinct people, organisations, money amounts, addresses and phone numbers |
//! | watch-list hits | 15 | distinct watch-list entries found |
//! | classification markings | 10 | documents with a marking such as SECRET//NOFORN |
//! | novelty | 25 | the novel share by count (overlap) |
//! | evidence | 15 | verified documents, and half of the consistent ones (verify) |
//! | volume | 7 | the number of documents (log scale, full at 10 000) |
//! | date span | 4 | years between the earliest and latest date found (full at 10) |
//! | document mix | 4 | distinct document types (full at 6) |
//!
//! Places are not in the table: no country, language or origin weighs.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::{DocumentEntities, EntityKind};

/// What the score is computed from: the triaged documents, and the
/// verification and overlap summaries. No origin.
#[derive(Debug, Clone, Default)]
pub struct SubmissionFacts {
    pub documents: u64,
    /// Documents by type (`email`, `pdf`, …).
    pub doc_types: BTreeMap<String, u64>,
    /// The novel share from overlap (0 to 1), as the policy counts it.
    pub novel_share: f64,
    pub novel_share_by: crate::NovelShareBy,
    /// Shares by count of verified and consistent documents, from verify.
    pub verified_share: f64,
    pub consistent_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub name: String,
    pub points: f64,
    pub max: f64,
    pub facts: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Significance {
    /// The sum of the contributions, rounded: 0 to 100.
    pub score: u32,
    pub contributions: Vec<Contribution>,
    /// Distinct entities of the whole submission, by kind (places included,
    /// for the editor; they score nothing).
    pub entities: BTreeMap<EntityKind, usize>,
    pub watch_hits: BTreeSet<String>,
    /// The people and organisations most documents mention (at most
    /// [`PROMINENT`]), most mentioned first: what the release's topics
    /// are proposed from.
    #[serde(default)]
    pub prominent: Vec<String>,
}

/// How many prominent names a triage keeps.
pub const PROMINENT: usize = 8;

fn saturating(value: f64, full: f64) -> f64 {
    (value / full).clamp(0.0, 1.0)
}

/// What the score needs from a submission's documents, folded one
/// document at a time so that a submission of any size is scored in the
/// memory of its distinct entities, not of its documents.
#[derive(Debug, Clone, Default)]
pub struct EntityTally {
    /// Distinct entities by kind, with how many documents name each.
    distinct: BTreeMap<EntityKind, BTreeMap<String, u32>>,
    watch_hits: BTreeSet<String>,
    /// Documents with a classification marking.
    marked: u64,
    years: BTreeSet<i32>,
}

impl EntityTally {
    pub fn add(&mut self, doc: DocumentEntities) {
        self.marked += u64::from(doc.count(EntityKind::Classification) > 0);
        for (kind, values) in doc.entities {
            let counts = self.distinct.entry(kind).or_default();
            for value in values {
                *counts.entry(value).or_default() += 1;
            }
        }
        self.watch_hits.extend(doc.watch_hits);
        self.years.extend(doc.years);
    }
}

/// The significance of a submission from its documents' entities and its
/// facts.
pub fn significance(documents: &[DocumentEntities], facts: &SubmissionFacts) -> Significance {
    let mut tally = EntityTally::default();
    for doc in documents {
        tally.add(doc.clone());
    }
    tally.significance(facts)
}

impl EntityTally {
    /// The score of the documents added so far under `facts`.
    pub fn significance(self, facts: &SubmissionFacts) -> Significance {
        let EntityTally {
            distinct,
            watch_hits,
            marked,
            years,
        } = self;
        let count = |kind| distinct.get(&kind).map_or(0, BTreeMap::len);
        let mut named: Vec<(&String, u32)> = [EntityKind::Person, EntityKind::Organisation]
            .iter()
            .filter_map(|kind| distinct.get(kind))
            .flat_map(|counts| counts.iter().map(|(name, n)| (name, *n)))
            .collect();
        named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let prominent = named
            .into_iter()
            .take(PROMINENT)
            .map(|(name, _)| name.clone())
            .collect();
        let salient = [
            EntityKind::Person,
            EntityKind::Organisation,
            EntityKind::Money,
            EntityKind::Email,
            EntityKind::Phone,
        ]
        .map(count);
        let salient_total: usize = salient.iter().sum();
        let span = match (years.first(), years.last()) {
            (Some(first), Some(last)) => (last - first) as f64,
            _ => 0.0,
        };
        let types = facts.doc_types.len();
        let authentic = facts.verified_share + 0.5 * facts.consistent_share;
        let contributions = vec![
            Contribution {
                name: "entity salience".into(),
                max: 20.0,
                points: 20.0 * (1.0 - (-(salient_total as f64) / 60.0).exp()),
                facts: format!(
                    "{} people, {} organisations, {} money amounts, {} e-mail addresses, {} phone numbers",
                    salient[0], salient[1], salient[2], salient[3], salient[4]
                ),
            },
            Contribution {
                name: "watch-list hits".into(),
                max: 15.0,
                points: 15.0 * saturating(watch_hits.len() as f64, 3.0),
                facts: format!("{} watch-list entries found", watch_hits.len()),
            },
            Contribution {
                name: "classification markings".into(),
                max: 10.0,
                points: 10.0 * saturating(marked as f64, 5.0),
                facts: format!("{marked} documents carry a classification marking"),
            },
            Contribution {
                name: "novelty".into(),
                max: 25.0,
                points: 25.0 * facts.novel_share.clamp(0.0, 1.0),
                facts: format!(
                    "{:.1}% of {} in no registered corpus",
                    facts.novel_share * 100.0,
                    facts.novel_share_by.of_what()
                ),
            },
            Contribution {
                name: "evidence".into(),
                max: 15.0,
                points: 15.0 * authentic.clamp(0.0, 1.0),
                facts: format!(
                    "{:.1}% verified, {:.1}% consistent",
                    facts.verified_share * 100.0,
                    facts.consistent_share * 100.0
                ),
            },
            Contribution {
                name: "volume".into(),
                max: 7.0,
                points: 7.0 * saturating((facts.documents.max(1) as f64).log10(), 4.0),
                facts: format!("{} documents", facts.documents),
            },
            Contribution {
                name: "date span".into(),
                max: 4.0,
                points: 4.0 * saturating(span, 10.0),
                facts: match (years.first(), years.last()) {
                    (Some(first), Some(last)) => format!("dates from {first} to {last}"),
                    _ => "no dates found".into(),
                },
            },
            Contribution {
                name: "document mix".into(),
                max: 4.0,
                points: 4.0 * saturating(types.saturating_sub(1) as f64, 5.0),
                facts: format!("{types} document types"),
            },
        ];
        let total: f64 = contributions.iter().map(|c| c.points).sum();
        Significance {
            score: total.round().clamp(0.0, 100.0) as u32,
            contributions,
            entities: distinct.iter().map(|(kind, values)| (*kind, values.len())).collect(),
            watch_hits,
            prominent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceilings_add_up_to_100_and_every_contribution_is_named() {
        let empty = significance(&[], &SubmissionFacts::default());
        assert_eq!(empty.contributions.iter().map(|c| c.max).sum::<f64>(), 100.0);
        assert_eq!(empty.score, 0);
        assert!(
            empty
                .contributions
                .iter()
                .all(|c| !c.name.is_empty() && !c.facts.is_empty())
        );
        let full = SubmissionFacts {
            documents: 100_000,
            doc_types: (0..8).map(|i| (format!("t{i}"), 1)).collect(),
            novel_share: 1.0,
            novel_share_by: crate::NovelShareBy::Words,
            verified_share: 1.0,
            consistent_share: 0.0,
        };
        let mut doc = DocumentEntities::default();
        doc.entities
            .entry(EntityKind::Classification)
            .or_default()
            .insert("SECRET".into());
        doc.years.extend([2001, 2020]);
        doc.watch_hits.extend(["a".to_string(), "b".into(), "c".into()]);
        for i in 0..2000 {
            doc.entities
                .entry(EntityKind::Person)
                .or_default()
                .insert(format!("P{i}"));
        }
        let docs = vec![doc; 5];
        let top = significance(&docs, &full);
        assert_eq!(top.score, 100, "{top:?}");
    }
}

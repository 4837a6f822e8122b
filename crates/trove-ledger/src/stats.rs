//! Accountability figures computed from the public log alone: what anyone
//! can work out about a newsroom's handling of submissions, with nothing
//! but its log and its key.
//!
//! Every figure describes caches and the newsroom's decisions, never a
//! source: the log holds days (not times), size classes, commitments and
//! codes, so a month's count of receipts or a median of days to decide
//! says nothing about who submitted what that the receipts did not
//! already say.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use trove_store::{Day, Outcome, SubmissionId};

use crate::statement::{DecisionFacts, Statement};

/// The middle and the worst of a set of durations in days.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Spread {
    pub count: usize,
    pub median_days: Option<f64>,
    pub worst_days: Option<i64>,
}

impl Spread {
    fn of(mut days: Vec<i64>) -> Spread {
        days.sort_unstable();
        let median_days = match days.len() {
            0 => None,
            n if n % 2 == 1 => Some(days[n / 2] as f64),
            n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
        };
        Spread {
            count: days.len(),
            median_days,
            worst_days: days.last().copied(),
        }
    }
}

/// A submission's final decision, beside the rule it invoked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionLine {
    pub submission: String,
    pub outcome: String,
    pub codes: Vec<String>,
    /// "authentic 62 % (policy ≥ 30 %), novel 55 % (≥ 25 %), …", when the
    /// statement carries the facts.
    pub facts: Option<String>,
    pub proposed: Option<String>,
    pub overridden: bool,
}

/// Decisions: the final one per submission (a later decision supersedes
/// an earlier; both stay in the log).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DecisionStats {
    pub submissions: usize,
    pub by_outcome: BTreeMap<String, u64>,
    pub by_code: BTreeMap<String, u64>,
    pub superseded: u64,
    /// Final decisions that differ from the policy's proposal.
    pub overridden: u64,
    /// Final decisions signed without the facts (before trove recorded
    /// them, or appended by hand).
    pub without_facts: u64,
    /// Every final rejection and every override, with its facts.
    pub notable: Vec<DecisionLine>,
}

/// How long releases waited, and for what.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScheduleStats {
    pub releases: usize,
    /// Statements, first placements and changes together.
    pub statements: u64,
    /// Releases placed more than once.
    pub moved: u64,
    /// Days from ready to the last placement, per release.
    pub delay: Spread,
    /// Releases placed later than their bound: a broken promise anyone can
    /// see (zero unless the newsroom's software or people misbehaved).
    pub over_bound: u64,
    pub by_code: BTreeMap<String, u64>,
    /// Per event named as a reason to wait: releases, and days waited in
    /// all.
    pub delays_by_event: BTreeMap<String, EventDelay>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EventDelay {
    pub releases: u64,
    pub days: i64,
}

/// Everything, from one pass over the log.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LogStats {
    pub entries: u64,
    pub receipts_by_month: BTreeMap<String, u64>,
    pub decisions: DecisionStats,
    /// From a submission's receipt to its first decision.
    pub receipt_to_decision: Spread,
    /// From a submission's first acceptance to its first publication.
    pub acceptance_to_publication: Spread,
    pub publications: u64,
    pub schedule: ScheduleStats,
    pub embargoes: EmbargoStats,
}

/// Partners' exclusive access, from the grant statements.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EmbargoStats {
    pub grants: usize,
    /// Grants for which money changed hands.
    pub paid: u64,
    /// Days from a grant's start to its embargo's end.
    pub length: Spread,
}

/// A release's latest placement, as its schedule statement gave it.
#[derive(Debug)]
struct Placed {
    revision: u32,
    ready: Day,
    at_day: Day,
    bound_days: u32,
    codes: Vec<String>,
    reason: String,
}

/// The running state of a pass; [`LogAccount::finish`] makes the figures.
#[derive(Debug, Default)]
pub struct LogAccount {
    entries: u64,
    receipts_by_month: BTreeMap<String, u64>,
    received: HashMap<SubmissionId, Day>,
    first_decided: HashMap<SubmissionId, Day>,
    first_accepted: HashMap<SubmissionId, Day>,
    first_published: HashMap<SubmissionId, Day>,
    last_decision: BTreeMap<SubmissionId, (Outcome, Vec<String>, Option<DecisionFacts>)>,
    superseded: u64,
    publications: u64,
    placements: HashMap<[u8; 16], Placed>,
    schedule_statements: u64,
    moved: HashMap<[u8; 16], ()>,
    embargo_days: Vec<i64>,
    paid_grants: u64,
}

fn days_between(from: Day, to: Day) -> i64 {
    (to.unix_start() - from.unix_start()).div_euclid(86_400)
}

fn month(day: Day) -> String {
    day.to_string()[..7].to_owned()
}

fn facts_text(f: &DecisionFacts) -> String {
    format!(
        "authentic {} % (policy: at least {} %), novel {} % (at least {} %), suspicious {} % (at most {} %), \
         significance {} (at least {})",
        f.authentic,
        f.min_authentic,
        f.novel,
        f.min_novel,
        f.suspicious,
        f.max_suspicious,
        f.significance,
        f.min_significance
    )
}

/// The events a schedule statement's words name as reasons to wait, as
/// `TITLE DAYS`. The words are trove-schedule's: "ready …, placed … (…
/// later): " and then clauses joined by "; ", one of them "delayed for
/// TITLE DAYS, attention A" per event (titles never hold "; ").
fn delaying_events(reason: &str) -> Vec<String> {
    let clauses = reason.split_once("): ").map_or(reason, |(_, clauses)| clauses);
    clauses
        .split("; ")
        .filter_map(|clause| clause.strip_prefix("delayed for "))
        .map(|rest| {
            rest.rsplit_once(", attention ")
                .map_or(rest, |(event, _)| event)
                .to_owned()
        })
        .collect()
}

impl LogAccount {
    /// Takes one entry's statement, in log order.
    pub fn add(&mut self, statement: &Statement) {
        self.entries += 1;
        match statement {
            Statement::Receipt { submission, day, .. } => {
                *self.receipts_by_month.entry(month(*day)).or_default() += 1;
                self.received.entry(*submission).or_insert(*day);
            }
            Statement::Decision {
                submission,
                outcome,
                reasons,
                facts,
                ..
            } => {
                if let Some(facts) = facts {
                    self.first_decided.entry(*submission).or_insert(facts.day);
                    if *outcome == Outcome::Accept {
                        self.first_accepted.entry(*submission).or_insert(facts.day);
                    }
                }
                let earlier = self
                    .last_decision
                    .insert(*submission, (*outcome, reasons.clone(), *facts));
                self.superseded += u64::from(earlier.is_some());
            }
            Statement::Publication { submission, day, .. } => {
                self.publications += 1;
                if let Some(day) = day {
                    self.first_published.entry(*submission).or_insert(*day);
                }
            }
            Statement::Withheld { .. } => {}
            Statement::Grant {
                start,
                embargo_until,
                paid,
                ..
            } => {
                self.embargo_days.push(days_between(*start, *embargo_until));
                self.paid_grants += u64::from(*paid);
            }
            Statement::Schedule {
                release,
                revision,
                ready,
                at,
                bound_days,
                codes,
                reason,
                ..
            } => {
                self.schedule_statements += 1;
                if self.placements.contains_key(release) {
                    self.moved.insert(*release, ());
                }
                let newer = self.placements.get(release).is_none_or(|p| *revision >= p.revision);
                if newer {
                    let placed = Placed {
                        revision: *revision,
                        ready: *ready,
                        at_day: at.day,
                        bound_days: *bound_days,
                        codes: codes.clone(),
                        reason: reason.clone(),
                    };
                    self.placements.insert(*release, placed);
                }
            }
        }
    }

    pub fn finish(self) -> LogStats {
        let mut decisions = DecisionStats {
            submissions: self.last_decision.len(),
            superseded: self.superseded,
            ..DecisionStats::default()
        };
        for (submission, (outcome, codes, facts)) in &self.last_decision {
            *decisions.by_outcome.entry(outcome.as_str().to_owned()).or_default() += 1;
            for code in codes {
                *decisions.by_code.entry(code.clone()).or_default() += 1;
            }
            let overridden = facts.is_some_and(|f| f.overridden);
            decisions.overridden += u64::from(overridden);
            decisions.without_facts += u64::from(facts.is_none());
            if overridden || *outcome == Outcome::Reject {
                decisions.notable.push(DecisionLine {
                    submission: submission.to_string(),
                    outcome: outcome.as_str().to_owned(),
                    codes: codes.clone(),
                    facts: facts.as_ref().map(facts_text),
                    proposed: facts.map(|f| f.proposed.as_str().to_owned()),
                    overridden,
                });
            }
        }
        let receipt_to_decision = Spread::of(
            self.first_decided
                .iter()
                .filter_map(|(s, decided)| self.received.get(s).map(|r| days_between(*r, *decided)))
                .collect(),
        );
        let acceptance_to_publication = Spread::of(
            self.first_published
                .iter()
                .filter_map(|(s, published)| self.first_accepted.get(s).map(|a| days_between(*a, *published)))
                .collect(),
        );
        let mut schedule = ScheduleStats {
            releases: self.placements.len(),
            statements: self.schedule_statements,
            moved: self.moved.len() as u64,
            ..ScheduleStats::default()
        };
        let mut delays = Vec::new();
        for placed in self.placements.values() {
            let days = days_between(placed.ready, placed.at_day);
            delays.push(days);
            schedule.over_bound += u64::from(days > i64::from(placed.bound_days));
            for code in &placed.codes {
                *schedule.by_code.entry(code.clone()).or_default() += 1;
            }
            for event in delaying_events(&placed.reason) {
                let entry = schedule.delays_by_event.entry(event).or_default();
                entry.releases += 1;
                entry.days += days;
            }
        }
        schedule.delay = Spread::of(delays);
        LogStats {
            entries: self.entries,
            receipts_by_month: self.receipts_by_month,
            decisions,
            receipt_to_decision,
            acceptance_to_publication,
            publications: self.publications,
            schedule,
            embargoes: EmbargoStats {
                grants: self.embargo_days.len(),
                paid: self.paid_grants,
                length: Spread::of(self.embargo_days),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statement::PublishAt;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    fn submission(n: u8) -> SubmissionId {
        format!("{n:032x}").parse().unwrap()
    }

    fn facts(on: &str, novel: u8, proposed: Outcome, overridden: bool) -> Option<DecisionFacts> {
        Some(DecisionFacts {
            day: day(on),
            authentic: 70,
            novel,
            suspicious: 0,
            significance: 50,
            min_authentic: 30,
            min_novel: 25,
            min_significance: 25,
            max_suspicious: 20,
            proposed,
            overridden,
        })
    }

    fn decision(n: u8, outcome: Outcome, codes: &[&str], facts: Option<DecisionFacts>) -> Statement {
        Statement::Decision {
            submission: submission(n),
            outcome,
            reasons: codes.iter().map(|c| c.to_string()).collect(),
            policy: [0; 32],
            editor: "6040fce2".into(),
            facts,
        }
    }

    #[test]
    fn a_generated_history_gives_the_expected_figures() {
        let mut account = LogAccount::default();
        let receipts = [
            (1, "2016-07-04"),
            (2, "2016-07-20"),
            (3, "2016-08-01"),
            (4, "2016-08-02"),
        ];
        for (n, on) in receipts {
            account.add(&Statement::Receipt {
                submission: submission(n),
                commitment: [0; 32],
                day: day(on),
                size_class: 20,
            });
        }
        // 1: accepted after 6 days. 2: rejected as already public when 55 %
        // was new: an override. 3: deferred, then accepted (supersedes).
        account.add(&decision(
            1,
            Outcome::Accept,
            &[],
            facts("2016-07-10", 80, Outcome::Accept, false),
        ));
        account.add(&decision(
            2,
            Outcome::Reject,
            &["ALREADY_PUBLIC"],
            facts("2016-07-30", 55, Outcome::Accept, true),
        ));
        account.add(&decision(
            3,
            Outcome::Defer,
            &["NOT_VERIFIED"],
            facts("2016-08-03", 60, Outcome::Defer, false),
        ));
        account.add(&decision(
            3,
            Outcome::Accept,
            &[],
            facts("2016-08-11", 60, Outcome::Accept, false),
        ));
        account.add(&Statement::Publication {
            release: [1; 16],
            submission: submission(1),
            root: [0; 32],
            published: 1,
            redacted: 0,
            withheld: 0,
            containers: 0,
            codes: BTreeMap::new(),
            editor: "6040fce2".into(),
            day: Some(day("2016-08-23")),
        });
        for (revision, at, reason) in [
            (
                1,
                "2016-08-08",
                "ready 2016-08-06T10, placed 2016-08-08T09 (1 day 23 hours later): waiting for a better weekday or hour; bound 30 days",
            ),
            (
                2,
                "2016-08-22",
                "ready 2016-08-06T10, placed 2016-08-22T09 (15 days 23 hours later): delayed for Olympic Games 2016-08-05..2016-08-21, attention 0.80; bound 30 days",
            ),
        ] {
            account.add(&Statement::Schedule {
                release: [1; 16],
                revision,
                ready: day("2016-08-06"),
                at: PublishAt { day: day(at), hour: 9 },
                bound_days: 30,
                codes: vec![if revision == 1 { "READERSHIP" } else { "EVENT" }.into()],
                reason: reason.into(),
                editor: "6040fce2".into(),
            });
        }
        account.add(&Statement::Grant {
            release: [1; 16],
            partner: "0a1b2c3d".into(),
            start: day("2016-08-06"),
            embargo_until: day("2016-08-20"),
            terms: [0; 32],
            paid: true,
            editor: "6040fce2".into(),
        });
        let stats = account.finish();
        assert_eq!(stats.entries, 12);
        assert_eq!((stats.embargoes.grants, stats.embargoes.paid), (1, 1));
        assert_eq!(stats.embargoes.length.worst_days, Some(14));
        assert_eq!(
            stats.receipts_by_month,
            [("2016-07".into(), 2), ("2016-08".into(), 2)].into()
        );
        let d = &stats.decisions;
        assert_eq!(
            (d.submissions, d.superseded, d.overridden, d.without_facts),
            (3, 1, 1, 0)
        );
        assert_eq!(d.by_outcome, [("accept".into(), 2), ("reject".into(), 1)].into());
        assert_eq!(d.by_code, [("ALREADY_PUBLIC".into(), 1)].into());
        let notable = &d.notable[0];
        assert!(notable.overridden && notable.proposed.as_deref() == Some("accept"));
        assert!(
            notable.facts.as_deref().unwrap().contains("novel 55 % (at least 25 %)"),
            "{notable:?}"
        );
        // First decisions: 6, 10 and 2 days after receipt.
        assert_eq!(
            stats.receipt_to_decision,
            Spread {
                count: 3,
                median_days: Some(6.0),
                worst_days: Some(10)
            }
        );
        assert_eq!(stats.acceptance_to_publication.worst_days, Some(44));
        let s = &stats.schedule;
        assert_eq!((s.releases, s.statements, s.moved, s.over_bound), (1, 2, 1, 0));
        assert_eq!(s.delay.worst_days, Some(16));
        assert_eq!(
            s.delays_by_event["Olympic Games 2016-08-05..2016-08-21"],
            EventDelay { releases: 1, days: 16 }
        );
        assert_eq!(
            delaying_events(
                "ready 2016-06-01T10, placed 2016-07-11T09 (39 days 23 hours later): delayed for Euro 2016: final \
                 2016-07-10..2016-07-10, attention 0.70; days already full: 2016-07-08; bound 30 days"
            ),
            ["Euro 2016: final 2016-07-10..2016-07-10"]
        );
    }

    #[test]
    fn a_placement_past_its_bound_is_counted() {
        let mut account = LogAccount::default();
        account.add(&Statement::Schedule {
            release: [2; 16],
            revision: 1,
            ready: day("2016-08-01"),
            at: PublishAt {
                day: day("2016-09-05"),
                hour: 9,
            },
            bound_days: 30,
            codes: vec!["READERSHIP".into()],
            reason: "late".into(),
            editor: "6040fce2".into(),
        });
        assert_eq!(account.finish().schedule.over_bound, 1);
    }
}

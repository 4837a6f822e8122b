//! The newsroom's policy as code: `policy.toml`, identified by the SHA-256
//! of its bytes, and the decision function.
//!
//! The function takes a [`Case`]: counts, shares and the significance
//! score. It has no field for a country, a language or an origin, so no
//! rule can use one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::TriageError;

/// The reason codes a policy may use, with what each means by default.
pub const REASON_CODES: &[(&str, &str)] = &[
    ("UNVERIFIABLE", "too little of the submission could be verified"),
    (
        "ALREADY_PUBLIC",
        "most of the submission was already published elsewhere",
    ),
    ("INSIGNIFICANT", "the submission is unlikely to be significant"),
    ("SUSPICIOUS", "documents show signs of tampering"),
    ("NOT_INGESTED", "the submission has not been read yet"),
    ("NOT_VERIFIED", "verification has not run yet"),
    (
        "NOT_MEASURED",
        "overlap with published corpora has not been measured yet",
    ),
    ("EDITORIAL", "an editor's judgement, explained in the decision's reason"),
];

/// The policy file the data directory starts with.
pub const TEMPLATE: &str = r#"# trove policy: the newsroom's rules, as code. Every decision records the
# SHA-256 of this file, so a decision can be checked against the rules it
# was made under. Changing a threshold makes a new policy.
version = 1

# Names that make a submission more significant when they appear: people,
# organisations, projects. Never a country, capital or demonym.
watch_list = []

[thresholds]
# Reject as UNVERIFIABLE when the verified share plus half the consistent
# share (by document count) is below this.
min_authentic_share = 0.30
# Reject as ALREADY_PUBLIC when the novel share is below this. By "words"
# (the default): the share of the submission's text found in no registered
# corpus, so a document quoting one published paragraph counts for that
# paragraph only. By "documents": the share of documents that are new.
min_novel_share = 0.25
novel_share_by = "words"
# Reject as INSIGNIFICANT when the significance score (0-100) is below this.
min_significance = 25
# Reject as SUSPICIOUS when this share of documents or more is suspicious.
max_suspicious_share = 0.20

# When releases go out (trove schedule). A release is never placed more
# than max_delay_days after an editor marks it ready, and the scheduler has
# no way to reject one; per_day and per_week limit how many go out, and
# yield to the bound when both cannot hold. A partner's exclusive access to
# a release ends at most max_embargo_days after it is granted; then the
# release goes public whatever the partner did.
[schedule]
max_delay_days = 30
per_day = 2
per_week = 8
max_embargo_days = 30

# What each reason code means, in the newsroom's words (shown to editors;
# sources see the code). Only the codes trove knows may appear.
[reasons]
UNVERIFIABLE = "We could not verify enough of it to publish responsibly."
ALREADY_PUBLIC = "Most of it has been published before."
INSIGNIFICANT = "We judged it unlikely to be of public significance."
SUSPICIOUS = "Some documents appear to have been altered."
"#;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub min_authentic_share: f64,
    pub min_novel_share: f64,
    #[serde(default)]
    pub novel_share_by: NovelShareBy,
    pub min_significance: u32,
    pub max_suspicious_share: f64,
}

/// What the novel share counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NovelShareBy {
    /// The share of the submission's words in no registered corpus.
    #[default]
    Words,
    /// The share of its documents that are new.
    Documents,
}

impl NovelShareBy {
    /// The measure this policy reads, of the two overlap reports.
    pub fn pick(self, by_words: f64, by_documents: f64) -> f64 {
        match self {
            NovelShareBy::Words => by_words,
            NovelShareBy::Documents => by_documents,
        }
    }

    /// What the share is of, as a sentence reads it.
    pub fn of_what(self) -> &'static str {
        match self {
            NovelShareBy::Words => "the text (by words) is",
            NovelShareBy::Documents => "the documents are",
        }
    }
}

/// When releases go out: the scheduler's bound and limits, and the cap on
/// partners' embargoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRules {
    pub max_delay_days: u32,
    pub per_day: u32,
    pub per_week: u32,
    pub max_embargo_days: u32,
}

impl Default for ScheduleRules {
    fn default() -> ScheduleRules {
        ScheduleRules {
            max_delay_days: 30,
            per_day: 2,
            per_week: 8,
            max_embargo_days: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: u32,
    thresholds: Thresholds,
    #[serde(default)]
    schedule: ScheduleRules,
    #[serde(default)]
    reasons: BTreeMap<String, String>,
    #[serde(default)]
    watch_list: Vec<String>,
}

/// A parsed policy and its identity.
#[derive(Debug, Clone)]
pub struct Policy {
    pub thresholds: Thresholds,
    pub reasons: BTreeMap<String, String>,
    pub watch_list: Vec<String>,
    pub schedule: ScheduleRules,
    /// SHA-256 of the file's bytes.
    pub sha256: [u8; 32],
}

impl Policy {
    /// Parses a policy; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Policy, TriageError> {
        let bad = |reason: String| TriageError::Policy {
            file: file.to_owned(),
            reason,
        };
        let parsed: PolicyFile = toml::from_str(text).map_err(|e| bad(e.to_string().trim().to_owned()))?;
        if parsed.version != 1 {
            return Err(bad(format!(
                "version {} is not one this trove reads (1)",
                parsed.version
            )));
        }
        for code in parsed.reasons.keys() {
            if !REASON_CODES.iter().any(|(known, _)| known == code) {
                let known: Vec<&str> = REASON_CODES.iter().map(|(c, _)| *c).collect();
                return Err(bad(format!(
                    "reason code {code} does not exist (known: {})",
                    known.join(", ")
                )));
            }
        }
        let t = &parsed.thresholds;
        for (name, value) in [
            ("min_authentic_share", t.min_authentic_share),
            ("min_novel_share", t.min_novel_share),
            ("max_suspicious_share", t.max_suspicious_share),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(bad(format!(
                    "thresholds.{name} = {value} is not a share between 0 and 1"
                )));
            }
        }
        if t.min_significance > 100 {
            return Err(bad(format!(
                "thresholds.min_significance = {} is over 100",
                t.min_significance
            )));
        }
        let rules = &parsed.schedule;
        if rules.max_delay_days > 365 || rules.max_embargo_days > 365 {
            return Err(bad(
                "schedule.max_delay_days and schedule.max_embargo_days are at most 365".into(),
            ));
        }
        if rules.per_day == 0 || rules.per_week < rules.per_day {
            return Err(bad(format!(
                "schedule.per_day = {} and per_week = {}: a day must allow one release, and a week at least a day's",
                rules.per_day, rules.per_week
            )));
        }
        let mut reasons: BTreeMap<String, String> = REASON_CODES
            .iter()
            .map(|(code, text)| (code.to_string(), text.to_string()))
            .collect();
        reasons.extend(parsed.reasons);
        Ok(Policy {
            thresholds: parsed.thresholds,
            reasons,
            watch_list: parsed.watch_list,
            schedule: parsed.schedule,
            sha256: sha2::Sha256::digest(text.as_bytes()).into(),
        })
    }

    pub fn id(&self) -> String {
        hex::encode(self.sha256)
    }

    /// Whether a reason code exists.
    pub fn knows(&self, code: &str) -> bool {
        self.reasons.contains_key(code)
    }
}

/// A step that has not run, so a decision must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Missing {
    Ingest,
    Verification,
    Overlap,
}

/// Everything a decision may depend on. There is deliberately no field
/// for a country, a language or an origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub documents: u64,
    /// Verified share plus half the consistent share, by count.
    pub authentic_share: f64,
    pub suspicious_share: f64,
    /// As the policy's `novel_share_by` counts it.
    pub novel_share: f64,
    pub significance: u32,
    pub missing: Vec<Missing>,
}

impl Case {
    /// The case of a submission from its facts: the authentic share counts
    /// a verified document whole and a consistent one half.
    pub fn new(
        facts: &crate::SubmissionFacts,
        suspicious_share: f64,
        significance: u32,
        missing: Vec<Missing>,
    ) -> Case {
        Case {
            documents: facts.documents,
            authentic_share: facts.verified_share + 0.5 * facts.consistent_share,
            suspicious_share,
            novel_share: facts.novel_share,
            significance,
            missing,
        }
    }
}

pub use trove_store::Outcome;

/// A reason with the facts behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: String,
    pub facts: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub outcome: Outcome,
    pub reasons: Vec<Reason>,
}

impl Policy {
    /// The decision the policy proposes for a case.
    pub fn propose(&self, case: &Case) -> Proposal {
        if !case.missing.is_empty() {
            let reasons = case
                .missing
                .iter()
                .map(|missing| {
                    let (code, facts) = match missing {
                        Missing::Ingest => ("NOT_INGESTED", "run `trove ingest` first"),
                        Missing::Verification => ("NOT_VERIFIED", "run `trove verify` first"),
                        Missing::Overlap => ("NOT_MEASURED", "register published corpora and run `trove overlap`"),
                    };
                    Reason {
                        code: code.into(),
                        facts: facts.into(),
                    }
                })
                .collect();
            return Proposal {
                outcome: Outcome::Defer,
                reasons,
            };
        }
        let t = &self.thresholds;
        let percent = |share: f64| format!("{:.1}%", share * 100.0);
        let mut reasons = Vec::new();
        if case.suspicious_share >= t.max_suspicious_share && case.suspicious_share > 0.0 {
            reasons.push(Reason {
                code: "SUSPICIOUS".into(),
                facts: format!(
                    "{} of the documents are suspicious (the policy rejects from {})",
                    percent(case.suspicious_share),
                    percent(t.max_suspicious_share)
                ),
            });
        }
        if case.authentic_share < t.min_authentic_share {
            reasons.push(Reason {
                code: "UNVERIFIABLE".into(),
                facts: format!(
                    "verified plus half the consistent documents make {} (the policy needs {})",
                    percent(case.authentic_share),
                    percent(t.min_authentic_share)
                ),
            });
        }
        if case.novel_share < t.min_novel_share {
            reasons.push(Reason {
                code: "ALREADY_PUBLIC".into(),
                facts: format!(
                    "only {} of {} new (the policy needs {})",
                    percent(case.novel_share),
                    t.novel_share_by.of_what(),
                    percent(t.min_novel_share)
                ),
            });
        }
        if case.significance < t.min_significance {
            reasons.push(Reason {
                code: "INSIGNIFICANT".into(),
                facts: format!(
                    "significance {} (the policy needs {})",
                    case.significance, t.min_significance
                ),
            });
        }
        Proposal {
            outcome: if reasons.is_empty() {
                Outcome::Accept
            } else {
                Outcome::Reject
            },
            reasons,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Case {
        Case {
            documents: 100,
            authentic_share: 0.6,
            suspicious_share: 0.0,
            novel_share: 0.55,
            significance: 60,
            missing: vec![],
        }
    }

    #[test]
    fn the_template_parses_and_its_id_is_its_hash() {
        let policy = Policy::parse("policy.toml", TEMPLATE).unwrap();
        assert_eq!(policy.id(), hex::encode(sha2::Sha256::digest(TEMPLATE.as_bytes())));
        assert!(policy.knows("ALREADY_PUBLIC") && !policy.knows("FOREIGN"));
    }

    #[test]
    fn schedule_rules_default_when_absent_and_are_checked() {
        let policy = Policy::parse("policy.toml", TEMPLATE).unwrap();
        assert_eq!(policy.schedule, ScheduleRules::default());
        let start = TEMPLATE.find("[schedule]").unwrap();
        let end = TEMPLATE[start..].find("\n\n").unwrap() + start;
        let without = format!("{}{}", &TEMPLATE[..start], &TEMPLATE[end..]);
        assert_eq!(Policy::parse("p", &without).unwrap().schedule, ScheduleRules::default());
        let longer = TEMPLATE.replace("max_delay_days = 30", "max_delay_days = 10");
        assert_eq!(Policy::parse("p", &longer).unwrap().schedule.max_delay_days, 10);
        for bad in [
            "max_delay_days = 400",
            "per_day = 0",
            "per_week = 1",
            "max_embargo_days = -1",
        ] {
            let (key, _) = bad.split_once(" = ").unwrap();
            let text = TEMPLATE
                .lines()
                .map(|l| if l.starts_with(&format!("{key} = ")) { bad } else { l })
                .collect::<Vec<_>>()
                .join("\n");
            assert!(Policy::parse("p", &text).is_err(), "{bad}");
        }
    }

    #[test]
    fn thresholds_decide_with_facts() {
        let policy = Policy::parse("policy.toml", TEMPLATE).unwrap();
        assert_eq!(policy.propose(&case()).outcome, Outcome::Accept);
        let public = policy.propose(&Case {
            novel_share: 0.1,
            ..case()
        });
        assert_eq!(public.outcome, Outcome::Reject);
        assert_eq!(public.reasons[0].code, "ALREADY_PUBLIC");
        assert!(public.reasons[0].facts.contains("10.0%"), "{public:?}");
        let waiting = policy.propose(&Case {
            missing: vec![Missing::Verification],
            ..case()
        });
        assert_eq!(
            (waiting.outcome, waiting.reasons[0].code.as_str()),
            (Outcome::Defer, "NOT_VERIFIED")
        );
    }

    #[test]
    fn bad_policies_are_named() {
        let unknown_field = TEMPLATE.replace("min_significance", "min_significanse");
        let error = Policy::parse("p.toml", &unknown_field).unwrap_err().to_string();
        assert!(
            error.contains("p.toml") && error.contains("min_significanse"),
            "{error}"
        );
        let missing = TEMPLATE.replace("min_novel_share = 0.25\n", "");
        let error = Policy::parse("p.toml", &missing).unwrap_err().to_string();
        assert!(error.contains("min_novel_share"), "{error}");
        let bad_code = TEMPLATE.replace("SUSPICIOUS = ", "FOREIGN_SOURCE = ");
        let error = Policy::parse("p.toml", &bad_code).unwrap_err().to_string();
        assert!(error.contains("FOREIGN_SOURCE does not exist"), "{error}");
        let bad_share = TEMPLATE.replace("min_novel_share = 0.25", "min_novel_share = 25");
        assert!(
            Policy::parse("p.toml", &bad_share)
                .unwrap_err()
                .to_string()
                .contains("between 0 and 1")
        );
    }
}

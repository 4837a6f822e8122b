//! Log entries: signed statements in a typed, versioned, canonical text
//! encoding. Each entry is a C2SP signed note whose text is
//!
//! ```text
//! trove/statement/v1
//! kind <receipt|decision|publication|withheld|schedule|grant>
//! <field> <value>      one line per field, in the fixed order of its kind
//! ```
//!
//! signed by whoever makes the statement (the intake's key for receipts, an
//! editor's key for decisions). Fields hold commitments, codes, days and
//! size classes: never content, names, codenames, exact times or sizes.
//! Parsing is strict: an entry must re-encode to exactly its own bytes.

use std::fmt::Write as _;

use trove_keys::{NoteSigningKey, NoteVerifierKey};
pub use trove_store::{Day, Outcome, SubmissionId};

use crate::FormatError;
use crate::checkpoint::SignedNote;

const HEADER: &str = "trove/statement/v1";

/// What an entry states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// The intake received a submission: a salted commitment to its files,
    /// the day, and the size class (total bytes rounded up to 2^size_class).
    Receipt {
        submission: SubmissionId,
        commitment: [u8; 32],
        day: Day,
        size_class: u8,
    },
    /// An editor decided on a submission under a policy, with the facts
    /// the policy saw (absent from decisions signed before they were
    /// recorded, and from ones appended by hand).
    Decision {
        submission: SubmissionId,
        outcome: Outcome,
        reasons: Vec<String>,
        policy: [u8; 32],
        editor: String,
        facts: Option<DecisionFacts>,
    },
    /// A release of a submission: its manifest's root (one record per
    /// document of the submission), the documents by status, and how many
    /// were withheld for each reason code; signed by the editor it names.
    Publication {
        release: [u8; 16],
        submission: SubmissionId,
        root: [u8; 32],
        published: u64,
        redacted: u64,
        withheld: u64,
        containers: u64,
        codes: std::collections::BTreeMap<String, u64>,
        editor: String,
        /// The day it was signed (absent from publications signed before
        /// the day was recorded).
        day: Option<Day>,
    },
    /// A document withheld from a publication, by commitment, with a reason.
    Withheld { document: [u8; 32], reason: String },
    /// Where the scheduler placed a release, and why: each placement and
    /// each change to one is a new revision, signed by the editor it names.
    Schedule {
        release: [u8; 16],
        revision: u32,
        ready: Day,
        at: PublishAt,
        bound_days: u32,
        codes: Vec<String>,
        /// The reasons in words, one line.
        reason: String,
        editor: String,
    },
    /// A media partner's exclusive early access to a release: from its
    /// start day until its embargo ends, after which the release goes
    /// public whatever the partner did. Signed by the editor it names, so
    /// exclusive deals are public after the fact.
    Grant {
        release: [u8; 16],
        /// The partner's witness key id.
        partner: String,
        start: Day,
        embargo_until: Day,
        /// SHA-256 of the written terms.
        terms: [u8; 32],
        /// Whether money changed hands.
        paid: bool,
        editor: String,
    },
}

/// What the policy saw when a decision was made, in whole percent (the
/// significance score is 0 to 100 already), beside the policy's
/// thresholds, what it proposed and whether the editor overrode it: so an
/// outsider can set every decision beside the rule it invoked. These
/// describe the cache, never the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionFacts {
    /// The day the decision was made.
    pub day: Day,
    pub authentic: u8,
    pub novel: u8,
    pub suspicious: u8,
    pub significance: u8,
    pub min_authentic: u8,
    pub min_novel: u8,
    pub min_significance: u8,
    pub max_suspicious: u8,
    pub proposed: Outcome,
    pub overridden: bool,
}

impl DecisionFacts {
    fn encode(&self) -> String {
        format!(
            "day {}\nfacts authentic={} novel={} suspicious={} significance={}\n\
             thresholds authentic={} novel={} significance={} suspicious={}\nproposed {}\noverride {}\n",
            self.day,
            self.authentic,
            self.novel,
            self.suspicious,
            self.significance,
            self.min_authentic,
            self.min_novel,
            self.min_significance,
            self.max_suspicious,
            self.proposed.as_str(),
            if self.overridden { "yes" } else { "no" }
        )
    }

    fn validate(&self) -> Result<(), FormatError> {
        let all = [
            self.authentic,
            self.novel,
            self.suspicious,
            self.significance,
            self.min_authentic,
            self.min_novel,
            self.min_significance,
            self.max_suspicious,
        ];
        if all.iter().any(|v| *v > 100) {
            return Err(FormatError::field("facts", "over 100", "whole percent from 0 to 100"));
        }
        Ok(())
    }
}

/// `name=value name=value …` with exactly these names, in this order.
fn percent_list<const N: usize>(field: &'static str, text: &str, names: [&str; N]) -> Result<[u8; N], FormatError> {
    let mut out = [0u8; N];
    let mut parts = text.split(' ');
    for (slot, name) in out.iter_mut().zip(names) {
        let part = parts.next().unwrap_or_default();
        let value = part
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
            .ok_or_else(|| FormatError::field(field, text, "name=percent pairs in the fixed order"))?;
        *slot = number(field, value)?;
    }
    if parts.next().is_some() {
        return Err(FormatError::field(field, text, "name=percent pairs in the fixed order"));
    }
    Ok(out)
}

/// The hour (UTC) a release is placed at, written `YYYY-MM-DDTHH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PublishAt {
    pub day: Day,
    pub hour: u8,
}

impl std::fmt::Display for PublishAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}T{:02}", self.day, self.hour)
    }
}

impl std::str::FromStr for PublishAt {
    type Err = FormatError;

    fn from_str(text: &str) -> Result<PublishAt, FormatError> {
        let refuse = || FormatError::field("at", text, "an hour like 2016-08-22T08");
        let (day, hour) = text.split_once('T').ok_or_else(refuse)?;
        let hour: u8 = if hour.len() == 2 {
            hour.parse().map_err(|_| refuse())?
        } else {
            return Err(refuse());
        };
        if hour > 23 {
            return Err(refuse());
        }
        Ok(PublishAt {
            day: day.parse().map_err(|_| refuse())?,
            hour,
        })
    }
}

/// The most bytes of a schedule statement's reason in words.
pub const MAX_REASON_BYTES: usize = 1000;

/// Words on one line: no control characters, at most
/// [`MAX_REASON_BYTES`].
fn check_words(field: &'static str, text: &str) -> Result<(), FormatError> {
    if text.is_empty() || text.len() > MAX_REASON_BYTES || text.chars().any(char::is_control) {
        return Err(FormatError::field(field, text, "words on one line"));
    }
    Ok(())
}

/// The size class of `bytes`: the smallest n with 2^n ≥ bytes.
pub fn size_class(bytes: u64) -> u8 {
    if bytes <= 1 {
        0
    } else {
        (64 - (bytes - 1).leading_zeros()) as u8
    }
}

fn check_code(code: &str) -> Result<(), FormatError> {
    if !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(FormatError::field("reason code", code, "UPPER_CASE"))
    }
}

fn hex32(text: &str, field: &'static str) -> Result<[u8; 32], FormatError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| FormatError::field(field, text, "64 hex digits"))?;
    Ok(out)
}

fn number<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<T, FormatError> {
    text.parse().map_err(|_| FormatError::field(field, text, "a number"))
}

/// Reason codes with counts as a statement writes them: `CODE=n,CODE=n`
/// in code order, or `-` for none.
fn codes_text(codes: &std::collections::BTreeMap<String, u64>) -> String {
    if codes.is_empty() {
        return "-".into();
    }
    codes
        .iter()
        .map(|(code, count)| format!("{code}={count}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_codes(text: &str) -> Result<std::collections::BTreeMap<String, u64>, FormatError> {
    if text == "-" {
        return Ok(Default::default());
    }
    text.split(',')
        .map(|pair| {
            let (code, count) = pair
                .split_once('=')
                .ok_or_else(|| FormatError::field("codes", text, "CODE=count pairs"))?;
            Ok((code.to_owned(), number("codes", count)?))
        })
        .collect()
}

fn check_editor(editor: &str) -> Result<(), FormatError> {
    if editor.len() != 8 || hex::decode(editor).is_err() {
        return Err(FormatError::field("editor", editor, "a key id of 8 hex digits"));
    }
    Ok(())
}

/// A release id as a statement writes it: 32 hex digits.
fn release_id(text: &str) -> Result<[u8; 16], FormatError> {
    let mut out = [0u8; 16];
    hex::decode_to_slice(text, &mut out).map_err(|_| FormatError::field("release", text, "32 hex digits"))?;
    Ok(out)
}

/// A submission id as a statement writes it: 32 lower-case hex digits.
fn submission_id(text: &str) -> Result<SubmissionId, FormatError> {
    let lower_hex = text.len() == 32 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    lower_hex
        .then(|| text.parse().ok())
        .flatten()
        .ok_or_else(|| FormatError::field("submission", text, "32 lower-case hex digits"))
}

impl Statement {
    pub fn kind(&self) -> &'static str {
        match self {
            Statement::Receipt { .. } => "receipt",
            Statement::Decision { .. } => "decision",
            Statement::Publication { .. } => "publication",
            Statement::Withheld { .. } => "withheld",
            Statement::Schedule { .. } => "schedule",
            Statement::Grant { .. } => "grant",
        }
    }

    /// Checks every field's form.
    pub fn validate(&self) -> Result<(), FormatError> {
        match self {
            Statement::Receipt { size_class, .. } => {
                if *size_class > 63 {
                    return Err(FormatError::field("size-class", &size_class.to_string(), "at most 63"));
                }
                Ok(())
            }
            Statement::Decision {
                reasons, editor, facts, ..
            } => {
                reasons.iter().try_for_each(|r| check_code(r))?;
                if let Some(facts) = facts {
                    facts.validate()?;
                }
                check_editor(editor)
            }
            Statement::Publication {
                codes,
                withheld,
                editor,
                ..
            } => {
                codes.keys().try_for_each(|code| check_code(code))?;
                if codes.values().sum::<u64>() != *withheld {
                    return Err(FormatError::field(
                        "codes",
                        &codes_text(codes),
                        "counts that add up to the withheld count",
                    ));
                }
                check_editor(editor)
            }
            Statement::Withheld { reason, .. } => check_code(reason),
            Statement::Grant {
                partner,
                start,
                embargo_until,
                editor,
                ..
            } => {
                check_editor(partner)
                    .map_err(|_| FormatError::field("partner", partner, "a key id of 8 hex digits"))?;
                if embargo_until <= start {
                    return Err(FormatError::field(
                        "embargo-until",
                        &embargo_until.to_string(),
                        "a day after the start",
                    ));
                }
                check_editor(editor)
            }
            Statement::Schedule {
                codes, reason, editor, ..
            } => {
                if codes.is_empty() {
                    return Err(FormatError::field("codes", "-", "at least one reason code"));
                }
                codes.iter().try_for_each(|code| check_code(code))?;
                check_words("reason", reason)?;
                check_editor(editor)
            }
        }
    }

    /// The canonical text.
    pub fn encode(&self) -> String {
        let mut out = format!("{HEADER}\nkind {}\n", self.kind());
        let _ = match self {
            Statement::Receipt {
                submission,
                commitment,
                day,
                size_class,
            } => write!(
                out,
                "submission {submission}\ncommitment {}\nday {day}\nsize-class {size_class}\n",
                hex::encode(commitment)
            ),
            Statement::Decision {
                submission,
                outcome,
                reasons,
                policy,
                editor,
                facts,
            } => write!(
                out,
                "submission {submission}\noutcome {}\nreasons {}\npolicy {}\neditor {editor}\n{}",
                outcome.as_str(),
                if reasons.is_empty() {
                    "-".to_owned()
                } else {
                    reasons.join(",")
                },
                hex::encode(policy),
                facts.map(|f| f.encode()).unwrap_or_default()
            ),
            Statement::Publication {
                release,
                submission,
                root,
                published,
                redacted,
                withheld,
                containers,
                codes,
                editor,
                day,
            } => write!(
                out,
                "release {}\nsubmission {submission}\nroot {}\npublished {published}\nredacted {redacted}\n\
                 withheld {withheld}\ncontainers {containers}\ncodes {}\neditor {editor}\n{}",
                hex::encode(release),
                hex::encode(root),
                codes_text(codes),
                day.map(|d| format!("day {d}\n")).unwrap_or_default()
            ),
            Statement::Withheld { document, reason } => {
                write!(out, "document {}\nreason {reason}\n", hex::encode(document))
            }
            Statement::Schedule {
                release,
                revision,
                ready,
                at,
                bound_days,
                codes,
                reason,
                editor,
            } => write!(
                out,
                "release {}\nrevision {revision}\nready {ready}\nat {at}\nbound-days {bound_days}\ncodes {}\n\
                 reason {reason}\neditor {editor}\n",
                hex::encode(release),
                codes.join(",")
            ),
            Statement::Grant {
                release,
                partner,
                start,
                embargo_until,
                terms,
                paid,
                editor,
            } => write!(
                out,
                "release {}\npartner {partner}\nstart {start}\nembargo-until {embargo_until}\nterms {}\npaid {}\n\
                 editor {editor}\n",
                hex::encode(release),
                hex::encode(terms),
                if *paid { "yes" } else { "no" }
            ),
        };
        out
    }

    /// Parses the canonical text, refusing anything that does not re-encode
    /// to the same bytes.
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(FormatError::NoFinalNewline { what: "the statement" })?;
        let lines = std::cell::RefCell::new(body.split('\n').peekable());
        if lines.borrow_mut().next() != Some(HEADER) {
            return Err(FormatError::Header(HEADER));
        }
        let field = |name: &'static str| -> Result<&str, FormatError> {
            let line = lines.borrow_mut().next().unwrap_or_default();
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .ok_or_else(|| FormatError::UnexpectedLine {
                    expected: name,
                    found: line.chars().take(80).collect(),
                })
        };
        let more = || lines.borrow_mut().peek().is_some();
        let statement = match field("kind")? {
            "receipt" => Statement::Receipt {
                submission: submission_id(field("submission")?)?,
                commitment: hex32(field("commitment")?, "commitment")?,
                day: field("day")?.parse()?,
                size_class: number("size-class", field("size-class")?)?,
            },
            "decision" => Statement::Decision {
                submission: submission_id(field("submission")?)?,
                outcome: field("outcome")?.parse()?,
                reasons: match field("reasons")? {
                    "-" => Vec::new(),
                    list => list.split(',').map(str::to_owned).collect(),
                },
                policy: hex32(field("policy")?, "policy")?,
                editor: field("editor")?.to_owned(),
                facts: if more() {
                    let day = field("day")?.parse()?;
                    let [authentic, novel, suspicious, significance] = percent_list(
                        "facts",
                        field("facts")?,
                        ["authentic", "novel", "suspicious", "significance"],
                    )?;
                    let [min_authentic, min_novel, min_significance, max_suspicious] = percent_list(
                        "thresholds",
                        field("thresholds")?,
                        ["authentic", "novel", "significance", "suspicious"],
                    )?;
                    Some(DecisionFacts {
                        day,
                        authentic,
                        novel,
                        suspicious,
                        significance,
                        min_authentic,
                        min_novel,
                        min_significance,
                        max_suspicious,
                        proposed: field("proposed")?.parse()?,
                        overridden: match field("override")? {
                            "yes" => true,
                            "no" => false,
                            other => return Err(FormatError::field("override", other, "yes or no")),
                        },
                    })
                } else {
                    None
                },
            },
            "publication" => Statement::Publication {
                release: release_id(field("release")?)?,
                submission: submission_id(field("submission")?)?,
                root: hex32(field("root")?, "root")?,
                published: number("published", field("published")?)?,
                redacted: number("redacted", field("redacted")?)?,
                withheld: number("withheld", field("withheld")?)?,
                containers: number("containers", field("containers")?)?,
                codes: parse_codes(field("codes")?)?,
                editor: field("editor")?.to_owned(),
                day: if more() { Some(field("day")?.parse()?) } else { None },
            },
            "withheld" => Statement::Withheld {
                document: hex32(field("document")?, "document")?,
                reason: field("reason")?.to_owned(),
            },
            "grant" => Statement::Grant {
                release: release_id(field("release")?)?,
                partner: field("partner")?.to_owned(),
                start: field("start")?.parse()?,
                embargo_until: field("embargo-until")?.parse()?,
                terms: hex32(field("terms")?, "terms")?,
                paid: match field("paid")? {
                    "yes" => true,
                    "no" => false,
                    other => return Err(FormatError::field("paid", other, "yes or no")),
                },
                editor: field("editor")?.to_owned(),
            },
            "schedule" => Statement::Schedule {
                release: release_id(field("release")?)?,
                revision: number("revision", field("revision")?)?,
                ready: field("ready")?.parse()?,
                at: field("at")?.parse()?,
                bound_days: number("bound-days", field("bound-days")?)?,
                codes: field("codes")?.split(',').map(str::to_owned).collect(),
                reason: field("reason")?.to_owned(),
                editor: field("editor")?.to_owned(),
            },
            other => return Err(FormatError::Kind(other.chars().take(40).collect())),
        };
        statement.validate()?;
        if statement.encode() != text {
            return Err(FormatError::NotCanonical);
        }
        Ok(statement)
    }

    /// Signs the statement; the result's bytes are a log entry.
    pub fn sign(&self, key: &NoteSigningKey) -> Result<Vec<u8>, FormatError> {
        self.validate()?;
        Ok(SignedNote::sign(self.encode(), key).encode().into_bytes())
    }
}

/// Opens a log entry: parses it and checks that one of `keys` signed it.
/// Returns the statement and the signer's key name.
pub fn open_entry(entry: &[u8], keys: &[NoteVerifierKey]) -> Result<(Statement, String), FormatError> {
    let text = std::str::from_utf8(entry).map_err(|_| FormatError::NotUtf8)?;
    let note = SignedNote::parse(text)?;
    let signer = keys.iter().find(|key| note.verify(key)).ok_or_else(|| {
        let names: Vec<&str> = note.signatures.iter().map(|s| s.name.as_str()).collect();
        FormatError::UnknownSigner {
            signers: names.join(", "),
        }
    })?;
    Ok((Statement::parse(&note.text)?, signer.name().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> Statement {
        Statement::Decision {
            submission: "0123456789abcdef0123456789abcdef".parse().unwrap(),
            outcome: Outcome::Reject,
            reasons: vec!["ALREADY_PUBLIC".into(), "INSIGNIFICANT".into()],
            policy: [3; 32],
            editor: "6040fce2".into(),
            facts: None,
        }
    }

    fn decision_with_facts() -> Statement {
        let Statement::Decision {
            submission,
            outcome,
            reasons,
            policy,
            editor,
            ..
        } = decision()
        else {
            unreachable!()
        };
        Statement::Decision {
            submission,
            outcome,
            reasons,
            policy,
            editor,
            facts: Some(DecisionFacts {
                day: "2026-11-30".parse().unwrap(),
                authentic: 62,
                novel: 55,
                suspicious: 0,
                significance: 48,
                min_authentic: 30,
                min_novel: 25,
                min_significance: 25,
                max_suspicious: 20,
                proposed: Outcome::Accept,
                overridden: true,
            }),
        }
    }

    #[test]
    fn statements_round_trip_canonically() {
        let receipt = Statement::Receipt {
            submission: "0123456789abcdef0123456789abcdef".parse().unwrap(),
            commitment: [9; 32],
            day: "2026-11-27".parse().unwrap(),
            size_class: size_class(1_500_000),
        };
        for statement in [
            receipt,
            decision(),
            Statement::Publication {
                release: [4; 16],
                submission: "0123456789abcdef0123456789abcdef".parse().unwrap(),
                root: [1; 32],
                published: 10,
                redacted: 3,
                withheld: 2,
                containers: 1,
                codes: [("PRIVACY".to_owned(), 1), ("SOURCE_PROTECTION".to_owned(), 1)].into(),
                editor: "6040fce2".into(),
                day: Some("2026-12-01".parse().unwrap()),
            },
            Statement::Withheld {
                document: [2; 32],
                reason: "PRIVACY".into(),
            },
            schedule(),
            decision_with_facts(),
            Statement::Grant {
                release: [4; 16],
                partner: "0a1b2c3d".into(),
                start: "2016-08-01".parse().unwrap(),
                embargo_until: "2016-08-20".parse().unwrap(),
                terms: [7; 32],
                paid: false,
                editor: "6040fce2".into(),
            },
        ] {
            assert_eq!(Statement::parse(&statement.encode()).unwrap(), statement);
        }
        assert_eq!(size_class(1_500_000), 21);
        assert_eq!(size_class(1 << 20), 20);
    }

    fn schedule() -> Statement {
        Statement::Schedule {
            release: [4; 16],
            revision: 2,
            ready: "2016-08-06".parse().unwrap(),
            at: "2016-08-22T09".parse().unwrap(),
            bound_days: 30,
            codes: vec!["EVENT".into()],
            reason: "delayed for Olympic Games 2016-08-05..2016-08-21, attention 0.80; bound 30 days".into(),
            editor: "6040fce2".into(),
        }
    }

    #[test]
    fn decision_facts_read_back_and_refuse_what_they_cannot_say() {
        let text = decision_with_facts().encode();
        assert!(
            text.ends_with(
                "day 2026-11-30\nfacts authentic=62 novel=55 suspicious=0 significance=48\n\
                 thresholds authentic=30 novel=25 significance=25 suspicious=20\nproposed accept\noverride yes\n"
            ),
            "{text}"
        );
        for (from, to) in [
            ("novel=55", "novel=155"),
            ("novel=55 suspicious=0", "suspicious=0 novel=55"),
            ("override yes", "override maybe"),
            ("proposed accept\n", ""),
            ("significance=48", "significance=48 extra=1"),
        ] {
            assert!(Statement::parse(&text.replace(from, to)).is_err(), "{to}");
        }
    }

    #[test]
    fn schedule_statements_refuse_what_they_cannot_say() {
        let text = schedule().encode();
        assert!(text.contains("\nat 2016-08-22T09\n"), "{text}");
        for (from, to) in [
            ("at 2016-08-22T09", "at 2016-08-22T24"),
            ("at 2016-08-22T09", "at 2016-08-22 09"),
            ("codes EVENT", "codes "),
            ("codes EVENT", "codes event"),
            ("reason delayed", "reason \u{7}delayed"),
        ] {
            assert!(Statement::parse(&text.replace(from, to)).is_err(), "{to}");
        }
    }

    #[test]
    fn non_canonical_and_invalid_statements_are_refused() {
        let text = decision().encode();
        assert!(Statement::parse(&text.replace("reasons ", "reasons  ")).is_err());
        assert!(Statement::parse(&text.replace("ALREADY_PUBLIC", "already public")).is_err());
        assert!(Statement::parse(&format!("{text}extra line\n")).is_err());
        assert!(Statement::parse(&text.replace("0123456789abcdef0123", "0123456789ABCDEF0123")).is_err());
        let receipt = text
            .replace("kind decision", "kind receipt")
            .replace("outcome reject", "commitment 00")
            .replace("reasons ALREADY_PUBLIC,INSIGNIFICANT", "day 2026-02-30");
        assert!(Statement::parse(&receipt).is_err());
    }

    #[test]
    fn entries_are_signed_notes() {
        let key = NoteSigningKey::from_seed("trove-editor-ana", &[5; 32]);
        let entry = decision().sign(&key).unwrap();
        let (statement, signer) = open_entry(&entry, &[key.verifier()]).unwrap();
        assert_eq!((statement, signer.as_str()), (decision(), "trove-editor-ana"));
        let other = NoteSigningKey::from_seed("trove-editor-ana", &[6; 32]);
        assert_eq!(
            open_entry(&entry, &[other.verifier()]).unwrap_err(),
            FormatError::UnknownSigner {
                signers: "trove-editor-ana".into()
            }
        );
    }
}

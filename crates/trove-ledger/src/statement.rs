//! Log entries: signed statements in a typed, versioned, canonical text
//! encoding. Each entry is a C2SP signed note whose text is
//!
//! ```text
//! trove/statement/v1
//! kind <receipt|decision|publication|withheld>
//! <field> <value>      one line per field, in the fixed order of its kind
//! ```
//!
//! signed by whoever makes the statement (the intake's key for receipts, an
//! editor's key for decisions). Fields hold commitments, codes, days and
//! size classes: never content, names, codenames, exact times or sizes.
//! Parsing is strict: an entry must re-encode to exactly its own bytes.

use std::fmt::Write as _;

use trove_keys::{NoteSigningKey, NoteVerifierKey};

use crate::checkpoint::SignedNote;

const HEADER: &str = "trove/statement/v1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accept,
    Reject,
    Defer,
}

impl Outcome {
    fn as_str(&self) -> &'static str {
        match self {
            Outcome::Accept => "accept",
            Outcome::Reject => "reject",
            Outcome::Defer => "defer",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "accept" => Ok(Outcome::Accept),
            "reject" => Ok(Outcome::Reject),
            "defer" => Ok(Outcome::Defer),
            other => Err(format!("outcome {other:?} is not accept, reject or defer")),
        }
    }
}

/// What an entry states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// The intake received a submission: a salted commitment to its files,
    /// the day, and the size class (total bytes rounded up to 2^size_class).
    Receipt {
        submission: String,
        commitment: [u8; 32],
        day: String,
        size_class: u8,
    },
    /// An editor decided on a submission under a policy.
    Decision {
        submission: String,
        outcome: Outcome,
        reasons: Vec<String>,
        policy: [u8; 32],
        editor: String,
    },
    /// A publication's manifest root and counts.
    Publication {
        root: [u8; 32],
        published: u64,
        withheld: u64,
    },
    /// A document withheld from a publication, by commitment, with a reason.
    Withheld { document: [u8; 32], reason: String },
}

/// The size class of `bytes`: the smallest n with 2^n ≥ bytes.
pub fn size_class(bytes: u64) -> u8 {
    if bytes <= 1 {
        0
    } else {
        (64 - (bytes - 1).leading_zeros()) as u8
    }
}

fn check_submission(id: &str) -> Result<(), String> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(format!("submission {id:?} is not 32 lower-case hex digits"))
    }
}

fn check_code(code: &str) -> Result<(), String> {
    if !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(format!("reason code {code:?} is not UPPER_CASE"))
    }
}

fn check_day(day: &str) -> Result<(), String> {
    let b = day.as_bytes();
    let ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!("day {day:?} is not YYYY-MM-DD"))
    }
}

fn hex32(text: &str, field: &str) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| format!("{field} {text:?} is not 64 hex digits"))?;
    Ok(out)
}

impl Statement {
    pub fn kind(&self) -> &'static str {
        match self {
            Statement::Receipt { .. } => "receipt",
            Statement::Decision { .. } => "decision",
            Statement::Publication { .. } => "publication",
            Statement::Withheld { .. } => "withheld",
        }
    }

    /// Checks every field's form.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Statement::Receipt {
                submission,
                day,
                size_class,
                ..
            } => {
                check_submission(submission)?;
                check_day(day)?;
                if *size_class > 63 {
                    return Err(format!("size class {size_class} is above 63"));
                }
                Ok(())
            }
            Statement::Decision {
                submission,
                reasons,
                editor,
                ..
            } => {
                check_submission(submission)?;
                reasons.iter().try_for_each(|r| check_code(r))?;
                if editor.len() != 8 || hex::decode(editor).is_err() {
                    return Err(format!("editor key id {editor:?} is not 8 hex digits"));
                }
                Ok(())
            }
            Statement::Publication { .. } => Ok(()),
            Statement::Withheld { reason, .. } => check_code(reason),
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
            } => write!(
                out,
                "submission {submission}\noutcome {}\nreasons {}\npolicy {}\neditor {editor}\n",
                outcome.as_str(),
                if reasons.is_empty() {
                    "-".to_owned()
                } else {
                    reasons.join(",")
                },
                hex::encode(policy)
            ),
            Statement::Publication {
                root,
                published,
                withheld,
            } => {
                write!(
                    out,
                    "root {}\npublished {published}\nwithheld {withheld}\n",
                    hex::encode(root)
                )
            }
            Statement::Withheld { document, reason } => {
                write!(out, "document {}\nreason {reason}\n", hex::encode(document))
            }
        };
        out
    }

    /// Parses the canonical text, refusing anything that does not re-encode
    /// to the same bytes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text
            .strip_suffix('\n')
            .ok_or("the statement does not end in a newline")?
            .split('\n');
        if lines.next() != Some(HEADER) {
            return Err(format!("not a {HEADER} statement"));
        }
        let mut field = |name: &str| -> Result<&str, String> {
            let line = lines.next().ok_or_else(|| format!("field {name} is missing"))?;
            line.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(' '))
                .ok_or_else(|| format!("expected field {name}, found {line:?}"))
        };
        let statement = match field("kind")? {
            "receipt" => Statement::Receipt {
                submission: field("submission")?.to_owned(),
                commitment: hex32(field("commitment")?, "commitment")?,
                day: field("day")?.to_owned(),
                size_class: field("size-class")?.parse().map_err(|_| "size-class is not a number")?,
            },
            "decision" => Statement::Decision {
                submission: field("submission")?.to_owned(),
                outcome: Outcome::parse(field("outcome")?)?,
                reasons: match field("reasons")? {
                    "-" => Vec::new(),
                    list => list.split(',').map(str::to_owned).collect(),
                },
                policy: hex32(field("policy")?, "policy")?,
                editor: field("editor")?.to_owned(),
            },
            "publication" => Statement::Publication {
                root: hex32(field("root")?, "root")?,
                published: field("published")?.parse().map_err(|_| "published is not a number")?,
                withheld: field("withheld")?.parse().map_err(|_| "withheld is not a number")?,
            },
            "withheld" => Statement::Withheld {
                document: hex32(field("document")?, "document")?,
                reason: field("reason")?.to_owned(),
            },
            other => return Err(format!("unknown statement kind {other:?}")),
        };
        statement.validate()?;
        if statement.encode() != text {
            return Err("the statement is not in canonical form".into());
        }
        Ok(statement)
    }

    /// Signs the statement; the result's bytes are a log entry.
    pub fn sign(&self, key: &NoteSigningKey) -> Result<Vec<u8>, String> {
        self.validate()?;
        Ok(SignedNote::sign(self.encode(), key).encode().into_bytes())
    }
}

/// Opens a log entry: parses it and checks that one of `keys` signed it.
/// Returns the statement and the signer's key name.
pub fn open_entry(entry: &[u8], keys: &[NoteVerifierKey]) -> Result<(Statement, String), String> {
    let text = std::str::from_utf8(entry).map_err(|_| "the entry is not UTF-8")?;
    let note = SignedNote::parse(text)?;
    let signer = keys.iter().find(|key| note.verify(key)).ok_or_else(|| {
        let names: Vec<&str> = note.signatures.iter().map(|s| s.name.as_str()).collect();
        format!(
            "no valid signature by a known statement key (signed as {})",
            names.join(", ")
        )
    })?;
    Ok((Statement::parse(&note.text)?, signer.name().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision() -> Statement {
        Statement::Decision {
            submission: "0123456789abcdef0123456789abcdef".into(),
            outcome: Outcome::Reject,
            reasons: vec!["ALREADY_PUBLIC".into(), "INSIGNIFICANT".into()],
            policy: [3; 32],
            editor: "6040fce2".into(),
        }
    }

    #[test]
    fn statements_round_trip_canonically() {
        let receipt = Statement::Receipt {
            submission: "0123456789abcdef0123456789abcdef".into(),
            commitment: [9; 32],
            day: "2026-11-27".into(),
            size_class: size_class(1_500_000),
        };
        for statement in [
            receipt,
            decision(),
            Statement::Publication {
                root: [1; 32],
                published: 10,
                withheld: 2,
            },
            Statement::Withheld {
                document: [2; 32],
                reason: "PRIVACY".into(),
            },
        ] {
            assert_eq!(Statement::parse(&statement.encode()).unwrap(), statement);
        }
        assert_eq!(size_class(1_500_000), 21);
        assert_eq!(size_class(1 << 20), 20);
    }

    #[test]
    fn non_canonical_and_invalid_statements_are_refused() {
        let text = decision().encode();
        assert!(Statement::parse(&text.replace("reasons ", "reasons  ")).is_err());
        assert!(Statement::parse(&text.replace("ALREADY_PUBLIC", "already public")).is_err());
        assert!(Statement::parse(&format!("{text}extra line\n")).is_err());
    }

    #[test]
    fn entries_are_signed_notes() {
        let key = NoteSigningKey::from_seed("trove-editor-ana", &[5; 32]);
        let entry = decision().sign(&key).unwrap();
        let (statement, signer) = open_entry(&entry, &[key.verifier()]).unwrap();
        assert_eq!((statement, signer.as_str()), (decision(), "trove-editor-ana"));
        let other = NoteSigningKey::from_seed("trove-editor-ana", &[6; 32]);
        assert!(
            open_entry(&entry, &[other.verifier()])
                .unwrap_err()
                .contains("no valid signature")
        );
    }
}

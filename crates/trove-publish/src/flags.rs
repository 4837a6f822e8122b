//! Source protection: what in a document can name the person who handed
//! it over. Flags are found in the metadata ingest recorded and in the
//! text; a release never carries original metadata (every output is
//! re-rendered), and a flagged value the text repeats is proposed for
//! redaction, so the residue check can demand that none survives.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What kind of trace a flag is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Author,
    LastModifiedBy,
    Company,
    /// A user's home folder (`C:\Users\name`, `/home/name`).
    UserPath,
    /// A camera body's or lens's serial number.
    Serial,
    Gps,
    /// XMP document and instance ids, which link copies of a file.
    DocumentId,
    /// Earlier states of the file kept inside it (PDF incremental updates).
    RevisionHistory,
    /// Text that differs between near-identical copies in the submission:
    /// a per-recipient mark (a canary trap).
    Watermark,
}

/// One trace in one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFlag {
    pub kind: FlagKind,
    /// Where it was found: a metadata field, or `text`.
    pub field: String,
    pub value: String,
}

impl SourceFlag {
    /// Whether the flag's value is a string a release must not contain
    /// (an author's name, a path, a serial) rather than a fact about the
    /// file (it has three revisions).
    pub fn is_value(&self) -> bool {
        !matches!(self.kind, FlagKind::RevisionHistory)
    }
}

static USER_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[A-Z]:\\(?:Users|Documents and Settings)\\[^\\/\s:*?<>|]+|/(?:home|Users)/[A-Za-z0-9._-]+")
        .expect("compiles")
});

/// The flags of a document from its metadata (as ingest recorded it) and
/// its text.
pub fn flags(doc_type: &str, metadata: &Value, text: &str) -> Vec<SourceFlag> {
    let mut out = Vec::new();
    walk(doc_type, "", metadata, &mut out);
    for found in USER_PATH.find_iter(text) {
        out.push(SourceFlag {
            kind: FlagKind::UserPath,
            field: "text".into(),
            value: found.as_str().to_owned(),
        });
    }
    out.sort_by(|a, b| (a.kind, &a.field, &a.value).cmp(&(b.kind, &b.field, &b.value)));
    out.dedup();
    out
}

fn walk(doc_type: &str, path: &str, value: &Value, out: &mut Vec<SourceFlag>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let field = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk(doc_type, &field, value, out);
            }
        }
        Value::String(text) => {
            let text = text.trim();
            if text.is_empty() {
                return;
            }
            if path == "revision_authors" {
                // The authors of tracked changes and comments, joined.
                out.extend(
                    text.split("; ")
                        .filter(|a| !a.trim().is_empty())
                        .map(|author| SourceFlag {
                            kind: FlagKind::Author,
                            field: path.to_owned(),
                            value: author.trim().to_owned(),
                        }),
                );
            } else if let Some(kind) = field_kind(doc_type, path) {
                out.push(SourceFlag {
                    kind,
                    field: path.to_owned(),
                    value: text.to_owned(),
                });
            }
            for found in USER_PATH.find_iter(text) {
                out.push(SourceFlag {
                    kind: FlagKind::UserPath,
                    field: path.to_owned(),
                    value: found.as_str().to_owned(),
                });
            }
        }
        Value::Number(n) if path == "revisions" && n.as_u64().is_some_and(|r| r > 1) => out.push(SourceFlag {
            kind: FlagKind::RevisionHistory,
            field: path.to_owned(),
            value: format!("{n} revisions"),
        }),
        // Word's tracked changes and comments (ingest counts them).
        Value::Number(n) if matches!(path, "tracked_changes" | "comments") && n.as_u64().is_some_and(|c| c > 0) => out
            .push(SourceFlag {
                kind: FlagKind::RevisionHistory,
                field: path.to_owned(),
                value: format!("{n} {}", path.replace('_', " ")),
            }),
        _ => {}
    }
}

/// The kind of trace a metadata field holds, by its name.
fn field_kind(doc_type: &str, field: &str) -> Option<FlagKind> {
    let name = field.rsplit('.').next().unwrap_or(field).to_ascii_lowercase();
    let name = name.rsplit(':').next().unwrap_or(&name);
    match name {
        "author" => Some(FlagKind::Author),
        // A PDF's Creator is the program that made it; an office file's
        // creator is a person, as is XMP's dc:creator.
        "creator" if doc_type != "pdf" || field.contains("dc:") => Some(FlagKind::Author),
        "lastmodifiedby" => Some(FlagKind::LastModifiedBy),
        "company" => Some(FlagKind::Company),
        "documentid" | "instanceid" | "originaldocumentid" => Some(FlagKind::DocumentId),
        _ if name.contains("serial") => Some(FlagKind::Serial),
        _ if field.starts_with("exif.GPS") || name.starts_with("gps") => Some(FlagKind::Gps),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_of_metadata_trace_is_flagged() {
        let metadata = json!({
            "creator": "Anna Berg",
            "lastmodifiedby": "jdoe",
            "company": "Ministry of Finance",
            "application": "Microsoft Office Word",
            "exif.BodySerialNumber": "0123456789",
            "exif.GPSLatitude": "52 deg 31 min",
            "xmp": { "xmpMM:DocumentID": "uuid:1234-5678" },
            "template": "C:\\Users\\aberg\\Templates\\Normal.dotm",
            "revisions": 3,
            "tracked_changes": 2,
            "revision_authors": "Jan de Vries; Ola"
        });
        let found = flags("docx", &metadata, "saved in /home/aberg/leak");
        let kinds: Vec<FlagKind> = found.iter().map(|f| f.kind).collect();
        for kind in [
            FlagKind::Author,
            FlagKind::LastModifiedBy,
            FlagKind::Company,
            FlagKind::Serial,
            FlagKind::Gps,
            FlagKind::DocumentId,
            FlagKind::UserPath,
            FlagKind::RevisionHistory,
        ] {
            assert!(kinds.contains(&kind), "{kind:?} missing from {found:?}");
        }
        assert!(found.iter().any(|f| f.value == "C:\\Users\\aberg"));
        assert!(found.iter().any(|f| f.value == "/home/aberg"));
        assert!(
            found
                .iter()
                .any(|f| f.value == "Jan de Vries" && f.kind == FlagKind::Author)
        );
        assert!(found.iter().any(|f| f.value == "2 tracked changes"));
        assert!(!found.iter().any(|f| f.value.contains("Microsoft")));
    }

    #[test]
    fn a_pdf_creator_is_a_program_not_a_person() {
        let found = flags(
            "pdf",
            &json!({"creator": "LaTeX with hyperref", "author": "A. Berg"}),
            "",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, FlagKind::Author);
    }
}

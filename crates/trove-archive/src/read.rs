//! Reading a release folder's published files back into what the
//! archive indexes and shows: text, mail headers and evidence, from the
//! published bytes alone (so a redaction is never undone by the archive:
//! it has nothing else to read).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;
use trove_dkim::{Outcome, Verification};
use trove_ingest::{DocType, Limits, extract_document};
use trove_publish::folder::{DKIM_KEYS, MANIFEST};
use trove_publish::{Manifest, RecordStatus, ReleaseCheck};
use trove_search::public::PublicDocument;

use crate::{ArchiveError, io};

/// The published documents of a checked release folder, in manifest order.
pub fn read_release(folder: &Path, check: &ReleaseCheck, limits: &Limits) -> Result<Vec<PublicDocument>, ArchiveError> {
    let bad = |reason: String| ArchiveError::Release {
        folder: folder.display().to_string(),
        reason,
    };
    let manifest_path = folder.join(MANIFEST);
    let manifest = Manifest::parse(&std::fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?)
        .map_err(|e| bad(e.to_string()))?;
    let keys = dkim_keys(folder)?;
    let verdicts: HashMap<u64, &str> = check.verdicts.iter().map(|(i, v)| (*i, v.as_str())).collect();
    let mut appeared: HashMap<u64, Vec<String>> = HashMap::new();
    for a in &check.appeared_before {
        appeared.entry(a.index).or_default().push(appearance_text(a));
    }
    let mut out = Vec::new();
    // Mail's DKIM results wait for the whole release: a verified badge
    // says over which days of mail its key was seen.
    let mut signed_mail = Vec::new();
    let mut seen = KeysSeen::new();
    for record in &manifest.records {
        let (Some(file), Some(path)) = (&record.file, &record.path) else {
            continue;
        };
        let redacted = match record.status {
            RecordStatus::Published => false,
            RecordStatus::Redacted => true,
            RecordStatus::Withheld(_) | RecordStatus::Container => continue,
        };
        let file_path = folder.join(file);
        let bytes = std::fs::read(&file_path).map_err(io(&file_path))?;
        let mut doc = PublicDocument {
            release: check.root.clone(),
            index: record.index,
            path: path.clone(),
            file: file.clone(),
            doc_type: original_type(path, &bytes),
            redacted,
            ..PublicDocument::default()
        };
        let published_as = file.rsplit('.').next().unwrap_or_default();
        match published_as {
            "eml" => {
                let extracted = extract_document(DocType::Email, &bytes, limits);
                read_mail_metadata(&mut doc, &extracted.metadata);
                doc.text = extracted.text.unwrap_or_default();
                let verifications = trove_dkim::verify(&bytes, &|s: &str, d: &str| {
                    keys.get(&(s.to_ascii_lowercase(), d.to_ascii_lowercase())).cloned()
                });
                for v in verifications.iter().filter(|v| v.outcome == Outcome::Pass) {
                    if let Some(date) = doc.date {
                        let range = seen.entry(key_name(v)).or_insert((date, date));
                        *range = (range.0.min(date), range.1.max(date));
                    }
                }
                signed_mail.push((out.len(), verifications));
            }
            "txt" => {
                let extracted = extract_document(DocType::Text, &bytes, limits);
                language(&mut doc, &extracted.metadata);
                let text = extracted.text.unwrap_or_default();
                if matches!(doc.doc_type.as_str(), "email" | "msg") {
                    read_rendered_headers(&mut doc, &text);
                    doc.evidence = match verdicts.get(&record.index) {
                        Some(verdict) => vec![(
                            format!(
                                "Verified by the newsroom before publication (signed in this release's verifications.note): {verdict}"
                            ),
                            "newsroom-verified".into(),
                        )],
                        None => vec![("No verification recorded for this message".into(), "unverified".into())],
                    };
                }
                doc.text = text;
            }
            "pdf" => {
                let extracted = extract_document(DocType::Pdf, &bytes, limits);
                language(&mut doc, &extracted.metadata);
                doc.text = extracted.text.unwrap_or_default();
            }
            // Images are published as their pixels alone.
            _ => {}
        }
        if redacted {
            doc.evidence.push((
                "Redacted: the words taken out are burned into the pixels or gone from the text".into(),
                "redacted".into(),
            ));
        }
        if let Some(appearances) = appeared.remove(&record.index) {
            let more = match appearances.len() {
                1 => String::new(),
                n => format!(", and in {} more", n - 1),
            };
            doc.evidence.push((
                format!("Appeared before: {}{more}", appearances[0]),
                "published-before".into(),
            ));
            doc.appeared_before = appearances;
        }
        out.push(doc);
    }
    for (position, verifications) in signed_mail {
        let badges = dkim_evidence(&verifications, &seen);
        out[position].evidence.splice(0..0, badges);
    }
    Ok(out)
}

/// The first and last day (seconds) of the mail a DKIM key verified.
type KeysSeen = HashMap<String, (i64, i64)>;

fn key_name(v: &Verification) -> String {
    format!(
        "{}._domainkey.{}",
        v.selector.as_deref().unwrap_or("?"),
        v.domain.as_deref().unwrap_or("?")
    )
    .to_ascii_lowercase()
}

/// What a page says of a signed appearance in `appeared-before.note`.
fn appearance_text(a: &trove_publish::folder::Appearance) -> String {
    let how = match a.class.as_str() {
        "exact" => "the same document",
        "near" => "a near copy",
        "partial" => "a large part of it",
        _ => "some of it",
    };
    format!("{how}, published by {} on {} ({})", a.publisher, a.date, a.corpus)
}

/// The original's type, from the provenance path's extension (a published
/// `.txt` may be a re-rendered mail or office file), else from the bytes.
fn original_type(path: &str, bytes: &[u8]) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let by_name = match extension.as_str() {
        "eml" => Some("email"),
        "jpg" | "jpeg" | "png" | "gif" | "tif" | "tiff" | "bmp" | "webp" => Some("image"),
        "htm" => Some("html"),
        other => DocType::from_name(other).map(DocType::name),
    };
    by_name.map_or_else(|| trove_ingest::detect(bytes).name().to_owned(), str::to_owned)
}

fn language(doc: &mut PublicDocument, metadata: &serde_json::Map<String, Value>) {
    doc.language = metadata.get("language").and_then(Value::as_str).map(str::to_owned);
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

fn read_mail_metadata(doc: &mut PublicDocument, metadata: &serde_json::Map<String, Value>) {
    language(doc, metadata);
    doc.from = strings(metadata.get("from"));
    doc.to = strings(metadata.get("to"));
    doc.to.extend(strings(metadata.get("cc")));
    doc.subject = metadata.get("subject").and_then(Value::as_str).map(str::to_owned);
    doc.date = metadata.get("date").and_then(Value::as_str).and_then(parse_date);
    doc.message_id = metadata
        .get("message_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    doc.in_reply_to = strings(metadata.get("in_reply_to"));
}

/// The header lines a re-rendered mail starts with (trove-publish's
/// `rendered_text`): From, To, Cc, Date, Subject, then a blank line.
fn read_rendered_headers(doc: &mut PublicDocument, text: &str) {
    let list = |value: &str| {
        value
            .split(", ")
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        let Some((label, value)) = line.split_once(": ") else {
            break;
        };
        match label {
            "From" => doc.from = list(value),
            "To" | "Cc" => doc.to.extend(list(value)),
            "Date" => doc.date = parse_date(value),
            "Subject" => doc.subject = Some(value.to_owned()),
            _ => break,
        }
    }
}

/// Seconds since 1970 of an RFC 3339 or RFC 2822 date.
fn parse_date(text: &str) -> Option<i64> {
    use time::format_description::well_known::{Rfc2822, Rfc3339};
    time::OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| time::OffsetDateTime::parse(text, &Rfc2822))
        .ok()
        .map(|d| d.unix_timestamp())
}

/// `YYYY-MM-DD` of seconds since 1970.
fn day(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds).map_or_else(
        |_| "?".into(),
        |d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
    )
}

/// `dkim-keys.txt`: `selector._domainkey.domain record` a line.
fn dkim_keys(folder: &Path) -> Result<HashMap<(String, String), String>, ArchiveError> {
    let path = folder.join(DKIM_KEYS);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(io(&path)(e)),
    };
    Ok(text
        .lines()
        .filter_map(|line| {
            let (name, record) = line.split_once(' ')?;
            let (selector, domain) = name.split_once("._domainkey.")?;
            Some((
                (selector.to_ascii_lowercase(), domain.to_ascii_lowercase()),
                record.to_owned(),
            ))
        })
        .collect())
}

/// Badges for a published original message, stated precisely; a verified
/// key's badge gives the days of the release's mail it verified.
fn dkim_evidence(verifications: &[Verification], seen: &KeysSeen) -> Vec<(String, String)> {
    if verifications.is_empty() {
        return vec![(
            "Unsigned: the message carries no DKIM signature".into(),
            "unsigned".into(),
        )];
    }
    verifications
        .iter()
        .map(|v| {
            let key = key_name(v);
            let algorithm = v.algorithm.unwrap_or("unknown algorithm");
            match &v.outcome {
                Outcome::Pass => {
                    let bits = v.key.as_ref().map(|k| format!(", {} bits", k.bits)).unwrap_or_default();
                    let days = seen
                        .get(&key)
                        .map(|(first, last)| format!(", seen {}..{}", day(*first), day(*last)))
                        .unwrap_or_default();
                    (
                        format!(
                            "DKIM verified: {algorithm}, key {key}{bits}{days}, headers {}",
                            v.signed_headers.join(":")
                        ),
                        "dkim-verified".into(),
                    )
                }
                Outcome::BodyHashMismatch => (
                    format!("DKIM fails: the body is not what {key} signed ({algorithm})"),
                    "dkim-failed".into(),
                ),
                Outcome::SignatureMismatch => (
                    format!("DKIM fails: a signed header changed since {key} signed ({algorithm})"),
                    "dkim-failed".into(),
                ),
                Outcome::NoKey => (
                    format!("DKIM cannot be checked: no key {key} in this release"),
                    "dkim-no-key".into(),
                ),
                Outcome::KeyRevoked => (format!("DKIM key {key} was revoked"), "dkim-failed".into()),
                Outcome::Unusable(why) => (format!("DKIM signature unusable: {why}"), "dkim-failed".into()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_mail_headers_are_read_back() {
        let mut doc = PublicDocument::default();
        read_rendered_headers(
            &mut doc,
            "From: anna@example.ru\nTo: b@example.org, c@example.org\nDate: 2014-03-02T10:00:00Z\nSubject: Поставки\n\nbody\nFrom: not a header",
        );
        assert_eq!(doc.from, vec!["anna@example.ru"]);
        assert_eq!(doc.to, vec!["b@example.org", "c@example.org"]);
        assert_eq!(doc.subject.as_deref(), Some("Поставки"));
        assert_eq!(doc.date, Some(1393754400));
    }

    /// Badges for a real signed mail (from the fixtures), the same mail
    /// with its body changed, and with its signature removed.
    #[test]
    fn mail_badges_say_verified_failed_or_unsigned() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real/mail");
        let keys = dkim_keys(&fixtures).unwrap();
        let lookup = |s: &str, d: &str| keys.get(&(s.to_ascii_lowercase(), d.to_ascii_lowercase())).cloned();
        let mail = std::fs::read(fixtures.join("github.eml")).unwrap();
        let seen = KeysSeen::from([("dk2016._domainkey.github.com".to_owned(), (1388620800, 1435622400))]);
        let badges = dkim_evidence(&trove_dkim::verify(&mail, &lookup), &seen);
        assert_eq!(badges[0].1, "dkim-verified", "{badges:?}");
        assert!(
            badges[0].0.starts_with(
                "DKIM verified: rsa-sha256, key dk2016._domainkey.github.com, 1024 bits, seen 2014-01-02..2015-06-30, headers"
            ),
            "{badges:?}"
        );
        let text = String::from_utf8_lossy(&mail);
        let (head, body) = text.split_once("\r\n\r\n").or_else(|| text.split_once("\n\n")).unwrap();
        let tampered = format!("{head}\r\n\r\nA forged line.\r\n{body}");
        let badges = dkim_evidence(&trove_dkim::verify(tampered.as_bytes(), &lookup), &seen);
        assert_eq!(badges[0].1, "dkim-failed", "{badges:?}");
        assert!(
            badges[0]
                .0
                .contains("the body is not what dk2016._domainkey.github.com signed")
        );
        let unsigned = text.replace("DKIM-Signature:", "X-Removed-Signature:");
        let badges = dkim_evidence(&trove_dkim::verify(unsigned.as_bytes(), &lookup), &seen);
        assert_eq!(
            badges,
            vec![(
                "Unsigned: the message carries no DKIM signature".to_owned(),
                "unsigned".to_owned()
            )]
        );
    }

    #[test]
    fn the_original_type_comes_from_the_path() {
        assert_eq!(original_type("cache.zip/a/b.docx", b"text"), "docx");
        assert_eq!(original_type("mail/1.eml", b"text"), "email");
        assert_eq!(original_type("scan.JPG", b""), "image");
    }
}

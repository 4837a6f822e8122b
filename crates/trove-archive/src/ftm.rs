//! A release as FollowTheMoney entities (JSON lines), for Aleph and
//! OpenAleph: an `Email` per mail, a `Document` per other file, a `Person`
//! per correspondent address, an `Organization` per mail domain, and the
//! addresses each text mentions (`emailMentioned`). Only what the archive
//! publishes goes in: the published text, never the original's.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use trove_search::public::StoredDocument;

/// One entity line.
#[derive(Debug, Serialize)]
pub struct Entity {
    pub id: String,
    pub schema: &'static str,
    pub properties: BTreeMap<&'static str, Vec<String>>,
}

fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..10])
}

/// The bare address of `Name <a@b.org>` or `a@b.org`, lower-cased.
fn bare_address(text: &str) -> Option<String> {
    let inner = match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    };
    let address = inner.trim().to_ascii_lowercase();
    let (local, domain) = address.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && !address.contains(char::is_whitespace)).then_some(address)
}

/// Addresses written in a text (what FtM calls mentions).
fn mentioned_addresses(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c))
        .filter_map(|word| bare_address(word.trim_end_matches('.')))
        .collect();
    found.sort();
    found.dedup();
    found
}

fn day(seconds: Option<i64>) -> Option<String> {
    let date = time::OffsetDateTime::from_unix_timestamp(seconds?).ok()?.date();
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}

/// The entities of a release's documents, documents first, then the
/// people and organisations they refer to.
pub fn entities(release: &str, published: &str, documents: &[StoredDocument]) -> Vec<Entity> {
    let mut people: BTreeMap<String, Entity> = BTreeMap::new();
    let mut organisations: BTreeMap<String, Entity> = BTreeMap::new();
    let mut person = |address: &str| -> Option<String> {
        let bare = bare_address(address)?;
        let id = format!("trove-person-{}", short_hash(&bare));
        let domain = bare.split_once('@').map(|(_, d)| d.to_owned()).unwrap_or_default();
        organisations.entry(domain.clone()).or_insert_with(|| Entity {
            id: format!("trove-org-{}", short_hash(&domain)),
            schema: "Organization",
            properties: BTreeMap::from([("name", vec![domain.clone()]), ("website", vec![domain.clone()])]),
        });
        people.entry(bare.clone()).or_insert_with(|| Entity {
            id: id.clone(),
            schema: "Person",
            properties: BTreeMap::from([("name", vec![address.trim().to_owned()]), ("email", vec![bare.clone()])]),
        });
        Some(id)
    };
    let mut out = Vec::new();
    for doc in documents {
        let mail = matches!(doc.doc_type.as_str(), "email" | "msg");
        let mut properties: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        let file_name = doc.path.rsplit('/').next().unwrap_or(&doc.path).to_owned();
        properties.insert("fileName", vec![file_name.clone()]);
        properties.insert("bodyText", vec![doc.text.clone()]);
        properties.insert("publishedAt", vec![published.to_owned()]);
        properties.insert("publisher", vec![format!("trove release {release}")]);
        if let Some(date) = day(doc.date) {
            properties.insert("date", vec![date]);
        }
        if let Some(language) = &doc.language {
            properties.insert("language", vec![language.clone()]);
        }
        if !doc.evidence.is_empty() {
            properties.insert("notes", doc.evidence.clone());
        }
        let mentions = mentioned_addresses(&doc.text);
        if !mentions.is_empty() {
            properties.insert("emailMentioned", mentions);
        }
        let mime = match doc.file.rsplit('.').next() {
            Some("eml") => "message/rfc822",
            Some("pdf") => "application/pdf",
            Some("jpg") => "image/jpeg",
            _ => "text/plain",
        };
        properties.insert("mimeType", vec![mime.to_owned()]);
        if mail {
            if let Some(subject) = &doc.subject {
                properties.insert("subject", vec![subject.clone()]);
                properties.insert("title", vec![subject.clone()]);
            }
            properties.insert("from", doc.from.clone());
            properties.insert("to", doc.to.clone());
            let emitters: Vec<String> = doc.from.iter().filter_map(|a| person(a)).collect();
            let recipients: Vec<String> = doc.to.iter().filter_map(|a| person(a)).collect();
            properties.insert("emitters", emitters);
            properties.insert("recipients", recipients);
        } else {
            properties.insert("title", vec![file_name]);
        }
        // FtM has no empty values (an image has no text).
        properties.retain(|_, values| {
            values.retain(|v| !v.trim().is_empty());
            !values.is_empty()
        });
        out.push(Entity {
            id: format!("trove-{}-{}", &release[..16.min(release.len())], doc.index),
            schema: if mail { "Email" } else { "Document" },
            properties,
        });
    }
    out.extend(people.into_values());
    out.extend(organisations.into_values());
    out
}

/// The entities as JSON lines.
pub fn json_lines(entities: &[Entity]) -> String {
    let mut out = String::new();
    for entity in entities {
        if let Ok(line) = serde_json::to_string(entity) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_from_names_and_texts() {
        assert_eq!(
            bare_address("Anna <Anna@Example.org>").as_deref(),
            Some("anna@example.org")
        );
        assert_eq!(bare_address("nobody"), None);
        assert_eq!(
            mentioned_addresses("Write to a@b.org, or (c@d.net). Not @home."),
            vec!["a@b.org", "c@d.net"]
        );
    }
}

//! Evidence from the cache as a whole: replies whose parents are in it.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::{Evidence, Strength};

/// An email document: its id, path and metadata (as ingest recorded it).
pub struct MailDoc<'a> {
    pub id: &'a str,
    pub path: &'a str,
    pub metadata: &'a Value,
}

fn ids(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

fn clean(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').to_owned()
}

/// For each reply: whether its parent (In-Reply-To) is in the cache, and
/// whether the parent is dated before it.
pub fn thread_evidence(mail: &[MailDoc<'_>]) -> HashMap<String, Vec<Evidence>> {
    let mut by_message_id: HashMap<String, &MailDoc<'_>> = HashMap::new();
    for doc in mail {
        if let Some(id) = doc.metadata.get("message_id").and_then(Value::as_str) {
            by_message_id.entry(clean(id)).or_insert(doc);
        }
    }
    let date = |doc: &MailDoc<'_>| {
        doc.metadata
            .get("date")
            .and_then(Value::as_str)
            .and_then(crate::metadata::parse_date)
    };
    let mut out: HashMap<String, Vec<Evidence>> = HashMap::new();
    for doc in mail {
        let Some(parent_id) = ids(doc.metadata.get("in_reply_to")).first().map(|id| clean(id)) else {
            continue;
        };
        let evidence = match by_message_id.get(&parent_id) {
            Some(parent) => match (date(parent), date(doc)) {
                (Some(p), Some(c)) if p > c + 300 => Evidence::new(
                    "thread",
                    Strength::Against,
                    json!({ "in_reply_to": parent_id, "parent": parent.path }),
                    format!("Replies to {} but is dated before it.", parent.path),
                ),
                _ => Evidence::new(
                    "thread",
                    Strength::Supporting,
                    json!({ "in_reply_to": parent_id, "parent": parent.path }),
                    format!(
                        "Replies to a message that is in the cache ({}), dated before it.",
                        parent.path
                    ),
                ),
            },
            None => Evidence::new(
                "thread",
                Strength::Neutral,
                json!({ "in_reply_to": parent_id }),
                "Replies to a message that is not in the cache.",
            ),
        };
        out.entry(doc.id.to_owned()).or_default().push(evidence);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_find_their_parents() {
        let parent = json!({ "message_id": "<p@x.example>", "date": "2015-03-01T10:00:00+00:00" });
        let reply = json!({ "message_id": "<r@x.example>", "in_reply_to": ["<p@x.example>"], "date": "2015-03-01T11:00:00+00:00" });
        let early =
            json!({ "message_id": "<e@x.example>", "in_reply_to": "p@x.example", "date": "2015-02-01T11:00:00+00:00" });
        let orphan = json!({ "message_id": "<o@x.example>", "in_reply_to": ["<gone@x.example>"] });
        let mail = [
            MailDoc {
                id: "p",
                path: "a.eml",
                metadata: &parent,
            },
            MailDoc {
                id: "r",
                path: "b.eml",
                metadata: &reply,
            },
            MailDoc {
                id: "e",
                path: "c.eml",
                metadata: &early,
            },
            MailDoc {
                id: "o",
                path: "d.eml",
                metadata: &orphan,
            },
        ];
        let found = thread_evidence(&mail);
        assert!(!found.contains_key("p"));
        assert_eq!(found["r"][0].strength, Strength::Supporting);
        assert_eq!(found["r"][0].facts["parent"], "a.eml");
        assert_eq!(found["e"][0].strength, Strength::Against);
        assert_eq!(found["o"][0].strength, Strength::Neutral);
    }
}

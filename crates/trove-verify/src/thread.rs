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

fn key_of(message_id: &str) -> u128 {
    let hash = blake3::hash(message_id.as_bytes());
    u128::from_le_bytes(hash.as_bytes()[..16].try_into().unwrap_or_default())
}

fn date(metadata: &Value) -> Option<i64> {
    metadata
        .get("date")
        .and_then(Value::as_str)
        .and_then(crate::metadata::parse_date)
}

/// Every message of a cache by its Message-ID: the document (its id) and
/// its date, about 60 bytes a message, so that the replies of a cache of
/// any size find their parents without holding the cache's metadata.
#[derive(Debug, Default)]
pub struct ThreadIndex {
    by_message_id: HashMap<u128, (String, Option<i64>)>,
}

/// What a reply's evidence needs: the Message-ID it replies to, and the
/// parent document (id, date) if the cache holds it.
pub struct Reply {
    pub parent_id: String,
    pub parent: Option<(String, Option<i64>)>,
}

impl ThreadIndex {
    /// Adds a message; the first document with a Message-ID keeps it.
    pub fn add(&mut self, doc_id: &str, metadata: &Value) {
        if let Some(id) = metadata.get("message_id").and_then(Value::as_str) {
            self.by_message_id
                .entry(key_of(&clean(id)))
                .or_insert_with(|| (doc_id.to_owned(), date(metadata)));
        }
    }

    /// The message a document replies to (In-Reply-To), if it is a reply.
    pub fn reply(&self, metadata: &Value) -> Option<Reply> {
        let parent_id = ids(metadata.get("in_reply_to")).first().map(|id| clean(id))?;
        let parent = self.by_message_id.get(&key_of(&parent_id)).cloned();
        Some(Reply { parent_id, parent })
    }
}

/// The evidence of a reply: whether its parent is in the cache (at
/// `parent_path`), and whether the parent is dated before it.
pub fn reply_evidence(reply: &Reply, parent_path: Option<&str>, metadata: &Value) -> Evidence {
    let parent_id = &reply.parent_id;
    match (&reply.parent, parent_path) {
        (Some((_, parent_date)), Some(path)) => match (parent_date, date(metadata)) {
            (Some(p), Some(c)) if *p > c + 300 => Evidence::new(
                "thread",
                Strength::Against,
                json!({ "in_reply_to": parent_id, "parent": path }),
                format!("Replies to {path} but is dated before it."),
            ),
            _ => Evidence::new(
                "thread",
                Strength::Supporting,
                json!({ "in_reply_to": parent_id, "parent": path }),
                format!("Replies to a message that is in the cache ({path}), dated before it."),
            ),
        },
        _ => Evidence::new(
            "thread",
            Strength::Neutral,
            json!({ "in_reply_to": parent_id }),
            "Replies to a message that is not in the cache.",
        ),
    }
}

/// For each reply of `mail`: whether its parent (In-Reply-To) is in the
/// cache, and whether the parent is dated before it.
pub fn thread_evidence(mail: &[MailDoc<'_>]) -> HashMap<String, Vec<Evidence>> {
    let mut index = ThreadIndex::default();
    for doc in mail {
        index.add(doc.id, doc.metadata);
    }
    let path_of: HashMap<&str, &str> = mail.iter().map(|d| (d.id, d.path)).collect();
    let mut out: HashMap<String, Vec<Evidence>> = HashMap::new();
    for doc in mail {
        let Some(reply) = index.reply(doc.metadata) else {
            continue;
        };
        let parent_path = reply
            .parent
            .as_ref()
            .and_then(|(id, _)| path_of.get(id.as_str()).copied());
        out.entry(doc.id.to_owned())
            .or_default()
            .push(reply_evidence(&reply, parent_path, doc.metadata));
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

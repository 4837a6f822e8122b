//! What a document's page shows beyond its text: a mail as a mail (its
//! headers, its attachments, its thread), where it had already been
//! published (the passages and the publication), and the pages of a PDF
//! or an image drawn for the eye by the confined worker.

use serde::{Deserialize, Serialize};
use trove_ingest::pixels::{PixelJob, render_pixels};
use trove_store::{DeskRepo as _, DocumentRecord, DocumentRepo as _, PublishedRepo as _};

use crate::{AppError, Newsroom};

/// Resolution of a preview page: legible on a screen, quick to draw.
const PREVIEW_DPI: u32 = 100;

/// A mail's headers as its page shows them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MailHeaders {
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub subject: String,
    pub date: String,
}

/// Another document a page links to.
#[derive(Debug, Clone, Serialize)]
pub struct Linked {
    pub id: String,
    pub path: String,
    /// Its type (attachments) or how it relates (`parent`, `reply`).
    pub what: String,
}

/// A publication a document overlaps, as the last overlap run found it,
/// with the passages of this document's text found there.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedMatch {
    pub corpus: String,
    pub publisher: String,
    pub date: String,
    pub document: String,
    pub by: String,
    pub similarity: f64,
    pub passages: Vec<Passage>,
    /// The opening of the published text, for a match of the whole
    /// document (exact or near), when its text was kept.
    pub opening: Option<String>,
}

/// A passage of the document and the same passage where it was
/// published (None when the publication's text was not kept: a corpus
/// imported before texts were, or a passage that could not be placed).
#[derive(Debug, Clone, Serialize)]
pub struct Passage {
    pub ours: String,
    pub published: Option<String>,
}

/// How much of a published text opens a whole-document match.
const OPENING_BYTES: usize = 600;

/// The overlap report's match as stored for the page.
#[derive(Deserialize)]
struct StoredMatch {
    corpus: String,
    publisher: String,
    date: String,
    document: String,
    /// The published document's number (absent in facts stored before
    /// published texts were kept).
    #[serde(default)]
    published: Option<u32>,
    by: String,
    similarity: f64,
    #[serde(default)]
    spans: Vec<(usize, usize)>,
}

/// Everything a document's page shows besides its text and evidence.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Reading {
    pub mail: Option<MailHeaders>,
    pub attachments: Vec<Linked>,
    pub thread: Vec<Linked>,
    pub matches: Vec<PublishedMatch>,
    /// Its overlap class and the corpus of its best match, as the last
    /// overlap run found them.
    pub overlap: Option<String>,
    pub corpus: Option<String>,
    /// (kind, name) of the entities triage found in it.
    pub entities: Vec<(String, String)>,
    /// Pages that can be drawn (a PDF's count, 1 for an image).
    pub pages: Option<u32>,
}

fn strings(doc: &DocumentRecord, key: &str) -> Vec<String> {
    match doc.metadata.get(key) {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The text at a byte range, widened to character boundaries.
fn cut(text: &str, (start, end): (usize, usize)) -> Option<&str> {
    let start = (0..=start.min(text.len())).rev().find(|&i| text.is_char_boundary(i))?;
    let end = (end.min(text.len())..=text.len()).find(|&i| text.is_char_boundary(i))?;
    (start < end).then(|| text[start..end].trim())
}

/// The passages of `text` at `spans` (byte ranges), cut at character
/// boundaries.
fn passages(text: &str, spans: &[(usize, usize)]) -> Vec<String> {
    spans
        .iter()
        .filter_map(|&span| cut(text, span).map(str::to_owned))
        .take(10)
        .collect()
}

/// Each passage beside where it stands in the published text.
fn placed(passages: Vec<String>, published: Option<&str>) -> Vec<Passage> {
    let places = match published {
        Some(published) => {
            let ours: Vec<&str> = passages.iter().map(String::as_str).collect();
            trove_overlap::text::find_passages(&ours, published)
                .into_iter()
                .map(|place| place.and_then(|span| cut(published, span)).map(str::to_owned))
                .collect()
        }
        None => vec![None; passages.len()],
    };
    passages
        .into_iter()
        .zip(places)
        .map(|(ours, published)| Passage { ours, published })
        .collect()
}

/// The opening of a text, cut at a word.
fn opening(text: &str) -> String {
    if text.len() <= OPENING_BYTES {
        return text.trim().to_owned();
    }
    let end = (0..=OPENING_BYTES)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let end = text[..end].rfind(char::is_whitespace).unwrap_or(end);
    format!("{} …", text[..end].trim())
}

impl Newsroom {
    /// What a document's page shows besides its text: `text` is its text
    /// (read already for the page), to cut the published passages from.
    pub async fn reading(&self, doc: &DocumentRecord, text: &str) -> Result<Reading, AppError> {
        let mut reading = Reading::default();
        if doc.doc_type == "email" {
            let metadata_text = |key: &str| doc.metadata.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
            reading.mail = Some(MailHeaders {
                from: strings(doc, "from"),
                to: strings(doc, "to"),
                subject: metadata_text("subject"),
                date: metadata_text("date"),
            });
            let message_id = doc.metadata.get("message_id").and_then(|v| v.as_str());
            let mut parents = strings(doc, "in_reply_to");
            parents.extend(strings(doc, "references"));
            parents.sort();
            parents.dedup();
            reading.thread = self
                .repo()
                .thread(&doc.submission, message_id, &parents)
                .await?
                .into_iter()
                .filter(|(id, _, _)| *id != doc.id)
                .map(|(id, path, relation)| Linked {
                    id,
                    path,
                    what: relation.to_owned(),
                })
                .collect();
        }
        reading.attachments = self
            .repo()
            .children(&doc.id)
            .await?
            .into_iter()
            .map(|(id, path, doc_type)| Linked {
                id,
                path,
                what: doc_type,
            })
            .collect();
        let facts = self
            .repo()
            .desk_facts(&[doc.id.as_str()])
            .await?
            .remove(&doc.id)
            .unwrap_or_default();
        reading.overlap = facts.overlap;
        reading.corpus = facts.corpus;
        reading.entities = facts.entities;
        if let Some(stored) = facts.matches {
            let stored: Vec<StoredMatch> = serde_json::from_str(&stored).unwrap_or_default();
            let opener = self.opener()?;
            for m in stored {
                let published = match m.published {
                    Some(id) => self.published_text(&opener, id).await?,
                    None => None,
                };
                let whole = m.spans.is_empty();
                reading.matches.push(PublishedMatch {
                    passages: placed(passages(text, &m.spans), published.as_deref()),
                    opening: published.as_deref().filter(|_| whole).map(opening),
                    corpus: m.corpus,
                    publisher: m.publisher,
                    date: m.date,
                    document: m.document,
                    by: m.by,
                    similarity: m.similarity,
                });
            }
        }
        reading.pages = match doc.doc_type.as_str() {
            "pdf" => doc.metadata.get("pages").and_then(|p| p.as_u64()).map(|p| p as u32),
            "image" => Some(1),
            _ => None,
        };
        Ok(reading)
    }

    /// A published document's text, when its corpus kept it.
    async fn published_text(
        &self,
        opener: &trove_store::BlobOpener<trove_store::AnyBackend>,
        id: u32,
    ) -> Result<Option<String>, AppError> {
        let Some(text) = self.repo().published_document(id).await?.and_then(|d| d.text) else {
            return Ok(None);
        };
        Ok(Some(trove_store::read_text(opener, &text)?))
    }

    /// A document's bytes as they came, found again in its submission.
    pub async fn original(&self, id: &str) -> Result<(DocumentRecord, Vec<u8>), AppError> {
        let doc = self
            .repo()
            .document(id)
            .await?
            .ok_or_else(|| AppError::NoDocument(id.to_owned()))?;
        let record = self.submission(&doc.submission).await?;
        let opener = self.opener()?;
        let limits = self.dir().ingest_limits();
        let submission = doc.submission.to_string();
        let path = doc.path.clone();
        let wanted = doc.id.clone();
        let bytes = tokio::task::spawn_blocking(move || -> Result<Option<Vec<u8>>, AppError> {
            let files = trove_store::read_manifest(&opener, &record)?.files;
            let mut found = None;
            // Only the top-level file the document came from is walked.
            for file in files
                .iter()
                .filter(|f| path == f.path || path.starts_with(&format!("{}/", f.path)))
            {
                trove_ingest::walk_submission_file(&opener, file, &limits, |at, _, bytes| {
                    if found.is_none() && trove_ingest::document_id(&submission, at) == wanted {
                        found = Some(bytes.to_vec());
                    }
                });
            }
            Ok(found)
        })
        .await
        .map_err(|e| AppError::Join(e.to_string()))??;
        let bytes =
            bytes.ok_or_else(|| AppError::NoDocument(format!("{id} (its bytes were not found in its submission)")))?;
        Ok((doc, bytes))
    }

    /// Page `page` (from 1) of a PDF or an image, drawn as a JPEG by the
    /// confined worker (the original is untrusted).
    pub async fn preview(&self, id: &str, page: u32) -> Result<Vec<u8>, AppError> {
        let (doc, bytes) = self.original(id).await?;
        let job = PixelJob {
            doc_type: doc.doc_type.clone(),
            secrets: Vec::new(),
            dpi: PREVIEW_DPI,
            ocr_language: String::new(),
            max_pages: u32::MAX,
            preview: Some(page),
        };
        let limits = self.dir().ingest_limits();
        let drawn = tokio::task::spawn_blocking(move || render_pixels(&bytes, &job, &limits))
            .await
            .map_err(|e| AppError::Join(e.to_string()))?;
        drawn.map(|(jpeg, _)| jpeg).map_err(|e| AppError::Preview {
            document: doc.path,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::passages;

    #[test]
    fn passages_are_cut_at_character_boundaries() {
        let text = "Привет, world: the contract";
        assert_eq!(passages(text, &[(21, 33)]), vec!["the contract"]);
        // A span inside a two-byte letter widens to the whole letter.
        assert_eq!(passages(text, &[(1, 3)]), vec!["Пр"]);
        assert!(passages(text, &[(40, 50)]).is_empty());
    }
}

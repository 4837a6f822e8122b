//! Journalists' own records on documents and submissions: tags, notes,
//! stars, and marks proposing that a document be withheld or redacted
//! (a new release of its submission withholds the first, and lists the
//! second for its editor). Each keeps who and
//! which day; tags, stars and marks are listed at once, so lists narrow by
//! them.

use std::str::FromStr;

use serde::Serialize;
use trove_publish::WithholdReason;
use trove_store::{Day, DeskRepo as _, DocumentRepo as _, MarkRow, NoteRow, TagRow};

use crate::{AppError, Newsroom};

/// The longest tag and note accepted.
const MAX_TAG: usize = 64;
const MAX_NOTE: usize = 10_000;

/// What a document or submission carries from journalists.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Annotations {
    pub tags: Vec<TagRow>,
    pub notes: Vec<NoteRow>,
    /// Who starred it (documents only).
    pub starred_by: Vec<String>,
    pub mark: Option<MarkRow>,
}

/// A withholding (with its reason code) or a redaction proposed on a
/// document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Withhold(WithholdReason),
    Redact,
}

impl Mark {
    /// From a form's `mark` (`withhold`, `redact`) and `code` (a
    /// withholding's reason code).
    pub fn parse(mark: &str, code: &str) -> Result<Mark, AppError> {
        match mark {
            "redact" => Ok(Mark::Redact),
            "withhold" => match WithholdReason::from_str(code) {
                Ok(WithholdReason::CannotRender) | Err(_) => Err(AppError::BadAnnotation(format!(
                    "{code:?} is not a reason to withhold (SOURCE_PROTECTION, PRIVACY, LEGAL, NOT_AUTHENTIC, DUPLICATE, OUT_OF_SCOPE)"
                ))),
                Ok(reason) => Ok(Mark::Withhold(reason)),
            },
            other => Err(AppError::BadAnnotation(format!(
                "{other:?} is not a mark (withhold or redact)"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Withhold(_) => "withhold",
            Mark::Redact => "redact",
        }
    }
}

/// A tag as stored: trimmed, lower case, inner spaces as `-`; refused when
/// empty, too long or holding a `/` (facet values are `group/value`).
pub fn normalize_tag(tag: &str) -> Result<String, AppError> {
    let tag: String = tag
        .trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-");
    if tag.is_empty() || tag.chars().count() > MAX_TAG || tag.contains('/') || tag.chars().any(char::is_control) {
        return Err(AppError::BadAnnotation(format!(
            "a tag is 1 to {MAX_TAG} characters without '/': {tag:?}"
        )));
    }
    Ok(tag)
}

impl Newsroom {
    /// The target of an annotation: a document id or a submission id,
    /// which must exist. True for a document.
    async fn annotation_target(&self, target: &str) -> Result<bool, AppError> {
        if self.repo().document(target).await?.is_some() {
            return Ok(true);
        }
        let submission = target.parse().map_err(|_| AppError::NoDocument(target.to_owned()))?;
        self.submission(&submission).await?;
        Ok(false)
    }

    /// Tags a document or submission; false if it had the tag already.
    pub async fn add_tag(&self, target: &str, tag: &str, user: &str) -> Result<bool, AppError> {
        let tag = normalize_tag(tag)?;
        let document = self.annotation_target(target).await?;
        let added = self
            .repo()
            .add_tag(&TagRow {
                target: target.to_owned(),
                tag,
                user: user.to_owned(),
                day: Day::today().to_string(),
            })
            .await?;
        if added && document {
            self.relist_documents(&[target]).await?;
        }
        Ok(added)
    }

    /// Takes a tag off; false if it was not there.
    pub async fn remove_tag(&self, target: &str, tag: &str) -> Result<bool, AppError> {
        let tag = normalize_tag(tag)?;
        let document = self.annotation_target(target).await?;
        let removed = self.repo().remove_tag(target, &tag).await?;
        if removed && document {
            self.relist_documents(&[target]).await?;
        }
        Ok(removed)
    }

    /// Every tag in use, with how many documents and submissions carry it.
    pub async fn tags(&self) -> Result<Vec<(String, u64)>, AppError> {
        Ok(self.repo().tag_counts().await?)
    }

    /// Adds a note to a document or submission.
    pub async fn add_note(&self, target: &str, text: &str, user: &str) -> Result<(), AppError> {
        let text = text.trim();
        if text.is_empty() || text.len() > MAX_NOTE {
            return Err(AppError::BadAnnotation(format!(
                "a note is 1 to {MAX_NOTE} bytes (this one is {})",
                text.len()
            )));
        }
        let document = self.annotation_target(target).await?;
        self.repo().add_note(target, user, Day::today(), text).await?;
        if document {
            self.relist_documents(&[target]).await?;
        }
        Ok(())
    }

    /// Notes holding every word of `words`, newest first.
    pub async fn search_notes(&self, words: &str, limit: usize) -> Result<Vec<NoteRow>, AppError> {
        let words: Vec<&str> = words.split_whitespace().collect();
        Ok(self.repo().search_notes(&words, limit).await?)
    }

    /// Stars or unstars a document for a user.
    pub async fn set_star(&self, document: &str, user: &str, on: bool) -> Result<(), AppError> {
        if !self.annotation_target(document).await? {
            return Err(AppError::NoDocument(document.to_owned()));
        }
        self.repo().set_star(document, user, Day::today(), on).await?;
        self.relist_documents(&[document]).await
    }

    /// Proposes that a document be withheld or redacted (with a reason),
    /// or clears the proposal.
    pub async fn set_mark(&self, document: &str, mark: Option<(Mark, &str)>, user: &str) -> Result<(), AppError> {
        if !self.annotation_target(document).await? {
            return Err(AppError::NoDocument(document.to_owned()));
        }
        let row = match mark {
            Some((mark, reason)) => {
                let reason = reason.trim();
                if reason.is_empty() || reason.len() > MAX_NOTE {
                    return Err(AppError::BadAnnotation("a mark needs a reason".into()));
                }
                Some(MarkRow {
                    document_id: document.to_owned(),
                    mark: mark.as_str().to_owned(),
                    code: match mark {
                        Mark::Withhold(reason) => Some(reason.code().to_owned()),
                        Mark::Redact => None,
                    },
                    reason: reason.to_owned(),
                    user: user.to_owned(),
                    day: Day::today().to_string(),
                })
            }
            None => None,
        };
        self.repo().set_mark(document, row.as_ref()).await?;
        self.relist_documents(&[document]).await
    }

    /// What journalists recorded on a document or submission.
    pub async fn annotations(&self, target: &str) -> Result<Annotations, AppError> {
        let tags = self.repo().tags_of(target).await?;
        let notes = self.repo().notes_of(target).await?;
        let facts = self
            .repo()
            .desk_facts(&[target])
            .await?
            .remove(target)
            .unwrap_or_default();
        let mark = self.repo().mark_of(target).await?;
        Ok(Annotations {
            tags,
            notes,
            starred_by: facts.starred_by,
            mark,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_tag;

    #[test]
    fn tags_are_normalized_or_refused() {
        assert_eq!(normalize_tag("  Follow Up ").unwrap(), "follow-up");
        assert!(normalize_tag("").is_err());
        assert!(normalize_tag("a/b").is_err());
        assert!(normalize_tag(&"x".repeat(65)).is_err());
    }
}

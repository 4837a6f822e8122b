//! Why a document is withheld from a release: a closed list of codes, so
//! that the log's counts mean the same thing in every release.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::PublishError;

/// A reason code for withholding a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WithholdReason {
    /// It could name or lead to the source.
    SourceProtection,
    /// It exposes private people's lives beyond the public interest.
    Privacy,
    /// Counsel advised against it.
    Legal,
    /// Verification found it suspicious.
    NotAuthentic,
    /// Another document of the release carries the same content.
    Duplicate,
    /// It has nothing to do with the story.
    OutOfScope,
    /// trove cannot re-render its format safely (an unreadable, encrypted
    /// or unknown file): it is never published as it came.
    CannotRender,
}

impl WithholdReason {
    pub const ALL: [WithholdReason; 7] = [
        WithholdReason::SourceProtection,
        WithholdReason::Privacy,
        WithholdReason::Legal,
        WithholdReason::NotAuthentic,
        WithholdReason::Duplicate,
        WithholdReason::OutOfScope,
        WithholdReason::CannotRender,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WithholdReason::SourceProtection => "SOURCE_PROTECTION",
            WithholdReason::Privacy => "PRIVACY",
            WithholdReason::Legal => "LEGAL",
            WithholdReason::NotAuthentic => "NOT_AUTHENTIC",
            WithholdReason::Duplicate => "DUPLICATE",
            WithholdReason::OutOfScope => "OUT_OF_SCOPE",
            WithholdReason::CannotRender => "CANNOT_RENDER",
        }
    }
}

impl fmt::Display for WithholdReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for WithholdReason {
    type Err = PublishError;

    fn from_str(text: &str) -> Result<Self, PublishError> {
        WithholdReason::ALL
            .into_iter()
            .find(|r| r.code() == text)
            .ok_or_else(|| PublishError::UnknownReason(text.chars().take(40).collect()))
    }
}

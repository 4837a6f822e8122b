//! Verify: authenticity evidence for every document, a verdict for every
//! submission.
//!
//! Each document gets a list of [`Evidence`]: what kind, how strong
//! ([`Strength`]), the facts it rests on, and one sentence a journalist can
//! read. Evidence comes from the mail itself (DKIM signatures checked
//! against archived keys as of the message's date, Received-header times),
//! from the cache as a whole (threads: replies whose parents are in it),
//! and from metadata that cannot be true (modified before created, a
//! producer version released after the claimed creation date, dates in the
//! future, PDFs updated long after they were made). The rules that turn
//! evidence into a [`Verdict`] are [`verdict`]'s, written down in
//! docs/verify.md.
//!
//! What this crate must never do: change a document, reach the network, or
//! decide what the newsroom does with a submission (that is policy's job).

mod keys;
mod mail;
mod metadata;
mod run;
mod thread;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use keys::{KeyArchive, KeyFileError, parse_key_file};
pub use mail::mail_evidence;
pub use metadata::{metadata_evidence, parse_date};
pub use run::{
    DocumentVerification, Summary, VerdictShare, VerifyError, VerifyReport, verify_streaming, verify_submission,
};
pub use thread::{ThreadIndex, reply_evidence, thread_evidence};

/// How much a piece of evidence weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// Enough on its own: a valid signature over the whole body with an
    /// archived key of adequate strength.
    Strong,
    /// Fits an authentic document without proving it.
    Supporting,
    /// A fact recorded that weighs neither way (a signature whose key is
    /// not in the archive, a reply whose parent is not in the cache).
    Neutral,
    /// Speaks against authenticity.
    Against,
}

/// One piece of evidence about one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// `dkim`, `received`, `thread`, `dates`, `producer`, `pdf-updates`, `exif`.
    pub kind: String,
    pub strength: Strength,
    /// The facts it rests on (domain, selector, key fingerprint, …).
    pub facts: Map<String, Value>,
    /// One sentence a journalist can read.
    pub sentence: String,
}

impl Evidence {
    pub fn new(kind: &str, strength: Strength, facts: Value, sentence: impl Into<String>) -> Self {
        Evidence {
            kind: kind.to_owned(),
            strength,
            facts: match facts {
                Value::Object(map) => map,
                _ => Map::new(),
            },
            sentence: sentence.into(),
        }
    }
}

/// A document's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Verified,
    Consistent,
    Suspicious,
    Unverifiable,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Consistent => "consistent",
            Verdict::Suspicious => "suspicious",
            Verdict::Unverifiable => "unverifiable",
        }
    }

    pub const ALL: [Verdict; 4] = [
        Verdict::Verified,
        Verdict::Consistent,
        Verdict::Suspicious,
        Verdict::Unverifiable,
    ];
}

/// The rules (docs/verify.md):
///
/// 1. Evidence against, unless explained: **suspicious**. A failed DKIM
///    signature is explained when another signature of the same message
///    verifies strongly (a list footer or a relay can break one signature
///    and not another); nothing else is explained away.
/// 2. Else strong evidence: **verified**.
/// 3. Else supporting evidence: **consistent**.
/// 4. Else: **unverifiable**.
pub fn verdict(evidence: &[Evidence]) -> Verdict {
    let strong = evidence.iter().any(|e| e.strength == Strength::Strong);
    let strong_dkim = evidence
        .iter()
        .any(|e| e.strength == Strength::Strong && e.kind == "dkim");
    let unexplained = evidence
        .iter()
        .any(|e| e.strength == Strength::Against && !(e.kind == "dkim" && strong_dkim));
    if unexplained {
        Verdict::Suspicious
    } else if strong {
        Verdict::Verified
    } else if evidence.iter().any(|e| e.strength == Strength::Supporting) {
        Verdict::Consistent
    } else {
        Verdict::Unverifiable
    }
}

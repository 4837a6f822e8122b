//! Triage: what a submission contains, how significant it is, and what the
//! newsroom's policy proposes to do with it.
//!
//! * [`entities`]: people, organisations, places, money with its currency,
//!   dates, e-mail addresses, phone numbers and classification markings,
//!   by rules and by the gazetteer shipped in `gazetteer/` (extendable from
//!   configuration), plus hits on the newsroom's watch list.
//! * [`score`]: a significance score from 0 to 100 in which every
//!   contribution is named with the facts behind it.
//! * [`policy`]: `policy.toml`, identified by its SHA-256, and the decision
//!   function: accept, reject (reasons) or defer (what is missing).
//!
//! What this crate must never do: give a country, a language or any origin
//! a weight of its own. Places are found (editors see them) but score
//! nothing; a watch list may not name a country, capital or demonym; and
//! the decision function takes a [`policy::Case`], a type with no origin
//! field. The country-swap test checks all three over a generated corpus.

pub mod entities;
pub mod gazetteer;
pub mod policy;
mod report;
pub mod score;

pub use entities::{DocumentEntities, EntityKind, Extractor};
pub use gazetteer::Gazetteer;
pub use policy::{Case, Missing, NovelShareBy, Outcome, Policy, Proposal, Reason};
pub use report::TriageReport;
pub use score::{Contribution, EntityTally, Significance, SubmissionFacts, significance};

/// Errors of triage, each naming the file, field or entry concerned.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    #[error("{file}: {reason}")]
    Policy { file: String, reason: String },
    #[error("gazetteer {file}, line {line}: {reason}")]
    Gazetteer { file: String, line: usize, reason: String },
    #[error("watch list entry {entry:?}: {reason}")]
    WatchList { entry: String, reason: String },
}

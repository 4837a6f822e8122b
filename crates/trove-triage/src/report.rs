//! [`TriageReport`]: what triage found and proposed, as it is stored with
//! the submission and shown on the desk.

use serde::{Deserialize, Serialize};
use trove_store::SubmissionId;

use crate::{Case, Proposal, Significance};

/// A submission's triage: the case the policy saw, its significance with
/// every contribution, and the policy's proposal. It round-trips through
/// JSON, which is how the database keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageReport {
    pub submission: SubmissionId,
    /// The SHA-256 (hex) of the policy it was made under.
    pub policy: String,
    pub case: Case,
    pub significance: Significance,
    pub proposal: Proposal,
}

impl TriageReport {
    /// The proposal's reason codes, in order.
    pub fn proposed_codes(&self) -> Vec<String> {
        self.proposal.reasons.iter().map(|r| r.code.clone()).collect()
    }

    /// The novel share, if overlap was measured.
    pub fn novel_share(&self) -> Option<f64> {
        (!self.case.missing.contains(&crate::Missing::Overlap)).then_some(self.case.novel_share)
    }
}

//! Releases: built from an accepted submission, documents held back with
//! a reason, redactions proposed by one person and confirmed by another,
//! then published: every document rendered from what remains, checked for
//! residue, listed in a manifest whose root an editor signs into the log,
//! and sealed into a folder the archive serves and mirrors copy.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};
use trove_ingest::pixels::{PixelJob, PixelSummary, render_pixels};
use trove_keys::StatementRole;
use trove_ledger::statement::Statement;
use trove_ledger::{DirFetch, HttpFetch};
use trove_publish::folder::{self, ReleaseCheck};
use trove_publish::manifest::{Counts, Manifest, ManifestRecord, RecordStatus, file_name};
use trove_publish::render::{PlanInput, rendered_text};
use trove_publish::{Plan, Proposer, SourceFlag, SpanKind, WithholdReason, commitment, document_salt, flags, plan};
use trove_store::{
    Day, DecisionRepo as _, DeskRepo as _, DocStatus, DocumentRecord, DocumentRepo as _, DocumentTexts, MarkRow,
    NewRedaction, Outcome, RedactionRow, RedactionState, ReleaseRecord, ReleaseRepo as _, ReleaseState, SubmissionId,
    UserRepo as _, VerificationRepo as _, WithheldRow,
};

use crate::{AppError, Newsroom, Progress};

/// Resolution of pages drawn for publication: enough for OCR to read
/// ordinary print back, and a page stays a few hundred kilobytes.
const RENDER_DPI: u32 = 150;
/// The most pages of one document drawn as pixels.
const MAX_PAGES: u32 = 2000;

/// A release as the desk and `trove release show` see it.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseView {
    pub id: String,
    pub submission: SubmissionId,
    pub state: ReleaseState,
    pub created_day: Day,
    pub created_by: String,
    pub documents: u64,
    pub withheld: Vec<WithheldView>,
    pub redactions: RedactionCounts,
    /// Documents with redactions still waiting for a reviewer.
    pub awaiting_review: Vec<String>,
    /// Documents journalists proposed on the desk to redact.
    pub proposed_on_desk: Vec<MarkRow>,
    pub log_index: Option<u64>,
    pub root: Option<String>,
    pub folder: Option<PathBuf>,
}

/// A held-back document with its path.
#[derive(Debug, Clone, Serialize)]
pub struct WithheldView {
    pub document: String,
    pub path: String,
    pub reason: String,
    pub note: Option<String>,
    pub by: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RedactionCounts {
    pub proposed: u64,
    pub confirmed: u64,
    pub rejected: u64,
}

/// One document of a release, for review: the text the release would
/// publish, its redactions, and what could name the source.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentReview {
    pub release: String,
    pub document: String,
    pub path: String,
    pub doc_type: String,
    /// How it would be published: original, text, pixels, container or
    /// withheld.
    pub plan: String,
    pub withheld: Option<WithheldRow>,
    pub text: String,
    pub redactions: Vec<RedactionRow>,
    pub flags: Vec<SourceFlag>,
}

/// What `propose` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProposeReport {
    pub documents: u64,
    pub proposed: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// Documents with source-protection flags.
    pub flagged_documents: u64,
    /// Documents with a near-identical copy in the submission that
    /// differs in a few words (a possible per-recipient mark), whose
    /// differing words were proposed.
    pub watermarked_documents: u64,
}

/// A published release.
#[derive(Debug, Clone, Serialize)]
pub struct PublishReport {
    pub release: String,
    pub root: String,
    pub log_index: u64,
    pub folder: PathBuf,
    pub counts: Counts,
    pub burned_boxes: u64,
    pub tracking_dot_pages: u64,
    /// What read every output back for the residue check.
    pub checked_with: Vec<&'static str>,
    /// Documents that could not be drawn and were held back as
    /// CANNOT_RENDER while publishing.
    pub held_at_publish: Vec<HeldAtPublish>,
    /// Documents the public archive now serves from the release.
    pub archived_documents: u64,
}

/// A span to add by hand: a byte range of the rendered text, or every
/// occurrence of a string.
#[derive(Debug, Clone)]
pub enum SpanRequest {
    Range { start: u64, end: u64 },
    Text(String),
}

/// A document in path order, without its text.
struct Entry {
    id: String,
    path: String,
    content_id: String,
}

/// What publishing decided for one document.
#[derive(Default)]
struct DocumentOutcome {
    status: Option<RecordStatus>,
    redactions: u32,
    published: Option<[u8; 32]>,
    file: Option<String>,
}

fn readable(status: DocStatus) -> bool {
    matches!(status, DocStatus::Ok)
}

fn plan_name(plan: &Plan) -> &'static str {
    match plan {
        Plan::Container => "container",
        Plan::Original { .. } => "original",
        Plan::Text => "text",
        Plan::Pixels => "pixels",
        Plan::CannotRender(_) => "cannot_render",
    }
}

pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::Random(e.to_string()))?;
    Ok(bytes)
}

/// The `d=` and `s=` of each DKIM-Signature in a message's header.
fn dkim_selectors(message: &[u8]) -> Vec<(String, String)> {
    let end = message
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| message.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(message.len());
    let header = String::from_utf8_lossy(&message[..end]);
    let unfolded = header.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ");
    let mut out = Vec::new();
    for line in unfolded.lines() {
        let Some(value) = line
            .split_once(':')
            .filter(|(name, _)| name.eq_ignore_ascii_case("DKIM-Signature"))
            .map(|(_, v)| v)
        else {
            continue;
        };
        let tag = |name: &str| {
            value.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                (k.trim() == name).then(|| v.split_whitespace().collect::<String>())
            })
        };
        if let (Some(domain), Some(selector)) = (tag("d"), tag("s")) {
            out.push((selector.to_ascii_lowercase(), domain.to_ascii_lowercase()));
        }
    }
    out
}

impl Newsroom {
    /// The protect list: names that are proposed for redaction wherever
    /// they appear and must not survive in any released byte
    /// (`protect.txt` in the data directory, one name a line).
    pub fn protect_list(&self) -> Result<Vec<String>, AppError> {
        let path = self.dir().root.join("protect.txt");
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(AppError::io(&path)(e)),
        }
    }

    /// The folder releases are sealed into (served by the archive).
    pub fn archive_dir(&self) -> PathBuf {
        self.dir().root.join("archive")
    }

    pub(crate) async fn desk_user(&self, name: &str) -> Result<(), AppError> {
        match self.repo().user(name).await? {
            Some(user) if !user.disabled => Ok(()),
            _ => Err(AppError::NoUser(name.to_owned())),
        }
    }

    pub(crate) async fn release_record(&self, id: &str) -> Result<ReleaseRecord, AppError> {
        self.repo()
            .release(id)
            .await?
            .ok_or_else(|| AppError::NoRelease(id.to_owned()))
    }

    /// The documents a release holds back.
    pub(crate) async fn held_back(&self, release: &str) -> Result<HashSet<String>, AppError> {
        Ok(self
            .repo()
            .withheld(release)
            .await?
            .into_iter()
            .map(|w| w.document)
            .collect())
    }

    pub(crate) async fn draft(&self, id: &str) -> Result<ReleaseRecord, AppError> {
        let release = self.release_record(id).await?;
        if release.state != ReleaseState::Draft {
            return Err(AppError::ReleaseSealed(id.to_owned()));
        }
        Ok(release)
    }

    async fn release_document_record(
        &self,
        release: &ReleaseRecord,
        document: &str,
    ) -> Result<DocumentRecord, AppError> {
        match self.repo().document(document).await? {
            Some(doc) if doc.submission == release.submission => Ok(doc),
            _ => Err(AppError::NotInRelease {
                document: document.to_owned(),
                release: release.id.clone(),
            }),
        }
    }

    /// A document and everything inside it (an archive's members, a mail's
    /// attachments), in path order.
    async fn with_descendants(&self, doc: DocumentRecord) -> Result<Vec<DocumentRecord>, AppError> {
        let prefix = format!("{}/", doc.path);
        let mut out = vec![doc];
        let mut after = prefix.clone();
        loop {
            let page = self.repo().documents_page(&out[0].submission, &after, 500).await?;
            let Some(last) = page.last() else { break };
            after = last.path.clone();
            let full = page.len() == 500;
            let inside: Vec<DocumentRecord> = page.into_iter().take_while(|d| d.path.starts_with(&prefix)).collect();
            let stopped = inside.len() < 500;
            out.extend(inside);
            if stopped || !full {
                break;
            }
        }
        Ok(out)
    }

    /// The latest decision on a submission must be an acceptance.
    pub(crate) async fn check_accepted(&self, submission: &SubmissionId) -> Result<(), AppError> {
        match self.repo().decisions(submission).await?.last() {
            Some(decision) if decision.outcome == Outcome::Accept => Ok(()),
            Some(decision) => Err(AppError::NotAccepted {
                submission: submission.to_string(),
                state: decision.outcome.to_string(),
            }),
            None => Err(AppError::NotAccepted {
                submission: submission.to_string(),
                state: "undecided".into(),
            }),
        }
    }

    /// Starts a release of an accepted submission: every document in it,
    /// but those trove cannot re-render safely, which are held back as
    /// CANNOT_RENDER with the reason.
    pub async fn new_release(&self, submission: &SubmissionId, user: &str) -> Result<ReleaseView, AppError> {
        self.submission(submission).await?;
        self.desk_user(user).await?;
        self.check_accepted(submission).await?;
        let id = hex::encode(random_bytes::<16>()?);
        let record = ReleaseRecord {
            id: id.clone(),
            submission: *submission,
            created_day: Day::today(),
            created_by: user.to_owned(),
            secret: random_bytes::<32>()?,
            state: ReleaseState::Draft,
            entry: None,
            log_size_before: None,
            log_index: None,
            root: None,
            folder: None,
        };
        self.repo().insert_release(&record).await?;
        let mut after = String::new();
        loop {
            let page = self.repo().documents_page(submission, &after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.path.clone();
            for doc in &page {
                let input = PlanInput {
                    doc_type: &doc.doc_type,
                    readable: readable(doc.status),
                    redactions: 0,
                    flagged: false,
                    members_unchanged: true,
                };
                if let Plan::CannotRender(why) = plan(&input) {
                    let row = WithheldRow {
                        document: doc.id.clone(),
                        reason: WithholdReason::CannotRender.code().into(),
                        note: Some(why),
                        by: user.to_owned(),
                    };
                    self.repo().withhold(&id, &row).await?;
                }
            }
        }
        // What journalists proposed to withhold on the desk is held back
        // from the start, by them and with their reason; the editor can
        // put it back in.
        let held: HashSet<String> = self
            .repo()
            .withheld(&id)
            .await?
            .into_iter()
            .map(|w| w.document)
            .collect();
        for mark in self.repo().marks(submission).await? {
            let Some(code) = mark.code.filter(|_| mark.mark == "withhold") else {
                continue;
            };
            let Some(doc) = self.repo().document(&mark.document_id).await? else {
                continue;
            };
            for inner in self.with_descendants(doc).await? {
                if held.contains(&inner.id) {
                    continue;
                }
                let row = WithheldRow {
                    document: inner.id,
                    reason: code.clone(),
                    note: Some(format!("proposed on the desk: {}", mark.reason)),
                    by: mark.user.clone(),
                };
                self.repo().withhold(&id, &row).await?;
            }
        }
        self.release(&id).await
    }

    /// Every release, or a submission's.
    pub async fn releases(&self, submission: Option<&SubmissionId>) -> Result<Vec<ReleaseView>, AppError> {
        let mut out = Vec::new();
        for record in self.repo().releases(submission).await? {
            out.push(self.release_view(record).await?);
        }
        Ok(out)
    }

    /// A release: what it holds back, its redactions, where it stands.
    pub async fn release(&self, id: &str) -> Result<ReleaseView, AppError> {
        let record = self.release_record(id).await?;
        self.release_view(record).await
    }

    async fn release_view(&self, record: ReleaseRecord) -> Result<ReleaseView, AppError> {
        let withheld_rows = self.repo().withheld(&record.id).await?;
        let ids: Vec<&str> = withheld_rows.iter().map(|w| w.document.as_str()).collect();
        let paths: HashMap<String, String> = self
            .repo()
            .documents_by_ids(&ids)
            .await?
            .into_iter()
            .map(|d| (d.id, d.path))
            .collect();
        let mut withheld: Vec<WithheldView> = withheld_rows
            .into_iter()
            .map(|w| WithheldView {
                path: paths.get(&w.document).cloned().unwrap_or_default(),
                document: w.document,
                reason: w.reason,
                note: w.note,
                by: w.by,
            })
            .collect();
        withheld.sort_by(|a, b| a.path.cmp(&b.path));
        let held: HashSet<&str> = withheld.iter().map(|w| w.document.as_str()).collect();
        let mut counts = RedactionCounts::default();
        let mut awaiting = BTreeMap::new();
        for row in self.repo().redactions(&record.id, None).await? {
            match row.state {
                RedactionState::Proposed => {
                    counts.proposed += 1;
                    if !held.contains(row.document.as_str()) {
                        awaiting.insert(row.document.clone(), ());
                    }
                }
                RedactionState::Confirmed => counts.confirmed += 1,
                RedactionState::Rejected => counts.rejected += 1,
            }
        }
        let proposed_on_desk = self
            .repo()
            .marks(&record.submission)
            .await?
            .into_iter()
            .filter(|m| m.mark == "redact")
            .collect();
        Ok(ReleaseView {
            documents: self.repo().document_summary(&record.submission).await?.documents(),
            proposed_on_desk,
            id: record.id,
            submission: record.submission,
            state: record.state,
            created_day: record.created_day,
            created_by: record.created_by,
            withheld,
            redactions: counts,
            awaiting_review: awaiting.into_keys().collect(),
            log_index: record.log_index,
            root: record.root,
            folder: record.folder.map(|f| self.dir().root.join(f)),
        })
    }

    /// Holds a document back, with everything inside it; how many.
    pub async fn withhold(
        &self,
        release: &str,
        document: &str,
        reason: WithholdReason,
        note: Option<String>,
        user: &str,
    ) -> Result<u64, AppError> {
        self.desk_user(user).await?;
        let record = self.draft(release).await?;
        let doc = self.release_document_record(&record, document).await?;
        let mut count = 0;
        for doc in self.with_descendants(doc).await? {
            let row = WithheldRow {
                document: doc.id,
                reason: reason.code().into(),
                note: note.clone().filter(|n| !n.trim().is_empty()),
                by: user.to_owned(),
            };
            self.repo().withhold(release, &row).await?;
            count += 1;
        }
        Ok(count)
    }

    /// Puts a held-back document back in, with what inside it was held
    /// back for the same reason; how many. A document trove cannot render
    /// stays out.
    pub async fn include(&self, release: &str, document: &str, user: &str) -> Result<u64, AppError> {
        self.desk_user(user).await?;
        let record = self.draft(release).await?;
        let doc = self.release_document_record(&record, document).await?;
        let held: HashMap<String, WithheldRow> = self
            .repo()
            .withheld(release)
            .await?
            .into_iter()
            .map(|w| (w.document.clone(), w))
            .collect();
        let Some(reason) = held.get(&doc.id).map(|w| w.reason.clone()) else {
            return Ok(0);
        };
        if reason == WithholdReason::CannotRender.code() {
            return Err(AppError::CannotRender {
                document: doc.path,
                why: held[&doc.id].note.clone().unwrap_or_default(),
            });
        }
        let mut count = 0;
        for inner in self.with_descendants(doc).await? {
            if held.get(&inner.id).is_some_and(|w| w.reason == reason) {
                count += self.repo().include(release, &inner.id).await? as u64;
            }
        }
        Ok(count)
    }

    /// Proposes redactions in every document the release holds: contact
    /// data, account and id numbers, addresses, names on the protect list,
    /// and flagged metadata values the text repeats. Proposals wait for
    /// someone else to confirm them.
    pub async fn propose_redactions(&self, release: &str, user: &str) -> Result<ProposeReport, AppError> {
        self.desk_user(user).await?;
        let record = self.draft(release).await?;
        let proposer = Proposer::new(&self.protect_list()?)?;
        let held = self.held_back(release).await?;
        let opener = self.opener()?;
        let mut report = ProposeReport::default();
        let mut copies = trove_publish::watermarks::CopyFinder::default();
        let mut texts = DocumentTexts::new(self.repo(), &opener, &record.submission).await?;
        while let Some(batch) = texts.next_batch().await? {
            for (doc, text) in batch {
                if held.contains(&doc.id) {
                    continue;
                }
                let rendered = rendered_text(&doc.doc_type, &doc.metadata, &text);
                copies.add(&doc.id, &rendered);
                let flags = flags::flags(&doc.doc_type, &doc.metadata, &rendered);
                let values: Vec<String> = flags.iter().filter(|f| f.is_value()).map(|f| f.value.clone()).collect();
                report.flagged_documents += !flags.is_empty() as u64;
                let spans = proposer.propose(&rendered, &values);
                report.documents += 1;
                if spans.is_empty() {
                    continue;
                }
                for span in &spans {
                    *report.by_kind.entry(span.kind.as_str().to_owned()).or_default() += 1;
                }
                let rows: Vec<NewRedaction> = spans
                    .iter()
                    .map(|s| NewRedaction {
                        start: s.start as u64,
                        end: s.end as u64,
                        kind: s.kind.as_str().to_owned(),
                    })
                    .collect();
                report.proposed += self.repo().propose_redactions(release, &doc.id, &rows, user).await?;
            }
        }
        // Copies of one document that differ in a few words: the words
        // that differ may say whose copy it was.
        let mut marked = HashSet::new();
        for (a, b) in copies.candidates() {
            let docs = self.repo().documents_by_ids(&[a.as_str(), b.as_str()]).await?;
            let [first, second] = &docs[..] else { continue };
            let (text_a, text_b) = (self.rendered(first)?, self.rendered(second)?);
            let (in_a, in_b) = trove_publish::watermarks::differences(&text_a, &text_b);
            for (doc, spans) in [(first, in_a), (second, in_b)] {
                if spans.is_empty() {
                    continue;
                }
                marked.insert(doc.id.clone());
                let rows: Vec<NewRedaction> = spans
                    .into_iter()
                    .map(|(start, end)| NewRedaction {
                        start: start as u64,
                        end: end as u64,
                        kind: SpanKind::Watermark.as_str().to_owned(),
                    })
                    .collect();
                *report
                    .by_kind
                    .entry(SpanKind::Watermark.as_str().to_owned())
                    .or_default() += rows.len() as u64;
                report.proposed += self.repo().propose_redactions(release, &doc.id, &rows, user).await?;
            }
        }
        report.watermarked_documents = marked.len() as u64;
        Ok(report)
    }

    /// Adds a redaction by hand (a range of the rendered text, or every
    /// occurrence of a string); how many spans were new.
    pub async fn add_redaction(
        &self,
        release: &str,
        document: &str,
        span: SpanRequest,
        user: &str,
    ) -> Result<u64, AppError> {
        self.desk_user(user).await?;
        let record = self.draft(release).await?;
        let doc = self.release_document_record(&record, document).await?;
        let text = self.rendered(&doc)?;
        let ranges: Vec<(u64, u64)> = match span {
            SpanRequest::Range { start, end } => {
                trove_publish::redact::check_span(&text, start as usize, end as usize).map_err(|source| {
                    AppError::Redaction {
                        document: doc.path.clone(),
                        source,
                    }
                })?;
                vec![(start, end)]
            }
            SpanRequest::Text(needle) => {
                let found = trove_publish::redact::find_all(&text, &needle);
                if found.is_empty() {
                    return Err(AppError::NotInText { document: doc.path });
                }
                found.into_iter().map(|(s, e)| (s as u64, e as u64)).collect()
            }
        };
        let rows: Vec<NewRedaction> = ranges
            .into_iter()
            .map(|(start, end)| NewRedaction {
                start,
                end,
                kind: SpanKind::Manual.as_str().into(),
            })
            .collect();
        Ok(self.repo().propose_redactions(release, &doc.id, &rows, user).await?)
    }

    fn rendered(&self, doc: &DocumentRecord) -> Result<String, AppError> {
        let text = match &doc.text {
            Some(text) => trove_store::read_text(&self.opener()?, text)?,
            None => String::new(),
        };
        Ok(rendered_text(&doc.doc_type, &doc.metadata, &text))
    }

    /// Confirms or rejects redactions. Four eyes: nobody reviews a span
    /// they proposed.
    pub async fn review_redactions(
        &self,
        release: &str,
        ids: &[u64],
        confirm: bool,
        user: &str,
    ) -> Result<u64, AppError> {
        self.desk_user(user).await?;
        self.draft(release).await?;
        let rows: HashMap<u64, RedactionRow> = self
            .repo()
            .redactions(release, None)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        for id in ids {
            match rows.get(id) {
                None => {
                    return Err(AppError::NoRedaction {
                        release: release.into(),
                        id: *id,
                    });
                }
                Some(row) if row.proposed_by == user => {
                    return Err(AppError::OwnRedaction {
                        user: user.into(),
                        what: format!("redaction {id}"),
                    });
                }
                Some(_) => {}
            }
        }
        let state = if confirm {
            RedactionState::Confirmed
        } else {
            RedactionState::Rejected
        };
        let mut count = 0;
        for id in ids {
            count += self.repo().review_redaction(release, *id, state, user).await? as u64;
        }
        Ok(count)
    }

    /// Approves a document's redactions: every one still proposed is
    /// confirmed. Four eyes: whoever proposed or added any of them cannot.
    pub async fn approve_redactions(&self, release: &str, document: &str, user: &str) -> Result<u64, AppError> {
        self.desk_user(user).await?;
        let record = self.draft(release).await?;
        let doc = self.release_document_record(&record, document).await?;
        let rows = self.repo().redactions(release, Some(&doc.id)).await?;
        if rows.iter().any(|r| r.proposed_by == user) {
            return Err(AppError::OwnRedaction {
                user: user.into(),
                what: format!("the redactions of {}", doc.path),
            });
        }
        let mut count = 0;
        for row in rows.iter().filter(|r| r.state == RedactionState::Proposed) {
            count += self
                .repo()
                .review_redaction(release, row.id, RedactionState::Confirmed, user)
                .await? as u64;
        }
        Ok(count)
    }

    /// One document of a release, for review.
    pub async fn release_document(&self, release: &str, document: &str) -> Result<DocumentReview, AppError> {
        let record = self.release_record(release).await?;
        let doc = self.release_document_record(&record, document).await?;
        let text = self.rendered(&doc)?;
        let flags = flags::flags(&doc.doc_type, &doc.metadata, &text);
        let redactions = self.repo().redactions(release, Some(&doc.id)).await?;
        let withheld = self
            .repo()
            .withheld(release)
            .await?
            .into_iter()
            .find(|w| w.document == doc.id);
        let plan = if withheld.is_some() {
            "withheld"
        } else {
            plan_name(&plan(&PlanInput {
                doc_type: &doc.doc_type,
                readable: readable(doc.status),
                redactions: redactions
                    .iter()
                    .filter(|r| r.state == RedactionState::Confirmed)
                    .count(),
                flagged: !flags.is_empty(),
                members_unchanged: true,
            }))
        };
        Ok(DocumentReview {
            release: release.into(),
            document: doc.id,
            path: doc.path,
            doc_type: doc.doc_type,
            plan: plan.into(),
            withheld,
            text,
            redactions,
            flags,
        })
    }
}

/// What the first pass learned of a document that goes out.
struct Pending {
    plan: Plan,
    doc_type: String,
    confirmed: Vec<trove_publish::Span>,
    /// Everything that must not survive in its output: the confirmed
    /// spans' text, flagged metadata values, the protect list.
    secrets: Vec<String>,
    /// The secrets its text (as ingest read it, OCR included) holds: what
    /// drawing must find and burn. A page or image whose text holds none
    /// needs no OCR to look for them.
    present: Vec<String>,
    /// Redacted or flagged: its bytes as they came cannot ride inside a
    /// mail published whole.
    changed: bool,
}

/// A document held back while publishing, and why.
#[derive(Debug, Clone, Serialize)]
pub struct HeldAtPublish {
    pub path: String,
    pub why: String,
}

/// What reads an output back for the residue check.
struct Readers {
    pdftotext: bool,
    exiftool: bool,
}

fn installed(program: &str, version_flag: &str) -> bool {
    std::process::Command::new(program)
        .arg(version_flag)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a reader over our own output through pipes.
fn read_back(program: &str, args: &[&str], input: &[u8]) -> String {
    use std::io::Write;
    let Ok(mut child) = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
    else {
        return String::new();
    };
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map(|o| o.stdout).unwrap_or_default();
    let _ = writer.join();
    String::from_utf8_lossy(&output).into_owned()
}

impl Readers {
    fn find() -> Readers {
        Readers {
            pdftotext: installed("pdftotext", "-v"),
            exiftool: installed("exiftool", "-ver"),
        }
    }

    fn names(&self) -> Vec<&'static str> {
        let mut names = vec!["trove"];
        if self.pdftotext {
            names.push("pdftotext");
        }
        if self.exiftool {
            names.push("exiftool");
        }
        names
    }

    /// Everything the readers find in a published image: its metadata by
    /// exiftool and, when something was burned into it, its text by OCR.
    fn image(&self, jpeg: &[u8], burned: bool, language: &str) -> String {
        let mut all = String::new();
        if self.exiftool {
            all.push_str(&read_back("exiftool", &["-a", "-G1", "-"], jpeg));
        }
        if burned {
            all.push('\n');
            all.push_str(&read_back("tesseract", &["stdin", "stdout", "-l", language], jpeg));
        }
        all
    }

    /// Everything the readers find in a PDF: trove's extraction (text and
    /// metadata), poppler's text and exiftool's every tag.
    fn pdf(&self, pdf: &[u8], limits: &trove_ingest::Limits) -> String {
        let extracted = trove_ingest::extract_document(trove_ingest::DocType::Pdf, pdf, limits);
        let mut all = extracted.text.unwrap_or_default();
        all.push('\n');
        all.push_str(&serde_json::Value::Object(extracted.metadata).to_string());
        if self.pdftotext {
            all.push('\n');
            all.push_str(&read_back("pdftotext", &["-q", "-", "-"], pdf));
        }
        if self.exiftool {
            all.push('\n');
            all.push_str(&read_back("exiftool", &["-a", "-G1", "-"], pdf));
        }
        all
    }
}

/// A document's original bytes, found again for the third pass.
struct Original {
    id: String,
    path: String,
    bytes: Vec<u8>,
}

/// What became of an original.
enum Rendered {
    Done {
        outcome: DocumentOutcome,
        summary: Option<PixelSummary>,
        /// The DKIM selectors of a mail published whole.
        dkim: Vec<(String, String)>,
    },
    /// It cannot be drawn: held back as CANNOT_RENDER, with why.
    Held(String),
}

/// Writes a published file into the staging folder; its digest and name.
fn write_output(staging: &std::path::Path, bytes: &[u8], extension: &str) -> Result<([u8; 32], String), AppError> {
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let name = file_name(&digest, extension);
    let path = staging.join(&name);
    std::fs::write(&path, bytes).map_err(AppError::io(&path))?;
    Ok((digest, name))
}

/// Refuses an output that still holds a secret.
fn check_residue(path: &str, output: &str, secrets: &[String]) -> Result<(), AppError> {
    let left = trove_publish::redact::residue(output, secrets.iter().map(String::as_str));
    match left.first() {
        None => Ok(()),
        Some(first) => Err(AppError::Residue {
            document: path.to_owned(),
            count: left.len(),
            first: first.clone(),
        }),
    }
}

/// A mail published whole, or pages drawn as pixels, checked and written.
fn render_original(
    original: &Original,
    pending: &Pending,
    limits: &trove_ingest::Limits,
    readers: &Readers,
    staging: &std::path::Path,
) -> Result<Rendered, AppError> {
    let path = &original.path;
    if let Plan::Original { extension } = &pending.plan {
        check_residue(path, &String::from_utf8_lossy(&original.bytes), &pending.secrets)?;
        let (digest, name) = write_output(staging, &original.bytes, extension)?;
        return Ok(Rendered::Done {
            outcome: DocumentOutcome {
                status: Some(RecordStatus::Published),
                published: Some(digest),
                file: Some(name),
                ..DocumentOutcome::default()
            },
            summary: None,
            dkim: dkim_selectors(&original.bytes),
        });
    }
    let Some(language) = limits.ocr_language.clone() else {
        return Ok(Rendered::Held("tesseract is not installed or OCR is off".into()));
    };
    let job = PixelJob {
        doc_type: pending.doc_type.clone(),
        secrets: pending.present.clone(),
        dpi: RENDER_DPI,
        ocr_language: language,
        max_pages: MAX_PAGES,
        preview: None,
    };
    let (output, summary) = match render_pixels(&original.bytes, &job, limits) {
        Ok(done) => done,
        Err(why) => return Ok(Rendered::Held(why.to_string())),
    };
    let read = if summary.extension == "pdf" {
        readers.pdf(&output, limits)
    } else {
        readers.image(&output, !job.secrets.is_empty(), &job.ocr_language)
    };
    check_residue(path, &read, &pending.secrets)?;
    let (digest, name) = write_output(staging, &output, &summary.extension)?;
    Ok(Rendered::Done {
        outcome: DocumentOutcome {
            status: Some(if pending.confirmed.is_empty() {
                RecordStatus::Published
            } else {
                RecordStatus::Redacted
            }),
            redactions: pending.confirmed.len() as u32,
            published: Some(digest),
            file: Some(name),
        },
        summary: Some(summary),
        dkim: Vec::new(),
    })
}

impl Newsroom {
    /// Publishes a release: renders every document it holds from what
    /// remains, checks that no redacted string, protected name or flagged
    /// value is left in any output, writes the manifest, has `editor` sign
    /// the publication statement into the log, and seals the folder
    /// (`archive/releases/<root>`). A release cut short by a crash is
    /// finished by publishing it again.
    pub async fn publish(
        &self,
        release: &str,
        editor: &str,
        progress: &dyn Progress,
    ) -> Result<PublishReport, AppError> {
        let record = self.release_record(release).await?;
        match record.state {
            ReleaseState::Published => return Err(AppError::ReleaseSealed(release.into())),
            ReleaseState::Publishing => return self.finish_publication(release, Vec::new(), (0, 0)).await,
            ReleaseState::Draft => {}
        }
        self.check_accepted(&record.submission).await?;
        let mut release_id = [0u8; 16];
        hex::decode_to_slice(&record.id, &mut release_id).map_err(|_| AppError::NoRelease(record.id.clone()))?;
        let role = StatementRole::Editor(editor.to_owned());
        let key_id = self
            .dir()
            .keyring()
            .verifier_key(&role)
            .map_err(|_| AppError::NoEditorKey(editor.to_owned()))?
            .id();
        let mut held: HashMap<String, WithheldRow> = self
            .repo()
            .withheld(release)
            .await?
            .into_iter()
            .map(|w| (w.document.clone(), w))
            .collect();
        let mut confirmed: HashMap<String, Vec<RedactionRow>> = HashMap::new();
        let mut unreviewed = HashSet::new();
        for row in self.repo().redactions(release, None).await? {
            if held.contains_key(&row.document) {
                continue;
            }
            match row.state {
                RedactionState::Proposed => {
                    unreviewed.insert(row.document.clone());
                }
                RedactionState::Confirmed => confirmed.entry(row.document.clone()).or_default().push(row),
                RedactionState::Rejected => {}
            }
        }
        if !unreviewed.is_empty() {
            return Err(AppError::UnreviewedRedactions {
                release: release.into(),
                documents: unreviewed.len(),
            });
        }

        // Every document in path order: the manifest's order.
        let mut entries = Vec::new();
        let mut after = String::new();
        loop {
            let page = self.repo().documents_page(&record.submission, &after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.path.clone();
            entries.extend(page.into_iter().map(|d| Entry {
                id: d.id,
                path: d.path,
                content_id: d.content_id,
            }));
        }
        progress.start("publishing", None);

        // First pass: what each document becomes and what must not
        // survive in it.
        let protect = self.protect_list()?;
        let opener = self.opener()?;
        let mut pending: HashMap<String, Pending> = HashMap::new();
        let mut texts = DocumentTexts::new(self.repo(), &opener, &record.submission).await?;
        while let Some(batch) = texts.next_batch().await? {
            for (doc, text) in batch {
                if held.contains_key(&doc.id) {
                    continue;
                }
                let rendered = rendered_text(&doc.doc_type, &doc.metadata, &text);
                let mut spans = Vec::new();
                for row in confirmed.get(&doc.id).into_iter().flatten() {
                    trove_publish::redact::check_span(&rendered, row.start as usize, row.end as usize).map_err(
                        |source| AppError::Redaction {
                            document: doc.path.clone(),
                            source,
                        },
                    )?;
                    spans.push(trove_publish::Span {
                        start: row.start as usize,
                        end: row.end as usize,
                        kind: SpanKind::parse(&row.kind).unwrap_or(SpanKind::Manual),
                    });
                }
                let found = flags::flags(&doc.doc_type, &doc.metadata, &rendered);
                let mut secrets: Vec<String> = spans.iter().map(|s| rendered[s.start..s.end].to_owned()).collect();
                secrets.extend(found.iter().filter(|f| f.is_value()).map(|f| f.value.clone()));
                secrets.extend(protect.iter().cloned());
                let plan = plan(&PlanInput {
                    doc_type: &doc.doc_type,
                    readable: readable(doc.status),
                    redactions: spans.len(),
                    flagged: !found.is_empty(),
                    members_unchanged: true,
                });
                let present = if plan == Plan::Pixels {
                    secrets
                        .iter()
                        .filter(|secret| !trove_publish::redact::find_all(&rendered, secret).is_empty())
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                pending.insert(
                    doc.id.clone(),
                    Pending {
                        plan,
                        doc_type: doc.doc_type.clone(),
                        changed: !spans.is_empty() || !found.is_empty(),
                        confirmed: spans,
                        secrets,
                        present,
                    },
                );
            }
        }
        // A mail goes out whole only if nothing inside it was held back,
        // redacted or flagged: its bytes carry its attachments.
        for (i, entry) in entries.iter().enumerate() {
            if !matches!(pending.get(&entry.id).map(|p| &p.plan), Some(Plan::Original { .. })) {
                continue;
            }
            let prefix = format!("{}/", entry.path);
            let touched = entries[i + 1..]
                .iter()
                .take_while(|inner| inner.path.starts_with(&prefix))
                .any(|inner| held.contains_key(&inner.id) || pending.get(&inner.id).is_none_or(|p| p.changed));
            if touched && let Some(p) = pending.get_mut(&entry.id) {
                p.plan = Plan::Text;
            }
        }

        let staging = self.archive_dir().join(format!(".staging-{release}"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(AppError::io(&staging))?;
        }
        let documents_dir = staging.join("documents");
        std::fs::create_dir_all(&documents_dir).map_err(AppError::io(&documents_dir))?;
        let mut outcomes: HashMap<String, DocumentOutcome> = HashMap::new();

        // Second pass: text outputs, from the rendered text with the
        // confirmed spans taken out.
        let mut texts = DocumentTexts::new(self.repo(), &opener, &record.submission).await?;
        while let Some(batch) = texts.next_batch().await? {
            for (doc, text) in batch {
                let Some(p) = pending.get(&doc.id) else { continue };
                let outcome = match &p.plan {
                    Plan::Container => DocumentOutcome {
                        status: Some(RecordStatus::Container),
                        ..DocumentOutcome::default()
                    },
                    Plan::Text => {
                        let rendered = rendered_text(&doc.doc_type, &doc.metadata, &text);
                        let output = trove_publish::redact::apply(&rendered, &p.confirmed).map_err(|source| {
                            AppError::Redaction {
                                document: doc.path.clone(),
                                source,
                            }
                        })?;
                        check_residue(&doc.path, &output, &p.secrets)?;
                        let (digest, name) = write_output(&staging, output.as_bytes(), "txt")?;
                        DocumentOutcome {
                            status: Some(if p.confirmed.is_empty() {
                                RecordStatus::Published
                            } else {
                                RecordStatus::Redacted
                            }),
                            redactions: p.confirmed.len() as u32,
                            published: Some(digest),
                            file: Some(name),
                        }
                    }
                    _ => continue,
                };
                outcomes.insert(doc.id.clone(), outcome);
                progress.advance(0, 1);
            }
        }

        // Mail published re-rendered can no longer be checked by a reader
        // against its DKIM signature: the newsroom's verdict goes with it,
        // signed by the publishing editor.
        let rerendered_mail: Vec<(u64, &str)> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                pending
                    .get(&e.id)
                    .is_some_and(|p| p.doc_type == "email" && p.plan == Plan::Text)
            })
            .map(|(index, e)| (index as u64, e.id.as_str()))
            .collect();
        if !rerendered_mail.is_empty() {
            let ids: Vec<&str> = rerendered_mail.iter().map(|(_, id)| *id).collect();
            let found = self.repo().verifications_of(&record.submission, &ids).await?;
            let verdicts: Vec<(u64, String)> = rerendered_mail
                .iter()
                .filter_map(|(index, id)| found.get(*id).map(|v| (*index, v.verdict.clone())))
                .collect();
            let note = trove_ledger::checkpoint::SignedNote::sign(
                folder::verifications_text(&release_id, &verdicts),
                &self.dir().keyring().signing_key(&role)?,
            );
            let path = staging.join(folder::VERIFICATIONS);
            std::fs::write(&path, note.encode()).map_err(AppError::io(&path))?;
        }

        // Third pass: mail whole, and pages and images as pixels, from the
        // original bytes; drawing runs on as many confined workers as
        // there are cores, fed through a short queue so that memory holds
        // a few documents whatever the submission.
        let limits = self.dir().ingest_limits();
        let readers = Readers::find();
        let submission_record = self.submission(&record.submission).await?;
        let submission_text = record.submission.to_string();
        let mut held_at_publish = Vec::new();
        let mut selectors = HashSet::new();
        let (mut burned, mut dot_pages) = (0u64, 0u64);
        let wanted: HashSet<&str> = pending
            .iter()
            .filter(|(_, p)| matches!(p.plan, Plan::Original { .. } | Plan::Pixels))
            .map(|(id, _)| id.as_str())
            .collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let files = trove_store::read_manifest(&opener, &submission_record)?.files;
        let results = std::sync::Mutex::new(Vec::new());
        let (send, receive) = std::sync::mpsc::sync_channel::<Original>(threads);
        let receive = std::sync::Mutex::new(receive);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (receive, results, pending, limits, readers, staging) =
                    (&receive, &results, &pending, &limits, &readers, &staging);
                scope.spawn(move || {
                    loop {
                        let next = receive.lock().map(|r| r.recv());
                        let Ok(Ok(original)) = next else { break };
                        let rendered = render_original(&original, &pending[&original.id], limits, readers, staging);
                        if let Ok(mut results) = results.lock() {
                            results.push((original.id, original.path, rendered));
                        }
                    }
                });
            }
            for file in &files {
                trove_ingest::walk_submission_file(&opener, file, &limits, |path, _, bytes| {
                    let id = trove_ingest::document_id(&submission_text, path);
                    if wanted.contains(id.as_str()) {
                        let _ = send.send(Original {
                            id,
                            path: path.to_owned(),
                            bytes: bytes.to_vec(),
                        });
                    }
                });
            }
            drop(send);
        });
        for (id, path, rendered) in results.into_inner().unwrap_or_default() {
            match rendered? {
                Rendered::Held(why) => held_at_publish.push((id, path, why)),
                Rendered::Done { outcome, summary, dkim } => {
                    if let Some(summary) = summary {
                        burned += summary.burned as u64;
                        dot_pages += summary.tracking_dot_pages as u64;
                    }
                    selectors.extend(dkim);
                    outcomes.insert(id, outcome);
                    progress.advance(0, 1);
                }
            }
        }
        // What could not be drawn or rendered, or whose bytes were not
        // found again, is held back (never published as it came) and shown
        // in the report.
        for entry in &entries {
            let Some(p) = pending.get(&entry.id) else { continue };
            if outcomes.contains_key(&entry.id) || held_at_publish.iter().any(|(id, _, _)| *id == entry.id) {
                continue;
            }
            let why = match &p.plan {
                Plan::CannotRender(why) => why.clone(),
                _ => "its original bytes were not found again".into(),
            };
            held_at_publish.push((entry.id.clone(), entry.path.clone(), why));
        }
        let mut reported = Vec::new();
        for (id, path, why) in held_at_publish {
            let row = WithheldRow {
                document: id.clone(),
                reason: WithholdReason::CannotRender.code().into(),
                note: Some(why.clone()),
                by: editor.to_owned(),
            };
            self.repo().withhold(release, &row).await?;
            held.insert(id, row);
            reported.push(HeldAtPublish { path, why });
        }
        if !selectors.is_empty() {
            let keys: Vec<String> = self
                .repo()
                .dkim_keys()
                .await?
                .into_iter()
                .filter(|k| selectors.contains(&(k.selector.to_ascii_lowercase(), k.domain.to_ascii_lowercase())))
                .map(|k| format!("{}._domainkey.{} {}", k.selector, k.domain, k.record))
                .collect();
            let path = staging.join(folder::DKIM_KEYS);
            std::fs::write(&path, keys.join("\n") + "\n").map_err(AppError::io(&path))?;
        }

        // The manifest: one record per document, in path order.
        let mut records = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let index = index as u64;
            let mut content = [0u8; 32];
            hex::decode_to_slice(&entry.content_id, &mut content).map_err(|_| trove_store::StoreError::Damaged {
                what: format!("document {}", entry.id),
                field: "content id".into(),
            })?;
            let original = commitment(&document_salt(&record.secret, index), &content);
            let record = match held.get(&entry.id) {
                Some(row) => ManifestRecord {
                    index,
                    status: RecordStatus::Withheld(row.reason.parse()?),
                    redactions: 0,
                    original,
                    published: None,
                    file: None,
                    path: None,
                },
                None => {
                    let outcome = outcomes.remove(&entry.id).unwrap_or_default();
                    let Some(status) = outcome.status else {
                        return Err(AppError::NotRendered(entry.path.clone()));
                    };
                    ManifestRecord {
                        index,
                        status,
                        redactions: outcome.redactions,
                        original,
                        published: outcome.published,
                        file: outcome.file,
                        path: Some(entry.path.clone()),
                    }
                }
            };
            records.push(record);
        }
        let manifest = Manifest {
            release: release_id,
            submission: record.submission,
            records,
        };
        let manifest_path = staging.join(folder::MANIFEST);
        std::fs::write(&manifest_path, manifest.encode()).map_err(AppError::io(&manifest_path))?;
        self.write_appeared_before(&record.submission, &entries, &manifest, &role, &staging)
            .await?;
        let counts = manifest.counts();
        let root = manifest.root();
        let statement = Statement::Publication {
            release: release_id,
            submission: record.submission,
            root,
            published: counts.published,
            redacted: counts.redacted,
            withheld: counts.withheld,
            containers: counts.containers,
            codes: counts.codes.clone(),
            editor: hex::encode(key_id),
            day: Some(Day::today()),
        };
        let ledger = self.dir().ledger();
        let entry = ledger.sign(&statement, &role)?;
        let log_size = ledger.checkpoint()?.checkpoint.size;
        self.repo()
            .begin_publishing(release, &entry, log_size, &hex::encode(root))
            .await?;
        progress.finish();
        self.finish_publication(release, reported, (burned, dot_pages)).await
    }

    /// `appeared-before.note`: where the release's published documents had
    /// appeared before (overlap's exact, near and partial classes against
    /// the registered publications), signed by the publishing editor, so
    /// that the archive shows readers what is new. Nothing is written when
    /// no publication is registered or nothing published overlaps one.
    async fn write_appeared_before(
        &self,
        submission: &SubmissionId,
        entries: &[Entry],
        manifest: &Manifest,
        role: &StatementRole,
        staging: &std::path::Path,
    ) -> Result<(), AppError> {
        if self.published_corpora().await?.is_empty() {
            return Ok(());
        }
        let published: HashMap<&str, u64> = entries
            .iter()
            .zip(&manifest.records)
            .filter(|(_, r)| matches!(r.status, RecordStatus::Published | RecordStatus::Redacted))
            .map(|(entry, r)| (entry.id.as_str(), r.index))
            .collect();
        let partial_share = self.dir().config.overlap.settings().partial_share;
        let mut appearances = Vec::new();
        self.overlap_recorded(submission, |doc| {
            let Some(&index) = published.get(doc.doc.as_str()) else {
                return;
            };
            let class = match doc.class {
                trove_overlap::Class::Exact => "exact",
                trove_overlap::Class::Near => "near",
                trove_overlap::Class::Partial => "partial",
                trove_overlap::Class::New => return,
            };
            // A partial document's matches include mere quotations: only
            // the publications that cover the partial share count.
            let mut corpora = HashSet::new();
            for m in doc
                .matches
                .iter()
                .filter(|m| class != "partial" || m.similarity >= partial_share)
            {
                if corpora.insert(m.corpus.clone()) {
                    appearances.push(folder::Appearance {
                        index,
                        class: class.into(),
                        publisher: m.publisher.clone(),
                        corpus: m.corpus.clone(),
                        date: m.date.clone(),
                    });
                }
            }
        })
        .await?;
        if appearances.is_empty() {
            return Ok(());
        }
        appearances.sort_by(|a, b| (a.index, &a.date).cmp(&(b.index, &b.date)));
        let note = trove_ledger::checkpoint::SignedNote::sign(
            folder::appeared_before_text(&manifest.release, &appearances),
            &self.dir().keyring().signing_key(role)?,
        );
        let path = staging.join(folder::APPEARED_BEFORE);
        std::fs::write(&path, note.encode()).map_err(AppError::io(&path))
    }

    /// Appends a signed release's statement (unless the log has it), then
    /// proves it and seals the folder.
    async fn finish_publication(
        &self,
        release: &str,
        held_at_publish: Vec<HeldAtPublish>,
        (burned, dot_pages): (u64, u64),
    ) -> Result<PublishReport, AppError> {
        let record = self.release_record(release).await?;
        let (Some(entry), Some(root)) = (record.entry.clone(), record.root.clone()) else {
            return Err(AppError::ReleaseSealed(release.into()));
        };
        let staging = self.archive_dir().join(format!(".staging-{release}"));
        let sealed = self.archive_dir().join("releases").join(&root);
        let ledger = self.dir().ledger();
        let index = match ledger.find_entry(&entry, record.log_size_before.unwrap_or(0))? {
            Some(index) => index,
            None => ledger.append_signed(entry.clone())?,
        };
        if !sealed.exists() {
            if !staging.join(folder::MANIFEST).exists() {
                return Err(AppError::StagingMissing(release.into()));
            }
            // The proof and the checkpoint it leads to are taken together
            // (another append may land between two reads).
            let (checkpoint, proof) = loop {
                let checkpoint = ledger.checkpoint()?;
                let proof = ledger.prove(index)?;
                if proof.tree_size == checkpoint.checkpoint.size {
                    break (checkpoint, proof);
                }
            };
            let write = |name: &str, bytes: &[u8]| -> Result<(), AppError> {
                let path = staging.join(name);
                std::fs::write(&path, bytes).map_err(AppError::io(&path))
            };
            write(folder::ENTRY, &entry)?;
            write(folder::CHECKPOINT, checkpoint.note.encode().as_bytes())?;
            write(folder::INCLUSION, folder::encode_inclusion(&proof).as_bytes())?;
            let keys = ledger.dir().join(trove_ledger::KEY_LIST);
            std::fs::copy(&keys, staging.join(trove_ledger::KEY_LIST)).map_err(AppError::io(&keys))?;
            let parent = sealed.parent().expect("releases/ is a folder");
            std::fs::create_dir_all(parent).map_err(AppError::io(parent))?;
            std::fs::rename(&staging, &sealed).map_err(AppError::io(&sealed))?;
        } else if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(AppError::io(&staging))?;
        }
        let folder_name = format!("archive/releases/{root}");
        self.repo().finish_publishing(release, index, &folder_name).await?;
        // The public archive serves it from now on (checked like any
        // folder brought to an archive; publishing again adds it again).
        let archived = self.archive_release(&root).await?;
        let manifest_path = sealed.join(folder::MANIFEST);
        let text = std::fs::read_to_string(&manifest_path).map_err(AppError::io(&manifest_path))?;
        let manifest = Manifest::parse(&text)?;
        let mut checked_with = Readers::find().names();
        if manifest
            .records
            .iter()
            .all(|r| r.file.as_deref().is_none_or(|f| !f.ends_with(".pdf")))
        {
            checked_with.truncate(1);
        }
        Ok(PublishReport {
            release: release.into(),
            root,
            log_index: index,
            folder: sealed,
            counts: manifest.counts(),
            burned_boxes: burned,
            tracking_dot_pages: dot_pages,
            checked_with,
            held_at_publish,
            archived_documents: archived.documents,
        })
    }
}

/// Checks a release folder or URL against the log with only the log's
/// key (`trove manifest verify`); with `log`, also that the served log
/// holds its statement now.
pub async fn verify_any_release(
    release: &str,
    log_key: &trove_keys::NoteVerifierKey,
    log: Option<&str>,
) -> Result<ReleaseCheck, AppError> {
    let remote = |s: &str| s.starts_with("http://") || s.starts_with("https://");
    let release = release.to_owned();
    let log = log.map(str::to_owned);
    let key = log_key.clone();
    let check = tokio::task::spawn_blocking(move || -> Result<ReleaseCheck, trove_publish::PublishError> {
        match (remote(&release), log.as_deref()) {
            (true, None) => trove_publish::verify_release(&HttpFetch::new(&release), &key, None::<&DirFetch>),
            (false, None) => trove_publish::verify_release(&DirFetch(release.into()), &key, None::<&DirFetch>),
            (true, Some(l)) if remote(l) => {
                trove_publish::verify_release(&HttpFetch::new(&release), &key, Some(&HttpFetch::new(l)))
            }
            (true, Some(l)) => {
                trove_publish::verify_release(&HttpFetch::new(&release), &key, Some(&DirFetch(l.into())))
            }
            (false, Some(l)) if remote(l) => {
                trove_publish::verify_release(&DirFetch(release.into()), &key, Some(&HttpFetch::new(l)))
            }
            (false, Some(l)) => {
                trove_publish::verify_release(&DirFetch(release.into()), &key, Some(&DirFetch(l.into())))
            }
        }
    })
    .await
    .map_err(|e| AppError::Join(e.to_string()))??;
    Ok(check)
}

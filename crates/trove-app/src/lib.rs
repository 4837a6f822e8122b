//! The newsroom's operations over one data directory: the library that the
//! `trove` command line, the desk's pages, the intake's glue and the demo
//! all call, so that each operation exists once.
//!
//! * [`Newsroom`] opens a data directory ([`DataDir`]: `trove.toml`, keys,
//!   store, database, log) and is the whole API: `submit`, `ingest`,
//!   `verify`, `overlap`, `triage`, `decide`, `reply`, `messages`, `pull`,
//!   the published corpora, the DKIM key archive, desk users and the
//!   transparency log.
//! * Every operation returns a typed report (`Serialize`, for `--json`) or
//!   an [`AppError`] that names the file, submission, document or field,
//!   and says what to do.
//! * Long operations report through a [`Progress`]; they never print.
//! * [`demo`] runs the whole path on a generated corpus.
//!
//! What this crate must never do: print, parse command-line arguments, or
//! call back into the binary; hand the newsroom identity to the intake
//! ([`Newsroom::intake`] builds the intake's state from recipients alone).
//!
//! ```no_run
//! # async fn example() -> Result<(), trove_app::AppError> {
//! use trove_app::{Newsroom, NoProgress};
//! let newsroom = Newsroom::open("trove-data".as_ref()).await?;
//! let summary = newsroom.submit(&["leak/".into()], &NoProgress).await?;
//! newsroom.ingest(&summary.submission, false, 2, &NoProgress).await?;
//! let verified = newsroom.verify(&summary.submission).await?;
//! let report = newsroom.triage(&summary.submission).await?;
//! # Ok(()) }
//! ```

mod annotations;
mod archive;
pub mod config;
mod conversation;
mod datadir;
mod decide;
pub mod demo;
mod exports;
mod ledger;
mod lists;
mod newsroom;
mod partners;
mod pipeline;
mod publish;
mod pull;
mod reading;
mod schedule;
mod search;
mod submit;
pub mod users;
mod worker;

use std::path::{Path, PathBuf};

pub use annotations::{Annotations, Mark, normalize_tag};
pub use archive::{build_archive, verify_archive};
pub use config::{Config, SizeError, parse_size};
pub use conversation::Message;
pub use datadir::{CONFIG_FILE, DataDir, POLICY_FILE, stop_parser_workers, use_parser_workers};
pub use decide::{Decision, DecisionReport};
pub use exports::{ExportFormat, MAX_EXPORT_BYTES};
pub use ledger::{AppendRequest, LogVerification, log_state_dir, log_stats, read_vkey, verify_any_log};
pub use lists::{DocumentList, DocumentListPage, Snippet};
pub use newsroom::Newsroom;
pub use partners::{AccessView, GrantRequest, GrantView, NewPartner, PartnerDocument, PartnerListed};
pub use pipeline::{DocumentView, IngestSummary, Problem};
pub use publish::{
    DocumentReview, HeldAtPublish, ProposeReport, PublishReport, RedactionCounts, ReleaseView, SpanRequest,
    WithheldView, verify_any_release,
};
pub use pull::{KitReport, PullReport};
pub use reading::{Linked, MailHeaders, PublishedMatch, Reading};
pub use schedule::{CalendarImport, EventView, NewEvent, PlanReport, RunReport, ScheduledView, current_hour};
pub use search::{BatchTerm, MAX_BATCH_TERMS, SearchHit, batch_terms};
/// The main of a confined parser worker (see [`use_parser_workers`]).
pub use trove_ingest::serve_worker as serve_parser_worker;
pub use users::{NewUser, Role, UserError};
pub use worker::{WorkerEvent, WorkerSettings, worker_name};

/// How far a long operation has come, for a progress display. The default
/// methods do nothing, so a caller implements what it shows.
pub trait Progress: Send + Sync {
    /// A step starts; `total_bytes` when its size is known.
    fn start(&self, _what: &'static str, _total_bytes: Option<u64>) {}
    /// Bytes read and documents done since the last call.
    fn advance(&self, _bytes: u64, _documents: u64) {}
    /// The step is over.
    fn finish(&self) {}
}

/// Shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {}

/// Errors of the newsroom's operations. Each names what it concerns and,
/// where there is one, what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "no trove data directory at {0}: run `trove init --data {0}`, or point --data (or TROVE_DATA) at an existing one"
    )]
    NoDataDir(DisplayPath),
    #[error("{0} is not a directory")]
    NotADirectory(DisplayPath),
    #[error("{0} is not a trove data directory ({CONFIG_FILE} is missing): run `trove init --data {0}`")]
    NotInitialised(DisplayPath),
    #[error(
        "{0} is already a trove data directory; pass --force to replace its configuration and keys (blobs sealed to the old keys can then no longer be opened)"
    )]
    AlreadyInitialised(DisplayPath),
    #[error("{0} is already a trove data directory; choose a new folder")]
    KitExists(DisplayPath),
    #[error("{path}: {source}")]
    Io { path: DisplayPath, source: std::io::Error },
    #[error("{path} is not a valid trove configuration: {source}")]
    Config { path: DisplayPath, source: toml::de::Error },
    #[error("{path}: {reason}")]
    Setting { path: DisplayPath, reason: String },
    #[error("--database {0}")]
    DatabaseUrl(String),
    #[error("no submission {id} in {data}")]
    NoSubmission { id: String, data: DisplayPath },
    #[error("no document {0}")]
    NoDocument(String),
    #[error("{0}")]
    BadAnnotation(String),
    #[error("the export could not be written: {0}")]
    Export(String),
    #[error("{document} cannot be previewed: {reason}")]
    Preview { document: String, reason: String },
    #[error("{0}: the path is not valid UTF-8; rename it (trove keeps paths as UTF-8 text). Nothing was stored.")]
    NonUtf8Path(DisplayPath),
    #[error("two inputs would both be stored as {0:?}; submit them separately. Nothing was stored.")]
    DuplicatePath(String),
    #[error("{0} is neither a regular file nor a folder")]
    NotAFile(DisplayPath),
    #[error("{path}: {source}. Nothing was stored.")]
    Unstorable {
        path: DisplayPath,
        source: trove_store::StoreError,
    },
    #[error("storing {path}: {source}")]
    Storing {
        path: DisplayPath,
        source: trove_store::StoreError,
    },
    #[error("{0}: the output written so far must not be trusted")]
    Output(trove_store::StoreError),
    #[error(transparent)]
    Store(#[from] trove_store::StoreError),
    #[error(transparent)]
    Keys(#[from] trove_keys::KeyError),
    #[error(transparent)]
    Ledger(#[from] trove_ledger::LedgerError),
    #[error(transparent)]
    Ingest(#[from] trove_ingest::IngestError),
    #[error(transparent)]
    Verify(#[from] trove_verify::VerifyError),
    #[error(transparent)]
    Overlap(#[from] trove_overlap::OverlapError),
    #[error(transparent)]
    Index(#[from] trove_overlap::index::IndexError),
    #[error(transparent)]
    Search(#[from] trove_search::SearchError),
    #[error(transparent)]
    Triage(#[from] trove_triage::TriageError),
    #[error(transparent)]
    Corpus(#[from] trove_corpus::CorpusError),
    #[error(transparent)]
    User(#[from] UserError),
    #[error("the intake cannot start: {0}")]
    Intake(#[from] trove_intake::DeriveError),
    #[error("nothing imported; fix these lines:\n  {0}")]
    KeyFile(String),
    #[error("{path} is not a listing of corpora (a JSON array of name, publisher, date, url): {reason}")]
    Listing { path: DisplayPath, reason: String },
    #[error("no published corpus named {0:?} (see trove published list)")]
    NoCorpus(String),
    #[error("submission {0} has not been triaged: run `trove triage {0}` first")]
    NotTriaged(String),
    #[error("the stored triage of {0} cannot be read ({1}): run `trove triage {0}` again")]
    DamagedTriage(String, String),
    #[error(
        "submission {id} was triaged under policy {then} but policy.toml is now {now}: run `trove triage {id}` again"
    )]
    PolicyChanged { id: String, then: String, now: String },
    #[error("reason code {0} does not exist in the policy")]
    UnknownCode(String),
    #[error("a rejection needs at least one reason code")]
    RejectWithoutCode,
    #[error("an acceptance takes no reason codes")]
    AcceptWithCodes,
    #[error("this overrides the policy's proposal ({outcome} {codes}): say why with --reason TEXT")]
    OverrideWithoutNote { outcome: String, codes: String },
    #[error("no key for editor {0:?}: add one with `trove keys add-editor {0}`")]
    NoEditorKey(String),
    #[error("editor {0:?} already has a key")]
    EditorExists(String),
    #[error("there is already a user {0:?}")]
    UserExists(String),
    #[error("no desk user {0}: see `trove users list`")]
    NoUser(String),
    #[error("a reply must be UTF-8 text")]
    ReplyNotUtf8,
    #[error("the reply is empty: there is nothing to send")]
    ReplyEmpty,
    #[error("submission {0} came from `trove submit`, not from a source, so there is no one to reply to")]
    NoSource(String),
    #[error("the source of submission {0} is no longer on record")]
    SourceGone(String),
    #[error("the source's reply key is damaged: {0}")]
    ReplyKey(String),
    #[error("{0} is not a pepper (64 hex digits)")]
    BadPepper(DisplayPath),
    #[error("no randomness available: {0}")]
    Random(String),
    #[error("cannot read the API key {0} (`trove intake-kit` writes it)")]
    ApiKey(DisplayPath),
    #[error("the desk's keys/newsroom.recipients cannot be read: run `trove init` first")]
    NoRecipients,
    #[error("{what}: the intake at {base} cannot be reached: {reason}")]
    IntakeUnreachable { what: String, base: String, reason: String },
    #[error("{what}: the intake answered {status}: {body}")]
    IntakeRefused { what: String, status: u16, body: String },
    #[error("{what}: the intake's answer is not what trove expects: {reason}")]
    IntakeAnswer { what: String, reason: String },
    #[error("{path}: {source}")]
    NoteKey {
        path: DisplayPath,
        source: trove_keys::NoteKeyError,
    },
    #[error("{0} is not the right kind of key for this use")]
    WrongKeyKind(DisplayPath),
    #[error("{0} is not a witness key (type 0x04)")]
    NotAWitnessKey(DisplayPath),
    #[error("the system clock is before 1970")]
    Clock,
    #[error("no release {0}: see `trove release list`")]
    NoRelease(String),
    #[error("release {0} is signed and can no longer change; start a new release for another publication")]
    ReleaseSealed(String),
    #[error("document {document} is not in the submission of release {release}")]
    NotInRelease { document: String, release: String },
    #[error(
        "submission {submission} is {state}: only an accepted submission is released (`trove decide {submission} --accept`)"
    )]
    NotAccepted { submission: String, state: String },
    #[error("{document} cannot be published: {why}. It stays held back as CANNOT_RENDER.")]
    CannotRender { document: String, why: String },
    #[error("{document}: {source}")]
    Redaction {
        document: String,
        source: trove_publish::PublishError,
    },
    #[error("{document}: the text to redact does not occur in the text the release would publish")]
    NotInText { document: String },
    #[error("release {release} has no redaction {id}")]
    NoRedaction { release: String, id: u64 },
    #[error("{user} proposed or added {what}: someone else must review them (four eyes)")]
    OwnRedaction { user: String, what: String },
    #[error(
        "release {release}: {documents} documents have redactions nobody has reviewed yet; confirm or reject them first"
    )]
    UnreviewedRedactions { release: String, documents: usize },
    #[error(
        "{document}: {count} redacted, protected or flagged values are still readable in its output (first: {first:?}); nothing was published"
    )]
    Residue {
        document: String,
        count: usize,
        first: String,
    },
    #[error("{0} was neither rendered nor held back; publish again (nothing was signed)")]
    NotRendered(String),
    #[error("release {0} was signed but its staging folder is gone; it cannot be sealed again from here")]
    StagingMissing(String),
    #[error(transparent)]
    Publish(#[from] trove_publish::PublishError),
    #[error(transparent)]
    Archive(#[from] trove_archive::ArchiveError),
    #[error("{0}")]
    Schedule(String),
    #[error("{0}")]
    Partner(String),
    #[error("a task of the operation stopped unexpectedly: {0}")]
    Join(String),
}

impl AppError {
    /// Maps an I/O error on `path`.
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
        move |source| AppError::Io {
            path: DisplayPath(path.to_owned()),
            source,
        }
    }
}

/// A path shown as the operating system writes it, in messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayPath(pub PathBuf);

impl std::fmt::Display for DisplayPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.display())
    }
}

impl From<&Path> for DisplayPath {
    fn from(path: &Path) -> Self {
        DisplayPath(path.to_owned())
    }
}

impl From<PathBuf> for DisplayPath {
    fn from(path: PathBuf) -> Self {
        DisplayPath(path)
    }
}

//! `trove`: the command-line interface. It parses arguments, shows
//! progress, prints reports (human or `--json`) and wires the servers;
//! every operation is [`trove_app::Newsroom`]'s.

mod print;
mod progress;
mod release;
mod schedule;
mod serve;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::json;
use trove_app::{AppendRequest, Decision, Newsroom, Role, parse_size};
use trove_ledger::Due;
use trove_ledger::statement::Statement;
use trove_store::{BlobId, Day, Outcome, SubmissionId, SubmissionRepo as _};

use progress::Bars;

#[derive(Parser)]
#[command(name = "trove", version, about = "Leak intake, verification and publication")]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// The data directory [default: ./trove-data].
    #[arg(long, global = true, env = "TROVE_DATA")]
    data: Option<PathBuf>,
    /// Print reports as JSON on stdout.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Create a data directory: configuration, keys, database.
    Init {
        /// Replace the configuration and keys of an existing data directory.
        #[arg(long)]
        force: bool,
        /// The name of the first editor's signing key.
        #[arg(long, default_value = "chief")]
        editor: String,
        /// The transparency log's origin, a schema-less URL unique to this
        /// newsroom's log (e.g. news.example.org/log); the first line of
        /// every checkpoint [default: trove.invalid/log- and 16 random hex
        /// digits].
        #[arg(long)]
        origin: Option<trove_keys::LogOrigin>,
        /// Keep the metadata in this PostgreSQL database
        /// (postgres://user@host/db) instead of the SQLite file, so that
        /// workers on other machines share it.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Show public keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Store or read one encrypted blob.
    Blob {
        #[command(subcommand)]
        command: BlobCommand,
    },
    /// Store files or folders as one submission.
    Submit {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Queue the path (ingest, verify, overlap, triage) for a submission,
    /// for `trove worker` processes to run.
    Queue {
        submission: SubmissionId,
        /// Start from this stage instead of ingest.
        #[arg(long, value_enum, default_value = "ingest")]
        from: Stage,
        /// Queue that stage alone.
        #[arg(long)]
        only: bool,
    },
    /// Show the job queue: each job's stage, submission, state, attempts.
    Jobs,
    /// Run jobs from the queue (on any machine whose trove.toml points at
    /// the same PostgreSQL database and bucket).
    Worker {
        /// Seconds a job stays this worker's without a renewal; another
        /// worker takes it once they pass (a worker killed mid-job).
        #[arg(long, default_value_t = 60)]
        lease_seconds: u64,
        /// Attempts (by any worker) before a job is kept failed.
        #[arg(long, default_value_t = 3)]
        max_attempts: u32,
        /// Stop once nothing is queued or running, instead of waiting.
        #[arg(long)]
        until_idle: bool,
        /// Ingest threads [default: the machine's cores].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// List submissions, or show one's files (desk: needs the identity).
    Submissions {
        /// A submission id: show its files.
        id: Option<SubmissionId>,
    },
    /// Generate a synthetic leak with known ground truth.
    GenCorpus {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Target size of the cache: 500K, 100M, 1G (binary units), or bytes.
        #[arg(long, default_value = "16M", value_parser = parse_size)]
        size: u64,
        /// Share of the cache's documents that a published corpus holds.
        #[arg(long, default_value_t = 0.45)]
        published_share: f64,
        /// End every message with the same confidentiality footer (which
        /// its published copies then carry too).
        #[arg(long)]
        footer: bool,
    },
    /// Unpack a submission and extract every document's text and metadata.
    Ingest {
        submission: SubmissionId,
        /// Print the report of an earlier ingest instead of ingesting.
        #[arg(long)]
        report: bool,
        /// Forget the failed documents and try them again.
        #[arg(long)]
        retry_failed: bool,
        /// Worker threads [default: one per core].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Register, list or remove published corpora (for overlap).
    Published {
        #[command(subcommand)]
        command: PublishedCommand,
    },
    /// How much of a submission was already public: exact, near and partial
    /// overlap with the registered corpora, and the novel share.
    Overlap { submission: SubmissionId },
    /// Authenticity evidence for every document and a verdict for each
    /// (DKIM against the key archive, Received times, threads, metadata).
    Verify { submission: SubmissionId },
    /// A submission's documents, or one document (text, metadata, provenance).
    Docs {
        #[command(subcommand)]
        command: DocsCommand,
    },
    /// Search the texts of every ingested document, or one submission's:
    /// words (all required), "a phrase", from:, to:, type:,
    /// after:YYYY-MM-DD, before:YYYY-MM-DD, AND/OR/NOT.
    Search {
        /// The query (quote it for the shell).
        query: Option<String>,
        /// Only this submission's documents.
        #[arg(long)]
        submission: Option<SubmissionId>,
        /// How many hits, best first.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Index a submission again from the store instead of searching
        /// (after a damaged or deleted index).
        #[arg(long, value_name = "SUBMISSION", conflicts_with = "query")]
        reindex: Option<SubmissionId>,
        /// Run every line of FILE (names, terms or queries; or the first
        /// column of a CSV) at once: a count per line and its best --limit
        /// hits. A name of several words is searched as a phrase.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["query", "reindex"])]
        batch: Option<PathBuf>,
    },
    /// The transparency log: append, checkpoint, prove, verify, cosign.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
    /// Serve this data directory over HTTP: the source interface, the
    /// transparency log under /log/, or both.
    Serve {
        /// intake: the source interface only, from recipients alone (no
        /// identity is loaded); desk: the desk's pages and the log;
        /// archive: the public archive from an archive folder alone (no
        /// data directory is opened); all: every role on one data
        /// directory (the embedded default), each on its own listener.
        #[arg(long, value_enum, default_value = "intake")]
        role: serve::Role,
        /// Where the source interface listens (publish only this one to
        /// sources, e.g. as an onion service).
        #[arg(long, default_value = "127.0.0.1:8080")]
        intake_addr: std::net::SocketAddr,
        /// Where the desk's pages and the transparency log listen.
        #[arg(long, default_value = "127.0.0.1:8081")]
        desk_addr: std::net::SocketAddr,
        /// Where the public archive listens.
        #[arg(long, default_value = "127.0.0.1:8082")]
        archive_addr: std::net::SocketAddr,
        /// The archive folder the archive role serves (default: the data
        /// directory's archive/, with its log/).
        #[arg(long)]
        archive: Option<PathBuf>,
        /// The transparency log's folder the archive serves under /log/.
        #[arg(long)]
        log_dir: Option<PathBuf>,
        /// The log's verifier key file, for the archive's accountability
        /// page [default: the data directory's keys/log.vkey, if any].
        #[arg(long)]
        log_key: Option<PathBuf>,
    },
    /// The public archive: build one from release folders, or check one
    /// (or a mirror) against the log.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// Send a reply to the source of a submission, sealed to the source's
    /// codename-derived key.
    Reply {
        submission: SubmissionId,
        /// A UTF-8 text file with the reply.
        #[arg(long)]
        text_file: PathBuf,
    },
    /// The messages exchanged with the source of a submission (desk: opens
    /// the source's messages with the newsroom identity).
    Messages { submission: SubmissionId },
    /// Desk users (journalists, editors, admins) with password and TOTP.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Entities, significance and the policy's proposal for a submission.
    Triage { submission: SubmissionId },
    /// An editor's decision, signed and appended to the transparency log.
    Decide {
        submission: SubmissionId,
        #[command(flatten)]
        outcome: OutcomeArgs,
        /// Why (required when the decision differs from the proposal).
        #[arg(long)]
        reason: Option<String>,
        /// The editor whose key signs it.
        #[arg(long, default_value = "chief")]
        editor: String,
    },
    /// Releases: documents held back with reasons, redactions proposed and
    /// reviewed by two people.
    Release {
        #[command(subcommand)]
        command: release::ReleaseCommand,
    },
    /// Media events the scheduler places releases around (iCalendar).
    Calendar {
        #[command(subcommand)]
        command: schedule::CalendarCommand,
    },
    /// Media partners: organisations, each with a witness key, their
    /// grants and their access log.
    Partners {
        #[command(subcommand)]
        command: schedule::PartnersCommand,
    },
    /// Grant a partner exclusive early access to a release until an
    /// embargo ends (at most the policy's max_embargo_days), signed into
    /// the log; the release then goes public at the embargo's end
    /// whatever the partner did.
    Grant {
        release: String,
        #[arg(long)]
        partner: String,
        #[arg(long)]
        embargo_days: u32,
        /// The written terms (their SHA-256 goes into the log).
        #[arg(long)]
        terms: PathBuf,
        /// Money changed hands (said in the log).
        #[arg(long)]
        paid: bool,
        #[arg(long, default_value = "chief")]
        editor: String,
        #[arg(long, env = "TROVE_USER")]
        user: String,
        /// Grant as of this hour (UTC) instead of now: for drills and tests.
        #[arg(long)]
        now: Option<trove_schedule::Hour>,
    },
    /// When releases go out: placed within the policy's bound around the
    /// calendar's events, each placement signed into the log.
    Schedule {
        #[command(subcommand)]
        command: schedule::ScheduleCommand,
    },
    /// Publish a release: render, check, sign its manifest into the log,
    /// seal its folder under archive/releases/.
    Publish {
        release: String,
        /// The editor whose key signs the publication statement.
        #[arg(long, default_value = "chief")]
        editor: String,
    },
    /// Check a published release against the log.
    Manifest {
        #[command(subcommand)]
        command: release::ManifestCommand,
    },
    /// Write a data directory for an intake on its own machine: the
    /// newsroom's recipients and an API key, no identity.
    IntakeKit {
        #[arg(long)]
        out: PathBuf,
    },
    /// Fetch what arrived at a separate intake, deliver the desk's replies,
    /// and confirm (the intake deletes confirmed items after retention_days).
    Pull {
        /// The intake's base URL, e.g. http://127.0.0.1:8081/ (over Tor: an
        /// onion address through torsocks).
        #[arg(long)]
        from: String,
        /// The API key file [default: the configured api_key_file].
        #[arg(long)]
        api_key_file: Option<PathBuf>,
    },
    /// Run the whole path on generated data, then serve it.
    Demo {
        /// Stop after the run instead of serving.
        #[arg(long)]
        no_serve: bool,
        /// Where the source interface listens.
        #[arg(long, default_value = "127.0.0.1:8080")]
        intake_addr: std::net::SocketAddr,
        /// Where the desk and the transparency log listen.
        #[arg(long, default_value = "127.0.0.1:8081")]
        desk_addr: std::net::SocketAddr,
        /// Where the public archive listens.
        #[arg(long, default_value = "127.0.0.1:8082")]
        archive_addr: std::net::SocketAddr,
        #[arg(long, default_value = "8M", value_parser = parse_size)]
        size: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Add a user; prints a password and a TOTP secret, once.
    Add {
        name: String,
        /// journalist, editor (decides, with a signing key of the same name),
        /// admin, or partner (with --partner: reads only what is granted).
        #[arg(long, default_value = "journalist", value_parser = parse_role)]
        role: Role,
        /// The partner organisation of a user of the partner role.
        #[arg(long)]
        partner: Option<String>,
    },
    /// List the users.
    List,
    /// Disable a user: no more log-ins, and their open desk sessions end
    /// at their next request.
    Disable { name: String },
}

#[derive(Subcommand)]
enum DocsCommand {
    /// List the documents of a submission; with --facet, --query, --sort,
    /// --page or --per-page, a page of its list as the desk shows it (facet counts too),
    /// and with --export the whole list into a file.
    List {
        submission: SubmissionId,
        /// Narrow by a facet value, GROUP/VALUE (type/email, verdict/verified,
        /// overlap/new, person/NAME, tag/NAME, …); repeat to narrow more.
        #[arg(long = "facet", value_name = "GROUP/VALUE")]
        facets: Vec<String>,
        /// Words in the desk's query language.
        #[arg(long, value_name = "QUERY")]
        query: Option<String>,
        /// path, type, date, size, verdict, overlap, significance, relevance.
        #[arg(long, value_parser = parse_sort)]
        sort: Option<trove_search::listing::ListSort>,
        #[arg(long)]
        desc: bool,
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// Documents a page (50 unless given).
        #[arg(long)]
        per_page: Option<usize>,
        /// Write the whole list (every page) as csv, jsonl, or zip (the
        /// original files) to --out.
        #[arg(long, value_name = "FORMAT", requires = "out")]
        export: Option<String>,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Show one document.
    Show { document: String },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List the public parts of every key.
    List,
    /// Create a witness key (tlog-cosignature/v1) for a partner; prints its vkey.
    AddWitness { name: String },
    /// Create an editor's signing key (decisions); prints its vkey. The log
    /// publishes the new key list.
    AddEditor { name: String },
    /// The DKIM key archive that verification uses.
    Dkim {
        #[command(subcommand)]
        command: DkimCommand,
    },
}

#[derive(Subcommand)]
enum PublishedCommand {
    /// Fingerprint a folder, archive, mbox or file as a published corpus.
    Import {
        #[arg(long)]
        name: String,
        #[arg(long)]
        publisher: String,
        /// Publication date, YYYY-MM-DD.
        #[arg(long)]
        date: Day,
        #[arg(long)]
        url: Option<String>,
        path: PathBuf,
    },
    /// Register every corpus a listing names: a JSON array of name,
    /// publisher, date (and url), each corpus a folder of that name beside
    /// the listing (as `trove gen-corpus` writes published/corpora.json).
    ImportListing { listing: PathBuf },
    /// List the registered corpora.
    List,
    /// Forget a corpus.
    Remove { name: String },
}

#[derive(Subcommand)]
enum DkimCommand {
    /// Import keys: lines `selector._domainkey.domain <TXT record> [first-seen] [last-seen]`.
    Import { file: PathBuf },
    /// List the archived keys.
    List,
}

#[derive(Subcommand)]
enum BlobCommand {
    /// Encrypt a file into the store and print its blob id.
    Put { file: PathBuf },
    /// Decrypt a blob to stdout (or --out FILE).
    Get {
        id: BlobId,
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct OutcomeArgs {
    /// Accept the submission.
    #[arg(long)]
    accept: bool,
    /// Reject it, with reason codes (ALREADY_PUBLIC, UNVERIFIABLE, …).
    #[arg(long, num_args = 1.., value_name = "CODE")]
    reject: Option<Vec<String>>,
    /// Defer it (optionally with codes; by default, what triage found missing).
    #[arg(long, num_args = 0.., value_name = "CODE")]
    defer: Option<Vec<String>>,
}

impl OutcomeArgs {
    fn outcome(self) -> (Outcome, Vec<String>) {
        match (self.accept, self.reject, self.defer) {
            (_, Some(codes), _) => (Outcome::Reject, codes),
            (_, _, Some(codes)) => (Outcome::Defer, codes),
            _ => (Outcome::Accept, Vec::new()),
        }
    }
}

#[derive(Subcommand)]
enum LogCommand {
    /// Append a signed statement.
    Append {
        #[command(subcommand)]
        statement: AppendCommand,
    },
    /// Append the queued receipts of past days (UTC) in one batch, ordered
    /// by submission id; `trove serve` does this after every midnight.
    Flush {
        /// Today's receipts too. Anyone who polls the log then learns that
        /// today's submissions came before now: for demos and tests.
        #[arg(long)]
        today: bool,
    },
    /// Print the current checkpoint (a signed note).
    Checkpoint,
    /// Print the inclusion proof of an entry against the current checkpoint.
    Prove { index: u64 },
    /// Audit a log from its files: checkpoint, tiles, entries, signatures.
    Verify {
        /// A log folder or an http:// URL of one [default: this data dir's log].
        #[arg(long)]
        from: Option<String>,
        /// The log's verifier key file [default: this data dir's keys/log.vkey].
        #[arg(long)]
        vkey: Option<PathBuf>,
        /// Require a cosignature by this witness verifier key file.
        #[arg(long)]
        witness: Option<PathBuf>,
        /// A folder where the last verified checkpoint of each log (by origin
        /// and key) is remembered [default: the data dir's log-seen/ for its
        /// own log, else $XDG_STATE_HOME/trove/log-seen, or
        /// ~/.local/state/trove/log-seen].
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Accountability figures from the log alone (verified whole first):
    /// receipts a month, decisions by outcome and code beside the facts
    /// the policy saw, days to decide and to publish, schedule delays by
    /// event.
    Stats {
        /// A log folder or an http:// URL of one [default: this data dir's log].
        #[arg(long)]
        from: Option<String>,
        /// The log's verifier key file [default: this data dir's keys/log.vkey].
        #[arg(long)]
        vkey: Option<PathBuf>,
    },
    /// Cosign the current checkpoint with a witness key file (tlog-cosignature/v1).
    Cosign {
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(Subcommand)]
enum AppendCommand {
    /// Queue the receipt of a stored submission (signed by the intake
    /// key) for the batch after its day ends.
    Receipt { submission: SubmissionId },
    /// An editor's decision (signed by the editor's key).
    Decision {
        submission: SubmissionId,
        #[arg(long)]
        outcome: Outcome,
        /// Reason codes, e.g. --reason ALREADY_PUBLIC (repeatable).
        #[arg(long = "reason")]
        reasons: Vec<String>,
        /// SHA-256 of the policy file, 64 hex digits.
        #[arg(long, value_parser = hex32)]
        policy: [u8; 32],
        #[arg(long, default_value = "chief")]
        editor: String,
    },
    /// A withheld document, by commitment, with a reason code.
    Withheld {
        #[arg(long, value_parser = hex32)]
        document: [u8; 32],
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "chief")]
        editor: String,
    },
}

/// A statement to sign and append now, or (the error) the submission whose
/// receipt is to be queued instead, since receipts wait for their day's batch.
impl TryFrom<AppendCommand> for AppendRequest {
    type Error = SubmissionId;

    fn try_from(command: AppendCommand) -> Result<Self, SubmissionId> {
        Ok(match command {
            AppendCommand::Receipt { submission } => return Err(submission),
            AppendCommand::Decision {
                submission,
                outcome,
                reasons,
                policy,
                editor,
            } => AppendRequest::Decision {
                submission,
                outcome,
                reasons,
                policy,
                editor,
            },
            AppendCommand::Withheld {
                document,
                reason,
                editor,
            } => AppendRequest::Signed {
                statement: Statement::Withheld { document, reason },
                editor,
            },
        })
    }
}

fn hex32(text: &str) -> Result<[u8; 32], String> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| format!("{text:?} is not 64 hex digits"))?;
    Ok(out)
}

/// A stage `trove queue` starts from.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Stage {
    Ingest,
    Verify,
    Overlap,
    Triage,
}

impl Stage {
    fn kind(self) -> trove_store::JobKind {
        match self {
            Stage::Ingest => trove_store::JobKind::Ingest,
            Stage::Verify => trove_store::JobKind::Verify,
            Stage::Overlap => trove_store::JobKind::Overlap,
            Stage::Triage => trove_store::JobKind::Triage,
        }
    }
}

fn parse_role(text: &str) -> Result<Role, trove_app::UserError> {
    Role::parse(text)
}

/// The first argument that makes this process a confined parser worker
/// (internal: started by ingest, fed over its stdin).
const PARSE_WORKER: &str = "parse-worker";

fn main() {
    // A worker confines itself before any other thread exists, so that no
    // thread of the process escapes Landlock and seccomp.
    if std::env::args_os().nth(1).is_some_and(|a| a == PARSE_WORKER) {
        if trove_app::serve_parser_worker().is_err() {
            std::process::exit(2);
        }
        return;
    }
    if let Ok(program) = std::env::current_exe() {
        trove_app::use_parser_workers(program, vec![PARSE_WORKER.into()]);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("TROVE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let result = runtime.block_on(run(cli));
    trove_app::stop_parser_workers();
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

/// The public keys as `trove keys list` shows them.
#[derive(serde::Serialize)]
struct PublicKey {
    role: String,
    kind: &'static str,
    public: String,
}

impl PublicKey {
    fn list(keys: &[trove_keys::PublicKeyInfo]) -> Vec<PublicKey> {
        keys.iter()
            .map(|k| PublicKey {
                role: k.role.clone(),
                kind: k.kind,
                public: k.public.clone(),
            })
            .collect()
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let Global { data: given, json } = cli.global;
    let data = given.clone().unwrap_or_else(|| PathBuf::from("trove-data"));
    let open = || Newsroom::open(&data);
    let bars = Bars::default();
    match cli.command {
        Command::Init {
            force,
            editor,
            origin,
            database,
        } => {
            let newsroom = Newsroom::init(&data, force, &editor, origin.as_ref(), database.as_deref()).await?;
            let keys = newsroom.public_keys()?;
            let report =
                json!({ "data": data, "config": data.join(trove_app::CONFIG_FILE), "keys": PublicKey::list(&keys) });
            print::report(json, &report, |_| {
                format!(
                    "initialised {}\n{}\nThe identity in {} is the newsroom's decryption key: keep it on the desk, never on the intake.",
                    data.display(),
                    print::keys(&keys),
                    newsroom.dir().keys_dir().join("newsroom.identity").display()
                )
            });
        }
        Command::Keys { command } => keys(&open().await?, command, json).await?,
        Command::Blob {
            command: BlobCommand::Put { file },
        } => {
            let receipt = open().await?.put_blob(&file)?;
            print::report(
                json,
                &json!({ "blob": receipt.blob.to_string(), "stored_bytes": receipt.stored_len }),
                |_| receipt.blob.to_string(),
            );
        }
        Command::Blob {
            command: BlobCommand::Get { id, out },
        } => {
            let newsroom = open().await?;
            match out {
                Some(path) => newsroom.blob_to_path(&id, &path)?,
                None => {
                    let stdout = std::io::stdout();
                    if stdout.is_terminal() {
                        bail!("refusing to write a blob to a terminal: redirect stdout or pass --out FILE");
                    }
                    let mut lock = stdout.lock();
                    newsroom.blob_to(&id, &mut lock)?;
                    std::io::Write::flush(&mut lock)?;
                }
            }
        }
        Command::Submit { paths } => {
            let newsroom = open().await?;
            let summary = newsroom.submit(&paths, &bars).await?;
            newsroom.queue_receipt(&summary)?;
            let report = json!({ "submission": summary.submission.to_string(), "files": summary.files, "bytes": summary.bytes, "receipt_queued_for": summary.day });
            print::report(json, &report, |_| {
                format!(
                    "{}\nits receipt is queued for the log's batch after {} ends (UTC); `trove log flush --today` appends it now",
                    summary.submission, summary.day
                )
            });
        }
        Command::Queue { submission, from, only } => {
            let job = open().await?.queue(&submission, from.kind(), only).await?;
            print::report(
                json,
                &json!({ "job": job, "submission": submission.to_string() }),
                |_| {
                    format!(
                        "job {job} queued: {} of {submission}{}",
                        from.kind(),
                        if only { "" } else { " and the stages after it" }
                    )
                },
            );
        }
        Command::Jobs => {
            let jobs = open().await?.jobs().await?;
            print::report(json, &json!({ "jobs": jobs }), |_| print::jobs(&jobs));
        }
        Command::Worker {
            lease_seconds,
            max_attempts,
            until_idle,
            threads,
        } => {
            let newsroom = open().await?;
            let name = trove_app::worker_name()?;
            let settings = trove_app::WorkerSettings {
                lease: std::time::Duration::from_secs(lease_seconds.max(1)),
                max_attempts: max_attempts.max(1),
                until_idle,
                poll: std::time::Duration::from_secs(1),
                threads: threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            };
            eprintln!("{name} is taking jobs");
            let finished = newsroom
                .work(&name, settings, |event| print::worker_event(json, &event))
                .await?;
            print::report(json, &json!({ "worker": name, "finished": finished }), |_| {
                format!("{name}: {finished} jobs finished, nothing left to do")
            });
        }
        Command::Submissions { id: None } => {
            let newsroom = open().await?;
            let mut records = Vec::new();
            for record in newsroom.submissions().await? {
                let blobs = newsroom.repo().submission_blobs(&record.id).await?.len();
                records.push((record, blobs));
            }
            let list: Vec<_> = records
                .iter()
                .map(|(r, blobs)| json!({ "submission": r.id.to_string(), "received_day": r.received_day, "blobs": blobs }))
                .collect();
            print::report(json, &json!({ "submissions": list }), |_| {
                records
                    .iter()
                    .map(|(r, blobs)| format!("{}  {}  {blobs} blobs", r.id, r.received_day))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Submissions { id: Some(id) } => {
            let newsroom = open().await?;
            let record = newsroom.submission(&id).await?;
            let manifest = newsroom.manifest(&id).await?;
            let files: Vec<_> = manifest
                .files
                .iter()
                .map(|f| {
                    let blobs: Vec<String> = f.parts.iter().map(|p| p.blob.to_string()).collect();
                    json!({ "path": f.path, "size": f.size, "blobs": blobs, "digest": hex::encode(f.digest) })
                })
                .collect();
            print::report(
                json,
                &json!({ "submission": id.to_string(), "received_day": record.received_day, "files": files }),
                |_| {
                    manifest
                        .files
                        .iter()
                        .map(|f| format!("{:>12}  {}", f.size, f.path))
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            );
        }
        Command::GenCorpus {
            out,
            seed,
            size,
            published_share,
            footer,
        } => {
            let spec = trove_corpus::Spec {
                seed,
                size,
                published_share,
                footer,
            };
            trove_app::Progress::start(&bars, "generating", Some(size));
            let mut last = 0;
            let summary = trove_corpus::generate(&out, &spec, |done, _| {
                trove_app::Progress::advance(&bars, done.saturating_sub(last), 0);
                last = done;
            })?;
            trove_app::Progress::finish(&bars);
            print::report(json, &summary, |s| {
                format!(
                    "wrote {} documents ({} content, {} bytes in cache/) and {} published files to {}\nnovel share: {:.1}% of documents, {:.1}% of bytes (truth.json)",
                    s.documents,
                    s.content_documents,
                    s.cache_bytes,
                    s.published_files,
                    out.display(),
                    s.novel_share_count * 100.0,
                    s.novel_share_bytes * 100.0
                )
            });
        }
        Command::Ingest {
            submission,
            report,
            retry_failed,
            threads,
        } => {
            let newsroom = open().await?;
            if !report {
                let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
                newsroom.ingest(&submission, retry_failed, threads, &bars).await?;
            }
            let summary = newsroom.ingest_summary(&submission).await?;
            print::report(json, &summary, print::ingest);
        }
        Command::Docs {
            command:
                DocsCommand::List {
                    submission,
                    facets,
                    query,
                    sort,
                    desc,
                    page,
                    per_page,
                    export,
                    out,
                },
        } if !facets.is_empty()
            || query.is_some()
            || sort.is_some()
            || page > 1
            || per_page.is_some()
            || export.is_some() =>
        {
            let newsroom = open().await?;
            let list = trove_app::DocumentList {
                submission: Some(submission),
                text: query.unwrap_or_default(),
                facets,
                sort: sort.unwrap_or_default(),
                descending: desc,
                page,
                per_page: per_page.unwrap_or(50),
            };
            if let (Some(format), Some(out)) = (export, out) {
                let format = trove_app::ExportFormat::parse(&format)
                    .ok_or_else(|| anyhow::anyhow!("--export {format:?}: csv, jsonl or zip"))?;
                let mut file = std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?;
                let written = newsroom.export_list(&list, format, &mut file, &|_, _| {}).await?;
                print::report(json, &json!({ "documents": written, "file": out }), |_| {
                    format!("wrote {written} documents to {}", out.display())
                });
            } else {
                let found = newsroom.list_documents(&list).await?;
                print::report(json, &found, print::document_list);
            }
        }
        Command::Docs {
            command: DocsCommand::List { submission, .. },
        } => {
            let documents = open().await?.documents(&submission).await?;
            let list: Vec<_> = documents
                .iter()
                .map(|d| json!({ "id": d.id, "path": d.path, "type": d.doc_type, "size": d.size, "status": d.status }))
                .collect();
            print::report(json, &json!({ "documents": list }), |_| {
                documents
                    .iter()
                    .map(|d| format!("{}  {:<7} {:<9} {:>10}  {}", d.id, d.doc_type, d.status, d.size, d.path))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Search {
            reindex: Some(submission),
            ..
        } => {
            let indexed = open().await?.reindex(&submission).await?;
            print::report(json, &json!({ "submission": submission, "indexed": indexed }), |_| {
                format!("indexed {indexed} documents of {submission}")
            });
        }
        Command::Search {
            submission,
            limit,
            batch: Some(file),
            ..
        } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let terms = trove_app::batch_terms(&text);
            let results = open().await?.batch_search(&terms, submission.as_ref(), limit)?;
            print::report(json, &results, |results| {
                let matched = results.iter().filter(|r| r.count > 0).count();
                let mut text = format!("{} terms, {matched} found", results.len());
                for r in results {
                    match &r.error {
                        Some(error) => text.push_str(&format!("\n{:>8}  {}  ({error})", "-", r.term)),
                        None => text.push_str(&format!("\n{:>8}  {}", r.count, r.term)),
                    }
                }
                text
            });
        }
        Command::Search {
            query,
            submission,
            limit,
            reindex: None,
            batch: None,
        } => {
            let query = trove_search::Query {
                text: query.unwrap_or_default(),
                submission: submission.map(|s| s.to_string()),
                limit,
            };
            let hits = open().await?.search(&query).await?;
            print::report(json, &hits, |hits| print::search(hits));
        }
        Command::Docs {
            command: DocsCommand::Show { document },
        } => {
            let doc = open().await?.document(&document).await?;
            print::report(json, &doc, |doc| {
                format!(
                    "{}\ntype {}, {} bytes, status {}{}\ncontent {}\nmetadata {}\n\n{}",
                    doc.path,
                    doc.doc_type,
                    doc.size,
                    doc.status,
                    doc.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
                    doc.content_id,
                    serde_json::to_string_pretty(&doc.metadata).unwrap_or_default(),
                    doc.text
                )
            });
        }
        Command::Published { command } => published(&open().await?, command, json, &bars).await?,
        // Both stream: each document's result is printed (with --json) as
        // it is settled, never gathered.
        Command::Overlap { submission } => {
            let newsroom = open().await?;
            if json {
                let mut out = print::JsonDocuments::start();
                let summary = newsroom
                    .overlap_streaming(&submission, |doc| out.document(&doc))
                    .await?;
                let settings = newsroom.dir().config.overlap.settings();
                out.finish(&[
                    ("summary", serde_json::to_value(&summary)?),
                    ("settings", serde_json::to_value(settings)?),
                ]);
            } else {
                let summary = newsroom.overlap_streaming(&submission, |_| {}).await?;
                print::report(false, &summary, print::overlap);
            }
        }
        Command::Verify { submission } => {
            let newsroom = open().await?;
            if json {
                let mut out = print::JsonDocuments::start();
                let summary = newsroom.verify_streaming(&submission, |doc| out.document(&doc)).await?;
                out.finish(&[("summary", serde_json::to_value(&summary)?)]);
            } else {
                let mut suspicious = Vec::new();
                let summary = newsroom
                    .verify_streaming(&submission, |doc| {
                        if doc.verdict == trove_verify::Verdict::Suspicious {
                            suspicious.push(doc);
                        }
                    })
                    .await?;
                let report = trove_verify::VerifyReport {
                    documents: suspicious,
                    summary,
                };
                print::report(false, &report, |r| print::verify(r, usize::MAX));
            }
        }
        Command::Log { command } => log(&data, command, json).await?,
        Command::Serve {
            role,
            intake_addr,
            desk_addr,
            archive_addr,
            archive,
            log_dir,
            log_key,
        } => {
            let addresses = serve::Addresses {
                intake: intake_addr,
                desk: desk_addr,
                archive: archive_addr,
            };
            // The archive role opens no data directory: an archive folder
            // (given, or the data directory's archive/) is all it reads.
            let log_key = log_key.or_else(|| Some(data.join("keys/log.vkey")).filter(|k| k.is_file()));
            let source = match archive {
                Some(dir) => serve::ArchiveSource { dir, log_dir, log_key },
                None => serve::ArchiveSource {
                    dir: data.join("archive"),
                    log_dir: log_dir.or_else(|| Some(data.join("log")).filter(|l| l.is_dir())),
                    log_key,
                },
            };
            anyhow::ensure!(
                role != serve::Role::Archive || source.dir.is_dir(),
                "no archive folder at {}: give --archive DIR (built by `trove archive build`)",
                source.dir.display()
            );
            let newsroom = match role {
                serve::Role::Archive => None,
                _ => Some(open().await?),
            };
            let source = Some(source);
            serve::serve(newsroom, source, role, addresses).await?
        }
        Command::Archive { command } => archive(&data, command, json).await?,
        Command::Reply { submission, text_file } => {
            let text = std::fs::read(&text_file).with_context(|| format!("cannot read {}", text_file.display()))?;
            let message = open()
                .await?
                .reply(&submission, &text)
                .await
                .with_context(|| format!("{}", text_file.display()))?;
            print::report(json, &json!({ "message": message.id, "day": message.day }), |_| {
                format!("reply {} sealed to the source of {submission}", message.id)
            });
        }
        Command::Messages { submission } => {
            let messages = open().await?.messages(&submission).await?;
            print::report(json, &json!({ "messages": messages }), |_| print::messages(&messages));
        }
        Command::Users {
            command: UsersCommand::Add { name, role, partner },
        } => {
            let newsroom = open().await?;
            let user = match (role, partner) {
                (Role::Partner, Some(partner)) => newsroom.add_partner_user(&name, &partner).await?,
                (Role::Partner, None) => {
                    bail!("a partner user needs --partner ORGANISATION (see `trove partners list`)")
                }
                (_, Some(_)) => bail!("--partner is for users of the partner role"),
                (role, None) => newsroom.add_user(&name, role).await?,
            };
            let role = role.as_str();
            print::report(
                json,
                &json!({
                    "name": name,
                    "role": role,
                    "password": user.password.as_str(),
                    "totp_secret": user.totp_secret,
                    "otpauth": user.otpauth_uri("trove"),
                }),
                |_| {
                    format!(
                        "user {name} ({role}) added. Hand these over once, in person; they are not shown again:\n  password     {}\n  TOTP secret  {}\n  {}",
                        user.password.as_str(),
                        user.totp_secret,
                        user.otpauth_uri("trove")
                    )
                },
            );
        }
        Command::Users {
            command: UsersCommand::List,
        } => {
            let users = open().await?.users().await?;
            let list: Vec<_> = users
                .iter()
                .map(|(name, role, day)| json!({ "name": name, "role": role, "created": day }))
                .collect();
            print::report(json, &json!({ "users": list }), |_| {
                users
                    .iter()
                    .map(|(name, role, day)| format!("{name:<20} {role:<11} {day}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Users {
            command: UsersCommand::Disable { name },
        } => {
            open().await?.disable_user(&name).await?;
            print::report(json, &json!({ "disabled": name }), |_| {
                format!("disabled {name}: no log-ins, and their sessions end at their next request")
            });
        }
        Command::Triage { submission } => {
            let report = open().await?.triage(&submission).await?;
            print::report(json, &report, print::triage);
        }
        Command::Release { command } => release::release(&open().await?, command, json).await?,
        Command::Publish { release, editor } => {
            release::publish(&open().await?, &release, &editor, &bars, json).await?;
        }
        Command::Manifest { command } => release::manifest(command, json).await?,
        Command::Partners { command } => schedule::partners(&open().await?, command, json).await?,
        Command::Grant {
            release,
            partner,
            embargo_days,
            terms,
            paid,
            editor,
            user,
            now,
        } => {
            let now = match now {
                Some(now) => now,
                None => trove_app::current_hour()?,
            };
            let newsroom = open().await?;
            let grant = newsroom
                .grant(trove_app::GrantRequest {
                    release: &release,
                    partner: &partner,
                    embargo_days,
                    terms: &terms,
                    paid,
                    editor: &editor,
                    user: &user,
                    now,
                })
                .await?;
            print::report(json, &grant, |g| {
                format!(
                    "granted release {} to {} from {} until {} (terms {}, {}), log entry {}; it goes public when the embargo ends",
                    g.release,
                    g.partner,
                    g.start,
                    g.embargo_until,
                    &g.terms_sha256[..16],
                    if g.paid { "paid" } else { "unpaid" },
                    g.log_index
                )
            });
        }
        Command::Calendar { command } => schedule::calendar(&open().await?, command, json).await?,
        Command::Schedule { command } => schedule::schedule(&open().await?, command, &bars, json).await?,
        Command::Decide {
            submission,
            outcome,
            reason,
            editor,
        } => {
            let (outcome, reasons) = outcome.outcome();
            let decision = Decision {
                outcome,
                reasons,
                note: reason,
                editor,
            };
            let report = open().await?.decide(&submission, decision).await?;
            print::report(json, &report, |r| {
                let d = &r.decision;
                let mut text = format!(
                    "{} {} by {} (log entry {}; the policy proposed {})",
                    d.outcome,
                    d.reasons.join(" "),
                    d.editor,
                    d.log_index,
                    d.proposed
                );
                if r.supersedes > 0 {
                    text.push_str(&format!(
                        "\nsupersedes {} earlier decision(s), which stay in the log",
                        r.supersedes
                    ));
                }
                text
            });
        }
        Command::IntakeKit { out } => {
            let kit = open().await?.intake_kit(&out)?;
            print::report(json, &kit, |_| {
                format!(
                    "wrote an intake data directory to {} (recipients and API key; no identity).\nOn the intake machine: trove --data {} serve --role intake\nOn the desk:           trove pull --from http://INTAKE/",
                    out.display(),
                    out.display()
                )
            });
        }
        Command::Pull { from, api_key_file } => {
            let report = open().await?.pull(&from, api_key_file.as_deref()).await?;
            print::report(json, &report, print::pull);
        }
        Command::Demo {
            no_serve,
            intake_addr,
            desk_addr,
            archive_addr,
            size,
            seed,
        } => {
            let spec = trove_app::demo::DemoSpec { size, seed };
            let addresses = serve::Addresses {
                intake: intake_addr,
                desk: desk_addr,
                archive: archive_addr,
            };
            demo(given.as_deref(), spec, no_serve, addresses, json, &bars).await?
        }
    }
    Ok(())
}

#[derive(Subcommand)]
enum ArchiveCommand {
    /// Build (or add to) an archive folder from sealed release folders,
    /// each checked against the log first; no data directory is needed.
    Build {
        /// The archive folder to write.
        #[arg(long)]
        out: PathBuf,
        /// The log's public key (vkey text).
        #[arg(long)]
        log_key: PathBuf,
        /// Release folders (archive/releases/<root> of a data directory,
        /// or unpacked release tars).
        #[arg(required = true)]
        releases: Vec<PathBuf>,
    },
    /// Write a static copy of an archive (document and release pages,
    /// downloads, the feed) that any web server or mirror can host.
    Export {
        /// The archive folder (default: the data directory's archive/).
        #[arg(long)]
        archive: Option<PathBuf>,
        /// Where to write the static copy.
        #[arg(long = "static")]
        out: PathBuf,
    },
    /// Check an archive folder or a mirror's URL: every release it lists
    /// is in the log and has every published file with its digest.
    Verify {
        target: String,
        #[arg(long)]
        log_key: PathBuf,
    },
}

async fn archive(data: &Path, command: ArchiveCommand, json: bool) -> anyhow::Result<()> {
    match command {
        ArchiveCommand::Export { archive, out } => {
            let dir = archive.unwrap_or_else(|| data.join("archive"));
            anyhow::ensure!(dir.is_dir(), "no archive folder at {}", dir.display());
            let written = tokio::task::spawn_blocking({
                let out = out.clone();
                move || trove_archive::mirror::export_static(&trove_archive::Archive::open(&dir)?, &out)
            })
            .await??;
            print::report(json, &written, |w| {
                format!(
                    "static copy in {}: {} release(s), {} document pages (search stays with the server)",
                    out.display(),
                    w.releases,
                    w.document_pages
                )
            });
        }
        ArchiveCommand::Build { out, log_key, releases } => {
            let key = trove_app::read_vkey(&log_key, trove_keys::KeyAlg::Ed25519)?;
            let built = trove_app::build_archive(&out, &releases, &key).await?;
            print::report(json, &built, |built| {
                let mut text = format!("archive {}: {} release(s) added\n", out.display(), built.len());
                for release in built {
                    text.push_str(&format!(
                        "  {} (log entry {}): {} documents served\n",
                        release.root, release.log_index, release.documents
                    ));
                }
                text.push_str(&format!(
                    "serve it with: trove serve --role archive --archive {}",
                    out.display()
                ));
                text
            });
        }
        ArchiveCommand::Verify { target, log_key } => {
            let key = trove_app::read_vkey(&log_key, trove_keys::KeyAlg::Ed25519)?;
            let releases = trove_app::verify_archive(&target, &key).await?;
            let complete = releases.iter().all(|r| r.complete());
            print::report(json, &releases, |releases| {
                let mut text = String::new();
                for release in releases {
                    match (&release.check, &release.error) {
                        (Some(check), _) if check.complete() => text.push_str(&format!(
                            "{}: complete (log entry {}, {} records)\n",
                            release.root, check.log_index, check.records
                        )),
                        (Some(check), _) => {
                            text.push_str(&format!("{}: INCOMPLETE\n", release.root));
                            for problem in &check.problems {
                                text.push_str(&format!(
                                    "  {} {} (record {}, {})\n",
                                    problem.what,
                                    problem.file,
                                    problem.index,
                                    problem.path.as_deref().unwrap_or("-")
                                ));
                            }
                        }
                        (None, error) => text.push_str(&format!(
                            "{}: NOT TRUSTED: {}\n",
                            release.root,
                            error.as_deref().unwrap_or("unknown")
                        )),
                    }
                }
                text.push_str(if complete {
                    "every release is complete and in the log"
                } else {
                    "the archive is NOT complete"
                });
                text
            });
            if !complete {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}

async fn keys(newsroom: &Newsroom, command: KeysCommand, json: bool) -> anyhow::Result<()> {
    match command {
        KeysCommand::List => {
            let keys = newsroom.public_keys()?;
            print::report(json, &json!({ "keys": PublicKey::list(&keys) }), |_| print::keys(&keys));
        }
        KeysCommand::AddEditor { name } => {
            let vkey = newsroom.add_editor_key(&name)?;
            print::report(json, &json!({ "vkey": vkey }), |_| vkey.clone());
        }
        KeysCommand::AddWitness { name } => {
            let (vkey, key_file) = newsroom.add_witness_key(&name)?;
            print::report(json, &json!({ "vkey": vkey, "key_file": key_file }), |_| {
                format!(
                    "{vkey}\nThe private key is in {}: hand it to the partner, and keep no copy.",
                    key_file.display()
                )
            });
        }
        KeysCommand::Dkim {
            command: DkimCommand::Import { file },
        } => {
            let (read, added) = newsroom.import_dkim_keys(&file).await?;
            print::report(json, &json!({ "read": read, "added": added }), |_| {
                format!("{read} keys read, {added} new in the archive")
            });
        }
        KeysCommand::Dkim {
            command: DkimCommand::List,
        } => {
            let keys = newsroom.dkim_keys().await?;
            print::report(json, &json!({ "keys": keys }), |_| {
                keys.iter()
                    .map(|k| {
                        let kind = trove_dkim::KeyRecord::parse(&k.record)
                            .map(|r| {
                                if r.key_type == trove_dkim::KeyType::Rsa {
                                    "rsa"
                                } else {
                                    "ed25519"
                                }
                            })
                            .unwrap_or("?");
                        format!(
                            "{}._domainkey.{}  {kind}  seen {} .. {}  ({})",
                            k.selector,
                            k.domain,
                            k.first_seen.as_deref().unwrap_or("?"),
                            k.last_seen.as_deref().unwrap_or("?"),
                            k.source
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}

async fn published(newsroom: &Newsroom, command: PublishedCommand, json: bool, bars: &Bars) -> anyhow::Result<()> {
    match command {
        PublishedCommand::Import {
            name,
            publisher,
            date,
            url,
            path,
        } => {
            let info = trove_overlap::CorpusInfo {
                name,
                publisher,
                date,
                url,
            };
            let summary = newsroom.import_published(&path, &info, bars).await?;
            print::report(json, &summary, |s| {
                format!("registered {}: {} documents, {} bytes", s.name, s.documents, s.bytes)
            });
        }
        PublishedCommand::ImportListing { listing } => {
            let imported = newsroom.import_listing(&listing, bars).await?;
            print::report(json, &json!({ "imported": imported }), |_| {
                imported
                    .iter()
                    .map(|s| format!("registered {}: {} documents, {} bytes", s.name, s.documents, s.bytes))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PublishedCommand::List => {
            let corpora = newsroom.published_corpora().await?;
            print::report(json, &json!({ "corpora": corpora }), |_| {
                corpora
                    .iter()
                    .map(|c| {
                        format!(
                            "{}  {}  {}  {} documents  {} bytes{}",
                            c.name,
                            c.date,
                            c.publisher,
                            c.documents,
                            c.bytes,
                            c.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        PublishedCommand::Remove { name } => {
            newsroom.remove_published(&name).await?;
            print::report(json, &json!({ "removed": name }), |_| format!("removed {name}"));
        }
    }
    Ok(())
}

async fn log(data: &Path, command: LogCommand, json: bool) -> anyhow::Result<()> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    match command {
        LogCommand::Append { statement } => match AppendRequest::try_from(statement) {
            Err(submission) => {
                let day = Newsroom::open(data).await?.queue_receipt_of(&submission).await?;
                print::report(json, &json!({ "queued": submission.to_string(), "day": day }), |_| {
                    format!("queued the receipt of {submission} for the log's batch after {day} ends (UTC)")
                });
            }
            Ok(request) => {
                let (index, kind) = Newsroom::open(data).await?.append_statement(request).await?;
                print::report(json, &json!({ "index": index, "kind": kind }), |_| {
                    format!("appended {kind} as entry {index}")
                });
            }
        },
        LogCommand::Flush { today } => {
            let due = if today { Due::All } else { Due::Before(Day::today()) };
            let appended = Newsroom::open(data).await?.append_queued_receipts(due).await?;
            let list: Vec<_> = appended
                .iter()
                .map(|r| json!({ "submission": r.submission.to_string(), "day": r.day, "index": r.index }))
                .collect();
            print::report(json, &json!({ "appended": list }), |_| match appended.as_slice() {
                [] => "no receipts were due".to_owned(),
                [first, ..] => format!(
                    "appended {} receipt(s) as entries {}..{}",
                    appended.len(),
                    first.index,
                    first.index + appended.len() as u64 - 1
                ),
            });
        }
        LogCommand::Checkpoint => {
            let signed = Newsroom::open(data).await?.checkpoint()?;
            let note = signed.note.encode();
            let checkpoint = &signed.checkpoint;
            print::report(
                json,
                &json!({ "origin": checkpoint.origin, "size": checkpoint.size, "root": BASE64.encode(checkpoint.root), "note": note }),
                |_| note.trim_end().to_owned(),
            );
        }
        LogCommand::Prove { index } => {
            let proof = Newsroom::open(data).await?.prove(index)?;
            let report = json!({
                "index": proof.index,
                "tree_size": proof.tree_size,
                "root": BASE64.encode(proof.root),
                "leaf_hash": BASE64.encode(proof.leaf_hash),
                "proof": proof.proof.iter().map(|h| BASE64.encode(h)).collect::<Vec<_>>(),
            });
            print::report(json, &report, |r| serde_json::to_string_pretty(r).expect("json"));
        }
        LogCommand::Verify {
            from,
            vkey,
            witness,
            state,
        } => {
            // An outsider needs no data directory: only the log and its key.
            let state = state.unwrap_or_else(|| trove_app::log_state_dir(data, from.is_none()));
            let vkey = vkey.unwrap_or_else(|| data.join("keys/log.vkey"));
            let from = from.unwrap_or_else(|| data.join("log").display().to_string());
            let report = trove_app::verify_any_log(&from, &vkey, witness.as_deref(), state).await?;
            print::report(json, &report, print::log_verification);
        }
        LogCommand::Stats { from, vkey } => {
            let vkey = vkey.unwrap_or_else(|| data.join("keys/log.vkey"));
            let from = from.unwrap_or_else(|| data.join("log").display().to_string());
            let stats = trove_app::log_stats(&from, &vkey).await?;
            print::report(json, &stats, print::log_stats);
        }
        LogCommand::Cosign { key } => {
            let size = Newsroom::open(data).await?.cosign(&key)?;
            print::report(json, &json!({ "cosigned_size": size }), |_| {
                format!("cosigned the checkpoint of size {size}")
            });
        }
    }
    Ok(())
}

/// Runs the whole path on generated data, prints it, then serves it.
async fn demo(
    data: Option<&Path>,
    spec: trove_app::demo::DemoSpec,
    no_serve: bool,
    addresses: serve::Addresses,
    json: bool,
    bars: &Bars,
) -> anyhow::Result<()> {
    // Without --data the demo gets a fresh folder of its own, kept after it
    // ends so that its output can be looked at.
    let data = match data {
        Some(data) => data.to_owned(),
        None => tempfile::Builder::new()
            .prefix("trove-demo-")
            .tempdir()
            .context("cannot create a temporary folder")?
            .keep(),
    };
    let (newsroom, report) = trove_app::demo::run(&data, spec, bars).await?;
    print::report(json, &report, |r| print::demo(r, addresses, !no_serve));
    if !no_serve {
        // Every role, each on its own listener.
        let archive = serve::ArchiveSource {
            dir: newsroom.archive_dir(),
            log_dir: Some(newsroom.dir().log_dir()),
            log_key: Some(newsroom.dir().keys_dir().join("log.vkey")),
        };
        serve::serve(Some(newsroom), Some(archive), serve::Role::All, addresses).await?;
    }
    Ok(())
}

fn parse_sort(text: &str) -> Result<trove_search::listing::ListSort, String> {
    trove_search::listing::ListSort::parse(text)
        .ok_or_else(|| "path, type, date, size, verdict, overlap, significance or relevance".to_owned())
}

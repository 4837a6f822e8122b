//! `trove`: the command-line interface. It wires the library crates
//! together and owns nothing else: parsing arguments, opening the data
//! directory, printing reports (human or `--json`).

mod config;
mod datadir;
mod desk;
mod ingest;
mod ledger;
mod overlap;
mod pull;
mod serve;
mod triage;
mod verify;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use serde_json::json;
use trove_keys::Keyring;
use trove_store::{BlobId, Channel, MetadataRepo, SubmissionId, SubmissionSummary, SubmissionWriter, read_manifest};

use config::parse_size;
use datadir::DataDir;

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
    /// List submissions, or show one's files (desk: needs the identity).
    Submissions {
        /// A submission id: show its files.
        id: Option<String>,
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
    },
    /// Unpack a submission and extract every document's text and metadata.
    Ingest {
        submission: String,
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
    Overlap { submission: String },
    /// Authenticity evidence for every document and a verdict for each
    /// (DKIM against the key archive, Received times, threads, metadata).
    Verify { submission: String },
    /// A submission's documents, or one document (text, metadata, provenance).
    Docs {
        #[command(subcommand)]
        command: DocsCommand,
    },
    /// The transparency log: append, checkpoint, prove, verify, cosign.
    Log {
        #[command(subcommand)]
        command: ledger::LogCommand,
    },
    /// Serve this data directory over HTTP: the source interface, the
    /// transparency log under /log/, or both.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// intake: the source interface only, from recipients alone (no
        /// identity is loaded); desk: the log (the desk's pages come later);
        /// all: both on one data directory, the embedded default.
        #[arg(long, value_enum, default_value = "all")]
        role: serve::Role,
    },
    /// Send a reply to the source of a submission, sealed to the source's
    /// codename-derived key.
    Reply {
        submission: String,
        /// A UTF-8 text file with the reply.
        #[arg(long)]
        text_file: PathBuf,
    },
    /// The messages exchanged with the source of a submission (desk: opens
    /// the source's messages with the newsroom identity).
    Messages { submission: String },
    /// Desk users (journalists, editors, admins) with password and TOTP.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Entities, significance and the policy's proposal for a submission.
    Triage { submission: String },
    /// An editor's decision, signed and appended to the transparency log.
    Decide {
        submission: String,
        #[command(flatten)]
        outcome: triage::OutcomeArgs,
        /// Why (required when the decision differs from the proposal).
        #[arg(long)]
        reason: Option<String>,
        /// The editor whose key signs it.
        #[arg(long, default_value = "chief")]
        editor: String,
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
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
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
        /// journalist, editor (decides, with a signing key of the same name) or admin.
        #[arg(long, default_value = "journalist")]
        role: String,
    },
    /// List the users.
    List,
}

#[derive(Subcommand)]
enum DocsCommand {
    /// List the documents of a submission.
    List { submission: String },
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
        date: String,
        #[arg(long)]
        url: Option<String>,
        path: PathBuf,
    },
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
        id: String,
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

/// Parses 500K, 100M, 1G, 2GiB or plain bytes (binary units).
fn main() {
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
    if let Err(error) = runtime.block_on(run(cli)) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let Global { data: given_data, json } = cli.global;
    let data = given_data.clone().unwrap_or_else(|| PathBuf::from("trove-data"));
    match cli.command {
        Command::Init { force, editor } => init(&data, force, &editor, json).await,
        Command::Keys {
            command: KeysCommand::List,
        } => keys_list(&DataDir::open(&data)?, json),
        Command::Keys {
            command: KeysCommand::AddEditor { name },
        } => {
            let dir = DataDir::open(&data)?;
            let role = trove_keys::StatementRole::Editor(name.clone());
            if dir.keyring().verifier_key(&role).is_ok() {
                bail!("editor {name:?} already has a key");
            }
            let vkey = dir.keyring().generate_statement_key(&role)?;
            ledger::open_log(&dir)?;
            print_report(json, &json!({ "vkey": vkey.to_string() }), |_| vkey.to_string());
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::AddWitness { name },
        } => {
            let dir = DataDir::open(&data)?;
            let vkey = dir
                .keyring()
                .generate_statement_key(&trove_keys::StatementRole::Witness(name.clone()))?;
            let key_file = dir.keys_dir().join(format!("witness-{name}.key"));
            print_report(json, &json!({ "vkey": vkey.to_string(), "key_file": key_file }), |_| {
                format!(
                    "{vkey}\nThe private key is in {}: hand it to the partner, and keep no copy.",
                    key_file.display()
                )
            });
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Dkim {
                command: DkimCommand::Import { file },
            },
        } => verify::run_import(&data, &file, json).await,
        Command::Keys {
            command: KeysCommand::Dkim {
                command: DkimCommand::List,
            },
        } => verify::run_list(&data, json).await,
        Command::Verify { submission } => verify::run_verify(&data, &submission, json).await,
        Command::Overlap { submission } => overlap::run_overlap(&data, &submission, json).await,
        Command::Published {
            command:
                PublishedCommand::Import {
                    name,
                    publisher,
                    date,
                    url,
                    path,
                },
        } => {
            let info = trove_overlap::CorpusInfo {
                name,
                publisher,
                date,
                url,
            };
            overlap::run_import(&data, &path, info, json).await
        }
        Command::Published {
            command: PublishedCommand::List,
        } => overlap::run_list(&data, json).await,
        Command::Published {
            command: PublishedCommand::Remove { name },
        } => overlap::run_remove(&data, &name, json).await,
        Command::Blob {
            command: BlobCommand::Put { file },
        } => blob_put(&DataDir::open(&data)?, &file, json),
        Command::Blob {
            command: BlobCommand::Get { id, out },
        } => blob_get(&DataDir::open(&data)?, &id, out.as_deref()),
        Command::Submit { paths } => {
            let dir = DataDir::open(&data)?;
            let summary = submit(&dir, &paths).await?;
            let index = ledger::append_receipt(&dir, &summary)?;
            let report = json!({ "submission": summary.submission.to_string(), "files": summary.files, "bytes": summary.bytes, "receipt_index": index });
            print_report(json, &report, |_| summary.submission.to_string());
            Ok(())
        }
        Command::Log { command } => ledger::run(&data, command, json).await,
        Command::Ingest {
            submission,
            report,
            retry_failed,
            threads,
        } => {
            let threads = threads.unwrap_or_else(ingest::default_threads);
            ingest::run_ingest(&data, &submission, report, retry_failed, threads, json).await
        }
        Command::Docs {
            command: DocsCommand::List { submission },
        } => ingest::docs_list(&data, &submission, json).await,
        Command::Docs {
            command: DocsCommand::Show { document },
        } => ingest::docs_show(&data, &document, json).await,
        Command::Serve { addr, role } => serve::serve(&DataDir::open(&data)?, role, addr).await,
        Command::Reply { submission, text_file } => serve::reply(&data, &submission, &text_file, json).await,
        Command::Messages { submission } => serve::messages(&data, &submission, json).await,
        Command::Users {
            command: UsersCommand::Add { name, role },
        } => desk::run_users_add(&data, &name, &role, json).await,
        Command::Users {
            command: UsersCommand::List,
        } => desk::run_users_list(&data, json).await,
        Command::Triage { submission } => triage::run_triage(&data, &submission, json).await,
        Command::Decide {
            submission,
            outcome,
            reason,
            editor,
        } => triage::run_decide(&data, &submission, outcome, reason, editor, json).await,
        Command::IntakeKit { out } => pull::intake_kit(&DataDir::open(&data)?, &out, json),
        Command::Pull { from, api_key_file } => pull::pull(&data, &from, api_key_file.as_ref(), json).await,
        Command::Submissions { id } => submissions(&DataDir::open(&data)?, id.as_deref(), json).await,
        Command::GenCorpus {
            out,
            seed,
            size,
            published_share,
        } => {
            let summary = gen_corpus(
                &out,
                &trove_corpus::Spec {
                    seed,
                    size,
                    published_share,
                },
            )?;
            print_report(json, &summary, |s| {
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
            Ok(())
        }
        Command::Demo {
            no_serve,
            addr,
            size,
            seed,
        } => demo(given_data.as_deref(), no_serve, addr, size, seed, json).await,
    }
}

pub(crate) fn print_report<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) {
    let text = if json {
        serde_json::to_string_pretty(value).expect("reports serialize")
    } else {
        human(value)
    };
    // A reader that stops early (`trove docs list | head`) is not an error.
    if let Err(error) = writeln!(std::io::stdout().lock(), "{text}")
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

#[derive(Serialize)]
struct PublicKey {
    role: String,
    kind: &'static str,
    public: String,
}

fn public_keys(keyring: &Keyring) -> anyhow::Result<Vec<PublicKey>> {
    Ok(keyring
        .public_keys()?
        .into_iter()
        .map(|k| PublicKey {
            role: k.role,
            kind: k.kind,
            public: k.public,
        })
        .collect())
}

fn format_keys(keys: &[PublicKey]) -> String {
    keys.iter()
        .map(|k| format!("{:<16} {:<22} {}", k.role, k.kind, k.public))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn init(data: &Path, force: bool, editor: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::create(data, force)?;
    let keyring = Keyring::generate(&dir.keys_dir(), editor, force)?;
    dir.repo(true).await?;
    dir.backend()?;
    let keys = public_keys(&keyring)?;
    let report = json!({ "data": data, "config": data.join(datadir::CONFIG_FILE), "keys": keys });
    print_report(json, &report, |_| {
        format!(
            "initialised {}\n{}\nThe identity in {} is the newsroom's decryption key: keep it on the desk, never on the intake.",
            data.display(),
            format_keys(&keys),
            dir.keys_dir().join("newsroom.identity").display()
        )
    });
    Ok(())
}

fn keys_list(dir: &DataDir, json: bool) -> anyhow::Result<()> {
    let keys = public_keys(&dir.keyring())?;
    print_report(json, &json!({ "keys": keys }), |_| format_keys(&keys));
    Ok(())
}

fn blob_put(dir: &DataDir, file: &Path, json: bool) -> anyhow::Result<()> {
    let sealer = dir.sealer()?;
    let input = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let receipt = sealer
        .put(input)
        .with_context(|| format!("storing {}", file.display()))?;
    print_report(
        json,
        &json!({ "blob": receipt.blob.to_string(), "stored_bytes": receipt.stored_len }),
        |_| receipt.blob.to_string(),
    );
    Ok(())
}

fn blob_get(dir: &DataDir, id: &str, out: Option<&Path>) -> anyhow::Result<()> {
    let id = BlobId::from_str(id)?;
    let opener = dir.opener()?;
    match out {
        // A device or a pipe is written as it is.
        Some(path) if path.metadata().is_ok_and(|meta| !meta.is_file()) => {
            let mut target = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            opener
                .copy_to(&id, &mut target)
                .context("the output written so far must not be trusted")?;
        }
        Some(path) => {
            // Write beside the target and rename, so a failed check leaves
            // no plausible-looking partial file.
            let partial = path.with_extension("partial");
            let mut file = File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
            if let Err(error) = opener.copy_to(&id, &mut file) {
                let _ = std::fs::remove_file(&partial);
                return Err(error.into());
            }
            file.sync_all()
                .with_context(|| format!("cannot write {}", partial.display()))?;
            std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let stdout = std::io::stdout();
            if stdout.is_terminal() {
                bail!("refusing to write a blob to a terminal: redirect stdout or pass --out FILE");
            }
            let mut lock = stdout.lock();
            opener
                .copy_to(&id, &mut lock)
                .context("the output written so far must not be trusted")?;
            lock.flush()?;
        }
    }
    Ok(())
}

pub(crate) fn progress_bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if std::io::stderr().is_terminal() {
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{what} {{bar:30}} {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {{docs}} eta {{eta}}"
            ))
            .expect("a valid template")
            .with_key("docs", |_: &indicatif::ProgressState, _: &mut dyn std::fmt::Write| {}),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

/// A file to submit: where it is, and the relative path it is stored under.
struct Input {
    source: PathBuf,
    relative: String,
    len: u64,
}

fn utf8_path(path: &Path) -> anyhow::Result<&str> {
    path.to_str().ok_or_else(|| {
        anyhow::anyhow!(
            "{}: the path is not valid UTF-8; rename it (trove keeps paths as UTF-8 text). Nothing was stored.",
            path.display()
        )
    })
}

/// Lists the files of `paths` (folders recursively, in name order) and
/// checks every path before a byte is stored.
fn collect_inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_file() {
            let name = path.file_name().map(Path::new).unwrap_or(path);
            inputs.push(Input {
                source: path.clone(),
                relative: utf8_path(name)?.to_owned(),
                len: meta.len(),
            });
        } else if meta.is_dir() {
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                let entry = entry.with_context(|| format!("cannot read inside {}", path.display()))?;
                if entry.file_type().is_symlink() {
                    tracing::warn!(path = %entry.path().display(), "skipping a symbolic link");
                    continue;
                }
                if !entry.file_type().is_file() {
                    continue;
                }
                let relative = entry.path().strip_prefix(path).expect("walkdir stays under its root");
                let parts = relative
                    .iter()
                    .map(|part| utf8_path(Path::new(part)))
                    .collect::<Result<Vec<_>, _>>()?;
                let len = entry
                    .metadata()
                    .with_context(|| format!("cannot read {}", entry.path().display()))?
                    .len();
                inputs.push(Input {
                    source: entry.path().to_owned(),
                    relative: parts.join("/"),
                    len,
                });
            }
        } else {
            bail!("{} is neither a regular file nor a folder", path.display());
        }
    }
    let mut seen = BTreeSet::new();
    for input in &inputs {
        if !seen.insert(input.relative.as_str()) {
            bail!(
                "two inputs would both be stored as {:?}; submit them separately. Nothing was stored.",
                input.relative
            );
        }
    }
    Ok(inputs)
}

async fn submit(dir: &DataDir, paths: &[PathBuf]) -> anyhow::Result<SubmissionSummary> {
    let inputs = collect_inputs(paths)?;
    let sealer = dir.sealer()?;
    let repo = dir.repo(false).await?;
    let mut writer = SubmissionWriter::new(&sealer)?;
    for input in &inputs {
        writer
            .check_path(&input.relative)
            .with_context(|| format!("{}: Nothing was stored.", input.source.display()))?;
    }
    let bar = progress_bar(inputs.iter().map(|i| i.len).sum(), "submitting");
    for input in &inputs {
        let file = File::open(&input.source).with_context(|| format!("cannot open {}", input.source.display()))?;
        writer
            .add_file(&input.relative, bar.wrap_read(file))
            .with_context(|| format!("storing {}", input.source.display()))?;
    }
    bar.finish_and_clear();
    Ok(writer.commit(&repo, Channel::Cli).await?)
}

async fn submissions(dir: &DataDir, id: Option<&str>, json: bool) -> anyhow::Result<()> {
    let repo = dir.repo(false).await?;
    match id {
        None => {
            let records = repo.submissions().await?;
            let list: Vec<_> = records
                .iter()
                .map(|r| json!({ "submission": r.id.to_string(), "received_day": r.received_day, "blobs": r.blobs.len() }))
                .collect();
            print_report(json, &json!({ "submissions": list }), |_| {
                records
                    .iter()
                    .map(|r| format!("{}  {}  {} blobs", r.id, r.received_day, r.blobs.len()))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Some(id) => {
            let id = SubmissionId::from_str(id)?;
            let record = repo
                .submission(&id)
                .await?
                .with_context(|| format!("no submission {id} in {}", dir.root.display()))?;
            let manifest = read_manifest(&dir.opener()?, &record)?;
            let files: Vec<_> = manifest
                .files
                .iter()
                .map(|f| {
                    let blobs: Vec<String> = f.parts.iter().map(|p| p.blob.to_string()).collect();
                    json!({ "path": f.path, "size": f.size, "blobs": blobs, "digest": hex::encode(f.digest) })
                })
                .collect();
            print_report(
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
    }
    Ok(())
}

fn gen_corpus(out: &Path, spec: &trove_corpus::Spec) -> anyhow::Result<trove_corpus::Summary> {
    let bar = progress_bar(spec.size, "generating");
    let summary = trove_corpus::generate(out, spec, |done, _| bar.set_position(done))?;
    bar.finish_and_clear();
    Ok(summary)
}

async fn demo(
    data: Option<&Path>,
    no_serve: bool,
    addr: std::net::SocketAddr,
    size: u64,
    seed: u64,
    json: bool,
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
    let dir = match DataDir::open(&data) {
        Ok(dir) => dir,
        Err(_) => {
            let dir = DataDir::create(&data, false)?;
            Keyring::generate(&dir.keys_dir(), "chief", false)?;
            dir.repo(true).await?;
            dir
        }
    };
    let corpus_dir = data.join("demo-corpus");
    let corpus = if corpus_dir.join("truth.json").exists() {
        None
    } else {
        Some(gen_corpus(
            &corpus_dir,
            &trove_corpus::Spec {
                seed,
                size,
                published_share: 0.45,
            },
        )?)
    };
    let summary = submit(&dir, &[corpus_dir.join("cache")]).await?;
    let receipt_index = ledger::append_receipt(&dir, &summary)?;
    ingest::ingest(&dir, &summary.submission, false, ingest::default_threads()).await?;
    let ingested = ingest::summarize(&dir.repo(false).await?.document_summary(&summary.submission).await?);
    // The corpus's keys stand in for an archive gathered over the years.
    verify::import_keys(&dir, &corpus_dir.join("dkim-keys.txt")).await?;
    // The corpora that published parts of the cache, as a newsroom would
    // have registered them (verification takes their exact copies as
    // corroboration, so they come first).
    overlap::import_generated(&dir, &corpus_dir).await?;
    let verified = verify::verify(&dir, &summary.submission).await?;
    let overlapped = overlap::overlap(&dir, &summary.submission).await?;
    // Triage under the default policy, and the chief editor confirms what
    // it proposes (a signed decision in the log).
    let triaged = triage::triage(&dir, &summary.submission).await?;
    let decision = triage::decide(
        &dir,
        &summary.submission,
        triage::Decision {
            outcome: triaged.proposal.outcome,
            reasons: triaged.proposal.reasons.iter().map(|r| r.code.clone()).collect(),
            note: None,
            editor: "chief".into(),
        },
    )
    .await?;
    // A demo editor for the web desk (a second run of the same data dir
    // keeps the first one's).
    let demo_user = desk::add_user(&dir, "editor", trove_desk::Role::Editor).await.ok();
    let checkpoint = ledger::open_log(&dir)?.checkpoint().checkpoint.clone();
    let report = json!({
        "data": data,
        "corpus": corpus_dir,
        "generated": corpus,
        "submission": summary,
        "receipt_index": receipt_index,
        "log_size": checkpoint.size,
        "ingest": ingested,
        "verify": verified.summary,
        "overlap": overlapped.summary,
        "triage": triaged,
        "decision": decision,
    });
    print_report(json, &report, |_| {
        let mut text = format!("data directory   {}\n", data.display());
        if let Some(c) = &corpus {
            text.push_str(&format!(
                "generated corpus {} ({} documents, {:.0}% novel by count)\n",
                corpus_dir.display(),
                c.documents,
                c.novel_share_count * 100.0
            ));
        }
        text.push_str(&format!(
            "submitted        {} ({} files, {} bytes, sealed to the newsroom key)\nreceipt          entry {receipt_index} of the transparency log ({} entries)\n\nnext:\n  trove --data {} submissions {}\n  trove --data {} log verify\n",
            summary.submission,
            summary.files,
            summary.bytes,
            checkpoint.size,
            data.display(),
            summary.submission,
            data.display()
        ));
        text.push_str(&format!("\ningest: {}", ingest::human_summary(&ingested)));
        text.push_str(&format!("\nverify: {}", verify::summary_listing(&verified, 5)));
        text.push_str(&format!("\noverlap: {}", overlap::human_summary(&overlapped)));
        text.push_str(&format!("\ntriage: {}\n", triage::human_triage(&triaged)));
        text.push_str(&format!(
            "decision: {} {} by chief, signed, log entry {}\n",
            decision.outcome,
            decision.reasons.join(" "),
            decision.log_index
        ));
        if let Some(user) = &demo_user {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            text.push_str(&format!(
                "\ndesk: http://{addr}/desk/  name editor, password {}, TOTP secret {} (code now: {}; any authenticator app takes the secret)\n",
                user.password.as_str(),
                user.totp_secret,
                trove_desk::users::totp_code(&user.totp_secret, now).unwrap_or_default()
            ));
        }
        if !no_serve {
            text.push_str(&format!(
                "\nA source submits at http://{addr}/ (get a codename, upload, read replies; no JavaScript needed).\nReply from the desk with:  trove --data {} reply SUBMISSION --text-file reply.txt\nAn outsider verifies the served log with only its key:\n  trove log verify --from http://{addr}/log/ --vkey {}\n",
                data.display(),
                data.join("keys/log.vkey").display()
            ));
        }
        text
    });
    if !no_serve {
        serve::serve(&dir, serve::Role::All, addr).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("100M"), Ok(100 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("512"), Ok(512));
        assert!(parse_size("12 parsecs").unwrap_err().contains("unit"));
        assert!(parse_size("M").is_err());
    }
}

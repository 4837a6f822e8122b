//! `trove serve`, `trove reply` and `trove messages`: the HTTP face of a
//! data directory and the desk's side of the conversation with a source.
//!
//! The intake role is built from recipients alone: it never calls
//! [`DataDir::opener`], so it starts on a machine that holds no identity.
//! No request is logged: no addresses, no user agents.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use serde_json::json;
use tower_http::services::ServeDir;
use trove_intake::server::{Intake, IntakeLimits, ReceiptSink, api_key_hash, harden, router, spawn_retention};
use trove_intake::{KeyDerivation, Pepper};
use trove_store::{BlobSealer, Direction, MessageRecord, MetadataRepo, SubmissionId, today_utc};

use crate::datadir::DataDir;
use crate::{ledger, print_report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Intake,
    Desk,
    All,
}

const PEPPER_FILE: &str = "intake.pepper";

/// The intake's pepper, created on first use (mode 0600). It lives with
/// the keys, not in the database, so a stolen database alone cannot be
/// used to test codename guesses.
fn pepper(dir: &DataDir) -> anyhow::Result<Pepper> {
    let path = dir.keys_dir().join(PEPPER_FILE);
    match trove_keys::read_secret(&path) {
        Ok(text) => {
            let mut bytes = [0u8; 32];
            hex::decode_to_slice(text.trim(), &mut bytes)
                .map_err(|_| anyhow::anyhow!("{} is not a pepper (64 hex digits)", path.display()))?;
            Ok(Pepper::from_bytes(bytes))
        }
        Err(trove_keys::KeyError::Missing { .. }) => {
            let pepper = Pepper::generate()?;
            trove_keys::write_secret(&path, &hex::encode(pepper.as_bytes()))?;
            Ok(pepper)
        }
        Err(e) => Err(e.into()),
    }
}

/// The intake's state from a data directory: recipients, database, pepper,
/// limits. In the embedded default receipts go to the local log; an intake
/// on its own machine leaves them to the desk, which appends them when it
/// pulls.
async fn intake(dir: &DataDir, role: Role) -> anyhow::Result<Arc<Intake>> {
    let config = &dir.config.intake;
    let limits = IntakeLimits {
        max_file_bytes: config.max_file,
        max_source_bytes: config.max_source,
        part_bytes: config.part_size.max(64 << 10),
        max_message_bytes: config.max_message as usize,
        session_idle: Duration::from_secs(config.session_idle_minutes * 60),
        login_attempts_per_codename: config.login_attempts_per_codename,
        login_attempts_global: config.login_attempts_per_minute,
        login_window: Duration::from_secs(60),
        retention_days: config.retention_days,
        ..IntakeLimits::default()
    };
    let kdf = KeyDerivation {
        memory_kib: config.kdf_memory_mib * 1024,
        passes: config.kdf_passes,
        ..KeyDerivation::default()
    };
    let receipts: ReceiptSink = match role {
        Role::All => {
            let root = dir.root.clone();
            Arc::new(move |summary| {
                let dir = DataDir::open(&root).map_err(|e| format!("{e:#}"))?;
                ledger::append_receipt(&dir, summary)
                    .map(Some)
                    .map_err(|e| format!("{e:#}"))
            })
        }
        _ => Arc::new(|_| Ok(None)),
    };
    // Pulling is set up when the API key file exists (`trove intake-kit`).
    let api_key = match trove_keys::read_secret(&dir.root.join(&config.api_key_file)) {
        Ok(key) => Some(api_key_hash(&key)),
        Err(trove_keys::KeyError::Missing { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let intake = Intake::new(
        dir.sealer()?,
        dir.repo(true).await?,
        pepper(dir)?,
        kdf,
        limits,
        config.newsroom.clone(),
        receipts,
        api_key,
    )?;
    spawn_retention(Arc::clone(&intake));
    Ok(intake)
}

/// Binds `addr`, prints the address it listens on, and serves until
/// interrupted.
pub async fn serve(dir: &DataDir, role: Role, addr: SocketAddr) -> anyhow::Result<()> {
    let log = || ServeDir::new(dir.log_dir()).append_index_html_on_directories(false);
    let desk = || async {
        anyhow::Ok(
            Router::new()
                .merge(trove_desk::router(crate::desk::state(dir).await?))
                .layer(axum::middleware::map_response(harden)),
        )
    };
    let app = match role {
        Role::Intake => router(intake(dir, role).await?),
        Role::All => router(intake(dir, role).await?)
            .merge(desk().await?)
            .nest_service("/log", log()),
        Role::Desk => Router::new()
            .route("/", get(|| async { Html(INDEX) }))
            .merge(desk().await?)
            .nest_service("/log", log()),
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    match role {
        Role::Intake => println!("serving the source interface on http://{local}/"),
        Role::Desk => println!("serving on http://{local}/ (transparency log: http://{local}/log/)"),
        Role::All => {
            println!("serving the source interface on http://{local}/ and the transparency log on http://{local}/log/")
        }
    }
    use std::io::Write;
    std::io::stdout().flush()?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped")
}

/// The source behind a submission, or an error that says why there is none.
async fn source_of(dir: &DataDir, submission: &str) -> anyhow::Result<(trove_store::SqliteRepo, String)> {
    let id = SubmissionId::from_str(submission)?;
    let repo = dir.repo(false).await?;
    let record = repo
        .submission(&id)
        .await?
        .with_context(|| format!("no submission {id} in {}", dir.root.display()))?;
    let Some(source) = record.source else {
        bail!("submission {id} came from `trove submit`, not from a source, so there is no one to reply to");
    };
    Ok((repo, source))
}

/// Seals a reply to the source of a submission (its codename-derived
/// recipient), so that only the codename opens it at rest.
pub async fn send_reply(dir: &DataDir, submission: &str, text: &[u8]) -> anyhow::Result<MessageRecord> {
    if std::str::from_utf8(text).is_err() {
        bail!("a reply must be UTF-8 text");
    }
    if text.iter().all(u8::is_ascii_whitespace) {
        bail!("the reply is empty: there is nothing to send");
    }
    let (repo, source_id) = source_of(dir, submission).await?;
    let source = repo
        .source(&source_id)
        .await?
        .with_context(|| format!("the source of submission {submission} is no longer on record"))?;
    let recipient = age::x25519::Recipient::from_str(&source.reply_recipient)
        .map_err(|e| anyhow::anyhow!("the source's reply key is damaged: {e}"))?;
    let sealer = BlobSealer::new(dir.backend()?, vec![Box::new(recipient)])?;
    let put = sealer.put(text)?;
    let message = MessageRecord {
        id: trove_store::SubmissionId::random()?.to_string(),
        source_id,
        direction: Direction::Newsroom,
        blob: put.blob,
        day: today_utc(),
    };
    repo.add_message(&message).await?;
    Ok(message)
}

/// `trove reply`.
pub async fn reply(data: &Path, submission: &str, text_file: &PathBuf, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let text = std::fs::read(text_file).with_context(|| format!("cannot read {}", text_file.display()))?;
    let message = send_reply(&dir, submission, &text)
        .await
        .with_context(|| format!("{}", text_file.display()))?;
    print_report(json, &json!({ "message": message.id, "day": message.day }), |_| {
        format!("reply {} sealed to the source of {submission}", message.id)
    });
    Ok(())
}

/// `trove messages`: the conversation with a submission's source. The
/// source's messages open with the newsroom identity; replies are sealed to
/// the source and are listed without their text.
pub async fn messages(data: &Path, submission: &str, json: bool) -> anyhow::Result<()> {
    let dir = DataDir::open(data)?;
    let (repo, source_id) = source_of(&dir, submission).await?;
    let opener = dir.opener()?;
    let mut list = Vec::new();
    for message in repo.messages(&source_id).await? {
        let text = match message.direction {
            Direction::Source => {
                let mut text = Vec::new();
                opener.copy_to(&message.blob, &mut text)?;
                Some(String::from_utf8_lossy(&text).into_owned())
            }
            Direction::Newsroom => None,
        };
        list.push(json!({ "id": message.id, "day": message.day, "from": message.direction, "text": text }));
    }
    print_report(json, &json!({ "messages": list }), |report| {
        report["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| match m["text"].as_str() {
                Some(text) => format!("{}  from the source:\n{text}\n", m["day"].as_str().unwrap_or("")),
                None => format!(
                    "{}  reply from the newsroom (sealed to the source)\n",
                    m["day"].as_str().unwrap_or("")
                ),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

const INDEX: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>trove</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>trove</h1>
<p>This newsroom's transparency log is at <a href="/log/checkpoint">/log/</a>: a C2SP tlog-tiles log whose
checkpoints are signed notes. Every receipt, decision and publication is an entry; anyone can verify it with
<code>trove log verify --from http://HOST/log/ --vkey log.vkey</code> or any tlog-tiles client.</p>
</body></html>
"#;

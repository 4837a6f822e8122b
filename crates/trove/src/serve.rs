//! `trove serve`: the HTTP face of a data directory, wired from the
//! intake's router, the desk's and the log's files.
//!
//! The intake role is built from recipients alone
//! ([`trove_app::Newsroom::intake`] never opens the identity), so it starts
//! on a machine that holds none; the archive role opens no data directory
//! at all, only an archive folder (and the public log's). No request is
//! logged: no addresses, no user agents.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use tower_http::services::ServeDir;
use trove_app::Newsroom;
use trove_web::harden;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Intake,
    Desk,
    Archive,
    All,
}

/// Where each role listens. Every role has a listener of its own: the
/// intake's (published to sources, e.g. as an onion service) routes
/// nothing but the source pages, resumable uploads and the pull API, so
/// no source-facing address ever reaches the desk's log-in.
#[derive(Debug, Clone, Copy)]
pub struct Addresses {
    pub intake: SocketAddr,
    pub desk: SocketAddr,
    pub archive: SocketAddr,
}

/// What the archive role serves: an archive folder and, optionally, the
/// transparency log's folder.
#[derive(Debug, Clone)]
pub struct ArchiveSource {
    pub dir: std::path::PathBuf,
    pub log_dir: Option<std::path::PathBuf>,
    /// The log's verifier key file, for the accountability page.
    pub log_key: Option<std::path::PathBuf>,
}

/// Binds the listeners of `role`, prints each address (the intake's first),
/// and serves until interrupted.
pub async fn serve(
    newsroom: Option<Newsroom>,
    archive: Option<ArchiveSource>,
    role: Role,
    addresses: Addresses,
) -> anyhow::Result<()> {
    let mut servers = Vec::new();
    // Bound first (a busy port fails before anything else starts), listed
    // last (the intake's address is printed first).
    let mut archive_server = None;
    if let Some(source) = archive.filter(|_| matches!(role, Role::Archive | Role::All)) {
        let archive = trove_archive::Archive::open(&source.dir)
            .with_context(|| format!("cannot open the archive in {}", source.dir.display()))?;
        let log_key = match &source.log_key {
            Some(path) => Some(trove_app::read_vkey(path, trove_keys::KeyAlg::Ed25519)?),
            None => None,
        };
        let state = Arc::new(trove_archive::server::ArchiveState::new(
            archive,
            source.log_dir,
            log_key,
        ));
        let router = trove_archive::server::router(state).layer(axum::middleware::map_response(timeless));
        archive_server = Some((bind(addresses.archive).await?, router));
    }
    let announce_archive = |servers: &mut Vec<(tokio::net::TcpListener, Router)>,
                            archive: Option<(tokio::net::TcpListener, Router)>|
     -> anyhow::Result<()> {
        if let Some((listener, router)) = archive {
            println!(
                "serving the public archive on http://{}/ (search, documents, releases; the log under /log/)",
                listener.local_addr()?
            );
            servers.push((listener, router));
        }
        Ok(())
    };
    let Some(newsroom) = newsroom.filter(|_| role != Role::Archive) else {
        announce_archive(&mut servers, archive_server)?;
        return run(servers, None, trove_web::ListenerLimits::default()).await;
    };
    let newsroom = Arc::new(newsroom);
    if matches!(role, Role::Intake | Role::All) {
        // Embedded (role all): receipts go to the local log at once; an
        // intake on its own machine leaves them to the desk's pull.
        let intake = trove_intake::server::router(newsroom.intake(role == Role::All).await?);
        let listener = bind(addresses.intake).await?;
        println!("serving the source interface on http://{}/", listener.local_addr()?);
        servers.push((listener, intake));
    }
    if matches!(role, Role::Desk | Role::All) {
        // The log's files carry no time: a Last-Modified or an ETag that
        // changed with each append would time its entries.
        let log = Router::new()
            .fallback_service(ServeDir::new(newsroom.dir().log_dir()).append_index_html_on_directories(false))
            .layer(axum::middleware::map_response(timeless));
        let state = trove_desk::DeskState::new(Arc::clone(&newsroom))?;
        let desk = Router::new()
            .route("/", get(|| async { Html(INDEX) }))
            .merge(trove_desk::router(state).layer(axum::middleware::map_response(harden)))
            .nest_service("/log", log);
        let listener = bind(addresses.desk).await?;
        println!(
            "serving the desk and the transparency log on http://{}/ (the desk under /desk/, the log under /log/)",
            listener.local_addr()?
        );
        servers.push((listener, desk));
    }
    announce_archive(&mut servers, archive_server)?;
    // Whoever holds the log appends each day's receipts in one batch after
    // the day ends; an intake on its own machine leaves them to the desk.
    // The desk also publishes each release when its hour comes.
    let batches = matches!(role, Role::Desk | Role::All).then(|| {
        let newsroom = Arc::clone(&newsroom);
        tokio::spawn(async move {
            tokio::join!(
                Arc::clone(&newsroom).run_daily_receipt_batches(),
                newsroom.run_due_publications()
            );
        })
    });
    let config = &newsroom.dir().config.intake;
    let limits = trove_web::ListenerLimits {
        max_connections: config.max_connections,
        header_timeout: std::time::Duration::from_secs(config.header_timeout_seconds),
    };
    run(servers, batches, limits).await
}

/// Serves every listener until interrupted or until one fails.
async fn run(
    servers: Vec<(tokio::net::TcpListener, Router)>,
    batches: Option<tokio::task::JoinHandle<()>>,
    limits: trove_web::ListenerLimits,
) -> anyhow::Result<()> {
    use std::io::Write;
    std::io::stdout().flush()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut running = tokio::task::JoinSet::new();
    for (listener, app) in servers {
        let mut stopped = stopped.clone();
        running.spawn(trove_web::serve_bounded(listener, app, limits, async move {
            let _ = stopped.changed().await;
        }));
    }
    // Until interrupted, or until one listener fails (then all stop).
    let first = tokio::select! {
        ended = running.join_next() => ended,
        _ = tokio::signal::ctrl_c() => None,
    };
    let _ = stop.send(true);
    while running.join_next().await.is_some() {}
    if let Some(batches) = batches {
        batches.abort();
    }
    match first {
        Some(Ok(result)) => result.context("the server stopped"),
        Some(Err(panicked)) => Err(anyhow::anyhow!("a listener stopped: {panicked}")),
        None => Ok(()),
    }
}

/// Drops the headers that would tell when a log file last changed.
async fn timeless(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.remove(axum::http::header::LAST_MODIFIED);
    headers.remove(axum::http::header::ETAG);
    response
}

async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
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

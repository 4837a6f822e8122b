//! `trove serve`: the HTTP face of a data directory. For now it serves the
//! transparency log as static files under `/log/` (checkpoint, tiles, entry
//! bundles, key list), which is all a C2SP tlog-tiles client needs. No
//! request is logged: no addresses, no user agents.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use tower_http::services::ServeDir;

/// Binds `addr`, prints the address it listens on, and serves until
/// interrupted.
pub async fn serve(log_dir: PathBuf, addr: SocketAddr) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/", get(|| async { Html(INDEX) }))
        .nest_service("/log", ServeDir::new(log_dir).append_index_html_on_directories(false));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    println!("serving on http://{local}/ (transparency log: http://{local}/log/)");
    use std::io::Write;
    std::io::stdout().flush()?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped")
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

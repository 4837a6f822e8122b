//! `trove serve`: the HTTP face of a data directory, wired from the
//! intake's router, the desk's and the log's files.
//!
//! The intake role is built from recipients alone
//! ([`trove_app::Newsroom::intake`] never opens the identity), so it starts
//! on a machine that holds none. No request is logged: no addresses, no
//! user agents.

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
    All,
}

/// Binds `addr`, prints the address it listens on, and serves until
/// interrupted.
pub async fn serve(newsroom: Newsroom, role: Role, addr: SocketAddr) -> anyhow::Result<()> {
    let newsroom = Arc::new(newsroom);
    let log = || ServeDir::new(newsroom.dir().log_dir()).append_index_html_on_directories(false);
    let desk = || -> anyhow::Result<Router> {
        let state = trove_desk::DeskState::new(Arc::clone(&newsroom))?;
        Ok(trove_desk::router(state).layer(axum::middleware::map_response(harden)))
    };
    let app = match role {
        Role::Intake => trove_intake::server::router(newsroom.intake(false).await?),
        Role::All => trove_intake::server::router(newsroom.intake(true).await?)
            .merge(desk()?)
            .nest_service("/log", log()),
        Role::Desk => Router::new()
            .route("/", get(|| async { Html(INDEX) }))
            .merge(desk()?)
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

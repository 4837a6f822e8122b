//! The intake server: the source pages, tus uploads, and what they share.
//!
//! Everything here works from recipients only: [`Intake`] holds a
//! [`BlobSealer`], which cannot decrypt, and the one identity it ever
//! touches is a logged-in source's own reply identity, derived from the
//! codename at log-in and dropped with the session.
//!
//! Nothing here logs a request: no address, user agent, codename, file name
//! or size reaches a log line.

// Handlers' helpers return the response to send as their error: it is
// built once, on the way out, so its size costs nothing that matters.
#![allow(clippy::result_large_err)]

mod pages;
mod part_headers;
mod pull;
mod sessions;
mod stream;
mod tus;
mod upload_key;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use trove_ledger::Ledger;
use trove_store::{AnyBackend, BlobSealer, DecisionRepo, IntakeRepo, SqlRepo, SubmissionRepo};
use trove_web::{Access, Route};

use crate::{KeyDerivation, Pepper};
pub use pull::{
    Accepted, Confirmation, Confirmed, Decisions, ExpiredCounts, PendingReport, PulledMessage, PulledSource,
    PulledSubmission, Recorded, Replies, api_key_hash,
};
pub use sessions::Sessions;
pub use trove_web::harden;

/// The intake's limits and policies (`[intake]` in trove.toml).
#[derive(Debug, Clone)]
pub struct IntakeLimits {
    /// The largest file a source may upload, in bytes.
    pub max_file_bytes: u64,
    /// What one source may have stored at once (ciphertext bytes).
    pub max_source_bytes: u64,
    /// A resumable upload is sealed in parts of at most this many bytes, so
    /// a broken connection loses nothing that arrived.
    pub part_bytes: u64,
    /// Longest message, in bytes.
    pub max_message_bytes: usize,
    /// A session idle this long is forgotten.
    pub session_idle: Duration,
    /// Log-in attempts allowed per codename, and for all codenames together,
    /// in any `login_window`.
    pub login_attempts_per_codename: u32,
    pub login_window: Duration,
    /// A page request (not an upload) must be answered within this.
    pub page_timeout: Duration,
    /// An upload that sends nothing for this long is cut off (what arrived
    /// is kept for a resumable upload).
    pub upload_idle: Duration,
    /// What the desk confirmed it pulled is deleted this many days later.
    pub retention_days: u64,
    /// A source that never submitted, wrote or began an upload is
    /// forgotten this many days after its codename was made.
    pub unused_source_days: u64,
    /// An upload begun this many days ago and never finished is deleted
    /// with its parts (and its exact length with it).
    pub abandoned_upload_days: u64,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        IntakeLimits {
            max_file_bytes: 100 << 30,
            max_source_bytes: 100 << 30,
            part_bytes: 64 << 20,
            max_message_bytes: 256 << 10,
            session_idle: Duration::from_secs(30 * 60),
            login_attempts_per_codename: 5,
            login_window: Duration::from_secs(60),
            page_timeout: Duration::from_secs(30),
            upload_idle: Duration::from_secs(300),
            retention_days: 14,
            unused_source_days: 30,
            abandoned_upload_days: 7,
        }
    }
}

/// What the intake needs of the metadata database: submissions, its own
/// records, and the decisions a desk delivers for its sources. Any backend
/// that implements these serves the intake.
pub trait IntakeStore: SubmissionRepo + IntakeRepo + DecisionRepo + Clone + 'static {}

impl<R: SubmissionRepo + IntakeRepo + DecisionRepo + Clone + 'static> IntakeStore for R {}

/// Everything the intake's handlers share.
pub struct Intake<R = SqlRepo> {
    pub(crate) sealer: Arc<BlobSealer<AnyBackend>>,
    pub(crate) repo: R,
    pub(crate) pepper: Pepper,
    pub(crate) kdf: KeyDerivation,
    pub(crate) limits: IntakeLimits,
    pub(crate) sessions: Sessions,
    pub(crate) newsroom: String,
    /// Where receipts go at once: the transparency log in the embedded
    /// default; none for an intake on its own machine, whose receipts the
    /// desk appends when it pulls.
    pub(crate) receipts: Option<Ledger>,
    /// At most this many Argon2id derivations at once (each takes
    /// `kdf.memory_kib` of memory).
    pub(crate) derivations: tokio::sync::Semaphore,
    pub(crate) busy: tus::Busy,
    /// The BLAKE3 of the newsroom's API key, if pulling is set up.
    pub(crate) api_key: Option<[u8; 32]>,
}

impl<R: IntakeStore> Intake<R> {
    #[allow(clippy::too_many_arguments)] // each is a separate resource; a builder would only rename them
    pub fn new(
        sealer: BlobSealer<AnyBackend>,
        repo: R,
        pepper: Pepper,
        kdf: KeyDerivation,
        limits: IntakeLimits,
        newsroom: String,
        receipts: Option<Ledger>,
        api_key: Option<[u8; 32]>,
    ) -> Result<Arc<Intake<R>>, crate::DeriveError> {
        Ok(Arc::new(Intake {
            sealer: Arc::new(sealer),
            repo,
            pepper,
            kdf,
            sessions: Sessions::new(&limits)?,
            limits,
            newsroom,
            receipts,
            derivations: tokio::sync::Semaphore::new(2),
            busy: tus::Busy::default(),
            api_key,
        }))
    }
}

/// Applies retention now, before the intake answers anyone, and then
/// every hour for as long as the runtime runs.
pub async fn spawn_retention<R: IntakeStore>(intake: Arc<Intake<R>>) {
    if pull::sweep(&intake).await.is_err() {
        tracing::warn!("retention could not run: the database is unavailable");
    }
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        every_hour.tick().await;
        loop {
            every_hour.tick().await;
            if pull::sweep(&intake).await.is_err() {
                tracing::warn!("retention could not run: the database is unavailable");
            }
        }
    });
}

/// The largest body of a pull API call other than a blob: lists of ids and
/// decisions, far below this.
const API_BODY_LIMIT: usize = 8 << 20;

/// Every route of [`router`] and who may use it (checked against the
/// router and the running server by `trove/tests/authorization.rs`).
pub const ROUTES: &[Route] = &[
    Route::new("GET", "/", Access::Anyone),
    Route::new("GET", "/generate", Access::Anyone),
    Route::form("/create", Access::Anyone),
    Route::new("GET", "/login", Access::Anyone),
    Route::form("/login", Access::Anyone),
    Route::form("/logout", Access::Source),
    Route::new("GET", "/home", Access::Source),
    Route::new("GET", "/static/style.css", Access::Anyone),
    Route::form("/submit", Access::Source),
    Route::new("POST", "/tus/", Access::Source),
    Route::new("OPTIONS", "/tus/", Access::Anyone),
    Route::new("HEAD", "/tus/{token}", Access::UploadUrl),
    Route::new("PATCH", "/tus/{token}", Access::UploadUrl),
    Route::new("DELETE", "/tus/{token}", Access::UploadUrl),
    Route::new("GET", "/api/v1/pending", Access::ApiKey),
    Route::new("GET", "/api/v1/blobs/{id}", Access::ApiKey),
    Route::new("PUT", "/api/v1/blobs/{id}", Access::ApiKey),
    Route::new("POST", "/api/v1/confirm", Access::ApiKey),
    Route::new("POST", "/api/v1/replies", Access::ApiKey),
    Route::new("POST", "/api/v1/decisions", Access::ApiKey),
];

/// The source interface and the tus endpoint, with hardening headers on
/// every response.
pub fn router<R: IntakeStore>(intake: Arc<Intake<R>>) -> Router {
    let timeout = intake.limits.page_timeout;
    let pages = Router::new()
        .route("/", get(pages::index::<R>))
        .route("/generate", get(pages::generate::<R>))
        .route("/create", post(pages::create::<R>))
        .route("/login", get(pages::login_page::<R>).post(pages::login::<R>))
        .route("/logout", post(pages::logout::<R>))
        .route("/home", get(pages::home::<R>))
        .route("/static/style.css", get(pages::style))
        .layer(DefaultBodyLimit::max(1 << 20))
        .layer(axum::middleware::from_fn(
            move |request, next: axum::middleware::Next| async move {
                match tokio::time::timeout(timeout, next.run(request)).await {
                    Ok(response) => response,
                    Err(_) => pages::error_page(
                        axum::http::StatusCode::REQUEST_TIMEOUT,
                        "Too slow",
                        "The request took too long. Please try again.",
                    ),
                }
            },
        ));
    let uploads = Router::new()
        .route(
            "/submit",
            post(pages::submit::<R>).layer(axum::middleware::map_request(part_headers::bound_part_headers)),
        )
        .route("/tus/", post(tus::create::<R>).options(tus::options::<R>))
        .route(
            "/tus/{token}",
            axum::routing::head(tus::head::<R>)
                .patch(tus::patch::<R>)
                .delete(tus::terminate::<R>),
        )
        // Uploads are limited by the quotas, counted as they stream.
        .layer(DefaultBodyLimit::disable());
    // The pull API: the key is checked before any body is read, and only
    // a blob (ciphertext, streamed to disk) may be larger than the cap.
    let api = Router::new()
        .route("/api/v1/pending", get(pull::pending::<R>))
        .route(
            "/api/v1/blobs/{id}",
            get(pull::get_blob::<R>)
                .put(pull::put_blob::<R>)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/api/v1/confirm", post(pull::confirm::<R>))
        .route("/api/v1/replies", post(pull::replies::<R>))
        .route("/api/v1/decisions", post(pull::decisions::<R>))
        .layer(DefaultBodyLimit::max(API_BODY_LIMIT))
        .route_layer(axum::middleware::from_fn_with_state(
            intake.clone(),
            pull::require_key::<R>,
        ));
    pages
        .merge(uploads)
        .merge(api)
        .fallback(pages::not_found::<R>)
        .layer(axum::middleware::map_response(harden))
        .with_state(intake)
}

/// A fresh random id as hex.
pub(crate) fn random_hex<const N: usize>() -> String {
    // Without a random source no id, session or upload can be made safely.
    trove_web::random_token::<N>().expect("the operating system's random source failed")
}

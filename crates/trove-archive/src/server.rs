//! The archive's pages: search, documents, releases, downloads and a
//! feed, rendered on the server (no script), with `?format=json` on every
//! listing. Nothing is logged about who asks.

use std::path::PathBuf;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower_http::services::ServeDir;
use trove_ledger::LogStats;
use trove_search::public::{FacetCount, PublicQuery, PublicResults, Related, Sort, StoredDocument};
use trove_web::{Access, Route};

use crate::{Archive, ReleaseSummary, is_root};

/// What the archive's router serves from.
pub struct ArchiveState {
    pub archive: Archive,
    /// The transparency log's folder, served under `/log/` (optional: a
    /// mirror may serve releases alone).
    pub log_dir: Option<PathBuf>,
    /// The log's verifier key: with it, `/accountability` shows figures
    /// computed from the log alone, once it verifies.
    pub log_key: Option<trove_keys::NoteVerifierKey>,
    /// The last figures, with the checkpoint they were computed at.
    accountability: std::sync::Mutex<Option<(Vec<u8>, Arc<LogStats>)>>,
}

impl ArchiveState {
    pub fn new(archive: Archive, log_dir: Option<PathBuf>, log_key: Option<trove_keys::NoteVerifierKey>) -> Self {
        ArchiveState {
            archive,
            log_dir,
            log_key,
            accountability: std::sync::Mutex::new(None),
        }
    }
}

const PER_PAGE: usize = 20;

/// Every route of the archive, for the authorization test's check that
/// no route lacks an entry: all are for anyone, and all only read.
pub const ROUTES: &[Route] = &[
    Route::new("GET", "/", Access::Anyone),
    Route::new("GET", "/search", Access::Anyone),
    Route::new("GET", "/d/{release}/{index}", Access::Anyone),
    Route::new("GET", "/d/{release}/{index}/file", Access::Anyone),
    Route::new("GET", "/r", Access::Anyone),
    Route::new("GET", "/r/{release}", Access::Anyone),
    Route::new("GET", "/r/{release}/tar", Access::Anyone),
    Route::new("GET", "/r/{release}/ftm.jsonl", Access::Anyone),
    Route::new("GET", "/feed.atom", Access::Anyone),
    Route::new("GET", "/style.css", Access::Anyone),
    Route::new("GET", "/releases.txt", Access::Anyone),
    Route::new("GET", "/accountability", Access::Anyone),
];

/// The archive's routes. Every response gets the hardened headers
/// (strict CSP: nothing loaded from elsewhere, no script).
pub fn router(state: Arc<ArchiveState>) -> Router {
    let releases = ServeDir::new(state.archive.dir().join(crate::RELEASES)).append_index_html_on_directories(false);
    let mut router = Router::new()
        .route("/", get(search))
        .route("/search", get(search))
        .route("/d/{release}/{index}", get(document))
        .route("/d/{release}/{index}/file", get(download))
        .route("/r", get(releases_page))
        .route("/r/{release}", get(release_page))
        .route("/r/{release}/tar", get(release_tar))
        .route("/r/{release}/ftm.jsonl", get(release_ftm))
        .route("/feed.atom", get(feed))
        .route("/accountability", get(accountability))
        .route("/style.css", get(style))
        .route(
            "/releases.txt",
            get(|State(state): State<Arc<ArchiveState>>| async move {
                let path = state.archive.dir().join(crate::RELEASE_LIST);
                let text = std::fs::read_to_string(path).unwrap_or_default();
                ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
            }),
        )
        .nest_service("/releases", releases);
    if let Some(log) = &state.log_dir {
        router = router.nest_service("/log", ServeDir::new(log).append_index_html_on_directories(false));
    }
    router
        .with_state(state)
        .layer(axum::middleware::map_response(trove_web::harden))
}

#[derive(Debug, Deserialize, Default)]
struct SearchParams {
    #[serde(default)]
    q: String,
    /// Facet filters, `group/value`, comma-separated.
    #[serde(default)]
    f: String,
    #[serde(default)]
    sort: Option<Sort>,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    format: Option<String>,
    /// `off`: no facet counts and no snippets (a faster listing for
    /// scripts).
    #[serde(default)]
    facets: Option<String>,
}

fn wants_json(format: &Option<String>) -> bool {
    format.as_deref() == Some("json")
}

/// An error page (or JSON), with nothing of the request in it but what
/// the reader typed.
fn failure(status: StatusCode, message: String, json: bool) -> Response {
    if json {
        return (status, axum::Json(serde_json::json!({ "error": message }))).into_response();
    }
    let page = ErrorPage { message };
    (status, Html(page.render().unwrap_or_default())).into_response()
}

#[derive(Template)]
#[template(path = "archive_error.html")]
struct ErrorPage {
    message: String,
}

/// A hit as the page shows it: the snippet in plain and marked parts.
struct HitView {
    href: String,
    title: String,
    path: String,
    doc_type: String,
    day: String,
    parts: Vec<(String, bool)>,
}

struct FacetView {
    group: String,
    /// The first value of its group (the page heads the group there).
    first_of_group: bool,
    value: String,
    count: u64,
    href: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "archive_search.html")]
struct SearchPage {
    q: String,
    total: u64,
    hits: Vec<HitView>,
    facets: Vec<FacetView>,
    active: Vec<(String, String)>,
    sort: String,
    previous: Option<String>,
    next: Option<String>,
    first: usize,
}

fn search_href(q: &str, facets: &[String], sort: Sort, page: usize) -> String {
    let mut href = format!("/search?q={}", trove_web::url_encode(q));
    if !facets.is_empty() {
        href.push_str(&format!("&f={}", trove_web::url_encode(&facets.join(","))));
    }
    if sort != Sort::Relevance {
        href.push_str(match sort {
            Sort::Newest => "&sort=newest",
            _ => "&sort=oldest",
        });
    }
    if page > 1 {
        href.push_str(&format!("&page={page}"));
    }
    href
}

fn day(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .unwrap_or_default()
}

async fn search(State(state): State<Arc<ArchiveState>>, Query(params): Query<SearchParams>) -> Response {
    let json = wants_json(&params.format);
    let facets: Vec<String> = params
        .f
        .split(',')
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    let sort = params.sort.unwrap_or_default();
    // Without words there is no relevance: the newest come first.
    let order = if sort == Sort::Relevance && params.q.trim().is_empty() {
        Sort::Newest
    } else {
        sort
    };
    let page = params.page.unwrap_or(1).clamp(1, 500);
    let query = PublicQuery {
        text: params.q.clone(),
        facets: facets.clone(),
        sort: order,
        offset: (page - 1) * PER_PAGE,
        limit: PER_PAGE,
        bare: json && params.facets.as_deref() == Some("off"),
    };
    let results: PublicResults = match state.archive.index().search(&query) {
        Ok(results) => results,
        Err(trove_search::SearchError::Query { reason, .. }) => {
            return failure(
                StatusCode::BAD_REQUEST,
                format!("The query is not understood: {reason}"),
                json,
            );
        }
        Err(e) => return failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), json),
    };
    if json {
        return axum::Json(&results).into_response();
    }
    let hits = results
        .hits
        .iter()
        .map(|h| HitView {
            href: format!("/d/{}/{}", h.release, h.index),
            title: h
                .subject
                .clone()
                .unwrap_or_else(|| h.path.rsplit('/').next().unwrap_or(&h.path).to_owned()),
            path: h.path.clone(),
            doc_type: h.doc_type.clone(),
            day: day(h.date),
            parts: trove_web::highlight_parts(&h.snippet, &h.highlighted),
        })
        .collect();
    let facet_views = results
        .facets
        .iter()
        .enumerate()
        .map(|(i, FacetCount { group, value, count })| {
            let key = format!("{group}/{value}");
            let active = facets.contains(&key);
            let mut next = facets.clone();
            if active {
                next.retain(|f| f != &key);
            } else {
                next.push(key);
            }
            FacetView {
                group: group.clone(),
                first_of_group: i == 0 || results.facets[i - 1].group != *group,
                value: value.clone(),
                count: *count,
                href: search_href(&params.q, &next, sort, 1),
                active,
            }
        })
        .collect();
    let pages = results.total.div_ceil(PER_PAGE as u64) as usize;
    let view = SearchPage {
        q: params.q.clone(),
        total: results.total,
        hits,
        facets: facet_views,
        active: facets
            .iter()
            .map(|f| {
                let rest: Vec<String> = facets.iter().filter(|g| *g != f).cloned().collect();
                (f.clone(), search_href(&params.q, &rest, sort, 1))
            })
            .collect(),
        sort: match sort {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
        }
        .into(),
        previous: (page > 1).then(|| search_href(&params.q, &facets, sort, page - 1)),
        next: (page < pages).then(|| search_href(&params.q, &facets, sort, page + 1)),
        first: (page - 1) * PER_PAGE + 1,
    };
    Html(view.render().unwrap_or_default()).into_response()
}

#[derive(Debug, Deserialize, Default)]
struct FormatParam {
    #[serde(default)]
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "archive_document.html")]
struct DocumentPage {
    doc: StoredDocument,
    title: String,
    day: String,
    release_log_index: Option<u64>,
    mail: bool,
    original: bool,
    related: Related,
}

fn find(state: &ArchiveState, release: &str, index: &str) -> Result<StoredDocument, (StatusCode, String)> {
    let not_found = || (StatusCode::NOT_FOUND, "No such published document.".to_owned());
    let index: u64 = index.parse().map_err(|_| not_found())?;
    if !is_root(release) {
        return Err(not_found());
    }
    match state.archive.index().get(release, index) {
        Ok(Some(doc)) => Ok(doc),
        Ok(None) => Err(not_found()),
        Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

async fn document(
    State(state): State<Arc<ArchiveState>>,
    Path((release, index)): Path<(String, String)>,
    Query(params): Query<FormatParam>,
) -> Response {
    let json = wants_json(&params.format);
    let doc = match find(&state, &release, &index) {
        Ok(doc) => doc,
        Err((status, message)) => return failure(status, message, json),
    };
    let summary = state.archive.release(&release).ok().flatten();
    let related = state.archive.index().related(&doc).unwrap_or_default();
    if json {
        return axum::Json(DocumentJson {
            document: &doc,
            related: &related,
            release: summary.as_ref(),
        })
        .into_response();
    }
    Html(document_html(doc, summary.as_ref(), related)).into_response()
}

/// A document as `?format=json` gives it.
#[derive(serde::Serialize)]
struct DocumentJson<'a> {
    document: &'a StoredDocument,
    related: &'a Related,
    release: Option<&'a ReleaseSummary>,
}

/// A document's page.
pub(crate) fn document_html(doc: StoredDocument, release: Option<&ReleaseSummary>, related: Related) -> String {
    let page = DocumentPage {
        title: doc
            .subject
            .clone()
            .unwrap_or_else(|| doc.path.rsplit('/').next().unwrap_or(&doc.path).to_owned()),
        day: day(doc.date),
        release_log_index: release.map(|s| s.log_index),
        mail: matches!(doc.doc_type.as_str(), "email" | "msg"),
        original: doc.file.ends_with(".eml"),
        related,
        doc,
    };
    page.render().unwrap_or_default()
}

async fn download(State(state): State<Arc<ArchiveState>>, Path((release, index)): Path<(String, String)>) -> Response {
    let doc = match find(&state, &release, &index) {
        Ok(doc) => doc,
        Err((status, message)) => return failure(status, message, false),
    };
    let Some(folder) = state.archive.release_dir(&release) else {
        return failure(StatusCode::NOT_FOUND, "No such release.".into(), false);
    };
    let bytes = match tokio::fs::read(folder.join(&doc.file)).await {
        Ok(bytes) => bytes,
        Err(_) => return failure(StatusCode::NOT_FOUND, "The published file is missing.".into(), false),
    };
    let extension = doc.file.rsplit('.').next().unwrap_or("bin");
    let content_type = match extension {
        "eml" => "message/rfc822",
        "pdf" => "application/pdf",
        "jpg" => "image/jpeg",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let name = format!("{release:.12}-{index}.{extension}");
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "archive_releases.html")]
struct ReleasesPage {
    releases: Vec<ReleaseSummary>,
}

async fn releases_page(State(state): State<Arc<ArchiveState>>, Query(params): Query<FormatParam>) -> Response {
    let json = wants_json(&params.format);
    match state.archive.releases() {
        Ok(releases) if json => axum::Json(&releases).into_response(),
        Ok(releases) => Html(releases_html(releases)).into_response(),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), json),
    }
}

/// The list of releases.
pub(crate) fn releases_html(releases: Vec<ReleaseSummary>) -> String {
    ReleasesPage { releases }.render().unwrap_or_default()
}

#[derive(Template)]
#[template(path = "archive_release.html")]
struct ReleasePage {
    release: ReleaseSummary,
    documents: Vec<(String, String, String)>,
}

async fn release_page(
    State(state): State<Arc<ArchiveState>>,
    Path(release): Path<String>,
    Query(params): Query<FormatParam>,
) -> Response {
    let json = wants_json(&params.format);
    let summary = match state.archive.release(&release) {
        Ok(Some(summary)) => summary,
        Ok(None) => return failure(StatusCode::NOT_FOUND, "No such release.".into(), json),
        Err(e) => return failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), json),
    };
    if json {
        return axum::Json(&summary).into_response();
    }
    match state.archive.index().release_documents(&release) {
        Ok(documents) => Html(release_html(summary, &documents)).into_response(),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), json),
    }
}

/// A release's page, listing its documents.
pub(crate) fn release_html(release: ReleaseSummary, documents: &[StoredDocument]) -> String {
    let documents = documents
        .iter()
        .map(|d| {
            (
                format!("/d/{}/{}", d.release, d.index),
                d.path.clone(),
                if d.redacted { "redacted" } else { "published" }.to_owned(),
            )
        })
        .collect();
    ReleasePage { release, documents }.render().unwrap_or_default()
}

/// The whole release folder as one tar (`release-<root>/…`), which
/// `trove manifest verify` checks once unpacked. Streamed as it is
/// written, so a release of any size costs a megabyte of memory.
async fn release_tar(State(state): State<Arc<ArchiveState>>, Path(release): Path<String>) -> Response {
    let Some(folder) = state.archive.release_dir(&release).filter(|f| f.is_dir()) else {
        return failure(StatusCode::NOT_FOUND, "No such release.".into(), false);
    };
    let name = format!("release-{release}");
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let writer = ChunkWriter {
            sender: sender.clone(),
            buffer: Vec::new(),
        };
        let mut builder = tar::Builder::new(writer);
        builder.mode(tar::HeaderMode::Deterministic);
        let written = builder
            .append_dir_all(&name, &folder)
            .and_then(|()| builder.into_inner())
            .and_then(|mut writer| std::io::Write::flush(&mut writer));
        if let Err(e) = written {
            // The reader sees the body end in an error, not a short tar.
            let _ = sender.blocking_send(Err(e));
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    (
        [
            (header::CONTENT_TYPE, "application/x-tar".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"release-{release}.tar\""),
            ),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// Hands what is written to a response body a megabyte at a time.
struct ChunkWriter {
    sender: tokio::sync::mpsc::Sender<std::io::Result<bytes::Bytes>>,
    buffer: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = bytes::Bytes::from(std::mem::take(&mut self.buffer));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the reader went away"))
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= 1 << 20 {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() { Ok(()) } else { self.send() }
    }
}

/// The release as FollowTheMoney entities, one JSON object a line.
async fn release_ftm(State(state): State<Arc<ArchiveState>>, Path(release): Path<String>) -> Response {
    let summary = match state.archive.release(&release) {
        Ok(Some(summary)) => summary,
        Ok(None) => return failure(StatusCode::NOT_FOUND, "No such release.".into(), false),
        Err(e) => return failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), false),
    };
    match state.archive.index().release_documents(&release) {
        Ok(documents) => (
            [
                (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"release-{release}.ftm.jsonl\""),
                ),
            ],
            crate::ftm::json_lines(&crate::ftm::entities(&release, &summary.added, &documents)),
        )
            .into_response(),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), false),
    }
}

#[derive(Template)]
#[template(path = "archive_feed.xml")]
struct Feed {
    releases: Vec<ReleaseSummary>,
    updated: String,
}

async fn feed(State(state): State<Arc<ArchiveState>>) -> Response {
    let releases = state.archive.releases().unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed_xml(releases),
    )
        .into_response()
}

/// The Atom feed of releases, the newest first.
pub(crate) fn feed_xml(releases: Vec<ReleaseSummary>) -> String {
    let updated = releases
        .first()
        .map(|r| r.added.clone())
        .unwrap_or_else(|| "1970-01-01".into());
    Feed { releases, updated }.render().unwrap_or_default()
}

pub(crate) const STYLE: &str = include_str!("../templates/archive.css");

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

#[derive(Template)]
#[template(path = "archive_accountability.html")]
struct AccountabilityPage {
    stats: Arc<LogStats>,
    key_name: String,
}

impl AccountabilityPage {
    fn spread(&self, spread: &trove_ledger::stats::Spread) -> String {
        match (spread.median_days, spread.worst_days) {
            (Some(median), Some(worst)) => format!("{median:.1} days (worst {worst}; {} cases)", spread.count),
            _ => "none yet".into(),
        }
    }
}

/// The figures of the log this archive serves, computed from the log
/// alone after verifying it whole, and kept until the checkpoint changes.
async fn accountability(State(state): State<Arc<ArchiveState>>, Query(params): Query<FormatParam>) -> Response {
    let json = wants_json(&params.format);
    let (Some(log_dir), Some(log_key)) = (state.log_dir.clone(), state.log_key.clone()) else {
        return failure(
            StatusCode::NOT_FOUND,
            "This archive serves no transparency log with its key, so it has no figures to show.".into(),
            json,
        );
    };
    let checkpoint = std::fs::read(log_dir.join("checkpoint")).unwrap_or_default();
    let cached = state.accountability.lock().ok().and_then(|cache| {
        cache
            .as_ref()
            .filter(|(at, _)| *at == checkpoint)
            .map(|(_, s)| Arc::clone(s))
    });
    let stats = match cached {
        Some(stats) => stats,
        None => {
            let key = log_key.clone();
            let computed = tokio::task::spawn_blocking(move || {
                let options = trove_ledger::VerifyOptions {
                    log_key: key,
                    statement_keys: Vec::new(),
                    witness: None,
                    state: None,
                };
                let mut account = trove_ledger::LogAccount::default();
                trove_ledger::verify_log_with(&trove_ledger::DirFetch(log_dir), &options, &mut |_, s| account.add(s))
                    .map(|_| account.finish())
            })
            .await;
            match computed {
                Ok(Ok(stats)) => {
                    let stats = Arc::new(stats);
                    if let Ok(mut cache) = state.accountability.lock() {
                        *cache = Some((checkpoint, Arc::clone(&stats)));
                    }
                    stats
                }
                Ok(Err(e)) => {
                    return failure(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("The log does not verify, so no figures are shown: {e}"),
                        json,
                    );
                }
                Err(e) => return failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), json),
            }
        }
    };
    if json {
        return axum::Json(&*stats).into_response();
    }
    let page = AccountabilityPage {
        stats,
        key_name: log_key.name().to_owned(),
    };
    Html(page.render().unwrap_or_default()).into_response()
}

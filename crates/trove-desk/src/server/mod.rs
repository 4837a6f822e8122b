//! The desk's pages under `/desk/`, one module a page family: `auth`
//! (log-in, log-out), `inbox`, `batch` (many terms at once),
//! `submission` (the page and its actions: triage, decide, reply, start a
//! release), `list` (document lists: paged, sorted, faceted, exported),
//! `exports` (background export jobs), `document`, `records` (tags, notes, stars, marks; the tags, notes and
//! entity pages), `search` (across submissions), `release` (a
//! release, a document's redaction review, and their actions) and
//! `partner` (the partner portal under
//! `/desk/partner/`, and the editors' view of grants and access).
//! Sessions, CSRF tokens and log-in limits live in memory; every state
//! change is a POST with a CSRF token.

mod auth;
mod batch;
mod document;
mod exports;
mod inbox;
mod list;
mod partner;
mod records;
mod release;
mod search;
mod submission;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trove_app::{Newsroom, Role};
use trove_store::{AnyBackend, BlobOpener, SubmissionId};
use trove_web::{Access, Csrf, Route, SessionTable, Throttle, cookie, redirect, render};

use crate::DeskError;

const COOKIE: &str = "trove_desk";
const ANON_COOKIE: &str = "trove_desk_anon";
const PATH: &str = "/desk";
const IDLE: Duration = Duration::from_secs(8 * 3600);
/// However active, a desk session ends after a working day and a half.
const ABSOLUTE: Duration = Duration::from_secs(12 * 3600);
const ATTEMPTS_PER_USER: u32 = 5;
const WINDOW: Duration = Duration::from_secs(60);

/// A logged-in desk user. Only the name is kept: the role and whether
/// the account is still enabled are read from the database on every
/// request, so a disabled user or a changed role takes effect at once.
struct DeskSession {
    user: String,
}

/// Everything the desk's handlers share.
pub struct DeskState {
    newsroom: Arc<Newsroom>,
    /// Opened once at start: the desk holds the newsroom identity.
    opener: Arc<BlobOpener<AnyBackend>>,
    sessions: SessionTable<DeskSession>,
    csrf: Csrf,
    throttle: Throttle,
    exports: exports::ExportJobs,
}

impl DeskState {
    pub fn new(newsroom: Arc<Newsroom>) -> Result<Arc<DeskState>, DeskError> {
        Ok(Arc::new(DeskState {
            opener: Arc::new(newsroom.opener()?),
            newsroom,
            sessions: SessionTable::new(IDLE, ABSOLUTE),
            csrf: Csrf::new("trove/desk-csrf/v1")?,
            throttle: Throttle::new(ATTEMPTS_PER_USER, WINDOW),
            exports: exports::ExportJobs::default(),
        }))
    }

    /// The desk session of a request: its token, user and role, the user
    /// read afresh. A partner's session is not a desk session, so no desk
    /// page ever serves a partner.
    async fn session(&self, headers: &HeaderMap) -> Option<(String, String, Role)> {
        self.any_session(headers).await.filter(|(_, _, role)| role.at_desk())
    }

    /// A partner user's session: its token and name.
    async fn partner_session(&self, headers: &HeaderMap) -> Option<(String, String)> {
        match self.any_session(headers).await {
            Some((token, user, Role::Partner)) => Some((token, user)),
            _ => None,
        }
    }

    /// The session of a request, of any role. A user who is gone or
    /// disabled has their session ended.
    async fn any_session(&self, headers: &HeaderMap) -> Option<(String, String, Role)> {
        let token = cookie(headers, COOKIE)?;
        let name = self.sessions.with(token, |s| s.user.clone())?;
        let user = self.newsroom.user(&name).await.ok().flatten();
        match user.filter(|u| !u.disabled).and_then(|u| Role::parse(&u.role).ok()) {
            Some(role) => Some((token.to_owned(), name, role)),
            None => {
                self.sessions.end(token);
                None
            }
        }
    }
}

type Shared = State<Arc<DeskState>>;

/// Every route of [`router`] and who may use it (checked against the
/// router and the running server by `trove/tests/authorization.rs`).
pub const ROUTES: &[Route] = &[
    Route::new("GET", "/desk", Access::Anyone),
    Route::new("GET", "/desk/", Access::DeskUser),
    Route::new("GET", "/desk/style.css", Access::Anyone),
    Route::new("GET", "/desk/login", Access::Anyone),
    Route::form("/desk/login", Access::Anyone),
    Route::form("/desk/logout", Access::DeskUser),
    Route::new("GET", "/desk/s/{id}", Access::DeskUser),
    Route::form("/desk/s/{id}/triage", Access::DeskUser),
    Route::form("/desk/s/{id}/decide", Access::Editor),
    Route::form("/desk/s/{id}/reply", Access::DeskUser),
    Route::form("/desk/s/{id}/tag", Access::DeskUser),
    Route::form("/desk/s/{id}/note", Access::DeskUser),
    Route::new("GET", "/desk/d/{doc}", Access::DeskUser),
    Route::new("GET", "/desk/d/{doc}/preview", Access::DeskUser),
    Route::form("/desk/d/{doc}/tag", Access::DeskUser),
    Route::form("/desk/d/{doc}/note", Access::DeskUser),
    Route::form("/desk/d/{doc}/star", Access::DeskUser),
    Route::form("/desk/d/{doc}/mark", Access::DeskUser),
    Route::new("GET", "/desk/documents", Access::DeskUser),
    Route::new("GET", "/desk/exports", Access::DeskUser),
    Route::form("/desk/exports", Access::DeskUser),
    Route::new("GET", "/desk/exports/{job}", Access::DeskUser),
    Route::new("GET", "/desk/starred", Access::DeskUser),
    Route::new("GET", "/desk/tags", Access::DeskUser),
    Route::new("GET", "/desk/notes", Access::DeskUser),
    Route::new("GET", "/desk/entity", Access::DeskUser),
    Route::new("GET", "/desk/search", Access::DeskUser),
    Route::new("GET", "/desk/batch", Access::DeskUser),
    Route::form("/desk/batch", Access::DeskUser),
    Route::form("/desk/s/{id}/release", Access::Editor),
    Route::new("GET", "/desk/r/{release}", Access::DeskUser),
    Route::form("/desk/r/{release}/propose", Access::DeskUser),
    Route::form("/desk/r/{release}/publish", Access::Editor),
    Route::new("GET", "/desk/r/{release}/d/{doc}", Access::DeskUser),
    Route::form("/desk/r/{release}/d/{doc}/redact", Access::DeskUser),
    Route::form("/desk/r/{release}/d/{doc}/review", Access::DeskUser),
    Route::new("GET", "/desk/partners", Access::Editor),
    Route::new("GET", "/desk/partner/", Access::Partner),
    Route::new("GET", "/desk/partner/access", Access::Partner),
    Route::new("GET", "/desk/partner/r/{release}", Access::Partner),
    Route::new("GET", "/desk/partner/r/{release}/d/{doc}", Access::Partner),
    Route::new("GET", "/desk/partner/r/{release}/d/{doc}/text", Access::Partner),
];

/// The desk's routes, all under `/desk/`.
pub fn router(state: Arc<DeskState>) -> Router {
    Router::new()
        .route("/desk", get(|| async { redirect("/desk/", &[]) }))
        .route("/desk/", get(inbox::inbox))
        .route("/desk/style.css", get(style))
        .route("/desk/login", get(auth::login_page).post(auth::login))
        .route("/desk/logout", post(auth::logout))
        .route("/desk/s/{id}", get(submission::page))
        .route("/desk/s/{id}/triage", post(submission::triage))
        .route("/desk/s/{id}/decide", post(submission::decide))
        .route("/desk/s/{id}/reply", post(submission::reply))
        .route("/desk/s/{id}/tag", post(records::tag_submission))
        .route("/desk/s/{id}/note", post(records::note_submission))
        .route("/desk/d/{doc}", get(document::page))
        .route("/desk/d/{doc}/preview", get(document::preview))
        .route("/desk/d/{doc}/tag", post(records::tag_document))
        .route("/desk/d/{doc}/note", post(records::note_document))
        .route("/desk/d/{doc}/star", post(records::star_document))
        .route("/desk/d/{doc}/mark", post(records::mark_document))
        .route("/desk/documents", get(list::documents))
        .route("/desk/exports", get(exports::page).post(exports::start))
        .route("/desk/exports/{job}", get(exports::download))
        .route("/desk/starred", get(records::starred))
        .route("/desk/tags", get(records::tags))
        .route("/desk/notes", get(records::notes))
        .route("/desk/entity", get(records::entity))
        .route("/desk/search", get(search::page))
        .route("/desk/batch", get(batch::form).post(batch::run))
        .route("/desk/s/{id}/release", post(release::start))
        .route("/desk/r/{release}", get(release::page))
        .route("/desk/r/{release}/propose", post(release::propose))
        .route("/desk/r/{release}/publish", post(release::publish))
        .route("/desk/r/{release}/d/{doc}", get(release::document))
        .route("/desk/r/{release}/d/{doc}/redact", post(release::redact))
        .route("/desk/r/{release}/d/{doc}/review", post(release::review))
        .route("/desk/partners", get(partner::editors_page))
        .route("/desk/partner/", get(partner::home))
        .route("/desk/partner/access", get(partner::access))
        .route("/desk/partner/r/{release}", get(partner::release))
        .route("/desk/partner/r/{release}/d/{doc}", get(partner::document))
        .route("/desk/partner/r/{release}/d/{doc}/text", get(partner::download))
        .with_state(state)
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../templates/style.css"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "desk_error.html")]
struct ErrorPage<'a> {
    user: Option<String>,
    csrf: String,
    title: &'a str,
    message: &'a str,
}

fn error(status: StatusCode, title: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            user: None,
            csrf: String::new(),
            title,
            message,
        },
    )
}

/// A form whose CSRF token does not belong to the session: nothing was done.
fn form_expired(what_to_reload: &str) -> Response {
    error(
        StatusCode::FORBIDDEN,
        "This form has expired",
        &format!("Reload {what_to_reload} and try again."),
    )
}

fn unavailable() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "The database is unavailable just now.",
    )
}

fn not_a_submission() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "No such submission",
        "That is not a submission id.",
    )
}

/// The session of a POST whose CSRF token checks: its user and role, or
/// the response.
#[allow(clippy::result_large_err)] // the response is built once, on the way out
async fn posted_by(state: &DeskState, headers: &HeaderMap, csrf: &str) -> Result<(String, Role), Response> {
    let Some((token, user, role)) = state.session(headers).await else {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Please log in again",
            "Your session ended; nothing was done.",
        ));
    };
    if !state.csrf.check(Some(&token), csrf) {
        return Err(form_expired("the page"));
    }
    Ok((user, role))
}

/// As [`posted_by`], for a form about the submission `id`.
#[allow(clippy::result_large_err)] // the response is built once, on the way out
async fn posted(
    state: &DeskState,
    headers: &HeaderMap,
    csrf: &str,
    id: &str,
) -> Result<(String, Role, SubmissionId), Response> {
    let (user, role) = posted_by(state, headers, csrf).await?;
    let Ok(submission) = SubmissionId::from_str(id) else {
        return Err(not_a_submission());
    };
    Ok((user, role, submission))
}

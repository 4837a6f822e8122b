//! Releases on the desk: the release (what it holds back, which documents
//! wait for review, publishing), one document's review (the text to
//! publish, its source-protection flags, each redaction with who proposed
//! it, and the forms to add, confirm, reject or approve), and the actions.
//! Four eyes is the operations layer's rule; a refusal is shown here as
//! the page it came from would say it.

use std::str::FromStr;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_app::{AppError, SpanRequest};
use trove_store::{DocumentRepo as _, RedactionState, ReleaseState, SubmissionId};
use trove_web::{redirect, render};

use super::auth::CsrfForm;
use super::{Shared, error, not_a_submission};

#[derive(Template)]
#[template(path = "release.html")]
struct ReleasePage {
    user: Option<String>,
    csrf: String,
    id: String,
    submission: String,
    state: String,
    documents: u64,
    withheld: Vec<(String, String, String)>,
    redactions: (u64, u64, u64),
    /// Document id and path.
    awaiting: Vec<(String, String)>,
    /// Proposed on the desk for redaction: document id, path, why, who.
    to_redact: Vec<(String, String, String, String)>,
    draft: bool,
    can_publish: bool,
    published: Option<String>,
}

#[derive(Template)]
#[template(path = "release_document.html")]
struct DocumentPage {
    user: Option<String>,
    csrf: String,
    release: String,
    document: String,
    path: String,
    plan: String,
    draft: bool,
    flags: Vec<(String, String, String)>,
    /// id, kind, the text it covers, state, proposer, reviewer.
    spans: Vec<(u64, String, String, String, String, String)>,
    text: String,
}

/// An operation's refusal as a page: bad input and four-eyes refusals
/// say what to do; anything else is the database's.
fn refused(e: AppError) -> Response {
    let status = match e {
        AppError::NoRelease(_) | AppError::NotInRelease { .. } | AppError::NoRedaction { .. } => StatusCode::NOT_FOUND,
        AppError::Store(_) | AppError::Io { .. } | AppError::Join(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::CONFLICT,
    };
    error(status, "Not done", &e.to_string())
}

/// The session and checked CSRF token of a POST: its user and whether
/// they may sign (an editor or admin).
#[allow(clippy::result_large_err)] // the response is built once, on the way out
async fn posted(state: &super::DeskState, headers: &HeaderMap, csrf: &str) -> Result<(String, bool), Response> {
    let (user, role) = super::posted_by(state, headers, csrf).await?;
    Ok((user, role.decides()))
}

/// Back to `page` when an action is done, or its refusal.
fn done<T>(result: Result<T, AppError>, page: &str) -> Response {
    match result {
        Ok(_) => redirect(page, &[]),
        Err(e) => refused(e),
    }
}

fn only_editors() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "Only editors",
        "Only an editor starts or publishes a release.",
    )
}

pub(super) async fn page(State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some((token, user, role)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let view = match state.newsroom.release(&id).await {
        Ok(view) => view,
        Err(e) => return refused(e),
    };
    let mut ids: Vec<&str> = view.awaiting_review.iter().map(String::as_str).collect();
    ids.extend(view.proposed_on_desk.iter().map(|m| m.document_id.as_str()));
    let paths = match state.newsroom.repo().documents_by_ids(&ids).await {
        Ok(records) => records,
        Err(e) => return refused(e.into()),
    };
    // Documents waiting for review, by path.
    let path_of: std::collections::HashMap<String, String> = paths.into_iter().map(|d| (d.id, d.path)).collect();
    let mut awaiting: Vec<(String, String)> = view
        .awaiting_review
        .iter()
        .map(|id| (id.clone(), path_of.get(id).cloned().unwrap_or_default()))
        .collect();
    awaiting.sort_by(|a, b| a.1.cmp(&b.1));
    let to_redact = view
        .proposed_on_desk
        .iter()
        .map(|m| {
            let path = path_of.get(&m.document_id).cloned().unwrap_or_default();
            (m.document_id.clone(), path, m.reason.clone(), m.user.clone())
        })
        .collect();
    render(
        StatusCode::OK,
        &ReleasePage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            submission: view.submission.to_string(),
            state: format!("{:?}", view.state).to_lowercase(),
            documents: view.documents,
            withheld: view
                .withheld
                .iter()
                .map(|w| (w.path.clone(), w.reason.clone(), w.note.clone().unwrap_or_default()))
                .collect(),
            redactions: (
                view.redactions.proposed,
                view.redactions.confirmed,
                view.redactions.rejected,
            ),
            awaiting,
            to_redact,
            draft: view.state == ReleaseState::Draft,
            can_publish: role.decides(),
            published: match (view.log_index, &view.root) {
                (Some(index), Some(root)) => Some(format!("log entry {index}, manifest root {root}")),
                _ => None,
            },
            id: view.id,
        },
    )
}

pub(super) async fn document(
    State(state): Shared,
    headers: HeaderMap,
    Path((release, doc)): Path<(String, String)>,
) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let (review, view) = match (
        state.newsroom.release_document(&release, &doc).await,
        state.newsroom.release(&release).await,
    ) {
        (Ok(review), Ok(view)) => (review, view),
        (Err(e), _) | (_, Err(e)) => return refused(e),
    };
    let spans = review
        .redactions
        .iter()
        .map(|r| {
            let covered = review
                .text
                .get(r.start as usize..r.end as usize)
                .unwrap_or("")
                .to_owned();
            let state = match r.state {
                RedactionState::Proposed => "proposed",
                RedactionState::Confirmed => "confirmed",
                RedactionState::Rejected => "rejected",
            };
            (
                r.id,
                r.kind.clone(),
                covered,
                state.to_owned(),
                r.proposed_by.clone(),
                r.reviewed_by.clone().unwrap_or_default(),
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &DocumentPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            release,
            document: review.document,
            path: review.path,
            plan: review.plan,
            draft: view.state == ReleaseState::Draft,
            flags: review
                .flags
                .iter()
                .map(|f| (format!("{:?}", f.kind), f.field.clone(), f.value.clone()))
                .collect(),
            spans,
            text: review.text,
        },
    )
}

pub(super) async fn start(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let (user, editor) = match posted(&state, &headers, &form.csrf).await {
        Ok(done) => done,
        Err(response) => return response,
    };
    if !editor {
        return only_editors();
    }
    let Ok(submission) = SubmissionId::from_str(&id) else {
        return not_a_submission();
    };
    match state.newsroom.new_release(&submission, &user).await {
        Ok(view) => redirect(&format!("/desk/r/{}", view.id), &[]),
        Err(e) => refused(e),
    }
}

pub(super) async fn propose(
    State(state): Shared,
    headers: HeaderMap,
    Path(release): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let (user, _) = match posted(&state, &headers, &form.csrf).await {
        Ok(done) => done,
        Err(response) => return response,
    };
    done(
        state.newsroom.propose_redactions(&release, &user).await,
        &format!("/desk/r/{release}"),
    )
}

pub(super) async fn publish(
    State(state): Shared,
    headers: HeaderMap,
    Path(release): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let (user, editor) = match posted(&state, &headers, &form.csrf).await {
        Ok(done) => done,
        Err(response) => return response,
    };
    if !editor {
        return only_editors();
    }
    // An editor signs with the key of their own name.
    done(
        state.newsroom.publish(&release, &user, &trove_app::NoProgress).await,
        &format!("/desk/r/{release}"),
    )
}

#[derive(serde::Deserialize)]
pub(super) struct RedactForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

pub(super) async fn redact(
    State(state): Shared,
    headers: HeaderMap,
    Path((release, doc)): Path<(String, String)>,
    axum::Form(form): axum::Form<RedactForm>,
) -> Response {
    let (user, _) = match posted(&state, &headers, &form.csrf).await {
        Ok(done) => done,
        Err(response) => return response,
    };
    let request = SpanRequest::Text(form.text.trim().to_owned());
    done(
        state.newsroom.add_redaction(&release, &doc, request, &user).await,
        &format!("/desk/r/{release}/d/{doc}"),
    )
}

#[derive(serde::Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    csrf: String,
    /// A span's id, or none to approve all of the document's proposals.
    #[serde(default)]
    span: Option<u64>,
    /// `confirm`, `reject` or `approve`.
    #[serde(default)]
    verdict: String,
}

pub(super) async fn review(
    State(state): Shared,
    headers: HeaderMap,
    Path((release, doc)): Path<(String, String)>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Response {
    let (user, _) = match posted(&state, &headers, &form.csrf).await {
        Ok(done) => done,
        Err(response) => return response,
    };
    let newsroom = &state.newsroom;
    let reviewed = match (form.verdict.as_str(), form.span) {
        ("approve", _) => newsroom.approve_redactions(&release, &doc, &user).await,
        ("confirm", Some(span)) => newsroom.review_redactions(&release, &[span], true, &user).await,
        ("reject", Some(span)) => newsroom.review_redactions(&release, &[span], false, &user).await,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "Not done",
                "Say confirm or reject with a redaction, or approve.",
            );
        }
    };
    done(reviewed, &format!("/desk/r/{release}/d/{doc}"))
}

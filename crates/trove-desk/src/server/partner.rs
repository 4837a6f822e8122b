//! The partner portal under `/desk/partner/`: the releases granted to the
//! partner's organisation, searched and read as they would be published
//! (every redaction taken out), and the organisation's own access log;
//! and `/desk/partners`, where editors see every grant and every access.
//! A partner reaches nothing else: its session is not a desk session.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trove_app::{AccessView, GrantView, PartnerListed};
use trove_web::{redirect, render};

use super::{Shared, error};

fn now() -> Option<trove_schedule::Hour> {
    trove_app::current_hour().ok()
}

fn not_granted() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "Not available",
        "There is no such release or document among those granted to your organisation.",
    )
}

#[derive(Template)]
#[template(path = "partner_home.html")]
struct HomePage {
    user: Option<String>,
    csrf: String,
    grants: Vec<GrantView>,
}

pub(super) async fn home(State(state): Shared, headers: HeaderMap) -> Response {
    let Some((token, user)) = state.partner_session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let Some(now) = now() else { return super::unavailable() };
    let Ok(grants) = state.newsroom.partner_releases(&user, now).await else {
        return super::unavailable();
    };
    render(
        StatusCode::OK,
        &HomePage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            grants,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "partner_release.html")]
struct ReleasePage {
    user: Option<String>,
    csrf: String,
    release: String,
    query: String,
    documents: Vec<PartnerListed>,
}

pub(super) async fn release(
    State(state): Shared,
    headers: HeaderMap,
    Path(release): Path<String>,
    Query(query): Query<SearchQuery>,
) -> Response {
    let Some((token, user)) = state.partner_session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let Some(now) = now() else { return super::unavailable() };
    let text = query.q.trim().to_owned();
    let documents = if text.is_empty() {
        state.newsroom.partner_release_documents(&user, &release, now).await
    } else {
        state.newsroom.partner_search(&user, &release, &text, now).await
    };
    let Ok(documents) = documents else { return not_granted() };
    render(
        StatusCode::OK,
        &ReleasePage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            release,
            query: text,
            documents,
        },
    )
}

#[derive(Template)]
#[template(path = "partner_document.html")]
struct DocumentPage {
    user: Option<String>,
    csrf: String,
    doc: trove_app::PartnerDocument,
}

/// A granted document for the partner of the session: its token, user
/// and the document (read as a view or a download), or the response.
#[allow(clippy::result_large_err)] // the response is built once, on the way out
async fn granted_document(
    state: &super::DeskState,
    headers: &HeaderMap,
    release: &str,
    doc: &str,
    download: bool,
) -> Result<(String, String, trove_app::PartnerDocument), Response> {
    let Some((token, user)) = state.partner_session(headers).await else {
        return Err(redirect("/desk/login", &[]));
    };
    let Some(now) = now() else {
        return Err(super::unavailable());
    };
    match state
        .newsroom
        .partner_document(&user, release, doc, download, now)
        .await
    {
        Ok(doc) => Ok((token, user, doc)),
        Err(_) => Err(not_granted()),
    }
}

pub(super) async fn document(
    State(state): Shared,
    headers: HeaderMap,
    Path((release, doc)): Path<(String, String)>,
) -> Response {
    let (token, user, doc) = match granted_document(&state, &headers, &release, &doc, false).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    render(
        StatusCode::OK,
        &DocumentPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            doc,
        },
    )
}

/// The document's text as a file (the text the release would publish).
pub(super) async fn download(
    State(state): Shared,
    headers: HeaderMap,
    Path((release, doc)): Path<(String, String)>,
) -> Response {
    let (_, _, doc) = match granted_document(&state, &headers, &release, &doc, true).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.txt\"", doc.document),
            ),
        ],
        doc.text,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "partner_access.html")]
struct AccessPage {
    user: Option<String>,
    csrf: String,
    title: &'static str,
    grants: Vec<GrantView>,
    log: Vec<AccessView>,
}

/// The grants and access log page, for a partner or for editors.
async fn access_page(
    state: &super::DeskState,
    token: &str,
    user: String,
    partner: Option<&str>,
    title: &'static str,
) -> Response {
    let (Ok(grants), Ok(log)) = (
        state.newsroom.grants(partner).await,
        state.newsroom.partner_access_log(partner, 500).await,
    ) else {
        return super::unavailable();
    };
    render(
        StatusCode::OK,
        &AccessPage {
            user: Some(user),
            csrf: state.csrf.token(token),
            title,
            grants,
            log,
        },
    )
}

/// The organisation's own access log.
pub(super) async fn access(State(state): Shared, headers: HeaderMap) -> Response {
    let Some((token, user)) = state.partner_session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let Ok(partner) = state.newsroom.partner_of(&user).await else {
        return super::unavailable();
    };
    access_page(
        &state,
        &token,
        user,
        Some(&partner),
        "Your organisation's grants and access",
    )
    .await
}

/// Every grant and every partner's access, for editors.
pub(super) async fn editors_page(State(state): Shared, headers: HeaderMap) -> Response {
    let Some((token, user, role)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    if !role.decides() {
        return error(
            StatusCode::FORBIDDEN,
            "Editors only",
            "Only editors see partners' access.",
        );
    }
    access_page(&state, &token, user, None, "Partners: grants and access").await
}

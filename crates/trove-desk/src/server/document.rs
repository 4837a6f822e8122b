//! The document viewer (text, metadata, provenance, the evidence of its
//! verification, its overlap class, its entities, next and previous within
//! the list it was opened from) and journalists' records on it: tags,
//! notes, a star, a proposal to withhold or redact.

use std::sync::Arc;
use trove_store::{DocumentRepo as _, VerificationRepo as _};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use trove_store::read_text;
use trove_verify::Evidence;
use trove_web::{redirect, render, url_encode};

use super::list::ListParams;

use super::{Shared, error, unavailable};

/// Pages of an original drawn on its document's page.
const PREVIEW_PAGES: u32 = 20;

#[derive(Template)]
#[template(path = "document.html")]
struct DocumentPage {
    user: Option<String>,
    csrf: String,
    submission: String,
    path: String,
    doc_type: String,
    size: u64,
    status: String,
    content: String,
    verdict: String,
    evidence: Vec<String>,
    metadata: String,
    text: String,
    id: String,
    /// This page's own address (with its list), where forms come back to.
    here: String,
    overlap: String,
    corpus: String,
    /// Kind, name and the entity's page.
    entities: Vec<(String, String, String)>,
    annotations: trove_app::Annotations,
    starred: bool,
    list: Option<String>,
    previous: Option<String>,
    next: Option<String>,
    withhold_codes: Vec<&'static str>,
    reading: trove_app::Reading,
    /// The original's pages drawn on the page, and how many it has.
    preview: Vec<u32>,
    page_count: usize,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct Context {
    /// The list it was opened from (its query string).
    #[serde(default, rename = "in")]
    list: Option<String>,
    /// Its position in that list, from 0.
    #[serde(default)]
    at: Option<usize>,
}

/// The documents before and after position `at` of a list: their links
/// (with the list as context).
async fn neighbours(newsroom: &trove_app::Newsroom, list: &str, at: usize) -> (Option<String>, Option<String>) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(list).unwrap_or_default();
    let params = ListParams::from_pairs(&pairs);
    let first = at.saturating_sub(1);
    // The rows just before and after it, in one query without facets.
    let Ok(rows) = newsroom.list_window(&params.list(1), first, at + 2 - first).await else {
        return (None, None);
    };
    let context = url_encode(list);
    let link = |position: usize| {
        rows.get(position.checked_sub(first)?)
            .map(|row| format!("/desk/d/{}?in={context}&at={position}", row.id))
    };
    let previous = if at > 0 { link(at - 1) } else { None };
    (previous, link(at + 1))
}

pub(super) async fn page(
    State(state): Shared,
    headers: HeaderMap,
    Path(doc): Path<String>,
    Query(context): Query<Context>,
) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let record = match state.newsroom.repo().document(&doc).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "No such document",
                "There is no document with that id.",
            );
        }
        Err(_) => return unavailable(),
    };
    let verification = state
        .newsroom
        .repo()
        .verifications_of(&record.submission, &[record.id.as_str()])
        .await
        .unwrap_or_default()
        .remove(&record.id);
    let text = match record.text {
        Some(text_ref) => {
            let opener = Arc::clone(&state.opener);
            tokio::task::spawn_blocking(move || read_text(&opener, &text_ref))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_else(|| "(the text could not be read)".into())
        }
        None => "(no text was extracted)".into(),
    };
    let Ok(reading) = state.newsroom.reading(&record, &text).await else {
        return unavailable();
    };
    let page_count = reading.pages.unwrap_or(0);
    let (verdict, evidence) = match verification {
        Some(v) => {
            let evidence = match serde_json::from_value::<Vec<Evidence>>(v.evidence) {
                Ok(list) => list
                    .iter()
                    .map(|e| {
                        let strength = serde_json::to_value(e.strength).unwrap_or_default();
                        format!("{} ({}): {}", e.kind, strength.as_str().unwrap_or(""), e.sentence)
                    })
                    .collect(),
                Err(e) => vec![format!("(the stored evidence cannot be read: {e})")],
            };
            (v.verdict, evidence)
        }
        None => ("not verified".into(), Vec::new()),
    };
    let Ok(annotations) = state.newsroom.annotations(&record.id).await else {
        return unavailable();
    };
    let (previous, next) = match (&context.list, context.at) {
        (Some(list), Some(at)) => neighbours(&state.newsroom, list, at).await,
        _ => (None, None),
    };
    let here = match (&context.list, context.at) {
        (Some(list), Some(at)) => format!("/desk/d/{}?in={}&at={at}", record.id, url_encode(list)),
        _ => format!("/desk/d/{}", record.id),
    };
    let entities = reading
        .entities
        .iter()
        .map(|(kind, name)| {
            let href = format!("/desk/entity?kind={}&name={}", url_encode(kind), url_encode(name));
            (kind.clone(), name.clone(), href)
        })
        .collect();
    let starred = annotations.starred_by.contains(&user);
    render(
        StatusCode::OK,
        &DocumentPage {
            id: record.id.clone(),
            here,
            overlap: reading.overlap.clone().unwrap_or_else(|| "not measured".into()),
            corpus: reading.corpus.clone().unwrap_or_default(),
            entities,
            annotations,
            starred,
            list: context.list.as_ref().map(|l| format!("/desk/documents?{l}")),
            previous,
            next,
            preview: (1..=page_count.min(PREVIEW_PAGES)).collect(),
            page_count: page_count as usize,
            reading,
            withhold_codes: trove_publish::WithholdReason::ALL
                .iter()
                .filter(|r| **r != trove_publish::WithholdReason::CannotRender)
                .map(|r| r.code())
                .collect(),
            user: Some(user),
            csrf: state.csrf.token(&token),
            submission: record.submission.to_string(),
            path: record.path,
            doc_type: record.doc_type,
            size: record.size,
            status: record.status.to_string(),
            content: record.content_id,
            verdict,
            evidence,
            metadata: serde_json::to_string_pretty(&record.metadata).unwrap_or_default(),
            text,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub(super) struct PageNumber {
    #[serde(default)]
    page: Option<u32>,
}

/// A page of a PDF or an image drawn as a JPEG by the confined worker.
pub(super) async fn preview(
    State(state): Shared,
    headers: HeaderMap,
    Path(doc): Path<String>,
    Query(page): Query<PageNumber>,
) -> Response {
    if state.session(&headers).await.is_none() {
        return redirect("/desk/login", &[]);
    }
    match state.newsroom.preview(&doc, page.page.unwrap_or(1)).await {
        Ok(jpeg) => (
            [
                (axum::http::header::CONTENT_TYPE, "image/jpeg"),
                // The page is the original's, drawn afresh: never cached
                // outside the desk's browser.
                (axum::http::header::CACHE_CONTROL, "private, no-store"),
            ],
            jpeg,
        )
            .into_response(),
        Err(trove_app::AppError::NoDocument(_)) => error(
            StatusCode::NOT_FOUND,
            "No such document",
            "There is no document with that id.",
        ),
        Err(e) => error(StatusCode::UNPROCESSABLE_ENTITY, "No preview", &e.to_string()),
    }
}

//! Batch search: a list of names or terms (pasted, or a CSV's first
//! column, pasted or uploaded as a file) run at once, across every
//! submission or within one, with a count per term and links to its hits.

use std::str::FromStr;

use askama::Template;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trove_app::BatchTerm;
use trove_store::SubmissionId;
use trove_web::{redirect, render};

use super::{Shared, posted_by};

/// Hits listed per term (the count is of all of them).
const HITS_PER_TERM: usize = 10;

/// The largest list file taken (a list of names, not a dataset).
const MAX_LIST_BYTES: usize = 1 << 20;

#[derive(Template)]
#[template(path = "batch.html")]
struct BatchPage {
    user: Option<String>,
    csrf: String,
    submission: String,
    terms: String,
    results: Vec<BatchTerm>,
    error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct Within {
    #[serde(default)]
    submission: String,
}

pub(super) async fn form(State(state): Shared, headers: HeaderMap, Query(within): Query<Within>) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    render(
        StatusCode::OK,
        &BatchPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            submission: within.submission,
            terms: String::new(),
            results: Vec::new(),
            error: None,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub(super) struct BatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    terms: String,
    #[serde(default)]
    submission: String,
}

/// The form as sent: URL-encoded (pasted terms), or multipart with a list
/// file whose lines join the pasted ones.
async fn read_form(request: Request) -> Result<BatchForm, Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return axum::Form::<BatchForm>::from_request(request, &())
            .await
            .map(|form| form.0)
            .map_err(IntoResponse::into_response);
    }
    let refused = |reason: String| (StatusCode::BAD_REQUEST, reason).into_response();
    let mut parts = Multipart::from_request(request, &())
        .await
        .map_err(IntoResponse::into_response)?;
    let mut form = BatchForm::default();
    let mut files = Vec::new();
    while let Some(field) = parts.next_field().await.map_err(|e| refused(e.body_text()))? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or("the list file").to_owned();
        let bytes = field.bytes().await.map_err(|e| refused(e.body_text()))?;
        let text = || String::from_utf8(bytes.to_vec()).map_err(|_| format!("{file_name} is not UTF-8 text"));
        match name.as_str() {
            "csrf" => form.csrf = text().map_err(refused)?,
            "submission" => form.submission = text().map_err(refused)?,
            "terms" => form.terms = text().map_err(refused)?,
            "file" if !bytes.is_empty() => {
                if bytes.len() > MAX_LIST_BYTES {
                    return Err(refused(format!(
                        "{file_name} is larger than {} KiB: a batch is a list of names or terms",
                        MAX_LIST_BYTES >> 10
                    )));
                }
                files.push(text().map_err(refused)?);
            }
            _ => {}
        }
    }
    for file in files {
        if !form.terms.is_empty() && !form.terms.ends_with('\n') {
            form.terms.push('\n');
        }
        form.terms.push_str(&file);
    }
    Ok(form)
}

pub(super) async fn run(State(state): Shared, request: Request) -> Response {
    let headers = request.headers().clone();
    let form = match read_form(request).await {
        Ok(form) => form,
        Err(response) => return response,
    };
    let (user, _) = match posted_by(&state, &headers, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let token = trove_web::cookie(&headers, super::COOKIE)
        .unwrap_or_default()
        .to_owned();
    let submission = form.submission.trim();
    let within = if submission.is_empty() {
        Ok(None)
    } else {
        SubmissionId::from_str(submission).map(Some)
    };
    let terms = trove_app::batch_terms(&form.terms);
    let (results, error) = match within {
        Err(_) => (Vec::new(), Some("That is not a submission id.".to_owned())),
        Ok(within) => {
            // Fifty searches take a while: off the server's async workers.
            let newsroom = std::sync::Arc::clone(&state.newsroom);
            let searched =
                tokio::task::spawn_blocking(move || newsroom.batch_search(&terms, within.as_ref(), HITS_PER_TERM))
                    .await;
            match searched {
                Ok(Ok(results)) => (results, None),
                Ok(Err(e)) => (Vec::new(), Some(e.to_string())),
                Err(e) => (Vec::new(), Some(e.to_string())),
            }
        }
    };
    render(
        StatusCode::OK,
        &BatchPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            submission: submission.to_owned(),
            terms: form.terms,
            results,
            error,
        },
    )
}

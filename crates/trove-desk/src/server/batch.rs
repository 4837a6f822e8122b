//! Batch search: a list of names or terms (pasted, or a CSV's first
//! column) run at once, across every submission or within one, with a
//! count per term and links to its hits.

use std::str::FromStr;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_app::BatchTerm;
use trove_store::SubmissionId;
use trove_web::{redirect, render};

use super::{Shared, posted_by};

/// Hits listed per term (the count is of all of them).
const HITS_PER_TERM: usize = 10;

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

#[derive(serde::Deserialize)]
pub(super) struct BatchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    terms: String,
    #[serde(default)]
    submission: String,
}

pub(super) async fn run(State(state): Shared, headers: HeaderMap, axum::Form(form): axum::Form<BatchForm>) -> Response {
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
        Ok(within) => match state.newsroom.batch_search(&terms, within.as_ref(), HITS_PER_TERM) {
            Ok(results) => (results, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        },
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

//! Search across every submission, from the search index.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_web::{redirect, render};

use super::Shared;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    user: Option<String>,
    csrf: String,
    query: String,
    /// Submission, document id, path, snippet.
    hits: Vec<(String, String, String, String)>,
    error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub(super) async fn page(State(state): Shared, headers: HeaderMap, Query(query): Query<SearchQuery>) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let text = query.q.trim().to_owned();
    let (hits, error) = if text.is_empty() {
        (Vec::new(), None)
    } else {
        let query = trove_search::Query {
            text: text.clone(),
            submission: None,
            limit: 200,
        };
        match state.newsroom.search(&query).await {
            Ok(hits) => (
                hits.into_iter()
                    .map(|h| (h.hit.submission, h.hit.id, h.hit.path, h.snippet.replace('\n', " ")))
                    .collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(e.to_string())),
        }
    };
    render(
        StatusCode::OK,
        &SearchPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            query: text,
            hits,
            error,
        },
    )
}

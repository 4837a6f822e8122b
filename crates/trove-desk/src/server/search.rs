//! Search across every submission: the documents list with the words
//! (`/desk/documents?q=…`), where it can be narrowed, sorted and paged.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use trove_web::{redirect, url_encode};

use super::Shared;

#[derive(serde::Deserialize, Default)]
pub(super) struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub(super) async fn page(State(state): Shared, headers: HeaderMap, Query(query): Query<SearchQuery>) -> Response {
    if state.session(&headers).await.is_none() {
        return redirect("/desk/login", &[]);
    }
    redirect(&format!("/desk/documents?q={}", url_encode(query.q.trim())), &[])
}

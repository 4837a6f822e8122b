//! The document viewer: text, metadata, provenance and the evidence of
//! its verification.

use std::sync::Arc;
use trove_store::{DocumentRepo as _, VerificationRepo as _};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_store::read_text;
use trove_verify::Evidence;
use trove_web::{redirect, render};

use super::{Shared, error, unavailable};

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
}

pub(super) async fn page(State(state): Shared, headers: HeaderMap, Path(doc): Path<String>) -> Response {
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
        .verifications(&record.submission)
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|v| v.document_id == record.id);
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
    render(
        StatusCode::OK,
        &DocumentPage {
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

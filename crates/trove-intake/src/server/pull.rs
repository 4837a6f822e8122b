//! The API the desk pulls through when the intake runs on its own machine:
//! new ciphertext, messages and sources out, the desk's replies in, and
//! confirmations that start the retention clock.
//!
//! Every call needs `Authorization: Bearer <newsroom API key>`; the key's
//! BLAKE3 is compared in constant time with the one configured. Nothing
//! here can decrypt anything: the desk gets ciphertext and decrypts at home.

use std::io::Read;
use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use trove_store::{BlobBackend, BlobId, Day, Direction, MessageRecord, put_ciphertext};

use super::stream::BlockingSink;
use super::{Intake, IntakeStore};

type Shared<R> = State<Arc<Intake<R>>>;

/// The BLAKE3 of an API key: what the intake keeps and compares.
pub fn api_key_hash(key: &str) -> [u8; 32] {
    *blake3::hash(key.trim().as_bytes()).as_bytes()
}

/// Every `/api/v1/` request passes here first, before anything reads its
/// body: a caller without the newsroom's key gets 401 for the price of
/// its headers.
pub async fn require_key<R: IntakeStore>(
    State(intake): Shared<R>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match authorized(&intake, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused,
    }
}

fn authorized<R: IntakeStore>(intake: &Intake<R>, headers: &HeaderMap) -> Result<(), Response> {
    let refuse = |message: &str| Err((StatusCode::UNAUTHORIZED, message.to_owned()).into_response());
    let Some(expected) = &intake.api_key else {
        return refuse("this intake has no API key configured (api_key_file in trove.toml)\n");
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        Some(key) if bool::from(api_key_hash(key).ct_eq(expected.as_ref())) => Ok(()),
        _ => refuse("a valid newsroom API key is needed (Authorization: Bearer KEY)\n"),
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the intake's database is unavailable; try again\n",
    )
        .into_response()
}

#[derive(Serialize, Deserialize)]
pub struct PulledSubmission {
    pub id: String,
    pub day: Day,
    pub source: Option<String>,
    pub manifest: String,
    pub blobs: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub struct PulledMessage {
    pub id: String,
    pub source: String,
    pub day: String,
    pub blob: String,
}

#[derive(Serialize, Deserialize)]
pub struct PulledSource {
    pub id: String,
    pub reply_recipient: String,
    pub created_day: String,
}

/// `GET /api/v1/pending`.
#[derive(Serialize, Deserialize)]
pub struct PendingReport {
    pub submissions: Vec<PulledSubmission>,
    pub messages: Vec<PulledMessage>,
    pub sources: Vec<PulledSource>,
}

pub async fn pending<R: IntakeStore>(State(intake): Shared<R>) -> Response {
    let Ok(pending) = intake.repo.pending().await else {
        return unavailable();
    };
    Json(PendingReport {
        submissions: pending
            .submissions
            .into_iter()
            .map(|s| PulledSubmission {
                id: s.record.id.to_string(),
                day: s.record.received_day,
                source: s.record.source,
                manifest: s.record.manifest.to_hex(),
                blobs: s.blobs.iter().map(BlobId::to_hex).collect(),
            })
            .collect(),
        messages: pending
            .messages
            .into_iter()
            .map(|m| PulledMessage {
                id: m.id,
                source: m.source_id,
                day: m.day,
                blob: m.blob.to_hex(),
            })
            .collect(),
        sources: pending
            .sources
            .into_iter()
            .map(|s| PulledSource {
                id: s.id,
                reply_recipient: s.reply_recipient,
                created_day: s.created_day,
            })
            .collect(),
    })
    .into_response()
}

/// `GET /api/v1/blobs/{id}`: the ciphertext, streamed from disk.
pub async fn get_blob<R: IntakeStore>(State(intake): Shared<R>, Path(id): Path<String>) -> Response {
    let Ok(id) = BlobId::from_str(&id) else {
        return (StatusCode::BAD_REQUEST, "not a blob id\n").into_response();
    };
    let backend = intake.sealer.backend().clone();
    let mut file = match backend.open(&id) {
        Ok(file) => file,
        Err(trove_store::StoreError::NotFound(_)) => {
            return (StatusCode::NOT_FOUND, "no such blob here\n").into_response();
        }
        Err(_) => return unavailable(),
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            match file.read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => {
                    if sender
                        .blocking_send(Ok(bytes::Bytes::copy_from_slice(&buffer[..n])))
                        .is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    let _ = sender.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `PUT /api/v1/blobs/{id}`: a reply's ciphertext from the desk, stored
/// only if it hashes to its id.
pub async fn put_blob<R: IntakeStore>(State(intake): Shared<R>, Path(id): Path<String>, body: Body) -> Response {
    let Ok(id) = BlobId::from_str(&id) else {
        return (StatusCode::BAD_REQUEST, "not a blob id\n").into_response();
    };
    let backend = intake.sealer.backend().clone();
    let mut sink = BlockingSink::run(move |reader| put_ciphertext(&backend, &id, reader));
    let mut stream = body.into_data_stream();
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        let written = match chunk {
            Ok(chunk) => sink.write(chunk).await,
            Err(_) => false,
        };
        if !written {
            sink.abandon().await;
            return (StatusCode::BAD_REQUEST, "the body was cut off; nothing was stored\n").into_response();
        }
    }
    match sink.finish().await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(trove_store::StoreError::IdMismatch { .. }) => (
            StatusCode::BAD_REQUEST,
            "the bytes do not hash to the blob id; nothing was stored\n",
        )
            .into_response(),
        Err(_) => (StatusCode::INSUFFICIENT_STORAGE, "the blob could not be stored\n").into_response(),
    }
}

#[derive(Serialize, Deserialize, Default)]
pub struct Confirmation {
    #[serde(default)]
    pub submissions: Vec<String>,
    #[serde(default)]
    pub messages: Vec<String>,
}

/// `POST /api/v1/confirm`: the desk holds these now; retention starts.
pub async fn confirm<R: IntakeStore>(State(intake): Shared<R>, Json(confirmation): Json<Confirmation>) -> Response {
    if intake
        .repo
        .confirm(&confirmation.submissions, &confirmation.messages)
        .await
        .is_err()
    {
        return unavailable();
    }
    match sweep(&intake).await {
        Ok((submissions, messages)) => Json(Confirmed {
            expired: ExpiredCounts { submissions, messages },
        })
        .into_response(),
        Err(()) => unavailable(),
    }
}

/// What `POST /api/v1/confirm` answers: what retention deleted just now.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Confirmed {
    pub expired: ExpiredCounts,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct ExpiredCounts {
    pub submissions: usize,
    pub messages: usize,
}

/// What `POST /api/v1/replies` answers: the replies it took.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Accepted {
    pub accepted: Vec<String>,
}

/// What `POST /api/v1/decisions` answers: the decisions new to it.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Recorded {
    pub recorded: usize,
}

#[derive(Serialize, Deserialize)]
pub struct Replies {
    pub replies: Vec<PulledMessage>,
}

/// `POST /api/v1/replies`: the desk's replies, whose blobs it has PUT.
pub async fn replies<R: IntakeStore>(State(intake): Shared<R>, Json(replies): Json<Replies>) -> Response {
    let mut accepted = Vec::new();
    for reply in replies.replies {
        let Ok(blob) = BlobId::from_str(&reply.blob) else {
            return (StatusCode::BAD_REQUEST, format!("reply {}: not a blob id\n", reply.id)).into_response();
        };
        if !intake.sealer.backend().contains(&blob).unwrap_or(false) {
            return (
                StatusCode::CONFLICT,
                format!("reply {}: PUT its blob first\n", reply.id),
            )
                .into_response();
        }
        match intake.repo.source(&reply.source).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return (
                    StatusCode::NOT_FOUND,
                    format!("reply {}: no such source here\n", reply.id),
                )
                    .into_response();
            }
            Err(_) => return unavailable(),
        }
        let message = MessageRecord {
            id: reply.id.clone(),
            source_id: reply.source,
            direction: Direction::Newsroom,
            blob,
            day: reply.day,
        };
        if intake.repo.add_message(&message).await.is_err() {
            return unavailable();
        }
        accepted.push(reply.id);
    }
    Json(Accepted { accepted }).into_response()
}

/// The desk's decisions as a source may see them (no editor, no note).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decisions {
    pub decisions: Vec<trove_store::SourceDecision>,
}

/// `POST /api/v1/decisions`: the desk's decisions on this intake's
/// submissions, so that their sources see the outcome and its codes.
pub async fn decisions<R: IntakeStore>(State(intake): Shared<R>, Json(decisions): Json<Decisions>) -> Response {
    let mut recorded = 0;
    for decision in &decisions.decisions {
        match intake.repo.import_decision(decision).await {
            Ok(new) => recorded += usize::from(new),
            Err(_) => return unavailable(),
        }
    }
    Json(Recorded { recorded }).into_response()
}

/// Deletes what the desk confirmed more than `retention_days` ago: rows
/// and blobs, and frees the sources' quotas; deletes uploads abandoned for
/// `abandoned_upload_days`; and forgets sources unused for
/// `unused_source_days`.
pub async fn sweep<R: IntakeStore>(intake: &Intake<R>) -> Result<(usize, usize), ()> {
    let abandoned = Day::days_ago(intake.limits.abandoned_upload_days).to_string();
    for upload in intake.repo.uploads_begun_by(&abandoned).await.map_err(|_| ())? {
        for part in intake.repo.delete_upload(&upload).await.map_err(|_| ())? {
            let _ = intake.sealer.backend().remove(&part.blob);
        }
    }
    let unused = Day::days_ago(intake.limits.unused_source_days).to_string();
    intake.repo.forget_unused_sources(&unused).await.map_err(|_| ())?;
    let before = Day::days_ago(intake.limits.retention_days).to_string();
    let expired = intake.repo.expire(&before).await.map_err(|_| ())?;
    let backend = intake.sealer.backend();
    for (source, blob) in &expired.blobs {
        let len = backend.len(blob).unwrap_or(0);
        let _ = backend.remove(blob);
        if let Some(source) = source {
            let _ = intake.repo.add_stored_bytes(source, -(len as i64)).await;
        }
    }
    Ok((expired.submissions, expired.messages))
}

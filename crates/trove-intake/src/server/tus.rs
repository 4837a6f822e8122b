//! Resumable uploads: tus 1.0.0 core, with the creation and termination
//! extensions, at `/tus/`.
//!
//! An upload's URL is `/tus/<id>-<key>`. The key (32 random bytes) is never
//! stored: the server keeps a keyed check value to recognise it, and
//! encrypts under it the two things it must remember about the plaintext,
//! the file name and each part's BLAKE3 (for the receipt). Each PATCH body
//! is sealed in parts of at most `part_bytes`, each its own age stream,
//! acknowledged (durable, counted in `Upload-Offset`) as it completes; a
//! body cut off mid-part still keeps what arrived. So an upload resumes
//! from its last offset after a dropped circuit or a server restart, and a
//! seized intake holds nothing about it but sizes.
//!
//! The last part completes the upload: it becomes a one-file submission
//! from the logged-in source that created it, and the response carries the
//! receipt (`Trove-Submission`, `Trove-Commitment`, `Trove-Salt`). The
//! salt is derived from the key, so the source, who holds the URL, can
//! always recompute it. A client that finds `Upload-Offset` equal to
//! `Upload-Length` without having seen those headers (the server stopped
//! between the last part and the submission) sends an empty PATCH at that
//! offset to complete it.
//!
//! Creating an upload needs the source's session cookie; the custom
//! `Tus-Resumable` header, which a cross-site form cannot send, stands in
//! for a CSRF token.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use trove_store::{BlobBackend, Channel, Day, FilePart, SubmissionWriter, UploadPart, UploadRecord, file_digest};

use super::pages::{clean_name, record_receipt, session_source};
use super::stream::SealingBlob;
use super::upload_key::{UploadKey, parse_token};
use super::{Intake, IntakeStore, random_hex};

type Shared<R> = State<Arc<Intake<R>>>;

const VERSION: &str = "1.0.0";

/// Uploads with a PATCH in progress: a second PATCH of the same upload
/// waits for none, it is refused.
#[derive(Default)]
pub struct Busy(Mutex<HashSet<String>>);

struct BusyGuard<'a> {
    busy: &'a Busy,
    id: String,
}

impl Busy {
    fn claim(&self, id: &str) -> Option<BusyGuard<'_>> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(id.to_owned()).then(|| BusyGuard {
            busy: self,
            id: id.to_owned(),
        })
    }
}

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.busy.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
    }
}

fn tus_response(status: StatusCode, headers: &[(&str, String)], body: &str) -> Response {
    let mut response = (status, body.to_owned()).into_response();
    let map = response.headers_mut();
    map.insert(
        HeaderName::from_static("tus-resumable"),
        HeaderValue::from_static(VERSION),
    );
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(*name), HeaderValue::try_from(value.as_str())) {
            map.insert(name, value);
        }
    }
    response
}

fn problem(status: StatusCode, message: &str) -> Response {
    tus_response(status, &[("content-type", "text/plain; charset=utf-8".into())], message)
}

fn check_version(headers: &HeaderMap) -> Result<(), Response> {
    match headers.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(VERSION) => Ok(()),
        _ => Err(tus_response(
            StatusCode::PRECONDITION_FAILED,
            &[("tus-version", VERSION.into())],
            "this server speaks tus 1.0.0: send `Tus-Resumable: 1.0.0`\n",
        )),
    }
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The `filename` (or `name`) entry of `Upload-Metadata`.
fn metadata_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("upload-metadata")?.to_str().ok()?;
    value.split(',').find_map(|pair| {
        let mut words = pair.trim().splitn(2, ' ');
        let key = words.next()?;
        let encoded = words.next().unwrap_or("");
        if key != "filename" && key != "name" {
            return None;
        }
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
        String::from_utf8(bytes).ok()
    })
}

pub async fn options<R: IntakeStore>(State(intake): Shared<R>) -> Response {
    tus_response(
        StatusCode::NO_CONTENT,
        &[
            ("tus-version", VERSION.into()),
            ("tus-extension", "creation,termination".into()),
            ("tus-max-size", intake.limits.max_file_bytes.to_string()),
        ],
        "",
    )
}

pub async fn create<R: IntakeStore>(State(intake): Shared<R>, headers: HeaderMap) -> Response {
    if let Err(response) = check_version(&headers) {
        return response;
    }
    let Some(source_id) = session_source(&intake, &headers) else {
        return problem(
            StatusCode::UNAUTHORIZED,
            "log in with your codename first: this needs your session cookie\n",
        );
    };
    if headers.contains_key("upload-defer-length") {
        return problem(
            StatusCode::BAD_REQUEST,
            "Upload-Defer-Length is not supported: send Upload-Length\n",
        );
    }
    let Some(length) = header_u64(&headers, "upload-length") else {
        return problem(StatusCode::BAD_REQUEST, "Upload-Length is missing or not a number\n");
    };
    // An empty file is no submission: accepting it made a submission and
    // a log entry for nothing, as often as anyone liked.
    if length == 0 {
        return problem(
            StatusCode::BAD_REQUEST,
            "an empty file is not a submission; nothing was stored\n",
        );
    }
    if length > intake.limits.max_file_bytes {
        return tus_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &[("tus-max-size", intake.limits.max_file_bytes.to_string())],
            &format!(
                "this file is over the limit of {} bytes per file\n",
                intake.limits.max_file_bytes
            ),
        );
    }
    let stored = match intake.repo.source(&source_id).await {
        Ok(Some(source)) => source.stored_bytes,
        _ => return problem(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment\n"),
    };
    if stored.saturating_add(length) > intake.limits.max_source_bytes {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "this file would go over the {} bytes this drop holds for you\n",
                intake.limits.max_source_bytes
            ),
        );
    }
    let key = UploadKey::random();
    let name = clean_name(&metadata_name(&headers).unwrap_or_default());
    let upload = UploadRecord {
        id: random_hex::<16>(),
        source_id,
        key_check: key.check(),
        length,
        name_sealed: key.seal_name(&name),
        created_day: Day::today().to_string(),
    };
    if intake.repo.create_upload(&upload).await.is_err() {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "the upload could not be recorded; try again\n",
        );
    }
    let location = format!("/tus/{}-{}", upload.id, key.to_hex().as_str());
    tus_response(StatusCode::CREATED, &[("location", location)], "")
}

/// Finds an upload by its URL; unknown ids and wrong keys look the same.
async fn find<R: IntakeStore>(intake: &Intake<R>, token: &str) -> Result<(UploadRecord, UploadKey), Response> {
    let not_found = || {
        problem(
            StatusCode::NOT_FOUND,
            "no such upload (it was completed, terminated, or never existed)\n",
        )
    };
    let (id, key) = parse_token(token).ok_or_else(not_found)?;
    match intake.repo.upload(&id).await {
        Ok(Some(upload)) if key.matches(&upload.key_check) => Ok((upload, key)),
        Ok(_) => Err(not_found()),
        Err(_) => Err(problem(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment\n")),
    }
}

pub async fn head<R: IntakeStore>(State(intake): Shared<R>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    if let Err(response) = check_version(&headers) {
        return response;
    }
    let (upload, _) = match find(&intake, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(parts) = intake.repo.upload_parts(&upload.id).await else {
        return problem(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment\n");
    };
    let offset: u64 = parts.iter().map(|p| p.size).sum();
    tus_response(
        StatusCode::OK,
        &[
            ("upload-offset", offset.to_string()),
            ("upload-length", upload.length.to_string()),
            ("cache-control", "no-store".into()),
        ],
        "",
    )
}

/// Seals and acknowledges one part; false if it was refused (quota) or
/// could not be stored, in which case nothing of it is kept.
async fn acknowledge<R: IntakeStore>(
    intake: &Arc<Intake<R>>,
    upload: &UploadRecord,
    key: &UploadKey,
    ordinal: u32,
    blob: SealingBlob,
) -> Result<u64, Response> {
    let put = blob.finish().await.map_err(|_| {
        problem(
            StatusCode::INSUFFICIENT_STORAGE,
            "the server could not store this part (its disk may be full); what was acknowledged before is kept\n",
        )
    })?;
    let refuse = |status, message: &str| {
        let _ = intake.sealer.backend().remove(&put.blob);
        Err(problem(status, message))
    };
    let part = UploadPart {
        ordinal,
        blob: put.blob,
        size: put.plaintext_len,
        stored: put.stored_len,
        hash_sealed: key.seal_hash(ordinal, put.content.as_bytes()),
    };
    // The part is counted against the quota in the transaction that
    // records it, so parts of parallel uploads cannot share the same room.
    let recorded = intake
        .repo
        .add_upload_part(upload, &part, intake.limits.max_source_bytes)
        .await;
    if recorded.as_ref().is_ok_and(|counted| !counted) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "this drop is full for you; what was acknowledged before is kept\n",
        );
    }
    if recorded.is_err() {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the part could not be recorded; resume from the last offset\n",
        );
    }
    Ok(put.plaintext_len)
}

pub async fn patch<R: IntakeStore>(
    State(intake): Shared<R>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(response) = check_version(&headers) {
        return response;
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if content_type != Some("application/offset+octet-stream") {
        return problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a PATCH body must be Content-Type: application/offset+octet-stream\n",
        );
    }
    let Some(claimed) = header_u64(&headers, "upload-offset") else {
        return problem(StatusCode::BAD_REQUEST, "Upload-Offset is missing or not a number\n");
    };
    let (upload, key) = match find(&intake, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(_guard) = intake.busy.claim(&upload.id) else {
        return problem(
            StatusCode::CONFLICT,
            "another request is writing to this upload; wait for it, then HEAD\n",
        );
    };
    let Ok(parts) = intake.repo.upload_parts(&upload.id).await else {
        return problem(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment\n");
    };
    let mut offset: u64 = parts.iter().map(|p| p.size).sum();
    let mut ordinal = parts.len() as u32;
    if claimed != offset {
        return tus_response(
            StatusCode::CONFLICT,
            &[("upload-offset", offset.to_string())],
            &format!("Upload-Offset {claimed} does not match this upload's offset {offset}: resume from {offset}\n"),
        );
    }
    if offset == upload.length {
        return complete(&intake, &upload, &key).await;
    }

    let mut stream = body.into_data_stream();
    let mut blob: Option<SealingBlob> = None;
    let mut over_length = false;
    let mut cut_off = false;
    loop {
        use futures_util::StreamExt;
        let chunk = match tokio::time::timeout(intake.limits.upload_idle, stream.next()).await {
            Ok(Some(Ok(chunk))) => chunk,
            Ok(None) => break,
            // A broken connection or a silent one: keep what arrived.
            Ok(Some(Err(_))) | Err(_) => {
                cut_off = true;
                break;
            }
        };
        let mut chunk = chunk;
        while !chunk.is_empty() {
            let remaining = upload.length - offset - blob.as_ref().map_or(0, |b| b.len);
            if remaining == 0 {
                over_length = true;
                break;
            }
            let current = blob.get_or_insert_with(|| SealingBlob::start(&intake.sealer));
            let room = (intake.limits.part_bytes - current.len).min(remaining);
            let piece = chunk.split_to((room as usize).min(chunk.len()));
            if !current.write(piece).await {
                break; // the sealer failed; finish() reports it
            }
            if current.len == intake.limits.part_bytes {
                let full = blob.take().expect("just used");
                match acknowledge(&intake, &upload, &key, ordinal, full).await {
                    Ok(size) => {
                        offset += size;
                        ordinal += 1;
                    }
                    Err(response) => return response,
                }
            }
        }
        if over_length {
            break;
        }
    }
    if let Some(last) = blob.take().filter(|b| b.len > 0) {
        match acknowledge(&intake, &upload, &key, ordinal, last).await {
            Ok(size) => offset += size,
            Err(response) => return response,
        }
    }
    if over_length {
        return tus_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &[("upload-offset", offset.to_string())],
            "the body goes past Upload-Length; the bytes up to it were kept\n",
        );
    }
    if cut_off {
        return tus_response(
            StatusCode::BAD_REQUEST,
            &[("upload-offset", offset.to_string())],
            "the body was cut off; what arrived is kept: resume from Upload-Offset\n",
        );
    }
    if offset == upload.length {
        return complete(&intake, &upload, &key).await;
    }
    tus_response(StatusCode::NO_CONTENT, &[("upload-offset", offset.to_string())], "")
}

/// Turns a finished upload into a submission and answers with its receipt.
async fn complete<R: IntakeStore>(intake: &Arc<Intake<R>>, upload: &UploadRecord, key: &UploadKey) -> Response {
    let Ok(parts) = intake.repo.upload_parts(&upload.id).await else {
        return problem(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment\n");
    };
    let mut hashes = Vec::with_capacity(parts.len());
    for part in &parts {
        match key.open_hash(part.ordinal, &part.hash_sealed) {
            Some(hash) => hashes.push((part.size, hash)),
            None => return problem(StatusCode::INTERNAL_SERVER_ERROR, "this upload's records are damaged\n"),
        }
    }
    let name = key
        .open_name(&upload.name_sealed)
        .unwrap_or_else(|| "upload".to_owned());
    let file_parts: Vec<FilePart> = parts
        .iter()
        .map(|p| FilePart {
            blob: p.blob,
            size: p.size,
        })
        .collect();
    let sealer = Arc::clone(&intake.sealer);
    let sealed = (|| {
        let mut writer = SubmissionWriter::new(&sealer)?
            .from_source(&upload.source_id)
            .with_salt(key.salt());
        if file_parts.is_empty() {
            writer.add_file(&name, std::io::empty())?;
        } else {
            writer.add_parts(&name, file_parts, file_digest(&hashes))?;
        }
        writer.seal(Channel::Intake)
    })();
    let Ok((record, summary)) = sealed else {
        return problem(
            StatusCode::INSUFFICIENT_STORAGE,
            "the submission could not be sealed; send an empty PATCH to retry\n",
        );
    };
    if intake.repo.complete_upload(upload, &record).await.is_err() {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "the submission could not be recorded; send an empty PATCH to retry\n",
        );
    }
    record_receipt(intake, &summary).await;
    let part_sizes: Vec<String> = parts.iter().map(|p| p.size.to_string()).collect();
    tus_response(
        StatusCode::NO_CONTENT,
        &[
            ("upload-offset", upload.length.to_string()),
            ("trove-submission", summary.submission.to_string()),
            ("trove-commitment", hex::encode(summary.commitment)),
            ("trove-salt", hex::encode(summary.salt)),
            ("trove-part-sizes", part_sizes.join(",")),
        ],
        "",
    )
}

pub async fn terminate<R: IntakeStore>(
    State(intake): Shared<R>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = check_version(&headers) {
        return response;
    }
    let (upload, _) = match find(&intake, &token).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(_guard) = intake.busy.claim(&upload.id) else {
        return problem(
            StatusCode::CONFLICT,
            "a PATCH is writing to this upload; try again when it ends\n",
        );
    };
    match intake.repo.delete_upload(&upload).await {
        Ok(parts) => {
            for part in parts {
                let _ = intake.sealer.backend().remove(&part.blob);
            }
            tus_response(StatusCode::NO_CONTENT, &[], "")
        }
        Err(_) => problem(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment\n"),
    }
}

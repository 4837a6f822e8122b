//! The source pages: server-rendered, no scripts, every form with a CSRF
//! token, every state change behind a POST.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trove_store::{
    BlobOpener, Channel, Day, Direction, FilePart, MessageRecord, SourceRecord, SubmissionSummary, SubmissionWriter,
};
use zeroize::Zeroizing;

use super::sessions::{ANON_COOKIE, SESSION_COOKIE, Throttled, clear_cookie, cookie, set_cookie};
use super::stream::SealingBlob;
use super::{Intake, IntakeStore, random_hex};
use crate::{Codename, CodenameError, Derived};
use trove_web::{redirect, render};

type Shared<R> = State<Arc<Intake<R>>>;

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    newsroom: &'a str,
}

#[derive(Template)]
#[template(path = "generate.html")]
struct GeneratePage<'a> {
    newsroom: &'a str,
    codename: &'a str,
    csrf: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    newsroom: &'a str,
    csrf: String,
    error: Option<String>,
}

struct Reply {
    day: String,
    text: String,
}

struct Sent {
    day: String,
    what: &'static str,
    id: String,
    status: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    newsroom: &'a str,
    csrf: String,
    notice: Option<String>,
    max_file: String,
    replies: Vec<Reply>,
    sent: Vec<Sent>,
}

struct ReceiptView {
    submission: String,
    commitment: String,
    salt: String,
    files: usize,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage<'a> {
    newsroom: &'a str,
    receipt: Option<ReceiptView>,
    message_sent: bool,
    notes: Vec<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    newsroom: &'a str,
    title: &'a str,
    message: &'a str,
}

/// An error page (used where no newsroom name is at hand).
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            newsroom: "trove",
            title,
            message,
        },
    )
}

fn error<R: IntakeStore>(intake: &Intake<R>, status: StatusCode, title: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            newsroom: &intake.newsroom,
            title,
            message,
        },
    )
}

/// The anonymous cookie that anchors CSRF tokens before log-in: the
/// request's, or a new one to set.
fn anon_cookie(headers: &HeaderMap) -> (String, Option<String>) {
    match cookie(headers, ANON_COOKIE) {
        Some(value) if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) => (value.to_owned(), None),
        _ => {
            let value = random_hex::<32>();
            let set = set_cookie(ANON_COOKIE, &value);
            (value, Some(set))
        }
    }
}

fn with_cookie(response: Response, set: Option<String>) -> Response {
    trove_web::with_cookies(response, set.as_slice())
}

pub async fn index<R: IntakeStore>(State(intake): Shared<R>) -> Response {
    render(
        StatusCode::OK,
        &IndexPage {
            newsroom: &intake.newsroom,
        },
    )
}

pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

pub async fn not_found<R: IntakeStore>(State(intake): Shared<R>) -> Response {
    error(
        &intake,
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page here.",
    )
}

pub async fn generate<R: IntakeStore>(State(intake): Shared<R>, headers: HeaderMap) -> Response {
    let (anon, set) = anon_cookie(&headers);
    let codename = match Codename::generate() {
        Ok(codename) => codename,
        Err(_) => {
            return error(
                &intake,
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "No codename could be drawn just now. Please reload the page.",
            );
        }
    };
    let shown = Zeroizing::new(codename.expose().to_owned());
    intake.sessions.hold_codename(&anon, codename);
    let page = GeneratePage {
        newsroom: &intake.newsroom,
        codename: &shown,
        csrf: intake.sessions.csrf_token(&anon),
    };
    with_cookie(render(StatusCode::OK, &page), set)
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn expired<R: IntakeStore>(intake: &Intake<R>) -> Response {
    error(
        intake,
        StatusCode::FORBIDDEN,
        "This form has expired",
        "The form was too old or did not come from this site, so nothing was done. Go back, reload the page and try again.",
    )
}

/// Argon2id of a codename, off the async threads and at most two at once.
async fn derive<R: IntakeStore>(intake: &Arc<Intake<R>>, codename: Codename) -> Option<Derived> {
    let _permit = intake.derivations.acquire().await.ok()?;
    let intake = Arc::clone(intake);
    tokio::task::spawn_blocking(move || intake.kdf.open(&codename, &intake.pepper).ok())
        .await
        .ok()
        .flatten()
}

pub async fn create<R: IntakeStore>(
    State(intake): Shared<R>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let anon = cookie(&headers, ANON_COOKIE);
    if !intake.sessions.csrf_ok(anon, &form.csrf) {
        return expired(&intake);
    }
    let Some(codename) = anon.and_then(|anon| intake.sessions.take_codename(anon)) else {
        return error(
            &intake,
            StatusCode::CONFLICT,
            "Codename expired",
            "That codename was shown too long ago or already used. Get a new one.",
        );
    };
    let Some(derived) = derive(&intake, codename).await else {
        return error(
            &intake,
            StatusCode::SERVICE_UNAVAILABLE,
            "Try again",
            "Please try again in a moment.",
        );
    };
    let source = SourceRecord {
        id: derived.source_id.clone(),
        reply_recipient: derived.reply_recipient().to_string(),
        created_day: Day::today().to_string(),
        stored_bytes: 0,
    };
    match intake.repo.add_source(&source).await {
        Ok(true) => {}
        Ok(false) | Err(_) => {
            return error(
                &intake,
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "Your codename could not be set up. Get a new one.",
            );
        }
    }
    let token = intake.sessions.start(derived.source_id.clone(), derived.reply_identity);
    redirect("/home", &[set_cookie(SESSION_COOKIE, &token)])
}

pub async fn login_page<R: IntakeStore>(State(intake): Shared<R>, headers: HeaderMap) -> Response {
    let (anon, set) = anon_cookie(&headers);
    let page = LoginPage {
        newsroom: &intake.newsroom,
        csrf: intake.sessions.csrf_token(&anon),
        error: None,
    };
    with_cookie(render(StatusCode::OK, &page), set)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    codename: Zeroizing<String>,
}

pub async fn login<R: IntakeStore>(
    State(intake): Shared<R>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let Some(anon) = cookie(&headers, ANON_COOKIE) else {
        return expired(&intake);
    };
    if !intake.sessions.csrf_ok(Some(anon), &form.csrf) {
        return expired(&intake);
    }
    let again = |status: StatusCode, message: String| {
        render(
            status,
            &LoginPage {
                newsroom: &intake.newsroom,
                csrf: intake.sessions.csrf_token(anon),
                error: Some(message),
            },
        )
    };
    let codename = match Codename::parse(&form.codename) {
        Ok(codename) => codename,
        Err(CodenameError::UnknownWord(position)) => {
            return again(
                StatusCode::UNAUTHORIZED,
                format!("Word {position} of what you typed is not a codename word. Check it and try again."),
            );
        }
        Err(error) => return again(StatusCode::UNAUTHORIZED, format!("That is not a codename: {error}.")),
    };
    match intake.sessions.attempt(&codename) {
        Ok(()) => {}
        Err(Throttled::Key) => {
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts with this codename. Wait a minute and try again.".into(),
            );
        }
    }
    let Some(derived) = derive(&intake, codename).await else {
        return again(StatusCode::SERVICE_UNAVAILABLE, "Please try again in a moment.".into());
    };
    let known = match intake.repo.source(&derived.source_id).await {
        Ok(Some(source)) => derived.is_source(&source.id),
        Ok(None) => false,
        Err(_) => return again(StatusCode::SERVICE_UNAVAILABLE, "Please try again in a moment.".into()),
    };
    if !known {
        return again(
            StatusCode::UNAUTHORIZED,
            "No source has that codename. Check each word and try again.".into(),
        );
    }
    let token = intake.sessions.start(derived.source_id.clone(), derived.reply_identity);
    redirect("/home", &[set_cookie(SESSION_COOKIE, &token)])
}

pub async fn logout<R: IntakeStore>(
    State(intake): Shared<R>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let token = cookie(&headers, SESSION_COOKIE);
    if !intake.sessions.csrf_ok(token, &form.csrf) {
        return expired(&intake);
    }
    if let Some(token) = token {
        intake.sessions.end(token);
    }
    redirect("/", &[clear_cookie(SESSION_COOKIE, "/")])
}

/// The logged-in source behind a request: its cookie, id and reply
/// identity.
fn session<R: IntakeStore>(intake: &Intake<R>, headers: &HeaderMap) -> Option<(String, String, age::x25519::Identity)> {
    let token = cookie(headers, SESSION_COOKIE)?;
    intake.sessions.with_session(token, |s| {
        (token.to_owned(), s.source_id.clone(), s.reply_identity.clone())
    })
}

pub(crate) fn session_source<R: IntakeStore>(intake: &Intake<R>, headers: &HeaderMap) -> Option<String> {
    session(intake, headers).map(|(_, source, _)| source)
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

pub async fn home<R: IntakeStore>(State(intake): Shared<R>, headers: HeaderMap) -> Response {
    let Some((token, source_id, identity)) = session(&intake, &headers) else {
        return redirect("/login", &[]);
    };
    let (submissions, messages) = match (
        intake.repo.source_submissions(&source_id).await,
        intake.repo.messages(&source_id).await,
    ) {
        (Ok(submissions), Ok(messages)) => (submissions, messages),
        _ => {
            return error(
                &intake,
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "Please reload in a moment.",
            );
        }
    };
    let backend = intake.sealer.backend().clone();
    let replies: Vec<MessageRecord> = messages
        .iter()
        .filter(|m| m.direction == Direction::Newsroom)
        .cloned()
        .collect();
    // The source's own identity opens its replies; never the newsroom's.
    let replies = tokio::task::spawn_blocking(move || {
        let opener = BlobOpener::new(backend, Box::new(identity));
        replies
            .into_iter()
            .map(|reply| {
                let mut text = Vec::new();
                let text = match opener.copy_to(&reply.blob, &mut text) {
                    Ok(_) => String::from_utf8_lossy(&text).into_owned(),
                    Err(_) => "(this reply could not be opened)".to_owned(),
                };
                Reply { day: reply.day, text }
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let mut sent: Vec<Sent> = submissions
        .into_iter()
        .map(|submission| Sent {
            day: submission.day,
            what: "files",
            id: submission.id.to_string(),
            status: match submission.decision {
                Some((outcome, codes)) => {
                    let verb = match outcome.as_str() {
                        "accept" => "accepted",
                        "reject" => "declined",
                        _ => "deferred",
                    };
                    if codes.is_empty() {
                        format!("decided: {verb}")
                    } else {
                        format!("decided: {verb} ({})", codes.join(", "))
                    }
                }
                None if submission.collected => "collected by the newsroom".into(),
                None => "received, waiting for the newsroom".into(),
            },
        })
        .collect();
    sent.extend(
        messages
            .iter()
            .filter(|m| m.direction == Direction::Source)
            .map(|m| Sent {
                day: m.day.clone(),
                what: "message",
                id: m.id.clone(),
                status: "received".into(),
            }),
    );
    sent.sort_by(|a, b| a.day.cmp(&b.day));
    let page = HomePage {
        newsroom: &intake.newsroom,
        csrf: intake.sessions.csrf_token(&token),
        notice: None,
        max_file: human_size(intake.limits.max_file_bytes),
        replies,
        sent,
    };
    render(StatusCode::OK, &page)
}

/// A file name as the source's browser gave it, reduced to one safe path
/// component.
pub(crate) fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned();
    match cleaned.as_str() {
        "" | "." | ".." => "upload".to_owned(),
        _ => cleaned,
    }
}

/// The name a file is stored under in its submission: its own, or
/// "2 name", "3 name", … when the form had it already. Each base name
/// remembers its next number, so a form of many same-named files costs
/// linear time (trying 2, 3, … afresh for each was quadratic).
fn unique_name(taken: &mut std::collections::HashMap<String, u64>, name: String) -> String {
    let Some(next) = taken.get(&name).copied() else {
        taken.insert(name.clone(), 2);
        return name;
    };
    let mut n = next;
    loop {
        let candidate = format!("{n} {name}");
        n += 1;
        if !taken.contains_key(&candidate) {
            taken.insert(name, n);
            taken.insert(candidate.clone(), 2);
            return candidate;
        }
    }
}

/// The longest CSRF field read (a token is 64 hex digits).
const MAX_CSRF_FIELD: usize = 256;

/// Why a file in a form was not kept.
enum Refused {
    TooLarge,
    QuotaFull,
    Broken,
}

/// The multipart form: files and a message, sealed as they stream. Files
/// that complete are kept even if a later part of the form is refused or
/// the form is cut off, and the page says which were not.
pub async fn submit<R: IntakeStore>(
    State(intake): Shared<R>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let Some((token, source_id, _)) = session(&intake, &headers) else {
        return error(
            &intake,
            StatusCode::FORBIDDEN,
            "Please log in again",
            "Your session ended (after a while without activity, or when the server restarted), so nothing was received. Log in with your codename and send it again.",
        );
    };
    let Ok(mut multipart) = multipart else {
        return error(
            &intake,
            StatusCode::BAD_REQUEST,
            "Not an upload",
            "This form must be sent as a file upload.",
        );
    };
    // The CSRF token comes first in the form, so nothing is stored before
    // it is checked.
    let csrf_ok = match multipart.next_field().await {
        Ok(Some(mut field)) if field.name() == Some("csrf") => {
            // A token is 64 hex digits: a longer field is not one, and is
            // not read into memory to find that out.
            let mut text = Vec::new();
            let mut fits = true;
            while let Ok(Some(chunk)) = field.chunk().await {
                if text.len() + chunk.len() > MAX_CSRF_FIELD {
                    fits = false;
                    break;
                }
                text.extend_from_slice(&chunk);
            }
            fits && std::str::from_utf8(&text).is_ok_and(|text| intake.sessions.csrf_ok(Some(&token), text))
        }
        _ => false,
    };
    if !csrf_ok {
        return expired(&intake);
    }
    let stored = match intake.repo.source(&source_id).await {
        Ok(Some(source)) => source.stored_bytes,
        _ => {
            return error(
                &intake,
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "Please try again in a moment.",
            );
        }
    };
    let mut room = intake.limits.max_source_bytes.saturating_sub(stored);
    let sealer = Arc::clone(&intake.sealer);
    let mut writer = match SubmissionWriter::new(&sealer) {
        Ok(writer) => writer.from_source(&source_id),
        Err(_) => {
            return error(
                &intake,
                StatusCode::SERVICE_UNAVAILABLE,
                "Try again",
                "Please try again in a moment.",
            );
        }
    };
    let mut names = std::collections::HashMap::new();
    let mut notes = Vec::new();
    let mut files = 0usize;
    let mut stored_now = 0u64;
    let mut message: Option<Vec<u8>> = None;
    let mut status = StatusCode::OK;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                notes.push(
                    "The upload was cut off or malformed; what arrived completely before that is kept below."
                        .to_owned(),
                );
                status = StatusCode::BAD_REQUEST;
                break;
            }
        };
        match field.name() {
            Some("files") => {
                let Some(name) = field.file_name().filter(|n| !n.is_empty()).map(clean_name) else {
                    // A file input left empty still sends an empty part.
                    continue;
                };
                let mut blob = SealingBlob::start(&sealer);
                let mut refused = None;
                loop {
                    let chunk = match tokio::time::timeout(intake.limits.upload_idle, field.chunk()).await {
                        Ok(Ok(Some(chunk))) => chunk,
                        Ok(Ok(None)) => break,
                        Ok(Err(_)) | Err(_) => {
                            refused = Some(Refused::Broken);
                            break;
                        }
                    };
                    if refused.is_some() {
                        continue; // drain the refused file's bytes
                    }
                    let after = blob.len + chunk.len() as u64;
                    if after > intake.limits.max_file_bytes {
                        refused = Some(Refused::TooLarge);
                    } else if after > room {
                        refused = Some(Refused::QuotaFull);
                    } else if !blob.write(chunk).await {
                        refused = Some(Refused::Broken);
                    }
                }
                let displayed = name.clone();
                match refused {
                    None => match blob.finish().await {
                        // Counted at once, in one statement: a form sent
                        // beside this one cannot use the same room.
                        Ok(put)
                            if !matches!(
                                intake
                                    .repo
                                    .reserve_stored_bytes(&source_id, put.stored_len, intake.limits.max_source_bytes)
                                    .await,
                                Ok(true)
                            ) =>
                        {
                            let _ = trove_store::BlobBackend::remove(intake.sealer.backend(), &put.blob);
                            notes.push(format!(
                                "{displayed} would go over the {} this drop can hold for you and was not kept.",
                                human_size(intake.limits.max_source_bytes)
                            ));
                            status = StatusCode::PAYLOAD_TOO_LARGE;
                        }
                        Ok(put) => {
                            let path = unique_name(&mut names, name);
                            let part = FilePart {
                                blob: put.blob,
                                size: put.plaintext_len,
                            };
                            if writer.add_parts(&path, vec![part], *put.content.as_bytes()).is_ok() {
                                files += 1;
                                stored_now += put.stored_len;
                                room = room.saturating_sub(put.stored_len);
                            } else {
                                let _ = intake.repo.add_stored_bytes(&source_id, -(put.stored_len as i64)).await;
                            }
                        }
                        Err(_) => {
                            notes.push(format!("{displayed} could not be stored (the server's disk may be full). It was not kept; please try again later."));
                            status = StatusCode::INSUFFICIENT_STORAGE;
                        }
                    },
                    Some(reason) => {
                        blob.abandon().await;
                        let (text, code) = match reason {
                            Refused::TooLarge => (
                                format!(
                                    "{displayed} is larger than the limit of {} per file and was not kept.",
                                    human_size(intake.limits.max_file_bytes)
                                ),
                                StatusCode::PAYLOAD_TOO_LARGE,
                            ),
                            Refused::QuotaFull => (
                                format!(
                                    "{displayed} would go over the {} this drop can hold for you and was not kept.",
                                    human_size(intake.limits.max_source_bytes)
                                ),
                                StatusCode::PAYLOAD_TOO_LARGE,
                            ),
                            Refused::Broken => (
                                format!("{displayed} arrived incompletely and was not kept; please send it again."),
                                StatusCode::BAD_REQUEST,
                            ),
                        };
                        notes.push(text);
                        status = code;
                    }
                }
            }
            Some("message") => {
                let mut text = Vec::new();
                let mut too_long = false;
                while let Ok(Some(chunk)) = field.chunk().await {
                    if text.len() + chunk.len() > intake.limits.max_message_bytes {
                        too_long = true;
                        continue;
                    }
                    text.extend_from_slice(&chunk);
                }
                if too_long {
                    notes.push(format!(
                        "Your message is longer than {} and was not kept; split it into several.",
                        human_size(intake.limits.max_message_bytes as u64)
                    ));
                    status = StatusCode::PAYLOAD_TOO_LARGE;
                } else if !text.iter().all(u8::is_ascii_whitespace) {
                    message = Some(text);
                }
            }
            _ => {}
        }
    }

    let message_sent = match message {
        Some(text) => match seal_message(&intake, &source_id, text, Direction::Source).await {
            Ok(()) => true,
            Err(()) => {
                notes.push("Your message could not be stored; please send it again later.".into());
                status = StatusCode::INSUFFICIENT_STORAGE;
                false
            }
        },
        None => false,
    };
    let mut receipt = None;
    if files > 0 {
        match writer.commit(&intake.repo, Channel::Intake).await {
            Ok(summary) => {
                record_receipt(&intake, &summary).await;
                receipt = Some(ReceiptView {
                    submission: summary.submission.to_string(),
                    commitment: hex::encode(summary.commitment),
                    salt: hex::encode(summary.salt),
                    files: summary.files,
                });
            }
            Err(_) => {
                // Nothing was kept: the room counted for it is free again.
                let _ = intake.repo.add_stored_bytes(&source_id, -(stored_now as i64)).await;
                notes.push("Your files could not be recorded; please send them again later.".into());
                status = StatusCode::INSUFFICIENT_STORAGE;
            }
        }
    } else if !message_sent && notes.is_empty() {
        notes.push("Nothing was sent: choose at least one file or write a message.".into());
        status = StatusCode::BAD_REQUEST;
    }
    render(
        status,
        &ReceiptPage {
            newsroom: &intake.newsroom,
            receipt,
            message_sent,
            notes,
        },
    )
}

/// Queues a receipt for the transparency log's batch after its day, if
/// this intake writes one (appending it now would tell the time of the
/// submission). A failure there does not lose the submission, which is
/// already recorded; the desk can queue the receipt later with `trove log
/// append receipt`.
pub(crate) async fn record_receipt<R: IntakeStore>(intake: &Arc<Intake<R>>, summary: &SubmissionSummary) {
    let Some(ledger) = intake.receipts.clone() else { return };
    let summary = summary.clone();
    let _ = tokio::task::spawn_blocking(move || {
        if let Err(reason) = ledger.queue_receipt(&summary) {
            tracing::warn!("a receipt could not be queued for the log: {reason}");
        }
    })
    .await;
}

/// Seals a message to its readers and records it.
pub(crate) async fn seal_message<R: IntakeStore>(
    intake: &Arc<Intake<R>>,
    source_id: &str,
    text: Vec<u8>,
    direction: Direction,
) -> Result<(), ()> {
    let sealer = Arc::clone(&intake.sealer);
    let put = tokio::task::spawn_blocking(move || sealer.put(text.as_slice()))
        .await
        .map_err(|_| ())?
        .map_err(|_| ())?;
    let record = MessageRecord {
        id: random_hex::<16>(),
        source_id: source_id.to_owned(),
        direction,
        blob: put.blob,
        day: Day::today().to_string(),
    };
    intake.repo.add_message(&record).await.map_err(|_| ())?;
    let _ = intake.repo.add_stored_bytes(source_id, put.stored_len as i64).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::unique_name;

    #[test]
    fn same_named_files_get_distinct_names_in_linear_time() {
        let mut taken = std::collections::HashMap::new();
        let names: Vec<String> = ["3 b", "a", "a", "a", "2 a", "b", "b", "b", "a"]
            .iter()
            .map(|n| unique_name(&mut taken, (*n).to_owned()))
            .collect();
        assert_eq!(names, ["3 b", "a", "2 a", "3 a", "2 2 a", "b", "2 b", "4 b", "4 a"]);
        // Ten thousand files of one name: all distinct, each found at once.
        let mut taken = std::collections::HashMap::new();
        let many: std::collections::HashSet<String> = (0..10_000)
            .map(|_| unique_name(&mut taken, "scan.pdf".to_owned()))
            .collect();
        assert_eq!(many.len(), 10_000);
    }
}

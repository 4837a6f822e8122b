//! The desk's pages under `/desk/`. Sessions, CSRF tokens and log-in
//! limits live in memory; every state change is a POST with a CSRF token;
//! only editors and admins may decide.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use subtle::ConstantTimeEq;
use trove_store::{
    BlobOpener, DecisionRecord, Direction, FsBackend, MetadataRepo, SqliteRepo, SubmissionId, read_text, read_texts,
};
use zeroize::Zeroizing;

use crate::users::{Role, verify_login};

/// What the desk does to the world, implemented by the binary with the
/// same code as `trove triage`, `trove decide` and `trove reply`.
pub type ActionFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

pub trait DeskActions: Send + Sync {
    fn triage(&self, submission: SubmissionId) -> ActionFuture<'_, ()>;
    fn decide(&self, submission: SubmissionId, decision: DeskDecision) -> ActionFuture<'_, DecisionRecord>;
    fn reply(&self, submission: SubmissionId, text: String) -> ActionFuture<'_, ()>;
}

/// A decision from the desk's form.
pub struct DeskDecision {
    pub outcome: String,
    pub codes: Vec<String>,
    pub note: Option<String>,
    /// The logged-in editor, whose key signs it.
    pub editor: String,
}

const COOKIE: &str = "trove_desk";
const ANON_COOKIE: &str = "trove_desk_anon";
const IDLE: Duration = Duration::from_secs(8 * 3600);
const ATTEMPTS_PER_USER: u32 = 5;
const ATTEMPTS_GLOBAL: u32 = 60;
const WINDOW: Duration = Duration::from_secs(60);

struct Session {
    user: String,
    role: Role,
    last_seen: Instant,
}

#[derive(Default)]
struct Attempts {
    per_user: HashMap<String, (Instant, u32)>,
    global: Option<(Instant, u32)>,
}

/// Everything the desk's handlers share.
pub struct DeskState {
    repo: SqliteRepo,
    opener: Arc<BlobOpener<FsBackend>>,
    actions: Arc<dyn DeskActions>,
    sessions: Mutex<HashMap<[u8; 32], Session>>,
    attempts: Mutex<Attempts>,
    /// The last TOTP step accepted per user: a code is good once.
    used_steps: Mutex<HashMap<String, u64>>,
    key: Zeroizing<[u8; 32]>,
}

impl DeskState {
    pub fn new(
        repo: SqliteRepo,
        opener: BlobOpener<FsBackend>,
        actions: Arc<dyn DeskActions>,
    ) -> Result<Arc<DeskState>, crate::DeskError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(key.as_mut()).map_err(|e| crate::DeskError::Random(e.to_string()))?;
        Ok(Arc::new(DeskState {
            repo,
            opener: Arc::new(opener),
            actions,
            sessions: Mutex::new(HashMap::new()),
            attempts: Mutex::new(Attempts::default()),
            used_steps: Mutex::new(HashMap::new()),
            key,
        }))
    }

    fn csrf(&self, cookie: &str) -> String {
        let mut hasher = blake3::Hasher::new_keyed(&self.key);
        hasher.update(b"trove/desk-csrf/v1\n");
        hasher.update(cookie.as_bytes());
        hasher.finalize().to_hex().to_string()
    }

    fn csrf_ok(&self, cookie: Option<&str>, token: &str) -> bool {
        cookie.is_some_and(|c| bool::from(self.csrf(c).as_bytes().ct_eq(token.as_bytes())))
    }

    fn session(&self, headers: &HeaderMap) -> Option<(String, String, Role)> {
        let token = cookie(headers, COOKIE)?;
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let key = *blake3::hash(token.as_bytes()).as_bytes();
        let session = sessions.get_mut(&key)?;
        if session.last_seen.elapsed() >= IDLE {
            sessions.remove(&key);
            return None;
        }
        session.last_seen = Instant::now();
        Some((token.to_owned(), session.user.clone(), session.role))
    }

    /// Counts a log-in attempt; false when the user's or everyone's
    /// window is full.
    fn attempt(&self, user: &str) -> bool {
        let now = Instant::now();
        let mut attempts = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        let count = |slot: &mut (Instant, u32), limit: u32| {
            if now.duration_since(slot.0) >= WINDOW {
                *slot = (now, 0);
            }
            slot.1 += 1;
            slot.1 <= limit
        };
        let global = attempts.global.get_or_insert((now, 0));
        if !count(global, ATTEMPTS_GLOBAL) {
            return false;
        }
        attempts
            .per_user
            .retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        let slot = attempts.per_user.entry(user.to_owned()).or_insert((now, 0));
        count(slot, ATTEMPTS_PER_USER)
    }
}

type Shared = State<Arc<DeskState>>;

/// The desk's routes, all under `/desk/`.
pub fn router(state: Arc<DeskState>) -> Router {
    Router::new()
        .route("/desk", get(|| async { redirect("/desk/", None) }))
        .route("/desk/", get(inbox))
        .route("/desk/style.css", get(style))
        .route("/desk/login", get(login_page).post(login))
        .route("/desk/logout", post(logout))
        .route("/desk/s/{id}", get(submission))
        .route("/desk/s/{id}/triage", post(triage))
        .route("/desk/s/{id}/decide", post(decide))
        .route("/desk/s/{id}/reply", post(reply))
        .route("/desk/d/{doc}", get(document))
        .with_state(state)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered").into_response(),
    }
}

fn redirect(to: &str, set_cookie: Option<String>) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    if let Some(value) = set_cookie.and_then(|v| v.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Template)]
#[template(path = "desk_error.html")]
struct ErrorPage<'a> {
    user: Option<String>,
    csrf: String,
    title: &'a str,
    message: &'a str,
}

fn error(status: StatusCode, title: &str, message: &str) -> Response {
    render(
        status,
        &ErrorPage {
            user: None,
            csrf: String::new(),
            title,
            message,
        },
    )
}

async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../templates/style.css"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "desk_login.html")]
struct LoginPage {
    user: Option<String>,
    csrf: String,
    error: Option<String>,
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

async fn login_page(State(state): Shared, headers: HeaderMap) -> Response {
    let (anon, set) = match cookie(&headers, ANON_COOKIE) {
        Some(value) => (value.to_owned(), None),
        None => {
            let value = random_hex();
            let set = format!("{ANON_COOKIE}={value}; Path=/desk; HttpOnly; SameSite=Strict");
            (value, Some(set))
        }
    };
    let mut response = render(
        StatusCode::OK,
        &LoginPage {
            user: None,
            csrf: state.csrf(&anon),
            error: None,
        },
    );
    if let Some(value) = set.and_then(|v| v.parse().ok()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: Zeroizing<String>,
    #[serde(default)]
    code: String,
}

async fn login(State(state): Shared, headers: HeaderMap, axum::Form(form): axum::Form<LoginForm>) -> Response {
    let anon = cookie(&headers, ANON_COOKIE);
    if !state.csrf_ok(anon, &form.csrf) {
        return error(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "Reload the log-in page and try again.",
        );
    }
    let again = |status, message: &str| {
        render(
            status,
            &LoginPage {
                user: None,
                csrf: state.csrf(anon.unwrap_or_default()),
                error: Some(message.to_owned()),
            },
        )
    };
    if !state.attempt(&form.name) {
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts. Wait a minute and try again.",
        );
    }
    let Ok(user) = state.repo.user(&form.name).await else {
        return again(
            StatusCode::SERVICE_UNAVAILABLE,
            "The database is unavailable; try again.",
        );
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let checked = match user {
        Some(user) => {
            let password = form.password.clone();
            let code = form.code.clone();
            // Argon2id off the async threads.
            tokio::task::spawn_blocking(move || verify_login(&user, &password, &code, now).map(|step| (user, step)))
                .await
                .ok()
                .flatten()
        }
        None => None,
    };
    let checked = checked.filter(|(user, step)| {
        let mut used = state.used_steps.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = used.get(&user.name).is_none_or(|last| step > last);
        if fresh {
            used.insert(user.name.clone(), *step);
        }
        fresh
    });
    let checked = checked.map(|(user, _)| user);
    let Some(user) = checked else {
        return again(StatusCode::UNAUTHORIZED, "Name, password or code is wrong.");
    };
    let Ok(role) = Role::parse(&user.role) else {
        return again(
            StatusCode::UNAUTHORIZED,
            "This account's role is damaged; ask an admin.",
        );
    };
    let token = random_hex();
    let session = Session {
        user: user.name,
        role,
        last_seen: Instant::now(),
    };
    state
        .sessions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(*blake3::hash(token.as_bytes()).as_bytes(), session);
    redirect(
        "/desk/",
        Some(format!("{COOKIE}={token}; Path=/desk; HttpOnly; SameSite=Strict")),
    )
}

#[derive(serde::Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(state): Shared, headers: HeaderMap, axum::Form(form): axum::Form<CsrfForm>) -> Response {
    let token = cookie(&headers, COOKIE);
    if !state.csrf_ok(token, &form.csrf) {
        return error(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "Reload the page and try again.",
        );
    }
    if let Some(token) = token {
        state
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(blake3::hash(token.as_bytes()).as_bytes());
    }
    redirect(
        "/desk/login",
        Some(format!("{COOKIE}=; Path=/desk; HttpOnly; SameSite=Strict; Max-Age=0")),
    )
}

struct InboxRow {
    id: String,
    day: String,
    channel: &'static str,
    state: &'static str,
    significance: String,
    decision: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    user: Option<String>,
    csrf: String,
    counts: (usize, usize, usize),
    rows: Vec<InboxRow>,
}

fn unavailable() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "The database is unavailable just now.",
    )
}

async fn inbox(State(state): Shared, headers: HeaderMap) -> Response {
    let Some((token, user, _)) = state.session(&headers) else {
        return redirect("/desk/login", None);
    };
    let Ok(submissions) = state.repo.submissions().await else {
        return unavailable();
    };
    let mut rows = Vec::new();
    let mut counts = (0, 0, 0);
    for record in submissions {
        let id = record.id.to_string();
        let triage = state.repo.triage(&record.id).await.ok().flatten();
        let decision = state.repo.decisions(&id).await.ok().and_then(|d| d.last().cloned());
        let label = match (&triage, &decision) {
            (_, Some(_)) => {
                counts.2 += 1;
                "decided"
            }
            (Some(_), None) => {
                counts.1 += 1;
                "triaged"
            }
            _ => {
                counts.0 += 1;
                "new"
            }
        };
        rows.push(InboxRow {
            id,
            day: record.received_day,
            channel: record.channel.as_str(),
            state: label,
            significance: triage.map(|t| t.significance.to_string()).unwrap_or_default(),
            decision: decision
                .map(|d| format!("{} {}", d.outcome, d.reasons.join(" ")))
                .unwrap_or_default(),
        });
    }
    render(
        StatusCode::OK,
        &InboxPage {
            user: Some(user),
            csrf: state.csrf(&token),
            counts,
            rows,
        },
    )
}

struct TriageView {
    score: u64,
    proposal: String,
    codes: String,
    reasons: Vec<String>,
    contributions: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "submission.html")]
struct SubmissionPage {
    user: Option<String>,
    csrf: String,
    id: String,
    day: String,
    channel: &'static str,
    notice: Option<String>,
    verification: Vec<(String, usize)>,
    novel: Option<String>,
    triage: Option<TriageView>,
    decisions: Vec<String>,
    can_decide: bool,
    codes: Vec<&'static str>,
    has_source: bool,
    messages: Vec<(String, &'static str, String)>,
    query: String,
    hits: Vec<(String, String, String)>,
    documents: Vec<(String, String, String, String, String)>,
    documents_total: usize,
}

#[derive(serde::Deserialize, Default)]
struct SubmissionQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    notice: Option<String>,
}

async fn submission(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<SubmissionQuery>,
) -> Response {
    let Some((token, user, role)) = state.session(&headers) else {
        return redirect("/desk/login", None);
    };
    let Ok(submission_id) = SubmissionId::from_str(&id) else {
        return error(
            StatusCode::NOT_FOUND,
            "No such submission",
            "That is not a submission id.",
        );
    };
    let record = match state.repo.submission(&submission_id).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "No such submission",
                "There is no submission with that id.",
            );
        }
        Err(_) => return unavailable(),
    };
    let (Ok(documents), Ok(verifications), Ok(triage), Ok(decisions)) = (
        state.repo.documents(&submission_id).await,
        state.repo.verifications(&submission_id).await,
        state.repo.triage(&submission_id).await,
        state.repo.decisions(&id).await,
    ) else {
        return unavailable();
    };
    let mut verdicts: BTreeMap<String, usize> = BTreeMap::new();
    let mut verdict_of: HashMap<&str, &str> = HashMap::new();
    for v in &verifications {
        *verdicts.entry(v.verdict.clone()).or_default() += 1;
        verdict_of.insert(&v.document_id, &v.verdict);
    }
    let triage_view = triage.as_ref().map(|t| {
        let report = &t.report;
        let reasons: Vec<String> = report["proposal"]["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                format!(
                    "{}: {}",
                    r["code"].as_str().unwrap_or(""),
                    r["facts"].as_str().unwrap_or("")
                )
            })
            .collect();
        let codes: Vec<&str> = report["proposal"]["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["code"].as_str())
            .collect();
        TriageView {
            score: report["significance"]["score"].as_u64().unwrap_or(0),
            proposal: t.proposal.clone(),
            codes: codes.join(" "),
            reasons,
            contributions: report["significance"]["contributions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or("").to_owned(),
                        format!(
                            "{:.1} / {:.0}",
                            c["points"].as_f64().unwrap_or(0.0),
                            c["max"].as_f64().unwrap_or(0.0)
                        ),
                        c["facts"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect(),
        }
    });
    let novel = triage
        .as_ref()
        .filter(|t| {
            !t.report["case"]["missing"]
                .as_array()
                .is_some_and(|m| m.iter().any(|x| x == "Overlap"))
        })
        .and_then(|t| t.report["case"]["novel_share"].as_f64())
        .map(|share| format!("{:.1}%", share * 100.0));
    let decision_lines = decisions
        .iter()
        .map(|d| {
            let mut line = format!(
                "{}: {} {} by {} (log entry {}; the policy proposed {})",
                d.day,
                d.outcome,
                d.reasons.join(" "),
                d.editor,
                d.log_index,
                d.proposed
            );
            if let Some(note) = &d.note {
                line.push_str(&format!(": “{note}”"));
            }
            line
        })
        .collect();
    let mut messages = Vec::new();
    if let Some(source) = &record.source {
        let Ok(records) = state.repo.messages(source).await else {
            return unavailable();
        };
        let opener = Arc::clone(&state.opener);
        messages = tokio::task::spawn_blocking(move || {
            records
                .into_iter()
                .map(|m| match m.direction {
                    Direction::Source => {
                        let mut text = Vec::new();
                        let text = match opener.copy_to(&m.blob, &mut text) {
                            Ok(_) => String::from_utf8_lossy(&text).into_owned(),
                            Err(e) => format!("(this message could not be opened: {e})"),
                        };
                        (m.day, "from the source", text)
                    }
                    Direction::Newsroom => (m.day, "reply", "(sealed to the source's codename)".to_owned()),
                })
                .collect()
        })
        .await
        .unwrap_or_default();
    }
    let query_text = query.q.trim().to_owned();
    let mut hits = Vec::new();
    if !query_text.is_empty() {
        let needle = query_text.to_lowercase();
        let opener = Arc::clone(&state.opener);
        let docs = documents.clone();
        hits = tokio::task::spawn_blocking(move || {
            let refs: Vec<_> = docs.iter().collect();
            let texts = read_texts(&opener, &refs).unwrap_or_default();
            docs.iter()
                .filter_map(|doc| {
                    let text = texts.get(&doc.id)?;
                    let lower = text.to_lowercase();
                    let at = lower.find(&needle)?;
                    // A snippet around the first hit, on char boundaries
                    // of the lower-cased text.
                    let start = lower[..at].char_indices().rev().nth(60).map_or(0, |(i, _)| i);
                    let end = lower[at..]
                        .char_indices()
                        .nth(needle.chars().count() + 60)
                        .map_or(lower.len(), |(i, _)| at + i);
                    Some((doc.id.clone(), doc.path.clone(), lower[start..end].replace('\n', " ")))
                })
                .take(200)
                .collect()
        })
        .await
        .unwrap_or_default();
    }
    let documents_total = documents.len();
    let listed = documents
        .iter()
        .take(300)
        .map(|d| {
            (
                d.id.clone(),
                d.path.clone(),
                d.doc_type.clone(),
                d.status.clone(),
                verdict_of.get(d.id.as_str()).copied().unwrap_or("").to_owned(),
            )
        })
        .collect();
    render(
        StatusCode::OK,
        &SubmissionPage {
            user: Some(user),
            csrf: state.csrf(&token),
            id,
            day: record.received_day,
            channel: record.channel.as_str(),
            notice: query.notice,
            verification: verdicts.into_iter().collect(),
            novel,
            triage: triage_view,
            decisions: decision_lines,
            can_decide: role.decides(),
            codes: trove_triage::policy::REASON_CODES.iter().map(|(c, _)| *c).collect(),
            has_source: record.source.is_some(),
            messages,
            query: query_text,
            hits,
            documents: listed,
            documents_total,
        },
    )
}

/// The session and the checked CSRF token of a POST, or the response.
#[allow(clippy::result_large_err)] // the response is built once, on the way out
fn posted(
    state: &DeskState,
    headers: &HeaderMap,
    csrf: &str,
    id: &str,
) -> Result<(String, Role, SubmissionId), Response> {
    let Some((token, user, role)) = state.session(headers) else {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Please log in again",
            "Your session ended; nothing was done.",
        ));
    };
    if !state.csrf_ok(Some(&token), csrf) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "Reload the page and try again.",
        ));
    }
    let Ok(submission) = SubmissionId::from_str(id) else {
        return Err(error(
            StatusCode::NOT_FOUND,
            "No such submission",
            "That is not a submission id.",
        ));
    };
    Ok((user, role, submission))
}

fn back(id: &str, notice: &str) -> Response {
    let notice: String = notice
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    redirect(&format!("/desk/s/{id}?notice={notice}"), None)
}

async fn triage(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let submission = match posted(&state, &headers, &form.csrf, &id) {
        Ok((_, _, submission)) => submission,
        Err(response) => return response,
    };
    match state.actions.triage(submission).await {
        Ok(()) => back(&id, "Triaged."),
        Err(reason) => back(&id, &format!("Triage failed: {reason}")),
    }
}

async fn decide(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (user, role, submission) = match posted(&state, &headers, &field("csrf"), &id) {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    if !role.decides() {
        return error(
            StatusCode::FORBIDDEN,
            "Only editors decide",
            "Ask an editor to sign this decision.",
        );
    }
    let decision = DeskDecision {
        outcome: field("outcome"),
        codes: form
            .iter()
            .filter(|(k, _)| k == "code")
            .map(|(_, v)| v.clone())
            .collect(),
        note: Some(field("note")).filter(|n| !n.trim().is_empty()),
        editor: user,
    };
    match state.actions.decide(submission, decision).await {
        Ok(record) => back(
            &id,
            &format!("Decision signed: {} (log entry {}).", record.outcome, record.log_index),
        ),
        Err(reason) => back(&id, &format!("Not decided: {reason}")),
    }
}

#[derive(serde::Deserialize)]
struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

async fn reply(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ReplyForm>,
) -> Response {
    let submission = match posted(&state, &headers, &form.csrf, &id) {
        Ok((_, _, submission)) => submission,
        Err(response) => return response,
    };
    match state.actions.reply(submission, form.text).await {
        Ok(()) => back(&id, "Reply sealed to the source."),
        Err(reason) => back(&id, &format!("Not sent: {reason}")),
    }
}

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

async fn document(State(state): Shared, headers: HeaderMap, Path(doc): Path<String>) -> Response {
    let Some((token, user, _)) = state.session(&headers) else {
        return redirect("/desk/login", None);
    };
    let record = match state.repo.document(&doc).await {
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
        .repo
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
        Some(v) => (
            v.verdict,
            v.evidence
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    format!(
                        "{} ({}): {}",
                        e["kind"].as_str().unwrap_or(""),
                        e["strength"].as_str().unwrap_or(""),
                        e["sentence"].as_str().unwrap_or("")
                    )
                })
                .collect(),
        ),
        None => ("not verified".into(), Vec::new()),
    };
    render(
        StatusCode::OK,
        &DocumentPage {
            user: Some(user),
            csrf: state.csrf(&token),
            submission: record.submission.to_string(),
            path: record.path,
            doc_type: record.doc_type,
            size: record.size,
            status: record.status,
            content: record.content_id,
            verdict,
            evidence,
            metadata: serde_json::to_string_pretty(&record.metadata).unwrap_or_default(),
            text,
        },
    )
}

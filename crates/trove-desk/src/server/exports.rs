//! Exports as background jobs: a list as CSV or JSON lines, or its
//! documents' originals as a zip, made while the journalist goes on
//! working, with its progress on `/desk/exports`, and downloaded only by
//! who asked for it. A job's file is held in memory (at most
//! [`trove_app::MAX_EXPORT_BYTES`]) and never written to disk; the desk
//! keeps each user's last few.

use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trove_app::ExportFormat;
use trove_web::{redirect, render};

use super::list::ListParams;
use super::{Shared, error, posted_by};

/// Jobs kept per user (the oldest finished ones go first).
const JOBS_PER_USER: usize = 5;

#[derive(Clone)]
enum JobState {
    Running { done: u64, total: u64 },
    Done { bytes: Arc<Vec<u8>>, documents: u64 },
    Failed(String),
}

struct Job {
    id: String,
    user: String,
    /// What the list was, as a person reads it.
    what: String,
    format: ExportFormat,
    state: JobState,
}

/// The desk's export jobs, in memory.
#[derive(Default)]
pub(super) struct ExportJobs {
    jobs: Mutex<Vec<Job>>,
}

impl ExportJobs {
    fn update(&self, id: &str, state: JobState) {
        if let Ok(mut jobs) = self.jobs.lock()
            && let Some(job) = jobs.iter_mut().find(|j| j.id == id)
        {
            job.state = state;
        }
    }

    fn start(&self, job: Job) {
        if let Ok(mut jobs) = self.jobs.lock() {
            let user = job.user.clone();
            jobs.push(job);
            let mut mine: Vec<usize> = (0..jobs.len()).filter(|&i| jobs[i].user == user).collect();
            while mine.len() > JOBS_PER_USER {
                let Some(position) = mine
                    .iter()
                    .position(|&i| !matches!(jobs[i].state, JobState::Running { .. }))
                else {
                    break;
                };
                jobs.remove(mine[position]);
                mine = (0..jobs.len()).filter(|&i| jobs[i].user == user).collect();
            }
        }
    }
}

#[derive(serde::Deserialize)]
pub(super) struct ExportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    format: String,
    /// The list's query string.
    #[serde(default)]
    list: String,
}

/// Starts an export of a list and goes to the exports page.
pub(super) async fn start(
    State(state): Shared,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ExportForm>,
) -> Response {
    let (user, _) = match posted_by(&state, &headers, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(format) = ExportFormat::parse(&form.format) else {
        return error(
            StatusCode::BAD_REQUEST,
            "Unknown format",
            "An export is csv, jsonl or zip (the original files).",
        );
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&form.list).unwrap_or_default();
    let params = ListParams::from_pairs(&pairs);
    let id = match trove_web::random_token::<12>() {
        Ok(id) => id,
        Err(_) => return super::unavailable(),
    };
    let mut what = Vec::new();
    if let Some(s) = params.submission {
        what.push(format!("submission {s}"));
    }
    if !params.q.is_empty() {
        what.push(format!("“{}”", params.q));
    }
    what.extend(params.facets.iter().cloned());
    state.exports.start(Job {
        id: id.clone(),
        user,
        what: if what.is_empty() {
            "every document".into()
        } else {
            what.join(", ")
        },
        format,
        state: JobState::Running { done: 0, total: 0 },
    });
    let list = params.list(1);
    let worker = Arc::clone(&state);
    tokio::spawn(async move {
        let jobs = &worker.exports;
        let report = |done: u64, total: u64| jobs.update(&id, JobState::Running { done, total });
        let mut out = Vec::new();
        let state = match worker.newsroom.export_list(&list, format, &mut out, &report).await {
            Ok(documents) => JobState::Done {
                bytes: Arc::new(out),
                documents,
            },
            Err(e) => JobState::Failed(e.to_string()),
        };
        jobs.update(&id, state);
    });
    redirect("/desk/exports", &[])
}

struct JobView {
    id: String,
    what: String,
    format: &'static str,
    state: String,
    ready: bool,
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    user: Option<String>,
    csrf: String,
    jobs: Vec<JobView>,
    running: bool,
}

/// One's exports, newest first, with their progress.
pub(super) async fn page(State(state): Shared, headers: HeaderMap) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let jobs: Vec<JobView> = match state.exports.jobs.lock() {
        Ok(jobs) => jobs
            .iter()
            .rev()
            .filter(|j| j.user == user)
            .map(|j| {
                let (text, ready) = match &j.state {
                    JobState::Running { done, total } => (format!("running: {done} of {total} documents"), false),
                    JobState::Done { bytes, documents } => {
                        (format!("ready: {documents} documents, {} bytes", bytes.len()), true)
                    }
                    JobState::Failed(reason) => (format!("failed: {reason}"), false),
                };
                JobView {
                    id: j.id.clone(),
                    what: j.what.clone(),
                    format: j.format.file().0,
                    state: text,
                    ready,
                }
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let running = jobs.iter().any(|j| j.state.starts_with("running"));
    render(
        StatusCode::OK,
        &ExportsPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            jobs,
            running,
        },
    )
}

/// A finished export, to whoever asked for it.
pub(super) async fn download(State(state): Shared, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some((_, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let found: Option<(ExportFormat, JobState)> = state.exports.jobs.lock().ok().and_then(|jobs| {
        jobs.iter()
            .find(|j| j.id == id && j.user == user)
            .map(|j| (j.format, j.state.clone()))
    });
    match found {
        Some((format, JobState::Done { bytes, .. })) => {
            let (extension, content_type) = format.file();
            (
                [
                    (header::CONTENT_TYPE, content_type.to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"trove-export-{id}.{extension}\""),
                    ),
                    (header::CACHE_CONTROL, "private, no-store".to_owned()),
                ],
                bytes.as_ref().clone(),
            )
                .into_response()
        }
        Some(_) => error(
            StatusCode::CONFLICT,
            "Not ready",
            "This export is not ready (or failed).",
        ),
        None => error(
            StatusCode::NOT_FOUND,
            "No such export",
            "There is no export of yours with that id.",
        ),
    }
}

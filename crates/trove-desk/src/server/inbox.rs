//! The inbox: every submission, new, triaged or decided.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_web::{redirect, render};

use super::{Shared, unavailable};

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

pub(super) async fn inbox(State(state): Shared, headers: HeaderMap) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let Ok(submissions) = state.newsroom.submissions().await else {
        return unavailable();
    };
    let mut rows = Vec::new();
    let mut counts = (0, 0, 0);
    for record in submissions {
        let triage = state.newsroom.triage_report(&record.id).await.ok().flatten();
        let decision = state
            .newsroom
            .decisions(&record.id)
            .await
            .ok()
            .and_then(|d| d.last().cloned());
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
            id: record.id.to_string(),
            day: record.received_day.to_string(),
            channel: record.channel.as_str(),
            state: label,
            significance: triage.map(|t| t.significance.score.to_string()).unwrap_or_default(),
            decision: decision
                .map(|d| format!("{} {}", d.outcome, d.reasons.join(" ")))
                .unwrap_or_default(),
        });
    }
    render(
        StatusCode::OK,
        &InboxPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            counts,
            rows,
        },
    )
}

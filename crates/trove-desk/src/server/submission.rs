//! A submission's page (verification, overlap, triage, decisions, the
//! conversation, its tags and notes, and its documents as a list to page,
//! sort, narrow and search) and the actions taken from it: triage, decide,
//! reply.

use std::str::FromStr;
use trove_store::{DocumentRepo as _, SubmissionRepo as _, VerificationRepo as _};

use super::list::{ListParams, ListView};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_app::Decision;
use trove_store::{Outcome, SubmissionId};
use trove_triage::TriageReport;
use trove_web::{redirect, render};

use super::auth::CsrfForm;
use super::{Shared, error, not_a_submission, posted, unavailable};

struct TriageView {
    score: u32,
    proposal: Outcome,
    codes: String,
    reasons: Vec<String>,
    contributions: Vec<(String, String, String)>,
}

impl From<&TriageReport> for TriageView {
    fn from(report: &TriageReport) -> Self {
        TriageView {
            score: report.significance.score,
            proposal: report.proposal.outcome,
            codes: report.proposed_codes().join(" "),
            reasons: report
                .proposal
                .reasons
                .iter()
                .map(|r| format!("{}: {}", r.code, r.facts))
                .collect(),
            contributions: report
                .significance
                .contributions
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        format!("{:.1} / {:.0}", c.points, c.max),
                        c.facts.clone(),
                    )
                })
                .collect(),
        }
    }
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
    documents_total: usize,
    list: ListView,
    tags: Vec<trove_store::TagRow>,
    notes: Vec<trove_store::NoteRow>,
    /// Releases of this submission: id and what stands of it.
    releases: Vec<(String, String)>,
    accepted: bool,
}

pub(super) async fn page(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let notice = pairs.iter().find(|(k, _)| k == "notice").map(|(_, v)| v.clone());
    let Some((token, user, role)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let Ok(submission_id) = SubmissionId::from_str(&id) else {
        return not_a_submission();
    };
    let newsroom = &state.newsroom;
    let record = match newsroom.repo().submission(&submission_id).await {
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
    // A page of documents and counts from the list index, never a scan of
    // the submission: a cache of millions of documents opens as fast as a
    // small one.
    let (Ok(triage), Ok(decisions), Ok(annotations)) = (
        newsroom.triage_report(&submission_id).await,
        newsroom.decisions(&submission_id).await,
        newsroom.annotations(&id).await,
    ) else {
        return unavailable();
    };
    let mut params = ListParams::from_pairs(&pairs);
    params.submission = Some(submission_id);
    let list = super::list::view(newsroom, &params, &format!("/desk/s/{id}")).await;
    // An unnarrowed list's counts are the submission's; a narrowed one's
    // are asked for apart.
    let counts = if params.q.is_empty() && params.facets.is_empty() && list.error.is_none() && list.total > 0 {
        Ok(counts_of(&list))
    } else {
        submission_counts(newsroom, submission_id).await
    };
    let Ok((documents_total, verdicts)) = counts else {
        return unavailable();
    };
    let novel = triage
        .as_ref()
        .and_then(TriageReport::novel_share)
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
    let messages = match record.source {
        None => Vec::new(),
        Some(_) => match newsroom.messages(&submission_id).await {
            Ok(messages) => messages
                .into_iter()
                .map(|m| match m.text {
                    Some(text) => (m.day, "from the source", text),
                    None => (m.day, "reply", "(sealed to the source's codename)".to_owned()),
                })
                .collect(),
            Err(e) => vec![(
                String::new(),
                "error",
                format!("(the conversation could not be opened: {e})"),
            )],
        },
    };
    let releases = newsroom
        .releases(Some(&submission_id))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let state = match (r.state, r.log_index) {
                (trove_store::ReleaseState::Published, Some(index)) => format!("published, log entry {index}"),
                (state, _) => format!("{state:?}").to_lowercase(),
            };
            (r.id, state)
        })
        .collect();
    let accepted = decisions.last().is_some_and(|d| d.outcome == Outcome::Accept);
    render(
        StatusCode::OK,
        &SubmissionPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            id,
            day: record.received_day.to_string(),
            channel: record.channel.as_str(),
            notice,
            verification: verdicts,
            novel,
            triage: triage.as_ref().map(TriageView::from),
            decisions: decision_lines,
            can_decide: role.decides(),
            codes: trove_triage::policy::REASON_CODES.iter().map(|(c, _)| *c).collect(),
            has_source: record.source.is_some(),
            messages,
            documents_total,
            list,
            tags: annotations.tags,
            notes: annotations.notes,
            releases,
            accepted,
        },
    )
}

/// The documents and verdict counts an unnarrowed list shows.
fn counts_of(list: &ListView) -> (usize, Vec<(String, usize)>) {
    let mut verdicts: Vec<(String, usize)> = list
        .groups
        .iter()
        .filter(|(group, _)| group == "verdict")
        .flat_map(|(_, values)| values.iter())
        .filter(|v| v.value != "unverified")
        .map(|v| (v.value.clone(), v.count as usize))
        .collect();
    verdicts.sort();
    (list.total as usize, verdicts)
}

/// How many documents a submission has and how many of each verdict,
/// from the list index (the database's counts when nothing is listed yet:
/// a data directory from before the list index).
async fn submission_counts(
    newsroom: &trove_app::Newsroom,
    submission: SubmissionId,
) -> Result<(usize, Vec<(String, usize)>), trove_app::AppError> {
    let (total, verdicts) = newsroom.listed_verdicts(submission).await?;
    if total > 0 {
        return Ok((
            total as usize,
            verdicts.into_iter().map(|(v, n)| (v, n as usize)).collect(),
        ));
    }
    let summary = newsroom.repo().document_summary(&submission).await?;
    let verdicts = newsroom.repo().verdict_counts(&submission).await?;
    Ok((
        summary.documents() as usize,
        verdicts.into_iter().map(|(v, n)| (v, n as usize)).collect(),
    ))
}

/// Back to the submission's page with a notice.
fn back(id: &str, notice: &str) -> Response {
    redirect(&format!("/desk/s/{id}?notice={}", trove_web::url_encode(notice)), &[])
}

pub(super) async fn triage(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<CsrfForm>,
) -> Response {
    let submission = match posted(&state, &headers, &form.csrf, &id).await {
        Ok((_, _, submission)) => submission,
        Err(response) => return response,
    };
    match state.newsroom.triage(&submission).await {
        Ok(_) => back(&id, "Triaged."),
        Err(reason) => back(&id, &format!("Triage failed: {reason}")),
    }
}

pub(super) async fn decide(
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
    let (user, role, submission) = match posted(&state, &headers, &field("csrf"), &id).await {
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
    let Ok(outcome) = Outcome::from_str(&field("outcome")) else {
        return back(&id, "Not decided: choose accept, reject or defer");
    };
    let decision = Decision {
        outcome,
        reasons: form
            .iter()
            .filter(|(k, _)| k == "code")
            .map(|(_, v)| v.clone())
            .collect(),
        note: Some(field("note")).filter(|n| !n.trim().is_empty()),
        editor: user,
    };
    match state.newsroom.decide(&submission, decision).await {
        Ok(report) => back(
            &id,
            &format!(
                "Decision signed: {} (log entry {}).",
                report.decision.outcome, report.decision.log_index
            ),
        ),
        Err(reason) => back(&id, &format!("Not decided: {reason}")),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct ReplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

pub(super) async fn reply(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<ReplyForm>,
) -> Response {
    let submission = match posted(&state, &headers, &form.csrf, &id).await {
        Ok((_, _, submission)) => submission,
        Err(response) => return response,
    };
    match state.newsroom.reply(&submission, form.text.as_bytes()).await {
        Ok(_) => back(&id, "Reply sealed to the source."),
        Err(reason) => back(&id, &format!("Not sent: {reason}")),
    }
}

//! Journalists' own records: the forms that tag, note, star and mark a
//! document or a submission, and the pages that gather them (tags, notes,
//! one's stars) and an entity's page (its documents and the entities
//! named most beside it).

use std::str::FromStr;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_app::Mark;
use trove_store::{NoteRow, SubmissionId};
use trove_web::{redirect, render, url_encode};

use super::list::{ListParams, ListView, view};
use super::{Shared, error, not_a_submission, posted_by};

#[derive(serde::Deserialize)]
pub(super) struct RecordForm {
    #[serde(default)]
    csrf: String,
    /// The page to go back to (a document's, with its list).
    #[serde(default)]
    back: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    mark: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    reason: String,
}

/// Where a form goes back to: its `back` if that is a desk document page,
/// else the document's own page.
fn back_to(form: &RecordForm, doc: &str) -> String {
    let fallback = format!("/desk/d/{doc}");
    if form.back.starts_with(&fallback) && !form.back.contains("//") {
        form.back.clone()
    } else {
        fallback
    }
}

fn refused(reason: impl std::fmt::Display) -> Response {
    error(StatusCode::BAD_REQUEST, "Not recorded", &reason.to_string())
}

/// What a form on a document's page records.
#[derive(Clone, Copy)]
enum Record {
    Tag,
    Note,
    Star,
    Mark,
}

/// Records a tag, note, star or mark on a document, then goes back to its
/// page (with its list), or says why not.
async fn record_on_document(
    state: &super::DeskState,
    headers: &HeaderMap,
    doc: &str,
    form: &RecordForm,
    record: Record,
) -> Response {
    let (user, _) = match posted_by(state, headers, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let newsroom = &state.newsroom;
    let done = match record {
        Record::Tag if form.action == "remove" => newsroom.remove_tag(doc, &form.tag).await.map(drop),
        Record::Tag => newsroom.add_tag(doc, &form.tag, &user).await.map(drop),
        Record::Note => newsroom.add_note(doc, &form.text, &user).await,
        Record::Star => newsroom.set_star(doc, &user, form.on != "0").await,
        Record::Mark => {
            let mark = match form.mark.as_str() {
                "none" => None,
                mark => match Mark::parse(mark, &form.code) {
                    Ok(mark) => Some((mark, form.reason.as_str())),
                    Err(reason) => return refused(reason),
                },
            };
            newsroom.set_mark(doc, mark, &user).await
        }
    };
    match done {
        Ok(()) => redirect(&back_to(form, doc), &[]),
        Err(reason) => refused(reason),
    }
}

pub(super) async fn tag_document(
    State(state): Shared,
    headers: HeaderMap,
    Path(doc): Path<String>,
    axum::Form(form): axum::Form<RecordForm>,
) -> Response {
    record_on_document(&state, &headers, &doc, &form, Record::Tag).await
}

pub(super) async fn note_document(
    State(state): Shared,
    headers: HeaderMap,
    Path(doc): Path<String>,
    axum::Form(form): axum::Form<RecordForm>,
) -> Response {
    record_on_document(&state, &headers, &doc, &form, Record::Note).await
}

pub(super) async fn star_document(
    State(state): Shared,
    headers: HeaderMap,
    Path(doc): Path<String>,
    axum::Form(form): axum::Form<RecordForm>,
) -> Response {
    record_on_document(&state, &headers, &doc, &form, Record::Star).await
}

pub(super) async fn mark_document(
    State(state): Shared,
    headers: HeaderMap,
    Path(doc): Path<String>,
    axum::Form(form): axum::Form<RecordForm>,
) -> Response {
    record_on_document(&state, &headers, &doc, &form, Record::Mark).await
}

/// Tags or notes a submission (`/desk/s/{id}/tag`, `/desk/s/{id}/note`).
async fn record_on_submission(
    state: &super::DeskState,
    headers: &HeaderMap,
    id: &str,
    form: &RecordForm,
    note: bool,
) -> Response {
    let (user, _) = match posted_by(state, headers, &form.csrf).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if SubmissionId::from_str(id).is_err() {
        return not_a_submission();
    }
    let done = if note {
        state.newsroom.add_note(id, &form.text, &user).await
    } else {
        state.newsroom.add_tag(id, &form.tag, &user).await.map(drop)
    };
    match done {
        Ok(()) => redirect(&format!("/desk/s/{id}"), &[]),
        Err(reason) => refused(reason),
    }
}

pub(super) async fn tag_submission(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RecordForm>,
) -> Response {
    record_on_submission(&state, &headers, &id, &form, false).await
}

pub(super) async fn note_submission(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<RecordForm>,
) -> Response {
    record_on_submission(&state, &headers, &id, &form, true).await
}

/// One's own starred documents: the list narrowed to them.
pub(super) async fn starred(State(state): Shared, headers: HeaderMap) -> Response {
    match state.session(&headers).await {
        Some((_, user, _)) => redirect(
            &format!("/desk/documents?f={}", url_encode(&format!("starred/{user}"))),
            &[],
        ),
        None => redirect("/desk/login", &[]),
    }
}

#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    user: Option<String>,
    csrf: String,
    title: &'static str,
    tags: Vec<(String, u64, String)>,
    query: String,
    notes: Vec<(NoteRow, String)>,
    searched_notes: bool,
}

/// Every tag in use, each linking to its documents.
pub(super) async fn tags(State(state): Shared, headers: HeaderMap) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let Ok(tags) = state.newsroom.tags().await else {
        return super::unavailable();
    };
    let tags = tags
        .into_iter()
        .map(|(tag, count)| {
            let href = format!("/desk/documents?f={}", url_encode(&format!("tag/{tag}")));
            (tag, count, href)
        })
        .collect();
    render(
        StatusCode::OK,
        &RecordsPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            title: "Tags",
            tags,
            query: String::new(),
            notes: Vec::new(),
            searched_notes: false,
        },
    )
}

#[derive(serde::Deserialize, Default)]
pub(super) struct NotesQuery {
    #[serde(default)]
    q: String,
}

/// Notes, newest first, or those holding every word searched.
pub(super) async fn notes(State(state): Shared, headers: HeaderMap, Query(query): Query<NotesQuery>) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let Ok(found) = state.newsroom.search_notes(&query.q, 200).await else {
        return super::unavailable();
    };
    let notes = found
        .into_iter()
        .map(|note| {
            let href = if SubmissionId::from_str(&note.target).is_ok() {
                format!("/desk/s/{}", note.target)
            } else {
                format!("/desk/d/{}", note.target)
            };
            (note, href)
        })
        .collect();
    render(
        StatusCode::OK,
        &RecordsPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            title: "Notes",
            tags: Vec::new(),
            searched_notes: !query.q.trim().is_empty(),
            query: query.q,
            notes,
        },
    )
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    user: Option<String>,
    csrf: String,
    kind: String,
    name: String,
    /// Entities named most often in the same documents: kind, name, how
    /// many documents, its page.
    beside: Vec<(String, String, u64, String)>,
    list: ListView,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct EntityQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
}

/// The entity kinds that have pages.
const ENTITY_KINDS: [&str; 4] = ["person", "organisation", "place", "email"];

/// A person's, organisation's, place's or address's page: the documents
/// that name it, and who and what is named most beside it.
pub(super) async fn entity(
    State(state): Shared,
    headers: HeaderMap,
    Query(query): Query<EntityQuery>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    if !ENTITY_KINDS.contains(&query.kind.as_str()) || query.name.is_empty() {
        return error(
            StatusCode::NOT_FOUND,
            "No such entity",
            "An entity is a person, organisation, place or email with a name.",
        );
    }
    let this = format!("{}/{}", query.kind, query.name);
    let mut params = ListParams::from_pairs(&pairs);
    if !params.facets.contains(&this) {
        params.facets.insert(0, this.clone());
    }
    let list = view(&state.newsroom, &params, "/desk/documents").await;
    let beside = list
        .groups
        .iter()
        .filter(|(group, _)| ENTITY_KINDS.contains(&group.as_str()))
        .flat_map(|(group, values)| {
            values.iter().filter(|v| !v.active).map(move |v| {
                let href = format!("/desk/entity?kind={}&name={}", url_encode(group), url_encode(&v.value));
                (group.clone(), v.value.clone(), v.count, href)
            })
        })
        .collect::<Vec<_>>();
    let mut beside = beside;
    beside.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    beside.truncate(20);
    render(
        StatusCode::OK,
        &EntityPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            kind: query.kind,
            name: query.name,
            beside,
            list,
        },
    )
}

//! Document lists: a submission's, a search's across submissions, a
//! tag's, an entity's, one's own stars. Every list is paginated, sortable
//! and narrowed by facets with their counts, answered from the list index;
//! its documents link to their pages with the list as context (next and
//! previous), and it is exported (`exports`) as CSV, JSON lines or a zip
//! of its originals.

use std::str::FromStr;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use trove_app::{DocumentList, Newsroom};
use trove_search::listing::{ListRow, ListSort};
use trove_store::SubmissionId;
use trove_web::{redirect, render, url_encode};

use super::Shared;

/// Rows per page.
pub(super) const PER_PAGE: usize = 50;

/// A list's parameters as a URL carries them: `s` (a submission), `q`
/// (words), `f` (one per facet filter), `sort`, `desc`, `page`.
#[derive(Debug, Clone, Default)]
pub(super) struct ListParams {
    pub submission: Option<SubmissionId>,
    pub q: String,
    pub facets: Vec<String>,
    pub sort: ListSort,
    pub descending: bool,
    pub page: usize,
}

impl ListParams {
    /// From a query string's pairs (repeated `f`s allowed); what is not
    /// understood is left out.
    pub(super) fn from_pairs(pairs: &[(String, String)]) -> ListParams {
        let mut params = ListParams {
            page: 1,
            ..ListParams::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "s" => params.submission = SubmissionId::from_str(value.trim()).ok(),
                "q" => params.q = value.trim().to_owned(),
                "f" if value.contains('/') && !params.facets.contains(value) => params.facets.push(value.clone()),
                "sort" => params.sort = ListSort::parse(value).unwrap_or_default(),
                "desc" => params.descending = value == "1",
                "page" => params.page = value.parse().unwrap_or(1).clamp(1, 100_000),
                _ => {}
            }
        }
        params
    }

    /// The query string (without `?`), `page` left out when 1.
    pub(super) fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(submission) = self.submission {
            parts.push(format!("s={submission}"));
        }
        if !self.q.is_empty() {
            parts.push(format!("q={}", url_encode(&self.q)));
        }
        for facet in &self.facets {
            parts.push(format!("f={}", url_encode(facet)));
        }
        if self.sort != ListSort::Path {
            parts.push(format!("sort={}", self.sort.name()));
        }
        if self.descending {
            parts.push("desc=1".into());
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }

    fn with(&self, change: impl FnOnce(&mut ListParams)) -> ListParams {
        let mut params = self.clone();
        change(&mut params);
        params
    }

    pub(super) fn list(&self, per_page: usize) -> DocumentList {
        DocumentList {
            submission: self.submission,
            text: self.q.clone(),
            facets: self.facets.clone(),
            sort: self.sort,
            descending: self.descending,
            page: self.page,
            per_page,
        }
    }
}

pub(super) struct RowView {
    pub href: String,
    pub path: String,
    pub doc_type: String,
    pub status: String,
    pub verdict: String,
    pub overlap: String,
    pub size: u64,
    pub day: String,
    pub significance: String,
    /// The snippet's parts, highlighted or not.
    pub snippet: Vec<(String, bool)>,
}

pub(super) struct FacetLink {
    pub value: String,
    pub count: u64,
    pub href: String,
    pub active: bool,
}

/// A list as a page shows it (`list.html`).
pub(super) struct ListView {
    pub q: String,
    /// Where its forms and links go (`/desk/s/ID`, `/desk/documents`).
    pub base: String,
    pub hidden: Vec<(String, String)>,
    pub total: u64,
    pub first: usize,
    pub rows: Vec<RowView>,
    pub groups: Vec<(String, Vec<FacetLink>)>,
    /// Active filters and the link that removes each.
    pub active: Vec<(String, String)>,
    pub sorts: Vec<(String, String, bool)>,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub page: usize,
    pub pages: usize,
    pub export: String,
    pub error: Option<String>,
}

pub(super) fn day(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .unwrap_or_default()
}

/// Builds a list's view: `base` is the page it is on, and the rows link
/// to their documents with the list as context.
pub(super) async fn view(newsroom: &Newsroom, params: &ListParams, base: &str) -> ListView {
    let href = |p: &ListParams| {
        let query = match (base.starts_with("/desk/s/"), p.query()) {
            // The submission is in the path already.
            (true, q) => q
                .split('&')
                .filter(|part| !part.starts_with("s="))
                .collect::<Vec<_>>()
                .join("&"),
            (false, q) => q,
        };
        // Each link lands on the list, wherever it is on its page.
        if query.is_empty() {
            format!("{base}#list")
        } else {
            format!("{base}?{query}#list")
        }
    };
    let mut hidden = Vec::new();
    for facet in &params.facets {
        hidden.push(("f".to_owned(), facet.clone()));
    }
    if params.sort != ListSort::Path {
        hidden.push(("sort".into(), params.sort.name().into()));
    }
    if params.descending {
        hidden.push(("desc".into(), "1".into()));
    }
    if params.submission.is_some() && !base.starts_with("/desk/s/") {
        hidden.push(("s".into(), params.submission.map(|s| s.to_string()).unwrap_or_default()));
    }
    let mut view = ListView {
        q: params.q.clone(),
        base: base.to_owned(),
        hidden,
        total: 0,
        first: 0,
        rows: Vec::new(),
        groups: Vec::new(),
        active: params
            .facets
            .iter()
            .map(|f| {
                let without = params.with(|p| {
                    p.facets.retain(|g| g != f);
                    p.page = 1;
                });
                (f.clone(), href(&without))
            })
            .collect(),
        sorts: Vec::new(),
        previous: None,
        next: None,
        page: params.page,
        pages: 1,
        export: params.with(|p| p.page = 1).query(),
        error: None,
    };
    for sort in ListSort::ALL {
        if sort == ListSort::Relevance && params.q.is_empty() {
            continue;
        }
        let current = sort == params.sort;
        let next = params.with(|p| {
            // A second click on the current sort reverses it.
            p.descending = current && !p.descending;
            p.sort = sort;
            p.page = 1;
        });
        view.sorts.push((sort.name().to_owned(), href(&next), current));
    }
    let found = match newsroom.list_documents(&params.list(PER_PAGE)).await {
        Ok(found) => found,
        Err(error) => {
            view.error = Some(error.to_string());
            return view;
        }
    };
    view.total = found.page.total;
    view.pages = found.pages;
    view.first = (params.page - 1) * PER_PAGE;
    let context = url_encode(&params.query());
    view.rows = found
        .page
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| row_view(row, &context, view.first + i, &found.snippets))
        .collect();
    view.groups = found
        .page
        .facets
        .iter()
        .map(|(group, values)| {
            let links = values
                .iter()
                .map(|(value, count)| {
                    let facet = format!("{group}/{value}");
                    let active = params.facets.contains(&facet);
                    let next = params.with(|p| {
                        if active {
                            p.facets.retain(|f| f != &facet);
                        } else {
                            p.facets.push(facet.clone());
                        }
                        p.page = 1;
                    });
                    FacetLink {
                        value: value.clone(),
                        count: *count,
                        href: href(&next),
                        active,
                    }
                })
                .collect();
            (group.clone(), links)
        })
        .collect();
    if params.page > 1 {
        view.previous = Some(href(&params.with(|p| p.page -= 1)));
    }
    if params.page < found.pages {
        view.next = Some(href(&params.with(|p| p.page += 1)));
    }
    view
}

fn row_view(
    row: &ListRow,
    context: &str,
    position: usize,
    snippets: &std::collections::HashMap<String, trove_app::Snippet>,
) -> RowView {
    RowView {
        href: format!("/desk/d/{}?in={context}&at={position}", row.id),
        path: row.path.clone(),
        doc_type: row.doc_type.clone(),
        status: row.status.clone(),
        verdict: row.verdict.clone().unwrap_or_default(),
        overlap: row.overlap.clone().unwrap_or_default(),
        size: row.size,
        day: day(row.date),
        significance: row.significance.map(|s| s.to_string()).unwrap_or_default(),
        snippet: snippets
            .get(&row.id)
            .map(|s| trove_web::highlight_parts(&s.text.replace('\n', " "), &s.highlighted))
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "documents.html")]
struct DocumentsPage {
    user: Option<String>,
    csrf: String,
    title: String,
    list: ListView,
}

/// `/desk/documents`: any list across submissions (a search, a tag, an
/// entity, one's stars) by its parameters.
pub(super) async fn documents(
    State(state): Shared,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let Some((token, user, _)) = state.session(&headers).await else {
        return redirect("/desk/login", &[]);
    };
    let params = ListParams::from_pairs(&pairs);
    let title = match (&params.submission, params.q.is_empty(), params.facets.as_slice()) {
        (Some(s), _, _) => format!("Documents of {s}"),
        (None, false, _) => format!("Documents matching “{}”", params.q),
        (None, true, [one]) => one.replace('/', ": "),
        _ => "Documents".to_owned(),
    };
    let list = view(&state.newsroom, &params, "/desk/documents").await;
    render(
        StatusCode::OK,
        &DocumentsPage {
            user: Some(user),
            csrf: state.csrf.token(&token),
            title,
            list,
        },
    )
}

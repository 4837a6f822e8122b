//! Document lists for the desk: every document with what it is listed by
//! (its record, verdict, overlap class, entities, tags, stars, marks), kept
//! in the list index after each stage, and read back a page at a time,
//! narrowed by facets and a search's words.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use trove_search::Query;
use trove_search::listing::{ListPage, ListQuery, ListSort, Listed};
use trove_store::{
    DeskFacts, DeskRepo as _, DocumentRecord, DocumentRepo as _, SubmissionId, VerificationRepo as _, read_texts,
};

use crate::search::described;
use crate::{AppError, Newsroom};

/// Documents read from the database per batch when listing a submission.
const LIST_BATCH: usize = 1_000;

/// A list as the desk asks for it.
#[derive(Debug, Clone, Default)]
pub struct DocumentList {
    pub submission: Option<SubmissionId>,
    /// A search's words (the desk's query language), or empty for all.
    pub text: String,
    /// `group/value` filters (see [`trove_search::listing::LIST_FACETS`];
    /// `starred/NAME` too).
    pub facets: Vec<String>,
    pub sort: ListSort,
    pub descending: bool,
    /// From 1.
    pub page: usize,
    pub per_page: usize,
}

/// A snippet of a text around a search's words, and the byte ranges of
/// the words in it.
#[derive(Debug, Clone, Serialize)]
pub struct Snippet {
    pub text: String,
    pub highlighted: Vec<(usize, usize)>,
}

/// A page of a list, with a snippet per row when words were searched.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentListPage {
    #[serde(flatten)]
    pub page: ListPage,
    /// By document id.
    pub snippets: HashMap<String, Snippet>,
    pub pages: usize,
}

/// The list index's query for a page of a list.
pub(crate) fn list_query(list: &DocumentList, matched: Option<Arc<HashMap<u64, f32>>>, per_page: usize) -> ListQuery {
    let sort = match (list.sort, &matched) {
        (ListSort::Relevance, None) => ListSort::Path,
        (sort, _) => sort,
    };
    ListQuery {
        submission: list.submission.map(|s| s.to_string()),
        facets: list.facets.clone(),
        matched,
        sort,
        descending: list.descending,
        offset: list.page.max(1).saturating_sub(1).saturating_mul(per_page),
        limit: per_page,
    }
}

/// The domain of a mail address as a header gives it (`Name <a@b.org>`,
/// `a@b.org`), lower case.
fn domain(address: &str) -> Option<String> {
    let address = match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => &address[start + 1..end],
        _ => address,
    };
    let (_, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    (!domain.is_empty()).then_some(domain)
}

fn listed(doc: &DocumentRecord, verdict: Option<String>, facts: DeskFacts) -> Listed {
    let described = described(doc);
    let domains = |addresses: &[String]| {
        let mut domains: Vec<String> = addresses.iter().filter_map(|a| domain(a)).collect();
        domains.sort();
        domains.dedup();
        domains
    };
    Listed {
        id: doc.id.clone(),
        submission: doc.submission.to_string(),
        path: doc.path.clone(),
        doc_type: doc.doc_type.clone(),
        status: doc.status.as_str().to_owned(),
        size: doc.size,
        date: described.date,
        verdict,
        overlap: facts.overlap,
        corpus: facts.corpus,
        significance: facts.significance,
        from: domains(&described.from),
        to: domains(&described.to),
        entities: facts.entities,
        tags: facts.tags,
        starred_by: facts.starred_by,
        mark: facts.mark,
        noted: facts.noted,
    }
}

impl Newsroom {
    /// Lists a submission again from the database (after a stage changed
    /// what its documents are listed by); returns how many it lists.
    pub async fn relist(&self, id: &SubmissionId) -> Result<u64, AppError> {
        let index = self.list_index()?;
        let mut writer = index.writer()?;
        writer.remove_submission(&id.to_string());
        let mut after = String::new();
        loop {
            let batch = self.repo().documents_page(id, &after, LIST_BATCH).await?;
            let Some(last) = batch.last() else { break };
            after = last.path.clone();
            let ids: Vec<&str> = batch.iter().map(|d| d.id.as_str()).collect();
            let mut verdicts = self.repo().verifications_of(id, &ids).await?;
            let mut facts = self.repo().desk_facts(&ids).await?;
            for doc in &batch {
                let verdict = verdicts.remove(&doc.id).map(|v| v.verdict);
                writer.add(&listed(doc, verdict, facts.remove(&doc.id).unwrap_or_default()))?;
            }

            if batch.len() < LIST_BATCH {
                break;
            }
        }
        writer.commit_merged()?;
        index.refresh()?;
        Ok(index.count(&id.to_string())?)
    }

    /// Lists these documents again (after a journalist tagged, starred or
    /// marked them).
    pub(crate) async fn relist_documents(&self, ids: &[&str]) -> Result<(), AppError> {
        let documents = self.repo().documents_by_ids(ids).await?;
        let index = self.list_index()?;
        let mut writer = index.writer()?;
        let mut facts = self.repo().desk_facts(ids).await?;
        for doc in &documents {
            let verdict = self
                .repo()
                .verifications_of(&doc.submission, &[doc.id.as_str()])
                .await?
                .remove(&doc.id)
                .map(|v| v.verdict);
            writer.put(&listed(doc, verdict, facts.remove(&doc.id).unwrap_or_default()))?;
        }
        writer.commit()?;
        index.refresh()?;
        Ok(())
    }

    /// A page of a list: its rows, total, facet counts, and (when words
    /// were searched) a snippet per row.
    pub async fn list_documents(&self, list: &DocumentList) -> Result<DocumentListPage, AppError> {
        let words = list.text.trim();
        let per_page = list.per_page.clamp(1, 500);
        let query = list_query(list, self.matched(list)?, per_page);
        let page = self.list_index()?.list(&query)?;
        let pages = (page.total as usize).div_ceil(per_page).max(1);
        let snippets = if words.is_empty() {
            HashMap::new()
        } else {
            self.snippets(words, &page).await?
        };
        Ok(DocumentListPage { page, snippets, pages })
    }

    /// The rows at `offset..offset + limit` of a list (no facet counts, no
    /// snippets): a document's neighbours in the list it was opened from.
    pub async fn list_window(
        &self,
        list: &DocumentList,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<trove_search::listing::ListRow>, AppError> {
        let query = ListQuery {
            offset,
            limit: limit.max(1),
            ..list_query(list, self.matched(list)?, 1)
        };
        Ok(self.list_index()?.rows(&query)?)
    }

    /// How many documents of a submission are listed and how many of each
    /// verdict (the unverified left out), counting that one facet group.
    pub async fn listed_verdicts(&self, submission: SubmissionId) -> Result<(u64, Vec<(String, u64)>), AppError> {
        let list = DocumentList {
            submission: Some(submission),
            ..DocumentList::default()
        };
        let (total, mut verdicts) = self.list_index()?.tally(&list_query(&list, None, 1), "verdict")?;
        verdicts.retain(|(verdict, _)| verdict != "unverified");
        verdicts.sort();
        Ok((total, verdicts))
    }

    /// The documents a list's words match, with their scores; `None`
    /// when it has no words.
    pub(crate) fn matched(&self, list: &DocumentList) -> Result<Option<Arc<HashMap<u64, f32>>>, AppError> {
        let words = list.text.trim();
        if words.is_empty() {
            return Ok(None);
        }
        let query = Query {
            text: words.to_owned(),
            submission: list.submission.map(|s| s.to_string()),
            limit: 1,
        };
        Ok(Some(Arc::new(self.search_index()?.matching(&query)?)))
    }

    /// A snippet of each row's text around a search's words.
    async fn snippets(&self, words: &str, page: &ListPage) -> Result<HashMap<String, Snippet>, AppError> {
        let ids: Vec<&str> = page.rows.iter().map(|row| row.id.as_str()).collect();
        let documents = self.repo().documents_by_ids(&ids).await?;
        let refs: Vec<&DocumentRecord> = documents.iter().collect();
        let texts = read_texts(&self.opener()?, &refs)?;
        let index = self.search_index()?;
        let query = Query {
            text: words.to_owned(),
            submission: None,
            limit: 1,
        };
        let mut snippets = HashMap::new();
        for (id, text) in texts {
            let (text, highlighted) = index.snippet(&query, &text)?;
            let highlighted = highlighted.into_iter().map(|r| (r.start, r.end)).collect();
            snippets.insert(id, Snippet { text, highlighted });
        }
        Ok(snippets)
    }
}

#[cfg(test)]
mod tests {
    use super::domain;

    #[test]
    fn domains_of_addresses() {
        assert_eq!(
            domain("Ann Lee <ann@Ministry.GOV.ua>").as_deref(),
            Some("ministry.gov.ua")
        );
        assert_eq!(domain("bob@example.org").as_deref(), Some("example.org"));
        assert_eq!(domain("Undisclosed recipients"), None);
        assert_eq!(domain("<>"), None);
    }
}

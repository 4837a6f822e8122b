//! Exports of a document list for a journalist's own tools: the list as
//! CSV or JSON lines, or the original files of its documents as a zip.
//! Only what a list shows goes out, or the originals asked for: never a
//! text, a note or anything else journalists recorded.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use trove_search::listing::ListRow;
use trove_store::SubmissionId;

use crate::lists::list_query;
use crate::{AppError, DocumentList, Newsroom};

/// Rows read from the list index at a time.
const EXPORT_PAGE: usize = 1_000;

/// The most an export may hold: it is kept in memory until downloaded.
pub const MAX_EXPORT_BYTES: u64 = 512 << 20;

/// The columns of a CSV export, in order.
const EXPORT_COLUMNS: [&str; 10] = [
    "id",
    "submission",
    "path",
    "type",
    "status",
    "size",
    "date",
    "verdict",
    "overlap",
    "significance",
];

/// How a list is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
    /// The original files, in a zip.
    Originals,
}

impl ExportFormat {
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name {
            "csv" => Some(ExportFormat::Csv),
            "jsonl" => Some(ExportFormat::JsonLines),
            "zip" => Some(ExportFormat::Originals),
            _ => None,
        }
    }

    /// The file's extension and content type.
    pub fn file(self) -> (&'static str, &'static str) {
        match self {
            ExportFormat::Csv => ("csv", "text/csv; charset=utf-8"),
            ExportFormat::JsonLines => ("jsonl", "application/x-ndjson"),
            ExportFormat::Originals => ("zip", "application/zip"),
        }
    }
}

fn failed(error: impl std::fmt::Display) -> AppError {
    AppError::Export(error.to_string())
}

/// The name of a document's original in an export's zip: its submission,
/// then its provenance with `!` between a container and what it holds (a
/// container and its members are both files in the zip, as in a jar URL).
fn entry_name(row: &ListRow) -> String {
    let path: String = row
        .path
        .split('/')
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .collect::<Vec<_>>()
        .join("!");
    format!("{}/{}", row.submission, path)
}

impl Newsroom {
    /// Every row of a list, in its order.
    async fn export_rows(&self, list: &DocumentList) -> Result<Vec<ListRow>, AppError> {
        let query = list_query(list, self.matched(list)?, 1);
        let mut rows = Vec::new();
        self.list_index()?.each_page(&query, EXPORT_PAGE, |page| {
            rows.extend(page);
            Ok::<(), AppError>(())
        })?;
        Ok(rows)
    }

    /// Writes a whole list (every page, in its order) to `out` as CSV or
    /// JSON lines, or its documents' original files as a zip; `progress`
    /// hears (documents done, documents in all). Returns how many
    /// documents went out.
    pub async fn export_list(
        &self,
        list: &DocumentList,
        format: ExportFormat,
        out: &mut (dyn Write + Send),
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<u64, AppError> {
        let rows = self.export_rows(list).await?;
        let total = rows.len() as u64;
        progress(0, total);
        match format {
            ExportFormat::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record(EXPORT_COLUMNS).map_err(failed)?;
                for (done, row) in rows.iter().enumerate() {
                    let date = row.date.map(|d| d.to_string()).unwrap_or_default();
                    let significance = row.significance.map(|s| s.to_string()).unwrap_or_default();
                    csv.write_record([
                        row.id.as_str(),
                        row.submission.as_str(),
                        row.path.as_str(),
                        row.doc_type.as_str(),
                        row.status.as_str(),
                        &row.size.to_string(),
                        &date,
                        row.verdict.as_deref().unwrap_or(""),
                        row.overlap.as_deref().unwrap_or(""),
                        &significance,
                    ])
                    .map_err(failed)?;
                    progress(done as u64 + 1, total);
                }
                csv.flush().map_err(failed)?;
            }
            ExportFormat::JsonLines => {
                for (done, row) in rows.iter().enumerate() {
                    serde_json::to_writer(&mut *out, row).map_err(failed)?;
                    out.write_all(b"\n").map_err(failed)?;
                    progress(done as u64 + 1, total);
                }
            }
            ExportFormat::Originals => self.export_originals(&rows, out, progress).await?,
        }
        Ok(total)
    }

    /// The original files of `rows` as a zip, each submission's files
    /// walked once (as ingest unpacked them).
    async fn export_originals(
        &self,
        rows: &[ListRow],
        out: &mut (dyn Write + Send),
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<(), AppError> {
        let total = rows.len() as u64;
        let size: u64 = rows.iter().map(|r| r.size).sum();
        if size > MAX_EXPORT_BYTES {
            return Err(AppError::Export(format!(
                "the originals of these {total} documents are {} MiB, over the {} MiB an export holds: narrow the list",
                size >> 20,
                MAX_EXPORT_BYTES >> 20
            )));
        }
        let mut by_submission: BTreeMap<String, Vec<&ListRow>> = BTreeMap::new();
        for row in rows {
            by_submission.entry(row.submission.clone()).or_default().push(row);
        }
        let opener = self.opener()?;
        let limits = self.dir().ingest_limits();
        let mut zip = zip::ZipWriter::new_stream(out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut done = 0u64;
        for (submission, wanted) in by_submission {
            let id: SubmissionId = submission
                .parse()
                .map_err(|_| AppError::NoDocument(submission.clone()))?;
            let record = self.submission(&id).await?;
            let files = trove_store::read_manifest(&opener, &record)?.files;
            let by_id: BTreeMap<String, &ListRow> = wanted.iter().map(|r| (r.id.clone(), *r)).collect();
            let mut written: HashSet<String> = HashSet::new();
            let mut error = None;
            for file in &files {
                let prefix = format!("{}/", file.path);
                if !wanted
                    .iter()
                    .any(|r| r.path == file.path || r.path.starts_with(&prefix))
                {
                    continue;
                }
                trove_ingest::walk_submission_file(&opener, file, &limits, |path, _, bytes| {
                    let id = trove_ingest::document_id(&submission, path);
                    let Some(row) = by_id.get(&id) else { return };
                    if error.is_some() || !written.insert(id) {
                        return;
                    }
                    let added = zip
                        .start_file(entry_name(row), options)
                        .map_err(failed)
                        .and_then(|()| zip.write_all(bytes).map_err(failed));
                    match added {
                        Ok(()) => {
                            done += 1;
                            progress(done, total);
                        }
                        Err(e) => error = Some(e),
                    }
                });
            }
            if let Some(error) = error {
                return Err(error);
            }
        }
        zip.finish().map_err(failed)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_entries_keep_provenance_and_never_climb() {
        let row = ListRow {
            id: "x".into(),
            submission: "s1".into(),
            path: "bundle.zip/../mail.mbox/#42/invoice.pdf".into(),
            doc_type: "pdf".into(),
            status: "ok".into(),
            size: 1,
            date: None,
            verdict: None,
            overlap: None,
            significance: None,
        };
        assert_eq!(entry_name(&row), "s1/bundle.zip!mail.mbox!#42!invoice.pdf");
    }
}

//! `truth.json`: what the generator wrote, streamed as it goes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::CorpusError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dkim {
    Pass,
    Fail,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overlap {
    New,
    Exact,
    Near,
    Partial,
}

/// One document of the cache. Containers are listed too (`container:
/// true`) but the shares count only content documents.
#[derive(Debug, Serialize)]
pub struct TruthEntry {
    pub path: String,
    pub r#type: &'static str,
    pub container: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    pub bytes: u64,
    pub dkim: Dkim,
    pub tampered: bool,
    pub overlap: Overlap,
    pub corpus: Option<&'static str>,
    pub similarity: Option<f64>,
    pub covered_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<(usize, usize)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

pub struct Shares {
    pub documents: usize,
    pub content_documents: usize,
    pub novel_share_count: f64,
    pub novel_share_bytes: f64,
}

pub struct TruthWriter {
    path: PathBuf,
    out: BufWriter<File>,
    documents: usize,
    content: usize,
    novel: usize,
    bytes: u64,
    covered: u64,
}

impl TruthWriter {
    pub fn create(path: &Path) -> Result<Self, CorpusError> {
        let file = File::create(path).map_err(|source| CorpusError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut writer = TruthWriter {
            path: path.to_owned(),
            out: BufWriter::new(file),
            documents: 0,
            content: 0,
            novel: 0,
            bytes: 0,
            covered: 0,
        };
        writer.write(b"{\"documents\": [\n")?;
        Ok(writer)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), CorpusError> {
        self.out.write_all(bytes).map_err(|source| CorpusError::Io {
            path: self.path.clone(),
            source,
        })
    }

    pub fn push(&mut self, entry: &TruthEntry) -> Result<(), CorpusError> {
        if self.documents > 0 {
            self.write(b",\n")?;
        }
        let json = serde_json::to_vec(entry).expect("truth entries serialize");
        self.write(&json)?;
        self.documents += 1;
        if !entry.container {
            self.content += 1;
            self.bytes += entry.bytes;
            self.covered += entry.covered_bytes;
            if entry.overlap == Overlap::New {
                self.novel += 1;
            }
        }
        Ok(())
    }

    pub fn finish(mut self, seed: u64, published_share: f64) -> Result<Shares, CorpusError> {
        let share = |part: f64, whole: f64| {
            if whole > 0.0 {
                (part / whole * 10_000.0).round() / 10_000.0
            } else {
                1.0
            }
        };
        let shares = Shares {
            documents: self.documents,
            content_documents: self.content,
            novel_share_count: share(self.novel as f64, self.content as f64),
            novel_share_bytes: share((self.bytes - self.covered) as f64, self.bytes as f64),
        };
        let tail = format!(
            "\n],\n\"seed\": {seed},\n\"published_share\": {published_share},\n\"content_documents\": {},\n\"novel_share_count\": {},\n\"novel_share_bytes\": {}\n}}\n",
            shares.content_documents, shares.novel_share_count, shares.novel_share_bytes
        );
        self.write(tail.as_bytes())?;
        self.out.flush().map_err(|source| CorpusError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(shares)
    }
}

//! Registering a published corpus: read it with ingest's extractors,
//! fingerprint every document, write index segments, seal its texts in
//! packs (the desk shows a published passage beside the leaked one), record
//! the rows.

use std::path::Path;

use trove_ingest::{DocType, Limits, extract, is_container, walk_path};
use trove_store::{BlobBackend, BlobSealer, Day, PublishedCorpus, PublishedDocument, PublishedRepo, TextRef};

use crate::index::{Index, SegmentWriter};
use crate::{OverlapError, fingerprint};

/// What a corpus is: its name in reports, who published it and when. A
/// listing of corpora (`corpora.json`, as the corpus generator writes it)
/// is a JSON array of these.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CorpusInfo {
    pub name: String,
    pub publisher: String,
    pub date: Day,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    pub name: String,
    pub documents: usize,
    pub bytes: u64,
    pub segments: usize,
}

/// A segment is written out when its tables reach this size, so an import
/// of any size runs in bounded memory.
const SEGMENT_BYTES: usize = 128 << 20;

/// Texts are sealed a pack at a time when a pack reaches this size.
const TEXT_PACK_BYTES: usize = 8 << 20;

/// Texts waiting for their pack to be sealed: the pack, and the documents
/// (by position in the import's list) with their ranges in it.
#[derive(Default)]
struct TextPack {
    bytes: Vec<u8>,
    placed: Vec<(usize, u64, u64)>,
}

impl TextPack {
    fn add(&mut self, document: usize, text: &str) {
        if !text.is_empty() {
            self.placed.push((document, self.bytes.len() as u64, text.len() as u64));
            self.bytes.extend_from_slice(text.as_bytes());
        }
    }

    /// Seals the pack and gives each of its documents its text's place.
    fn seal<B: BlobBackend>(
        &mut self,
        sealer: &BlobSealer<B>,
        documents: &mut [PublishedDocument],
    ) -> Result<(), OverlapError> {
        if self.bytes.is_empty() {
            return Ok(());
        }
        let blob = sealer.put(self.bytes.as_slice())?.blob;
        for (document, offset, len) in self.placed.drain(..) {
            documents[document].text = Some(TextRef { blob, offset, len });
        }
        self.bytes.clear();
        Ok(())
    }
}

/// Imports the folder, archive, mbox or file at `path` as a published
/// corpus. The index folder is locked for the import, so two imports never
/// interleave; a corpus name is registered once.
pub async fn import_corpus<B: BlobBackend>(
    repo: &impl PublishedRepo,
    sealer: &BlobSealer<B>,
    index_dir: &Path,
    path: &Path,
    info: &CorpusInfo,
    limits: &Limits,
    mut progress: impl FnMut(usize),
) -> Result<ImportSummary, OverlapError> {
    if info.name.trim().is_empty() {
        return Err(OverlapError::BadInput("the corpus needs a name (--name)".into()));
    }
    if !path.exists() {
        return Err(OverlapError::Read {
            path: path.display().to_string(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
        });
    }
    if repo.published_corpora().await?.iter().any(|c| c.name == info.name) {
        return Err(OverlapError::AlreadyRegistered(info.name.clone()));
    }
    std::fs::create_dir_all(index_dir).map_err(|source| OverlapError::Read {
        path: index_dir.display().to_string(),
        source,
    })?;
    let lock_path = index_dir.join(".lock");
    let lock = std::fs::File::create(&lock_path).map_err(|source| OverlapError::Read {
        path: lock_path.display().to_string(),
        source,
    })?;
    lock.lock().map_err(|source| OverlapError::Read {
        path: lock_path.display().to_string(),
        source,
    })?;

    let index = Index::open(index_dir)?;
    let mut next_id = repo.max_published_document().await?.max(index.max_doc()) + 1;
    let mut segment = index.next_segment();
    drop(index);
    let mut writer = SegmentWriter::default();
    let mut documents = Vec::new();
    let mut pack = TextPack::default();
    let mut segments = 0;
    let mut failure = None;
    walk_path(path, limits, |doc_path, doc_type, bytes| {
        if failure.is_some() || (is_container(doc_type) && doc_type != DocType::Email) {
            return;
        }
        let text = extract(doc_type, bytes, limits).text.unwrap_or_default();
        let found = fingerprint(&text);
        let fingerprints: Vec<(u64, u32)> = found.winnowed.iter().map(|f| (f.hash, f.position)).collect();
        let bands = found.bands.map(|b| b.to_vec()).unwrap_or_default();
        let (offset, len) = writer.add(next_id, &bands, &fingerprints, &found.set);
        documents.push(PublishedDocument {
            id: next_id,
            corpus_id: 0,
            path: doc_path.to_owned(),
            doc_type: doc_type.name().to_owned(),
            content_id: blake3::hash(bytes).to_hex().to_string(),
            text_id: found.text_id,
            size: bytes.len() as u64,
            set: Some((segment, offset, len)),
            text: None,
        });
        pack.add(documents.len() - 1, &text);
        if pack.bytes.len() >= TEXT_PACK_BYTES
            && let Err(e) = pack.seal(sealer, &mut documents)
        {
            failure = Some(e);
        }
        next_id += 1;
        progress(documents.len());
        if writer.memory() >= SEGMENT_BYTES {
            match std::mem::take(&mut writer).finish(index_dir, segment) {
                Ok(()) => {
                    segment += 1;
                    segments += 1;
                }
                Err(e) => failure = Some(e.into()),
            }
        }
    })
    .map_err(|source| OverlapError::Read {
        path: path.display().to_string(),
        source,
    })?;
    if let Some(error) = failure {
        return Err(error);
    }
    pack.seal(sealer, &mut documents)?;
    if !writer.is_empty() {
        writer.finish(index_dir, segment)?;
        segments += 1;
    }
    // Merged before the rows commit: a corpus is searchable through one
    // table pair as soon as it is registered.
    Index::compact(index_dir)?;
    let corpus = PublishedCorpus {
        id: 0,
        name: info.name.clone(),
        publisher: info.publisher.clone(),
        date: info.date.to_string(),
        url: info.url.clone(),
        source: path.display().to_string(),
        imported: Day::today().to_string(),
        documents: 0,
        bytes: 0,
        document_ids: None,
    };
    repo.add_published_corpus(&corpus, &documents).await?;
    Ok(ImportSummary {
        name: info.name.clone(),
        documents: documents.len(),
        bytes: documents.iter().map(|d| d.size).sum(),
        segments,
    })
}

//! The on-disk index of published documents: immutable segments, each a
//! set of sorted tables read through memory maps, so millions of documents
//! are searched in the memory of the pages touched.
//!
//! A segment `seg-NNNNNN` has three files:
//! - `.bands`: (band key u64, doc u32) records, sorted by key;
//! - `.winnow`: (fingerprint u64, doc u32, word position u32), sorted;
//! - `.sets`: every document's shingle set (sorted u64s), back to back;
//!   where each document's set lies is in the database.
//!
//! Every file starts with a 16-byte header: magic, and the highest doc id
//! in the segment (so ids are never reused, even after a crash between
//! writing a segment and committing its rows). Files are written to a
//! temporary name, synced and renamed, so a segment is whole or absent.
//! An import adds segments; nothing is rewritten.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}: not a trove overlap segment (bad header)")]
    Corrupt(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_owned(),
        source,
    }
}

const MAGIC: &[u8; 8] = b"TROVEIX1";
const HEADER: usize = 16;
const BAND_RECORD: usize = 12;
const WINNOW_RECORD: usize = 16;

/// Builds one segment in memory, bounded by the caller flushing it.
#[derive(Default)]
pub struct SegmentWriter {
    bands: Vec<(u64, u32)>,
    winnow: Vec<(u64, u32, u32)>,
    sets: Vec<u64>,
    max_doc: u32,
}

/// Where a document's shingle set lies: segment, offset (in values), length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLocation {
    pub segment: u32,
    pub offset: u64,
    pub len: u32,
}

impl SegmentWriter {
    pub fn add(&mut self, doc: u32, band_keys: &[u64], fingerprints: &[(u64, u32)], set: &[u64]) -> (u64, u32) {
        self.bands.extend(band_keys.iter().map(|&k| (k, doc)));
        self.winnow.extend(fingerprints.iter().map(|&(h, p)| (h, doc, p)));
        let offset = self.sets.len() as u64;
        self.sets.extend_from_slice(set);
        self.max_doc = self.max_doc.max(doc);
        (offset, set.len() as u32)
    }

    pub fn is_empty(&self) -> bool {
        self.bands.is_empty() && self.sets.is_empty() && self.winnow.is_empty()
    }

    /// Bytes held (to decide when to flush).
    pub fn memory(&self) -> usize {
        self.bands.len() * 16 + self.winnow.len() * 16 + self.sets.len() * 8
    }

    /// Writes the segment's files durably under `dir`, streaming each
    /// table out (no second copy of it in memory).
    pub fn finish(mut self, dir: &Path, segment: u32) -> Result<(), IndexError> {
        self.bands.sort_unstable();
        self.winnow.sort_unstable();
        let max_doc = self.max_doc as u64;
        let bands = self
            .bands
            .iter()
            .flat_map(|(key, doc)| key.to_le_bytes().into_iter().chain(doc.to_le_bytes()));
        write_table(dir, segment, "bands", max_doc, bands)?;
        let winnow = self.winnow.iter().flat_map(|(hash, doc, position)| {
            hash.to_le_bytes()
                .into_iter()
                .chain(doc.to_le_bytes())
                .chain(position.to_le_bytes())
        });
        write_table(dir, segment, "winnow", max_doc, winnow)?;
        // The sets file is renamed last: a segment counts once it has one.
        let sets = self.sets.iter().flat_map(|value| value.to_le_bytes());
        write_table(dir, segment, "sets", max_doc, sets)?;
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))?;
        Ok(())
    }
}

/// Writes one table: header, records, sync, rename into place.
fn write_table(
    dir: &Path,
    segment: u32,
    extension: &str,
    max_doc: u64,
    bytes: impl Iterator<Item = u8>,
) -> Result<(), IndexError> {
    let path = dir.join(format!("seg-{segment:06}.{extension}"));
    let staging = dir.join(format!(".seg-{segment:06}.{extension}.tmp"));
    let file = fs::File::create(&staging).map_err(io_err(&staging))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(MAGIC).map_err(io_err(&staging))?;
    out.write_all(&max_doc.to_le_bytes()).map_err(io_err(&staging))?;
    let mut chunk = Vec::with_capacity(1 << 16);
    for byte in bytes {
        chunk.push(byte);
        if chunk.len() == chunk.capacity() {
            out.write_all(&chunk).map_err(io_err(&staging))?;
            chunk.clear();
        }
    }
    out.write_all(&chunk).map_err(io_err(&staging))?;
    let file = out.into_inner().map_err(|e| IndexError::Io {
        path: staging.clone(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io_err(&staging))?;
    fs::rename(&staging, &path).map_err(io_err(&path))
}

struct Table {
    map: Option<Mmap>,
    record: usize,
}

impl Table {
    fn open(path: &Path, record: usize) -> Result<(Table, u32), IndexError> {
        let file = fs::File::open(path).map_err(io_err(path))?;
        let len = file.metadata().map_err(io_err(path))?.len() as usize;
        if len < HEADER {
            return Err(IndexError::Corrupt(path.to_owned()));
        }
        // SAFETY: segment files are immutable once renamed into place; no
        // writer truncates or changes them while they are mapped.
        let map = unsafe { Mmap::map(&file) }.map_err(io_err(path))?;
        if &map[..8] != MAGIC || !(len - HEADER).is_multiple_of(record) {
            return Err(IndexError::Corrupt(path.to_owned()));
        }
        let max_doc = u64::from_le_bytes(map[8..16].try_into().unwrap_or_default()) as u32;
        Ok((Table { map: Some(map), record }, max_doc))
    }

    fn records(&self) -> &[u8] {
        self.map.as_deref().map(|m| &m[HEADER..]).unwrap_or_default()
    }

    fn len(&self) -> usize {
        self.records().len() / self.record
    }

    fn key(&self, i: usize) -> u64 {
        let at = i * self.record;
        u64::from_le_bytes(self.records()[at..at + 8].try_into().unwrap_or_default())
    }

    fn u32_at(&self, i: usize, field: usize) -> u32 {
        let at = i * self.record + 8 + field * 4;
        u32::from_le_bytes(self.records()[at..at + 4].try_into().unwrap_or_default())
    }

    /// Record indexes whose key is `key`.
    fn find(&self, key: u64) -> std::ops::Range<usize> {
        // Both ends by binary search: a common key (boilerplate) has a long
        // run of records, which a linear scan would walk on every lookup.
        let first_not_below = |key: u64| {
            let (mut lo, mut hi) = (0, self.len());
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.key(mid) < key { lo = mid + 1 } else { hi = mid }
            }
            lo
        };
        let start = first_not_below(key);
        let end = if start < self.len() && self.key(start) == key {
            key.checked_add(1).map_or(self.len(), first_not_below)
        } else {
            start
        };
        start..end
    }
}

struct Segment {
    number: u32,
    bands: Table,
    winnow: Table,
    sets: Table,
}

/// One segment's postings of one fingerprint, sorted by document then
/// word position.
pub struct Postings<'a> {
    table: &'a Table,
    range: std::ops::Range<usize>,
}

impl Postings<'_> {
    /// Places (a document may hold the fingerprint at several positions).
    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The first place's document: every document of a segment belongs to
    /// the same corpus.
    pub fn first_document(&self) -> u32 {
        self.table.u32_at(self.range.start, 0)
    }

    /// (document, word position) of each place.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.range
            .clone()
            .map(|i| (self.table.u32_at(i, 0), self.table.u32_at(i, 1)))
    }

    /// Distinct documents among the places.
    pub fn documents(&self) -> usize {
        let mut count = 0;
        let mut last = None;
        for (doc, _) in self.iter() {
            if last != Some(doc) {
                count += 1;
                last = Some(doc);
            }
        }
        count
    }
}

/// All segments of an index folder, mapped.
pub struct Index {
    segments: Vec<Segment>,
    max_doc: u32,
}

impl Index {
    /// Opens every whole segment in `dir` (creating the folder if needed).
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let mut numbers: Vec<u32> = fs::read_dir(dir)
            .map_err(io_err(dir))?
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("seg-")?.strip_suffix(".sets")?.parse().ok()
            })
            .collect();
        numbers.sort_unstable();
        let mut segments = Vec::new();
        let mut max_doc = 0;
        for number in numbers {
            let path = |ext: &str| dir.join(format!("seg-{number:06}.{ext}"));
            let (bands, a) = Table::open(&path("bands"), BAND_RECORD)?;
            let (winnow, b) = Table::open(&path("winnow"), WINNOW_RECORD)?;
            let (sets, c) = Table::open(&path("sets"), 8)?;
            max_doc = max_doc.max(a).max(b).max(c);
            segments.push(Segment {
                number,
                bands,
                winnow,
                sets,
            });
        }
        Ok(Index { segments, max_doc })
    }

    /// The next segment's number.
    pub fn next_segment(&self) -> u32 {
        self.segments.last().map(|s| s.number + 1).unwrap_or(1)
    }

    /// The highest doc id any segment holds.
    pub fn max_doc(&self) -> u32 {
        self.max_doc
    }

    /// Documents sharing a band key.
    pub fn band_candidates(&self, key: u64, out: &mut Vec<u32>) {
        for segment in &self.segments {
            for i in segment.bands.find(key) {
                out.push(segment.bands.u32_at(i, 0));
            }
        }
    }

    /// The published places holding a fingerprint: one run of postings for
    /// each segment that has any (a segment holds one import's documents).
    pub fn fingerprint_postings(&self, hash: u64) -> Vec<Postings<'_>> {
        self.segments
            .iter()
            .map(|segment| Postings {
                table: &segment.winnow,
                range: segment.winnow.find(hash),
            })
            .filter(|postings| !postings.range.is_empty())
            .collect()
    }

    /// A document's shingle set; empty if its segment is gone.
    pub fn set(&self, at: SetLocation) -> Vec<u64> {
        let Some(segment) = self.segments.iter().find(|s| s.number == at.segment) else {
            return Vec::new();
        };
        let (start, end) = (at.offset as usize, at.offset as usize + at.len as usize);
        if end > segment.sets.len() {
            return Vec::new();
        }
        (start..end).map(|i| segment.sets.key(i)).collect()
    }
}

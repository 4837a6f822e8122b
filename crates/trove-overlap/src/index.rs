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
//!
//! An import adds segments, then [`Index::compact`] merges every
//! segment's bands and fingerprints into one pair, `merged-NNNNNN.bands`
//! and `.winnow` (NNNNNN: the last segment they hold), each with a
//! directory of where every key prefix starts: a query then costs one
//! directory read and a few records per fingerprint, however many
//! segments there are, instead of a binary search in each. Shingle sets
//! stay in their segments (the database says where each lies).

use std::fs;
use std::io::Write;
use std::ops::Range;
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

/// Magic of a merged table: the same records after a directory.
const MERGED_MAGIC: &[u8; 8] = b"TROVEIX2";
/// A merged table's header: magic, highest doc id, directory bits,
/// record count.
const MERGED_HEADER: usize = 32;

/// A sorted table of fixed-size records whose first 8 bytes are the key:
/// a segment's own (found by binary search) or a merged one, whose
/// directory gives, for each top-`bits` prefix of the key, where its
/// records start, so a lookup reads one directory pair and a few records.
struct Table {
    map: Option<Mmap>,
    record: usize,
    /// Where the records start.
    start: usize,
    /// Directory bits and where the directory starts (merged tables).
    directory: Option<(u32, usize)>,
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
        let field = |at: usize| u64::from_le_bytes(map[at..at + 8].try_into().unwrap_or_default());
        let max_doc = field(8) as u32;
        let (start, directory) = if &map[..8] == MAGIC {
            (HEADER, None)
        } else if &map[..8] == MERGED_MAGIC && len >= MERGED_HEADER {
            let bits = field(16);
            let count = field(24) as usize;
            if bits > 32 {
                return Err(IndexError::Corrupt(path.to_owned()));
            }
            let start = MERGED_HEADER + ((1usize << bits) + 1) * 8;
            if start > len || len - start != count.saturating_mul(record) {
                return Err(IndexError::Corrupt(path.to_owned()));
            }
            (start, Some((bits as u32, MERGED_HEADER)))
        } else {
            return Err(IndexError::Corrupt(path.to_owned()));
        };
        if !(len - start).is_multiple_of(record) {
            return Err(IndexError::Corrupt(path.to_owned()));
        }
        let table = Table {
            map: Some(map),
            record,
            start,
            directory,
        };
        if let Some((bits, at)) = directory {
            // Only the last entry is checked here: reading the whole
            // directory would cost every open a pass over it. A damaged
            // entry elsewhere is clamped at lookup (`find`), never read
            // past the records.
            if table.directory_entry(at, 1usize << bits) != table.len() {
                return Err(IndexError::Corrupt(path.to_owned()));
            }
        }
        Ok((table, max_doc))
    }

    fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or_default()
    }

    /// Drops this process's mapping of the pages it touched; they stay in
    /// the page cache, and a later lookup maps them again.
    fn release(&self) {
        if let Some(map) = &self.map {
            // SAFETY: DONTNEED on a read-only shared file mapping only
            // unmaps pages: reading them again gives the same bytes from
            // the page cache (the files never change once renamed).
            let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }

    fn directory_entry(&self, at: usize, i: usize) -> usize {
        let at = at + i * 8;
        u64::from_le_bytes(self.bytes()[at..at + 8].try_into().unwrap_or_default()) as usize
    }

    fn records(&self) -> &[u8] {
        self.bytes().get(self.start..).unwrap_or_default()
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
    fn find(&self, key: u64) -> Range<usize> {
        let (lo, hi) = match self.directory {
            Some((bits, at)) => {
                let bucket = if bits == 0 { 0 } else { (key >> (64 - bits)) as usize };
                let hi = self.directory_entry(at, bucket + 1).min(self.len());
                (self.directory_entry(at, bucket).min(hi), hi)
            }
            None => (0, self.len()),
        };
        // Both ends by binary search: a common key (boilerplate) has a long
        // run of records, which a linear scan would walk on every lookup.
        let first_not_below = |key: u64| {
            let (mut lo, mut hi) = (lo, hi);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.key(mid) < key { lo = mid + 1 } else { hi = mid }
            }
            lo
        };
        let start = first_not_below(key);
        let end = if start < hi && self.key(start) == key {
            key.checked_add(1).map_or(hi, first_not_below)
        } else {
            start
        };
        start..end
    }
}

/// Records read between releases of the pages a merge has read.
const RELEASE_EVERY: usize = 1 << 20;

/// Writes the merge of sorted tables (whole records compared as key, then
/// doc and position, which is the order every table is sorted in) as one
/// merged table with a directory: header, directory, records; synced and
/// renamed into place.
fn write_merged(path: &Path, inputs: &[&Table], record: usize, max_doc: u32) -> Result<(), IndexError> {
    let count: usize = inputs.iter().map(|t| t.len()).sum();
    // About 8 records a bucket: a lookup then reads a directory pair and
    // a cache line or two of records.
    let bits = (count / 8).max(1).ilog2().clamp(1, 28);
    let mut directory = vec![0u64; (1usize << bits) + 1];
    for table in inputs {
        for i in 0..table.len() {
            directory[(table.key(i) >> (64 - bits)) as usize + 1] += 1;
            if i % RELEASE_EVERY == RELEASE_EVERY - 1 {
                table.release();
            }
        }
    }
    for i in 1..directory.len() {
        directory[i] += directory[i - 1];
    }
    let staging = path.with_extension("tmp");
    let file = fs::File::create(&staging).map_err(io_err(&staging))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut header = Vec::with_capacity(MERGED_HEADER);
    header.extend_from_slice(MERGED_MAGIC);
    header.extend_from_slice(&u64::from(max_doc).to_le_bytes());
    header.extend_from_slice(&u64::from(bits).to_le_bytes());
    header.extend_from_slice(&(count as u64).to_le_bytes());
    out.write_all(&header).map_err(io_err(&staging))?;
    for entry in &directory {
        out.write_all(&entry.to_le_bytes()).map_err(io_err(&staging))?;
    }
    // A k-way merge on a heap of (record bytes, input): the inputs are
    // mapped, so memory holds one record per input.
    let mut heap = std::collections::BinaryHeap::new();
    let ordered = |table: &Table, i: usize| -> (u64, u32, u32) {
        let position = if record >= WINNOW_RECORD { table.u32_at(i, 1) } else { 0 };
        (table.key(i), table.u32_at(i, 0), position)
    };
    for (n, table) in inputs.iter().enumerate() {
        if table.len() > 0 {
            heap.push(std::cmp::Reverse((ordered(table, 0), n, 0usize)));
        }
    }
    let mut written = 0usize;
    while let Some(std::cmp::Reverse((_, n, i))) = heap.pop() {
        written += 1;
        if written.is_multiple_of(RELEASE_EVERY) {
            inputs.iter().for_each(|t| t.release());
        }
        let table = inputs[n];
        out.write_all(&table.records()[i * record..(i + 1) * record])
            .map_err(io_err(&staging))?;
        if i + 1 < table.len() {
            heap.push(std::cmp::Reverse((ordered(table, i + 1), n, i + 1)));
        }
    }
    let file = out.into_inner().map_err(|e| IndexError::Io {
        path: staging.clone(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io_err(&staging))?;
    fs::rename(&staging, path).map_err(io_err(path))
}

/// A segment's shingle sets, and its own band and fingerprint tables until
/// they are merged.
struct Segment {
    number: u32,
    sets: Table,
}

/// The postings of one fingerprint in one table, sorted by document then
/// word position.
pub struct Postings<'a> {
    table: &'a Table,
    range: Range<usize>,
}

impl<'a> Postings<'a> {
    /// Places (a document may hold the fingerprint at several positions).
    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// (document, word position) of each place.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.range
            .clone()
            .map(|i| (self.table.u32_at(i, 0), self.table.u32_at(i, 1)))
    }

    /// The places whose document is in `first..=last` (one corpus's ids),
    /// found by binary search: postings are sorted by document.
    pub fn within(&self, first: u32, last: u32) -> Postings<'a> {
        let first_at_least = |doc: u32| {
            let (mut lo, mut hi) = (self.range.start, self.range.end);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.table.u32_at(mid, 0) < doc {
                    lo = mid + 1
                } else {
                    hi = mid
                }
            }
            lo
        };
        let start = first_at_least(first);
        let end = last.checked_add(1).map_or(self.range.end, first_at_least);
        Postings {
            table: self.table,
            range: start..end.max(start),
        }
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

/// All segments of an index folder, mapped: the merged band and
/// fingerprint tables of every segment up to the last compaction, and
/// each later segment's own (an import that was killed before compacting).
pub struct Index {
    segments: Vec<Segment>,
    /// Merged tables first, then later segments' own, in segment order:
    /// documents ascend across them.
    bands: Vec<Table>,
    winnow: Vec<Table>,
    /// The highest segment the merged tables hold (0: none).
    merged: u32,
    max_doc: u32,
}

fn merged_name(number: u32, extension: &str) -> String {
    format!("merged-{number:06}.{extension}")
}

impl Index {
    /// Opens every whole segment in `dir` (creating the folder if needed).
    pub fn open(dir: &Path) -> Result<Index, IndexError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let names: Vec<String> = fs::read_dir(dir)
            .map_err(io_err(dir))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let numbers_of = |prefix: &str, suffix: &str| {
            let mut numbers: Vec<u32> = names
                .iter()
                .filter_map(|name| name.strip_prefix(prefix)?.strip_suffix(suffix)?.parse().ok())
                .collect();
            numbers.sort_unstable();
            numbers
        };
        // Merged tables are whole once their fingerprint table is renamed
        // into place (it is renamed last).
        let merged = numbers_of("merged-", ".winnow")
            .into_iter()
            .rfind(|n| names.contains(&merged_name(*n, "bands")))
            .unwrap_or(0);
        let mut index = Index {
            segments: Vec::new(),
            bands: Vec::new(),
            winnow: Vec::new(),
            merged,
            max_doc: 0,
        };
        if merged > 0 {
            let (bands, a) = Table::open(&dir.join(merged_name(merged, "bands")), BAND_RECORD)?;
            let (winnow, b) = Table::open(&dir.join(merged_name(merged, "winnow")), WINNOW_RECORD)?;
            index.max_doc = a.max(b);
            index.bands.push(bands);
            index.winnow.push(winnow);
        }
        for number in numbers_of("seg-", ".sets") {
            let path = |ext: &str| dir.join(format!("seg-{number:06}.{ext}"));
            let (sets, c) = Table::open(&path("sets"), 8)?;
            index.max_doc = index.max_doc.max(c);
            if number > merged {
                let (bands, a) = Table::open(&path("bands"), BAND_RECORD)?;
                let (winnow, b) = Table::open(&path("winnow"), WINNOW_RECORD)?;
                index.max_doc = index.max_doc.max(a).max(b);
                index.bands.push(bands);
                index.winnow.push(winnow);
            }
            index.segments.push(Segment { number, sets });
        }
        Ok(index)
    }

    /// Merges the band and fingerprint tables of every segment into one
    /// pair (with a directory), so that a lookup costs one search however
    /// many imports there were; then removes the tables it replaced. A
    /// crash at any point leaves an index that opens to the same answers.
    /// The caller holds the index folder's lock.
    pub fn compact(dir: &Path) -> Result<(), IndexError> {
        let index = Index::open(dir)?;
        let Some(last) = index.segments.last().map(|s| s.number) else {
            return Ok(());
        };
        if last == index.merged {
            return Ok(());
        }
        let bands: Vec<&Table> = index.bands.iter().collect();
        write_merged(
            &dir.join(merged_name(last, "bands")),
            &bands,
            BAND_RECORD,
            index.max_doc,
        )?;
        let winnow: Vec<&Table> = index.winnow.iter().collect();
        write_merged(
            &dir.join(merged_name(last, "winnow")),
            &winnow,
            WINNOW_RECORD,
            index.max_doc,
        )?;
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))?;
        drop(index);
        // What the new pair replaced; a file left by a crash here is
        // ignored on open and removed by the next compaction.
        for entry in fs::read_dir(dir).map_err(io_err(dir))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let replaced = if let Some(rest) = name.strip_prefix("merged-") {
                rest.split('.')
                    .next()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_some_and(|n| n < last)
            } else if let Some(rest) = name.strip_prefix("seg-") {
                let (number, extension) = rest.split_once('.').unwrap_or((rest, ""));
                (extension == "bands" || extension == "winnow") && number.parse::<u32>().is_ok_and(|n| n <= last)
            } else {
                false
            };
            if replaced {
                fs::remove_file(entry.path()).map_err(io_err(&entry.path()))?;
            }
        }
        Ok(())
    }

    /// Releases the index's pages from this process's resident set: a
    /// pass over a large submission touches most of an index of many
    /// gigabytes, and the kernel would count every page it touched as the
    /// process's memory (the pages themselves stay cached for the next
    /// lookup). Called between batches of documents.
    pub fn release_pages(&self) {
        for table in self.bands.iter().chain(&self.winnow) {
            table.release();
        }
        for segment in &self.segments {
            segment.sets.release();
        }
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
        for table in &self.bands {
            for i in table.find(key) {
                out.push(table.u32_at(i, 0));
            }
        }
    }

    /// The published places holding a fingerprint: one run of postings per
    /// table that has any (once compacted, one), documents ascending
    /// across runs.
    pub fn fingerprint_postings(&self, hash: u64) -> Vec<Postings<'_>> {
        self.winnow
            .iter()
            .map(|table| Postings {
                table,
                range: table.find(hash),
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

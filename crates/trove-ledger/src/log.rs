//! The log on disk: tiles, entry bundles and the checkpoint under one
//! folder that can be served as static files; the writer that appends
//! batches durably; and the sequencer that batches concurrent appenders.
//!
//! A batch is committed in this order: entry bundles and tiles are written
//! (temporary file, rename), the file system is synced once, and only then
//! is the new checkpoint written (temporary file, fsync, rename, directory
//! fsync). An entry is acknowledged once its checkpoint is durable, so a
//! crash at any point leaves the last checkpoint and every tile it covers.
//! Tiles past the checkpoint that a crash left behind are overwritten by
//! the next batch.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use trove_keys::NoteSigningKey;

use crate::LedgerError;
use crate::checkpoint::{Checkpoint, SignedCheckpoint};
use crate::merkle::{self, Hash, HashSource};
use crate::tiles::{self, TILE_HEIGHT, TILE_WIDTH};

/// Reads log files by their path under the log root (`checkpoint`,
/// `tile/0/000`): from a folder, or over HTTP.
pub trait Fetch {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, LedgerError>;
}

/// A log folder on this machine.
pub struct DirFetch(pub PathBuf);

impl Fetch for DirFetch {
    fn fetch(&self, path: &str) -> Result<Vec<u8>, LedgerError> {
        let full = self.0.join(path);
        fs::read(&full).map_err(|source| LedgerError::Missing {
            path: path.to_owned(),
            reason: source.to_string(),
        })
    }
}

/// Complete-subtree hashes read from tiles, for a tree of `size` leaves.
pub struct TileSource<'a, F> {
    fetch: &'a F,
    size: u64,
    cache: RefCell<HashMap<(u8, u64), Vec<Hash>>>,
}

impl<'a, F: Fetch> TileSource<'a, F> {
    pub fn new(fetch: &'a F, size: u64) -> Self {
        TileSource {
            fetch,
            size,
            cache: RefCell::new(HashMap::new()),
        }
    }

    fn tile(&self, level: u8, index: u64) -> Result<Vec<Hash>, LedgerError> {
        if let Some(tile) = self.cache.borrow().get(&(level, index)) {
            return Ok(tile.clone());
        }
        let width = tiles::tile_width(level, index, self.size);
        let path = tiles::tile_path(level, index, width);
        let bytes = self.fetch.fetch(&path)?;
        if bytes.len() as u64 != width * 32 {
            return Err(LedgerError::Tile {
                path,
                reason: format!("{} bytes where {} were expected", bytes.len(), width * 32),
            });
        }
        let hashes: Vec<Hash> = bytes
            .chunks_exact(32)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect();
        self.cache.borrow_mut().insert((level, index), hashes.clone());
        Ok(hashes)
    }
}

impl<F: Fetch> HashSource for TileSource<'_, F> {
    type Error = LedgerError;

    fn subtree(&self, level: u8, index: u64) -> Result<Hash, LedgerError> {
        // Tiles hold every eighth level; the levels between are recomputed
        // from at most 128 hashes of the tile below.
        let tile_level = level / TILE_HEIGHT;
        let rest = level % TILE_HEIGHT;
        let first = index << rest;
        let tile = self.tile(tile_level, first / TILE_WIDTH)?;
        let offset = (first % TILE_WIDTH) as usize;
        let hashes = tile
            .get(offset..offset + (1 << rest))
            .ok_or_else(|| LedgerError::Tile {
                path: tiles::tile_path(tile_level, first / TILE_WIDTH, tile.len() as u64),
                reason: "the tile is shorter than the tree needs".into(),
            })?;
        Ok(merkle::root_of_complete(hashes))
    }
}

/// Appends to a log folder. One writer per folder.
pub struct LogWriter {
    root: PathBuf,
    key: NoteSigningKey,
    size: u64,
    /// For each tile level, the hashes of its last, incomplete tile.
    partial: Vec<Vec<Hash>>,
    /// The entries of the last, incomplete bundle.
    bundle: Vec<Vec<u8>>,
    checkpoint: SignedCheckpoint,
    files_written: u64,
    /// Held open for its exclusive lock: one writer per log at a time.
    _lock: fs::File,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> LedgerError + '_ {
    move |source| LedgerError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Writes `bytes` to `path` atomically and durably (temporary file, fsync,
/// rename, folder fsync), the file and its folder timed at the day.
pub(crate) fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), LedgerError> {
    let dir = path.parent().expect("log and queue files are in folders");
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io_error(dir))?;
    temp.write_all(bytes).map_err(io_error(path))?;
    trove_store::set_times_to_today(temp.as_file()).map_err(io_error(path))?;
    temp.as_file().sync_all().map_err(io_error(path))?;
    temp.persist(path).map_err(|e| LedgerError::Io {
        path: path.to_owned(),
        source: e.error,
    })?;
    sync_dir(dir)
}

/// Makes a folder's entries durable, its time at the day.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), LedgerError> {
    fs::File::open(dir)
        .and_then(|d| trove_store::set_times_to_today(&d).and_then(|()| d.sync_all()))
        .map_err(io_error(dir))
}

impl LogWriter {
    /// Opens (or starts) the log in `root`, signing with `key`, whose name
    /// is the log's origin. Recovers the state of the last checkpoint.
    pub fn open(root: &Path, key: NoteSigningKey) -> Result<Self, LedgerError> {
        fs::create_dir_all(root).map_err(io_error(root))?;
        // Writers in other processes wait here until this one is dropped.
        let lock = fs::File::open(root).map_err(io_error(root))?;
        lock_exclusive(&lock).map_err(io_error(root))?;
        let fetch = DirFetch(root.to_owned());
        let checkpoint_path = root.join("checkpoint");
        if !checkpoint_path.exists() {
            let checkpoint = SignedCheckpoint::sign(
                Checkpoint {
                    origin: key.name().to_owned(),
                    size: 0,
                    root: merkle::empty_root(),
                },
                &key,
            );
            let mut writer = LogWriter {
                root: root.to_owned(),
                key,
                size: 0,
                partial: Vec::new(),
                bundle: Vec::new(),
                checkpoint,
                files_written: 0,
                _lock: lock,
            };
            writer.write_checkpoint()?;
            return Ok(writer);
        }
        let text = fs::read_to_string(&checkpoint_path).map_err(io_error(&checkpoint_path))?;
        let checkpoint = SignedCheckpoint::open(&text, &key.verifier())?;
        let size = checkpoint.checkpoint.size;
        let mut partial = Vec::new();
        for level in 0.. {
            let hashes_at_level = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
            if hashes_at_level == 0 {
                break;
            }
            let width = hashes_at_level % TILE_WIDTH;
            let hashes = if width == 0 {
                Vec::new()
            } else {
                let source = TileSource::new(&fetch, size);
                source.tile(level, hashes_at_level / TILE_WIDTH)?
            };
            partial.push(hashes);
        }
        let bundle_width = size % TILE_WIDTH;
        let bundle = if bundle_width == 0 {
            Vec::new()
        } else {
            let path = tiles::bundle_path(size / TILE_WIDTH, bundle_width);
            tiles::decode_bundle(&fetch.fetch(&path)?, bundle_width)
                .map_err(|reason| LedgerError::Bundle { path, reason })?
        };
        Ok(LogWriter {
            root: root.to_owned(),
            key,
            size,
            partial,
            bundle,
            checkpoint,
            files_written: 0,
            _lock: lock,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Tile and bundle files written since this writer was opened.
    pub fn files_written(&self) -> u64 {
        self.files_written
    }

    pub fn checkpoint(&self) -> &SignedCheckpoint {
        &self.checkpoint
    }

    /// Appends `entries` as one batch and returns their indices once the
    /// checkpoint that covers them is durable.
    pub fn append(&mut self, entries: &[Vec<u8>]) -> Result<Range<u64>, LedgerError> {
        let start = self.size;
        if entries.is_empty() {
            return Ok(start..start);
        }
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for entry in entries {
            if entry.len() > usize::from(u16::MAX) {
                return Err(LedgerError::EntryTooLarge(entry.len()));
            }
            self.bundle.push(entry.clone());
            if self.bundle.len() as u64 == TILE_WIDTH {
                let index = self.size / TILE_WIDTH;
                files.push((
                    tiles::bundle_path(index, TILE_WIDTH),
                    tiles::encode_bundle(self.bundle.iter().map(Vec::as_slice)),
                ));
                self.bundle.clear();
            }
            self.push_hash(0, merkle::leaf_hash(entry), &mut files);
            self.size += 1;
        }
        if !self.bundle.is_empty() {
            let width = self.bundle.len() as u64;
            files.push((
                tiles::bundle_path(self.size / TILE_WIDTH, width),
                tiles::encode_bundle(self.bundle.iter().map(Vec::as_slice)),
            ));
        }
        for (level, hashes) in self.partial.iter().enumerate() {
            if !hashes.is_empty() {
                let level = level as u8;
                let index = (self.size >> (u32::from(level) * u32::from(TILE_HEIGHT))) / TILE_WIDTH;
                files.push((tiles::tile_path(level, index, hashes.len() as u64), hashes.concat()));
            }
        }
        for (path, bytes) in &files {
            self.write_file(path, bytes)?;
        }
        self.files_written += files.len() as u64;
        sync_tree(&self.root)?;
        let root = merkle::tree_root(&TileSource::new(&DirFetch(self.root.clone()), self.size), self.size)?;
        self.checkpoint = SignedCheckpoint::sign(
            Checkpoint {
                origin: self.key.name().to_owned(),
                size: self.size,
                root,
            },
            &self.key,
        );
        self.write_checkpoint()?;
        Ok(start..self.size)
    }

    /// Adds a hash at tile level `level`; a tile that fills up is written
    /// in full and its root goes one tile level up.
    fn push_hash(&mut self, level: usize, hash: Hash, files: &mut Vec<(String, Vec<u8>)>) {
        if self.partial.len() <= level {
            self.partial.push(Vec::new());
        }
        self.partial[level].push(hash);
        if self.partial[level].len() as u64 == TILE_WIDTH {
            let full = std::mem::take(&mut self.partial[level]);
            // The number of complete hashes at this level, this one included.
            let count = (self.size + 1) >> (level as u32 * u32::from(TILE_HEIGHT));
            files.push((
                tiles::tile_path(level as u8, count / TILE_WIDTH - 1, TILE_WIDTH),
                full.concat(),
            ));
            self.push_hash(level + 1, merkle::root_of_complete(&full), files);
        }
    }

    fn write_file(&self, relative: &str, bytes: &[u8]) -> Result<(), LedgerError> {
        let path = self.root.join(relative);
        let dir = path.parent().expect("log files are in folders");
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io_error(dir))?;
        temp.write_all(bytes).map_err(io_error(&path))?;
        trove_store::set_times_to_today(temp.as_file()).map_err(io_error(&path))?;
        temp.persist(&path).map_err(|e| LedgerError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        // A folder's time changes as files are added to it.
        for folder in path.ancestors().skip(1).take_while(|f| f.starts_with(&self.root)) {
            fs::File::open(folder)
                .and_then(|f| trove_store::set_times_to_today(&f))
                .map_err(io_error(folder))?;
        }
        Ok(())
    }

    fn write_checkpoint(&mut self) -> Result<(), LedgerError> {
        // Served as /log/checkpoint: its time shows the day, never the hour.
        write_durably(&self.root.join("checkpoint"), self.checkpoint.note.encode().as_bytes())
    }

    /// Publishes the statement keys the log accepts (see [`crate::KEY_LIST`]).
    pub fn publish_keys(&self, keys: &[trove_keys::NoteVerifierKey]) -> Result<(), LedgerError> {
        self.write_file(crate::KEY_LIST, crate::encode_key_list(&self.key, keys).as_bytes())?;
        sync_tree(&self.root)
    }

    /// Replaces the checkpoint with one that carries more signatures
    /// (cosignatures) over the same body.
    pub fn store_cosigned(&mut self, note: crate::checkpoint::SignedNote) -> Result<(), LedgerError> {
        if note.text != self.checkpoint.note.text || !note.verify(&self.key.verifier()) {
            return Err(LedgerError::Signature(
                "the cosigned note is not the current checkpoint".into(),
            ));
        }
        self.checkpoint.note = note;
        self.write_checkpoint()
    }
}

fn lock_exclusive(file: &fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor we own; the lock ends when it closes.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Makes every write under `root` durable with one call where the system
/// has one (syncfs), else by syncing the folder.
fn sync_tree(root: &Path) -> Result<(), LedgerError> {
    let dir = fs::File::open(root).map_err(io_error(root))?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs on a descriptor we own.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(LedgerError::Io {
                path: root.to_owned(),
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        dir.sync_all().map_err(io_error(root))
    }
}

type Request = (Vec<u8>, mpsc::SyncSender<Result<u64, String>>);

/// Sequences appenders from many threads into batches: each waiting
/// appender is answered once its batch is durable.
#[derive(Clone)]
pub struct Sequencer {
    requests: mpsc::SyncSender<Request>,
}

impl Sequencer {
    /// Starts the sequencing thread. Batches hold up to `max_batch` entries.
    pub fn spawn(mut writer: LogWriter, max_batch: usize) -> Self {
        let (requests, queue) = mpsc::sync_channel::<Request>(max_batch * 2);
        std::thread::spawn(move || {
            while let Ok(first) = queue.recv() {
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match queue.try_recv() {
                        Ok(request) => batch.push(request),
                        Err(_) => break,
                    }
                }
                let entries: Vec<Vec<u8>> = batch.iter().map(|(entry, _)| entry.clone()).collect();
                match writer.append(&entries) {
                    Ok(range) => {
                        for ((_, reply), index) in batch.into_iter().zip(range) {
                            let _ = reply.send(Ok(index));
                        }
                    }
                    Err(error) => {
                        for (_, reply) in batch {
                            let _ = reply.send(Err(error.to_string()));
                        }
                    }
                }
            }
        });
        Sequencer { requests }
    }

    /// Appends one entry; returns its index once it is durable.
    pub fn append(&self, entry: Vec<u8>) -> Result<u64, LedgerError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.requests.send((entry, reply)).map_err(|_| LedgerError::Stopped)?;
        answer
            .recv()
            .map_err(|_| LedgerError::Stopped)?
            .map_err(LedgerError::Append)
    }
}

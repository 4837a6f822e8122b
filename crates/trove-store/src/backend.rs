//! Where ciphertext lives. A backend stores opaque bytes under a [`BlobId`];
//! it never sees plaintext or keys: [`FsBackend`] here, an S3-compatible
//! bucket in `trove-s3`, either chosen at run time as an [`AnyBackend`].

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::{BlobId, StoreError};

/// When a committed blob must be on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Before `commit` returns.
    Now,
    /// At the next [`BlobBackend::sync`]: for many small blobs written as
    /// one batch (ingest's extracted text), which the caller syncs once.
    Deferred,
}

/// A blob being written. Nothing is visible under any id until
/// [`StagedBlob::commit`]; dropping it (or a crash) leaves no visible blob.
pub trait StagedBlob: Write + Send {
    /// Makes the written bytes visible as `id`, and durable as asked.
    fn commit(self: Box<Self>, id: &BlobId, durability: Durability) -> Result<(), StoreError>;
}

/// Storage for ciphertext blobs.
pub trait BlobBackend: std::fmt::Debug + Send + Sync {
    /// Starts writing a blob whose id is known only at the end.
    fn stage(&self) -> Result<Box<dyn StagedBlob>, StoreError>;
    /// Opens a stored blob for reading.
    fn open(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, StoreError>;
    /// Whether a blob is stored.
    fn contains(&self, id: &BlobId) -> Result<bool, StoreError>;
    /// A stored blob's length in bytes.
    fn len(&self, id: &BlobId) -> Result<u64, StoreError>;
    /// Removes a blob (intake retention, tests). Missing blobs are not an error.
    fn remove(&self, id: &BlobId) -> Result<(), StoreError>;
    /// Makes every blob committed with [`Durability::Deferred`] durable.
    fn sync(&self) -> Result<(), StoreError>;
}

/// A backend chosen by configuration (files, or a bucket).
pub type AnyBackend = std::sync::Arc<dyn BlobBackend>;

impl<T: BlobBackend + ?Sized> BlobBackend for std::sync::Arc<T> {
    fn stage(&self) -> Result<Box<dyn StagedBlob>, StoreError> {
        (**self).stage()
    }
    fn open(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, StoreError> {
        (**self).open(id)
    }
    fn contains(&self, id: &BlobId) -> Result<bool, StoreError> {
        (**self).contains(id)
    }
    fn len(&self, id: &BlobId) -> Result<u64, StoreError> {
        (**self).len(id)
    }
    fn remove(&self, id: &BlobId) -> Result<(), StoreError> {
        (**self).remove(id)
    }
    fn sync(&self) -> Result<(), StoreError> {
        (**self).sync()
    }
}

/// Stores ciphertext that arrived from elsewhere (the desk pulling from
/// an intake) under the id it claims, after checking that it hashes to it;
/// a mismatch stores nothing.
pub fn put_ciphertext(backend: &dyn BlobBackend, id: &BlobId, mut reader: impl Read) -> Result<u64, StoreError> {
    let mut staged = backend.stage()?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StoreError::Input(e)),
        };
        hasher.update(&buffer[..n]);
        staged.write_all(&buffer[..n]).map_err(StoreError::Write)?;
        len += n as u64;
    }
    let actual = BlobId::from_bytes(*hasher.finalize().as_bytes());
    if actual != *id {
        return Err(StoreError::IdMismatch { blob: *id, actual });
    }
    staged.flush().map_err(StoreError::Write)?;
    staged.commit(id, Durability::Now)?;
    Ok(len)
}

/// Content-addressed files: `ROOT/ab/cd/abcd…` (two fan-out levels keep
/// directories small at millions of blobs), staged under `ROOT/.staging`
/// and published by an atomic rename after fsync.
#[derive(Debug, Clone)]
pub struct FsBackend {
    root: PathBuf,
}

const STAGING: &str = ".staging";

impl FsBackend {
    /// Opens (creating if needed) a blob directory.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let staging = root.join(STAGING);
        fs::create_dir_all(&staging).map_err(|source| StoreError::Io { path: staging, source })?;
        Ok(FsBackend { root: root.to_owned() })
    }

    fn path_of(&self, id: &BlobId) -> PathBuf {
        let hex = id.to_hex();
        self.root.join(&hex[0..2]).join(&hex[2..4]).join(hex)
    }

    /// Deletes staging files older than `age`: the remains of puts that were
    /// killed. Younger ones may belong to a put still running in another
    /// process.
    pub fn sweep_staging(&self, age: Duration) -> Result<usize, StoreError> {
        let staging = self.root.join(STAGING);
        let io_err = |source| StoreError::Io {
            path: staging.clone(),
            source,
        };
        let now = SystemTime::now();
        let mut removed = 0;
        for entry in fs::read_dir(&staging).map_err(io_err)? {
            let entry = entry.map_err(io_err)?;
            let modified = entry.metadata().and_then(|m| m.modified()).map_err(io_err)?;
            if now.duration_since(modified).unwrap_or_default() >= age {
                fs::remove_file(entry.path()).map_err(io_err)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

struct FsStaged {
    file: tempfile::NamedTempFile,
    root: PathBuf,
    written: u64,
    flushed: u64,
}

/// How much a staged blob may hold in dirty page cache before its writeback
/// is started, so the final fsync finds little left to do.
const WRITEBACK_STEP: u64 = 16 << 20;

impl FsStaged {
    #[cfg(target_os = "linux")]
    fn start_writeback(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: an advisory call on a file descriptor we own; failure only
        // means the fsync at commit does all the work.
        unsafe {
            libc::sync_file_range(
                self.file.as_file().as_raw_fd(),
                self.flushed as libc::off64_t,
                (self.written - self.flushed) as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
        self.flushed = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_writeback(&mut self) {}
}

impl Write for FsStaged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.flushed >= WRITEBACK_STEP {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl StagedBlob for FsStaged {
    fn commit(self: Box<Self>, id: &BlobId, durability: Durability) -> Result<(), StoreError> {
        let backend = FsBackend { root: self.root };
        let target = backend.path_of(id);
        let dir = target.parent().expect("blob paths have a parent").to_owned();
        let io_err = |path: &Path| {
            let path = path.to_owned();
            move |source| StoreError::Io { path, source }
        };
        // A file's times would tell when a source's part arrived: they
        // are set to the start of the day (UTC), as the folders' are below.
        crate::set_times_to_today(self.file.as_file()).map_err(io_err(self.file.path()))?;
        if durability == Durability::Now {
            self.file.as_file().sync_all().map_err(io_err(self.file.path()))?;
        }
        fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        self.file.persist(&target).map_err(|e| StoreError::Io {
            path: target.clone(),
            source: e.error,
        })?;
        // The fan-out folders' times change as entries are added.
        for folder in [dir.as_path(), dir.parent().unwrap_or(&dir)] {
            let _ = File::open(folder).and_then(|f| crate::set_times_to_today(&f));
        }
        // The rename is durable only once the directory entry is.
        match durability {
            Durability::Now => File::open(&dir).and_then(|d| d.sync_all()).map_err(io_err(&dir)),
            Durability::Deferred => Ok(()),
        }
    }
}

impl BlobBackend for FsBackend {
    fn stage(&self) -> Result<Box<dyn StagedBlob>, StoreError> {
        let staging = self.root.join(STAGING);
        let file = tempfile::Builder::new()
            .prefix("put-")
            .tempfile_in(&staging)
            .map_err(|source| StoreError::Io { path: staging, source })?;
        Ok(Box::new(FsStaged {
            file,
            root: self.root.clone(),
            written: 0,
            flushed: 0,
        }))
    }

    fn open(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, StoreError> {
        let path = self.path_of(id);
        match File::open(&path) {
            Ok(file) => Ok(Box::new(file)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NotFound(*id)),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    fn contains(&self, id: &BlobId) -> Result<bool, StoreError> {
        let path = self.path_of(id);
        path.try_exists().map_err(|source| StoreError::Io { path, source })
    }

    fn len(&self, id: &BlobId) -> Result<u64, StoreError> {
        let path = self.path_of(id);
        match fs::metadata(&path) {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(StoreError::NotFound(*id)),
            Err(source) => Err(StoreError::Io { path, source }),
        }
    }

    fn sync(&self) -> Result<(), StoreError> {
        let io_err = |source| StoreError::Io {
            path: self.root.clone(),
            source,
        };
        let root = File::open(&self.root).map_err(io_err)?;
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: syncfs on a descriptor we own: every file and
            // directory entry of this file system reaches the disk.
            if unsafe { libc::syncfs(root.as_raw_fd()) } != 0 {
                return Err(io_err(io::Error::last_os_error()));
            }
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        root.sync_all().map_err(io_err)
    }

    fn remove(&self, id: &BlobId) -> Result<(), StoreError> {
        let path = self.path_of(id);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(StoreError::Io { path, source: e }),
            _ => Ok(()),
        }
    }
}

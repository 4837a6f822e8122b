//! Ciphertext blobs in S3-compatible object storage: the scaled form of
//! trove's blob store ([`trove_store::BlobBackend`]), for desks and workers
//! on several machines sharing one bucket (AWS S3, SeaweedFS, MinIO,
//! Garage, Ceph's RGW).
//!
//! What it owns: naming a blob's object by its ciphertext hash (the same
//! id as in the files backend, under a key prefix), staging a blob so that
//! nothing is visible before it is committed, multipart uploads for large
//! blobs, and ranged reads so a large blob is never held in memory.
//!
//! What it must never do: see plaintext or keys. It is handed ciphertext
//! by [`trove_store::BlobSealer`] and hands ciphertext back to
//! [`trove_store::BlobOpener`]; it never logs credentials.
//!
//! The blob traits are synchronous (the stages read and write blobs from
//! worker threads); the S3 client is async. The backend runs the client on
//! a small runtime of its own and waits for each request, so it can be
//! called from any thread, inside an async task or not.

use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::Arc;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};
use trove_store::{BlobBackend, BlobId, Durability, StagedBlob, StoreError};

/// Where the bucket is and how to reach it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// `http://127.0.0.1:8333` for a local server; None for AWS itself.
    pub endpoint: Option<String>,
    pub bucket: String,
    /// `us-east-1` unless the server wants another.
    pub region: Option<String>,
    /// Prepended to every object's key (`blobs/` unless set), so one
    /// bucket can hold several data directories.
    pub prefix: Option<String>,
    /// Credentials; when absent, `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY` from the environment.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

/// A blob larger than this is uploaded in parts of this size (S3 wants
/// at least 5 MiB a part) and read back in ranges of it.
const PART_BYTES: usize = 8 << 20;

/// Parts of one upload sent at once (32 MiB of memory at most).
const PARTS_IN_FLIGHT: usize = 4;

/// Keeps the client's runtime, and shuts it down without blocking when the
/// last backend sharing it is dropped (dropping a runtime in the normal way
/// inside an async task panics).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The blob store's backend over an S3 bucket.
#[derive(Clone)]
pub struct S3Backend {
    store: Arc<AmazonS3>,
    prefix: String,
    bucket: String,
    runtime: Arc<Runtime>,
}

impl std::fmt::Debug for S3Backend {
    // The client's own Debug would print credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Backend")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn failed(what: impl Into<String>, error: impl std::fmt::Display) -> StoreError {
    StoreError::ObjectStore {
        what: what.into(),
        reason: error.to_string(),
    }
}

impl S3Backend {
    /// A backend for the bucket `config` names. Nothing is sent until the
    /// first request; [`S3Backend::check`] asks the server at once.
    pub fn new(config: &S3Config) -> Result<S3Backend, StoreError> {
        // HTTPS through rustls with ring (a no-op when a provider is set).
        let _ = rustls::crypto::ring::default_provider().install_default();
        if config.bucket.trim().is_empty() {
            return Err(failed("the S3 configuration", "no bucket is named"));
        }
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_region(config.region.as_deref().unwrap_or("us-east-1"));
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                // Local servers name buckets by path, not by host.
                .with_virtual_hosted_style_request(false);
        }
        if let Some(key) = &config.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        let store = builder
            .build()
            .map_err(|e| failed(format!("the S3 bucket {}", config.bucket), e))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("trove-s3")
            .enable_all()
            .build()
            .map_err(|e| failed("starting the S3 client", e))?;
        let mut prefix = config.prefix.clone().unwrap_or_else(|| "blobs/".into());
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(S3Backend {
            store: Arc::new(store),
            prefix,
            bucket: config.bucket.clone(),
            runtime: Arc::new(Runtime(Some(runtime))),
        })
    }

    /// Asks the server for the bucket (a listing of at most one key):
    /// a wrong endpoint, bucket or credential fails here, by name.
    pub fn check(&self) -> Result<(), StoreError> {
        let store = Arc::clone(&self.store);
        let prefix = ObjectPath::from(self.prefix.trim_end_matches('/'));
        self.wait(async move { store.list_with_delimiter(Some(&prefix)).await.map(|_| ()) })?
            .map_err(|e| failed(format!("the S3 bucket {}", self.bucket), e))
    }

    /// The id of every blob under the prefix (for audits: a scan of the
    /// bucket for plaintext, a count against the database). Keys that are
    /// not blob ids are skipped.
    pub fn ids(&self) -> Result<Vec<BlobId>, StoreError> {
        let store = Arc::clone(&self.store);
        let prefix = ObjectPath::from(self.prefix.trim_end_matches('/'));
        let listed = self
            .wait(async move {
                let mut keys = Vec::new();
                let mut listing = store.list(Some(&prefix));
                while let Some(meta) = std::future::poll_fn(|cx| listing.as_mut().poll_next(cx)).await {
                    keys.push(meta?.location.to_string());
                }
                Ok::<_, object_store::Error>(keys)
            })?
            .map_err(|e| failed(format!("listing the S3 bucket {}", self.bucket), e))?;
        Ok(listed
            .iter()
            .filter_map(|key| key.rsplit('/').next())
            .filter_map(|name| name.parse().ok())
            .collect())
    }

    /// As [`S3Backend::check`], asking again for up to `patience` while the
    /// server does not answer (a worker started beside a server that is
    /// still starting); the last refusal if it never does.
    pub fn check_within(&self, patience: std::time::Duration) -> Result<(), StoreError> {
        let deadline = std::time::Instant::now() + patience;
        loop {
            match self.check() {
                Ok(()) => return Ok(()),
                Err(e) if std::time::Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
    }

    fn key(&self, id: &BlobId) -> ObjectPath {
        ObjectPath::from(format!("{}{}", self.prefix, id.to_hex()))
    }

    /// The client's runtime, until the backend is dropped.
    fn runtime(&self) -> Result<&tokio::runtime::Runtime, StoreError> {
        self.runtime
            .0
            .as_ref()
            .ok_or_else(|| failed("the S3 client", "it was shut down"))
    }

    /// Runs a request on the client's runtime and waits for it.
    fn wait<T: Send + 'static>(&self, request: impl Future<Output = T> + Send + 'static) -> Result<T, StoreError> {
        let (done, answer) = std::sync::mpsc::sync_channel(1);
        self.runtime()?.spawn(async move {
            let _ = done.send(request.await);
        });
        answer
            .recv()
            .map_err(|_| failed("the S3 client", "a request was dropped unanswered"))
    }

    /// Starts a part's upload on the client's runtime.
    fn start(
        &self,
        request: object_store::UploadPart,
    ) -> Result<tokio::task::JoinHandle<object_store::Result<()>>, StoreError> {
        Ok(self.runtime()?.spawn(request))
    }

    /// Waits for a part started by [`S3Backend::start`].
    fn finish(&self, part: tokio::task::JoinHandle<object_store::Result<()>>) -> Result<(), String> {
        match self.wait(part) {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(e.to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The object's bytes in `range`, and the object's whole size.
    fn read_range(&self, id: &BlobId, range: Range<u64>) -> Result<(Vec<u8>, u64), StoreError> {
        let store = Arc::clone(&self.store);
        let key = self.key(id);
        let answer = self.wait(async move {
            let options = GetOptions {
                range: Some(GetRange::Bounded(range)),
                ..Default::default()
            };
            let got = store.get_opts(&key, options).await?;
            let size = got.meta.size;
            let bytes = got.bytes().await?;
            Ok::<_, object_store::Error>((bytes.to_vec(), size))
        })?;
        match answer {
            Ok(found) => Ok(found),
            Err(object_store::Error::NotFound { .. }) => Err(StoreError::NotFound(*id)),
            Err(e) => Err(failed(format!("reading blob {id}"), e)),
        }
    }

    fn head(&self, id: &BlobId) -> Result<Option<u64>, StoreError> {
        let store = Arc::clone(&self.store);
        let key = self.key(id);
        match self.wait(async move { store.head(&key).await })? {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(format!("looking up blob {id}"), e)),
        }
    }
}

impl BlobBackend for S3Backend {
    fn stage(&self) -> Result<Box<dyn StagedBlob>, StoreError> {
        Ok(Box::new(S3Staged {
            backend: self.clone(),
            buffer: Vec::new(),
            spill: None,
        }))
    }

    fn open(&self, id: &BlobId) -> Result<Box<dyn Read + Send>, StoreError> {
        let (first, size) = self.read_range(id, 0..PART_BYTES as u64)?;
        Ok(Box::new(RangeReader {
            backend: self.clone(),
            id: *id,
            size,
            next: first.len() as u64,
            chunk: io::Cursor::new(first),
        }))
    }

    fn contains(&self, id: &BlobId) -> Result<bool, StoreError> {
        Ok(self.head(id)?.is_some())
    }

    fn len(&self, id: &BlobId) -> Result<u64, StoreError> {
        self.head(id)?.ok_or(StoreError::NotFound(*id))
    }

    fn remove(&self, id: &BlobId) -> Result<(), StoreError> {
        let store = Arc::clone(&self.store);
        let key = self.key(id);
        match self.wait(async move { store.delete(&key).await })? {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(format!("removing blob {id}"), e)),
        }
    }

    /// Every put is durable when the server answers it.
    fn sync(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A blob being written: in memory up to one part, then in an unnamed
/// temporary file (its id, and so its key, is known only at commit; an
/// object store cannot rename, and nothing may be visible before).
struct S3Staged {
    backend: S3Backend,
    buffer: Vec<u8>,
    spill: Option<File>,
}

impl Write for S3Staged {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.spill.is_none() && self.buffer.len() + data.len() > PART_BYTES {
            let mut file = tempfile::tempfile()?;
            file.write_all(&self.buffer)?;
            self.buffer = Vec::new();
            self.spill = Some(file);
        }
        match &mut self.spill {
            Some(file) => file.write_all(data)?,
            None => self.buffer.extend_from_slice(data),
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl StagedBlob for S3Staged {
    fn commit(self: Box<Self>, id: &BlobId, _durability: Durability) -> Result<(), StoreError> {
        let S3Staged { backend, buffer, spill } = *self;
        let key = backend.key(id);
        let store = Arc::clone(&backend.store);
        let Some(mut file) = spill else {
            return backend
                .wait(async move { store.put(&key, PutPayload::from(buffer)).await })?
                .map(|_| ())
                .map_err(|e| failed(format!("storing blob {id}"), e));
        };
        file.seek(SeekFrom::Start(0)).map_err(StoreError::Write)?;
        let mut upload = backend
            .wait({
                let store = Arc::clone(&store);
                let key = key.clone();
                async move { store.put_multipart(&key).await }
            })?
            .map_err(|e| failed(format!("starting the upload of blob {id}"), e))?;
        // Parts go up PARTS_IN_FLIGHT at a time: one request at a time
        // leaves the link idle while the server answers.
        let mut in_flight = std::collections::VecDeque::new();
        let mut sent: Result<(), String> = Ok(());
        loop {
            let mut part = Vec::with_capacity(PART_BYTES);
            (&mut file)
                .take(PART_BYTES as u64)
                .read_to_end(&mut part)
                .map_err(StoreError::Write)?;
            if part.is_empty() {
                break;
            }
            let request = upload.put_part(PutPayload::from(part));
            in_flight.push_back(backend.start(request)?);
            if in_flight.len() >= PARTS_IN_FLIGHT
                && let Some(oldest) = in_flight.pop_front()
            {
                sent = backend.finish(oldest);
                if sent.is_err() {
                    break;
                }
            }
        }
        while let Some(part) = in_flight.pop_front() {
            let finished = backend.finish(part);
            if sent.is_ok() {
                sent = finished;
            }
        }
        if let Err(e) = sent {
            // Parts already sent are dropped by the server, not kept
            // half-visible.
            let _ = backend.wait(async move { upload.abort().await });
            return Err(failed(format!("uploading blob {id}"), e));
        }
        match backend.wait(async move { upload.complete().await })? {
            Ok(_) => Ok(()),
            Err(e) => Err(failed(format!("completing the upload of blob {id}"), e)),
        }
    }
}

/// Reads a blob a range at a time.
struct RangeReader {
    backend: S3Backend,
    id: BlobId,
    size: u64,
    next: u64,
    chunk: io::Cursor<Vec<u8>>,
}

impl Read for RangeReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.chunk.read(out)?;
            if n > 0 || out.is_empty() || self.next >= self.size {
                return Ok(n);
            }
            let end = (self.next + PART_BYTES as u64).min(self.size);
            let (bytes, _) = self
                .backend
                .read_range(&self.id, self.next..end)
                .map_err(io::Error::other)?;
            if bytes.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("blob {} ended before its {} bytes", self.id, self.size),
                ));
            }
            self.next += bytes.len() as u64;
            self.chunk = io::Cursor::new(bytes);
        }
    }
}

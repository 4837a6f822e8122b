//! From an async request body to a sealed blob: chunks go through a
//! bounded channel to a blocking thread that runs [`BlobSealer::put`], so
//! an upload is encrypted as it arrives and at most a few chunks are in
//! memory whatever its size.

use std::io::{self, Read};
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use trove_store::{AnyBackend, BlobSealer, PutReceipt, StoreError};

const CHUNKS_IN_FLIGHT: usize = 8;
/// Body chunks from the network are small (a few KiB); gathering them into
/// batches this large spares the sealing thread a wake-up per chunk.
const BATCH: usize = 256 << 10;

/// One blob being written from chunks by a blocking function.
pub struct BlockingSink<T> {
    sender: mpsc::Sender<io::Result<Bytes>>,
    task: JoinHandle<Result<T, StoreError>>,
    batch: BytesMut,
    /// Bytes written so far.
    pub len: u64,
}

/// A blob being sealed from plaintext chunks.
pub type SealingBlob = BlockingSink<PutReceipt>;

impl SealingBlob {
    pub fn start(sealer: &Arc<BlobSealer<AnyBackend>>) -> SealingBlob {
        let sealer = Arc::clone(sealer);
        BlockingSink::run(move |reader| sealer.put(reader))
    }
}

impl<T: Send + 'static> BlockingSink<T> {
    /// Runs `write` on a blocking thread over the chunks sent.
    pub fn run(write: impl FnOnce(ChannelReader) -> Result<T, StoreError> + Send + 'static) -> BlockingSink<T> {
        let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let task = tokio::task::spawn_blocking(move || {
            write(ChannelReader {
                receiver,
                current: Bytes::new(),
            })
        });
        BlockingSink {
            sender,
            task,
            batch: BytesMut::new(),
            len: 0,
        }
    }

    /// Sends a chunk. False if the sealer stopped (its error comes from
    /// [`SealingBlob::finish`]).
    pub async fn write(&mut self, chunk: Bytes) -> bool {
        self.len += chunk.len() as u64;
        if self.batch.is_empty() && chunk.len() >= BATCH {
            return self.sender.send(Ok(chunk)).await.is_ok();
        }
        self.batch.extend_from_slice(&chunk);
        if self.batch.len() < BATCH {
            return true;
        }
        let full = self.batch.split().freeze();
        self.sender.send(Ok(full)).await.is_ok()
    }

    /// Ends the input and waits for the blob to be durable.
    pub async fn finish(mut self) -> Result<T, StoreError> {
        if !self.batch.is_empty() {
            let rest = self.batch.split().freeze();
            // A closed channel means the writer failed; the task says why.
            let _ = self.sender.send(Ok(rest)).await;
        }
        drop(self.sender);
        self.task
            .await
            .map_err(|e| StoreError::Write(io::Error::other(format!("the sealing thread failed: {e}"))))?
    }

    /// Abandons the blob: the sealer sees a read error, and nothing
    /// becomes visible in the store.
    pub async fn abandon(self) {
        let _ = self.sender.send(Err(io::Error::other("the upload was refused"))).await;
        drop(self.sender);
        let _ = self.task.await;
    }
}

/// The blocking side of a [`BlockingSink`].
pub struct ChannelReader {
    receiver: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while !self.current.has_remaining() {
            match self.receiver.blocking_recv() {
                None => return Ok(0),
                Some(chunk) => self.current = chunk?,
            }
        }
        let n = buf.len().min(self.current.len());
        self.current.copy_to_slice(&mut buf[..n]);
        Ok(n)
    }
}

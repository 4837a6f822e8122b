//! Two-core pipelines for the store's hot paths.
//!
//! A put is read → hash → encrypt → hash → write, a get the reverse, and on
//! one core these steps add up (the `age` command, single-threaded, does
//! less: no hashing and no fsync). Here the ciphertext side (its BLAKE3 and
//! the file I/O) runs on a second thread, fed through a bounded channel of
//! recycled 1 MiB blocks, so memory stays at a few MiB whatever the size.

use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

const BLOCK: usize = 1 << 20;
const FIRST_BLOCK: usize = 64 << 10;
const BLOCKS_IN_FLIGHT: usize = 4;

/// The writing end of a put: blocks go to a thread that hashes them and
/// writes them to `sink`.
pub struct OffloadWriter {
    block: Vec<u8>,
    full: Option<SyncSender<Vec<u8>>>,
    empty: Receiver<Vec<u8>>,
}

/// What the writer thread hands back: the sink, the BLAKE3 of everything
/// written, and its length.
pub type Written<W> = io::Result<(W, blake3::Hash, u64)>;

impl OffloadWriter {
    /// Starts the thread. Join the handle after [`OffloadWriter::finish`]
    /// (or after dropping the writer, to abandon the write).
    pub fn spawn<W: Write + Send + 'static>(mut sink: W) -> (Self, JoinHandle<Written<W>>) {
        let (full_tx, full_rx) = sync_channel::<Vec<u8>>(BLOCKS_IN_FLIGHT);
        let (empty_tx, empty_rx) = channel::<Vec<u8>>();
        let handle = std::thread::spawn(move || {
            let mut hasher = blake3::Hasher::new();
            let mut len = 0u64;
            for block in full_rx {
                hasher.update(&block);
                sink.write_all(&block)?;
                len += block.len() as u64;
                let _ = empty_tx.send(block);
            }
            sink.flush()?;
            Ok((sink, hasher.finalize(), len))
        });
        (
            OffloadWriter {
                block: Vec::with_capacity(BLOCK),
                full: Some(full_tx),
                empty: empty_rx,
            },
            handle,
        )
    }

    fn send_block(&mut self) -> io::Result<()> {
        let next = self.empty.try_recv().map(|mut b| {
            b.clear();
            b
        });
        let block = std::mem::replace(&mut self.block, next.unwrap_or_else(|_| Vec::with_capacity(BLOCK)));
        let stopped = || io::Error::new(io::ErrorKind::BrokenPipe, "the blob writer stopped");
        self.full
            .as_ref()
            .ok_or_else(stopped)?
            .send(block)
            .map_err(|_| stopped())
    }

    /// Sends what is buffered and closes the channel.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.block.is_empty() {
            self.send_block()?;
        }
        self.full = None;
        Ok(())
    }
}

impl Write for OffloadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = BLOCK - self.block.len();
        let n = room.min(buf.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() == BLOCK {
            self.send_block()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The reading end of a get: a thread reads `source` ahead in blocks and
/// hashes them; the BLAKE3 of everything is available once the end is read.
pub struct ReadAhead {
    full: Receiver<io::Result<Vec<u8>>>,
    empty: Sender<Vec<u8>>,
    current: Vec<u8>,
    position: usize,
    done: bool,
}

/// The BLAKE3 of everything a [`ReadAhead`] read, once it reached the end.
#[derive(Clone)]
pub struct SourceHash(Arc<Mutex<Option<blake3::Hash>>>);

impl SourceHash {
    pub fn get(&self) -> Option<blake3::Hash> {
        *self.0.lock().expect("hash slot")
    }
}

impl ReadAhead {
    pub fn spawn(mut source: Box<dyn Read + Send>) -> (Self, SourceHash) {
        let (full_tx, full_rx) = sync_channel::<io::Result<Vec<u8>>>(BLOCKS_IN_FLIGHT);
        let (empty_tx, empty_rx) = channel::<Vec<u8>>();
        let hash = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&hash);
        std::thread::spawn(move || {
            let mut hasher = blake3::Hasher::new();
            // Most blobs are small: start with a small block, so that opening
            // one does not cost a zeroed megabyte.
            let mut size = FIRST_BLOCK;
            loop {
                let mut block = empty_rx.try_recv().unwrap_or_default();
                block.resize(size, 0);
                size = BLOCK;
                let filled = match read_full(&mut source, &mut block) {
                    Ok(filled) => filled,
                    Err(error) => {
                        let _ = full_tx.send(Err(error));
                        return;
                    }
                };
                block.truncate(filled);
                hasher.update(&block);
                if filled == 0 {
                    *slot.lock().expect("hash slot") = Some(hasher.finalize());
                    let _ = full_tx.send(Ok(block));
                    return;
                }
                if full_tx.send(Ok(block)).is_err() {
                    return; // the reader was dropped
                }
            }
        });
        (
            ReadAhead {
                full: full_rx,
                empty: empty_tx,
                current: Vec::new(),
                position: 0,
                done: false,
            },
            SourceHash(hash),
        )
    }
}

impl BufRead for ReadAhead {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.position == self.current.len() && !self.done {
            let block = self
                .full
                .recv()
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the blob reader stopped"))??;
            self.done = block.is_empty();
            let old = std::mem::replace(&mut self.current, block);
            let _ = self.empty.send(old);
            self.position = 0;
        }
        Ok(&self.current[self.position..])
    }

    fn consume(&mut self, amount: usize) {
        self.position = (self.position + amount).min(self.current.len());
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

pub fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offload_writer_hashes_and_writes_everything() {
        let data: Vec<u8> = (0..3 * BLOCK + 17).map(|i| (i % 251) as u8).collect();
        let (mut writer, handle) = OffloadWriter::spawn(Vec::new());
        for chunk in data.chunks(70_001) {
            writer.write_all(chunk).unwrap();
        }
        writer.finish().unwrap();
        let (sink, hash, len) = handle.join().unwrap().unwrap();
        assert_eq!(
            (sink.as_slice(), hash, len),
            (data.as_slice(), blake3::hash(&data), data.len() as u64)
        );
    }

    #[test]
    fn read_ahead_reads_and_hashes_everything() {
        let data: Vec<u8> = (0..2 * BLOCK + 5).map(|i| (i % 241) as u8).collect();
        let (mut reader, hash) = ReadAhead::spawn(Box::new(io::Cursor::new(data.clone())));
        let mut back = Vec::new();
        reader.read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        assert_eq!(hash.get(), Some(blake3::hash(&data)));
    }
}

//! Sealing and opening blobs: age encryption, framing and PADMÉ padding.
//!
//! Inside the age stream a blob is laid out as
//!
//! ```text
//! version (1 byte = 1)
//! frame*          u32 BE length (1..=65536) ‖ that many plaintext bytes
//! end marker      u32 BE 0
//! trailer         content id (32 bytes, BLAKE3 of the plaintext) ‖ plaintext length (u64 BE)
//! padding         zero bytes, up to the PADMÉ length of everything above
//! ```
//!
//! The frames let a reader stream the plaintext and stop exactly at its end
//! without knowing its length in advance (a streaming `put` cannot write it
//! first). The content id is inside the encryption, so it never sits in the
//! clear next to the blob. The blob's id is the BLAKE3 of the whole
//! ciphertext file.

use std::io::{self, Read, Write};
use std::iter;

use age::{Decryptor, Encryptor, Identity, Recipient};

use crate::backend::{BlobBackend, Durability};
use crate::padme::padded_len;
use crate::pipeline::{OffloadWriter, ReadAhead, SourceHash, read_full};
use crate::{BlobId, ContentId, StoreError};

const FORMAT_VERSION: u8 = 1;
const FRAME_LEN: usize = 64 * 1024;
const TRAILER_LEN: usize = 32 + 8;

/// What `put` learned while streaming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PutReceipt {
    /// The blob's name (BLAKE3 of the ciphertext).
    pub blob: BlobId,
    /// BLAKE3 of the plaintext. The caller decides where it may be kept.
    pub content: ContentId,
    /// Plaintext length in bytes.
    pub plaintext_len: u64,
    /// Ciphertext length on the backend (padded).
    pub stored_len: u64,
}

/// Writes blobs. Holds only recipients, never an identity: this is all the
/// intake gets.
pub struct BlobSealer<B> {
    backend: B,
    recipients: Vec<Box<dyn Recipient + Send + Sync>>,
}

impl<B: BlobBackend> BlobSealer<B> {
    pub fn new(backend: B, recipients: Vec<Box<dyn Recipient + Send + Sync>>) -> Result<Self, StoreError> {
        if recipients.is_empty() {
            return Err(StoreError::NoRecipients);
        }
        Ok(BlobSealer { backend, recipients })
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Streams `plaintext` into a new blob in bounded memory, durable when
    /// this returns. An error from the reader or the backend leaves no
    /// visible blob.
    pub fn put(&self, plaintext: impl Read) -> Result<PutReceipt, StoreError> {
        self.put_with(plaintext, Durability::Now)
    }

    /// As [`BlobSealer::put`], but the blob is durable only after the next
    /// `backend().sync()`: for batches of small blobs synced once.
    pub fn put_deferred(&self, plaintext: impl Read) -> Result<PutReceipt, StoreError> {
        self.put_with(plaintext, Durability::Deferred)
    }

    fn put_with(&self, plaintext: impl Read, durability: Durability) -> Result<PutReceipt, StoreError> {
        let (offload, writer) = OffloadWriter::spawn(self.backend.stage()?);
        let sealed = self.seal(offload, plaintext);
        let written = writer
            .join()
            .map_err(|_| StoreError::Write(io::Error::other("the blob writer thread panicked")))?;
        let ((content, plaintext_len), (staged, cipher_hash, stored_len)) = match (sealed, written) {
            (Ok(sealed), Ok(written)) => (sealed, written),
            // When the writer failed (a full disk), its error is the cause.
            (Ok(_) | Err(StoreError::Write(_)), Err(cause)) => return Err(StoreError::Write(cause)),
            (Err(error), _) => return Err(error),
        };
        let blob = BlobId::from_bytes(*cipher_hash.as_bytes());
        staged.commit(&blob, durability)?;
        Ok(PutReceipt {
            blob,
            content,
            plaintext_len,
            stored_len,
        })
    }

    /// Encrypts the framed, padded plaintext into `out`.
    fn seal(&self, out: OffloadWriter, mut plaintext: impl Read) -> Result<(ContentId, u64), StoreError> {
        let encryptor = Encryptor::with_recipients(self.recipients.iter().map(|r| r.as_ref() as &dyn Recipient))
            .map_err(|e| StoreError::Encrypt(e.to_string()))?;
        let mut sealed = encryptor.wrap_output(out).map_err(StoreError::Write)?;

        sealed.write_all(&[FORMAT_VERSION]).map_err(StoreError::Write)?;
        let mut content = blake3::Hasher::new();
        let mut plaintext_len = 0u64;
        let mut frames = 0u64;
        let mut buffer = vec![0u8; FRAME_LEN];
        loop {
            let filled = read_full(&mut plaintext, &mut buffer).map_err(StoreError::Input)?;
            if filled == 0 {
                break;
            }
            let chunk = &buffer[..filled];
            content.update(chunk);
            sealed
                .write_all(&(filled as u32).to_be_bytes())
                .map_err(StoreError::Write)?;
            sealed.write_all(chunk).map_err(StoreError::Write)?;
            plaintext_len += filled as u64;
            frames += 1;
            if filled < FRAME_LEN {
                break;
            }
        }
        let content = ContentId::from_bytes(*content.finalize().as_bytes());
        sealed.write_all(&0u32.to_be_bytes()).map_err(StoreError::Write)?;
        sealed.write_all(content.as_bytes()).map_err(StoreError::Write)?;
        sealed
            .write_all(&plaintext_len.to_be_bytes())
            .map_err(StoreError::Write)?;

        let inner_len = 1 + frames * 4 + plaintext_len + 4 + TRAILER_LEN as u64;
        let mut padding = padded_len(inner_len) - inner_len;
        buffer.fill(0);
        while padding > 0 {
            let step = padding.min(buffer.len() as u64) as usize;
            sealed.write_all(&buffer[..step]).map_err(StoreError::Write)?;
            padding -= step as u64;
        }
        sealed
            .finish()
            .map_err(StoreError::Write)?
            .finish()
            .map_err(StoreError::Write)?;
        Ok((content, plaintext_len))
    }
}

/// Reads blobs. Holds the identity: desk only.
pub struct BlobOpener<B> {
    backend: B,
    identity: Box<dyn Identity + Send + Sync>,
}

impl<B: BlobBackend> BlobOpener<B> {
    pub fn new(backend: B, identity: Box<dyn Identity + Send + Sync>) -> Self {
        BlobOpener { backend, identity }
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Opens a blob as a plaintext stream. The stream checks, as it goes and
    /// at its end, that the plaintext matches the sealed content id and that
    /// the ciphertext matches `id`; a mismatch is an error from `read`, so a
    /// caller must treat what it read as untrusted until `read` returns 0.
    pub fn open(&self, id: &BlobId) -> Result<BlobReader, StoreError> {
        let (ahead, cipher_hash) = ReadAhead::spawn(self.backend.open(id)?);
        let decryptor = Decryptor::new_buffered(ahead).map_err(|e| StoreError::from_decrypt(*id, e))?;
        let stream = decryptor
            .decrypt(iter::once(self.identity.as_ref() as &dyn Identity))
            .map_err(|e| StoreError::from_decrypt(*id, e))?;
        Ok(BlobReader {
            id: *id,
            stream: Box::new(stream),
            cipher_hash,
            content: blake3::Hasher::new(),
            plaintext_len: 0,
            state: ReadState::Version,
        })
    }

    /// Reads a whole blob into `out`, returning the content id it was sealed
    /// with (checked). Errors from `out` stay apart from errors in the blob.
    pub fn copy_to(&self, id: &BlobId, out: &mut impl Write) -> Result<ContentId, StoreError> {
        let mut reader = self.open(id)?;
        let mut buffer = vec![0u8; FRAME_LEN];
        loop {
            let n = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(reader.explain(e)),
            };
            out.write_all(&buffer[..n]).map_err(StoreError::Output)?;
        }
        out.flush().map_err(StoreError::Output)?;
        reader.content_id().ok_or(StoreError::Corrupt {
            blob: *id,
            reason: "stream ended early".into(),
        })
    }
}

enum ReadState {
    Version,
    FrameHeader,
    Frame { remaining: usize },
    Done { content: ContentId },
}

/// A plaintext stream out of one blob. See [`BlobOpener::open`].
pub struct BlobReader {
    id: BlobId,
    stream: Box<dyn Read + Send>,
    cipher_hash: SourceHash,
    content: blake3::Hasher,
    plaintext_len: u64,
    state: ReadState,
}

impl BlobReader {
    /// The checked content id, once the stream has been read to its end.
    pub fn content_id(&self) -> Option<ContentId> {
        match self.state {
            ReadState::Done { content } => Some(content),
            _ => None,
        }
    }

    /// Turns an error from `read` back into the store error it carries.
    pub fn explain(&self, error: io::Error) -> StoreError {
        let text = error.to_string();
        match error.into_inner().map(|inner| inner.downcast::<StoreError>()) {
            Some(Ok(store)) => *store,
            _ => StoreError::Corrupt {
                blob: self.id,
                reason: text,
            },
        }
    }

    fn corrupt(&self, reason: impl Into<String>) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            StoreError::Corrupt {
                blob: self.id,
                reason: reason.into(),
            },
        )
    }

    fn stream_error(&self, error: io::Error) -> io::Error {
        let reason = match error.kind() {
            io::ErrorKind::UnexpectedEof => "the ciphertext is truncated".to_string(),
            _ => format!("the ciphertext fails authentication, so it was changed or truncated ({error})"),
        };
        self.corrupt(reason)
    }

    fn read_exact_inner(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.stream.read_exact(buf).map_err(|e| self.stream_error(e))
    }

    /// Reads the trailer and the padding, then checks both hashes.
    fn finish(&mut self) -> io::Result<()> {
        let mut trailer = [0u8; TRAILER_LEN];
        self.read_exact_inner(&mut trailer)?;
        let sealed_content = ContentId::from_bytes(trailer[..32].try_into().expect("32 bytes"));
        let sealed_len = u64::from_be_bytes(trailer[32..].try_into().expect("8 bytes"));
        let mut padding = [0u8; 8192];
        loop {
            let n = self.stream.read(&mut padding).map_err(|e| self.stream_error(e))?;
            if n == 0 {
                break;
            }
            if padding[..n].iter().any(|&b| b != 0) {
                return Err(self.corrupt("non-zero bytes after the end of the plaintext"));
            }
        }
        let content = ContentId::from_bytes(*self.content.finalize().as_bytes());
        if content != sealed_content || self.plaintext_len != sealed_len {
            return Err(self.corrupt("the plaintext does not match the content id sealed with it"));
        }
        // age has read its input to the end, so the read-ahead has hashed it all.
        let cipher = self
            .cipher_hash
            .get()
            .ok_or_else(|| self.corrupt("the ciphertext was not read to its end"))?;
        let cipher = BlobId::from_bytes(*cipher.as_bytes());
        if cipher != self.id {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                StoreError::IdMismatch {
                    blob: self.id,
                    actual: cipher,
                },
            ));
        }
        self.state = ReadState::Done { content };
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state {
                ReadState::Version => {
                    let mut version = [0u8; 1];
                    self.read_exact_inner(&mut version)?;
                    if version[0] != FORMAT_VERSION {
                        return Err(self.corrupt(format!("unknown blob format version {}", version[0])));
                    }
                    self.state = ReadState::FrameHeader;
                }
                ReadState::FrameHeader => {
                    let mut header = [0u8; 4];
                    self.read_exact_inner(&mut header)?;
                    match u32::from_be_bytes(header) as usize {
                        0 => self.finish()?,
                        len if len > FRAME_LEN => {
                            return Err(self.corrupt(format!("frame of {len} bytes")));
                        }
                        len => self.state = ReadState::Frame { remaining: len },
                    }
                }
                ReadState::Frame { remaining } => {
                    if buf.is_empty() {
                        return Ok(0);
                    }
                    let want = remaining.min(buf.len());
                    let n = self.stream.read(&mut buf[..want]).map_err(|e| self.stream_error(e))?;
                    if n == 0 {
                        return Err(self.corrupt("the ciphertext is truncated"));
                    }
                    self.content.update(&buf[..n]);
                    self.plaintext_len += n as u64;
                    self.state = if n == remaining {
                        ReadState::FrameHeader
                    } else {
                        ReadState::Frame {
                            remaining: remaining - n,
                        }
                    };
                    return Ok(n);
                }
                ReadState::Done { .. } => return Ok(0),
            }
        }
    }
}

//! The store's public behaviour on a real directory: round trips, bounded
//! streaming, and every kind of damage it must detect.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use trove_store::{BlobId, BlobOpener, BlobSealer, FsBackend, StoreError};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    identity: age::x25519::Identity,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("blobs");
        Fixture {
            _dir: dir,
            root,
            identity: age::x25519::Identity::generate(),
        }
    }

    fn sealer(&self) -> BlobSealer<FsBackend> {
        BlobSealer::new(
            FsBackend::open(&self.root).unwrap(),
            vec![Box::new(self.identity.to_public())],
        )
        .unwrap()
    }

    fn opener(&self) -> BlobOpener<FsBackend> {
        let identity: age::x25519::Identity = self.identity.to_string().expose().parse().unwrap();
        BlobOpener::new(FsBackend::open(&self.root).unwrap(), Box::new(identity))
    }

    fn blob_path(&self, id: &BlobId) -> PathBuf {
        let hex = id.to_hex();
        self.root.join(&hex[..2]).join(&hex[2..4]).join(hex)
    }

    fn visible_blobs(&self) -> Vec<PathBuf> {
        files_under(&self.root)
            .into_iter()
            .filter(|p| !p.starts_with(self.root.join(".staging")))
            .collect()
    }
}

trait Expose {
    fn expose(&self) -> &str;
}

impl Expose for age::secrecy::SecretString {
    fn expose(&self) -> &str {
        age::secrecy::ExposeSecret::expose_secret(self)
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path))
            } else {
                out.push(path)
            }
        }
    }
    out
}

/// Deterministic pseudo-random bytes, so that no test data compresses or
/// repeats by accident.
struct Noise {
    state: u64,
    left: u64,
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.left as usize);
        for byte in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *byte = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn noise(len: u64) -> Noise {
    Noise {
        state: 0x9E37_79B9_7F4A_7C15 ^ len,
        left: len,
    }
}

#[test]
fn round_trips_edge_sizes() {
    let fx = Fixture::new();
    let (sealer, opener) = (fx.sealer(), fx.opener());
    for len in [0u64, 1, 65_535, 65_536, 65_537, 3 * 65_536, 1_000_003] {
        let mut original = Vec::new();
        noise(len).read_to_end(&mut original).unwrap();
        let receipt = sealer.put(original.as_slice()).unwrap();
        assert_eq!(receipt.plaintext_len, len);
        assert_eq!(receipt.content.as_bytes(), blake3::hash(&original).as_bytes());
        let stored = fs::read(fx.blob_path(&receipt.blob)).unwrap();
        assert_eq!(stored.len() as u64, receipt.stored_len);
        assert_eq!(
            blake3::hash(&stored).as_bytes(),
            receipt.blob.as_bytes(),
            "named by the ciphertext hash"
        );
        let mut back = Vec::new();
        assert_eq!(opener.copy_to(&receipt.blob, &mut back).unwrap(), receipt.content);
        assert_eq!(back, original, "len {len}");
    }
}

/// Length of the age header: up to and including the `--- <mac>` line.
fn header_len(bytes: &[u8]) -> usize {
    let mac = bytes.windows(5).position(|w| w == b"\n--- ").expect("an age header");
    mac + 1
        + bytes[mac + 1..]
            .iter()
            .position(|&b| b == b'\n')
            .expect("end of the mac line")
        + 1
}

#[test]
fn padding_hides_exact_sizes() {
    // age adds random "grease" stanzas to its header, which only adds noise;
    // the padding is measured on the payload after the header.
    let fx = Fixture::new();
    let sealer = fx.sealer();
    let sizes: std::collections::BTreeSet<usize> = (10_000..10_100)
        .map(|len| {
            let receipt = sealer.put(noise(len)).unwrap();
            let stored = fs::read(fx.blob_path(&receipt.blob)).unwrap();
            stored.len() - header_len(&stored)
        })
        .collect();
    // A hundred lengths share a handful of payload sizes, not a hundred.
    assert!(sizes.len() <= 4, "{sizes:?}");
}

#[test]
fn ciphertext_holds_neither_plaintext_nor_its_hashes() {
    let fx = Fixture::new();
    let text = b"CONFIDENTIAL: the minister met the contractor on 3 May.".repeat(50);
    let receipt = fx.sealer().put(text.as_slice()).unwrap();
    let stored = fs::read(fx.blob_path(&receipt.blob)).unwrap();
    let needle_hex = receipt.content.to_hex();
    assert!(!stored.windows(16).any(|w| w == &text[..16]));
    assert!(!stored.windows(32).any(|w| w == receipt.content.as_bytes()));
    assert!(!String::from_utf8_lossy(&stored).contains(&needle_hex));
}

#[test]
fn a_changed_byte_is_detected_and_named() {
    let fx = Fixture::new();
    let receipt = fx.sealer().put(noise(200_000)).unwrap();
    let path = fx.blob_path(&receipt.blob);
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&path, bytes).unwrap();
    let error = fx.opener().copy_to(&receipt.blob, &mut io::sink()).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
    assert!(error.to_string().contains(&receipt.blob.to_hex()), "{error}");
}

#[test]
fn truncated_ciphertext_is_detected() {
    let fx = Fixture::new();
    // Cut inside the last chunk (an authentication failure) and exactly at a
    // chunk boundary (a missing final chunk).
    type Cut = fn(&[u8]) -> usize;
    let cuts: [(u64, Cut); 2] = [
        (10, |bytes| bytes.len() - 17),
        (150_000, |bytes| header_len(bytes) + 65_536 + 16),
    ];
    for (len, cut) in cuts {
        let receipt = fx.sealer().put(noise(len)).unwrap();
        let path = fx.blob_path(&receipt.blob);
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..cut(&bytes)]).unwrap();
        let error = fx.opener().copy_to(&receipt.blob, &mut io::sink()).unwrap_err();
        let message = error.to_string();
        assert!(
            matches!(error, StoreError::Corrupt { .. }) && message.contains("truncated"),
            "{message}"
        );
    }
}

#[test]
fn a_swapped_blob_fails_its_id() {
    // Another valid blob copied over this one decrypts fine; only the id
    // check catches it.
    let fx = Fixture::new();
    let sealer = fx.sealer();
    let first = sealer.put(&b"first"[..]).unwrap();
    let second = sealer.put(&b"second"[..]).unwrap();
    fs::copy(fx.blob_path(&second.blob), fx.blob_path(&first.blob)).unwrap();
    let error = fx.opener().copy_to(&first.blob, &mut io::sink()).unwrap_err();
    assert!(
        matches!(error, StoreError::IdMismatch { blob, .. } if blob == first.blob),
        "{error}"
    );
    assert!(error.to_string().contains("restore it from a backup"));
}

#[test]
fn the_wrong_identity_is_named_as_such() {
    let fx = Fixture::new();
    let receipt = fx.sealer().put(&b"memo"[..]).unwrap();
    let stranger = BlobOpener::new(
        FsBackend::open(&fx.root).unwrap(),
        Box::new(age::x25519::Identity::generate()),
    );
    let error = stranger.copy_to(&receipt.blob, &mut io::sink()).unwrap_err();
    assert!(matches!(error, StoreError::WrongIdentity { .. }), "{error}");
}

#[test]
fn a_missing_blob_is_named() {
    let fx = Fixture::new();
    let id = BlobId::from_bytes([7; 32]);
    let Err(error) = fx.opener().open(&id) else {
        panic!("opened a blob that does not exist")
    };
    assert!(matches!(error, StoreError::NotFound(missing) if missing == id));
}

/// A reader that fails part-way, as a dropped upload or a dying disk would.
struct FailsAfter(Noise);

impl Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.left < 100_000 {
            return Err(io::Error::other("connection reset"));
        }
        self.0.read(buf)
    }
}

#[test]
fn an_interrupted_put_leaves_no_visible_blob() {
    let fx = Fixture::new();
    let sealer = fx.sealer();
    let error = sealer.put(FailsAfter(noise(1_000_000))).unwrap_err();
    assert!(matches!(error, StoreError::Input(_)), "{error}");
    assert!(fx.visible_blobs().is_empty(), "{:?}", fx.visible_blobs());
    assert!(
        files_under(&fx.root.join(".staging")).is_empty(),
        "the staging file is removed on error"
    );
}

#[test]
fn stale_staging_files_are_swept() {
    let fx = Fixture::new();
    let backend = FsBackend::open(&fx.root).unwrap();
    fs::write(fx.root.join(".staging/put-killed"), b"half a blob").unwrap();
    assert_eq!(
        backend.sweep_staging(std::time::Duration::from_secs(3600)).unwrap(),
        0,
        "young files stay"
    );
    assert_eq!(backend.sweep_staging(std::time::Duration::ZERO).unwrap(), 1);
}

#[test]
fn a_plaintext_that_does_not_match_its_sealed_content_id_is_detected() {
    // Forge a blob that decrypts fine but whose trailer names other content:
    // only the plaintext check catches it.
    use std::io::Write;
    let fx = Fixture::new();
    let mut inner = vec![1u8];
    inner.extend(5u32.to_be_bytes());
    inner.extend(b"forge");
    inner.extend(0u32.to_be_bytes());
    inner.extend(blake3::hash(b"other").as_bytes());
    inner.extend(5u64.to_be_bytes());
    let recipient = fx.identity.to_public();
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient)).unwrap();
    let mut ciphertext = Vec::new();
    let mut writer = encryptor.wrap_output(&mut ciphertext).unwrap();
    writer.write_all(&inner).unwrap();
    writer.finish().unwrap();
    let id = BlobId::from_bytes(*blake3::hash(&ciphertext).as_bytes());
    let path = fx.blob_path(&id);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, ciphertext).unwrap();
    let error = fx.opener().copy_to(&id, &mut io::sink()).unwrap_err();
    assert!(error.to_string().contains("does not match the content id"), "{error}");
}

#[test]
fn stored_files_and_their_folders_show_only_the_day() {
    let fixture = Fixture::new();
    let sealer = fixture.sealer();
    let ids: Vec<BlobId> = (0..3)
        .map(|i| sealer.put(&vec![i as u8; 10_000][..]).unwrap().blob)
        .collect();
    for id in &ids {
        let path = fixture.blob_path(id);
        for shown in [
            path.as_path(),
            path.parent().unwrap(),
            path.parent().unwrap().parent().unwrap(),
        ] {
            let modified = fs::metadata(shown)
                .unwrap()
                .modified()
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            assert_eq!(modified % 86_400, 0, "{} shows a time of day", shown.display());
        }
    }
}

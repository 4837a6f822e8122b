//! The S3 backend against a real S3 server (SeaweedFS on loopback): blobs
//! sealed and opened through it, small and multipart, nothing visible
//! before a commit, nothing but ciphertext in the bucket, and a wrong
//! key refused by name.

use std::io::Write;

use trove_s3::{S3Backend, S3Config};
use trove_store::{BlobBackend, BlobId, BlobOpener, BlobSealer, StoreError};
use trove_testkit::noise;
use trove_testkit::seaweedfs::{ACCESS_KEY, BUCKET, SECRET_KEY, SeaweedFs};

fn config(server: &SeaweedFs, prefix: &str) -> S3Config {
    S3Config {
        endpoint: Some(server.endpoint.clone()),
        bucket: BUCKET.into(),
        region: None,
        prefix: Some(prefix.into()),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(SECRET_KEY.into()),
    }
}

/// The backend, once the server answers (it starts in about a second).
fn backend(server: &SeaweedFs, prefix: &str) -> S3Backend {
    let backend = S3Backend::new(&config(server, prefix)).unwrap();
    backend.check_within(std::time::Duration::from_secs(30)).unwrap();
    backend
}

#[test]
fn blobs_go_through_a_real_bucket_sealed_and_nothing_else() {
    let server = SeaweedFs::start();
    let prefix = format!("test-{}/", std::process::id());
    let backend = backend(&server, &prefix);
    let identity = age::x25519::Identity::generate();
    let sealer = BlobSealer::new(backend.clone(), vec![Box::new(identity.to_public())]).unwrap();
    let opener = BlobOpener::new(backend.clone(), Box::new(identity));

    // A small blob (one PUT) and one of 21 MiB (a multipart upload in
    // three parts, read back in ranges).
    let memo = b"Minutes of the board: the harbour contract goes to Northwind Capital Ltd.".to_vec();
    let large = noise(21 << 20, 7);
    let mut ids = Vec::new();
    for plaintext in [&memo, &large] {
        let receipt = sealer.put(plaintext.as_slice()).unwrap();
        let mut back = Vec::new();
        opener.copy_to(&receipt.blob, &mut back).unwrap();
        assert!(back == *plaintext, "a blob comes back as it went in");
        assert!(backend.contains(&receipt.blob).unwrap());
        assert!(backend.len(&receipt.blob).unwrap() > plaintext.len() as u64);
        ids.push(receipt.blob);
    }
    let mut listed = backend.ids().unwrap();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids, "the bucket holds the two blobs and nothing else");

    // A blob written and dropped before its commit leaves nothing.
    let mut staged = backend.stage().unwrap();
    staged.write_all(&noise(9 << 20, 8)).unwrap();
    drop(staged);
    assert_eq!(backend.ids().unwrap().len(), 2);

    // Only ciphertext: neither the plaintext nor its hash is in any object.
    let memo_hash = blake3::hash(&memo).to_hex().to_string();
    for id in &ids {
        let mut raw = Vec::new();
        std::io::copy(&mut backend.open(id).unwrap(), &mut raw).unwrap();
        assert_eq!(
            blake3::hash(&raw).as_bytes(),
            id.as_bytes(),
            "named by its ciphertext's hash"
        );
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("Northwind") && !text.contains(&memo_hash));
        assert!(!raw.windows(64).any(|w| large.windows(64).next() == Some(w)));
    }

    // Removing is idempotent; a missing blob is named.
    backend.remove(&ids[0]).unwrap();
    backend.remove(&ids[0]).unwrap();
    assert!(!backend.contains(&ids[0]).unwrap());
    match opener.copy_to(&ids[0], &mut Vec::new()) {
        Err(StoreError::NotFound(id)) => assert_eq!(id, ids[0]),
        other => panic!("expected NotFound, got {other:?}"),
    }
    backend.remove(&ids[1]).unwrap();
}

#[test]
fn a_wrong_secret_or_bucket_is_refused_by_name() {
    let server = SeaweedFs::start();
    // Wait for the server with the right keys first.
    backend(&server, "wrong-keys/");
    let wrong = S3Backend::new(&S3Config {
        secret_access_key: Some("not-the-secret".into()),
        ..config(&server, "wrong-keys/")
    })
    .unwrap();
    let refused = wrong.check().unwrap_err().to_string();
    assert!(refused.contains(BUCKET), "{refused}");
    let id: BlobId = "00".repeat(32).parse().unwrap();
    assert!(
        wrong.contains(&id).is_err(),
        "a refused request is an error, not a missing blob"
    );
    let unnamed = S3Backend::new(&S3Config {
        bucket: " ".into(),
        ..config(&server, "x/")
    });
    assert!(unnamed.unwrap_err().to_string().contains("no bucket"));
}

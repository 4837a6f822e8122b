//! Submissions on a real SQLite file and blob folder: files stored whole and
//! in parts read back the same, and the receipt commitment is what a source
//! recomputes from its files and salt alone.

use std::io::Read;
use trove_store::{DecisionRepo as _, SubmissionRepo as _};

use trove_store::{
    BlobOpener, BlobSealer, Channel, FilePart, FsBackend, SqlRepo, SubmissionWriter, commitment, file_digest,
    read_manifest,
};

#[tokio::test]
async fn a_file_in_parts_reads_back_whole_and_the_receipt_opens_with_the_salt() {
    let dir = tempfile::tempdir().unwrap();
    let identity = age::x25519::Identity::generate();
    let backend = FsBackend::open(&dir.path().join("blobs")).unwrap();
    let sealer = BlobSealer::new(backend.clone(), vec![Box::new(identity.to_public())]).unwrap();
    let opener = BlobOpener::new(backend, Box::new(identity));
    let repo = SqlRepo::open_sqlite(&dir.path().join("trove.db"), true).await.unwrap();

    let whole: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let chunks = [&whole[..70_000], &whole[70_000..70_001], &whole[70_001..]];
    let mut parts = Vec::new();
    let mut hashes = Vec::new();
    for chunk in chunks {
        let put = sealer.put(chunk).unwrap();
        parts.push(FilePart {
            blob: put.blob,
            size: put.plaintext_len,
        });
        hashes.push((chunk.len() as u64, *blake3::hash(chunk).as_bytes()));
    }
    let memo = b"a memo, stored whole";
    let salt = [7u8; 32];
    let mut writer = SubmissionWriter::new(&sealer)
        .unwrap()
        .from_source("abc")
        .with_salt(salt);
    writer.add_parts("upload.bin", parts, file_digest(&hashes)).unwrap();
    writer.add_file("memo.txt", &memo[..]).unwrap();
    let summary = writer.commit(&repo, Channel::Intake).await.unwrap();

    // The source's side: the salt, its files, and the part lengths.
    let mut concatenated = b"trove/parts/v1\n".to_vec();
    for chunk in chunks {
        concatenated.extend_from_slice(&(chunk.len() as u64).to_be_bytes());
        concatenated.extend_from_slice(blake3::hash(chunk).as_bytes());
    }
    let upload_digest = *blake3::hash(&concatenated).as_bytes();
    let memo_digest = *blake3::hash(memo).as_bytes();
    let mut sorted = [upload_digest, memo_digest];
    sorted.sort();
    let expected = blake3::hash(&[&salt[..], &sorted[0], &sorted[1]].concat());
    assert_eq!(summary.commitment, *expected.as_bytes());
    assert_eq!(summary.commitment, commitment(&salt, [memo_digest, upload_digest]));
    assert_ne!(summary.commitment, commitment(&[8u8; 32], [memo_digest, upload_digest]));

    let record = repo.submission(&summary.submission).await.unwrap().unwrap();
    assert_eq!(record.source.as_deref(), Some("abc"));
    assert_eq!(repo.submission_blobs(&record.id).await.unwrap().len(), 4);
    let manifest = read_manifest(&opener, &record).unwrap();
    assert_eq!(manifest.commitment(), summary.commitment);
    let mut back = Vec::new();
    opener
        .open_file(&manifest.files[0])
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, whole);
    assert_eq!(manifest.files[0].size, whole.len() as u64);
    let mut back = Vec::new();
    opener
        .open_file(&manifest.files[1])
        .unwrap()
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, memo);
    assert_eq!(manifest.files[1].digest, memo_digest);
}

#[tokio::test]
async fn a_decision_is_imported_once_and_only_for_a_submission_that_is_here() {
    let dir = tempfile::tempdir().unwrap();
    let identity = age::x25519::Identity::generate();
    let backend = FsBackend::open(&dir.path().join("blobs")).unwrap();
    let sealer = BlobSealer::new(backend, vec![Box::new(identity.to_public())]).unwrap();
    let repo = SqlRepo::open_sqlite(&dir.path().join("trove.db"), true).await.unwrap();
    let mut writer = SubmissionWriter::new(&sealer).unwrap();
    writer.add_file("a.txt", &b"a"[..]).unwrap();
    let summary = writer.commit(&repo, Channel::Intake).await.unwrap();
    let decision = |submission: trove_store::SubmissionId| trove_store::DecisionRecord {
        submission,
        day: "2026-11-27".parse().unwrap(),
        outcome: trove_store::Outcome::Reject,
        reasons: vec!["ALREADY_PUBLIC".into()],
        proposed: trove_store::Outcome::Reject,
        note: Some("Our Kyiv stringer says the ledger is forged.".into()),
        editor: "chief".into(),
        policy: "00".into(),
        log_index: 3,
    };
    let here = decision(summary.submission);
    assert!(repo.import_decision(&here.for_source()).await.unwrap());
    assert!(
        !repo.import_decision(&here.for_source()).await.unwrap(),
        "a second delivery adds nothing"
    );
    assert!(
        !repo
            .import_decision(&decision("0".repeat(32).parse().unwrap()).for_source())
            .await
            .unwrap()
    );
    // The intake keeps what the source sees, never who decided or why in
    // the desk's words.
    let kept = repo.decisions(&summary.submission).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].for_source(), here.for_source());
    assert_eq!(
        (
            kept[0].editor.as_str(),
            kept[0].note.as_deref(),
            kept[0].policy.as_str()
        ),
        ("", None, "")
    );
}

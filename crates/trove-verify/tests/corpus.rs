//! Verification of the generated corpus against its ground truth: every
//! signed message gets the DKIM status truth.json gives it, and the
//! verdicts follow the rules.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use trove_ingest::{Limits, ingest_submission};
use trove_store::{BlobOpener, BlobSealer, Channel, FsBackend, MetadataRepo, SqliteRepo, SubmissionWriter};
use trove_verify::{KeyArchive, Strength, Verdict, parse_key_file, verify_submission};

fn files_under(root: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) {
    let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(root, &path, out);
        } else {
            out.push((path.strip_prefix(root).unwrap().display().to_string(), path));
        }
    }
}

#[tokio::test]
async fn every_signed_message_gets_the_status_of_the_truth() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let spec = trove_corpus::Spec {
        seed: 8,
        size: 900_000,
        published_share: 0.45,
    };
    trove_corpus::generate(&corpus, &spec, |_, _| {}).unwrap();

    let identity = age::x25519::Identity::generate();
    let backend = FsBackend::open(&tmp.path().join("blobs")).unwrap();
    let sealer = BlobSealer::new(backend.clone(), vec![Box::new(identity.to_public())]).unwrap();
    let opener = Arc::new(BlobOpener::new(backend, Box::new(identity)));
    let repo = SqliteRepo::open(&tmp.path().join("trove.db"), true).await.unwrap();
    let mut files = Vec::new();
    files_under(&corpus.join("cache"), &corpus.join("cache"), &mut files);
    let mut writer = SubmissionWriter::new(&sealer).unwrap();
    for (name, path) in &files {
        writer.add_file(name, fs::File::open(path).unwrap()).unwrap();
    }
    let summary = writer.commit(&repo, Channel::Cli).await.unwrap();
    let record = repo.submission(&summary.submission).await.unwrap().unwrap();
    ingest_submission(opener.clone(), &sealer, &repo, &record, &Limits::default(), 2, |_| {})
        .await
        .unwrap();

    let keys = parse_key_file(
        "dkim-keys.txt",
        &fs::read_to_string(corpus.join("dkim-keys.txt")).unwrap(),
    )
    .unwrap();
    assert_eq!(repo.add_dkim_keys(&keys).await.unwrap(), keys.len());
    let archive = KeyArchive::new(repo.dkim_keys().await.unwrap());
    let report = verify_submission(&opener, &repo, &record, &Limits::default(), &archive)
        .await
        .unwrap();

    let truth: serde_json::Value = serde_json::from_slice(&fs::read(corpus.join("truth.json")).unwrap()).unwrap();
    let by_path: std::collections::HashMap<&str, &trove_verify::DocumentVerification> =
        report.documents.iter().map(|d| (d.path.as_str(), d)).collect();
    let (mut passes, mut fails) = (0, 0);
    for expected in truth["documents"].as_array().unwrap() {
        let path = expected["path"].as_str().unwrap();
        let Some(status) = expected["dkim"].as_str() else {
            continue;
        };
        if expected["container"] == true {
            continue;
        }
        let doc = by_path.get(path).unwrap_or_else(|| panic!("{path} was not verified"));
        let dkim: Vec<_> = doc.evidence.iter().filter(|e| e.kind == "dkim").collect();
        match status {
            "pass" => {
                passes += 1;
                assert_eq!(dkim.len(), 1, "{path}");
                assert_eq!(dkim[0].facts["result"], "pass", "{path}: {}", dkim[0].sentence);
                assert_eq!(dkim[0].strength, Strength::Strong, "{path}: {}", dkim[0].sentence);
                assert_eq!(doc.verdict, Verdict::Verified, "{path}: {:?}", doc.evidence);
            }
            "fail" => {
                fails += 1;
                assert_eq!(dkim.len(), 1, "{path}");
                let result = dkim[0].facts["result"].as_str().unwrap();
                assert!(
                    result == "body_hash_mismatch" || result == "signature_mismatch",
                    "{path}: {result}"
                );
                assert_eq!(doc.verdict, Verdict::Suspicious, "{path}");
            }
            "none" => {
                assert!(dkim.is_empty(), "{path}");
                assert_ne!(doc.verdict, Verdict::Verified, "{path}");
            }
            other => panic!("unknown truth status {other}"),
        }
    }
    assert!(passes > 20 && fails > 3, "{passes} passes, {fails} failures");

    // Shares add up, and the results are stored.
    let shares: f64 = report.summary.by_verdict.values().map(|s| s.share_count).sum();
    assert!((shares - 1.0).abs() < 1e-9);
    let stored = repo.verifications(&record.id).await.unwrap();
    assert_eq!(stored.len(), report.documents.len());
    // Without the keys, signatures weigh nothing: no verified documents.
    let bare = verify_submission(&opener, &repo, &record, &Limits::default(), &KeyArchive::default())
        .await
        .unwrap();
    assert_eq!(bare.summary.by_verdict["verified"].documents, 0);
    assert!(bare.summary.dkim["no_key"] as usize >= passes + fails);
}

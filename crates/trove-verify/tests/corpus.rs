//! Verification of the generated corpus against its ground truth: every
//! signed message gets the DKIM status truth.json gives it, and the
//! verdicts follow the rules.

use std::fs;
use trove_store::VerificationRepo as _;

use trove_ingest::Limits;
use trove_testkit::Store;
use trove_verify::{KeyArchive, Strength, Verdict, parse_key_file, verify_submission};

#[tokio::test]
async fn every_signed_message_gets_the_status_of_the_truth() {
    let (_tmp, corpus) = trove_testkit::generated_corpus(8, 900_000);
    let store = Store::new().await;
    let record = store.submit_folder(&corpus.join("cache")).await;
    store.ingest(&record).await;
    let (opener, repo) = (&store.opener, &store.repo);

    let keys = parse_key_file(
        "dkim-keys.txt",
        &fs::read_to_string(corpus.join("dkim-keys.txt")).unwrap(),
    )
    .unwrap();
    assert_eq!(repo.add_dkim_keys(&keys).await.unwrap(), keys.len());
    let archive = KeyArchive::new(repo.dkim_keys().await.unwrap());
    let report = verify_submission(opener, repo, &record, &Limits::default(), &archive)
        .await
        .unwrap();

    let truth = trove_testkit::truth(&corpus);
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
    let bare = verify_submission(opener, repo, &record, &Limits::default(), &KeyArchive::default())
        .await
        .unwrap();
    assert_eq!(bare.summary.by_verdict["verified"].documents, 0);
    assert!(bare.summary.dkim["no_key"] as usize >= passes + fails);
}

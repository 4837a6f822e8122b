//! `trove keys dkim` and `trove verify` as a user runs them.

mod common;

use common::{ingested_corpus, json, ok, trove};

#[test]
fn keys_are_imported_and_a_submission_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, data, id) = ingested_corpus(tmp.path(), "4", "600K");
    let id = id.as_str();

    // Verifying a submission before its ingest says what to do.
    let lone = tmp.path().join("lone.txt");
    std::fs::write(&lone, "a note").unwrap();
    let fresh = json(&ok(trove(&data, &["submit", "--json", lone.to_str().unwrap()])));
    let fresh = fresh["submission"].as_str().unwrap();
    let early = trove(&data, &["verify", fresh]);
    assert!(!early.status.success());
    assert!(String::from_utf8_lossy(&early.stderr).contains(&format!("trove ingest {fresh}")));

    // A key file with a bad line imports nothing and names the line.
    let bad = tmp.path().join("bad-keys.txt");
    let keys_file = corpus.join("dkim-keys.txt");
    let good = std::fs::read_to_string(&keys_file).unwrap();
    std::fs::write(
        &bad,
        format!("{good}broken._domainkey.x.example v=DKIM1; k=rsa; p=***\n"),
    )
    .unwrap();
    let refused = trove(&data, &["keys", "dkim", "import", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    let line = good.lines().count() + 1;
    assert!(message.contains(&format!("bad-keys.txt, line {line}")), "{message}");
    assert!(message.contains("bad base64"), "{message}");
    assert_eq!(
        json(&ok(trove(&data, &["keys", "dkim", "list", "--json"])))["keys"],
        serde_json::json!([])
    );

    let imported = json(&ok(trove(
        &data,
        &["keys", "dkim", "import", keys_file.to_str().unwrap(), "--json"],
    )));
    let count = good.lines().count() as u64;
    assert_eq!(
        (imported["read"].as_u64(), imported["added"].as_u64()),
        (Some(count), Some(count))
    );
    let again = json(&ok(trove(
        &data,
        &["keys", "dkim", "import", keys_file.to_str().unwrap(), "--json"],
    )));
    assert_eq!(again["added"], 0);
    let listed = json(&ok(trove(&data, &["keys", "dkim", "list", "--json"])));
    assert_eq!(listed["keys"].as_array().unwrap().len() as u64, count);

    let report = json(&ok(trove(&data, &["verify", id, "--json"])));
    let documents = report["documents"].as_array().unwrap();
    assert!(!documents.is_empty());
    for doc in documents {
        assert!(doc["doc"].is_string() && doc["path"].is_string() && doc["evidence"].is_array());
        assert!(["verified", "consistent", "suspicious", "unverifiable"].contains(&doc["verdict"].as_str().unwrap()));
    }
    let summary = &report["summary"];
    let verified = summary["by_verdict"]["verified"]["documents"].as_u64().unwrap();
    assert!(verified > 0, "{summary}");
    assert_eq!(summary["dkim"]["pass"].as_u64().unwrap(), verified);
    // The human report names every suspicious document with its reasons.
    let human = ok(trove(&data, &["verify", id]));
    assert!(human.contains("documents verified"), "{human}");
    let suspicious = summary["by_verdict"]["suspicious"]["documents"].as_u64().unwrap();
    assert_eq!(human.matches("\nsuspicious ").count() as u64, suspicious, "{human}");
}

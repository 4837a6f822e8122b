//! `trove published` and `trove overlap` as a user runs them.

mod common;

use common::{ingested_corpus, json, ok, trove};

#[test]
fn published_corpora_are_registered_and_the_overlap_measured() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, data, id) = ingested_corpus(tmp.path(), "6", "800K");
    let id = id.as_str();

    // Bad input: a bad date, a missing folder; nothing is registered.
    let bad_date = trove(
        &data,
        &[
            "published",
            "import",
            "--name",
            "x",
            "--publisher",
            "p",
            "--date",
            "June 2015",
            corpus.to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&bad_date.stderr).contains("is not a date like"));
    let missing = trove(
        &data,
        &[
            "published",
            "import",
            "--name",
            "x",
            "--publisher",
            "p",
            "--date",
            "2015-06-18",
            "/nonexistent/corpus",
        ],
    );
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/corpus"));
    assert_eq!(
        json(&ok(trove(&data, &["published", "list", "--json"])))["corpora"],
        serde_json::json!([])
    );

    let listing: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(corpus.join("published/corpora.json")).unwrap()).unwrap();
    // The first corpus by hand, with its URL; the others from the listing,
    // which skips what is registered already.
    let first = &listing[0];
    let name = first["name"].as_str().unwrap();
    let imported = json(&ok(trove(
        &data,
        &[
            "published",
            "import",
            "--name",
            name,
            "--publisher",
            first["publisher"].as_str().unwrap(),
            "--date",
            first["date"].as_str().unwrap(),
            "--url",
            first["url"].as_str().unwrap(),
            "--json",
            corpus.join("published").join(name).to_str().unwrap(),
        ],
    )));
    assert!(imported["documents"].as_u64().unwrap() > 0);
    let bad_listing = tmp.path().join("corpora.json");
    std::fs::write(
        &bad_listing,
        r#"[{"name": "x", "publisher": "p", "date": "June 2015"}]"#,
    )
    .unwrap();
    let refused = trove(&data, &["published", "import-listing", bad_listing.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("corpora.json") && stderr.contains("is not a date like"),
        "{stderr}"
    );
    let listing_path = corpus.join("published/corpora.json");
    let rest = json(&ok(trove(
        &data,
        &["published", "import-listing", listing_path.to_str().unwrap(), "--json"],
    )));
    let rest = rest["imported"].as_array().unwrap();
    assert_eq!(rest.len(), listing.len() - 1);
    assert!(
        rest.iter()
            .all(|c| c["documents"].as_u64().unwrap() > 0 && c["name"] != name)
    );
    let again = trove(
        &data,
        &[
            "published",
            "import",
            "--name",
            listing[0]["name"].as_str().unwrap(),
            "--publisher",
            "p",
            "--date",
            "2015-06-18",
            corpus.to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("registered already"));
    let corpora = json(&ok(trove(&data, &["published", "list", "--json"])));
    assert_eq!(corpora["corpora"].as_array().unwrap().len(), listing.len());

    let report = json(&ok(trove(&data, &["overlap", id, "--json"])));
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(corpus.join("truth.json")).unwrap()).unwrap();
    let summary = &report["summary"];
    let found = summary["novel_share_count"].as_f64().unwrap();
    let expected = truth["novel_share_count"].as_f64().unwrap();
    assert!((found - expected).abs() <= 0.01, "{found} vs {expected}");
    assert_eq!(summary["by_corpus"].as_array().unwrap().len(), listing.len());
    let human = ok(trove(&data, &["overlap", id]));
    assert!(human.contains("are in no registered corpus"), "{human}");

    // Verification takes exact published copies as corroboration.
    let verified = json(&ok(trove(&data, &["verify", id, "--json"])));
    let corroborated = verified["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "corroboration")
        })
        .count();
    let exact = summary["by_class"]["exact"].as_u64().unwrap() as usize;
    assert!(
        corroborated > 0 && corroborated <= exact,
        "{corroborated} corroborated, {exact} exact"
    );

    // Removing a corpus takes its matches away.
    let removed = listing[0]["name"].as_str().unwrap();
    let blobs = || common::all_files(&data.join("blobs")).len();
    let before = blobs();
    ok(trove(&data, &["published", "remove", removed]));
    assert!(blobs() < before, "its text packs left the store");
    let after = json(&ok(trove(&data, &["overlap", id, "--json"])));
    assert!(
        after["summary"]["by_corpus"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != removed)
    );
    assert!(after["summary"]["novel_share_count"].as_f64().unwrap() > found);
    let unknown = trove(&data, &["published", "remove", removed]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no published corpus named"));
}

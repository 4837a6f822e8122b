//! Ingest of the generated corpus against its ground truth.

use std::fs;
use trove_store::DocumentRepo as _;

use trove_ingest::{Limits, ingest_submission};

use trove_testkit::Store;

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn every_document_of_the_truth_is_found_with_its_type_and_text() {
    let (_tmp, corpus) = trove_testkit::generated_corpus(21, 700_000);
    let store = Store::new().await;
    let (sealer, opener, repo) = (&store.sealer, &store.opener, &store.repo);
    let record = store.submit_folder(&corpus.join("cache")).await;

    let report = ingest_submission(opener.clone(), sealer, repo, &record, &Limits::default(), 2, |_| {})
        .await
        .unwrap();
    assert_eq!(report.failed, 0, "{report:?}");

    let truth: serde_json::Value = serde_json::from_slice(&fs::read(corpus.join("truth.json")).unwrap()).unwrap();
    let documents = repo.documents(&record.id).await.unwrap();
    let by_path: std::collections::HashMap<&str, &trove_store::DocumentRecord> =
        documents.iter().map(|d| (d.path.as_str(), d)).collect();
    let truth_docs = truth["documents"].as_array().unwrap();
    for expected in truth_docs {
        let path = expected["path"].as_str().unwrap();
        let doc = by_path
            .get(path)
            .unwrap_or_else(|| panic!("{path} was not found by ingest"));
        assert_eq!(doc.doc_type, expected["type"].as_str().unwrap(), "{path}");
        assert_eq!(doc.status, trove_store::DocStatus::Ok, "{path}: {:?}", doc.reason);
        if let Some(sample) = expected["sample"].as_str() {
            let text_ref = doc.text.unwrap_or_else(|| panic!("{path} has no text"));
            let text = words(&trove_store::read_text(opener, &text_ref).unwrap());
            assert!(
                text.contains(&words(sample)),
                "{path}: the text does not hold {sample:?}"
            );
        }
        if doc.doc_type == "xlsx" {
            // A row a line, cells apart: readers downstream (entities,
            // overlap) need the cells as words.
            let text = trove_store::read_text(opener, &doc.text.unwrap()).unwrap();
            assert!(
                text.lines().count() > 2 && text.contains('\t'),
                "{path}: cells run together: {text:.200}"
            );
        }
    }
    assert_eq!(
        documents.len(),
        truth_docs.len(),
        "ingest found documents that truth.json does not list"
    );

    // Run again: nothing is added twice.
    let again = ingest_submission(opener.clone(), sealer, repo, &record, &Limits::default(), 2, |_| {})
        .await
        .unwrap();
    assert_eq!((again.added, again.documents), (0, documents.len()));
}

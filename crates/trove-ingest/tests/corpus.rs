//! Ingest of the generated corpus against its ground truth.

use std::fs;
use std::path::{Path, PathBuf};

use trove_ingest::{Limits, ingest_submission};
mod common;

use common::Store;

fn files_under(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
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

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn every_document_of_the_truth_is_found_with_its_type_and_text() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let spec = trove_corpus::Spec {
        seed: 21,
        size: 700_000,
        published_share: 0.45,
    };
    trove_corpus::generate(&corpus, &spec, |_, _| {}).unwrap();

    let store = Store::new().await;
    let (sealer, opener, repo) = (&store.sealer, &store.opener, &store.repo);
    let mut files = Vec::new();
    files_under(&corpus.join("cache"), &corpus.join("cache"), &mut files);
    let record = store
        .submit(
            files
                .iter()
                .map(|(relative, path)| (relative.clone(), fs::File::open(path).unwrap())),
        )
        .await;

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
        assert_eq!(doc.status, "ok", "{path}: {:?}", doc.reason);
        if let Some(sample) = expected["sample"].as_str() {
            let text_ref = doc.text.unwrap_or_else(|| panic!("{path} has no text"));
            let text = words(&trove_store::read_text(opener, &text_ref).unwrap());
            assert!(
                text.contains(&words(sample)),
                "{path}: the text does not hold {sample:?}"
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

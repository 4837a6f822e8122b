//! Ingest through confined parser workers (the default) reads the real
//! fixtures exactly as parsing in process does: every document's type,
//! status, reason, text and metadata are the same.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{json, ok, set_config, trove};

/// Every document of the data dir's one submission, by path.
fn documents(data: &Path, submission: &str) -> BTreeMap<String, serde_json::Value> {
    let list = json(&ok(trove(data, &["docs", "list", submission, "--json"])));
    list["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let id = d["id"].as_str().unwrap();
            let mut shown = json(&ok(trove(data, &["docs", "show", id, "--json"])));
            // Ids are made per ingest; the rest must agree.
            for key in ["id", "parent"] {
                shown.as_object_mut().unwrap().remove(key);
            }
            (d["path"].as_str().unwrap().to_owned(), shown)
        })
        .collect()
}

#[test]
fn confined_workers_read_the_real_fixtures_as_in_process_parsing_does() {
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    let mut read = Vec::new();
    for (name, confine) in [("confined", "true"), ("in-process", "false")] {
        let data = tmp.path().join(name);
        ok(trove(&data, &["init"]));
        set_config(&data, "confine", confine);
        let submitted = json(&ok(trove(&data, &["submit", "--json", fixtures.to_str().unwrap()])));
        let id = submitted["submission"].as_str().unwrap().to_owned();
        ok(trove(&data, &["ingest", &id]));
        read.push(documents(&data, &id));
    }
    let (confined, in_process) = (&read[0], &read[1]);
    assert!(confined.len() > 100, "{} documents", confined.len());
    assert_eq!(
        confined.keys().collect::<Vec<_>>(),
        in_process.keys().collect::<Vec<_>>()
    );
    for (path, document) in confined {
        assert_eq!(document, &in_process[path], "{path}");
    }
    assert!(confined.values().all(|d| d["status"] != "failed"));
}

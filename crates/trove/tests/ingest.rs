//! `trove ingest` as a user runs it: killed and run again, and re-run for
//! its failures only after a limit was raised.

mod common;

use std::path::Path;
use std::process::Command;

use common::{gen_corpus, init_and_submit, json, ok, trove};

/// Every document as (path, type, status, size), sorted.
fn documents(data: &Path, id: &str) -> Vec<(String, String, String, u64)> {
    let list = json(&ok(trove(data, &["docs", "list", id, "--json"])));
    let mut docs: Vec<_> = list["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_owned(),
                d["type"].as_str().unwrap().to_owned(),
                d["status"].as_str().unwrap().to_owned(),
                d["size"].as_u64().unwrap(),
            )
        })
        .collect();
    docs.sort();
    docs
}

#[test]
fn ingest_killed_and_run_again_ends_as_one_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = gen_corpus(tmp.path(), "5", "3M").join("cache");
    let clean = tmp.path().join("clean");
    let clean_id = init_and_submit(&clean, &cache);
    ok(trove(&clean, &["ingest", &clean_id]));
    let expected = documents(&clean, &clean_id);

    let data = tmp.path().join("killed");
    let id = init_and_submit(&data, &cache);
    let mut child = Command::new(env!("CARGO_BIN_EXE_trove"))
        .args(["--data", data.to_str().unwrap(), "ingest", &id, "--threads", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once something is committed (or let it be if it finished
    // first: the end state must be the same either way).
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        let report = json(&ok(trove(&data, &["ingest", "--report", &id, "--json"])));
        if report["documents"].as_u64().unwrap() > 0 {
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
            break;
        }
    }
    child.wait().unwrap();
    let report = json(&ok(trove(&data, &["ingest", &id, "--json"])));
    assert_eq!(report["documents"].as_u64().unwrap() as usize, expected.len());
    assert_eq!(documents(&data, &id), expected);
}

#[test]
fn retry_failed_reruns_only_the_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = gen_corpus(tmp.path(), "5", "1M").join("cache");
    let data = tmp.path().join("data");
    let id = init_and_submit(&data, &cache);
    let config = data.join("trove.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    assert!(original.contains("max_depth = 12"));
    std::fs::write(&config, original.replace("max_depth = 12", "max_depth = 1")).unwrap();

    let shallow = json(&ok(trove(&data, &["ingest", &id, "--json"])));
    let failed = shallow["failed"].as_u64().unwrap();
    assert!(failed > 0, "the corpus nests deeper than one level: {shallow}");
    assert!(shallow["problems"].to_string().contains("nested deeper than 1 levels"));
    let before = documents(&data, &id);

    // Raising the limit changes nothing by itself: recorded documents stay.
    std::fs::write(&config, &original).unwrap();
    let again = json(&ok(trove(&data, &["ingest", &id, "--json"])));
    assert_eq!(again["failed"].as_u64().unwrap(), failed);

    let retried = json(&ok(trove(&data, &["ingest", &id, "--retry-failed", "--json"])));
    assert_eq!(retried["failed"], 0, "{retried}");
    let after = documents(&data, &id);
    // Every document that was not a failure is still there, unchanged, and
    // the failures' contents were read this time.
    let kept: Vec<_> = before.iter().filter(|d| d.2 != "failed").collect();
    assert!(kept.iter().all(|d| after.contains(d)));
    assert!(after.len() > before.len());
    assert!(after.iter().all(|d| d.2 != "failed"));
}

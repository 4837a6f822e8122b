//! Helpers shared by the binary's integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `trove` binary on a data directory.
pub fn trove(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trove"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TROVE_DATA")
        .output()
        .expect("the trove binary runs")
}

/// The stdout of a command that must succeed.
pub fn ok(output: Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "trove failed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// Parses a command's JSON report.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// Generates a corpus (`seed`, `size` like "800K") under `dir`, makes a data
/// dir beside it, submits the corpus's cache and ingests it: the corpus
/// root, the data dir and the submission id.
pub fn ingested_corpus(dir: &Path, seed: &str, size: &str) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let corpus = dir.join("corpus");
    ok(trove(
        dir,
        &[
            "gen-corpus",
            "--out",
            corpus.to_str().unwrap(),
            "--seed",
            seed,
            "--size",
            size,
        ],
    ));
    let data = dir.join("data");
    ok(trove(&data, &["init"]));
    let submitted = json(&ok(trove(
        &data,
        &["submit", "--json", corpus.join("cache").to_str().unwrap()],
    )));
    let id = submitted["submission"].as_str().unwrap().to_owned();
    ok(trove(&data, &["ingest", &id]));
    (corpus, data, id)
}

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

/// Generates a corpus (`seed`, `size` like "800K") under `dir`; its root.
pub fn gen_corpus(dir: &Path, seed: &str, size: &str) -> std::path::PathBuf {
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
    corpus
}

/// Makes the data dir `data` and submits `path` into it; the submission id.
pub fn init_and_submit(data: &Path, path: &Path) -> String {
    ok(trove(data, &["init"]));
    let submitted = json(&ok(trove(data, &["submit", "--json", path.to_str().unwrap()])));
    submitted["submission"].as_str().unwrap().to_owned()
}

/// A generated corpus under `dir`, its cache submitted into `dir/data` and
/// ingested: the corpus root, the data dir and the submission id.
pub fn ingested_corpus(dir: &Path, seed: &str, size: &str) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let corpus = gen_corpus(dir, seed, size);
    let data = dir.join("data");
    let id = init_and_submit(&data, &corpus.join("cache"));
    ok(trove(&data, &["ingest", &id]));
    (corpus, data, id)
}

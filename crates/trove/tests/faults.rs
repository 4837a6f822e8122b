//! The desk's pipeline killed and run again: `ingest`, `verify`,
//! `overlap`, `triage` and `decide` are each killed with SIGKILL at random
//! points, then run to the end; the data directory then holds what a clean
//! run leaves (the same documents, reports and decisions, and a log whose
//! checkpoint is the same byte for byte).
//!
//! Where a kill lands depends on the machine; what is checked holds
//! wherever it lands (or if the command finished first).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{gen_corpus, json, ok, trove};
use rand::{Rng, SeedableRng};

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    // A data directory on PostgreSQL (the test script's second pass) is
    // copied with a database of its own.
    let config = to.join("trove.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    if let Some(line) = text.lines().find(|l| l.starts_with("url = \"postgres://")) {
        let url = line.trim_start_matches("url = \"").trim_end_matches('"');
        let copy = trove_testkit::postgres::Postgres::start().copy_database(url);
        std::fs::write(&config, text.replace(url, &copy)).unwrap();
    }
}

/// The stage's command line after `--data DIR`.
fn stage(name: &str, id: &str, decision: &[String]) -> Vec<String> {
    let mut args = vec![name.to_owned(), id.to_owned()];
    if name == "decide" {
        args.extend(decision.iter().cloned());
    }
    args.push("--json".into());
    args
}

/// Everything the stages leave that a later one or a reader sees. (The
/// decision is read by deciding the same again, which records nothing
/// new: that too is checked, by the log's checkpoint.)
fn state(data: &Path, id: &str, decision: &[String]) -> Vec<String> {
    let mut documents: Vec<String> = json(&ok(trove(data, &["docs", "list", id, "--json"])))["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {} {} {}", d["path"], d["type"], d["status"], d["size"]))
        .collect();
    documents.sort();
    let args = stage("decide", id, decision);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let decided = json(&ok(trove(data, &args))).to_string();
    let checkpoint = ok(trove(data, &["log", "checkpoint"]));
    vec![documents.join("\n"), checkpoint, decided]
}

/// A report with its documents in path order: overlap prints each as it
/// is settled, in the order of the text packs, which differ between runs.
fn by_path(mut report: serde_json::Value) -> serde_json::Value {
    if let Some(documents) = report.get_mut("documents").and_then(|d| d.as_array_mut()) {
        documents.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    }
    report
}

#[test]
fn each_stage_killed_at_random_points_and_run_again_ends_as_a_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = gen_corpus(tmp.path(), "9", "3M");
    let base = tmp.path().join("base");
    let id = common::init_and_submit(&base, &corpus.join("cache"));
    ok(trove(
        &base,
        &["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()],
    ));
    let listing = corpus.join("published/corpora.json");
    ok(trove(
        &base,
        &["published", "import-listing", listing.to_str().unwrap()],
    ));
    let clean = tmp.path().join("clean");
    let killed = tmp.path().join("killed");
    copy_dir(&base, &clean);
    copy_dir(&base, &killed);

    // The clean run, timed, so that kills land within each stage.
    let mut durations = Vec::new();
    let mut reports = Vec::new();
    let mut decision = Vec::new();
    for name in ["ingest", "verify", "overlap", "triage", "decide"] {
        let started = Instant::now();
        let args = stage(name, &id, &decision);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report = by_path(json(&ok(trove(&clean, &args))));
        durations.push(started.elapsed());
        if name == "triage" {
            // The editor confirms the proposal.
            let outcome = report["proposal"]["outcome"].as_str().unwrap().to_owned();
            decision.push(format!("--{outcome}"));
            decision.extend(
                report["proposal"]["codes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c["code"].as_str().or(c.as_str()))
                    .map(str::to_owned),
            );
        }
        reports.push(report);
    }
    let expected = state(&clean, &id, &decision);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(23);
    let mut kills = 0;
    for (i, name) in ["ingest", "verify", "overlap", "triage", "decide"]
        .into_iter()
        .enumerate()
    {
        let args = stage(name, &id, &decision);
        for _ in 0..3 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_trove"))
                .arg("--data")
                .arg(&killed)
                .args(&args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let wait = durations[i].mul_f64(rng.gen_range(0.0..1.0)) + Duration::from_millis(rng.gen_range(0..40));
            std::thread::sleep(wait);
            if child.try_wait().unwrap().is_none() {
                // SAFETY: a signal to our own child.
                unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
                kills += 1;
            }
            child.wait().unwrap();
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report = by_path(json(&ok(trove(&killed, &args))));
        if name != "decide" {
            assert_eq!(report, reports[i], "{name} after kills");
        }
    }
    assert!(kills > 0, "no run was killed");
    let after = state(&killed, &id, &decision);
    assert_eq!(after[0], expected[0], "documents");
    assert_eq!(after[1], expected[1], "the log's checkpoint");
    assert_eq!(after[2], expected[2], "decisions");
}

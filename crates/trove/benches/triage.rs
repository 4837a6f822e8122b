//! `trove triage` on a generated cache (default 1 GiB): documents/s and
//! MB/s of reading every text, finding its entities and scoring.
//!
//! Run: `cargo bench -p trove --bench triage` (TROVE_BENCH_MIB, default
//! 1024; scratch in TROVE_BENCH_DIR). The set-up (generate, submit,
//! ingest) is not timed. No published corpus is registered, so triage does
//! not run overlap (it defers, NOT_MEASURED): overlap has its own
//! benchmark (`cargo bench -p trove-overlap --bench lsh`); set
//! TROVE_BENCH_OVERLAP=1 to register the generated corpora, verify, and
//! time `trove overlap` beside triage.

use std::process::Command;

mod measure;

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    let tmp = tempfile::tempdir_in(scratch).expect("scratch");
    let trove = env!("CARGO_BIN_EXE_trove");
    let corpus = tmp.path().join("corpus");
    let data = tmp.path().join("data");
    let run = |args: &[&str]| {
        let mut command = Command::new(trove);
        command.arg("--data").arg(&data).args(args);
        measure::run(&mut command)
    };
    run(&[
        "gen-corpus",
        "--seed",
        "4",
        "--size",
        &format!("{mib}M"),
        "--out",
        corpus.to_str().unwrap(),
    ]);
    run(&["init"]);
    let submitted = run(&["submit", corpus.join("cache").to_str().unwrap(), "--json"]);
    let id = measure::submission_id(&submitted.stdout);
    let ingested = run(&["ingest", &id, "--json"]);
    let documents = serde_json::from_str::<serde_json::Value>(&ingested.stdout).unwrap()["documents"]
        .as_u64()
        .unwrap();
    let with_overlap = std::env::var("TROVE_BENCH_OVERLAP").is_ok_and(|v| v == "1");
    if with_overlap {
        run(&["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()]);
        run(&[
            "published",
            "import-listing",
            corpus.join("published/corpora.json").to_str().unwrap(),
        ]);
        run(&["verify", &id]);
    }
    let cache_bytes: u64 = walkdir::WalkDir::new(corpus.join("cache"))
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();

    let best = |args: &[&str]| (0..2).map(|_| run(args)).min_by_key(|r| r.wall).unwrap();
    let triage = best(&["triage", &id, "--json"]);
    let report: serde_json::Value = serde_json::from_str(&triage.stdout).unwrap();
    let seconds = triage.wall.as_secs_f64();
    println!("triage of a {mib} MiB generated cache: {documents} documents, {cache_bytes} bytes, best of 2");
    println!(
        "trove triage    {seconds:>7.1} s  {:>8.0} documents/s  {:>6.1} MB/s  peak RSS {} MiB  (significance {}, proposal {})",
        documents as f64 / seconds,
        cache_bytes as f64 / 1e6 / seconds,
        triage.peak_rss_kib / 1024,
        report["significance"]["score"],
        report["proposal"]["outcome"]
    );
    if with_overlap {
        let overlap = best(&["overlap", &id, "--json"]);
        println!(
            "trove overlap   {:>7.1} s (included in triage above)",
            overlap.wall.as_secs_f64()
        );
    }
}

//! `trove triage` on a generated cache (default 1 GiB): documents/s and
//! MB/s, with `trove overlap` (which triage runs for its novelty figure)
//! timed on its own beside it, so the entity extraction and scoring show
//! apart.
//!
//! Run: `cargo bench -p trove --bench triage` (TROVE_BENCH_MIB, default
//! 1024; scratch in TROVE_BENCH_DIR). The set-up (generate, submit,
//! ingest, import keys and published corpora, verify) is not timed.

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
    let id = serde_json::from_str::<serde_json::Value>(&submitted.stdout).unwrap()["submission"]
        .as_str()
        .unwrap()
        .to_owned();
    let ingested = run(&["ingest", &id, "--json"]);
    let documents = serde_json::from_str::<serde_json::Value>(&ingested.stdout).unwrap()["documents"]
        .as_u64()
        .unwrap();
    run(&["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()]);
    let listing: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(corpus.join("published/corpora.json")).unwrap()).unwrap();
    for entry in &listing {
        let name = entry["name"].as_str().unwrap();
        run(&[
            "published",
            "import",
            "--name",
            name,
            "--publisher",
            entry["publisher"].as_str().unwrap(),
            "--date",
            entry["date"].as_str().unwrap(),
            corpus.join("published").join(name).to_str().unwrap(),
        ]);
    }
    run(&["verify", &id]);
    let cache_bytes: u64 = walkdir::WalkDir::new(corpus.join("cache"))
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();

    let best = |args: &[&str]| (0..2).map(|_| run(args)).min_by_key(|r| r.wall).unwrap();
    let overlap = best(&["overlap", &id, "--json"]);
    let triage = best(&["triage", &id, "--json"]);
    let report: serde_json::Value = serde_json::from_str(&triage.stdout).unwrap();
    let rate = |seconds: f64| (documents as f64 / seconds, cache_bytes as f64 / 1e6 / seconds);
    let (t_docs, t_mb) = rate(triage.wall.as_secs_f64());
    let extraction = (triage.wall.as_secs_f64() - overlap.wall.as_secs_f64()).max(1e-3);
    let (e_docs, e_mb) = rate(extraction);
    println!("triage of a {mib} MiB generated cache: {documents} documents, {cache_bytes} bytes, best of 2");
    println!(
        "trove triage    {:>7.1} s  {t_docs:>8.0} documents/s  {t_mb:>6.1} MB/s  peak RSS {} MiB  (significance {}, proposal {})",
        triage.wall.as_secs_f64(),
        triage.peak_rss_kib / 1024,
        report["significance"]["score"],
        report["proposal"]["outcome"]
    );
    println!(
        "  of which overlap {:>5.1} s; the rest (texts, entities, score): {e_docs:.0} documents/s, {e_mb:.1} MB/s",
        overlap.wall.as_secs_f64()
    );
}

//! The path on the embedded default (SQLite and files) and on the scaled
//! configuration (PostgreSQL and an S3 bucket: a throwaway cluster and
//! SeaweedFS on loopback, the same machine), on the same generated cache
//! in the same run: each stage a `trove` process, timed, as documents per
//! second, and the scaled configuration's ratio to the embedded one (goal
//! ≥ 0.7× for one worker). Both servers share the machine's two cores with
//! trove, which a deployment would not.
//!
//! Run: `cargo bench -p trove --bench scale`. Environment: TROVE_BENCH_MIB
//! (cache size, default 1024), TROVE_BENCH_DIR (scratch folder), TROVE_WEED
//! and TROVE_PG_BIN as for the tests.

use std::path::Path;
use std::process::Command;

use trove_testkit::postgres::Postgres;
use trove_testkit::seaweedfs::{ACCESS_KEY, BUCKET, SECRET_KEY, SeaweedFs};

mod measure;

const STAGES: [&str; 5] = [
    "submit",
    "ingest",
    "register published corpora",
    "verify",
    "triage (with its overlap)",
];

/// Each stage's seconds on one configuration, and the documents ingested.
fn run_path(data: &Path, corpus: &Path) -> (Vec<f64>, u64) {
    let trove = env!("CARGO_BIN_EXE_trove");
    let timed = |args: &[&str]| {
        let mut command = Command::new(trove);
        command.arg("--data").arg(data).args(args);
        let run = measure::run(&mut command);
        (run.wall.as_secs_f64(), run.stdout)
    };
    let (submit, submitted) = timed(&["submit", corpus.join("cache").to_str().unwrap(), "--json"]);
    let id = measure::submission_id(&submitted);
    let (ingest, ingested) = timed(&["ingest", &id, "--json"]);
    let documents = serde_json::from_str::<serde_json::Value>(&ingested).expect("ingest --json")["documents"]
        .as_u64()
        .expect("a document count");
    timed(&["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()]);
    let (register, _) = timed(&[
        "published",
        "import-listing",
        corpus.join("published/corpora.json").to_str().unwrap(),
    ]);
    let (verify, _) = timed(&["verify", &id]);
    let (triage, _) = timed(&["triage", &id]);
    (vec![submit, ingest, register, verify, triage], documents)
}

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    let tmp = tempfile::tempdir_in(&scratch).expect("scratch");
    let trove = env!("CARGO_BIN_EXE_trove");
    let corpus = tmp.path().join("corpus");
    let generated = Command::new(trove)
        .args(["--data", tmp.path().join("unused").to_str().unwrap()])
        .args(["gen-corpus", "--seed", "4", "--size", &format!("{mib}M"), "--out"])
        .arg(&corpus)
        .output()
        .expect("gen-corpus runs");
    assert!(generated.status.success(), "gen-corpus failed");
    let cache_bytes = measure::folder_bytes(&corpus.join("cache"));

    let embedded = tmp.path().join("embedded");
    let init = |data: &Path, extra: &[&str]| {
        let mut command = Command::new(trove);
        command.arg("--data").arg(data).arg("init").args(extra);
        measure::run(&mut command);
    };
    init(&embedded, &[]);
    eprintln!("embedded (SQLite and files)…");
    let (embedded_seconds, documents) = run_path(&embedded, &corpus);

    let bucket = SeaweedFs::start();
    let postgres = Postgres::own();
    let scaled = tmp.path().join("scaled");
    init(&scaled, &["--database", &postgres.database()]);
    let config_path = scaled.join("trove.toml");
    let mut config = std::fs::read_to_string(&config_path)
        .expect("trove.toml")
        .replace("backend = \"fs\"", "backend = \"s3\"");
    config.push_str(&format!(
        "\n[store.s3]\nendpoint = \"{}\"\nbucket = \"{BUCKET}\"\naccess_key_id = \"{ACCESS_KEY}\"\nsecret_access_key = \"{SECRET_KEY}\"\n",
        bucket.endpoint
    ));
    std::fs::write(&config_path, config).expect("writing trove.toml");
    eprintln!("scaled (PostgreSQL and SeaweedFS)…");
    let (scaled_seconds, scaled_documents) = run_path(&scaled, &corpus);
    assert_eq!(
        documents, scaled_documents,
        "both configurations ingest the same documents"
    );

    println!(
        "\n{mib} MiB cache ({cache_bytes} bytes, {documents} documents) on {}",
        measure::machine()
    );
    println!(
        "{:<28} {:>10} {:>10} {:>12} {:>12} {:>7}",
        "stage", "embedded s", "scaled s", "embedded d/s", "scaled d/s", "ratio"
    );
    for ((name, e), s) in STAGES.iter().zip(&embedded_seconds).zip(&scaled_seconds) {
        println!(
            "{name:<28} {e:>10.1} {s:>10.1} {:>12.0} {:>12.0} {:>6.2}×",
            documents as f64 / e,
            documents as f64 / s,
            e / s
        );
    }
    let (e, s): (f64, f64) = (embedded_seconds.iter().sum(), scaled_seconds.iter().sum());
    println!(
        "{:<28} {e:>10.1} {s:>10.1} {:>12.0} {:>12.0} {:>6.2}×  (goal ≥ 0.7×)",
        "the whole path",
        documents as f64 / e,
        documents as f64 / s,
        e / s
    );
}

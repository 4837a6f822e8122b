//! The path on the embedded default (SQLite and files, each stage a
//! `trove` command) and on the scaled configuration (PostgreSQL and an S3
//! bucket: a throwaway cluster and SeaweedFS on loopback, the path queued
//! and run by 1, then 2, `trove worker` processes), on the same generated
//! cache in the same run: seconds, documents per second, and the scaled
//! runs' ratio to the embedded one (goal ≥ 0.7× with one worker). The
//! servers share the machine's two cores with trove, which a deployment
//! would not; the stages of one submission are a chain, so a second
//! worker can only take over, not share, until tasks split a submission.
//!
//! Run: `cargo bench -p trove --bench scale`. Environment: TROVE_BENCH_MIB
//! (cache size, default 1024), TROVE_BENCH_DIR (scratch folder), TROVE_WEED
//! and TROVE_PG_BIN as for the tests.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use trove_testkit::postgres::Postgres;
use trove_testkit::seaweedfs::SeaweedFs;

mod measure;

fn trove(data: &Path, args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trove"));
    command.arg("--data").arg(data).args(args);
    measure::run(&mut command).stdout
}

/// Submits the cache and registers keys and corpora (untimed); the
/// submission id.
fn prepare(data: &Path, corpus: &Path) -> String {
    let id = measure::submission_id(&trove(
        data,
        &["submit", corpus.join("cache").to_str().unwrap(), "--json"],
    ));
    trove(
        data,
        &["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()],
    );
    trove(
        data,
        &[
            "published",
            "import-listing",
            corpus.join("published/corpora.json").to_str().unwrap(),
        ],
    );
    id
}

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    let tmp = tempfile::tempdir_in(&scratch).expect("scratch");
    let corpus = tmp.path().join("corpus");
    trove(
        &tmp.path().join("unused"),
        &[
            "gen-corpus",
            "--seed",
            "4",
            "--size",
            &format!("{mib}M"),
            "--out",
            corpus.to_str().unwrap(),
        ],
    );
    let cache_bytes = measure::folder_bytes(&corpus.join("cache"));

    let embedded = tmp.path().join("embedded");
    trove(&embedded, &["init"]);
    let id = prepare(&embedded, &corpus);
    eprintln!("embedded (SQLite and files)…");
    let mut rows = Vec::new();
    let mut documents = 0;
    let mut embedded_total = 0.0;
    for stage in ["ingest", "verify", "overlap", "triage"] {
        let started = Instant::now();
        let out = trove(&embedded, &[stage, &id, "--json"]);
        let seconds = started.elapsed().as_secs_f64();
        if stage == "ingest" {
            documents = serde_json::from_str::<serde_json::Value>(&out).expect("ingest --json")["documents"]
                .as_u64()
                .expect("a document count");
        }
        embedded_total += seconds;
        rows.push((format!("embedded: {stage}"), seconds));
    }
    rows.push(("embedded: the path".into(), embedded_total));

    let bucket = SeaweedFs::start();
    let postgres = Postgres::own();
    let mut scaled_totals = Vec::new();
    for workers in [1, 2] {
        let data = tmp.path().join(format!("scaled-{workers}"));
        trove(&data, &["init", "--database", &postgres.database()]);
        bucket.configure(&data, &format!("scale-{workers}/"));
        let id = prepare(&data, &corpus);
        trove(&data, &["queue", &id]);
        eprintln!("PostgreSQL and SeaweedFS, {workers} worker(s)…");
        let servers_cpu = || {
            (
                measure::cpu_seconds(postgres.server_pid().expect("this bench's cluster")),
                measure::cpu_seconds(bucket.pid().expect("this bench's SeaweedFS")),
            )
        };
        let (database_before, bucket_before) = servers_cpu();
        let started = Instant::now();
        let children: Vec<_> = (0..workers)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_trove"))
                    .arg("--data")
                    .arg(&data)
                    .args(["worker", "--until-idle"])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .expect("trove worker starts")
            })
            .collect();
        for mut child in children {
            assert!(child.wait().expect("a worker ends").success(), "a worker failed");
        }
        let seconds = started.elapsed().as_secs_f64();
        let jobs: serde_json::Value = serde_json::from_str(&trove(&data, &["jobs", "--json"])).expect("jobs --json");
        assert!(
            jobs["jobs"]
                .as_array()
                .expect("jobs")
                .iter()
                .all(|j| j["state"] == "done"),
            "every job done: {jobs}"
        );
        let (database_after, bucket_after) = servers_cpu();
        rows.push((format!("{workers} worker(s): the path"), seconds));
        scaled_totals.push((
            workers,
            seconds,
            database_after - database_before,
            bucket_after - bucket_before,
        ));
    }

    println!(
        "\n{mib} MiB cache ({cache_bytes} bytes, {documents} documents) on {}",
        measure::machine()
    );
    println!("{:<32} {:>9} {:>12}", "run", "seconds", "documents/s");
    for (name, seconds) in &rows {
        println!("{name:<32} {seconds:>9.1} {:>12.0}", documents as f64 / seconds);
    }
    for (workers, seconds, database_cpu, bucket_cpu) in scaled_totals {
        println!(
            "PostgreSQL + SeaweedFS with {workers} worker(s) / embedded: {:.2}× (goal ≥ 0.7× with one); \
             server CPU per 1000 documents: PostgreSQL {:.3} s, SeaweedFS {:.3} s; \
             the path's wall time per 1000 documents {:.3} s",
            embedded_total / seconds,
            database_cpu * 1000.0 / documents as f64,
            bucket_cpu * 1000.0 / documents as f64,
            seconds * 1000.0 / documents as f64
        );
    }
}

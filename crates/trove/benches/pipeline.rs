//! The whole path on generated caches of growing size: generate, ingest,
//! register the published corpora, verify, overlap and triage, each stage
//! a `trove` process timed with its own peak RSS; then time per GiB at
//! each size, the ratio between sizes, and a projection for 68 GB.
//!
//! Run: `cargo bench -p trove --bench pipeline`. Environment:
//! * TROVE_BENCH_SIZES: cache sizes in MiB, comma-separated (default
//!   `1024`; `1024,10240` for BENCHMARKS.md, never in CI);
//! * TROVE_BENCH_THREADS: ingest threads to measure at the first size,
//!   comma-separated (default `1,2`: each is a separate data folder and
//!   ingest; the later stages run on the last, and larger sizes ingest
//!   with the last only);
//! * TROVE_BENCH_DIR: scratch folder (the 10 GiB run needs about 40 GB).
//!
//! The peer for the whole path is the target itself (68 GB in under two
//! hours on this machine); the per-stage peers are in the ingest, overlap
//! and dkim benchmarks.

use std::path::Path;
use std::process::Command;

mod measure;

const GIB: f64 = (1u64 << 30) as f64;
/// The story's cache: 68 GB (decimal, as reported).
const STORY_BYTES: f64 = 68e9;

struct Stage {
    name: String,
    seconds: f64,
    peak_rss_mib: f64,
}

struct SizeRun {
    mib: u64,
    cache_bytes: u64,
    documents: u64,
    stages: Vec<Stage>,
}

fn list(name: &str, default: &str) -> Vec<u64> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

fn run_size(scratch: &Path, mib: u64, threads: &[u64]) -> SizeRun {
    let trove = env!("CARGO_BIN_EXE_trove");
    let tmp = tempfile::tempdir_in(scratch).expect("scratch");
    let corpus = tmp.path().join("corpus");
    let mut stages = Vec::new();
    let mut stage = |name: &str, data: &Path, args: &[&str]| {
        let mut command = Command::new(trove);
        command.arg("--data").arg(data).args(args);
        let run = measure::run(&mut command);
        eprintln!(
            "  {name:<28} {:>8.1} s  peak RSS {:>6.0} MiB",
            run.wall.as_secs_f64(),
            run.peak_rss_kib as f64 / 1024.0
        );
        stages.push(Stage {
            name: name.to_owned(),
            seconds: run.wall.as_secs_f64(),
            peak_rss_mib: run.peak_rss_kib as f64 / 1024.0,
        });
        run.stdout
    };
    eprintln!("{mib} MiB:");
    let scratch_data = tmp.path().join("unused");
    stage(
        "generate",
        &scratch_data,
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
    let cache = corpus.join("cache");
    let bytes = measure::folder_bytes(&cache);
    let mut data = tmp.path().join("data");
    let mut id = String::new();
    let mut documents = 0;
    for &n in threads {
        data = tmp.path().join(format!("data-{n}"));
        let quiet = |args: &[&str]| {
            let mut command = Command::new(trove);
            command.arg("--data").arg(&data).args(args);
            measure::run(&mut command).stdout
        };
        quiet(&["init"]);
        let submitted = quiet(&["submit", cache.to_str().unwrap(), "--json"]);
        id = measure::submission_id(&submitted);
        let ingested = stage(
            &format!("ingest ({n} thread{})", if n == 1 { "" } else { "s" }),
            &data,
            &["ingest", &id, "--threads", &n.to_string(), "--json"],
        );
        documents = serde_json::from_str::<serde_json::Value>(&ingested).unwrap()["documents"]
            .as_u64()
            .unwrap();
    }
    stage(
        "import DKIM keys",
        &data,
        &["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()],
    );
    stage(
        "register published corpora",
        &data,
        &[
            "published",
            "import-listing",
            corpus.join("published/corpora.json").to_str().unwrap(),
        ],
    );
    stage("verify", &data, &["verify", &id]);
    stage("overlap", &data, &["overlap", &id]);
    stage("triage (with its overlap)", &data, &["triage", &id]);
    SizeRun {
        mib,
        cache_bytes: bytes,
        documents,
        stages,
    }
}

fn main() {
    let sizes = list("TROVE_BENCH_SIZES", "1024");
    let threads = list("TROVE_BENCH_THREADS", "1,2");
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    let last = &threads[threads.len().saturating_sub(1)..];
    let runs: Vec<SizeRun> = sizes
        .iter()
        .enumerate()
        .map(|(i, &mib)| run_size(Path::new(&scratch), mib, if i == 0 { &threads } else { last }))
        .collect();

    for run in &runs {
        let gib = run.cache_bytes as f64 / GIB;
        println!(
            "\n{} MiB cache: {} bytes ({gib:.2} GiB), {} documents",
            run.mib, run.cache_bytes, run.documents
        );
        println!(
            "{:<28} {:>9} {:>10} {:>9} {:>10}",
            "stage", "seconds", "s per GiB", "MB/s", "peak MiB"
        );
        for stage in &run.stages {
            println!(
                "{:<28} {:>9.1} {:>10.1} {:>9.1} {:>10.0}",
                stage.name,
                stage.seconds,
                stage.seconds / gib,
                run.cache_bytes as f64 / 1e6 / stage.seconds,
                stage.peak_rss_mib
            );
        }
        let one = run.stages.iter().find(|s| s.name == "ingest (1 thread)");
        let two = run.stages.iter().find(|s| s.name == "ingest (2 threads)");
        if let (Some(one), Some(two)) = (one, two) {
            println!("ingest: 2 threads are {:.2}× 1 thread", one.seconds / two.seconds);
        }
    }
    if let (Some(small), Some(large)) = (runs.first(), runs.last())
        && runs.len() > 1
    {
        println!(
            "\ntime per GiB at {} MiB / at {} MiB (goal ≤ 1.2):",
            large.mib, small.mib
        );
        for stage in &large.stages {
            if let Some(before) = small.stages.iter().find(|s| s.name == stage.name) {
                let per_gib = |run: &SizeRun, s: &Stage| s.seconds / (run.cache_bytes as f64 / GIB);
                println!(
                    "  {:<28} {:>6.2}   peak RSS {:>6.0} → {:>6.0} MiB ({:.2}×)",
                    stage.name,
                    per_gib(large, stage) / per_gib(small, before),
                    before.peak_rss_mib,
                    stage.peak_rss_mib,
                    stage.peak_rss_mib / before.peak_rss_mib
                );
            }
        }
    }
    if let Some(largest) = runs.last() {
        // The path a newsroom runs once per cache: ingest on all threads,
        // keys, verify and triage (which runs overlap); not generation,
        // not the separate overlap report, not the slower ingest runs.
        let fastest_ingest = largest
            .stages
            .iter()
            .filter(|s| s.name.starts_with("ingest"))
            .map(|s| s.seconds)
            .fold(f64::INFINITY, f64::min);
        let path: f64 = fastest_ingest
            + largest
                .stages
                .iter()
                .filter(|s| {
                    [
                        "import DKIM keys",
                        "register published corpora",
                        "verify",
                        "triage (with its overlap)",
                    ]
                    .contains(&s.name.as_str())
                })
                .map(|s| s.seconds)
                .sum::<f64>();
        let per_byte = path / largest.cache_bytes as f64;
        println!(
            "\nthe whole path (ingest, keys, corpora, verify, triage with overlap) at {} MiB: {:.0} s, {:.1} MB/s",
            largest.mib,
            path,
            largest.cache_bytes as f64 / 1e6 / path
        );
        println!(
            "projected for 68 GB: {:.1} hours (goal < 2 hours)",
            per_byte * STORY_BYTES / 3600.0
        );
    }
}

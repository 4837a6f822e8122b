//! Overlap on real text: the submission and publication that
//! scripts/realtext.py builds from Debian's documentation. trove's import
//! and overlap run against datasketch's MinHashLSH and rensa's RMinHashLSH
//! (PyPI) indexing the same published texts and querying the same
//! submission texts, in the same run; and against the brute-force truth,
//! whose classes and novel shares trove's must match within 2 points (the
//! brute force's own time is printed too).
//!
//! The peers answer less: near-duplicate candidates only, no quotations,
//! no boilerplate, no spans. The ratio says what trove's fuller answer
//! costs against the fastest way to a partial one.
//!
//! Run: `cargo bench -p trove-overlap --bench realtext` (needs the Debian
//! documentation packages scripts/test installs, and python3 with
//! `pip install datasketch rensa`).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use trove_ingest::Limits;
use trove_overlap::index::Index;
use trove_overlap::{Class, CorpusInfo, Settings, import_corpus, overlap_submission};

fn texts(dir: &Path) -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).expect("read")).into_owned())
        .collect()
}

/// One document a line, its words (as trove and the truth count them)
/// separated by spaces: the peers' input.
fn lines(texts: &[String]) -> String {
    texts
        .iter()
        .map(|t| {
            let words: Vec<String> = t
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect();
            words.join(" ") + "\n"
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("realtext: benchmark");
        return;
    }
    let tmp = tempfile::tempdir().expect("scratch");
    let set = tmp.path().join("set");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/realtext.py");
    let start = Instant::now();
    let built = Command::new("python3").arg(script).arg(&set).output().expect("python3");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    let brute_force = start.elapsed().as_secs_f64();
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(set.join("truth.json")).expect("truth")).expect("json");

    let store = trove_testkit::Store::new().await;
    let record = store.submit_folder(&set.join("submission")).await;
    store.ingest(&record).await;
    let index_dir = store.tmp.path().join("overlap");
    let info = CorpusInfo {
        name: "debian-docs".into(),
        publisher: "Debian".into(),
        date: "2023-06-10".parse().expect("date"),
        url: None,
    };
    let start = Instant::now();
    import_corpus(
        &store.repo,
        &store.sealer,
        &index_dir,
        &set.join("published"),
        &info,
        &Limits::default(),
        |_| {},
    )
    .await
    .expect("import");
    let imported = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let index = Index::open(&index_dir).expect("index");
    let report = overlap_submission(&store.opener, &store.repo, &index, &record, &Settings::default())
        .await
        .expect("overlap");
    let measured = start.elapsed().as_secs_f64();
    let trove = imported + measured;

    let published = texts(&set.join("published"));
    let submission = texts(&set.join("submission"));
    let (docs, queries) = (tmp.path().join("docs.txt"), tmp.path().join("queries.txt"));
    std::fs::write(&docs, lines(&published)).expect("write");
    std::fs::write(&queries, lines(&submission)).expect("write");
    let mut peers = Vec::new();
    for library in ["datasketch", "rensa"] {
        let output = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lsh_peer.py"))
            .args([library, docs.to_str().expect("utf-8"), queries.to_str().expect("utf-8")])
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "{library}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let times: Vec<f64> = stdout
            .lines()
            .next()
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect();
        peers.push((library, times.iter().sum::<f64>()));
    }

    let total = report.documents.len() as f64;
    let share = |class: Class| report.documents.iter().filter(|d| d.class == class).count() as f64 / total;
    let truth_share = |name: &str| truth["by_class"][name].as_f64().unwrap_or(0.0) / total;
    println!(
        "real text: {} submission documents, {} published (Debian documentation)",
        report.documents.len(),
        published.len()
    );
    println!(
        "trove import {imported:.3} s + overlap {measured:.3} s = {trove:.3} s; brute-force truth (Python, with building the set) {brute_force:.1} s"
    );
    for (library, seconds) in &peers {
        println!(
            "{library}: index + query {seconds:.3} s (near-duplicate candidates only); trove / {library} = {:.2}x the time",
            trove / seconds
        );
    }
    for (class, name) in [
        (Class::Exact, "exact"),
        (Class::Near, "near"),
        (Class::Partial, "partial"),
        (Class::New, "new"),
    ] {
        println!("{name:<8} trove {:.3}  truth {:.3}", share(class), truth_share(name));
    }
    println!(
        "novel share by words: trove {:.3}, truth {:.3}; by documents: trove {:.3}, truth {:.3}; any shared passage counted as publication would say {:.3}",
        report.summary.novel_share_words,
        truth["novel_share_words"].as_f64().unwrap_or(0.0),
        report.summary.novel_share_count,
        truth["novel_share_count"].as_f64().unwrap_or(0.0),
        truth["any_passage_share_count"].as_f64().unwrap_or(0.0)
    );
}

//! Ingest of a generated mixed cache with 1 and 2 threads (documents/s,
//! MB/s, peak RSS), and in the same run the peers of its two heaviest
//! formats: Python's standard `email` package on the same .eml and .mbox
//! files, and poppler's `pdftotext` on the same PDFs (speed, and word-level
//! agreement of the text).
//!
//! Run: `cargo bench -p trove --bench ingest` (needs python3 and
//! `apt-get install poppler-utils`). TROVE_BENCH_MIB sets the cache size
//! (default 256; the figure in BENCHMARKS.md uses 1024), TROVE_BENCH_DIR the
//! scratch folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod measure;

use trove_ingest::{DocType, Limits, extract, split_mbox};

fn run(command: &mut Command) -> (f64, i64, String) {
    let done = measure::run(command.stderr(std::process::Stdio::inherit()));
    (done.wall.as_secs_f64(), done.peak_rss_kib, done.stdout)
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(extension))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn word_counts(text: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        *counts.entry(word.to_lowercase()).or_insert(0) += 1;
    }
    counts
}

/// Shared words (as multisets) over the larger of the two counts.
fn agreement(a: &str, b: &str) -> f64 {
    let (a, b) = (word_counts(a), word_counts(b));
    let common: usize = a.iter().map(|(w, n)| (*n).min(*b.get(w).unwrap_or(&0))).sum();
    let total = a.values().sum::<usize>().max(b.values().sum::<usize>()).max(1);
    common as f64 / total as f64
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("ingest: benchmark");
        return;
    }
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    std::fs::create_dir_all(&scratch).expect("the scratch folder can be made");
    let tmp = tempfile::tempdir_in(scratch).expect("scratch");
    let trove = env!("CARGO_BIN_EXE_trove");
    let corpus = tmp.path().join("corpus");
    let spec = trove_corpus::Spec {
        seed: 3,
        size: mib << 20,
        published_share: 0.45,
    };
    trove_corpus::generate(&corpus, &spec, |_, _| {}).expect("corpus");
    let cache = corpus.join("cache");
    let cache_bytes: u64 = walk(&cache)
        .iter()
        .map(|p| p.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();

    println!("ingest of a {mib} MiB generated cache ({cache_bytes} bytes on disk)");
    println!(
        "{:<10} {:>10} {:>12} {:>10} {:>14}",
        "threads", "documents", "documents/s", "MB/s", "peak RSS MiB"
    );
    for threads in [1, 2] {
        let data = tmp.path().join(format!("data-{threads}"));
        let trove_cmd = |args: &[&str]| {
            let mut c = Command::new(trove);
            c.arg("--data").arg(&data).args(args);
            c
        };
        run(&mut trove_cmd(&["init"]));
        let (_, _, submitted) = run(&mut trove_cmd(&["submit", cache.to_str().expect("utf-8"), "--json"]));
        let submission: serde_json::Value = serde_json::from_str(&submitted).expect("json");
        let id = submission["submission"].as_str().expect("id").to_owned();
        let (seconds, rss, report) = run(&mut trove_cmd(&[
            "ingest",
            &id,
            "--threads",
            &threads.to_string(),
            "--json",
        ]));
        let report: serde_json::Value = serde_json::from_str(&report).expect("json");
        let documents = report["documents"].as_u64().unwrap_or(0);
        println!(
            "{threads:<10} {documents:>10} {:>12.0} {:>10.1} {:>14.1}",
            documents as f64 / seconds,
            cache_bytes as f64 / 1e6 / seconds,
            rss as f64 / 1024.0
        );
    }

    // Email: the loose .eml and the top-level .mbox files.
    let mail: Vec<PathBuf> = files(&cache.join("mail"), ".eml")
        .into_iter()
        .chain(files(&cache.join("mailboxes"), ".mbox"))
        .collect();
    let limits = Limits::default();
    let start = Instant::now();
    let mut messages = 0;
    for path in &mail {
        let bytes = std::fs::read(path).expect("read");
        let raws = if path.extension().is_some_and(|e| e == "mbox") {
            split_mbox(&bytes)
        } else {
            vec![bytes]
        };
        for raw in raws {
            let extracted = extract(DocType::Email, &raw, &limits);
            assert!(extracted.text.is_some());
            messages += 1;
        }
    }
    let ours = start.elapsed().as_secs_f64();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/email_peer.py");
    let list = tmp.path().join("mail-files.txt");
    std::fs::write(
        &list,
        mail.iter().map(|p| format!("{}\n", p.display())).collect::<String>(),
    )
    .expect("list");
    let (_, _, peer) = run(Command::new("python3").arg(script).arg(&list));
    let mut fields = peer.split_whitespace();
    let python: f64 = fields.next().and_then(|s| s.parse().ok()).expect("python seconds");
    let python_messages: usize = fields.next().and_then(|s| s.parse().ok()).expect("python messages");
    println!(
        "email: {messages} messages ({python_messages} by Python): trove {ours:.3} s, Python email {python:.3} s, ratio {:.1}x",
        python / ours
    );

    // PDF: the top-level PDFs.
    let pdfs = files(&cache.join("documents"), ".pdf");
    let start = Instant::now();
    let texts: Vec<String> = pdfs
        .iter()
        .map(|p| {
            extract(DocType::Pdf, &std::fs::read(p).expect("read"), &limits)
                .text
                .unwrap_or_default()
        })
        .collect();
    let ours = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let peer_texts: Vec<String> = pdfs
        .iter()
        .map(|p| {
            String::from_utf8_lossy(
                &Command::new("pdftotext")
                    .arg(p)
                    .arg("-")
                    .output()
                    .expect("pdftotext")
                    .stdout,
            )
            .into_owned()
        })
        .collect();
    let poppler = start.elapsed().as_secs_f64();
    let agreement: f64 =
        texts.iter().zip(&peer_texts).map(|(a, b)| agreement(a, b)).sum::<f64>() / pdfs.len().max(1) as f64;
    println!(
        "pdf: {} files: trove {ours:.3} s, pdftotext {poppler:.3} s, speed ratio {:.1}x, word agreement {agreement:.3}",
        pdfs.len(),
        poppler / ours
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

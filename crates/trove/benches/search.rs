//! Desk search on a generated cache: latency of a mixed query set (words,
//! phrases, a sender, a date range) on trove's index, and the same queries
//! on SQLite FTS5 over the same texts (Python's sqlite3), in the same run.
//!
//! Run: `cargo bench -p trove --bench search` (TROVE_BENCH_MIB, default
//! 1024; scratch in TROVE_BENCH_DIR; needs python3). The set-up
//! (generate, submit, ingest, which builds trove's index) is timed apart.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use trove_search::Query;
use trove_store::DocumentTexts;

mod measure;

/// One query of the set, as each side runs it.
#[derive(serde::Serialize)]
struct Case {
    kind: &'static str,
    /// trove's query text.
    trove: String,
    /// FTS5: a MATCH expression, or a date range in seconds.
    fts: Option<String>,
    range: Option<(i64, i64)>,
}

fn day(seconds: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap().date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

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
        "6",
        "--size",
        &format!("{mib}M"),
        "--out",
        corpus.to_str().unwrap(),
    ]);
    run(&["init"]);
    let submitted = run(&["submit", corpus.join("cache").to_str().unwrap(), "--json"]);
    let id = measure::submission_id(&submitted.stdout);
    let ingested = run(&["ingest", &id, "--json"]);
    println!(
        "ingest with the index built as it goes: {:.1} s, peak RSS {} MiB",
        ingested.wall.as_secs_f64(),
        ingested.peak_rss_kib / 1024
    );

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let newsroom = runtime.block_on(trove_app::Newsroom::open(&data)).unwrap();
    let submission: trove_store::SubmissionId = id.parse().unwrap();

    // The same texts for FTS5, and the material for the query set.
    let export = tmp.path().join("texts.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&export).unwrap());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let (mut words, mut phrases, mut senders, mut dates) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut documents = 0u64;
    runtime.block_on(async {
        let opener = newsroom.opener().unwrap();
        let mut texts = DocumentTexts::new(newsroom.repo(), &opener, &submission).await.unwrap();
        while let Some(batch) = texts.next_batch().await.unwrap() {
            for (doc, text) in batch {
                documents += 1;
                let from: Vec<String> = doc.metadata["from"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                let date = doc.metadata["date"].as_str().and_then(trove_verify::parse_date);
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({"id": doc.id, "text": &*text, "sender": from.join(" "), "date": date}),
                )
                .unwrap();
                out.write_all(b"\n").unwrap();
                if rng.gen_ratio(1, 200) {
                    let tokens: Vec<&str> = text
                        .split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.len() >= 5 && w.chars().all(|c| c.is_ascii_lowercase()))
                        .collect();
                    if tokens.len() > 10 {
                        let at = rng.gen_range(0..tokens.len() - 1);
                        words.push(tokens[at].to_owned());
                        phrases.push(format!("{} {}", tokens[at], tokens[at + 1]));
                    }
                    if let Some(sender) = from.first().and_then(|f| f.split(['<', '>']).find(|p| p.contains('@'))) {
                        senders.push(sender.trim().to_owned());
                    }
                    dates.extend(date);
                }
            }
        }
    });
    drop(out);

    // The mixed set: single words, two words, phrases, a sender, a date
    // range of 30 days.
    let mut cases = Vec::new();
    for _ in 0..60 {
        let word = words.choose(&mut rng).unwrap();
        cases.push(Case {
            kind: "word",
            trove: word.clone(),
            fts: Some(word.clone()),
            range: None,
        });
        let (a, b) = (words.choose(&mut rng).unwrap(), words.choose(&mut rng).unwrap());
        cases.push(Case {
            kind: "two words",
            trove: format!("{a} {b}"),
            fts: Some(format!("{a} {b}")),
            range: None,
        });
        let phrase = phrases.choose(&mut rng).unwrap();
        cases.push(Case {
            kind: "phrase",
            trove: format!("\"{phrase}\""),
            fts: Some(format!("\"{phrase}\"")),
            range: None,
        });
        if let Some(sender) = senders.choose(&mut rng) {
            cases.push(Case {
                kind: "sender",
                trove: format!("from:\"{sender}\""),
                fts: Some(format!("sender : \"{sender}\"")),
                range: None,
            });
        }
        if let Some(&date) = dates.choose(&mut rng) {
            let (start, end) = (date - 15 * 86400, date + 15 * 86400);
            cases.push(Case {
                kind: "date range",
                trove: format!("after:{} before:{}", day(start), day(end)),
                fts: None,
                range: Some((start, end)),
            });
        }
    }
    cases.shuffle(&mut rng);

    // trove: the index query as the desk runs it (top 20), after a warm-up
    // pass over the set.
    let index = newsroom.search_index().unwrap();
    let query = |text: &str| Query {
        text: text.to_owned(),
        submission: None,
        limit: 20,
    };
    for case in &cases {
        index.search(&query(&case.trove)).unwrap();
    }
    let mut latencies = Vec::new();
    let mut hits = 0;
    for case in &cases {
        let start = Instant::now();
        hits += index.search(&query(&case.trove)).unwrap().len();
        latencies.push(start.elapsed().as_secs_f64() * 1e3);
    }
    latencies.sort_by(f64::total_cmp);
    let (p50, p99) = (
        measure::percentile(&latencies, 0.5),
        measure::percentile(&latencies, 0.99),
    );

    // FTS5 on the same texts and queries.
    let cases_file = tmp.path().join("cases.json");
    std::fs::write(&cases_file, serde_json::to_vec(&cases).unwrap()).unwrap();
    let fts = measure::fts5_peer(&export, &cases_file, &tmp.path().join("fts.db"));
    let (fts_p50, fts_p99) = (fts["p50_ms"].as_f64().unwrap(), fts["p99_ms"].as_f64().unwrap());

    println!(
        "{mib} MiB cache, {documents} documents, {} queries ({} hits on trove's side)",
        cases.len(),
        hits
    );
    println!("trove (tantivy)   p50 {p50:>7.3} ms   p99 {p99:>7.3} ms   (goal: p50 < 5 ms, p99 < 50 ms)");
    println!(
        "SQLite FTS5       p50 {fts_p50:>7.3} ms   p99 {fts_p99:>7.3} ms   (index built in {:.1} s; {} hits)",
        fts["build_s"].as_f64().unwrap(),
        fts["hits"]
    );
    println!(
        "ratio FTS5/trove  p50 {:.2}×   p99 {:.2}×   (goal ≥ 3×)",
        fts_p50 / p50,
        fts_p99 / p99
    );
    for kind in ["word", "two words", "phrase", "sender", "date range"] {
        // Measured again per kind (the set's figures above are pooled).
        let mut own = Vec::new();
        for case in cases.iter().filter(|c| c.kind == kind) {
            let start = Instant::now();
            index.search(&query(&case.trove)).unwrap();
            own.push(start.elapsed().as_secs_f64() * 1e3);
        }
        own.sort_by(f64::total_cmp);
        if !own.is_empty() {
            println!(
                "  {kind:<11} trove p50 {:>7.3} ms   FTS5 p50 {:>7.3} ms",
                measure::percentile(&own, 0.5),
                fts["by_kind"][kind].as_f64().unwrap_or(f64::NAN)
            );
        }
    }
}

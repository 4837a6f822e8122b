//! Triage reads a submission's texts pack by pack and keeps only what it
//! scores: its peak memory does not grow with the number of documents.
//! Compared as a ratio of two runs in child processes, not as a timing.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{init_fast, json, ok, trove, trove_peak_rss};

/// A folder of `count` documents of about 2 KB each, drawn from a small
/// vocabulary (so the entities triage tallies are the same few whatever
/// the count: only the documents' number changes).
fn cache(dir: &Path, count: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let people = ["Mr Harlan Voss", "Dr Ines Okafor", "Minister Petra Lind"];
    let firms = ["Northwind Capital Ltd", "Baltic Dredging AG"];
    for i in 0..count {
        let mut text = String::new();
        for line in 0..24 {
            let _ = writeln!(
                text,
                "Note {i}.{line}: {} met {} about the harbour tender of 2015; payment of 40,000 EUR pending.",
                people[(i + line) % people.len()],
                firms[(i * 7 + line) % firms.len()]
            );
        }
        // Spread over folders: a flat folder of thousands is slow to list.
        let folder = dir.join(format!("{:03}", i / 500));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(format!("note-{i:05}.txt")), text).unwrap();
    }
}

fn triage_peak(root: &Path, count: usize) -> i64 {
    let data = root.join(format!("data-{count}"));
    let files = root.join(format!("cache-{count}"));
    cache(&files, count);
    init_fast(&data);
    let submitted = json(&ok(trove(&data, &["submit", files.to_str().unwrap(), "--json"])));
    let id = submitted["submission"].as_str().unwrap().to_owned();
    let ingested = json(&ok(trove(&data, &["ingest", &id, "--json"])));
    assert_eq!(ingested["documents"].as_u64().unwrap() as usize, count);
    let (report, peak) = trove_peak_rss(&data, &["triage", &id, "--json"]);
    let report = json(&report);
    // The tally saw every document: the people are found, the volume
    // counts them all.
    let volume = report["significance"]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "volume")
        .unwrap()["facts"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(volume, format!("{count} documents"));
    assert_eq!(report["significance"]["entities"]["person"], 3, "{report}");
    peak
}

#[test]
fn triage_memory_does_not_grow_with_the_number_of_documents() {
    let tmp = tempfile::tempdir().unwrap();
    // A few thousand documents, not a few hundred, for the smaller run:
    // triage lists the submission again for the desk, and the list index's
    // writer (a fixed 15 MB budget) and SQLite's page caches fill up by
    // then; past that the peak must not follow the count.
    let few = triage_peak(tmp.path(), 3_000);
    let many = triage_peak(tmp.path(), 12_000);
    // 12 000 documents hold 24 MB of text and as many records: held at
    // once (as triage did before it streamed), they would add far more
    // than the margin below to a peak of a few tens of MiB.
    let ratio = many as f64 / few as f64;
    assert!(
        ratio < 1.3,
        "triage's peak grew {ratio:.2}× from 3 000 to 12 000 documents ({few} → {many} KiB)"
    );
}

//! Hostile copies of real documents: every file of `fixtures/real` is
//! mutated three ways (bytes flipped, cut short, a block inserted many
//! times), deterministically, and the lot is ingested through the binary
//! with its confined parser workers. Nothing may stop the run, every
//! document must be recorded (a bad one as failed or partial, with its
//! reason), and neither trove nor any worker may pass the memory bound.

mod common;

use std::path::Path;

use common::{json, ok, set_config, trove};
use rand::{Rng, SeedableRng};

/// The peak resident size bound for ingest and each of its workers.
const PEAK_RSS_BOUND_KIB: i64 = 1 << 20;

fn mutants(bytes: &[u8], rng: &mut impl Rng) -> Vec<(&'static str, Vec<u8>)> {
    let mut flipped = bytes.to_vec();
    if !flipped.is_empty() {
        for _ in 0..rng.gen_range(1..=16) {
            let at = rng.gen_range(0..flipped.len());
            flipped[at] ^= 1 << rng.gen_range(0..8);
        }
    }
    let cut = bytes[..rng.gen_range(0..=bytes.len())].to_vec();
    let mut repeated = bytes.to_vec();
    if !bytes.is_empty() {
        let start = rng.gen_range(0..bytes.len());
        let end = (start + rng.gen_range(1..=4096)).min(bytes.len());
        let block = bytes[start..end].to_vec();
        let at = rng.gen_range(0..=repeated.len());
        let copies = rng.gen_range(2..=64);
        let inserted: Vec<u8> = block.iter().copied().cycle().take(block.len() * copies).collect();
        repeated.splice(at..at, inserted);
    }
    vec![("flipped", flipped), ("cut", cut), ("repeated", repeated)]
}

#[test]
fn mutated_real_documents_are_each_recorded_and_nothing_stops_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    let hostile = tmp.path().join("hostile");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let mut written = 0;
    for entry in walkdir::WalkDir::new(&fixtures).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        let relative = entry.path().strip_prefix(&fixtures).unwrap();
        for (kind, mutant) in mutants(&bytes, &mut rng) {
            let path = hostile.join(kind).join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, mutant).unwrap();
            written += 1;
        }
    }
    assert!(written >= 180, "{written} mutants");

    let data = tmp.path().join("data");
    ok(trove(&data, &["init"]));
    // A tighter limit than the default, so that a pathological file costs
    // the run at most 40 s of wall clock.
    set_config(&data, "parser_seconds", "20");
    let submitted = json(&ok(trove(&data, &["submit", "--json", hostile.to_str().unwrap()])));
    let id = submitted["submission"].as_str().unwrap().to_owned();
    let report = json(&ok(trove(&data, &["ingest", &id, "--json"])));
    let peak = common::children_peak_rss_kib();

    let documents = report["documents"].as_u64().unwrap();
    assert!(documents >= written, "{documents} documents from {written} files");
    let listed = json(&ok(trove(&data, &["docs", "list", &id, "--json"])));
    assert_eq!(listed["documents"].as_array().unwrap().len() as u64, documents);
    let problems = report["problems"].as_array().unwrap();
    for problem in problems {
        let reason = problem["reason"].as_str().unwrap_or("");
        assert!(!reason.trim().is_empty(), "no reason: {problem}");
    }
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for problem in problems {
        let reason: String = problem["reason"].as_str().unwrap_or("").chars().take(60).collect();
        *reasons.entry(reason).or_default() += 1;
    }
    eprintln!("reasons: {reasons:#?}");
    eprintln!(
        "{written} mutants, {documents} documents, by status {}, {} problems, peak RSS {} MiB",
        report["by_status"],
        problems.len(),
        peak / 1024
    );
    assert!(peak < PEAK_RSS_BOUND_KIB, "a process peaked at {} MiB", peak / 1024);
}

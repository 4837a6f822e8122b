//! DKIM verifications/s over a generated corpus's signed mail, with dkimpy
//! (PyPI) verifying the same messages with the same keys in the same run:
//! the speed ratio and the verdict agreement, every disagreement listed.
//!
//! Run: `cargo bench -p trove-dkim --bench dkim` (needs python3 with
//! `pip install dkimpy`). TROVE_BENCH_MIB sets the corpus size (default 32).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn signed_messages(cache: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![cache.to_owned()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let name = path.strip_prefix(cache).unwrap().display().to_string();
            let messages = match path.extension().and_then(|e| e.to_str()) {
                Some("eml") => vec![(name, bytes)],
                Some("mbox") => trove_ingest::split_mbox(&bytes)
                    .into_iter()
                    .enumerate()
                    .map(|(i, m)| (format!("{name}/#{}", i + 1), m))
                    .collect(),
                _ => Vec::new(),
            };
            out.extend(messages.into_iter().filter(|(_, m)| m.starts_with(b"DKIM-Signature:")));
        }
    }
    out
}

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let tmp = tempfile::tempdir().expect("scratch");
    let corpus = tmp.path().join("corpus");
    trove_corpus::generate(
        &corpus,
        &trove_corpus::Spec {
            seed: 11,
            size: mib << 20,
            published_share: 0.45,
            footer: false,
        },
        |_, _| {},
    )
    .expect("corpus");
    let keys_file = corpus.join("dkim-keys.txt");
    let records: HashMap<(String, String), String> = std::fs::read_to_string(&keys_file)
        .unwrap()
        .lines()
        .filter_map(|line| {
            let (name, record) = line.split_once(' ')?;
            let (selector, domain) = name.split_once("._domainkey.")?;
            Some(((selector.to_owned(), domain.to_owned()), record.to_owned()))
        })
        .collect();
    let keys = |s: &str, d: &str| records.get(&(s.to_owned(), d.to_owned())).cloned();
    let messages = signed_messages(&corpus.join("cache"));
    let list = tmp.path().join("messages.txt");
    let mut listing = String::new();
    for (i, (_, bytes)) in messages.iter().enumerate() {
        let file = tmp.path().join(format!("m{i}.eml"));
        std::fs::write(&file, bytes).unwrap();
        listing.push_str(&format!("{}\n", file.display()));
    }
    std::fs::write(&list, listing).unwrap();

    // trove: verify every message, several rounds for a stable figure.
    let rounds = 20;
    let start = Instant::now();
    let mut ours = Vec::new();
    for round in 0..rounds {
        for (_, message) in &messages {
            let results = trove_dkim::verify(message, &keys);
            if round == 0 {
                ours.push(!results.is_empty() && results.iter().all(|r| r.outcome == trove_dkim::Outcome::Pass));
            }
        }
    }
    let trove_seconds = start.elapsed().as_secs_f64() / rounds as f64;
    // The same work on both cores, half the messages each.
    let start = Instant::now();
    for _ in 0..rounds {
        let (first, second) = messages.split_at(messages.len() / 2);
        std::thread::scope(|scope| {
            for half in [first, second] {
                let keys = &keys;
                scope.spawn(move || {
                    for (_, message) in half {
                        std::hint::black_box(trove_dkim::verify(message, keys));
                    }
                });
            }
        });
    }
    let two_thread_seconds = start.elapsed().as_secs_f64() / rounds as f64;

    let peer = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/dkimpy_peer.py"))
        .arg(&keys_file)
        .arg(&list)
        .output()
        .expect("python3 runs");
    assert!(
        peer.status.success(),
        "dkimpy peer failed (pip install dkimpy): {}",
        String::from_utf8_lossy(&peer.stderr)
    );
    let stdout = String::from_utf8(peer.stdout).unwrap();
    let mut lines = stdout.lines();
    let peer_seconds: f64 = lines.next().unwrap().split(' ').next().unwrap().parse().unwrap();
    let theirs: Vec<bool> = lines.map(|l| l == "1").collect();
    assert_eq!(theirs.len(), messages.len());

    let agree = ours.iter().zip(&theirs).filter(|(a, b)| a == b).count();
    let n = messages.len() as f64;
    println!(
        "DKIM verification of {} signed messages ({} pass by trove) from a {mib} MiB corpus",
        messages.len(),
        ours.iter().filter(|&&p| p).count()
    );
    println!(
        "trove-dkim  {:>9.0} verifications/s  ({:.3} s a round, mean of {rounds})",
        n / trove_seconds,
        trove_seconds
    );
    println!(
        "trove-dkim  {:>9.0} verifications/s on 2 threads ({:.3} s a round)",
        n / two_thread_seconds,
        two_thread_seconds
    );
    println!(
        "dkimpy      {:>9.0} verifications/s  ({:.3} s, one process)",
        n / peer_seconds,
        peer_seconds
    );
    println!(
        "ratio       {:>9.1}x on 1 thread, {:.1}x on 2",
        peer_seconds / trove_seconds,
        peer_seconds / two_thread_seconds
    );
    println!(
        "agreement   {agree}/{} ({:.2}%)",
        messages.len(),
        agree as f64 * 100.0 / n
    );
    for ((name, _), (a, b)) in messages.iter().zip(ours.iter().zip(&theirs)) {
        if a != b {
            println!("  disagree: {name}: trove {a}, dkimpy {b}");
        }
    }
}

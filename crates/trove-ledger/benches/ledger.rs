//! Durable appends per second with batches of 1, 64 and 1024; tiles
//! written per second; inclusion proof generation (from tiles on disk) and
//! verification time.
//!
//! Run: `cargo bench -p trove-ledger --bench ledger` (scratch folder:
//! TROVE_BENCH_DIR, default `.`). There is no peer to run here: Tessera is
//! Go and not installable from this machine's registries, so BENCHMARKS.md
//! quotes its published POSIX figure for context.

use std::time::{Duration, Instant};

use trove_keys::NoteSigningKey;
use trove_ledger::merkle::{inclusion_proof, leaf_hash, verify_inclusion};
use trove_ledger::statement::Statement;
use trove_ledger::{DirFetch, LogWriter, TileSource};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("ledger: benchmark");
        return;
    }
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    let intake = NoteSigningKey::from_seed("trove-intake", &[2; 32]);
    // Realistic entries: signed receipts (~320 bytes), signed beforehand,
    // since signing is the appender's cost, not the log's.
    let entries: Vec<Vec<u8>> = (0..200_000u64)
        .map(|i| {
            Statement::Receipt {
                submission: format!("{i:032x}").parse().unwrap(),
                commitment: [(i % 251) as u8; 32],
                day: "2026-11-27".parse().unwrap(),
                size_class: 20,
            }
            .sign(&intake)
            .expect("valid statement")
        })
        .collect();
    println!("entry size: {} bytes", entries[0].len());
    println!(
        "{:<12} {:>10} {:>14} {:>16} {:>14}",
        "batch", "entries", "appends/s", "tiles written/s", "ms per batch"
    );
    for (batch, total) in [(1usize, 500usize), (64, 64 * 300), (1024, 1024 * 150)] {
        let dir = tempfile::tempdir_in(&scratch).expect("scratch dir");
        let mut log = LogWriter::open(dir.path(), NoteSigningKey::from_seed("trove-log", &[1; 32])).expect("open");
        let start = Instant::now();
        for chunk in entries[..total].chunks(batch) {
            log.append(chunk).expect("append");
        }
        let elapsed = start.elapsed().as_secs_f64();
        println!(
            "{batch:<12} {total:>10} {:>14.0} {:>16.0} {:>14.2}",
            total as f64 / elapsed,
            log.files_written() as f64 / elapsed,
            elapsed * 1000.0 / (total / batch) as f64
        );
    }

    // Proofs in a log of 100 000 entries.
    let dir = tempfile::tempdir_in(&scratch).expect("scratch dir");
    let mut log = LogWriter::open(dir.path(), NoteSigningKey::from_seed("trove-log", &[1; 32])).expect("open");
    for chunk in entries[..100_000].chunks(4096) {
        log.append(chunk).expect("append");
    }
    let size = log.size();
    let root = log.checkpoint().checkpoint.root;
    let fetch = DirFetch(dir.path().to_owned());
    let indices: Vec<u64> = (0..2000u64).map(|i| (i * 7919) % size).collect();
    let start = Instant::now();
    let proofs: Vec<_> = indices
        .iter()
        .map(|&index| inclusion_proof(&TileSource::new(&fetch, size), index, size).expect("proof"))
        .collect();
    let generation = start.elapsed() / indices.len() as u32;
    let leaves: Vec<_> = indices.iter().map(|&i| leaf_hash(&entries[i as usize])).collect();
    let rounds = 20;
    let start = Instant::now();
    for _ in 0..rounds {
        for ((index, proof), leaf) in indices.iter().zip(&proofs).zip(&leaves) {
            assert!(verify_inclusion(*index, size, leaf, proof, &root));
        }
    }
    let verification: Duration = start.elapsed() / (indices.len() * rounds) as u32;
    println!(
        "inclusion proof in a log of {size}: generation {generation:?} (reading tiles from disk), verification {verification:?}"
    );
}

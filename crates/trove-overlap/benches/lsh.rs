//! Near-duplicate search, trove's index against datasketch's MinHashLSH and
//! rensa's RMinHashLSH (PyPI) on the same documents in the same run: index
//! and query time, and precision and recall against the exact Jaccard ≥ 0.8
//! (brute force over every pair). Then a scale run: 1 M published documents
//! indexed through segments in bounded memory, peak RSS, and queries/s.
//!
//! Run: `cargo bench -p trove-overlap --bench lsh` (needs python3 with
//! `pip install datasketch rensa`). TROVE_BENCH_DOCS sets the comparison's
//! published documents (default 20 000), TROVE_BENCH_SCALE the scale run's
//! (default 1 000 000; 0 skips it).

use std::collections::HashSet;
use std::process::Command;
use std::time::Instant;

use trove_overlap::index::{Index, SegmentWriter, SetLocation};
use trove_overlap::text::{jaccard, shingle_set, words};
use trove_overlap::{NEAR, minhash};

/// A deterministic vocabulary and documents drawn from it.
struct Generator {
    state: u64,
    vocabulary: Vec<String>,
}

impl Generator {
    fn new(seed: u64) -> Self {
        let mut g = Generator {
            state: seed,
            vocabulary: Vec::new(),
        };
        g.vocabulary = (0..20_000).map(|i| format!("w{i:x}{}", g.next() % 97)).collect();
        g
    }

    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn document(&mut self, len: usize) -> Vec<String> {
        (0..len)
            .map(|_| {
                let i = self.next() as usize % self.vocabulary.len();
                self.vocabulary[i].clone()
            })
            .collect()
    }

    /// A copy with `share` of its words replaced.
    fn edited(&mut self, doc: &[String], share: f64) -> Vec<String> {
        doc.iter()
            .map(|w| {
                if (self.next() % 10_000) as f64 / 10_000.0 < share {
                    let i = self.next() as usize % self.vocabulary.len();
                    self.vocabulary[i].clone()
                } else {
                    w.clone()
                }
            })
            .collect()
    }
}

/// One query in SAMPLE gets a brute-force truth.
const SAMPLE: usize = 8;

fn peak_rss_mib() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

/// Precision and recall of `found` against `truth`, over the sampled queries.
fn score(found: &[HashSet<usize>], truth: &[HashSet<usize>]) -> (f64, f64) {
    let (mut hits, mut reported, mut expected) = (0, 0, 0);
    for (f, t) in found.iter().zip(truth) {
        hits += f.intersection(t).count();
        reported += f.len();
        expected += t.len();
    }
    (
        if reported == 0 {
            1.0
        } else {
            hits as f64 / reported as f64
        },
        if expected == 0 {
            1.0
        } else {
            hits as f64 / expected as f64
        },
    )
}

fn main() {
    let docs_count: usize = std::env::var("TROVE_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let scale: usize = std::env::var("TROVE_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().expect("scratch");
    let mut generator = Generator::new(0x5eed);
    let docs: Vec<Vec<String>> = (0..docs_count).map(|_| generator.document(300)).collect();
    // Queries: a third edited copies (similarity spread around 0.8), a
    // third light edits, a third unrelated.
    let queries: Vec<Vec<String>> = (0..docs_count / 10)
        .map(|i| {
            let source = &docs[(i * 7919) % docs.len()];
            match i % 3 {
                0 => generator.edited(source, 0.02 + (i % 7) as f64 * 0.006),
                1 => generator.edited(source, 0.005),
                _ => generator.document(300),
            }
        })
        .collect();
    let write = |name: &str, set: &[Vec<String>]| {
        let path = tmp.path().join(name);
        let text: String = set.iter().map(|d| d.join(" ") + "\n").collect();
        std::fs::write(&path, text).unwrap();
        path
    };
    let (docs_file, queries_file) = (write("docs.txt", &docs), write("queries.txt", &queries));

    // The truth: every (query, doc) pair with Jaccard ≥ 0.8, by brute
    // force, for a sample of the queries (every SAMPLE-th).
    let doc_sets: Vec<Vec<u64>> = docs.iter().map(|d| shingle_set(&words(&d.join(" ")))).collect();
    let query_sets: Vec<Vec<u64>> = queries.iter().map(|d| shingle_set(&words(&d.join(" ")))).collect();
    let sampled: Vec<usize> = (0..queries.len()).step_by(SAMPLE).collect();
    let truth: Vec<HashSet<usize>> = sampled
        .iter()
        .map(|&q| {
            doc_sets
                .iter()
                .enumerate()
                .filter(|(_, d)| jaccard(&query_sets[q], d) >= NEAR)
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let sample_of =
        |found: &[HashSet<usize>]| -> Vec<HashSet<usize>> { sampled.iter().map(|&q| found[q].clone()).collect() };

    // trove: fingerprint (on `threads` threads), write a segment, open it,
    // query with exact checks.
    let fingerprint = |doc: &Vec<String>| {
        let set = shingle_set(&words(&doc.join(" ")));
        let bands = minhash::signature(&set)
            .map(|s| minhash::band_keys(&s))
            .unwrap_or_default();
        (set, bands)
    };
    let build = |threads: usize, dir: &std::path::Path| {
        std::fs::create_dir_all(dir).unwrap();
        let chunk = docs.len().div_ceil(threads);
        let prints: Vec<(Vec<u64>, [u64; minhash::BANDS])> = std::thread::scope(|scope| {
            let handles: Vec<_> = docs
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(fingerprint).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let mut writer = SegmentWriter::default();
        let mut locations = Vec::with_capacity(docs.len());
        for (i, (set, bands)) in prints.iter().enumerate() {
            let (offset, len) = writer.add(i as u32 + 1, bands, &[], set);
            locations.push(SetLocation {
                segment: 1,
                offset,
                len,
            });
        }
        writer.finish(dir, 1).unwrap();
        locations
    };
    let start = Instant::now();
    let one_thread_locations = build(1, &tmp.path().join("index-1"));
    let trove_index_one = start.elapsed().as_secs_f64();
    let index_dir = tmp.path().join("index");
    let start = Instant::now();
    let locations = build(2, &index_dir);
    let index = Index::open(&index_dir).unwrap();
    assert_eq!(locations, one_thread_locations);
    let trove_index = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut trove_found = Vec::with_capacity(queries.len());
    let mut candidates = Vec::new();
    for query in &queries {
        let set = shingle_set(&words(&query.join(" ")));
        let mut found = HashSet::new();
        if let Some(signature) = minhash::signature(&set) {
            candidates.clear();
            for key in minhash::band_keys(&signature) {
                index.band_candidates(key, &mut candidates);
            }
            candidates.sort_unstable();
            candidates.dedup();
            for &doc in &candidates {
                let doc = doc as usize - 1;
                if jaccard(&set, &index.set(locations[doc])) >= NEAR {
                    found.insert(doc);
                }
            }
        }
        trove_found.push(found);
    }
    let trove_query = start.elapsed().as_secs_f64();
    let (precision, recall) = score(&sample_of(&trove_found), &truth);
    let pairs: usize = truth.iter().map(HashSet::len).sum();
    println!(
        "near-duplicate search: {} published documents of 300 words, {} queries; precision and recall over {} sampled queries with {pairs} true pairs (Jaccard ≥ 0.8, brute force)",
        docs.len(),
        queries.len(),
        sampled.len()
    );
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>8}",
        "", "index s", "query s", "precision", "recall"
    );
    println!(
        "{:<28} {:>10.3} {:>10.3} {:>10.3} {:>8.3}",
        "trove, 1 thread to index", trove_index_one, trove_query, precision, recall
    );
    println!(
        "{:<28} {:>10.3} {:>10.3} {:>10.3} {:>8.3}",
        "trove, 2 threads to index", trove_index, trove_query, precision, recall
    );
    for library in ["datasketch", "rensa"] {
        let output = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lsh_peer.py"))
            .args([library, docs_file.to_str().unwrap(), queries_file.to_str().unwrap()])
            .output()
            .expect("python3 runs");
        if !output.status.success() {
            println!("{library}: failed ({})", String::from_utf8_lossy(&output.stderr).trim());
            continue;
        }
        let stdout = String::from_utf8(output.stdout).unwrap();
        let mut lines = stdout.lines();
        let times: Vec<f64> = lines.next().unwrap().split(' ').map(|t| t.parse().unwrap()).collect();
        let found: Vec<HashSet<usize>> = lines
            .map(|l| l.split_whitespace().map(|i| i.parse().unwrap()).collect())
            .collect();
        let (precision, recall) = score(&sample_of(&found), &truth);
        println!(
            "{:<28} {:>10.3} {:>10.3} {:>10.3} {:>8.3}   trove is {:.1}× ({:.1}× on 2 threads) faster to index, {:.1}× to query",
            format!("{library} (LSH only)"),
            times[0],
            times[1],
            precision,
            recall,
            times[0] / trove_index_one,
            times[0] / trove_index,
            times[1] / trove_query
        );
    }

    if scale == 0 {
        return;
    }
    // Scale: published documents of 120 words, written in segments of at
    // most 128 MiB of tables, as an import does.
    let scale_dir = tmp.path().join("scale");
    std::fs::create_dir_all(&scale_dir).unwrap();
    let start = Instant::now();
    let mut writer = SegmentWriter::default();
    let mut segment = 1;
    let mut scale_locations = Vec::with_capacity(scale);
    let mut generator = Generator::new(0xface);
    let mut samples = Vec::new();
    for i in 0..scale {
        let doc = generator.document(120);
        let text = doc.join(" ");
        let found = trove_overlap::fingerprint(&text);
        let fingerprints: Vec<(u64, u32)> = found.winnowed.iter().map(|f| (f.hash, f.position)).collect();
        let (offset, len) = writer.add(
            i as u32 + 1,
            &found.bands.unwrap_or_default(),
            &fingerprints,
            &found.set,
        );
        scale_locations.push(SetLocation { segment, offset, len });
        if i % (scale / 1000).max(1) == 0 {
            let edited = generator.edited(&doc, 0.01).join(" ");
            let similarity = jaccard(&shingle_set(&words(&edited)), &found.set);
            samples.push((edited, i, similarity));
        }
        if writer.memory() >= 128 << 20 {
            std::mem::take(&mut writer).finish(&scale_dir, segment).unwrap();
            segment += 1;
        }
    }
    if !writer.is_empty() {
        writer.finish(&scale_dir, segment).unwrap();
    }
    let indexed = start.elapsed().as_secs_f64();
    let index = Index::open(&scale_dir).unwrap();
    let start = Instant::now();
    let mut found_sources = 0;
    let rounds = 5;
    for round in 0..rounds {
        for (sample, source, _) in &samples {
            let set = shingle_set(&words(sample));
            candidates.clear();
            for key in minhash::band_keys(&minhash::signature(&set).unwrap()) {
                index.band_candidates(key, &mut candidates);
            }
            candidates.sort_unstable();
            candidates.dedup();
            let near: Vec<u32> = candidates
                .iter()
                .copied()
                .filter(|&d| jaccard(&set, &index.set(scale_locations[d as usize - 1])) >= NEAR)
                .collect();
            if round == 0 && near.contains(&(*source as u32 + 1)) {
                found_sources += 1;
            }
        }
    }
    let queried = start.elapsed().as_secs_f64();
    let on_disk: u64 = std::fs::read_dir(&scale_dir)
        .unwrap()
        .flatten()
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "scale: {scale} published documents indexed in {indexed:.1} s ({:.0} docs/s), {segment} segments, {:.0} MiB on disk, peak RSS {:.0} MiB",
        scale as f64 / indexed,
        on_disk as f64 / (1 << 20) as f64,
        peak_rss_mib()
    );
    let expected = samples.iter().filter(|(_, _, j)| *j >= NEAR).count();
    println!(
        "scale: {:.0} near-duplicate queries/s (LSH + exact check); {found_sources} of the {expected} edited copies with Jaccard ≥ 0.8 to their source found (recall {:.3}), none below reported",
        (samples.len() * rounds) as f64 / queried,
        found_sources as f64 / expected.max(1) as f64
    );
}

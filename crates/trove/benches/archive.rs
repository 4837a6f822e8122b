//! The public archive at scale, each figure beside its peer in the same
//! run:
//!
//! 1. Search: TROVE_BENCH_DOCS generated published documents (default
//!    100 000; BENCHMARKS.md's figure is 1 000 000) in the archive's index;
//!    its build time and size, and the p50/p99 latency of a fixed mixed
//!    query set (words, two words, phrases, a sender, a 30-day range),
//!    beside SQLite FTS5 (Python's sqlite3, `fts5_peer.py`) over the same
//!    texts and queries.
//! 2. Serving: requests per second of a document page and of a search
//!    page from `trove serve --role archive` under a load generator on
//!    loopback (bounded in requests), beside nginx (Debian) serving the
//!    same document page as a static file.
//!
//! Run: `cargo bench -p trove --bench archive` (scratch in TROVE_BENCH_DIR;
//! needs python3 and nginx).
//!
//! The texts are drawn from a Zipf-distributed vocabulary of 60 000
//! made-up words (a fifth of the documents in Cyrillic, indexed as
//! Russian), so that words range from everywhere to rare as in real mail.

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use trove_search::public::{PublicDocument, PublicIndex, PublicQuery, Sort};

mod measure;

const THREADS: usize = 2;

#[derive(serde::Serialize)]
struct Case {
    kind: &'static str,
    trove: String,
    fts: Option<String>,
    range: Option<(i64, i64)>,
}

/// Made-up words from syllables, and a Zipf sampler over them.
struct Vocabulary {
    latin: Vec<String>,
    cyrillic: Vec<String>,
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new(size: usize, rng: &mut ChaCha8Rng) -> Vocabulary {
        let latin_syllables = [
            "ka", "to", "re", "mi", "sa", "lon", "ver", "da", "pri", "nu", "tes", "gor", "al", "be",
        ];
        let cyrillic_syllables = [
            "ка", "то", "ре", "ми", "са", "лон", "вер", "да", "при", "ну", "тес", "гор", "ал", "бе",
        ];
        let mut latin = Vec::with_capacity(size);
        let mut cyrillic = Vec::with_capacity(size);
        let mut seen = std::collections::HashSet::new();
        while latin.len() < size {
            let parts: Vec<usize> = (0..rng.gen_range(2..=5))
                .map(|_| rng.gen_range(0..latin_syllables.len()))
                .collect();
            let word: String = parts.iter().map(|&i| latin_syllables[i]).collect();
            if seen.insert(word.clone()) {
                latin.push(word);
                cyrillic.push(parts.iter().map(|&i| cyrillic_syllables[i]).collect());
            }
        }
        let mut total = 0.0;
        let cumulative = (1..=size)
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(1.07);
                total
            })
            .collect::<Vec<_>>();
        let cumulative = cumulative.iter().map(|c| c / total).collect();
        Vocabulary {
            latin,
            cyrillic,
            cumulative,
        }
    }

    fn rank(&self, rng: &mut ChaCha8Rng) -> usize {
        let x: f64 = rng.r#gen();
        self.cumulative.partition_point(|&c| c < x).min(self.latin.len() - 1)
    }
}

fn day(seconds: i64) -> String {
    let date = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap().date();
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Sends `requests` GETs of `path` from THREADS keep-alive clients;
/// requests per second.
fn load(base: &str, paths: &[String], requests: usize) -> f64 {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..THREADS * 2 {
            scope.spawn(|| {
                let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let mut response = agent.get(format!("{base}{}", paths[i % paths.len()])).call().unwrap();
                    assert_eq!(response.status().as_u16(), 200);
                    response.body_mut().read_to_vec().unwrap();
                }
            });
        }
    });
    requests as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let documents: usize = std::env::var("TROVE_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    // TROVE_BENCH_KEEP=DIR keeps the indexes in DIR and reuses them on the
    // next run with the same TROVE_BENCH_DOCS (to profile queries without
    // waiting for a build; delete DIR after a change of schema).
    let kept = std::env::var_os("TROVE_BENCH_KEEP").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir_in(scratch).expect("scratch");
    let work = kept.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&work).expect("TROVE_BENCH_KEEP");
    let parts = std::env::var("TROVE_BENCH_PARTS").unwrap_or_default();
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let vocabulary = Vocabulary::new(60_000, &mut rng);
    let people: Vec<String> = (0..5_000)
        .map(|i| {
            format!(
                "{}.{}@{}.example",
                vocabulary.latin[i * 7 % 60_000],
                i,
                vocabulary.latin[i % 300]
            )
        })
        .collect();
    let machine = measure::machine();
    println!("machine: {machine}; {documents} generated published documents");

    // The texts, written for FTS5 as they are indexed by trove.
    let archive_dir = work.join("archive");
    let index = PublicIndex::open(&archive_dir.join("index")).unwrap();
    let reuse = index.len() == documents as u64;
    if reuse {
        println!("reusing the indexes in {}", work.display());
    }
    let export = work.join("texts.jsonl");
    let mut out: Box<dyn Write> = if reuse {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::BufWriter::new(std::fs::File::create(&export).unwrap()))
    };
    let (mut words, mut phrases, mut senders, mut dates) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let per_release = 20_000;
    let mut release_roots = Vec::new();
    let mut build_seconds = 0.0;
    let mut text_bytes = 0u64;
    for (release_number, first) in (0..documents).step_by(per_release).enumerate() {
        let root = format!("{release_number:064x}");
        release_roots.push(root.clone());
        let mut batch = Vec::new();
        for index_in_release in 0..per_release.min(documents - first) {
            let russian = rng.gen_ratio(1, 5);
            let length = rng.gen_range(60..=360);
            let ranks: Vec<usize> = (0..length).map(|_| vocabulary.rank(&mut rng)).collect();
            let words_of = |r: &usize| {
                if russian {
                    vocabulary.cyrillic[*r].as_str()
                } else {
                    vocabulary.latin[*r].as_str()
                }
            };
            let text = ranks.iter().map(words_of).collect::<Vec<_>>().join(" ");
            let mail = rng.gen_ratio(1, 2);
            let from = if mail {
                vec![people.choose(&mut rng).unwrap().clone()]
            } else {
                Vec::new()
            };
            let to = if mail {
                vec![people.choose(&mut rng).unwrap().clone()]
            } else {
                Vec::new()
            };
            let date = 1_356_998_400 + rng.gen_range(0..4 * 365 * 86_400i64);
            if rng.gen_ratio(1, 500) && !russian {
                let at = rng.gen_range(0..ranks.len() - 1);
                words.push(vocabulary.latin[ranks[at]].clone());
                phrases.push(format!(
                    "{} {}",
                    vocabulary.latin[ranks[at]],
                    vocabulary.latin[ranks[at + 1]]
                ));
                senders.extend(from.first().cloned());
                dates.push(date);
            }
            serde_json::to_writer(
                &mut out,
                &serde_json::json!({"id": format!("{root}/{index_in_release}"), "text": &text, "sender": from.join(" "), "date": date}),
            )
            .unwrap();
            out.write_all(b"\n").unwrap();
            text_bytes += text.len() as u64;
            batch.push(PublicDocument {
                release: root.clone(),
                index: index_in_release as u64,
                path: format!(
                    "cache/{release_number}/{index_in_release}.{}",
                    if mail { "eml" } else { "txt" }
                ),
                file: format!("documents/{index_in_release}.txt"),
                doc_type: if mail { "email" } else { "text" }.into(),
                language: Some(if russian { "rus" } else { "eng" }.into()),
                subject: mail.then(|| text.split(' ').take(6).collect::<Vec<_>>().join(" ")),
                text,
                from,
                to,
                date: Some(date),
                evidence: if mail {
                    vec![("DKIM verified".into(), "dkim-verified".into())]
                } else {
                    Vec::new()
                },
                ..PublicDocument::default()
            });
        }
        if !reuse {
            let start = Instant::now();
            index.put_release(&root, &batch).unwrap();
            build_seconds += start.elapsed().as_secs_f64();
        }
    }
    drop(out);
    let index_bytes = measure::folder_bytes(&archive_dir.join("index"));
    println!(
        "trove's index: built in {build_seconds:.1} s (indexing only), {:.0} MiB on disk for {:.0} MiB of text (the published text is stored too)",
        index_bytes as f64 / 1048576.0,
        text_bytes as f64 / 1048576.0
    );

    let mut cases = Vec::new();
    for _ in 0..60 {
        let word = words.choose(&mut rng).unwrap().clone();
        cases.push(Case {
            kind: "word",
            trove: word.clone(),
            fts: Some(word),
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
        let sender = senders.choose(&mut rng).unwrap();
        cases.push(Case {
            kind: "sender",
            trove: format!("from:\"{sender}\""),
            fts: Some(format!("sender : \"{sender}\"")),
            range: None,
        });
        let date = *dates.choose(&mut rng).unwrap();
        cases.push(Case {
            kind: "date range",
            trove: format!("after:{} before:{}", day(date - 15 * 86400), day(date + 15 * 86400)),
            fts: None,
            range: Some((date - 15 * 86400, date + 15 * 86400)),
        });
    }
    cases.shuffle(&mut rng);
    // trove: the archive's query as its search page runs it (20 hits with
    // snippets, and facet counts over every hit), after a warm-up pass.
    // Two ways: bare (the top 20 ids and titles, as FTS5 answers) and as
    // the search page asks (snippets, and facet counts over every hit).
    let query = |text: &str, bare: bool| PublicQuery {
        text: text.to_owned(),
        facets: Vec::new(),
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        bare,
    };
    // TROVE_BENCH_PARTS=serve measures only the serving (with a kept index).
    if parts != "serve" {
        for case in &cases {
            index.search(&query(&case.trove, true)).unwrap();
            index.search(&query(&case.trove, false)).unwrap();
        }
        let mut latencies = Vec::new();
        let mut page_latencies = Vec::new();
        let mut hits = 0;
        let mut slowest = Vec::new();
        let mut by_kind: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
        for case in &cases {
            let start = Instant::now();
            hits += index.search(&query(&case.trove, true)).unwrap().hits.len();
            let ms = start.elapsed().as_secs_f64() * 1e3;
            latencies.push(ms);
            by_kind.entry(case.kind).or_default().push(ms);
            slowest.push((ms, case));
            let start = Instant::now();
            index.search(&query(&case.trove, false)).unwrap();
            page_latencies.push(start.elapsed().as_secs_f64() * 1e3);
        }
        latencies.sort_by(f64::total_cmp);
        page_latencies.sort_by(f64::total_cmp);
        let (p50, p99) = (
            measure::percentile(&latencies, 0.5),
            measure::percentile(&latencies, 0.99),
        );
        let cases_file = work.join("cases.json");
        std::fs::write(&cases_file, serde_json::to_vec(&cases).unwrap()).unwrap();
        let fts = measure::fts5_peer(&export, &cases_file, &work.join("fts.db"));
        let (fts_p50, fts_p99) = (fts["p50_ms"].as_f64().unwrap(), fts["p99_ms"].as_f64().unwrap());
        println!("{} queries, top 20 each ({hits} hits on trove's side)", cases.len());
        println!("trove (tantivy)   p50 {p50:>7.3} ms   p99 {p99:>7.3} ms   (goal: p50 < 5 ms, p99 < 50 ms)");
        println!(
            "  as the search page asks (snippets, facet counts over every hit): p50 {:.3} ms   p99 {:.3} ms",
            measure::percentile(&page_latencies, 0.5),
            measure::percentile(&page_latencies, 0.99)
        );
        println!(
            "SQLite FTS5       p50 {fts_p50:>7.3} ms   p99 {fts_p99:>7.3} ms   (index built in {:.1} s, {:.0} MiB; {} hits)",
            fts["build_s"].as_f64().unwrap(),
            std::fs::metadata(work.join("fts.db")).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0,
            fts["hits"]
        );
        println!(
            "ratio FTS5/trove  p50 {:.2}x   p99 {:.2}x   (goal >= 3x)",
            fts_p50 / p50,
            fts_p99 / p99
        );
        for (kind, mut own) in by_kind {
            own.sort_by(f64::total_cmp);
            println!(
                "  {kind:<11} trove p50 {:>7.3} ms   FTS5 p50 {:>7.3} ms",
                measure::percentile(&own, 0.5),
                fts["by_kind"][kind].as_f64().unwrap_or(f64::NAN)
            );
        }
        slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
        println!("  the slowest (where p99 comes from):");
        for (ms, case) in slowest.iter().take(5) {
            println!("    {ms:>8.3} ms  {:<11} {}", case.kind, case.trove);
        }
    }
    drop(index);
    if parts == "search" {
        return;
    }

    // 2. Serving, beside nginx serving the same document page as a file.
    let mut server = Command::new(env!("CARGO_BIN_EXE_trove"))
        .args([
            "serve",
            "--role",
            "archive",
            "--archive-addr",
            "127.0.0.1:0",
            "--archive",
        ])
        .arg(&archive_dir)
        .arg("--data")
        .arg(tmp.path().join("no-data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let document_paths: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "/d/{}/{}",
                release_roots[i % release_roots.len()],
                i * 37 % per_release.min(documents)
            )
        })
        .collect();
    let search_paths: Vec<String> = cases
        .iter()
        .filter(|c| c.kind == "word")
        .map(|c| format!("/search?q={}", c.trove))
        .collect();
    let requests = 4_000;
    load(&base, &document_paths, 200);
    let document_rate = load(&base, &document_paths, requests);
    let search_rate = load(&base, &search_paths, requests / 4);
    // The server's floor: a fixed file from memory, through the same HTTP
    // stack, headers and middleware as a document page.
    let floor_rate = load(&base, &["/style.css".to_owned()], requests);
    let page = {
        let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
        agent
            .get(format!("{base}{}", document_paths[0]))
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap()
    };
    let _ = server.kill();
    let _ = server.wait();
    let root = tmp.path().join("nginx");
    std::fs::create_dir_all(root.join("www")).unwrap();
    std::fs::write(root.join("www/doc.html"), &page).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        root.join("nginx.conf"),
        format!(
            "daemon off; worker_processes {THREADS}; pid {0}/nginx.pid; error_log {0}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{ access_log off; client_body_temp_path {0}/body; proxy_temp_path {0}/proxy; fastcgi_temp_path {0}/fcgi; uwsgi_temp_path {0}/uwsgi; scgi_temp_path {0}/scgi;\n\
             server {{ listen 127.0.0.1:{port}; root {0}/www; location / {{ default_type text/html; }} }} }}\n",
            root.display()
        ),
    )
    .unwrap();
    let nginx = Command::new("nginx")
        .arg("-c")
        .arg(root.join("nginx.conf"))
        .arg("-p")
        .arg(&root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let nginx_rate = match nginx {
        Ok(mut nginx) => {
            let nginx_base = format!("http://127.0.0.1:{port}");
            // nginx writes no line when ready: wait until it answers.
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                std::thread::yield_now();
            }
            let paths = vec!["/doc.html".to_owned()];
            load(&nginx_base, &paths, 200);
            let rate = load(&nginx_base, &paths, requests);
            let _ = nginx.kill();
            let _ = nginx.wait();
            Some(rate)
        }
        Err(_) => None,
    };
    println!(
        "serving on loopback, {} keep-alive clients, {requests} requests each way:",
        THREADS * 2
    );
    println!("  trove document page  {document_rate:>8.0} req/s");
    println!("  trove /style.css     {floor_rate:>8.0} req/s (the HTTP stack's floor, no index)");
    println!(
        "  trove search page    {search_rate:>8.0} req/s ({} requests)",
        requests / 4
    );
    match nginx_rate {
        Some(rate) => println!(
            "  nginx, the same document page as a static file {rate:>8.0} req/s\n  ratio {:.2} of nginx (goal >= 0.5)",
            document_rate / rate
        ),
        None => println!("  nginx is not installed (apt-get install nginx): no peer figure"),
    }
}

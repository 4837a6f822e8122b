//! The desk on a generated cache (issue 21): over HTTP, as a journalist's
//! browser asks, the time to open a submission's page (its list and facet
//! counts), to narrow it by two facets, to open page 100 of its list, and
//! to run a batch search of 50 names and words; p50 and p99 of each over
//! repeated runs, and the desk server's peak RSS.
//!
//! Run: `cargo bench -p trove --bench desk` (TROVE_BENCH_MIB, default
//! 1024; TROVE_BENCH_RUNS, default 30; scratch in TROVE_BENCH_DIR;
//! TROVE_BENCH_KEEP=DIR keeps the prepared data directory in DIR and
//! reuses it). The preparation (generate, ingest, verify, overlap, triage)
//! is timed apart.

use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;
mod measure;

use common::{Server, Source, between, json, ok, trove};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

/// Times `runs` calls of `request`, after one to warm up.
fn time(name: &str, runs: usize, mut request: impl FnMut() -> usize) -> (f64, f64) {
    request();
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        bytes = request();
        times.push(start.elapsed());
    }
    times.sort();
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    println!("{name:<34} p50 {p50:8.1} ms   p99 {p99:8.1} ms   ({bytes} bytes a page)");
    (p50, p99)
}

fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0)
        / 1024
}

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let runs: usize = std::env::var("TROVE_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    let tmp = tempfile::tempdir_in(scratch).expect("scratch");
    let work = std::env::var_os("TROVE_BENCH_KEEP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_owned());
    let corpus = work.join("corpus");
    let data = work.join("data");
    let prepared = work.join("prepared");
    let step = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trove"));
        command.arg("--data").arg(&data).args(args);
        let run = measure::run(&mut command);
        println!(
            "  {:<28} {:7.1} s   peak RSS {:5} MiB",
            args[0],
            run.wall.as_secs_f64(),
            run.peak_rss_kib / 1024
        );
        run
    };
    let id = match std::fs::read_to_string(&prepared) {
        Ok(id) => id.trim().to_owned(),
        Err(_) => {
            println!("preparing a {mib} MiB cache:");
            std::fs::create_dir_all(&work).expect("work folder");
            step(&[
                "gen-corpus",
                "--seed",
                "21",
                "--size",
                &format!("{mib}M"),
                "--out",
                corpus.to_str().unwrap(),
            ]);
            step(&["init"]);
            let submitted = step(&["submit", corpus.join("cache").to_str().unwrap(), "--json"]);
            let id = measure::submission_id(&submitted.stdout);
            step(&["ingest", &id]);
            step(&["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()]);
            step(&[
                "published",
                "import-listing",
                corpus.join("published/corpora.json").to_str().unwrap(),
            ]);
            step(&["verify", &id]);
            step(&["triage", &id]);
            std::fs::write(&prepared, &id).unwrap();
            id
        }
    };

    let server = Server::start(&data, "desk");
    let name = format!("bench{}", std::process::id());
    let added = json(&ok(trove(
        &data,
        &["users", "add", &name, "--role", "journalist", "--json"],
    )));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = trove_app::users::totp_code(added["totp_secret"].as_str().unwrap(), now).unwrap();
    let mut browser = Source::new(&server.desk);
    let page = browser.get("/desk/login");
    let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"").to_owned();
    let password = added["password"].as_str().unwrap().to_owned();
    let logged_in = browser.post_form(
        "/desk/login",
        &[
            ("csrf", &csrf),
            ("name", &name),
            ("password", &password),
            ("code", &code),
        ],
    );
    assert_eq!(logged_in.status, 303, "logged in");

    let submission_page = format!("/desk/s/{id}");
    let first = browser.get(&submission_page);
    assert_eq!(first.status, 200);
    let total = between(&first.body, "<strong id=\"total\">", "<").to_owned();
    let csrf = between(&first.body, "name=\"csrf\" value=\"", "\"").to_owned();
    // The facet values the page offers: mail, and its most common verdict.
    let verdict = between(&first.body, "data-facet=\"verdict/", "\"").to_owned();
    let narrowed = format!("{submission_page}?f=type/email&f=verdict/{verdict}");
    let page_100 = format!("{submission_page}?page=100");
    // 50 names and words: the people and organisations the facets offer,
    // then words of the story.
    let mut terms: Vec<String> = Vec::new();
    for group in ["person/", "organisation/", "place/"] {
        let mut rest = first.body.as_str();
        while let Some(at) = rest.find(&format!("data-facet=\"{group}")) {
            rest = &rest[at + 12 + group.len()..];
            let value = rest.split('"').next().unwrap_or_default();
            terms.push(value.replace("&#x27;", "'").replace("&amp;", "&"));
        }
    }
    let words = [
        "contract",
        "payment",
        "invoice",
        "meeting",
        "transfer",
        "account",
        "tender",
        "minister",
        "budget",
        "offshore",
        "agreement",
        "shares",
        "audit",
        "report",
        "loan",
        "director",
        "bank",
        "fund",
        "deadline",
        "approval",
    ];
    terms.extend(words.iter().map(|w| w.to_string()));
    terms.truncate(50);
    let batch = terms.join("\n");
    println!(
        "\ndesk on a {mib} MiB cache: submission {id} of {total} documents; {} batch terms; {runs} runs each",
        terms.len()
    );

    let mut get = |path: &str| {
        let reply = browser.get(path);
        assert_eq!(reply.status, 200, "{path}");
        reply.body.len()
    };
    let open = time("open the submission page", runs, || get(&submission_page));
    let facets = time("narrow by type and verdict", runs, || get(&narrowed));
    let page = time("open page 100 of its list", runs, || get(&page_100));
    let mut poster = Source::new(&server.desk);
    poster.cookies = browser.cookies.clone();
    let batch_times = time("batch search of 50 terms", runs, || {
        let reply = poster.post_form(
            "/desk/batch",
            &[("csrf", &csrf), ("terms", &batch), ("submission", &id)],
        );
        assert_eq!(reply.status, 200);
        reply.body.len()
    });
    let rss = peak_rss_mib(server.pid());
    println!("desk server peak RSS {rss} MiB");
    println!(
        "\nfor BENCHMARKS.md: open {:.1}/{:.1} ms, two facets {:.1}/{:.1} ms, page 100 {:.1}/{:.1} ms, batch {:.1}/{:.1} ms (p50/p99), peak RSS {rss} MiB, on {}",
        open.0,
        open.1,
        facets.0,
        facets.1,
        page.0,
        page.1,
        batch_times.0,
        batch_times.1,
        measure::machine()
    );
}

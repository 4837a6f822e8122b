//! `trove worker` processes sharing a submission through the job queue
//! in a real PostgreSQL, the blobs in a real bucket (SeaweedFS): the first
//! worker is killed with SIGKILL as soon as it has taken the ingest job,
//! three more run the queue dry, and the path ends with the documents,
//! verdicts, overlap classes and triage of the embedded default's run;
//! the killed worker's job was done again once its lease ran out.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{json, ok, trove};
use trove_testkit::postgres::Postgres;
use trove_testkit::seaweedfs::SeaweedFs;

fn worker(data: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trove"));
    command
        .arg("--data")
        .arg(data)
        .args(["worker", "--json", "--lease-seconds", "2", "--threads", "1"])
        .args(extra)
        .env_remove("TROVE_DATA");
    command
}

#[test]
fn workers_share_the_path_and_a_killed_one_loses_nothing() {
    let bucket = SeaweedFs::start();
    let postgres = Postgres::start();
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::gen_corpus(tmp.path(), "52", "2MiB");
    let keys = corpus.join("dkim-keys.txt");
    let listing = corpus.join("published/corpora.json");

    // The embedded default, stage by stage.
    let embedded = tmp.path().join("embedded");
    let embedded_id = common::init_and_submit(&embedded, &corpus.join("cache"));
    ok(trove(&embedded, &["keys", "dkim", "import", keys.to_str().unwrap()]));
    ok(trove(
        &embedded,
        &["published", "import-listing", listing.to_str().unwrap()],
    ));
    for stage in ["ingest", "verify", "overlap"] {
        ok(trove(&embedded, &[stage, &embedded_id]));
    }
    let embedded_triage = json(&ok(trove(&embedded, &["triage", &embedded_id, "--json"])));
    let expected = common::documents_by_path(&embedded, &embedded_id);
    assert!(expected.len() > 100, "{} documents", expected.len());

    // The scaled configuration: only trove.toml says where.
    let scaled = tmp.path().join("scaled");
    ok(trove(&scaled, &["init", "--database", &postgres.database()]));
    bucket.configure(&scaled, &format!("workers-{}/", std::process::id()));
    let submitted = json(&ok(trove(
        &scaled,
        &["submit", "--json", corpus.join("cache").to_str().unwrap()],
    )));
    let id = submitted["submission"].as_str().unwrap().to_owned();
    ok(trove(&scaled, &["keys", "dkim", "import", keys.to_str().unwrap()]));
    ok(trove(
        &scaled,
        &["published", "import-listing", listing.to_str().unwrap()],
    ));
    let queued = json(&ok(trove(&scaled, &["queue", &id, "--json"])));
    let ingest_job = queued["job"].as_i64().unwrap();

    // The first worker dies the moment it has the ingest job.
    let mut first = worker(&scaled, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut events = BufReader::new(first.stdout.take().unwrap());
    let mut line = String::new();
    events.read_line(&mut line).unwrap();
    let took: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        (took["event"].as_str(), took["job"]["id"].as_i64()),
        (Some("took"), Some(ingest_job))
    );
    first.kill().unwrap();
    first.wait().unwrap();

    // Three more run the queue until nothing is left, the lapsed ingest
    // job first.
    let others: Vec<_> = (0..3)
        .map(|_| {
            worker(&scaled, &["--until-idle"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut finished = 0;
    for other in others {
        let output = other.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        finished += String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.contains("\"event\":\"finished\""))
            .count();
    }
    assert_eq!(finished, 4, "ingest, verify, overlap and triage, each once");

    let jobs = json(&ok(trove(&scaled, &["jobs", "--json"])));
    let jobs = jobs["jobs"].as_array().unwrap();
    let stages: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| (j["kind"].as_str().unwrap(), j["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        stages,
        [
            ("ingest", "done"),
            ("verify", "done"),
            ("overlap", "done"),
            ("triage", "done")
        ]
    );
    assert_eq!(jobs[0]["attempts"], 2, "the killed worker's job was taken again");

    assert_eq!(common::documents_by_path(&scaled, &id), expected);
    let triage = json(&ok(trove(&scaled, &["triage", &id, "--json"])));
    for key in ["significance", "proposal"] {
        assert_eq!(triage[key], embedded_triage[key], "{key}");
    }
}

//! The metadata database on PostgreSQL when the server goes away: a stage
//! running when it does fails with an error that says so (no panic, no
//! hang), a command started while it is away is refused the same way, and
//! once the server is back the same commands finish as a clean run does,
//! with nothing acknowledged lost.

mod common;

use std::process::{Command, Stdio};

use common::{json, ok, trove};
use trove_testkit::postgres::Postgres;

#[test]
fn a_database_outage_mid_ingest_gives_a_clear_error_and_the_run_ends_as_a_clean_one() {
    let mut postgres = Postgres::own();
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::gen_corpus(tmp.path(), "44", "4MiB");

    let clean = tmp.path().join("clean");
    let clean_id = common::init_and_submit(&clean, &corpus.join("cache"));
    ok(trove(&clean, &["ingest", &clean_id]));
    let expected = common::documents_by_path(&clean, &clean_id);
    assert!(expected.len() > 100, "{} documents", expected.len());

    let data = tmp.path().join("data");
    let database = postgres.database();
    ok(trove(&data, &["init", "--database", &database]));
    let submitted = json(&ok(trove(
        &data,
        &["submit", "--json", corpus.join("cache").to_str().unwrap()],
    )));
    let id = submitted["submission"].as_str().unwrap().to_owned();

    // Ingest starts; once it holds a connection it is paused, the server
    // goes away, and ingest goes on into the outage.
    let mut ingest = Command::new(env!("CARGO_BIN_EXE_trove"))
        .arg("--data")
        .arg(&data)
        .args(["ingest", &id])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let name = database
        .split('/')
        .nth(3)
        .and_then(|t| t.split('?').next())
        .unwrap()
        .to_owned();
    loop {
        let connected = postgres.psql(
            "postgres",
            &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'"),
        );
        if connected.trim() != "0" {
            break;
        }
        assert!(ingest.try_wait().unwrap().is_none(), "ingest ended before it connected");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SAFETY: signals to a child we own.
    unsafe { libc::kill(ingest.id() as i32, libc::SIGSTOP) };
    postgres.stop();
    unsafe { libc::kill(ingest.id() as i32, libc::SIGCONT) };
    let output = ingest.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "ingest went through an outage");
    assert!(stderr.contains("metadata database"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // While it is away, a new command is refused with the same words.
    let refused = trove(&data, &["submissions", "--json"]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("connecting to PostgreSQL"), "{said}");

    // Back: the submission acknowledged before the outage is there, and
    // ingest run again ends where the clean run did.
    postgres.resume();
    let listed = json(&ok(trove(&data, &["submissions", "--json"])));
    assert!(listed.to_string().contains(&id), "{listed}");
    ok(trove(&data, &["ingest", &id]));
    assert_eq!(common::documents_by_path(&data, &id), expected);
}

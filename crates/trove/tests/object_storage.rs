//! The whole path in its scaled-out configuration (the metadata in a real
//! PostgreSQL, the blob store in a real S3 bucket: SeaweedFS on loopback)
//! gives what the embedded default (SQLite and files) gives: the same
//! documents, verdicts, overlap classes and triage; nothing is written to
//! the data directory's blob folder or a SQLite file, the bucket holds
//! ciphertext only (no document's text, no plaintext hash), and the
//! database no document's text.

mod common;

use std::path::Path;

use common::{json, ok, trove};
use trove_s3::{S3Backend, S3Config};
use trove_store::BlobBackend as _;
use trove_testkit::postgres::Postgres;
use trove_testkit::seaweedfs::{ACCESS_KEY, BUCKET, SECRET_KEY, SeaweedFs};

/// Runs the path on `data` (made already) for the corpus at `corpus`; the
/// submission id, its documents (by path: type, status, verdict, overlap)
/// and its triage report.
fn run_path(data: &Path, corpus: &Path) -> (String, Vec<serde_json::Value>, serde_json::Value) {
    let submitted = json(&ok(trove(
        data,
        &["submit", "--json", corpus.join("cache").to_str().unwrap()],
    )));
    let id = submitted["submission"].as_str().unwrap().to_owned();
    ok(trove(data, &["ingest", &id]));
    ok(trove(
        data,
        &["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()],
    ));
    ok(trove(
        data,
        &[
            "published",
            "import-listing",
            corpus.join("published/corpora.json").to_str().unwrap(),
        ],
    ));
    ok(trove(data, &["verify", &id]));
    let triage = json(&ok(trove(data, &["triage", &id, "--json"])));
    let rows = common::documents_by_path(data, &id);
    (id, rows, triage)
}

#[test]
fn the_path_on_postgres_and_a_bucket_equals_the_embedded_path_and_the_bucket_holds_only_ciphertext() {
    let server = SeaweedFs::start();
    let postgres = Postgres::start();
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::gen_corpus(tmp.path(), "31", "2MiB");

    let on_files = tmp.path().join("files");
    ok(trove(&on_files, &["init"]));
    let (_, file_rows, file_triage) = run_path(&on_files, &corpus);

    let on_s3 = tmp.path().join("s3");
    let database = postgres.database();
    ok(trove(&on_s3, &["init", "--database", &database]));
    let prefix = format!("path-{}/", std::process::id());
    server.configure(&on_s3, &prefix);
    // The server answers within a few seconds of starting.
    let bucket = S3Backend::new(&S3Config {
        endpoint: Some(server.endpoint.clone()),
        bucket: BUCKET.into(),
        region: None,
        prefix: Some(prefix.clone()),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(SECRET_KEY.into()),
    })
    .unwrap();
    bucket.check_within(std::time::Duration::from_secs(30)).unwrap();
    let (s3_id, s3_rows, s3_triage) = run_path(&on_s3, &corpus);

    // The same documents, verdicts, overlap classes and significance.
    assert!(file_rows.len() > 100, "{} documents", file_rows.len());
    assert_eq!(file_rows, s3_rows);
    for key in ["significance", "proposal"] {
        assert_eq!(file_triage[key], s3_triage[key], "{key}");
    }

    // Nothing went to the local blob folder; the bucket has the blobs.
    let local = on_s3.join("blobs");
    let local_files = if local.exists() {
        common::all_files(&local)
    } else {
        Vec::new()
    };
    assert!(local_files.is_empty(), "{local_files:?}");
    assert!(!on_s3.join("trove.db").exists(), "a SQLite file beside PostgreSQL");
    let ids = bucket.ids().unwrap();
    assert!(ids.len() > 10, "{} blobs in the bucket", ids.len());

    // Ciphertext only: no document's words, no plaintext hash.
    let newsroom_rt = tokio::runtime::Runtime::new().unwrap();
    let newsroom = newsroom_rt.block_on(trove_app::Newsroom::open(&on_s3)).unwrap();
    let submission = s3_id.parse().unwrap();
    let documents = newsroom_rt
        .block_on(trove_store::DocumentRepo::documents(newsroom.repo(), &submission))
        .unwrap();
    let content_ids: Vec<&str> = documents.iter().map(|d| d.content_id.as_str()).collect();
    let memo = std::fs::read_to_string(
        common::all_files(&corpus.join("cache"))
            .into_iter()
            .find(|p| p.extension().is_some_and(|e| e == "txt"))
            .expect("a text file in the cache"),
    )
    .unwrap();
    let phrase: String = memo.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
    let dump = postgres.dump(&database);
    assert!(
        String::from_utf8_lossy(&dump).contains(&s3_id),
        "the dump holds the submission"
    );
    assert!(
        !String::from_utf8_lossy(&dump).contains(&phrase),
        "the database holds {phrase:?}"
    );
    for id in ids {
        let mut raw = Vec::new();
        std::io::copy(&mut bucket.open(&id).unwrap(), &mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains(&phrase), "blob {id} holds {phrase:?}");
        assert!(
            !content_ids.iter().any(|c| text.contains(c)),
            "blob {id} holds a content id"
        );
    }
}

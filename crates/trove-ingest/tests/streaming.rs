//! Files over the in-memory limit are streamed: an mbox of any size is
//! split message by message, text is capped with the cap recorded, and a
//! run that stopped part-way resumes without duplicates.

use std::collections::BTreeMap;
use trove_store::DocumentRepo as _;

use trove_ingest::{Limits, ingest_submission};
use trove_store::DocumentRecord;
use trove_testkit::Store;

/// An mboxrd of `count` messages, one of them quoting a `From ` line.
fn mbox(count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 1..=count {
        out.extend(format!("From clerk{i}@ministry.example Thu Mar 14 09:30:00 2019\n").as_bytes());
        out.extend(
            format!(
                "From: clerk{i}@ministry.example\nTo: desk@bank.example\nSubject: Transfer {i}\n\
                 Message-ID: <t{i}@ministry.example>\n\nPayment {i} is scheduled.\n>From the ledger: {}\n\n",
                "ledger line ".repeat(200)
            )
            .as_bytes(),
        );
    }
    out
}

async fn ingest_with(store: &Store, files: Vec<(String, Vec<u8>)>, limits: &Limits) -> Vec<DocumentRecord> {
    let record = store
        .submit(
            files
                .into_iter()
                .map(|(name, bytes)| (name, std::io::Cursor::new(bytes))),
        )
        .await;
    ingest_submission(
        store.opener.clone(),
        &store.sealer,
        &store.repo,
        &record,
        limits,
        2,
        |_| {},
    )
    .await
    .unwrap();
    store.repo.documents(&record.id).await.unwrap()
}

fn by_path(docs: &[DocumentRecord]) -> BTreeMap<&str, &DocumentRecord> {
    docs.iter().map(|d| (d.path.as_str(), d)).collect()
}

#[tokio::test]
async fn an_mbox_over_the_memory_limit_is_split_as_a_stream() {
    let bytes = mbox(120);
    let small = Limits {
        max_document_bytes: 64 << 10,
        ..Limits::default()
    };
    assert!(bytes.len() > 4 * small.max_document_bytes);
    let store = Store::new().await;
    let streamed = ingest_with(&store, vec![("huge.mbox".into(), bytes.clone())], &small).await;
    let other = Store::new().await;
    let in_memory = ingest_with(&other, vec![("huge.mbox".into(), bytes.clone())], &Limits::default()).await;

    // The same documents, paths, content ids and statuses either way.
    let (streamed, in_memory) = (by_path(&streamed), by_path(&in_memory));
    assert_eq!(streamed.len(), 1 + 120);
    assert_eq!(
        streamed.keys().collect::<Vec<_>>(),
        in_memory.keys().collect::<Vec<_>>()
    );
    for (path, doc) in &streamed {
        let twin = in_memory[path];
        assert_eq!(
            (&doc.content_id, &doc.doc_type, &doc.status),
            (&twin.content_id, &twin.doc_type, &twin.status),
            "{path}"
        );
    }
    let mbox_doc = streamed["huge.mbox"];
    assert_eq!(mbox_doc.content_id, blake3::hash(&bytes).to_hex().to_string());
    assert_eq!(mbox_doc.metadata["messages"], 120);
    assert_eq!(streamed["huge.mbox/#7"].metadata["subject"], "Transfer 7");
}

#[tokio::test]
async fn a_text_over_the_memory_limit_is_capped_and_the_cap_recorded() {
    let text = "minutes of the procurement board\n".repeat(10_000);
    let limits = Limits {
        max_document_bytes: 64 << 10,
        max_text_bytes: 32 << 10,
        ..Limits::default()
    };
    let store = Store::new().await;
    let docs = ingest_with(
        &store,
        vec![
            ("minutes.txt".into(), text.clone().into_bytes()),
            (
                "blob.bin".into(),
                vec![0u8; 100 << 10]
                    .into_iter()
                    .enumerate()
                    .map(|(i, _)| (i * 7 % 251) as u8)
                    .collect(),
            ),
        ],
        &limits,
    )
    .await;
    let docs = by_path(&docs);
    let minutes = docs["minutes.txt"];
    assert_eq!(minutes.status, trove_store::DocStatus::Partial);
    assert!(
        minutes.reason.as_deref().unwrap().contains("capped at 32768"),
        "{minutes:?}"
    );
    assert_eq!(minutes.content_id, blake3::hash(text.as_bytes()).to_hex().to_string());
    let kept = trove_store::read_text(&store.opener, &minutes.text.unwrap()).unwrap();
    assert_eq!(kept.len(), 32 << 10);
    assert!(text.starts_with(&kept));

    let binary = docs["blob.bin"];
    assert_eq!(
        (binary.doc_type.as_str(), binary.status.as_str()),
        ("binary", "partial")
    );
    assert!(binary.reason.as_deref().unwrap().contains("over the in-memory limit"));
}

#[tokio::test]
async fn a_run_that_stopped_part_way_resumes_without_duplicates() {
    let store = Store::new().await;
    let files = vec![("a.mbox".to_owned(), mbox(30)), ("b.mbox".to_owned(), mbox(5))];
    let record = store
        .submit(
            files
                .into_iter()
                .map(|(name, bytes)| (name, std::io::Cursor::new(bytes))),
        )
        .await;
    let limits = Limits::default();
    let run = || {
        ingest_submission(
            store.opener.clone(),
            &store.sealer,
            &store.repo,
            &record,
            &limits,
            2,
            |_| {},
        )
    };
    let first = run().await.unwrap();
    let complete = store.repo.documents(&record.id).await.unwrap();
    assert_eq!(first.added, complete.len());

    // What a kill between two batches leaves: some documents recorded, the
    // rest (a container among them) not.
    let lost: Vec<&str> = vec!["a.mbox", "a.mbox/#3", "a.mbox/#30", "b.mbox/#1"];
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", store.tmp.path().join("trove.db").display()))
        .await
        .unwrap();
    for path in &lost {
        let gone = sqlx::query("DELETE FROM documents WHERE path = ?")
            .bind(path)
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(gone.rows_affected(), 1, "{path}");
    }
    db.close().await;
    let second = run().await.unwrap();
    assert_eq!(second.added, lost.len());
    let resumed = store.repo.documents(&record.id).await.unwrap();
    let key = |d: &DocumentRecord| (d.path.clone(), d.content_id.clone(), d.status);
    let mut resumed: Vec<_> = resumed.iter().map(key).collect();
    let mut complete: Vec<_> = complete.iter().map(key).collect();
    resumed.sort();
    complete.sort();
    assert_eq!(resumed, complete);
    // A third run finds nothing to do.
    assert_eq!(run().await.unwrap().added, 0);
}

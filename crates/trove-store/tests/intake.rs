//! The intake's own records on a real SQLite file: sources that were made
//! and never used are forgotten after their time; used ones stay.

use trove_store::{
    BlobSealer, Channel, Direction, FsBackend, IntakeRepo as _, MessageRecord, SourceRecord, SqlRepo, SubmissionWriter,
};

fn source(id: &str, created_day: &str) -> SourceRecord {
    SourceRecord {
        id: id.into(),
        reply_recipient: "age1none".into(),
        created_day: created_day.into(),
        stored_bytes: 0,
    }
}

#[tokio::test]
async fn sources_never_used_are_forgotten_and_used_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let identity = age::x25519::Identity::generate();
    let backend = FsBackend::open(&dir.path().join("blobs")).unwrap();
    let sealer = BlobSealer::new(backend, vec![Box::new(identity.to_public())]).unwrap();
    let repo = SqlRepo::open_sqlite(&dir.path().join("trove.db"), true).await.unwrap();
    for id in ["idle", "wrote", "submitted", "recent"] {
        let day = if id == "recent" { "2026-11-20" } else { "2026-09-01" };
        assert!(repo.add_source(&source(id, day)).await.unwrap());
    }
    let blob = sealer.put(&b"a message"[..]).unwrap().blob;
    let message = MessageRecord {
        id: "m1".into(),
        source_id: "wrote".into(),
        direction: Direction::Source,
        blob,
        day: "2026-09-01".into(),
    };
    assert!(repo.add_message(&message).await.unwrap());
    let mut writer = SubmissionWriter::new(&sealer).unwrap().from_source("submitted");
    writer.add_file("a.txt", &b"a"[..]).unwrap();
    writer.commit(&repo, Channel::Intake).await.unwrap();

    // Forget what was made on or before 2026-10-01 and never used.
    assert_eq!(repo.forget_unused_sources("2026-10-01").await.unwrap(), 1);
    assert!(repo.source("idle").await.unwrap().is_none());
    for kept in ["wrote", "submitted", "recent"] {
        assert!(repo.source(kept).await.unwrap().is_some(), "{kept} was forgotten");
    }
    assert_eq!(repo.forget_unused_sources("2026-10-01").await.unwrap(), 0);
}

#[tokio::test]
async fn quota_is_counted_in_one_statement_and_never_overdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let repo = SqlRepo::open_sqlite(&dir.path().join("trove.db"), true).await.unwrap();
    assert!(repo.add_source(&source("s", "2026-11-30")).await.unwrap());
    assert!(repo.reserve_stored_bytes("s", 200, 300).await.unwrap());
    assert!(
        !repo.reserve_stored_bytes("s", 200, 300).await.unwrap(),
        "over the limit"
    );
    assert!(
        repo.reserve_stored_bytes("s", 100, 300).await.unwrap(),
        "exactly to the limit"
    );
    assert_eq!(repo.source("s").await.unwrap().unwrap().stored_bytes, 300);
    assert!(!repo.reserve_stored_bytes("nobody", 1, 300).await.unwrap());
}

//! What stays on disk: the database file is its owner's alone, and a
//! deleted row's bytes are overwritten, so a seized disk does not give
//! back what was deleted.

use std::os::unix::fs::PermissionsExt;

use trove_store::SqlRepo;

#[tokio::test]
async fn the_database_is_private_and_deleted_rows_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trove.db");
    let repo = SqlRepo::open_sqlite(&path, true).await.unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "trove.db is {mode:o}");

    let secure: i64 = sqlx::query_scalar("PRAGMA secure_delete")
        .fetch_one(repo.pool())
        .await
        .unwrap();
    assert_eq!(secure, 1);

    // A row with a marker nobody else writes, deleted, then every change
    // moved from the write-ahead log into the file.
    let marker = "codename-marker-7f3a9c";
    sqlx::query("CREATE TABLE scratch (value TEXT)")
        .execute(repo.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO scratch VALUES (?)")
        .bind(marker.repeat(20))
        .execute(repo.pool())
        .await
        .unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(repo.pool())
        .await
        .unwrap();
    let contains = |bytes: &[u8]| bytes.windows(marker.len()).any(|w| w == marker.as_bytes());
    assert!(contains(&std::fs::read(&path).unwrap()), "the marker reached the file");
    sqlx::query("DELETE FROM scratch").execute(repo.pool()).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(repo.pool())
        .await
        .unwrap();
    assert!(
        !contains(&std::fs::read(&path).unwrap()),
        "a deleted row's bytes remain in trove.db"
    );
    let wal = dir.path().join("trove.db-wal");
    if wal.exists() {
        assert!(
            !contains(&std::fs::read(&wal).unwrap()),
            "a deleted row's bytes remain in the WAL"
        );
    }
}

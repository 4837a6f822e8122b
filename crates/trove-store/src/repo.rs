//! The metadata repository: everything the store records besides blobs,
//! as one trait per concern ([`SubmissionRepo`] here, the others beside
//! their records: documents, verification, published corpora, decisions,
//! the intake's records, users, releases, the schedule). [`MetadataRepo`] is all of them. The
//! traits hold no SQLite type, so PostgreSQL can implement them;
//! [`SqliteRepo`] is the embedded default. Implementations must make an
//! acknowledged write durable before returning.

use std::future::Future;
use std::path::Path;
use std::str::FromStr;

use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use crate::{
    BlobId, Day, DecisionRepo, DeskRepo, DocumentRepo, IntakeRepo, PartnerRepo, PublishedRepo, ReleaseRepo,
    ScheduleRepo, StoreError, SubmissionId, UserRepo, VerificationRepo,
};

/// How a submission arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `trove submit` on the desk's own machine.
    Cli,
    /// The source interface.
    Intake,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Cli => "cli",
            Channel::Intake => "intake",
        }
    }
}

/// A submission as the metadata database holds it: no paths, no sizes, no
/// content ids (those are in the sealed manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRecord {
    pub id: SubmissionId,
    /// The day it arrived (UTC): coarse on purpose.
    pub received_day: Day,
    pub channel: Channel,
    /// The intake source that handed it over (None for `trove submit`).
    pub source: Option<String>,
    pub manifest: BlobId,
}

/// A submission as it is first recorded: its record and the blobs that
/// hold its files, in order. The blobs are listed apart from the record
/// because only the intake (handing them to the desk, expiring them) needs
/// them, and a leak's submission has tens of thousands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedSubmission {
    pub record: SubmissionRecord,
    pub blobs: Vec<BlobId>,
}

/// Submissions: what arrived, when (the day), how, and its blobs.
pub trait SubmissionRepo: Send + Sync {
    fn insert_submission(&self, sealed: &SealedSubmission) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn submission(
        &self,
        id: &SubmissionId,
    ) -> impl Future<Output = Result<Option<SubmissionRecord>, StoreError>> + Send;
    /// All submissions, newest day first.
    fn submissions(&self) -> impl Future<Output = Result<Vec<SubmissionRecord>, StoreError>> + Send;
    /// The blobs that hold a submission's files, in order.
    fn submission_blobs(&self, id: &SubmissionId) -> impl Future<Output = Result<Vec<BlobId>, StoreError>> + Send;
    /// Stores a submission the desk pulled, unless it is here already.
    /// True if it was new.
    fn import_submission(&self, sealed: &SealedSubmission) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Every concern of the metadata database: what a backend implements.
pub trait MetadataRepo:
    SubmissionRepo
    + DocumentRepo
    + VerificationRepo
    + PublishedRepo
    + DecisionRepo
    + IntakeRepo
    + UserRepo
    + ReleaseRepo
    + ScheduleRepo
    + PartnerRepo
    + DeskRepo
{
}

impl<R> MetadataRepo for R where
    R: SubmissionRepo
        + DocumentRepo
        + VerificationRepo
        + PublishedRepo
        + DecisionRepo
        + IntakeRepo
        + UserRepo
        + ReleaseRepo
        + ScheduleRepo
        + PartnerRepo
        + DeskRepo
{
}

/// The embedded default: one SQLite file, WAL, `synchronous=FULL`.
#[derive(Debug, Clone)]
pub struct SqliteRepo {
    pool: SqlitePool,
}

/// Maps a database error to a store error that says what was being done.
/// Rows of a query over `ids`, asked in chunks the database accepts: `sql`
/// has `{ids}` where the placeholders go, and `first` is bound before the
/// ids. Only `?` placeholders are spliced into the text; every value is
/// bound.
pub(crate) async fn fetch_in(
    pool: &SqlitePool,
    sql: &str,
    first: &[String],
    ids: &[&str],
    context: &str,
) -> Result<Vec<sqlx::sqlite::SqliteRow>, StoreError> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let text = sql.replace("{ids}", &vec!["?"; chunk.len()].join(","));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(text));
        for value in first {
            query = query.bind(value.as_str());
        }
        for id in chunk {
            query = query.bind(*id);
        }
        rows.extend(query.fetch_all(pool).await.map_err(db_err(context))?);
    }
    Ok(rows)
}

pub(crate) fn db_err(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Database { context, source }
}

impl SqliteRepo {
    /// Opens the database file, creating it if `create` and running
    /// migrations.
    pub async fn open(path: &Path, create: bool) -> Result<Self, StoreError> {
        // The file holds TOTP secrets and document paths: only its owner
        // may read it (SQLite gives its WAL and shared-memory files the
        // same mode), whatever the umask.
        if create && !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|source| StoreError::Io {
                    path: path.to_owned(),
                    source,
                })?;
        }
        // secure_delete: a deleted row's bytes are overwritten with zeros,
        // so a seized disk does not give back what was deleted (expired
        // sources, exact upload sizes, forgotten sessions).
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .pragma("secure_delete", "ON");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(db_err(format!("opening {}", path.display())))?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(SqliteRepo { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn blobs_of(&self, id: &str) -> Result<Vec<BlobId>, StoreError> {
        let rows = sqlx::query("SELECT blob_id FROM submission_blobs WHERE submission_id = ? ORDER BY ordinal")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err(format!("reading the blobs of submission {id}")))?;
        rows.iter().map(|row| BlobId::from_str(row.get::<&str, _>(0))).collect()
    }

    fn record_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<SubmissionRecord, StoreError> {
        let id: String = row.get("id");
        let channel = match row.get::<&str, _>("channel") {
            "intake" => Channel::Intake,
            _ => Channel::Cli,
        };
        Ok(SubmissionRecord {
            id: SubmissionId::from_str(&id)?,
            received_day: row
                .get::<&str, _>("received_day")
                .parse()
                .map_err(|_| StoreError::Damaged {
                    what: format!("submission {id}"),
                    field: "received_day".into(),
                })?,
            channel,
            source: row.get("source_id"),
            manifest: BlobId::from_str(row.get::<&str, _>("manifest_blob"))?,
        })
    }
}

impl SubmissionRepo for SqliteRepo {
    async fn insert_submission(&self, sealed: &SealedSubmission) -> Result<(), StoreError> {
        let context = || format!("recording submission {}", sealed.record.id);
        let mut tx = self.pool.begin().await.map_err(db_err(context()))?;
        insert_submission_in(&mut tx, sealed).await?;
        tx.commit().await.map_err(db_err(context()))
    }

    async fn submission(&self, id: &SubmissionId) -> Result<Option<SubmissionRecord>, StoreError> {
        let row =
            sqlx::query("SELECT id, received_day, channel, source_id, manifest_blob FROM submissions WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err(format!("reading submission {id}")))?;
        match row {
            Some(row) => Ok(Some(Self::record_from_row(&row)?)),
            None => Ok(None),
        }
    }

    async fn submissions(&self) -> Result<Vec<SubmissionRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, received_day, channel, source_id, manifest_blob FROM submissions ORDER BY received_day DESC, id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err("listing submissions"))?;
        rows.iter().map(Self::record_from_row).collect()
    }

    async fn submission_blobs(&self, id: &SubmissionId) -> Result<Vec<BlobId>, StoreError> {
        self.blobs_of(&id.to_string()).await
    }

    async fn import_submission(&self, sealed: &SealedSubmission) -> Result<bool, StoreError> {
        if self.submission(&sealed.record.id).await?.is_some() {
            return Ok(false);
        }
        self.insert_submission(sealed).await?;
        Ok(true)
    }
}

/// Inserts a submission inside a caller's transaction.
pub(crate) async fn insert_submission_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    sealed: &SealedSubmission,
) -> Result<(), StoreError> {
    let record = &sealed.record;
    let id = record.id.to_string();
    let context = || format!("recording submission {id}");
    sqlx::query("INSERT INTO submissions (id, received_day, channel, source_id, manifest_blob) VALUES (?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(record.received_day.to_string())
        .bind(record.channel.as_str())
        .bind(&record.source)
        .bind(record.manifest.to_hex())
        .execute(&mut **tx)
        .await
        .map_err(db_err(context()))?;
    for (ordinal, blob) in sealed.blobs.iter().enumerate() {
        sqlx::query("INSERT INTO submission_blobs (submission_id, ordinal, blob_id) VALUES (?, ?, ?)")
            .bind(&id)
            .bind(ordinal as i64)
            .bind(blob.to_hex())
            .execute(&mut **tx)
            .await
            .map_err(db_err(context()))?;
    }
    Ok(())
}

//! The metadata repository: everything the store records besides blobs,
//! as one trait per concern ([`SubmissionRepo`] here, the others beside
//! their records: documents, verification, published corpora, decisions,
//! the intake's records, users, releases, the schedule, the job queue).
//! [`MetadataRepo`] is all of them. The traits hold no database type;
//! [`SqlRepo`] implements them once for both backends, the embedded SQLite
//! file and a PostgreSQL server, the few differences in [`Dialect`].
//! Implementations must make an acknowledged write durable before
//! returning.

use std::future::Future;
use std::path::Path;
use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::pool::PoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Executor, Row};

use crate::{
    BlobId, Day, DecisionRepo, DeskRepo, DocumentRepo, IntakeRepo, JobRepo, PartnerRepo, PublishedRepo, ReleaseRepo,
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
    + JobRepo
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
        + JobRepo
{
}

/// Which SQL the database speaks, where SQLite and PostgreSQL differ
/// (JSON functions, case-insensitive matching); everything else is
/// written once in SQL both accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// A JSON document's text member: `metadata`'s `$.key`.
    pub(crate) fn json_text(self, column: &str, key: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Dialect::Postgres => format!("({column}::jsonb ->> '{key}')"),
        }
    }

    /// True when a JSON document's member `key` (a string or an array of
    /// strings) holds the bound `param`.
    pub(crate) fn json_holds(self, column: &str, key: &str, param: &str) -> String {
        match self {
            Dialect::Sqlite => {
                format!("EXISTS (SELECT 1 FROM json_each({column}, '$.{key}') WHERE value = {param})")
            }
            // `?` is jsonb's "holds this string" (an array's element or the
            // string itself); sqlx's placeholders are `$n`, so it is safe.
            Dialect::Postgres => format!("COALESCE(({column}::jsonb -> '{key}') ? {param}, FALSE)"),
        }
    }

    /// `column`, kept from the planner's choice of an index on it: SQLite
    /// would otherwise pick a by-submission index over primary keys.
    pub(crate) fn unindexed(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("+{column}"),
            Dialect::Postgres => column.to_owned(),
        }
    }

    /// The larger of two values (SQLite's `max` of two arguments).
    pub(crate) fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "max",
            Dialect::Postgres => "GREATEST",
        }
    }

    /// The smaller of two values (SQLite's `min` of two arguments).
    pub(crate) fn least(self) -> &'static str {
        match self {
            Dialect::Sqlite => "min",
            Dialect::Postgres => "LEAST",
        }
    }

    /// What a subquery that picks a row to update appends so that
    /// concurrent pickers skip each other's rows (PostgreSQL); SQLite's
    /// writers take turns and need nothing.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// LIKE without regard to ASCII case (SQLite's LIKE already is).
    pub(crate) fn like(self) -> &'static str {
        match self {
            Dialect::Sqlite => "LIKE",
            Dialect::Postgres => "ILIKE",
        }
    }
}

/// The metadata database over sqlx's Any driver, so that one
/// implementation of every repository trait serves both backends: the
/// embedded default, one SQLite file (WAL, `synchronous=FULL`), and a
/// PostgreSQL server that many workers share.
#[derive(Debug, Clone)]
pub struct SqlRepo {
    pool: sqlx::AnyPool,
    dialect: Dialect,
}

/// Rows of a query over `ids`, asked in chunks the database accepts: `sql`
/// has `{ids}` where the placeholders go, and `first` is bound before the
/// ids (as `$1`…). Only placeholders are spliced into the text; every
/// value is bound.
pub(crate) async fn fetch_in(
    pool: &sqlx::AnyPool,
    sql: &str,
    first: &[String],
    ids: &[&str],
    context: &str,
) -> Result<Vec<AnyRow>, StoreError> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${}", first.len() + n)).collect();
        let text = sql.replace("{ids}", &placeholders.join(","));
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

/// Maps a database error to a store error that says what was being done.
pub(crate) fn db_err(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Database { context, source }
}

impl SqlRepo {
    /// Opens the SQLite file, creating it if `create`, and runs its
    /// migrations.
    pub async fn open_sqlite(path: &Path, create: bool) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
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
        let url = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(create)
            .to_url_lossy();
        // The Any driver takes a URL, which carries no pragmas: each
        // connection sets them as it opens. secure_delete: a deleted row's
        // bytes are overwritten with zeros, so a seized disk does not give
        // back what was deleted (expired sources, exact upload sizes,
        // forgotten sessions).
        let pool = PoolOptions::<sqlx::Any>::new()
            .max_connections(4)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection
                        .execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
                             PRAGMA secure_delete = ON; PRAGMA busy_timeout = 5000;",
                        )
                        .await?;
                    Ok(())
                })
            })
            .connect(url.as_str())
            .await
            .map_err(db_err(format!("opening {}", path.display())))?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqlRepo {
            pool,
            dialect: Dialect::Sqlite,
        })
    }

    /// Connects to a PostgreSQL database (`postgres://…`; a socket folder
    /// as `?host=/run/postgresql`) and runs its migrations. The database
    /// must sort text by bytes (`C` collation) as SQLite does: the desk's
    /// pages and the overlap's order depend on it.
    pub async fn connect_postgres(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let context = "connecting to PostgreSQL";
        let pool = PoolOptions::<sqlx::Any>::new()
            .max_connections(max_connections)
            .connect(url)
            .await
            .map_err(db_err(context))?;
        let collation: String =
            sqlx::query_scalar("SELECT datcollate::text FROM pg_database WHERE datname = current_database()")
                .fetch_one(&pool)
                .await
                .map_err(db_err(context))?;
        if collation != "C" && collation != "POSIX" {
            return Err(StoreError::Collation { collation });
        }
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(SqlRepo {
            pool,
            dialect: Dialect::Postgres,
        })
    }

    pub fn pool(&self) -> &sqlx::AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn blobs_of(&self, id: &str) -> Result<Vec<BlobId>, StoreError> {
        let rows = sqlx::query("SELECT blob_id FROM submission_blobs WHERE submission_id = $1 ORDER BY ordinal")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err(format!("reading the blobs of submission {id}")))?;
        rows.iter().map(|row| BlobId::from_str(row.get::<&str, _>(0))).collect()
    }

    fn record_from_row(row: &sqlx::any::AnyRow) -> Result<SubmissionRecord, StoreError> {
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

impl SubmissionRepo for SqlRepo {
    async fn insert_submission(&self, sealed: &SealedSubmission) -> Result<(), StoreError> {
        let context = || format!("recording submission {}", sealed.record.id);
        let mut tx = self.pool.begin().await.map_err(db_err(context()))?;
        insert_submission_in(&mut tx, sealed).await?;
        tx.commit().await.map_err(db_err(context()))
    }

    async fn submission(&self, id: &SubmissionId) -> Result<Option<SubmissionRecord>, StoreError> {
        let row =
            sqlx::query("SELECT id, received_day, channel, source_id, manifest_blob FROM submissions WHERE id = $1")
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
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    sealed: &SealedSubmission,
) -> Result<(), StoreError> {
    let record = &sealed.record;
    let id = record.id.to_string();
    let context = || format!("recording submission {id}");
    sqlx::query(
        "INSERT INTO submissions (id, received_day, channel, source_id, manifest_blob) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(record.received_day.to_string())
    .bind(record.channel.as_str())
    .bind(&record.source)
    .bind(record.manifest.to_hex())
    .execute(&mut **tx)
    .await
    .map_err(db_err(context()))?;
    for (ordinal, blob) in sealed.blobs.iter().enumerate() {
        sqlx::query("INSERT INTO submission_blobs (submission_id, ordinal, blob_id) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(ordinal as i64)
            .bind(blob.to_hex())
            .execute(&mut **tx)
            .await
            .map_err(db_err(context()))?;
    }
    Ok(())
}

//! The job queue: stages of the path queued for `trove worker` processes
//! on any number of machines that share the database. A worker takes a
//! job under a lease that it renews while it works; a worker that stops
//! (SIGKILL, a lost machine) stops renewing, and once its lease has run
//! out the job goes to the next worker that asks. Every stage is
//! idempotent, so a job done twice changes nothing; a job whose workers
//! keep stopping, or that keeps failing, ends failed with the reason.
//! PostgreSQL hands jobs out with `FOR UPDATE SKIP LOCKED`; SQLite, whose
//! writers take turns, needs no row locks for the same statement.

use std::future::Future;
use std::str::FromStr;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::repo::db_err;
use crate::{SqlRepo, StoreError, SubmissionId};

/// A stage of the path that a worker runs for one submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Ingest,
    Verify,
    Overlap,
    Triage,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Ingest => "ingest",
            JobKind::Verify => "verify",
            JobKind::Overlap => "overlap",
            JobKind::Triage => "triage",
        }
    }

    /// The stage the path runs after this one.
    pub fn next(self) -> Option<JobKind> {
        match self {
            JobKind::Ingest => Some(JobKind::Verify),
            JobKind::Verify => Some(JobKind::Overlap),
            JobKind::Overlap => Some(JobKind::Triage),
            JobKind::Triage => None,
        }
    }
}

impl std::fmt::Display for JobKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobKind {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<Self, StoreError> {
        match text {
            "ingest" => Ok(JobKind::Ingest),
            "verify" => Ok(JobKind::Verify),
            "overlap" => Ok(JobKind::Overlap),
            "triage" => Ok(JobKind::Triage),
            _ => Err(StoreError::Damaged {
                what: "a job".into(),
                field: "kind".into(),
            }),
        }
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl FromStr for JobState {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<Self, StoreError> {
        match text {
            "queued" => Ok(JobState::Queued),
            "running" => Ok(JobState::Running),
            "done" => Ok(JobState::Done),
            "failed" => Ok(JobState::Failed),
            _ => Err(StoreError::Damaged {
                what: "a job".into(),
                field: "state".into(),
            }),
        }
    }
}

/// A job as the queue holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobRecord {
    pub id: i64,
    pub kind: JobKind,
    pub submission: SubmissionId,
    /// Finishing it queues the path's next stage.
    pub then_rest: bool,
    pub state: JobState,
    /// How many times a worker took it.
    pub attempts: u32,
    /// The worker holding it (running only).
    pub worker: Option<String>,
    /// Why its last attempt failed.
    pub error: Option<String>,
}

/// How a worker's attempt at a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Done,
    Failed(String),
}

/// The queue.
pub trait JobRepo: Send + Sync {
    /// Queues `kind` for a submission, unless the same stage is queued or
    /// running for it already; the job's id either way.
    fn add_job(
        &self,
        kind: JobKind,
        submission: &SubmissionId,
        then_rest: bool,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// Gives `worker` the oldest job that is queued, or running under a
    /// lease that ran out before `now`, with a lease until `lease_until`
    /// (seconds since 1970). Jobs taken `max_attempts` times already are
    /// not given again: those still running on a lapsed lease end failed.
    fn claim_job(
        &self,
        worker: &str,
        now: i64,
        lease_until: i64,
        max_attempts: u32,
    ) -> impl Future<Output = Result<Option<JobRecord>, StoreError>> + Send;
    /// Extends `worker`'s lease on a job; false if it no longer holds it.
    fn renew_lease(
        &self,
        id: i64,
        worker: &str,
        lease_until: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Ends `worker`'s attempt: done (queuing the next stage if the job
    /// says so, in the same transaction), or failed (queued again while
    /// attempts remain). False if the worker no longer held the job.
    fn finish_job(
        &self,
        id: i64,
        worker: &str,
        outcome: &JobOutcome,
        max_attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Every job, oldest first.
    fn jobs(&self) -> impl Future<Output = Result<Vec<JobRecord>, StoreError>> + Send;
}

const JOB_COLUMNS: &str = "id, kind, submission_id, then_rest, state, attempts, worker, error";

fn job_from_row(row: &AnyRow) -> Result<JobRecord, StoreError> {
    Ok(JobRecord {
        id: row.get(0),
        kind: row.get::<&str, _>(1).parse()?,
        submission: SubmissionId::from_str(row.get::<&str, _>(2))?,
        then_rest: row.get::<i64, _>(3) != 0,
        state: row.get::<&str, _>(4).parse()?,
        attempts: row.get::<i64, _>(5).try_into().unwrap_or(u32::MAX),
        worker: row.get(6),
        error: row.get(7),
    })
}

/// Queues a job inside a transaction (or on the pool).
async fn add_job_with<'e, E>(
    executor: E,
    kind: JobKind,
    submission: &SubmissionId,
    then_rest: bool,
) -> Result<Option<i64>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar(
        "INSERT INTO jobs (kind, submission_id, then_rest, state)
         SELECT $1, $2, $3, 'queued'
         WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND submission_id = $2 AND state IN ('queued', 'running'))
         RETURNING id",
    )
    .bind(kind.as_str())
    .bind(submission.to_string())
    .bind(i64::from(then_rest))
    .fetch_optional(executor)
    .await
    .map_err(db_err(format!("queuing {kind} of {submission}")))
}

impl JobRepo for SqlRepo {
    async fn add_job(&self, kind: JobKind, submission: &SubmissionId, then_rest: bool) -> Result<i64, StoreError> {
        if let Some(id) = add_job_with(self.pool(), kind, submission, then_rest).await? {
            return Ok(id);
        }
        sqlx::query_scalar(
            "SELECT id FROM jobs WHERE kind = $1 AND submission_id = $2 AND state IN ('queued', 'running')
             ORDER BY id LIMIT 1",
        )
        .bind(kind.as_str())
        .bind(submission.to_string())
        .fetch_one(self.pool())
        .await
        .map_err(db_err(format!("queuing {kind} of {submission}")))
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: i64,
        lease_until: i64,
        max_attempts: u32,
    ) -> Result<Option<JobRecord>, StoreError> {
        let context = "taking a job from the queue";
        sqlx::query(
            "UPDATE jobs SET state = 'failed', worker = NULL, lease_until = NULL,
               error = 'every worker that took it stopped before it finished'
             WHERE state = 'running' AND lease_until < $1 AND attempts >= $2",
        )
        .bind(now)
        .bind(i64::from(max_attempts))
        .execute(self.pool())
        .await
        .map_err(db_err(context))?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET state = 'running', worker = $1, lease_until = $2, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs
                         WHERE (state = 'queued' OR (state = 'running' AND lease_until < $3)) AND attempts < $4
                         ORDER BY id LIMIT 1{})
             RETURNING {JOB_COLUMNS}",
            self.dialect().skip_locked()
        )))
        .bind(worker)
        .bind(lease_until)
        .bind(now)
        .bind(i64::from(max_attempts))
        .fetch_optional(self.pool())
        .await
        .map_err(db_err(context))?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn renew_lease(&self, id: i64, worker: &str, lease_until: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND worker = $3 AND state = 'running'")
            .bind(lease_until)
            .bind(id)
            .bind(worker)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("renewing the lease on job {id}")))?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_job(
        &self,
        id: i64,
        worker: &str,
        outcome: &JobOutcome,
        max_attempts: u32,
    ) -> Result<bool, StoreError> {
        let context = format!("finishing job {id}");
        let mut tx = self.pool().begin().await.map_err(db_err(context.clone()))?;
        let finished = match outcome {
            JobOutcome::Done => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE jobs SET state = 'done', worker = NULL, lease_until = NULL, error = NULL
                 WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING {JOB_COLUMNS}"
            )))
            .bind(id)
            .bind(worker),
            JobOutcome::Failed(reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE jobs SET state = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'queued' END,
                   worker = NULL, lease_until = NULL, error = $4
                 WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING {JOB_COLUMNS}"
            )))
            .bind(id)
            .bind(worker)
            .bind(i64::from(max_attempts))
            .bind(reason.as_str()),
        }
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err(context.clone()))?;
        let Some(row) = finished else {
            return Ok(false);
        };
        let job = job_from_row(&row)?;
        if *outcome == JobOutcome::Done
            && job.then_rest
            && let Some(next) = job.kind.next()
        {
            add_job_with(&mut *tx, next, &job.submission, true).await?;
        }
        tx.commit().await.map_err(db_err(context))?;
        Ok(true)
    }

    async fn jobs(&self) -> Result<Vec<JobRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {JOB_COLUMNS} FROM jobs ORDER BY id"
        )))
        .fetch_all(self.pool())
        .await
        .map_err(db_err("listing jobs"))?;
        rows.iter().map(job_from_row).collect()
    }
}

//! `trove worker`: runs stages of the path from the job queue in the
//! metadata database, so that processes on several machines, each with a
//! `trove.toml` pointing at the same PostgreSQL and bucket, share the
//! work. A job is held under a lease renewed by a task of its own (so a
//! stage that keeps its thread busy does not let the lease lapse); a
//! worker killed mid-job loses nothing: its lease runs out and another
//! worker does the job again, which changes nothing already done.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use trove_store::{JobKind, JobOutcome, JobRecord, JobRepo, JobState, SubmissionId};

use crate::{AppError, Newsroom, NoProgress};

/// How a worker runs.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// How long a job stays this worker's without a renewal; renewed every
    /// third of it.
    pub lease: Duration,
    /// Attempts (by any worker) before a job is kept failed.
    pub max_attempts: u32,
    /// Stop once nothing is queued or running, instead of waiting for work.
    pub until_idle: bool,
    /// How long to wait before asking the queue again when it had nothing.
    pub poll: Duration,
    /// Ingest threads.
    pub threads: usize,
}

/// What a worker reports as it goes.
#[derive(Debug, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WorkerEvent {
    Took {
        job: JobRecord,
    },
    Finished {
        job: i64,
        kind: JobKind,
        error: Option<String>,
    },
    /// The job's lease lapsed before it finished (another worker may have
    /// taken it; the stage's work stays, being idempotent).
    LostLease {
        job: i64,
    },
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A worker's name in the queue: random, so it says nothing about the
/// machine it runs on.
pub fn worker_name() -> Result<String, AppError> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::Random(e.to_string()))?;
    Ok(format!("worker-{}", hex::encode(bytes)))
}

impl Newsroom {
    /// Queues the path for a submission from `from` on (each stage's
    /// finish queues the next), or `from` alone with `only`.
    pub async fn queue(&self, id: &SubmissionId, from: JobKind, only: bool) -> Result<i64, AppError> {
        self.submission(id).await?;
        Ok(self.repo().add_job(from, id, !only).await?)
    }

    /// Every job in the queue, oldest first.
    pub async fn jobs(&self) -> Result<Vec<JobRecord>, AppError> {
        Ok(self.repo().jobs().await?)
    }

    /// Takes jobs and runs them until the queue is idle (with
    /// `until_idle`) or forever; the number of jobs finished.
    pub async fn work(
        &self,
        worker: &str,
        settings: WorkerSettings,
        mut report: impl FnMut(WorkerEvent),
    ) -> Result<u64, AppError> {
        let lease = settings.lease.as_secs().max(1) as i64;
        let mut finished = 0;
        loop {
            let now = now_seconds();
            let claimed = self
                .repo()
                .claim_job(worker, now, now + lease, settings.max_attempts)
                .await?;
            let Some(job) = claimed else {
                if settings.until_idle && !self.busy().await? {
                    return Ok(finished);
                }
                tokio::time::sleep(settings.poll).await;
                continue;
            };
            report(WorkerEvent::Took { job: job.clone() });
            let renewing = self.renew_while_running(&job, worker, settings.lease);
            let result = self.run_job(&job, settings.threads).await;
            renewing.abort();
            let outcome = match &result {
                Ok(()) => JobOutcome::Done,
                Err(error) => JobOutcome::Failed(error.to_string()),
            };
            if self
                .repo()
                .finish_job(job.id, worker, &outcome, settings.max_attempts)
                .await?
            {
                finished += 1;
                report(WorkerEvent::Finished {
                    job: job.id,
                    kind: job.kind,
                    error: result.err().map(|e| e.to_string()),
                });
            } else {
                report(WorkerEvent::LostLease { job: job.id });
            }
        }
    }

    /// Whether any job is queued or running (a running job's worker may
    /// still queue the next stage, or stop and leave it to this one).
    async fn busy(&self) -> Result<bool, AppError> {
        Ok(self
            .repo()
            .jobs()
            .await?
            .iter()
            .any(|job| matches!(job.state, JobState::Queued | JobState::Running)))
    }

    /// A task that renews `job`'s lease every third of it until aborted.
    fn renew_while_running(&self, job: &JobRecord, worker: &str, lease: Duration) -> tokio::task::JoinHandle<()> {
        let repo = self.shared_repo();
        let (id, worker) = (job.id, worker.to_owned());
        let every = (lease / 3).max(Duration::from_millis(200));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let until = now_seconds() + lease.as_secs().max(1) as i64;
                match repo.renew_lease(id, &worker, until).await {
                    Ok(true) => {}
                    // Lost, or the database is away: the finish will tell.
                    Ok(false) | Err(_) => return,
                }
            }
        })
    }

    async fn run_job(&self, job: &JobRecord, threads: usize) -> Result<(), AppError> {
        let id = &job.submission;
        match job.kind {
            JobKind::Ingest => self.ingest(id, false, threads, &NoProgress).await.map(drop),
            JobKind::Verify => self.verify_streaming(id, |_| {}).await.map(drop),
            JobKind::Overlap => self.overlap_streaming(id, |_| {}).await.map(drop),
            JobKind::Triage => self.triage(id).await.map(drop),
        }
    }
}

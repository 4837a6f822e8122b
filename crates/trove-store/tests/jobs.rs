//! The job queue on both backends (a SQLite file, a real PostgreSQL):
//! one job per stage and submission, a lease that keeps other workers
//! off while it is renewed and lets the next one in once it has run out,
//! a stopped worker's late finish refused, the path's next stage queued
//! with the finish, failures retried and then kept failed with the reason.

use std::str::FromStr;

use trove_store::{
    BlobId, Channel, Day, JobKind, JobOutcome, JobRepo, JobState, SealedSubmission, SqlRepo, SubmissionId,
    SubmissionRecord, SubmissionRepo,
};
use trove_testkit::postgres::Postgres;

async fn a_submission(repo: &SqlRepo) -> SubmissionId {
    let id = SubmissionId::random().unwrap();
    let record = SubmissionRecord {
        id,
        received_day: Day::from_str("2026-12-01").unwrap(),
        channel: Channel::Cli,
        source: None,
        manifest: BlobId::from_str(&"ab".repeat(32)).unwrap(),
    };
    repo.insert_submission(&SealedSubmission {
        record,
        blobs: Vec::new(),
    })
    .await
    .unwrap();
    id
}

async fn the_queue_keeps_its_promises(repo: SqlRepo) {
    let submission = a_submission(&repo).await;
    let ingest = repo.add_job(JobKind::Ingest, &submission, true).await.unwrap();
    assert_eq!(
        repo.add_job(JobKind::Ingest, &submission, true).await.unwrap(),
        ingest,
        "a stage queued twice is one job"
    );

    // A takes it until 160; B finds nothing while the lease holds, even
    // after A renews it to 190.
    let taken = repo.claim_job("A", 100, 160, 3).await.unwrap().expect("a job");
    assert_eq!((taken.id, taken.kind, taken.attempts), (ingest, JobKind::Ingest, 1));
    assert!(repo.claim_job("B", 150, 210, 3).await.unwrap().is_none());
    assert!(repo.renew_lease(ingest, "A", 190).await.unwrap());
    assert!(repo.claim_job("B", 180, 240, 3).await.unwrap().is_none());

    // A stops renewing (killed); past 190, B takes the job, and A's late
    // finish (or renewal) is refused.
    let retaken = repo.claim_job("B", 200, 260, 3).await.unwrap().expect("the lapsed job");
    assert_eq!(
        (retaken.id, retaken.attempts, retaken.worker.as_deref()),
        (ingest, 2, Some("B"))
    );
    assert!(!repo.renew_lease(ingest, "A", 300).await.unwrap());
    assert!(!repo.finish_job(ingest, "A", &JobOutcome::Done, 3).await.unwrap());

    // B finishes: the next stage is queued with it.
    assert!(repo.finish_job(ingest, "B", &JobOutcome::Done, 3).await.unwrap());
    let jobs = repo.jobs().await.unwrap();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    assert_eq!((jobs[0].state, jobs[0].worker.as_deref()), (JobState::Done, None));
    assert_eq!(
        (jobs[1].kind, jobs[1].state, jobs[1].then_rest),
        (JobKind::Verify, JobState::Queued, true)
    );

    // A failure is retried while attempts remain, then kept failed.
    let verify = repo.claim_job("B", 300, 360, 2).await.unwrap().unwrap();
    assert!(
        repo.finish_job(verify.id, "B", &JobOutcome::Failed("the disk is full".into()), 2)
            .await
            .unwrap()
    );
    let again = repo.claim_job("A", 310, 370, 2).await.unwrap().unwrap();
    assert_eq!(
        (again.id, again.attempts, again.error.as_deref()),
        (verify.id, 2, Some("the disk is full"))
    );
    assert!(
        repo.finish_job(again.id, "A", &JobOutcome::Failed("the disk is still full".into()), 2)
            .await
            .unwrap()
    );
    assert!(repo.claim_job("B", 320, 380, 2).await.unwrap().is_none());
    let failed = repo.jobs().await.unwrap().pop().unwrap();
    assert_eq!(
        (failed.state, failed.error.as_deref()),
        (JobState::Failed, Some("the disk is still full"))
    );

    // A job whose every worker stopped ends failed once its last lease
    // runs out, and nothing follows it.
    let other = a_submission(&repo).await;
    let triage = repo.add_job(JobKind::Triage, &other, true).await.unwrap();
    repo.claim_job("A", 400, 410, 1).await.unwrap().unwrap();
    assert!(repo.claim_job("B", 420, 480, 1).await.unwrap().is_none());
    let stopped = repo.jobs().await.unwrap().into_iter().find(|j| j.id == triage).unwrap();
    assert_eq!(stopped.state, JobState::Failed);
    assert!(stopped.error.unwrap().contains("stopped"));
}

#[tokio::test]
async fn the_queue_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_queue_keeps_its_promises(SqlRepo::open_sqlite(&dir.path().join("trove.db"), true).await.unwrap()).await;
}

#[tokio::test]
async fn the_queue_on_postgres() {
    let server = Postgres::start();
    let repo = SqlRepo::connect_postgres(&server.database(), 4).await.unwrap();
    the_queue_keeps_its_promises(repo).await;
}

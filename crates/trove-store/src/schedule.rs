//! The publication schedule's records (desk side): calendar events, and
//! releases marked ready with their topics and current placement. Where a
//! release goes is the scheduler's business (`trove-schedule`); this is
//! only where it is kept. Times are whole hours since 1970-01-01T00:00Z.

use std::future::Future;

use sqlx::Row;

use crate::repo::db_err;
use crate::{SqlRepo, StoreError};

/// A media event of the calendar.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EventRow {
    pub uid: String,
    pub title: String,
    pub start_hour: i64,
    pub end_hour: i64,
    /// Comma-separated, lower case.
    pub topics: String,
    pub attention: f64,
    pub added_by: String,
}

/// A release marked ready, and where it is placed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScheduleRow {
    pub release: String,
    pub ready_hour: i64,
    pub ready_by: String,
    pub topics: String,
    pub embargo_until: Option<i64>,
    pub placement: Option<PlacementRow>,
}

/// A placement as last signed into the log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlacementRow {
    pub at_hour: i64,
    pub revision: u32,
    /// Comma-separated reason codes.
    pub codes: String,
    pub reason: String,
    pub log_index: u64,
}

/// Calendar events and releases waiting for their hour.
pub trait ScheduleRepo: Send + Sync {
    /// Adds an event or replaces the one with its UID.
    fn put_event(&self, event: &EventRow) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes an event; false if there was none.
    fn remove_event(&self, uid: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Events that end after `from_hour`, by start.
    fn events(&self, from_hour: i64) -> impl Future<Output = Result<Vec<EventRow>, StoreError>> + Send;

    /// Marks a release ready (or changes its topics, keeping when it was
    /// first ready and its placement).
    fn mark_ready(
        &self,
        release: &str,
        ready_hour: i64,
        topics: &str,
        by: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sets the hour a partner's exclusive access to a release ends (the
    /// latest of its grants'), before which it is not published.
    fn set_embargo(&self, release: &str, until: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every release marked ready that is not yet published, by ready hour.
    fn waiting(&self) -> impl Future<Output = Result<Vec<ScheduleRow>, StoreError>> + Send;

    /// One release's schedule row.
    fn schedule_row(&self, release: &str) -> impl Future<Output = Result<Option<ScheduleRow>, StoreError>> + Send;

    /// Records a placement signed into the log.
    fn record_placement(
        &self,
        release: &str,
        placement: &PlacementRow,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

const SCHEDULE_COLUMNS: &str = "s.release_id, s.ready_hour, s.ready_by, s.topics, s.embargo_until, s.at_hour, \
     s.revision, s.codes, s.reason, s.log_index";

fn schedule_from_row(row: &sqlx::any::AnyRow) -> ScheduleRow {
    let at_hour: Option<i64> = row.get("at_hour");
    let log_index: Option<i64> = row.get("log_index");
    ScheduleRow {
        release: row.get("release_id"),
        ready_hour: row.get("ready_hour"),
        ready_by: row.get("ready_by"),
        topics: row.get("topics"),
        embargo_until: row.get("embargo_until"),
        placement: at_hour.zip(log_index).map(|(at_hour, log_index)| PlacementRow {
            at_hour,
            revision: row.get::<i64, _>("revision") as u32,
            codes: row.get::<Option<String>, _>("codes").unwrap_or_default(),
            reason: row.get::<Option<String>, _>("reason").unwrap_or_default(),
            log_index: log_index as u64,
        }),
    }
}

impl ScheduleRepo for SqlRepo {
    async fn put_event(&self, event: &EventRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO calendar_events (uid, title, start_hour, end_hour, topics, attention, added_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (uid) DO UPDATE SET title = excluded.title, start_hour = excluded.start_hour,
               end_hour = excluded.end_hour, topics = excluded.topics, attention = excluded.attention,
               added_by = excluded.added_by",
        )
        .bind(&event.uid)
        .bind(&event.title)
        .bind(event.start_hour)
        .bind(event.end_hour)
        .bind(&event.topics)
        .bind(event.attention)
        .bind(&event.added_by)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording calendar event {:?}", event.uid)))?;
        Ok(())
    }

    async fn remove_event(&self, uid: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM calendar_events WHERE uid = $1")
            .bind(uid)
            .execute(self.pool())
            .await
            .map_err(db_err(format!("removing calendar event {uid:?}")))?;
        Ok(done.rows_affected() > 0)
    }

    async fn events(&self, from_hour: i64) -> Result<Vec<EventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT uid, title, start_hour, end_hour, topics, attention, added_by FROM calendar_events
             WHERE end_hour > $1 ORDER BY start_hour, uid",
        )
        .bind(from_hour)
        .fetch_all(self.pool())
        .await
        .map_err(db_err("reading the calendar"))?;
        Ok(rows
            .iter()
            .map(|row| EventRow {
                uid: row.get("uid"),
                title: row.get("title"),
                start_hour: row.get("start_hour"),
                end_hour: row.get("end_hour"),
                topics: row.get("topics"),
                attention: row.get("attention"),
                added_by: row.get("added_by"),
            })
            .collect())
    }

    async fn mark_ready(&self, release: &str, ready_hour: i64, topics: &str, by: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO release_schedule (release_id, ready_hour, ready_by, topics) VALUES ($1, $2, $3, $4)
             ON CONFLICT (release_id) DO UPDATE SET topics = excluded.topics",
        )
        .bind(release)
        .bind(ready_hour)
        .bind(by)
        .bind(topics)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("marking release {release} ready")))?;
        Ok(())
    }

    async fn set_embargo(&self, release: &str, until: i64) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE release_schedule SET embargo_until = {}(coalesce(embargo_until, $2), $2) WHERE release_id = $1",
            self.dialect().greatest()
        )))
        .bind(release)
        .bind(until)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording the embargo of release {release}")))?;
        Ok(())
    }

    async fn waiting(&self) -> Result<Vec<ScheduleRow>, StoreError> {
        let sql = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM release_schedule s JOIN releases r ON r.id = s.release_id
             WHERE r.state != 'published' ORDER BY s.ready_hour, s.release_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err("reading the releases waiting for their hour"))?;
        Ok(rows.iter().map(schedule_from_row).collect())
    }

    async fn schedule_row(&self, release: &str) -> Result<Option<ScheduleRow>, StoreError> {
        let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM release_schedule s WHERE s.release_id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(release)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err(format!("reading the schedule of release {release}")))?;
        Ok(row.as_ref().map(schedule_from_row))
    }

    async fn record_placement(&self, release: &str, placement: &PlacementRow) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE release_schedule SET at_hour = $1, revision = $2, codes = $3, reason = $4, log_index = $5
             WHERE release_id = $6",
        )
        .bind(placement.at_hour)
        .bind(i64::from(placement.revision))
        .bind(&placement.codes)
        .bind(&placement.reason)
        .bind(placement.log_index as i64)
        .bind(release)
        .execute(self.pool())
        .await
        .map_err(db_err(format!("recording where release {release} is placed")))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::BadId {
                what: "release marked ready",
                text: release.to_owned(),
            });
        }
        Ok(())
    }
}

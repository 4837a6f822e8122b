//! The calendar and the schedule: media events, releases marked ready,
//! placements signed into the log, and publishing what is due.
//!
//! The placement itself is `trove-schedule`'s; this module keeps the
//! calendar and the placements in the database, signs each new placement
//! and each change as a `schedule` statement, and publishes a release when
//! its hour has come (`trove schedule run`, or `trove serve` on its own).

use std::path::Path;

use serde::Serialize;
use trove_keys::StatementRole;
use trove_ledger::statement::{PublishAt, Statement};
use trove_schedule::calendar::Skipped;
use trove_schedule::{Attention, Event, Hour, Limits, Model, Release, Topics};
use trove_store::{Day, EventRow, PlacementRow, ScheduleRepo as _, ScheduleRow};

use crate::{AppError, Newsroom, Progress, PublishReport};

/// A calendar event as reports show it.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub uid: String,
    pub title: String,
    pub start: Hour,
    pub end: Hour,
    /// The days it covers, `2016-08-05..2016-08-21`.
    pub days: String,
    pub topics: Vec<String>,
    pub attention: f64,
    pub added_by: String,
}

/// What `trove calendar import` did.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarImport {
    pub file: String,
    pub added: Vec<EventView>,
    pub skipped: Vec<Skipped>,
}

/// An event added by hand.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub title: String,
    pub start: Hour,
    pub end: Hour,
    pub topics: Topics,
    pub attention: Attention,
}

/// A release waiting for its hour, as `trove schedule show` explains it.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduledView {
    pub release: String,
    pub ready: Hour,
    pub ready_by: String,
    pub topics: Vec<String>,
    pub embargo_until: Option<Hour>,
    /// The hour it is placed at, once planned.
    pub at: Option<Hour>,
    pub revision: u32,
    pub codes: Vec<String>,
    pub reason: Option<String>,
    pub log_index: Option<u64>,
}

/// What planning changed.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReport {
    pub now: Hour,
    pub limits: Limits,
    pub releases: Vec<ScheduledView>,
    /// Releases whose placement is new or moved, each with its signed
    /// statement's log index.
    pub changed: Vec<String>,
}

/// What `trove schedule run` did.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub plan: PlanReport,
    pub published: Vec<PublishReport>,
    /// Releases that were due but could not be published, with why.
    pub failed: Vec<(String, String)>,
}

/// The current hour, from the clock.
pub fn current_hour() -> Result<Hour, AppError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| AppError::Clock)?;
    Ok(Hour::from_unix(now.as_secs() as i64))
}

fn event_view(row: EventRow) -> EventView {
    let event = event_of(&row);
    EventView {
        days: event.as_ref().map(Event::days_text).unwrap_or_default(),
        uid: row.uid,
        title: row.title,
        start: Hour::from_index(row.start_hour),
        end: Hour::from_index(row.end_hour),
        topics: Topics::parse_list(&row.topics).iter().map(str::to_owned).collect(),
        attention: row.attention,
        added_by: row.added_by,
    }
}

/// The scheduler's event from a row; `None` for a row the database's
/// checks should have refused.
fn event_of(row: &EventRow) -> Option<Event> {
    Event::new(
        row.uid.clone(),
        row.title.clone(),
        Hour::from_index(row.start_hour),
        Hour::from_index(row.end_hour),
        Topics::parse_list(&row.topics),
        Attention::new(row.attention).ok()?,
    )
    .ok()
}

fn event_row(event: &Event, user: &str) -> EventRow {
    EventRow {
        uid: event.uid.clone(),
        title: event.title.clone(),
        start_hour: event.start.index(),
        end_hour: event.end.index(),
        topics: event.topics.to_list(),
        attention: event.attention.value(),
        added_by: user.to_owned(),
    }
}

fn scheduled_view(row: ScheduleRow) -> ScheduledView {
    let placement = row.placement;
    ScheduledView {
        release: row.release,
        ready: Hour::from_index(row.ready_hour),
        ready_by: row.ready_by,
        topics: Topics::parse_list(&row.topics).iter().map(str::to_owned).collect(),
        embargo_until: row.embargo_until.map(Hour::from_index),
        at: placement.as_ref().map(|p| Hour::from_index(p.at_hour)),
        revision: placement.as_ref().map_or(0, |p| p.revision),
        codes: placement
            .as_ref()
            .map(|p| {
                p.codes
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        reason: placement.as_ref().map(|p| p.reason.clone()),
        log_index: placement.map(|p| p.log_index),
    }
}

/// One line of words for a statement: control characters become spaces
/// and the text is cut to what a statement holds.
fn one_line(text: &str) -> String {
    let mut line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if line.len() > trove_ledger::statement::MAX_REASON_BYTES {
        let mut cut = trove_ledger::statement::MAX_REASON_BYTES;
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.truncate(cut);
    }
    line
}

impl Newsroom {
    /// Imports the events of an iCalendar file; an event already in the
    /// calendar under the same UID is replaced. Events that cannot be
    /// placed in time are skipped with their reason.
    pub async fn calendar_import(
        &self,
        file: &Path,
        default_attention: Attention,
        user: &str,
    ) -> Result<CalendarImport, AppError> {
        self.desk_user(user).await?;
        let text = std::fs::read_to_string(file).map_err(AppError::io(file))?;
        let imported = trove_schedule::parse_ics(&text, default_attention).map_err(|e| AppError::Setting {
            path: file.into(),
            reason: e.to_string(),
        })?;
        let mut added = Vec::new();
        for event in &imported.events {
            let row = event_row(event, user);
            self.repo().put_event(&row).await?;
            added.push(event_view(row));
        }
        Ok(CalendarImport {
            file: file.display().to_string(),
            added,
            skipped: imported.skipped,
        })
    }

    /// Adds an event by hand.
    pub async fn calendar_add(&self, event: NewEvent, user: &str) -> Result<EventView, AppError> {
        self.desk_user(user).await?;
        let uid = format!("trove-{}", hex::encode(crate::publish::random_bytes::<8>()?));
        let event = Event::new(uid, event.title, event.start, event.end, event.topics, event.attention)
            .map_err(|e| AppError::Schedule(e.to_string()))?;
        let row = event_row(&event, user);
        self.repo().put_event(&row).await?;
        Ok(event_view(row))
    }

    /// Removes an event; false if there was none.
    pub async fn calendar_remove(&self, uid: &str) -> Result<bool, AppError> {
        Ok(self.repo().remove_event(uid).await?)
    }

    /// The events that end after `from`, by start.
    pub async fn calendar(&self, from: Hour) -> Result<Vec<EventView>, AppError> {
        Ok(self
            .repo()
            .events(from.index())
            .await?
            .into_iter()
            .map(event_view)
            .collect())
    }

    /// Topics proposed for a release: the watch-list names and the people
    /// and organisations most of its submission's documents mention, as
    /// triage found them.
    pub async fn proposed_topics(&self, release: &str) -> Result<Vec<String>, AppError> {
        let record = self.release_record(release).await?;
        let Some(report) = self.triage_report(&record.submission).await? else {
            return Ok(Vec::new());
        };
        let significance = report.significance;
        let topics = Topics::new(
            significance
                .watch_hits
                .iter()
                .chain(significance.prominent.iter().take(5)),
        );
        Ok(topics.iter().map(str::to_owned).collect())
    }

    /// Marks a draft release ready to publish from `now`, with its topics
    /// (triage's proposal when none are given): refused while redactions
    /// await review. Marking it again changes only its topics: when it
    /// became ready stays, and so does its bound.
    pub async fn mark_ready(
        &self,
        release: &str,
        topics: Option<Vec<String>>,
        user: &str,
        now: Hour,
    ) -> Result<ScheduledView, AppError> {
        self.desk_user(user).await?;
        let record = self.draft(release).await?;
        self.check_accepted(&record.submission).await?;
        // Ready means it could be published now: its hour must not find it
        // waiting for a reviewer.
        let awaiting = self.release(release).await?.awaiting_review.len();
        if awaiting > 0 {
            return Err(AppError::UnreviewedRedactions {
                release: release.to_owned(),
                documents: awaiting,
            });
        }
        let topics = match topics {
            Some(topics) => Topics::new(topics),
            None => Topics::new(self.proposed_topics(release).await?),
        };
        self.repo()
            .mark_ready(release, now.index(), &topics.to_list(), user)
            .await?;
        let row = self
            .repo()
            .schedule_row(release)
            .await?
            .ok_or_else(|| AppError::NoRelease(release.to_owned()))?;
        Ok(scheduled_view(row))
    }

    /// The releases waiting for their hour, as last placed.
    pub async fn scheduled(&self) -> Result<Vec<ScheduledView>, AppError> {
        Ok(self.repo().waiting().await?.into_iter().map(scheduled_view).collect())
    }

    /// The policy's limits.
    fn limits(&self) -> Result<Limits, AppError> {
        let rules = self.dir().policy()?.schedule;
        Ok(Limits {
            max_delay_days: rules.max_delay_days,
            per_day: rules.per_day,
            per_week: rules.per_week,
        })
    }

    /// Places every waiting release from `now` on, and signs each new or
    /// moved placement into the log as a `schedule` statement by `editor`.
    pub async fn plan_schedule(&self, editor: &str, now: Hour) -> Result<PlanReport, AppError> {
        let limits = self.limits()?;
        let waiting = self.repo().waiting().await?;
        let releases: Vec<Release> = waiting
            .iter()
            .map(|row| Release {
                id: row.release.clone(),
                ready: Hour::from_index(row.ready_hour),
                topics: Topics::parse_list(&row.topics),
                embargo_until: row.embargo_until.map(Hour::from_index),
            })
            .collect();
        let from = releases.iter().map(|r| r.ready).min().unwrap_or(now).min(now);
        let events: Vec<Event> = self
            .repo()
            .events(from.index())
            .await?
            .iter()
            .filter_map(event_of)
            .collect();
        let plan = trove_schedule::schedule(&releases, &events, &limits, &Model::default(), now);

        let mut changed = Vec::new();
        if !waiting.is_empty() {
            let role = StatementRole::Editor(editor.to_owned());
            let key_id = self
                .dir()
                .keyring()
                .verifier_key(&role)
                .map_err(|_| AppError::NoEditorKey(editor.to_owned()))?
                .id();
            for (row, placed) in waiting.iter().zip(&plan.placements) {
                if row.placement.as_ref().is_some_and(|p| p.at_hour == placed.at().index()) {
                    continue;
                }
                let revision = row.placement.as_ref().map_or(1, |p| p.revision + 1);
                let mut release_id = [0u8; 16];
                hex::decode_to_slice(&row.release, &mut release_id)
                    .map_err(|_| AppError::NoRelease(row.release.clone()))?;
                let reason = one_line(&placed.explain());
                let codes: Vec<String> = placed.codes().into_iter().map(str::to_owned).collect();
                let statement = Statement::Schedule {
                    release: release_id,
                    revision,
                    ready: Day::from_unix(placed.ready().unix()),
                    at: PublishAt {
                        day: Day::from_unix(placed.at().unix()),
                        hour: placed.at().hour_of_day() as u8,
                    },
                    bound_days: limits.max_delay_days,
                    codes: codes.clone(),
                    reason: reason.clone(),
                    editor: hex::encode(key_id),
                };
                let ledger = self.dir().ledger();
                let signer = role.clone();
                let log_index = tokio::task::spawn_blocking(move || ledger.append(&statement, &signer))
                    .await
                    .map_err(|e| AppError::Join(e.to_string()))??;
                self.repo()
                    .record_placement(
                        &row.release,
                        &PlacementRow {
                            at_hour: placed.at().index(),
                            revision,
                            codes: codes.join(","),
                            reason,
                            log_index,
                        },
                    )
                    .await?;
                changed.push(row.release.clone());
            }
        }
        Ok(PlanReport {
            now,
            limits,
            releases: self.scheduled().await?,
            changed,
        })
    }

    /// Plans, then publishes every release whose hour has come, signed by
    /// `editor`. A release that cannot be published is reported and the
    /// others go on.
    pub async fn run_schedule(&self, editor: &str, now: Hour, progress: &dyn Progress) -> Result<RunReport, AppError> {
        let plan = self.plan_schedule(editor, now).await?;
        let mut published = Vec::new();
        let mut failed = Vec::new();
        for due in plan.releases.iter().filter(|r| r.at.is_some_and(|at| at <= now)) {
            match self.publish(&due.release, editor, progress).await {
                Ok(report) => published.push(report),
                Err(error) => failed.push((due.release.clone(), error.to_string())),
            }
        }
        let plan = if published.is_empty() {
            plan
        } else {
            PlanReport {
                releases: self.scheduled().await?,
                ..plan
            }
        };
        Ok(RunReport {
            plan,
            published,
            failed,
        })
    }

    /// Publishes releases when their hour comes, for as long as it runs
    /// (`trove serve` on the desk): at the start of every hour it plans
    /// and publishes what is due, signed by the configured editor.
    pub async fn run_due_publications(self: std::sync::Arc<Self>) {
        let editor = self.dir().config.schedule.editor.clone();
        loop {
            match current_hour() {
                Ok(now) => {
                    let waiting = self.repo().waiting().await.map(|w| !w.is_empty());
                    if let Ok(true) = waiting
                        && let Err(reason) = self.run_schedule(&editor, now, &crate::NoProgress).await
                    {
                        tracing::warn!("publishing the releases due failed: {reason}");
                    }
                }
                Err(reason) => tracing::warn!("the schedule cannot run: {reason}"),
            }
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            // A few seconds into the next hour, so a clock a little behind
            // still sees it.
            tokio::time::sleep(std::time::Duration::from_secs(3600 - now % 3600 + 5)).await;
        }
    }
}

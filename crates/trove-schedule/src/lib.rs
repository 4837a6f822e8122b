//! The publication scheduler: when each release goes out, and why.
//!
//! A release is ready at an hour. [`schedule`] places every release on an
//! hour that maximizes the expected readership of all of them under a
//! documented [`Model`] (a weekday and hour baseline, waning news value,
//! distraction by concurrent media [`Event`]s by their attention, a boost
//! where a release and an event share a topic), within the newsroom's
//! capacity ([`Limits`]: releases a day and a week) and partners'
//! embargoes, and says why in codes and words ([`Reason`]).
//!
//! Three rules hold by construction, and tests keep them:
//!
//! * **No rejection.** [`schedule`] cannot fail and returns one
//!   [`Placement`] per release; nothing in this crate can drop one.
//! * **A bound on delay.** A placement is always inside its release's
//!   [`Window`], which ends `Limits::max_delay_days` after the release is
//!   ready (or at a partner's embargo end, when that is later; the policy
//!   caps embargoes). Capacity yields to the bound: when the limits cannot
//!   all hold, a day goes over capacity and its placements say so.
//! * **A related event never delays.** An event that shares a topic with
//!   a release never lowers its readership, and raises it only at hours no
//!   later than where the release would go without it (see [`model`]).
//!
//! The placement is exact: days under nested capacities (days within
//! weeks) are an assignment problem, solved as a min-cost flow ([`flow`]).
//!
//! What this crate must never do: read the clock (the caller passes
//! `now`), touch storage or the log, or offer a way to hold a release
//! back indefinitely.

pub mod calendar;
mod flow;
mod hour;
pub mod model;

use std::collections::HashMap;

use serde::Serialize;

pub use calendar::{CalendarError, parse_ics};
pub use hour::{HOURS_PER_DAY, Hour, HourError};
pub use model::{Attention, Event, Model, ModelError, Topics};

/// A release waiting to be placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub id: String,
    /// When the editor marked it ready to publish.
    pub ready: Hour,
    pub topics: Topics,
    /// The end of a partner's exclusive access: the release cannot go
    /// public before it, and goes public at it at the latest when that is
    /// after the bound.
    pub embargo_until: Option<Hour>,
}

/// The newsroom's limits, from its policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// A release is never placed more than this after it is ready.
    pub max_delay_days: u32,
    pub per_day: u32,
    pub per_week: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_delay_days: 30,
            per_day: 2,
            per_week: 8,
        }
    }
}

/// The hours a release may be placed in, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub earliest: Hour,
    pub latest: Hour,
}

impl Window {
    /// From the release being ready (or its embargo's end, or now,
    /// whichever is last) to `max_delay_days` after it was ready; if that
    /// end has passed, or the embargo ends after it, the window is the one
    /// hour the release can still go out at.
    pub fn of(release: &Release, limits: &Limits, now: Hour) -> Window {
        let earliest = release
            .ready
            .max(now)
            .max(release.embargo_until.unwrap_or(release.ready));
        let bound = release.ready.plus_days(i64::from(limits.max_delay_days));
        Window {
            earliest,
            latest: bound.max(earliest),
        }
    }

    /// How many hours it holds.
    pub fn hours(&self) -> usize {
        usize::try_from(self.latest.hours_since(self.earliest) + 1).unwrap_or(1)
    }

    pub fn contains(&self, at: Hour) -> bool {
        self.earliest <= at && at <= self.latest
    }
}

/// Why a release is placed where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// Placed at the first hour it could go.
    Ready,
    /// A partner's exclusive access ends at this hour.
    Embargo { until: Hour },
    /// An unrelated event took the public's attention in the hours skipped.
    Event {
        uid: String,
        title: String,
        days: String,
        attention: f64,
    },
    /// Earlier days the release would have reached more readers on were
    /// full.
    Capacity { days: Vec<String> },
    /// A better weekday or hour of the baseline was worth the wait.
    Readership,
    /// Placed during an event that shares its topics.
    RelatedEvent { uid: String, title: String, days: String },
    /// Its day holds more than the limits allow: the bound left no room.
    OverCapacity,
    /// Its latest hour had already passed when it was placed.
    Overdue,
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Ready => "READY",
            Reason::Embargo { .. } => "EMBARGO",
            Reason::Event { .. } => "EVENT",
            Reason::Capacity { .. } => "CAPACITY",
            Reason::Readership => "READERSHIP",
            Reason::RelatedEvent { .. } => "RELATED_EVENT",
            Reason::OverCapacity => "OVER_CAPACITY",
            Reason::Overdue => "OVERDUE",
        }
    }

    pub fn words(&self) -> String {
        match self {
            Reason::Ready => "published as soon as ready".into(),
            Reason::Embargo { until } => format!("embargoed for a partner until {until}"),
            // A title never holds "; ", which separates the reasons.
            Reason::Event {
                title, days, attention, ..
            } => format!(
                "delayed for {} {days}, attention {attention:.2}",
                title.replace("; ", ", ")
            ),
            Reason::Capacity { days } => format!("days already full: {}", days.join(", ")),
            Reason::Readership => "waiting for a better weekday or hour".into(),
            Reason::RelatedEvent { title, days, .. } => format!("during the related {title} {days}"),
            Reason::OverCapacity => "over the daily or weekly limit, which yields to the bound".into(),
            Reason::Overdue => "overdue: published at once".into(),
        }
    }
}

/// Where one release goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    release: String,
    ready: Hour,
    at: Hour,
    window: Window,
    readership: f64,
    reasons: Vec<Reason>,
    bound_days: u32,
}

impl Placement {
    pub fn release(&self) -> &str {
        &self.release
    }

    pub fn ready(&self) -> Hour {
        self.ready
    }

    pub fn at(&self) -> Hour {
        self.at
    }

    pub fn window(&self) -> Window {
        self.window
    }

    /// Expected readership relative to the best hour of an ordinary week.
    pub fn readership(&self) -> f64 {
        self.readership
    }

    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// Hours from ready to publication.
    pub fn delay_hours(&self) -> i64 {
        self.at.hours_since(self.ready)
    }

    /// The reason codes, comma-separated, in a fixed order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.reasons.iter().map(Reason::code).collect()
    }

    /// The placement in words: "ready …, placed … (9 days 2 hours later):
    /// delayed for …; bound 30 days".
    pub fn explain(&self) -> String {
        let delay = self.delay_hours();
        let reasons: Vec<String> = self.reasons.iter().map(Reason::words).collect();
        format!(
            "ready {}, placed {} ({} later): {}; bound {} days",
            self.ready,
            self.at,
            duration_words(delay),
            reasons.join("; "),
            self.bound_days
        )
    }
}

fn duration_words(hours: i64) -> String {
    let (days, hours) = (hours / HOURS_PER_DAY, hours % HOURS_PER_DAY);
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match (days, hours) {
        (0, h) => plural(h, "hour"),
        (d, 0) => plural(d, "day"),
        (d, h) => format!("{} {}", plural(d, "day"), plural(h, "hour")),
    }
}

/// Every release's placement, in the order the releases were given.
#[derive(Debug, Clone, Serialize)]
pub struct Schedule {
    pub placements: Vec<Placement>,
    /// The sum of the placements' readership.
    pub readership: f64,
}

/// Readership in fixed point for the flow's integer costs: a millionth of
/// the best hour is far below anything the model can tell apart.
const SCALE: f64 = 1_000_000.0;

/// One release's best hour on each day of its window.
struct DayChoice {
    day: i64,
    at: Hour,
    readership: f64,
}

/// Places every release (see the crate's documentation). `now` is the
/// first hour anything can still be placed at.
pub fn schedule(releases: &[Release], events: &[Event], limits: &Limits, model: &Model, now: Hour) -> Schedule {
    let limits = Limits {
        per_day: limits.per_day.max(1),
        per_week: limits.per_week.max(1),
        ..*limits
    };
    let mut by_start: Vec<&Event> = events.iter().collect();
    by_start.sort_by_key(|e| e.start);

    let windows: Vec<Window> = releases.iter().map(|r| Window::of(r, &limits, now)).collect();
    let choices: Vec<Vec<DayChoice>> = releases
        .iter()
        .zip(&windows)
        .map(|(release, window)| day_choices(release, window, &nearby(&by_start, window), model))
        .collect();

    let Some(first_day) = windows.iter().map(|w| w.earliest.day()).min() else {
        return Schedule {
            placements: Vec::new(),
            readership: 0.0,
        };
    };
    let last_day = windows.iter().map(|w| w.latest.day()).max().unwrap_or(first_day);
    let first_week = Hour::start_of_day(first_day).week();
    let last_week = Hour::start_of_day(last_day).week();
    let days = (last_day - first_day + 1) as usize;
    let weeks = (last_week - first_week + 1) as usize;
    let (day_node, week_node, sink) = (releases.len(), releases.len() + days, releases.len() + days + weeks);
    let mut flow = flow::Flow::new(sink + 1);

    let ceiling = (model.ceiling() * SCALE).round() as i64;
    // Going over capacity costs more than any rearrangement could save, so
    // the flow does it only when the limits cannot all hold.
    let over = ceiling.saturating_mul(releases.len() as i64 + 1);
    let mut choice_edges: Vec<Vec<usize>> = Vec::with_capacity(releases.len());
    for (r, options) in choices.iter().enumerate() {
        let edges = options
            .iter()
            .map(|choice| {
                let cost = (ceiling - (choice.readership * SCALE).round() as i64).max(0);
                flow.add_edge(r, day_node + (choice.day - first_day) as usize, 1, cost)
            })
            .collect();
        choice_edges.push(edges);
    }
    let mut over_edges = Vec::with_capacity(days);
    for d in 0..days {
        let week = Hour::start_of_day(first_day + d as i64).week() - first_week;
        flow.add_edge(day_node + d, week_node + week as usize, i64::from(limits.per_day), 0);
        over_edges.push(flow.add_edge(day_node + d, sink, releases.len() as i64, over));
    }
    for w in 0..weeks {
        flow.add_edge(week_node + w, sink, i64::from(limits.per_week), 0);
    }

    // Adding releases in time order keeps each search near its own days.
    let mut order: Vec<usize> = (0..releases.len()).collect();
    order.sort_by_key(|&r| (windows[r].earliest, windows[r].latest));
    for r in order {
        flow.push_one(r, sink);
    }

    let chosen: Vec<usize> = choice_edges
        .iter()
        .map(|edges| edges.iter().position(|&e| flow.flow(e) == 1).unwrap_or(0))
        .collect();
    let mut per_day: HashMap<i64, u32> = HashMap::new();
    let mut per_week: HashMap<i64, u32> = HashMap::new();
    for (options, &c) in choices.iter().zip(&chosen) {
        let day = options[c].day;
        *per_day.entry(day).or_default() += 1;
        *per_week.entry(Hour::start_of_day(day).week()).or_default() += 1;
    }
    let full = |day: i64| {
        per_day.get(&day).copied().unwrap_or(0) >= limits.per_day
            || per_week.get(&Hour::start_of_day(day).week()).copied().unwrap_or(0) >= limits.per_week
    };
    let overfull = |day: i64| flow.flow(over_edges[(day - first_day) as usize]) > 0;

    let mut placements = Vec::with_capacity(releases.len());
    let mut total = 0.0;
    for (r, release) in releases.iter().enumerate() {
        let options = &choices[r];
        let choice = &options[chosen[r]];
        let window = windows[r];
        let context = ReasonContext {
            release,
            window,
            at: choice.at,
            limits: &limits,
            now,
            events: &nearby(&by_start, &window),
        };
        let mut reasons = context.reasons(options, choice, &full);
        if overfull(choice.day) {
            reasons.push(Reason::OverCapacity);
        }
        total += choice.readership;
        placements.push(Placement {
            release: release.id.clone(),
            ready: release.ready,
            at: choice.at,
            window,
            readership: choice.readership,
            reasons,
            bound_days: limits.max_delay_days,
        });
    }
    Schedule {
        placements,
        readership: total,
    }
}

/// The baseline the benchmark compares with: each release, in the order
/// it became ready, at the first hour of its window whose day and week
/// still have room (or its latest hour), with no regard for readership.
pub fn earliest_slot(releases: &[Release], events: &[Event], limits: &Limits, model: &Model, now: Hour) -> Schedule {
    let mut order: Vec<usize> = (0..releases.len()).collect();
    order.sort_by_key(|&r| releases[r].ready);
    let mut per_day: HashMap<i64, u32> = HashMap::new();
    let mut per_week: HashMap<i64, u32> = HashMap::new();
    let mut by_start: Vec<&Event> = events.iter().collect();
    by_start.sort_by_key(|e| e.start);
    let mut placed: Vec<Option<Placement>> = vec![None; releases.len()];
    for r in order {
        let release = &releases[r];
        let window = Window::of(release, limits, now);
        let mut at = window.earliest;
        while at < window.latest
            && (per_day.get(&at.day()).copied().unwrap_or(0) >= limits.per_day
                || per_week.get(&at.week()).copied().unwrap_or(0) >= limits.per_week)
        {
            at = Hour::start_of_day(at.day() + 1).min(window.latest);
        }
        *per_day.entry(at.day()).or_default() += 1;
        *per_week.entry(at.week()).or_default() += 1;
        let readership = model.readership(release.ready, &release.topics, &window, &nearby(&by_start, &window), at);
        placed[r] = Some(Placement {
            release: release.id.clone(),
            ready: release.ready,
            at,
            window,
            readership,
            reasons: Vec::new(),
            bound_days: limits.max_delay_days,
        });
    }
    let placements: Vec<Placement> = placed.into_iter().flatten().collect();
    let readership = placements.iter().map(|p| p.readership).sum();
    Schedule { placements, readership }
}

/// The events that overlap a window, from events sorted by start.
fn nearby<'a>(by_start: &[&'a Event], window: &Window) -> Vec<&'a Event> {
    let end = by_start.partition_point(|e| e.start <= window.latest);
    by_start[..end]
        .iter()
        .filter(|e| e.end > window.earliest)
        .copied()
        .collect()
}

fn day_choices(release: &Release, window: &Window, events: &[&Event], model: &Model) -> Vec<DayChoice> {
    let curve = model.readership_curve(release.ready, &release.topics, window, events);
    let mut choices: Vec<DayChoice> = Vec::new();
    for (i, readership) in curve.into_iter().enumerate() {
        let at = window.earliest.plus_hours(i as i64);
        match choices.last_mut() {
            Some(last) if last.day == at.day() => {
                if readership > last.readership {
                    last.at = at;
                    last.readership = readership;
                }
            }
            _ => choices.push(DayChoice {
                day: at.day(),
                at,
                readership,
            }),
        }
    }
    choices
}

struct ReasonContext<'a> {
    release: &'a Release,
    window: Window,
    at: Hour,
    limits: &'a Limits,
    now: Hour,
    events: &'a [&'a Event],
}

impl ReasonContext<'_> {
    fn reasons(&self, options: &[DayChoice], choice: &DayChoice, full: &dyn Fn(i64) -> bool) -> Vec<Reason> {
        let mut reasons = Vec::new();
        let bound = self.release.ready.plus_days(i64::from(self.limits.max_delay_days));
        if self.now > bound && self.window.earliest == self.now {
            reasons.push(Reason::Overdue);
        }
        if let Some(until) = self.release.embargo_until
            && until > self.release.ready
            && until >= self.now
        {
            reasons.push(Reason::Embargo { until });
        }
        let skipped_to = self.at.plus_hours(-1);
        let mut delayed = false;
        if self.at > self.window.earliest {
            for event in self.events {
                if !event.topics.shares_any(&self.release.topics) && event.overlaps(self.window.earliest, skipped_to) {
                    delayed = true;
                    reasons.push(Reason::Event {
                        uid: event.uid.clone(),
                        title: event.title.clone(),
                        days: event.days_text(),
                        attention: event.attention.value(),
                    });
                }
            }
            let days: Vec<String> = options
                .iter()
                .filter(|o| o.day < choice.day && o.readership > choice.readership && full(o.day))
                .map(|o| o.at.day_text())
                .collect();
            if !days.is_empty() {
                delayed = true;
                reasons.push(Reason::Capacity { days });
            }
            if !delayed {
                reasons.push(Reason::Readership);
            }
        }
        for event in self.events {
            if event.covers(self.at) && event.topics.shares_any(&self.release.topics) {
                reasons.push(Reason::RelatedEvent {
                    uid: event.uid.clone(),
                    title: event.title.clone(),
                    days: event.days_text(),
                });
            }
        }
        if reasons.is_empty() {
            reasons.push(Reason::Ready);
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hour(text: &str) -> Hour {
        text.parse().unwrap()
    }

    fn release(id: &str, ready: &str, topics: &[&str]) -> Release {
        Release {
            id: id.into(),
            ready: hour(ready),
            topics: Topics::new(topics),
            embargo_until: None,
        }
    }

    #[test]
    fn explains_in_words() {
        let events = [Event::new(
            "games",
            "Olympic Games",
            hour("2016-08-05"),
            hour("2016-08-22"),
            Topics::new(["sport"]),
            Attention::new(0.8).unwrap(),
        )
        .unwrap()];
        let plan = schedule(
            &[release("a", "2016-08-06T12", &["banks"])],
            &events,
            &Limits::default(),
            &Model::default(),
            hour("2016-08-01"),
        );
        let placed = &plan.placements[0];
        assert!(placed.at() >= hour("2016-08-22"), "{}", placed.explain());
        assert_eq!(placed.codes(), ["EVENT"]);
        assert!(
            placed
                .explain()
                .contains("delayed for Olympic Games 2016-08-05..2016-08-21, attention 0.80; bound 30 days"),
            "{}",
            placed.explain()
        );
    }

    #[test]
    fn an_embargo_past_the_bound_is_the_one_hour() {
        let mut r = release("a", "2016-08-01", &[]);
        r.embargo_until = Some(hour("2016-09-15T06"));
        let plan = schedule(&[r], &[], &Limits::default(), &Model::default(), hour("2016-08-01"));
        assert_eq!(plan.placements[0].at(), hour("2016-09-15T06"));
        assert_eq!(plan.placements[0].codes(), ["EMBARGO"]);
    }

    #[test]
    fn overdue_releases_go_at_once() {
        let r = release("a", "2016-08-01", &[]);
        let now = hour("2016-10-01T03");
        let plan = schedule(&[r], &[], &Limits::default(), &Model::default(), now);
        assert_eq!(plan.placements[0].at(), now);
        assert_eq!(plan.placements[0].codes(), ["OVERDUE"]);
    }

    #[test]
    fn capacity_yields_to_the_bound() {
        let limits = Limits {
            max_delay_days: 0,
            per_day: 1,
            per_week: 5,
        };
        let releases = [release("a", "2016-08-01T09", &[]), release("b", "2016-08-01T09", &[])];
        let plan = schedule(&releases, &[], &limits, &Model::default(), hour("2016-08-01"));
        assert_eq!(plan.placements.len(), 2);
        for placed in &plan.placements {
            assert_eq!(placed.at(), hour("2016-08-01T09"));
            assert!(placed.codes().contains(&"OVER_CAPACITY"));
        }
    }

    #[test]
    fn duration_words_read_naturally() {
        assert_eq!(duration_words(0), "0 hours");
        assert_eq!(duration_words(25), "1 day 1 hour");
        assert_eq!(duration_words(48), "2 days");
    }
}

//! The readership model: how many readers a release placed at an hour can
//! expect, relative to the best hour of an ordinary week.
//!
//! ```text
//! readership(r, t) = baseline(weekday(t), hour(t))
//!                  × (1 − decay)^(days from ready to t)
//!                  × Π over unrelated events at t of (1 − attention)
//!                  × (1 + boost × max attention of related events under way
//!                                 from the window's start to t*(r))     only if t ≤ t*(r)
//! ```
//!
//! `t*(r)` is the release's best hour without related events, which never
//! lower any hour. Their boost raises every hour up to `t*` by the same
//! factor, so it never moves the release's own best hour: a related event
//! cannot delay a release. What it changes is how much the release weighs
//! against others where releases compete for a day's capacity.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{Hour, Window};

/// Topics of a release or an event: lower-case words or short phrases.
/// A release and an event are related when they share one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topics(BTreeSet<String>);

impl Topics {
    /// Topics from free text: trimmed, lower-cased, empty ones and ones of
    /// over 64 bytes dropped.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(topics: I) -> Topics {
        Topics(
            topics
                .into_iter()
                .map(|t| t.as_ref().trim().to_lowercase())
                .filter(|t| !t.is_empty() && t.len() <= 64)
                .collect(),
        )
    }

    /// Topics from a comma-separated list.
    pub fn parse_list(text: &str) -> Topics {
        Topics::new(text.split(','))
    }

    pub fn shares_any(&self, other: &Topics) -> bool {
        // Both sides are sorted: walk them together.
        let (mut a, mut b) = (self.0.iter().peekable(), other.0.iter().peekable());
        while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => {
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    b.next();
                }
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `a,b,c`, or empty.
    pub fn to_list(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(",")
    }
}

/// How much of the public's attention an event takes, from 0 (none) to
/// 0.95: a release placed during it reaches `1 − attention` of its
/// readers. Capped below 1 so no hour is ever worth nothing.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Attention(f64);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("attention {0} is not a number from 0 to 0.95")]
    Attention(String),
    #[error("event {uid:?}: it ends ({end}) before it starts ({start})")]
    EventEnds { uid: String, start: Hour, end: Hour },
    #[error("{field} = {value}: {expected}")]
    Field {
        field: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl Attention {
    pub const MAX: f64 = 0.95;

    pub fn new(value: f64) -> Result<Attention, ModelError> {
        if (0.0..=Self::MAX).contains(&value) {
            Ok(Attention(value))
        } else {
            Err(ModelError::Attention(value.to_string()))
        }
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

/// A media event: the hours it takes, its topics and its attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The calendar's UID, or one made for an event added by hand.
    pub uid: String,
    pub title: String,
    pub start: Hour,
    /// The first hour after the event.
    pub end: Hour,
    pub topics: Topics,
    pub attention: Attention,
}

impl Event {
    pub fn new(
        uid: impl Into<String>,
        title: impl Into<String>,
        start: Hour,
        end: Hour,
        topics: Topics,
        attention: Attention,
    ) -> Result<Event, ModelError> {
        let uid = uid.into();
        if end <= start {
            return Err(ModelError::EventEnds { uid, start, end });
        }
        Ok(Event {
            uid,
            title: title.into(),
            start,
            end,
            topics,
            attention,
        })
    }

    pub fn covers(&self, at: Hour) -> bool {
        self.start <= at && at < self.end
    }

    pub fn overlaps(&self, from: Hour, to_inclusive: Hour) -> bool {
        self.start <= to_inclusive && from < self.end
    }

    /// `2016-08-05..2016-08-21` (the last day the event covers).
    pub fn days_text(&self) -> String {
        format!("{}..{}", self.start.day_text(), self.end.plus_hours(-1).day_text())
    }
}

/// The readership model's parameters; [`Model::default`] documents the
/// values trove uses unless the policy says otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    weekday: [f64; 7],
    hour: [f64; 24],
    decay_per_day: f64,
    boost: f64,
}

impl Default for Model {
    /// News readership by weekday (Monday first) and by hour (UTC), shaped
    /// after published audience curves of news sites: weekdays alike with
    /// Friday lower and the weekend lowest; a morning peak, a lunch peak
    /// and an evening peak, and little at night. Readership of a story
    /// falls 2 % a day that it waits; a related event raises it by up to
    /// half (at full attention).
    fn default() -> Model {
        Model {
            weekday: [1.0, 1.0, 0.98, 0.95, 0.85, 0.6, 0.65],
            hour: [
                0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.75, 0.95, 1.0, 0.9, 0.85, 0.9, 0.85, 0.75, 0.7, 0.7, 0.7,
                0.75, 0.8, 0.8, 0.65, 0.45, 0.25,
            ],
            decay_per_day: 0.02,
            boost: 0.5,
        }
    }
}

impl Model {
    /// A model with its own curves: every weight from 0 to 1, decay from
    /// 0 to 0.5 a day, boost from 0 to 1.
    pub fn new(weekday: [f64; 7], hour: [f64; 24], decay_per_day: f64, boost: f64) -> Result<Model, ModelError> {
        let unit = |field, value: f64| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(ModelError::Field {
                    field,
                    value: value.to_string(),
                    expected: "a weight from 0 to 1",
                })
            }
        };
        weekday.iter().try_for_each(|w| unit("weekday", *w))?;
        hour.iter().try_for_each(|h| unit("hour", *h))?;
        unit("boost", boost)?;
        if !(0.0..=0.5).contains(&decay_per_day) {
            return Err(ModelError::Field {
                field: "decay_per_day",
                value: decay_per_day.to_string(),
                expected: "a share from 0 to 0.5",
            });
        }
        Ok(Model {
            weekday,
            hour,
            decay_per_day,
            boost,
        })
    }

    /// The highest readership any hour can have.
    pub(crate) fn ceiling(&self) -> f64 {
        1.0 + self.boost
    }

    pub fn baseline(&self, at: Hour) -> f64 {
        self.weekday[at.weekday()] * self.hour[at.hour_of_day()]
    }

    fn decay(&self, ready: Hour, at: Hour) -> f64 {
        let days = at.hours_since(ready).max(0) as f64 / 24.0;
        (1.0 - self.decay_per_day).powf(days)
    }

    /// The readership of a release at every hour of its window, first hour
    /// first. `events` may hold events outside the window; the ones the
    /// release shares a topic with are `related`.
    pub fn readership_curve(&self, ready: Hour, topics: &Topics, window: &Window, events: &[&Event]) -> Vec<f64> {
        let hours = window.hours();
        let related: Vec<(&Event, bool)> = events
            .iter()
            .filter(|e| e.overlaps(window.earliest, window.latest))
            .map(|e| (*e, e.topics.shares_any(topics)))
            .collect();
        let mut plain = Vec::with_capacity(hours);
        for i in 0..hours {
            let at = window.earliest.plus_hours(i as i64);
            let mut value = self.baseline(at) * self.decay(ready, at);
            for (event, is_related) in &related {
                if !is_related && event.covers(at) {
                    value *= 1.0 - event.attention.value();
                }
            }
            plain.push(value);
        }
        // t*: the first best hour, which related events never change (they
        // never lower an hour). Their boost, by the strongest of them
        // under way up to t*, raises every hour up to t* alike: it cannot
        // move the release later (nor earlier), only make it weigh more
        // where releases compete for a day.
        let best_plain = first_best(&plain).unwrap_or(0);
        let until = window.earliest.plus_hours(best_plain as i64);
        let strongest = related
            .iter()
            .filter(|(event, is_related)| *is_related && event.overlaps(window.earliest, until))
            .map(|(event, _)| event.attention.value())
            .fold(0.0, f64::max);
        for value in plain.iter_mut().take(best_plain + 1) {
            *value *= 1.0 + self.boost * strongest;
        }
        plain
    }

    /// The readership of one release at one hour of its window (what
    /// [`Model::readership_curve`] gives for that hour).
    pub fn readership(&self, ready: Hour, topics: &Topics, window: &Window, events: &[&Event], at: Hour) -> f64 {
        let curve = self.readership_curve(ready, topics, window, events);
        usize::try_from(at.hours_since(window.earliest))
            .ok()
            .and_then(|i| curve.get(i).copied())
            .unwrap_or(0.0)
    }
}

/// The index of the first largest value.
pub(crate) fn first_best(values: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, value) in values.iter().enumerate() {
        if best.is_none_or(|b| *value > values[b]) {
            best = Some(i);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_normalized_and_shared() {
        let release = Topics::parse_list(" Election, Doping ,");
        assert_eq!(release.to_list(), "doping,election");
        assert!(release.shares_any(&Topics::new(["ELECTION", "usa"])));
        assert!(!release.shares_any(&Topics::new(["sport"])));
        assert!(!release.shares_any(&Topics::default()));
    }

    #[test]
    fn refuses_bad_parameters() {
        assert!(Attention::new(1.0).is_err());
        assert!(Attention::new(f64::NAN).is_err());
        assert!(Model::new([1.0; 7], [1.0; 24], 0.9, 0.5).is_err());
        assert!(Model::new([1.0; 7], [2.0; 24], 0.0, 0.5).is_err());
        let at: Hour = "2016-08-05".parse().unwrap();
        assert!(Event::new("x", "x", at, at, Topics::default(), Attention::new(0.5).unwrap()).is_err());
    }

    #[test]
    fn a_related_event_raises_hours_up_to_the_unboosted_best_alike() {
        let model = Model::new([1.0; 7], [1.0; 24], 0.1, 1.0).unwrap();
        let ready: Hour = "2016-08-01".parse().unwrap();
        let window = Window {
            earliest: ready,
            latest: ready.plus_days(10),
        };
        // The event starts after the release is ready: without it the
        // release goes at once (decay), so the event must not pull it later.
        let event = Event::new(
            "e",
            "Games",
            ready.plus_days(3),
            ready.plus_days(6),
            Topics::new(["sport"]),
            Attention::new(0.9).unwrap(),
        )
        .unwrap();
        let curve = model.readership_curve(ready, &Topics::new(["sport"]), &window, &[&event]);
        assert_eq!(first_best(&curve), Some(0));
        let unrelated = model.readership_curve(ready, &Topics::new(["banks"]), &window, &[&event]);
        assert!(unrelated[3 * 24] < curve[3 * 24]);
    }
}

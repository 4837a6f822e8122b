//! Media events from iCalendar files (RFC 5545), through the `icalendar`
//! crate's parser and `chrono-tz` for `TZID` times.
//!
//! Each `VEVENT` becomes an [`Event`]: `SUMMARY` its title, `CATEGORIES`
//! its topics, `DTSTART` and `DTEND` (or `DURATION`) its hours, and the
//! extension property `X-TROVE-ATTENTION` (0 to 0.95) its attention, or
//! the importer's default. An event that cannot be placed in time (no
//! start, an unknown time zone, a repeat rule, an end before its start) is
//! skipped with its reason; the others are kept.

use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike};

use crate::model::{Attention, Event, Topics};
use crate::{HOURS_PER_DAY, Hour};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalendarError {
    #[error("not an iCalendar file: {0}")]
    Parse(String),
}

/// An event the importer left out, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Skipped {
    /// Its UID, or its position in the file (`#3`) when it has none.
    pub event: String,
    pub reason: String,
}

/// What an iCalendar file held.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub events: Vec<Event>,
    pub skipped: Vec<Skipped>,
}

/// The property that carries an event's attention.
pub const ATTENTION_PROPERTY: &str = "X-TROVE-ATTENTION";

/// Reads the events of an iCalendar text.
pub fn parse_ics(text: &str, default_attention: Attention) -> Result<Imported, CalendarError> {
    let calendar: icalendar::Calendar = text.parse().map_err(|e: String| CalendarError::Parse(first_line(&e)))?;
    let mut imported = Imported {
        events: Vec::new(),
        skipped: Vec::new(),
    };
    for (i, event) in calendar.events().enumerate() {
        let name = event
            .get_uid()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("#{}", i + 1));
        match read_event(event, &name, default_attention) {
            Ok(event) => imported.events.push(event),
            Err(reason) => imported.skipped.push(Skipped { event: name, reason }),
        }
    }
    Ok(imported)
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().chars().take(200).collect()
}

fn read_event(event: &icalendar::Event, name: &str, default_attention: Attention) -> Result<Event, String> {
    if event.property_value("RRULE").is_some() {
        return Err("it repeats (RRULE); add its occurrences as events of their own".into());
    }
    let start = event.get_start().ok_or("it has no DTSTART")?;
    let starts_at = hour_of(&start, false)?;
    let ends_at = match (event.get_end(), event.property_value("DURATION")) {
        (Some(end), _) => hour_of(&end, true)?,
        (None, Some(duration)) => starts_at.plus_hours(duration_hours(duration)?),
        // RFC 5545 3.6.1: a day event without an end takes its day; a
        // timed one takes no time, which an hour approximates.
        (None, None) => match start {
            DatePerhapsTime::Date(_) => starts_at.plus_hours(HOURS_PER_DAY),
            DatePerhapsTime::DateTime(_) => starts_at.plus_hours(1),
        },
    };
    let attention = match event.property_value(ATTENTION_PROPERTY) {
        None => default_attention,
        Some(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|v| Attention::new(v).ok())
            .ok_or_else(|| format!("{ATTENTION_PROPERTY} {text:?} is not a number from 0 to 0.95"))?,
    };
    let topics = Topics::new(event.get_categories().unwrap_or_default());
    let title = event.get_summary().unwrap_or(name).trim().to_owned();
    Event::new(
        name,
        title,
        starts_at,
        ends_at.max(starts_at.plus_hours(1)),
        topics,
        attention,
    )
    .map_err(|e| e.to_string())
}

/// The hour a start (rounded down) or an end (rounded up) falls in.
fn hour_of(value: &DatePerhapsTime, round_up: bool) -> Result<Hour, String> {
    let seconds = match value {
        DatePerhapsTime::Date(date) => date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp(),
        // A floating time belongs to no zone: trove reads it as UTC.
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(local)) => local.and_utc().timestamp(),
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(at)) => at.timestamp(),
        DatePerhapsTime::DateTime(with_zone @ CalendarDateTime::WithTimezone { tzid, .. }) => with_zone
            .try_into_utc()
            .ok_or_else(|| format!("its time zone {tzid:?} is not an IANA zone trove knows"))?
            .timestamp(),
    };
    let hour = Hour::from_unix(seconds);
    Ok(if round_up && seconds.rem_euclid(3600) != 0 {
        hour.plus_hours(1)
    } else {
        hour
    })
}

/// Whole hours of an RFC 5545 duration (`P1D`, `PT2H30M`, `P2W`),
/// rounded up; a negative one is refused.
fn duration_hours(text: &str) -> Result<i64, String> {
    let refuse = || format!("its DURATION {text:?} is not a duration like P1D or PT2H");
    let rest = text.trim().strip_prefix('+').unwrap_or(text.trim());
    let rest = rest.strip_prefix('P').ok_or_else(refuse)?;
    let mut seconds: i64 = 0;
    let mut number = String::new();
    let mut in_time = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if number.is_empty() => in_time = true,
            unit => {
                let n: i64 = number.parse().map_err(|_| refuse())?;
                number.clear();
                let unit_seconds = match (in_time, unit) {
                    (false, 'W') => 7 * 86_400,
                    (false, 'D') => 86_400,
                    (true, 'H') => 3_600,
                    (true, 'M') => 60,
                    (true, 'S') => 1,
                    _ => return Err(refuse()),
                };
                seconds = seconds.saturating_add(n.saturating_mul(unit_seconds));
            }
        }
    }
    if !number.is_empty() || seconds == 0 {
        return Err(refuse());
    }
    Ok((seconds + 3_599) / 3_600)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLYMPICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:rio-2016\r\nDTSTAMP:20160101T000000Z\r\nSUMMARY:Olympic Games\r\n\
DTSTART;VALUE=DATE:20160805\r\nDTEND;VALUE=DATE:20160822\r\nCATEGORIES:sport,olympics\r\n\
X-TROVE-ATTENTION:0.8\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:debate\r\nDTSTAMP:20160101T000000Z\r\nSUMMARY:Debate\r\n\
DTSTART;TZID=America/New_York:20160926T210000\r\nDURATION:PT1H30M\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20160101T000000Z\r\nSUMMARY:Briefing\r\n\
DTSTART:20160801T090000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:nowhere\r\nDTSTAMP:20160101T000000Z\r\n\
DTSTART;TZID=Mars/Olympus:20160801T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn reads_day_events_zoned_times_and_durations() {
        let imported = parse_ics(OLYMPICS, Attention::new(0.3).unwrap()).unwrap();
        let [games, debate] = &imported.events[..] else {
            panic!("{imported:?}")
        };
        assert_eq!(games.title, "Olympic Games");
        assert_eq!(games.days_text(), "2016-08-05..2016-08-21");
        assert_eq!(games.attention.value(), 0.8);
        assert_eq!(games.topics.to_list(), "olympics,sport");
        // 21:00 in New York (EDT) is 01:00 UTC; 90 minutes end in the 02 hour.
        assert_eq!(debate.start.to_string(), "2016-09-27T01");
        assert_eq!(debate.end.to_string(), "2016-09-27T03");
        assert_eq!(debate.attention.value(), 0.3);
        let skipped: Vec<&str> = imported.skipped.iter().map(|s| s.event.as_str()).collect();
        assert_eq!(skipped, ["weekly", "nowhere"]);
        assert!(imported.skipped[1].reason.contains("Mars/Olympus"));
    }

    #[test]
    fn durations() {
        assert_eq!(duration_hours("P1D"), Ok(24));
        assert_eq!(duration_hours("PT2H30M"), Ok(3));
        assert_eq!(duration_hours("P2W"), Ok(336));
        assert_eq!(duration_hours("P1DT1H"), Ok(25));
        for bad in ["1D", "P", "-P1D", "PT1D", "P1H"] {
            assert!(duration_hours(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_calendar() {
        assert!(parse_ics("hello", Attention::new(0.3).unwrap()).is_err());
    }
}

//! [`Day`]: a calendar day in UTC, the only time trove records about a
//! submission, a decision or a log entry. Coarse on purpose: nothing public
//! may tell the time of a submission within its day.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day (UTC), written `YYYY-MM-DD` everywhere: in the database, in log
/// entries, in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(time::Date);

/// A text that is not a real `YYYY-MM-DD` day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a date like 2015-06-18 (YYYY-MM-DD)")]
pub struct DayError {
    pub text: String,
}

impl Day {
    /// Today, UTC.
    pub fn today() -> Day {
        Day::days_ago(0)
    }

    /// The day `days` days before today, UTC.
    pub fn days_ago(days: u64) -> Day {
        let today = time::OffsetDateTime::now_utc().date();
        Day(today
            .checked_sub(time::Duration::days(days.min(i64::MAX as u64) as i64))
            .unwrap_or(time::Date::MIN))
    }

    /// The day of a Unix time (UTC); times out of range clamp to the epoch.
    pub fn from_unix(seconds: i64) -> Day {
        let at = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        Day(at.date())
    }

    /// The Unix time at the start of the day (00:00 UTC).
    pub fn unix_start(self) -> i64 {
        self.0.midnight().assume_utc().unix_timestamp()
    }

    /// The day `days` days after this one.
    pub fn plus_days(self, days: i64) -> Day {
        Day(self.0.checked_add(time::Duration::days(days)).unwrap_or(if days < 0 {
            time::Date::MIN
        } else {
            time::Date::MAX
        }))
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }
}

/// Sets a file's (or folder's) modification and access times to 00:00 UTC
/// of today: the only time a stored or served file may show, since exact
/// times would tell when a source's upload arrived or a receipt was logged.
pub fn set_times_to_today(file: &std::fs::File) -> std::io::Result<()> {
    let day = std::time::UNIX_EPOCH + std::time::Duration::from_secs(Day::today().unix_start().max(0) as u64);
    file.set_times(std::fs::FileTimes::new().set_modified(day).set_accessed(day))
}

impl FromStr for Day {
    type Err = DayError;

    /// Exactly ten characters `YYYY-MM-DD` naming a real day.
    fn from_str(text: &str) -> Result<Day, DayError> {
        let error = || DayError { text: text.to_owned() };
        let b = text.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            return Err(error());
        }
        let number = |range: std::ops::Range<usize>| text[range].parse::<u16>().map_err(|_| error());
        let month = time::Month::try_from(number(5..7)? as u8).map_err(|_| error())?;
        time::Date::from_calendar_date(i32::from(number(0..4)?), month, number(8..10)? as u8)
            .map(Day)
            .map_err(|_| error())
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = (self.0.year(), u8::from(self.0.month()), self.0.day());
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        let text = String::deserialize(d)?;
        Day::from_str(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_convert() {
        let day: Day = "2026-11-27".parse().unwrap();
        assert_eq!(day.to_string(), "2026-11-27");
        assert_eq!(Day::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(Day::from_unix(11_016 * 86_400).to_string(), "2000-02-29");
        assert_eq!(Day::from_unix(day.unix_start()), day);
        assert_eq!(day.plus_days(5).to_string(), "2026-12-02");
        assert_eq!(serde_json::to_string(&day).unwrap(), "\"2026-11-27\"");
        assert_eq!(serde_json::from_str::<Day>("\"2026-11-27\"").unwrap(), day);
    }

    #[test]
    fn malformed_and_impossible_days_are_refused() {
        for text in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "20261127",
            "2026-11-27T00",
            "",
            "abcd-ef-gh",
        ] {
            let error = Day::from_str(text).unwrap_err();
            assert_eq!(error.text, text);
        }
        assert!(serde_json::from_str::<Day>("\"2026-02-30\"").is_err());
    }
}

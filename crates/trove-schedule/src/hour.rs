//! [`Hour`]: the scheduler's unit of time, a whole hour in UTC.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole hour in UTC, counted from 1970-01-01T00:00Z. Releases are
/// placed to the hour: finer would pretend to a precision the readership
/// model does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hour(i64);

/// A text that is not an hour like `2016-08-05T10` or a day like
/// `2016-08-05`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a time like 2016-08-05T10 (YYYY-MM-DDTHH, UTC) or a day like 2016-08-05")]
pub struct HourError {
    pub text: String,
}

/// Days are 24 hours: the scheduler works in UTC, with no daylight saving.
pub const HOURS_PER_DAY: i64 = 24;

impl Hour {
    pub const fn from_index(hours_since_epoch: i64) -> Hour {
        Hour(hours_since_epoch)
    }

    pub const fn index(self) -> i64 {
        self.0
    }

    /// The hour a Unix time falls in.
    pub fn from_unix(seconds: i64) -> Hour {
        Hour(seconds.div_euclid(3600))
    }

    pub fn unix(self) -> i64 {
        self.0.saturating_mul(3600)
    }

    /// The first hour of a day counted from 1970-01-01.
    pub fn start_of_day(day: i64) -> Hour {
        Hour(day.saturating_mul(HOURS_PER_DAY))
    }

    /// Days since 1970-01-01.
    pub fn day(self) -> i64 {
        self.0.div_euclid(HOURS_PER_DAY)
    }

    /// 0 to 23.
    pub fn hour_of_day(self) -> usize {
        self.0.rem_euclid(HOURS_PER_DAY) as usize
    }

    /// Monday is 0, Sunday 6 (1970-01-01 was a Thursday).
    pub fn weekday(self) -> usize {
        (self.day() + 3).rem_euclid(7) as usize
    }

    /// Weeks since the Monday before 1970-01-01: a capacity per week
    /// counts Monday to Sunday.
    pub fn week(self) -> i64 {
        (self.day() + 3).div_euclid(7)
    }

    pub fn plus_hours(self, hours: i64) -> Hour {
        Hour(self.0.saturating_add(hours))
    }

    pub fn plus_days(self, days: i64) -> Hour {
        self.plus_hours(days.saturating_mul(HOURS_PER_DAY))
    }

    /// Whole hours from `earlier` to `self` (negative when `self` is before).
    pub fn hours_since(self, earlier: Hour) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    fn date(self) -> time::Date {
        time::OffsetDateTime::from_unix_timestamp(self.unix())
            .map(|at| at.date())
            .unwrap_or(time::Date::MIN)
    }

    /// `YYYY-MM-DD`.
    pub fn day_text(self) -> String {
        let date = self.date();
        format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
    }
}

impl fmt::Display for Hour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T{:02}", self.day_text(), self.hour_of_day())
    }
}

impl FromStr for Hour {
    type Err = HourError;

    fn from_str(text: &str) -> Result<Hour, HourError> {
        let error = || HourError { text: text.to_owned() };
        let (day, hour) = match text.split_once('T') {
            Some((day, hour)) => {
                let hour = hour.strip_suffix('Z').unwrap_or(hour);
                let hour = hour.strip_suffix(":00").unwrap_or(hour);
                if hour.len() != 2 {
                    return Err(error());
                }
                let hour: i64 = hour.parse().map_err(|_| error())?;
                if !(0..24).contains(&hour) {
                    return Err(error());
                }
                (day, hour)
            }
            None => (text, 0),
        };
        let mut parts = day.splitn(3, '-');
        let mut part = |len: usize| -> Result<i32, HourError> {
            let part = parts.next().filter(|p| p.len() == len).ok_or_else(error)?;
            part.parse().map_err(|_| error())
        };
        let (year, month, day_of_month) = (part(4)?, part(2)?, part(2)?);
        let month = time::Month::try_from(u8::try_from(month).map_err(|_| error())?).map_err(|_| error())?;
        let date = time::Date::from_calendar_date(year, month, u8::try_from(day_of_month).map_err(|_| error())?)
            .map_err(|_| error())?;
        let day = date.to_julian_day() as i64
            - time::Date::from_calendar_date(1970, time::Month::January, 1)
                .map(|d| d.to_julian_day() as i64)
                .unwrap_or(0);
        Ok(Hour::start_of_day(day).plus_hours(hour))
    }
}

impl Serialize for Hour {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hour {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Hour, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_hours() {
        let hour: Hour = "2016-08-05T10".parse().unwrap();
        assert_eq!(hour.to_string(), "2016-08-05T10");
        assert_eq!(hour.hour_of_day(), 10);
        // 2016-08-05 was a Friday.
        assert_eq!(hour.weekday(), 4);
        assert_eq!("2016-08-05T10:00Z".parse::<Hour>().unwrap(), hour);
        assert_eq!("2016-08-05".parse::<Hour>().unwrap(), hour.plus_hours(-10));
        assert_eq!(Hour::from_unix(0).to_string(), "1970-01-01T00");
        assert_eq!(Hour::from_unix(-1).to_string(), "1969-12-31T23");
        for bad in ["2016-08-05T24", "2016-02-30", "2016-8-5", "tomorrow", "2016-08-05T1"] {
            assert!(bad.parse::<Hour>().is_err(), "{bad}");
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        let sunday: Hour = "2016-08-07T23".parse().unwrap();
        let monday: Hour = "2016-08-08".parse().unwrap();
        assert_eq!(sunday.weekday(), 6);
        assert_eq!(monday.weekday(), 0);
        assert_eq!(monday.week(), sunday.week() + 1);
    }
}

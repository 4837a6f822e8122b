//! Evidence from metadata that cannot be true: modified before created, a
//! producer released after the claimed creation date, dates after the
//! cache's newest message, PDFs updated long after they were made, EXIF
//! times out of order.

use serde_json::{Value, json};

use trove_store::Day;

use crate::{Evidence, Strength};

fn utc(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// `YYYY-MM-DD` of a Unix time (UTC).
pub fn day_of(unix: i64) -> String {
    Day::from_unix(unix).to_string()
}

/// RFC 3339 (UTC) of a Unix time.
pub fn rfc3339(unix: i64) -> String {
    utc(unix)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A date as metadata writes it, as a Unix time: RFC 3339 and its
/// relatives (`2019-03-14T09:30:00Z`, `2019-03-14 09:30:00`, a bare date),
/// PDF dates (`D:20190314093000+03'00'`) and EXIF (`2019:03:14 09:30:00`).
pub fn parse_date(text: &str) -> Option<i64> {
    let text = text.trim();
    // Split off a trailing UTC offset (Z, +03'00', +03:00, -0700).
    let sign_at = text
        .char_indices()
        .skip(10)
        .find(|(_, c)| matches!(c, '+' | '-'))
        .map(|(i, _)| i);
    let (main, offset) = match sign_at {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let fields: Vec<i64> = match main.strip_prefix("D:") {
        // PDF packs the fields without separators: YYYYMMDDHHmmSS.
        Some(pdf) => {
            let digits: String = pdf.chars().take_while(char::is_ascii_digit).collect();
            if digits.len() < 4 {
                return None;
            }
            let mut fields = vec![digits[..4].parse().ok()?];
            let mut rest = &digits[4..];
            while rest.len() >= 2 {
                fields.push(rest[..2].parse().ok()?);
                rest = &rest[2..];
            }
            fields
        }
        None => main
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(6)
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?,
    };
    let field = |i: usize, default: i64| fields.get(i).copied().unwrap_or(default);
    let (year, month, day) = (field(0, 0), field(1, 1), field(2, 1));
    if !(1900..=2200).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let time = field(3, 0).min(23) * 3600 + field(4, 0).min(59) * 60 + field(5, 0).min(60);
    let digits: String = offset.chars().filter(char::is_ascii_digit).collect();
    let offset_minutes = match digits.len() {
        4 => digits[..2].parse::<i64>().ok()? * 60 + digits[2..].parse::<i64>().ok()?,
        2 => digits.parse::<i64>().ok()? * 60,
        _ => 0,
    };
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let date = time::Date::from_calendar_date(year as i32, time::Month::try_from(month as u8).ok()?, day as u8).ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Some(midnight + time - sign * offset_minutes * 60)
}

/// Products and their first release: a document cannot be made by a
/// version before it existed.
const RELEASES: &[(&str, &str)] = &[
    ("Word 2019", "2018-09-24"),
    ("Excel 2019", "2018-09-24"),
    ("Word 2016", "2015-09-22"),
    ("Excel 2016", "2015-09-22"),
    ("Word 2013", "2013-01-29"),
    ("Excel 2013", "2013-01-29"),
    ("Word 2010", "2010-06-15"),
    ("Excel 2010", "2010-06-15"),
    ("Microsoft 365", "2017-04-21"),
    ("LibreOffice 7", "2020-08-05"),
    ("LibreOffice 6", "2018-01-31"),
    ("LibreOffice 5", "2015-07-29"),
    ("Acrobat Distiller 11", "2012-10-15"),
    ("Acrobat Distiller 10", "2010-11-15"),
    ("Acrobat Distiller 9", "2008-07-02"),
    ("Acrobat Pro DC", "2015-04-07"),
    ("macOS Version 11", "2020-11-12"),
    ("macOS Version 10.15", "2019-10-07"),
];

fn field<'a>(metadata: &'a Value, names: &[&'a str]) -> Option<(&'a str, &'a str)> {
    names.iter().find_map(|name| {
        let value = metadata
            .get(*name)
            .or_else(|| metadata.get("xmp").and_then(|x| x.get(*name)))?;
        value.as_str().map(|v| (*name, v))
    })
}

/// Evidence from one document's metadata. `newest` is the cache's newest
/// message date, when it has mail.
pub fn metadata_evidence(metadata: &Value, newest: Option<i64>) -> Vec<Evidence> {
    let mut evidence = Vec::new();
    let created = field(metadata, &["created", "creationdate", "xmp:CreateDate"]);
    let modified = field(metadata, &["modified", "moddate", "xmp:ModifyDate"]);
    let created_at = created.and_then(|(_, v)| parse_date(v));
    let modified_at = modified.and_then(|(_, v)| parse_date(v));
    if let (Some((cf, cv)), Some((mf, mv)), Some(c), Some(m)) = (created, modified, created_at, modified_at)
        && m + 60 < c
    {
        evidence.push(Evidence::new(
            "dates",
            Strength::Against,
            json!({ cf: cv, mf: mv }),
            format!("Modified ({mv}) before it was created ({cv})."),
        ));
    }
    if let (Some(created_at), Some((pf, product))) = (
        created_at,
        field(
            metadata,
            &["application", "producer", "creator", "xmp:CreatorTool", "pdf:Producer"],
        ),
    ) {
        for (name, release) in RELEASES {
            if product.contains(name)
                && let Some(released) = parse_date(release)
                && created_at + 86_400 < released
            {
                evidence.push(Evidence::new(
                    "producer",
                    Strength::Against,
                    json!({ pf: product, "created": day_of(created_at), "released": release }),
                    format!(
                        "Claims to be made with {product} on {}, but {name} was first released on {release}.",
                        day_of(created_at)
                    ),
                ));
            }
        }
    }
    if let (Some(newest), Some(latest)) = (newest, modified_at.or(created_at).max(created_at))
        && latest > newest + 30 * 86_400
    {
        evidence.push(Evidence::new(
            "dates",
            Strength::Against,
            json!({ "date": rfc3339(latest), "newest_message": rfc3339(newest) }),
            format!(
                "Dated {}, more than 30 days after the newest message in the cache ({}).",
                day_of(latest),
                day_of(newest)
            ),
        ));
    }
    if let Some(revisions) = metadata.get("revisions").and_then(Value::as_u64).filter(|&r| r > 1) {
        let days = match (created_at, modified_at) {
            (Some(c), Some(m)) => Some((m - c) / 86_400),
            _ => None,
        };
        let long_after = days.is_some_and(|d| d > 30);
        evidence.push(Evidence::new(
            "pdf-updates",
            if long_after {
                Strength::Against
            } else {
                Strength::Neutral
            },
            json!({ "revisions": revisions, "days_after_creation": days }),
            match days {
                Some(d) if long_after => format!(
                    "The PDF was changed by {} incremental updates, the last {d} days after it was created.",
                    revisions - 1
                ),
                _ => format!("The PDF carries {} incremental updates.", revisions - 1),
            },
        ));
    }
    if let (Some(original), Some(changed)) = (
        metadata.get("exif.DateTimeOriginal").and_then(Value::as_str),
        metadata.get("exif.DateTime").and_then(Value::as_str),
    ) && let (Some(o), Some(c)) = (parse_date(original), parse_date(changed))
        && c + 60 < o
    {
        evidence.push(Evidence::new(
            "exif",
            Strength::Against,
            json!({ "DateTimeOriginal": original, "DateTime": changed }),
            format!("The photo's file was last changed ({changed}) before the picture was taken ({original})."),
        ));
    }
    evidence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_metadata_form() {
        let at = parse_date("2019-03-14T09:30:00Z").unwrap();
        assert_eq!(rfc3339(at), "2019-03-14T09:30:00Z");
        assert_eq!(parse_date("D:20190314123000+03'00'"), Some(at));
        assert_eq!(parse_date("2019:03:14 09:30:00"), Some(at));
        assert_eq!(parse_date("2019-03-14T02:30:00-07:00"), Some(at));
        assert_eq!(parse_date("2019-03-14"), Some(at - 9 * 3600 - 30 * 60));
        assert_eq!(parse_date("nonsense"), None);
        assert_eq!(day_of(0), "1970-01-01");
    }

    #[test]
    fn impossible_metadata_is_evidence_against() {
        let meta = json!({ "created": "2014-05-01T10:00:00Z", "modified": "2014-04-01T10:00:00Z", "application": "Microsoft Word 2016" });
        let found = metadata_evidence(&meta, None);
        let kinds: Vec<&str> = found.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, vec!["dates", "producer"]);
        assert!(found.iter().all(|e| e.strength == Strength::Against));
        assert!(found[1].sentence.contains("2015-09-22"), "{}", found[1].sentence);

        let fine = json!({ "created": "2016-05-01T10:00:00Z", "modified": "2016-05-02T10:00:00Z", "application": "Microsoft Word 2016" });
        assert!(metadata_evidence(&fine, parse_date("2016-06-01")).is_empty());
        let later = metadata_evidence(&fine, parse_date("2016-01-01"));
        assert_eq!(
            later[0].sentence,
            "Dated 2016-05-02, more than 30 days after the newest message in the cache (2016-01-01)."
        );

        let pdf = json!({ "creationdate": "D:20150101000000Z", "moddate": "D:20150601000000Z", "revisions": 3 });
        let updates = metadata_evidence(&pdf, None);
        assert_eq!(updates[0].kind, "pdf-updates");
        assert_eq!(updates[0].strength, Strength::Against);
    }
}

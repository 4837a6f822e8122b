//! The DKIM key archive: key files, and choosing a record for a message.

use trove_store::{ArchivedKey, Day};

/// A line of a key file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}, line {line}: {reason}")]
pub struct KeyFileError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

/// Reads a key file: one key a line, `selector._domainkey.domain <TXT
/// record> [first-seen] [last-seen]` (dates YYYY-MM-DD), the record bare or
/// as quoted strings, which are joined as DNS joins them. Blank lines and
/// `#` comments are skipped. Every bad line is reported; none is half-read.
pub fn parse_key_file(file: &str, text: &str) -> Result<Vec<ArchivedKey>, Vec<KeyFileError>> {
    let mut keys = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |reason: String| KeyFileError {
            file: file.to_owned(),
            line: index + 1,
            reason,
        };
        let Some((name, rest)) = line.split_once(char::is_whitespace) else {
            errors.push(error("a name without a record".into()));
            continue;
        };
        let Some((selector, domain)) = name.trim_end_matches('.').split_once("._domainkey.") else {
            errors.push(error(format!("{name:?} is not selector._domainkey.domain")));
            continue;
        };
        let mut tokens: Vec<&str> = rest.split_whitespace().collect();
        let mut dates = Vec::new();
        while tokens.len() > 1 && dates.len() < 2 && tokens.last().is_some_and(|t| t.parse::<Day>().is_ok()) {
            dates.insert(0, tokens.pop().unwrap_or_default().to_owned());
        }
        let record = tokens.join(" ");
        let record = if record.starts_with('"') {
            record
                .split('"')
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, s)| s)
                .collect::<String>()
        } else {
            record
        };
        if let Err(e) = trove_dkim::KeyRecord::parse(&record) {
            errors.push(error(format!("the record is not a DKIM key: {e}")));
            continue;
        }
        keys.push(ArchivedKey {
            selector: selector.to_owned(),
            domain: domain.to_ascii_lowercase(),
            record,
            first_seen: dates.first().cloned(),
            last_seen: dates.get(1).cloned(),
            source: file.to_owned(),
        });
    }
    if errors.is_empty() { Ok(keys) } else { Err(errors) }
}

/// The archive, looked up by selector and domain.
#[derive(Debug, Default, Clone)]
pub struct KeyArchive {
    keys: std::collections::HashMap<(String, String), Vec<ArchivedKey>>,
}

impl KeyArchive {
    pub fn new(keys: Vec<ArchivedKey>) -> Self {
        let mut archive = KeyArchive::default();
        for key in keys {
            archive
                .keys
                .entry((key.selector.clone(), key.domain.clone()))
                .or_default()
                .push(key);
        }
        archive
    }

    /// The record for a message dated `day` (YYYY-MM-DD): the one seen
    /// published on that day if there is one, else the latest seen.
    pub fn lookup(&self, selector: &str, domain: &str, day: Option<&str>) -> Option<&ArchivedKey> {
        let candidates = self.keys.get(&(selector.to_owned(), domain.to_ascii_lowercase()))?;
        let covers = |key: &&ArchivedKey| {
            day.is_some_and(|day| {
                key.first_seen.as_deref().is_none_or(|first| first <= day)
                    && key.last_seen.as_deref().is_none_or(|last| day <= last)
            })
        };
        candidates
            .iter()
            .find(covers)
            .or_else(|| candidates.iter().max_by(|a, b| a.last_seen.cmp(&b.last_seen)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_with_dates_quotes_and_errors() {
        let text = "# rotated keys\n\
            s1._domainkey.ministry.example v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo= 2014-01-01 2016-06-30\n\
            s2._domainkey.Ministry.Example. \"v=DKIM1; k=ed25519; \" \"p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\" 2016-07-01\n";
        let keys = parse_key_file("keys.txt", text).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].first_seen.as_deref(), Some("2014-01-01"));
        assert_eq!(keys[0].last_seen.as_deref(), Some("2016-06-30"));
        assert_eq!(keys[1].domain, "ministry.example");
        assert_eq!(
            keys[1].record,
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
        );

        let bad = parse_key_file(
            "bad.txt",
            "nonsense\nmail.example v=DKIM1; p=AAAA\ns._domainkey.x.example v=DKIM1; k=rsa; p=%%%\n",
        )
        .unwrap_err();
        let lines: Vec<usize> = bad.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 2, 3]);
        assert!(bad[2].to_string().contains("bad.txt, line 3"));
    }

    #[test]
    fn the_record_seen_on_the_message_day_is_chosen() {
        let key = |record: &str, first: &str, last: &str| ArchivedKey {
            selector: "s".into(),
            domain: "d.example".into(),
            record: record.into(),
            first_seen: Some(first.into()),
            last_seen: Some(last.into()),
            source: "f".into(),
        };
        let archive = KeyArchive::new(vec![
            key("old", "2010-01-01", "2012-12-31"),
            key("new", "2013-01-01", "2020-12-31"),
        ]);
        assert_eq!(
            archive.lookup("s", "d.example", Some("2011-05-05")).unwrap().record,
            "old"
        );
        assert_eq!(
            archive.lookup("s", "D.example", Some("2015-05-05")).unwrap().record,
            "new"
        );
        assert_eq!(archive.lookup("s", "d.example", None).unwrap().record, "new");
        assert!(archive.lookup("x", "d.example", None).is_none());
    }
}

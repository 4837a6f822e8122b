//! iCalendar (RFC 5545) and vCard (RFC 6350, and 2.1/3.0 as phones still
//! export them): the fields a newsroom looks for — who met whom, when and
//! where; who a contact is and how to reach them — as metadata, and the
//! whole as readable text.
//!
//! Both formats are content lines (`NAME;PARAM=VALUE:value`, folded with a
//! leading space). Only that layer is parsed here: the well-kept parser of
//! the field (Stalwart's calcard) brings a full time-zone database and a
//! mail builder for recurrence and conversion work that extraction does
//! not do.

use std::collections::BTreeSet;

use serde_json::json;

use super::Extracted;
use super::text::decode_text;

/// One content line: its name (upper case), parameters, and unescaped value.
struct Line {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Line {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Unfolds and splits content lines. A line without a colon is skipped:
/// real exports carry stray lines, and one must not lose the rest.
fn content_lines(text: &str) -> Vec<Line> {
    let mut unfolded: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (
            raw.strip_prefix(' ').or_else(|| raw.strip_prefix('\t')),
            unfolded.last_mut(),
        ) {
            (Some(rest), Some(previous)) => previous.push_str(rest),
            _ => unfolded.push(raw.to_owned()),
        }
    }
    unfolded.iter().filter_map(|line| parse_line(line)).collect()
}

fn parse_line(line: &str) -> Option<Line> {
    // The value starts at the first colon outside a quoted parameter value.
    let mut quoted = false;
    let colon = line.char_indices().find_map(|(i, c)| match c {
        '"' => {
            quoted = !quoted;
            None
        }
        ':' if !quoted => Some(i),
        _ => None,
    })?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.trim().to_ascii_uppercase();
    // Grouped names (`item1.EMAIL`) keep the property's own name.
    let name = name.rsplit('.').next().unwrap_or(&name).to_owned();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim_matches('"').to_owned()))
        .collect();
    Some(Line {
        name,
        params,
        value: unescape(value),
    })
}

/// RFC 5545 3.3.11 / RFC 6350 3.4: `\n`, `\,`, `\;` and `\\`.
fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A person as a calendar names them: the common name, else the address.
fn person(line: &Line) -> String {
    let address = line
        .value
        .strip_prefix("mailto:")
        .or_else(|| line.value.strip_prefix("MAILTO:"))
        .unwrap_or(&line.value);
    match line.param("CN") {
        Some(name) if !name.is_empty() => format!("{name} <{address}>"),
        _ => address.to_owned(),
    }
}

/// A calendar: its events, to-dos and journal entries as text, and who,
/// when and where as metadata.
pub(super) fn calendar(bytes: &[u8]) -> Extracted {
    let (text, encoding) = decode_text(bytes);
    let mut out = Extracted::new();
    out.metadata.insert("encoding".into(), json!(encoding));
    let (mut entries, mut starts) = (0usize, Vec::new());
    let (mut organizers, mut attendees, mut locations) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut body = String::new();
    let mut depth = 0usize;
    for line in content_lines(&text) {
        let value = line.value.trim();
        match line.name.as_str() {
            "BEGIN" if matches!(value.to_ascii_uppercase().as_str(), "VEVENT" | "VTODO" | "VJOURNAL") => {
                entries += 1;
                depth += 1;
                if !body.is_empty() {
                    body.push('\n');
                }
            }
            "END" if depth > 0 && matches!(value.to_ascii_uppercase().as_str(), "VEVENT" | "VTODO" | "VJOURNAL") => {
                depth -= 1;
            }
            "X-WR-CALNAME" => {
                out.metadata.insert("title".into(), json!(value));
            }
            _ if depth == 0 => {}
            "SUMMARY" => body.push_str(&format!("{value}\n")),
            "DTSTART" => {
                starts.push(value.to_owned());
                body.push_str(&format!("start: {value}\n"));
            }
            "DTEND" | "DUE" => body.push_str(&format!("end: {value}\n")),
            "LOCATION" => {
                locations.insert(value.to_owned());
                body.push_str(&format!("location: {value}\n"));
            }
            "ORGANIZER" => {
                let who = person(&line);
                body.push_str(&format!("organizer: {who}\n"));
                organizers.insert(who);
            }
            "ATTENDEE" => {
                let who = person(&line);
                body.push_str(&format!("attendee: {who}\n"));
                attendees.insert(who);
            }
            "DESCRIPTION" | "COMMENT" => body.push_str(&format!("{value}\n")),
            _ => {}
        }
    }
    out.metadata.insert("entries".into(), json!(entries));
    starts.sort();
    if let (Some(first), Some(last)) = (starts.first(), starts.last()) {
        out.metadata.insert("first_start".into(), json!(first));
        out.metadata.insert("last_start".into(), json!(last));
    }
    finish(
        out,
        body,
        [
            ("organizers", organizers),
            ("attendees", attendees),
            ("locations", locations),
        ],
    )
}

/// The text, and each set that found something as a metadata list.
fn finish<const N: usize>(mut out: Extracted, body: String, sets: [(&str, BTreeSet<String>); N]) -> Extracted {
    for (key, set) in sets {
        if !set.is_empty() {
            out.metadata.insert(key.into(), json!(set));
        }
    }
    out.text = Some(body);
    out
}

/// Contacts (one card or many): names, organisations, addresses and
/// numbers as metadata, each card as text.
pub(super) fn contacts(bytes: &[u8]) -> Extracted {
    let (text, encoding) = decode_text(bytes);
    let mut out = Extracted::new();
    out.metadata.insert("encoding".into(), json!(encoding));
    let mut cards = 0usize;
    let (mut names, mut organizations, mut emails, mut phones) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let mut body = String::new();
    for line in content_lines(&text) {
        let value = line.value.trim();
        match line.name.as_str() {
            "BEGIN" if value.eq_ignore_ascii_case("VCARD") => {
                cards += 1;
                if !body.is_empty() {
                    body.push('\n');
                }
            }
            "FN" => {
                names.insert(value.to_owned());
                body.push_str(&format!("{value}\n"));
            }
            "ORG" => {
                let org = value.replace(';', ", ").trim_end_matches([',', ' ']).to_owned();
                body.push_str(&format!("organisation: {org}\n"));
                organizations.insert(org);
            }
            "TITLE" | "ROLE" => body.push_str(&format!("{}: {value}\n", line.name.to_ascii_lowercase())),
            "EMAIL" => {
                emails.insert(value.to_owned());
                body.push_str(&format!("e-mail: {value}\n"));
            }
            "TEL" => {
                let number = value.strip_prefix("tel:").unwrap_or(value).to_owned();
                body.push_str(&format!("phone: {number}\n"));
                phones.insert(number);
            }
            "ADR" => {
                let address: Vec<&str> = value.split(';').map(str::trim).filter(|p| !p.is_empty()).collect();
                body.push_str(&format!("address: {}\n", address.join(", ")));
            }
            "NOTE" => body.push_str(&format!("{value}\n")),
            _ => {}
        }
    }
    out.metadata.insert("cards".into(), json!(cards));
    finish(
        out,
        body,
        [
            ("names", names),
            ("organizations", organizations),
            ("emails", emails),
            ("phones", phones),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_gives_who_when_and_where() {
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Deputy minister\r\nBEGIN:VEVENT\r\n\
            UID:1@example.org\r\nDTSTART;TZID=Europe/Kyiv:20150302T093000\r\nDTEND;TZID=Europe/Kyiv:20150302T110000\r\n\
            SUMMARY:Transfer of the border funds\\, second tranche\r\nLOCATION:Room 4\\; building B\r\n\
            ORGANIZER;CN=\"Petrov, A.\":mailto:petrov@mvd-interior.example\r\n\
            ATTENDEE;ROLE=REQ-PARTICIPANT;CN=Ana Ivanova:mailto:ivanova@north-logis\r\n tics.example\r\n\
            DESCRIPTION:Agenda:\\n1. amounts\\n2. accounts\r\nEND:VEVENT\r\nBEGIN:VTODO\r\nSUMMARY:Sign the annex\r\n\
            DTSTART:20150301T080000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
        let out = calendar(ics.as_bytes());
        let meta = &out.metadata;
        assert_eq!(meta["title"], "Deputy minister");
        assert_eq!(meta["entries"], 2);
        assert_eq!(meta["first_start"], "20150301T080000Z");
        assert_eq!(meta["organizers"], json!(["Petrov, A. <petrov@mvd-interior.example>"]));
        assert_eq!(
            meta["attendees"],
            json!(["Ana Ivanova <ivanova@north-logistics.example>"])
        );
        assert_eq!(meta["locations"], json!(["Room 4; building B"]));
        let text = out.text.unwrap();
        assert!(text.contains("Transfer of the border funds, second tranche"), "{text}");
        assert!(text.contains("Agenda:\n1. amounts\n2. accounts"), "{text}");
        assert!(text.contains("Sign the annex"), "{text}");
    }

    #[test]
    fn cards_give_names_organisations_and_numbers() {
        let vcf = "BEGIN:VCARD\nVERSION:3.0\nFN:Ana Ivanova\nN:Ivanova;Ana;;;\nORG:North Logistics;Accounts\n\
            TITLE:Head of accounts\nitem1.EMAIL;TYPE=INTERNET:ivanova@north-logistics.example\n\
            TEL;TYPE=CELL:+380 44 123 4567\nADR;TYPE=WORK:;;Khreshchatyk 1;Kyiv;;01001;Ukraine\nEND:VCARD\n\
            BEGIN:VCARD\nVERSION:4.0\nFN:A. Petrov\nTEL;VALUE=uri:tel:+7-495-000-0000\nEND:VCARD\n\
            this stray line has no colon\n";
        let out = contacts(vcf.as_bytes());
        let meta = &out.metadata;
        assert_eq!(meta["cards"], 2);
        assert_eq!(meta["names"], json!(["A. Petrov", "Ana Ivanova"]));
        assert_eq!(meta["organizations"], json!(["North Logistics, Accounts"]));
        assert_eq!(meta["emails"], json!(["ivanova@north-logistics.example"]));
        assert_eq!(meta["phones"], json!(["+380 44 123 4567", "+7-495-000-0000"]));
        let text = out.text.unwrap();
        assert!(text.contains("address: Khreshchatyk 1, Kyiv, 01001, Ukraine"), "{text}");
        assert!(text.contains("title: Head of accounts"), "{text}");
    }

    #[test]
    fn broken_content_lines_lose_nothing_else() {
        assert_eq!(unescape("a\\,b\\;c\\\\d\\"), "a,b;c\\d\\");
        let out = calendar(b"BEGIN:VCALENDAR\nBEGIN:VEVENT\n\xFF\xFEgarbage\nSUMMARY:kept\nEND:VCALENDAR");
        assert!(out.text.unwrap().contains("kept"));
        assert_eq!(out.metadata["entries"], 1);
    }
}

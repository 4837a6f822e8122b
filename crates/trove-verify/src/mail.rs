//! Evidence from a message itself: its DKIM signatures and its Received
//! headers.

use serde_json::json;
use trove_dkim::{Outcome, field_name, header_fields, split_message, to_wire_form};

use crate::keys::KeyArchive;
use crate::metadata::day_of;
use crate::{Evidence, Strength};

/// Clock skew allowed between hops (seconds).
const SKEW: i64 = 300;

/// The unfolded value of each field named `name`, top to bottom.
fn values(fields: &[&[u8]], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|f| field_name(f).eq_ignore_ascii_case(name))
        .map(|f| {
            let colon = f.iter().position(|&b| b == b':').unwrap_or(0);
            let value = String::from_utf8_lossy(&f[colon + 1..]);
            value.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

fn parse_date(text: &str) -> Option<i64> {
    mail_parser::DateTime::parse_rfc822(text.trim()).map(|d| d.to_timestamp())
}

/// Evidence from the message's own bytes (exactly as sent).
pub fn mail_evidence(message: &[u8], archive: &KeyArchive) -> Vec<Evidence> {
    let wire = to_wire_form(message);
    let (head, _) = split_message(&wire);
    let fields = header_fields(head);
    let date = values(&fields, "date").first().and_then(|d| parse_date(d));
    let day = date.map(day_of);
    let lookup = |selector: &str, domain: &str| archive.lookup(selector, domain, day.as_deref());
    let mut evidence: Vec<Evidence> =
        trove_dkim::verify(&wire, &|s: &str, d: &str| lookup(s, d).map(|k| k.record.clone()))
            .into_iter()
            .map(|result| {
                let key = match (&result.selector, &result.domain) {
                    (Some(s), Some(d)) => lookup(s, d),
                    _ => None,
                };
                dkim_evidence(result, key, day.as_deref())
            })
            .collect();
    evidence.extend(received_evidence(&fields, date));
    evidence
}

fn dkim_evidence(
    result: trove_dkim::Verification,
    key: Option<&trove_store::ArchivedKey>,
    day: Option<&str>,
) -> Evidence {
    let domain = result.domain.clone().unwrap_or_default();
    let selector = result.selector.clone().unwrap_or_default();
    let mut facts = serde_json::to_value(&result).unwrap_or_default();
    if let (Some(key), Some(map)) = (key, facts.as_object_mut()) {
        map.insert("key_first_seen".into(), json!(key.first_seen));
        map.insert("key_last_seen".into(), json!(key.last_seen));
        map.insert("key_source".into(), json!(key.source));
    }
    let (strength, sentence) = match &result.outcome {
        Outcome::Pass => {
            let facts = result.key.as_ref();
            let bits = facts.map(|k| k.bits).unwrap_or(0);
            let mut weak = Vec::new();
            if result.algorithm == Some("rsa-sha1") {
                weak.push("it uses rsa-sha1, a broken hash".to_owned());
            }
            if facts.is_some_and(|k| k.key_type == "rsa") && bits < 2048 {
                weak.push(format!("the key is {bits}-bit RSA, which can be forged"));
            }
            if let Some(tail) = result.unsigned_tail.filter(|&t| t > 0) {
                weak.push(format!("l= leaves the last {tail} bytes of the body unsigned"));
            }
            if facts.is_some_and(|k| k.testing) {
                weak.push("the domain marked the key as testing (t=y)".to_owned());
            }
            if let (Some(key), Some(day)) = (key, day) {
                let before = key.first_seen.as_deref().is_some_and(|f| day < f);
                let after = key.last_seen.as_deref().is_some_and(|l| day > l);
                if before || after {
                    weak.push(format!(
                        "the key was seen published {} to {}, not on the message's date {day}",
                        key.first_seen.as_deref().unwrap_or("?"),
                        key.last_seen.as_deref().unwrap_or("?")
                    ));
                }
            }
            let expiry = result
                .expires
                .map(|x| {
                    format!(
                        " It carries an expiry (x=) of {}: a property of the signature, not a failure.",
                        day_of(x as i64)
                    )
                })
                .unwrap_or_default();
            let what = format!(
                "Signed by {domain} (selector {selector}, {}, {}-bit key)",
                result.algorithm.unwrap_or("?"),
                bits
            );
            if weak.is_empty() {
                (
                    Strength::Strong,
                    format!(
                        "{what}: the signature is valid over the whole body and {} signed headers.{expiry}",
                        result.signed_headers.len()
                    ),
                )
            } else {
                (
                    Strength::Supporting,
                    format!(
                        "{what}: the signature is valid but weak evidence: {}.{expiry}",
                        weak.join("; ")
                    ),
                )
            }
        }
        Outcome::BodyHashMismatch => (
            Strength::Against,
            format!("The body is not what {domain} signed: its hash does not match the signature's body hash (bh=)."),
        ),
        Outcome::SignatureMismatch => (
            Strength::Against,
            format!(
                "The body is as {domain} signed it, but the signature over the headers fails: a signed header was changed after signing."
            ),
        ),
        Outcome::NoKey => (
            Strength::Neutral,
            format!(
                "Signed by {domain} (selector {selector}), but the archive has no key for it; import one with `trove keys dkim import`."
            ),
        ),
        Outcome::KeyRevoked => (
            Strength::Neutral,
            format!(
                "The archived key of {domain} (selector {selector}) is revoked (empty p=): the signature cannot be checked."
            ),
        ),
        Outcome::Unusable(reason) => (
            Strength::Neutral,
            format!("A DKIM signature could not be checked: {reason}."),
        ),
    };
    Evidence::new("dkim", strength, facts, sentence)
}

/// Received headers, newest on top: each hop's time must not be before the
/// hop below it, and the message must not be dated after its first hop.
fn received_evidence(fields: &[&[u8]], date: Option<i64>) -> Option<Evidence> {
    let hops: Vec<(String, Option<i64>)> = values(fields, "received")
        .into_iter()
        .map(|value| {
            let time = value.rsplit_once(';').and_then(|(_, d)| parse_date(d));
            (value, time)
        })
        .collect();
    let times: Vec<i64> = hops.iter().filter_map(|(_, t)| *t).collect();
    if times.is_empty() {
        return None;
    }
    let facts = json!({
        "hops": hops.len(),
        "times": times.iter().map(|t| crate::metadata::rfc3339(*t)).collect::<Vec<_>>(),
        "date": date.map(crate::metadata::rfc3339),
    });
    // Bottom to top: the order the hops happened.
    let in_order: Vec<i64> = times.iter().rev().copied().collect();
    for (i, pair) in in_order.windows(2).enumerate() {
        if pair[1] + SKEW < pair[0] {
            return Some(Evidence::new(
                "received",
                Strength::Against,
                facts,
                format!(
                    "Received times are out of order: hop {} is stamped {}, before hop {} at {}.",
                    i + 2,
                    crate::metadata::rfc3339(pair[1]),
                    i + 1,
                    crate::metadata::rfc3339(pair[0])
                ),
            ));
        }
    }
    if let Some(date) = date
        && date > in_order[0] + SKEW
    {
        return Some(Evidence::new(
            "received",
            Strength::Against,
            facts,
            format!(
                "The message is dated {}, after its first server received it at {}.",
                crate::metadata::rfc3339(date),
                crate::metadata::rfc3339(in_order[0])
            ),
        ));
    }
    Some(Evidence::new(
        "received",
        Strength::Supporting,
        facts,
        format!(
            "{} Received headers with times in order, the first hop {} after the Date header.",
            hops.len(),
            date.map(|d| format!("{} s", in_order[0] - d))
                .unwrap_or_else(|| "(no Date)".into())
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use trove_store::ArchivedKey;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../trove-dkim/tests/fixtures");

    /// A.2's record for a selector.
    fn record(selector: &str) -> String {
        let keys = crate::parse_key_file(
            "rfc8463-keys.txt",
            &std::fs::read_to_string(format!("{FIXTURES}/rfc8463-keys.txt")).unwrap(),
        )
        .unwrap();
        keys.into_iter().find(|k| k.selector == selector).unwrap().record
    }

    /// RFC 8463 A.3 with two Received headers added (unsigned, so the
    /// signatures still verify).
    fn example() -> Vec<u8> {
        let message = String::from_utf8(std::fs::read(format!("{FIXTURES}/rfc8463-a3.eml")).unwrap()).unwrap();
        message
            .replacen(
                "From: Joe",
                "Received: from submit.football.example.com by mx.shopping.example.net; Fri, 11 Jul 2003 21:01:59 -0700\r\n\
                 Received: from laptop by submit.football.example.com; Fri, 11 Jul 2003 21:00:40 -0700\r\nFrom: Joe",
                1,
            )
            .into_bytes()
    }

    fn archive(keys: &[(&str, Option<&str>, Option<&str>)]) -> KeyArchive {
        KeyArchive::new(
            keys.iter()
                .map(|(selector, first, last)| ArchivedKey {
                    selector: (*selector).into(),
                    domain: "football.example.com".into(),
                    record: record(selector),
                    first_seen: first.map(str::to_owned),
                    last_seen: last.map(str::to_owned),
                    source: "test".into(),
                })
                .collect(),
        )
    }

    fn dkim(evidence: &[Evidence]) -> Vec<(Strength, String)> {
        evidence
            .iter()
            .filter(|e| e.kind == "dkim")
            .map(|e| (e.strength, e.sentence.clone()))
            .collect()
    }

    #[test]
    fn key_strength_and_key_dates_set_the_weight() {
        let both = archive(&[("brisbane", None, None), ("test", None, None)]);
        let found = mail_evidence(&example(), &both);
        let weights = dkim(&found);
        assert_eq!(weights[0].0, Strength::Strong, "{}", weights[0].1);
        assert_eq!(weights[1].0, Strength::Supporting);
        assert!(weights[1].1.contains("1024-bit RSA"), "{}", weights[1].1);
        assert_eq!(crate::verdict(&found), crate::Verdict::Verified);

        // Only the weak key: consistent, not verified.
        let weak = mail_evidence(&example(), &archive(&[("test", None, None)]));
        assert_eq!(crate::verdict(&weak), crate::Verdict::Consistent);

        // A key seen published only years after the message: weak too.
        let late = mail_evidence(&example(), &archive(&[("brisbane", Some("2010-01-01"), None)]));
        let weights = dkim(&late);
        assert_eq!(weights[0].0, Strength::Supporting);
        assert!(
            weights[0].1.contains("not on the message's date 2003-07-12"),
            "{}",
            weights[0].1
        );
    }

    #[test]
    fn received_times_in_and_out_of_order() {
        let keys = KeyArchive::default();
        let found = mail_evidence(&example(), &keys);
        let received: Vec<_> = found.iter().filter(|e| e.kind == "received").collect();
        assert_eq!(received[0].strength, Strength::Supporting, "{}", received[0].sentence);

        let swapped = String::from_utf8(example())
            .unwrap()
            .replace("21:01:59 -0700", "20:01:59 -0700");
        let found = mail_evidence(swapped.as_bytes(), &keys);
        let received: Vec<_> = found.iter().filter(|e| e.kind == "received").collect();
        assert_eq!(received[0].strength, Strength::Against);
        assert!(
            received[0].sentence.contains("out of order"),
            "{}",
            received[0].sentence
        );

        let late_date = String::from_utf8(example())
            .unwrap()
            .replace("Date: Fri, 11 Jul 2003 21:00:37", "Date: Fri, 11 Jul 2003 23:00:37");
        let found = mail_evidence(late_date.as_bytes(), &keys);
        let received: Vec<_> = found.iter().filter(|e| e.kind == "received").collect();
        assert!(
            received[0].sentence.contains("after its first server received it"),
            "{}",
            received[0].sentence
        );
    }

    #[test]
    fn a_broken_signature_is_explained_only_by_a_strong_one() {
        let tampered = String::from_utf8(example()).unwrap().replace("hungry", "starving");
        let keys = archive(&[("brisbane", None, None), ("test", None, None)]);
        let found = mail_evidence(tampered.as_bytes(), &keys);
        assert!(dkim(&found).iter().all(|(s, _)| *s == Strength::Against));
        assert_eq!(crate::verdict(&found), crate::Verdict::Suspicious);

        // A list footer that breaks one signature (here: its key is wrong
        // for it) while the other verifies strongly is explained.
        let mut mixed = mail_evidence(&example(), &keys);
        mixed.push(Evidence::new("dkim", Strength::Against, serde_json::json!({}), "x"));
        assert_eq!(crate::verdict(&mixed), crate::Verdict::Verified);
        mixed.push(Evidence::new("dates", Strength::Against, serde_json::json!({}), "y"));
        assert_eq!(crate::verdict(&mixed), crate::Verdict::Suspicious);
    }
}

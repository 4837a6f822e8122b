//! Real signed mail nobody at trove wrote (fixtures/real/mail, from
//! Stalwart mail-auth's test resources, with the DNS key records that
//! were published for them): every signature gets the outcome dkimpy
//! gives it, and a changed byte in a signed body makes it fail.

use trove_dkim::{Outcome, verify};

const MAIL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/real/mail");

fn keys() -> impl Fn(&str, &str) -> Option<String> {
    let file = std::fs::read_to_string(format!("{MAIL}/dkim-keys.txt")).unwrap();
    let records: Vec<(String, String)> = file
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, record)| (name.to_ascii_lowercase(), record.to_owned()))
        .collect();
    move |selector: &str, domain: &str| {
        let name = format!("{selector}._domainkey.{domain}").to_ascii_lowercase();
        records.iter().find(|(n, _)| *n == name).map(|(_, r)| r.clone())
    }
}

fn outcomes(file: &str) -> Vec<(String, Outcome)> {
    let message = std::fs::read(format!("{MAIL}/{file}")).unwrap();
    verify(&message, &keys())
        .into_iter()
        .map(|v| (v.domain.unwrap_or_default(), v.outcome))
        .collect()
}

/// dkimpy's verdicts on the same message with the same keys.
fn dkimpy(file: &str) -> Vec<bool> {
    let output = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/real_dkim_peer.py"))
        .arg(format!("{MAIL}/dkim-keys.txt"))
        .arg(format!("{MAIL}/{file}"))
        .output()
        .expect("python3 with dkimpy (scripts/test installs it)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line == "pass")
        .collect()
}

#[test]
fn real_signed_mail_verifies_with_its_published_keys_as_dkimpy_says() {
    use Outcome::*;
    let expected: &[(&str, &[(&str, Outcome)])] = &[
        ("ietf.eml", &[("ietf.org", Pass), ("ietf.org", Pass)]),
        ("facebookmail.eml", &[("facebookmail.com", Pass)]),
        ("github.eml", &[("github.com", Pass)]),
        ("manchego-arc.eml", &[("manchego.org", Pass)]),
        // Through the IETF list: the list's two signatures verify; the
        // author's own (stalw.art) broke when the list changed the body,
        // which is why the message carries an ARC chain.
        (
            "google-arc.eml",
            &[("ietf.org", Pass), ("ietf.org", Pass), ("stalw.art", BodyHashMismatch)],
        ),
    ];
    for (file, outcomes_expected) in expected {
        let found = outcomes(file);
        let wanted: Vec<(String, Outcome)> = outcomes_expected
            .iter()
            .map(|(d, o)| (d.to_string(), o.clone()))
            .collect();
        assert_eq!(found, wanted, "{file}");
        let passes: Vec<bool> = found.iter().map(|(_, o)| *o == Pass).collect();
        assert_eq!(passes, dkimpy(file), "{file}: trove and dkimpy disagree");
    }
}

#[test]
fn a_changed_byte_in_a_real_signed_body_fails() {
    let mut message = std::fs::read(format!("{MAIL}/github.eml")).unwrap();
    let at = message.len() - 40;
    message[at] = if message[at] == b'x' { b'y' } else { b'x' };
    let results = verify(&message, &keys());
    assert_eq!(results[0].outcome, Outcome::BodyHashMismatch);
}

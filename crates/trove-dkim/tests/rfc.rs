//! The RFC's worked example, a re-wrapped message, and every kind of bad
//! input becoming an outcome.

use ed25519_dalek::Signer as _;
use sha2::Digest;
use trove_dkim::{Outcome, canonical_body, canonical_header, header_fields, verify, without_signature_value};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// RFC 8463 A.3 (see tests/fixtures/README.md for the corrected form).
fn rfc8463_message() -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/rfc8463-a3.eml")).unwrap()
}

/// A.2's record for a selector.
fn rfc_record(selector: &str) -> String {
    let keys = std::fs::read_to_string(format!("{FIXTURES}/rfc8463-keys.txt")).unwrap();
    keys.lines()
        .find_map(|line| line.strip_prefix(&format!("{selector}._domainkey.football.example.com ")))
        .unwrap()
        .to_owned()
}

fn rfc_keys(selector: &str, domain: &str) -> Option<String> {
    (domain == "football.example.com" && (selector == "brisbane" || selector == "test")).then(|| rfc_record(selector))
}

#[test]
fn rfc8463_example_verifies_with_both_keys() {
    let results = verify(&rfc8463_message(), &rfc_keys);
    let outcomes: Vec<_> = results
        .iter()
        .map(|r| (r.algorithm.unwrap(), r.outcome.clone()))
        .collect();
    assert_eq!(
        outcomes,
        vec![("ed25519-sha256", Outcome::Pass), ("rsa-sha256", Outcome::Pass)]
    );
    assert_eq!(results[0].key.as_ref().unwrap().bits, 256);
    // A.2's RSA key is 1024 bits: weak evidence, reported as its size.
    assert_eq!(results[1].key.as_ref().unwrap().bits, 1024);
    assert_eq!(
        results[0].signed_headers.len(),
        8,
        "from, subject and date are over-signed"
    );
    assert_eq!(results[0].timestamp, Some(1528637909));
}

#[test]
fn rfc8463_ed25519_key_is_rfc8032_test_1() {
    // A.1's secret key (RFC 8032 §7.1 test 1) gives A.2's public key.
    let secret: [u8; 32] = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        .unwrap()
        .try_into()
        .unwrap();
    let public = ed25519_dalek::SigningKey::from_bytes(&secret).verifying_key();
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(public.as_bytes());
    assert!(rfc_record("brisbane").ends_with(&encoded));
}

#[test]
fn tampering_is_told_apart_from_a_changed_header() {
    let message = rfc8463_message();
    let text = String::from_utf8(message).unwrap();
    let body = verify(text.replace("hungry", "Hungry").as_bytes(), &rfc_keys);
    assert!(body.iter().all(|r| r.outcome == Outcome::BodyHashMismatch));
    let header = verify(
        text.replace("Is dinner ready?", "Is dinner ready!").as_bytes(),
        &rfc_keys,
    );
    assert!(header.iter().all(|r| r.outcome == Outcome::SignatureMismatch));
    // A From added on top breaks over-signed From.
    let added = verify(format!("From: mallory@evil.example\r\n{text}").as_bytes(), &rfc_keys);
    assert!(added.iter().all(|r| r.outcome == Outcome::SignatureMismatch));
    // The same message with bare LF line ends (as stored in an mbox) passes.
    let unix = verify(text.replace("\r\n", "\n").as_bytes(), &rfc_keys);
    assert!(unix.iter().all(|r| r.outcome == Outcome::Pass));
}

/// Signs `message` the way a signer does, over `headers`: Ed25519 with
/// `key`, or any algorithm through `Signer::Other`.
enum Signer<'a> {
    Ed25519(&'a ed25519_dalek::SigningKey),
    Other(&'a str, &'a dyn Fn(&[u8]) -> Vec<u8>),
}

fn sign(message: &str, key: &ed25519_dalek::SigningKey, canon: &str, extra: &str, headers: &[&str]) -> String {
    sign_with(message, Signer::Ed25519(key), canon, extra, headers)
}

fn sign_with(message: &str, signer: Signer<'_>, canon: &str, extra: &str, headers: &[&str]) -> String {
    let (head, body) = message.split_once("\r\n\r\n").unwrap();
    let head = format!("{head}\r\n");
    let (hc, bc) = canon.split_once('/').unwrap();
    let canon_of = |name: &str| trove_dkim::Canon::parse(name).unwrap();
    let algorithm = match &signer {
        Signer::Ed25519(_) => "ed25519-sha256",
        Signer::Other(name, _) => name,
    };
    let canonical = canonical_body(body.as_bytes(), canon_of(bc));
    let body_hash = if algorithm == "rsa-sha1" {
        use sha1::Digest as _;
        sha1::Sha1::digest(&canonical).to_vec()
    } else {
        sha2::Sha256::digest(&canonical).to_vec()
    };
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let value = format!(
        " v=1; a={algorithm}; c={canon}; d=ministry.example; s=2019;{extra}\r\n h={};\r\n bh={}; b=",
        headers.join(":"),
        b64.encode(body_hash)
    );
    let fields = header_fields(head.as_bytes());
    let mut data = Vec::new();
    for name in headers {
        if let Some(field) = fields
            .iter()
            .rev()
            .find(|f| trove_dkim::field_name(f).eq_ignore_ascii_case(name))
        {
            data.extend(canonical_header(field, canon_of(hc)));
        }
    }
    let own = format!("DKIM-Signature:{}", without_signature_value(&value));
    let mut own = canonical_header(own.as_bytes(), canon_of(hc));
    if own.ends_with(b"\r\n") {
        own.truncate(own.len() - 2);
    }
    data.extend(own);
    let signature = match signer {
        Signer::Ed25519(key) => key.sign(&sha2::Sha256::digest(&data)).to_bytes().to_vec(),
        Signer::Other(_, sign) => sign(&data),
    };
    format!("DKIM-Signature:{value}{}\r\n{message}", b64.encode(signature))
}

/// RFC 8463 A.1's RSA key (1024 bits), whose public half is A.2's record.
const RFC8463_RSA_PRIVATE: &str = "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi\
Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM\
KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\
AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm\
6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe\
zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy\
6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc\
uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy\
WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd\
WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a\
licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst\
o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe\
uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL";

#[test]
fn rsa_sha1_verifies_and_is_reported_as_such() {
    use base64::Engine;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use sha1::Digest as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(RFC8463_RSA_PRIVATE)
        .unwrap();
    let key = rsa::RsaPrivateKey::from_pkcs1_der(&der).unwrap();
    let sign_sha1 = |data: &[u8]| {
        key.sign(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(data))
            .unwrap()
    };
    let signed = sign_with(
        MEMO,
        Signer::Other("rsa-sha1", &sign_sha1),
        "relaxed/simple",
        "",
        &["from", "subject"],
    );
    let keys = |_: &str, _: &str| Some(rfc_record("test"));
    let result = &verify(signed.as_bytes(), &keys)[0];
    assert_eq!(result.outcome, Outcome::Pass);
    assert_eq!(result.algorithm, Some("rsa-sha1"));
    assert_eq!(result.key.as_ref().unwrap().bits, 1024);
    // A key record that allows sha256 only refuses it.
    let strict = |_: &str, _: &str| Some(format!("{}; h=sha256", rfc_record("test")));
    assert!(matches!(&verify(signed.as_bytes(), &strict)[0].outcome, Outcome::Unusable(r) if r.contains("h=sha256")));
    // The same key signing rsa-sha256 (the RFC's own pairing) verifies too.
    let sign_sha256 = |data: &[u8]| {
        key.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &sha2::Sha256::digest(data))
            .unwrap()
    };
    let signed = sign_with(
        MEMO,
        Signer::Other("rsa-sha256", &sign_sha256),
        "simple/simple",
        "",
        &["from"],
    );
    assert_eq!(verify(signed.as_bytes(), &keys)[0].outcome, Outcome::Pass);
}

fn ministry_key() -> (ed25519_dalek::SigningKey, String) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    use base64::Engine;
    let record = format!(
        "v=DKIM1; k=ed25519; p={}",
        base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes())
    );
    (key, record)
}

const MEMO: &str = "From: a.petrov@ministry.example\r\nTo: desk@bank.example\r\nSubject: Transfer\r\n\
Date: Thu, 14 Mar 2019 09:30:00 +0300\r\n\r\nThe transfer of 48 000 EUR to the account in Limassol is approved for Friday, \
subject to the usual conditions.\r\n";

#[test]
fn a_message_rewrapped_by_a_mail_client_passes_relaxed_and_fails_simple() {
    let (key, record) = ministry_key();
    let keys = |_: &str, _: &str| Some(record.clone());
    // What a client does on the way: it refolds a long header, turns a
    // tab into spaces, and leaves trailing blanks and blank lines.
    let rewrapped = |signed: &str| {
        signed
            .replace("Subject: Transfer", "Subject:\r\n  Transfer")
            .replace("48 000 EUR", "48\t000 EUR")
            .replace("conditions.\r\n", "conditions.   \r\n\r\n\r\n")
    };
    let relaxed = sign(MEMO, &key, "relaxed/relaxed", "", &["from", "to", "subject", "date"]);
    let simple = sign(MEMO, &key, "simple/simple", "", &["from", "to", "subject", "date"]);
    assert_eq!(verify(relaxed.as_bytes(), &keys)[0].outcome, Outcome::Pass);
    assert_eq!(verify(simple.as_bytes(), &keys)[0].outcome, Outcome::Pass);
    assert_eq!(verify(rewrapped(&relaxed).as_bytes(), &keys)[0].outcome, Outcome::Pass);
    let simple_result = &verify(rewrapped(&simple).as_bytes(), &keys)[0];
    assert_eq!(simple_result.outcome, Outcome::BodyHashMismatch);
}

#[test]
fn body_length_limit_reports_the_unsigned_tail() {
    let (key, record) = ministry_key();
    let keys = |_: &str, _: &str| Some(record.clone());
    let body = MEMO.split_once("\r\n\r\n").unwrap().1;
    let l = canonical_body(body.as_bytes(), trove_dkim::Canon::Relaxed).len();
    let signed = sign(MEMO, &key, "relaxed/relaxed", &format!(" l={l};"), &["from", "subject"]);
    let appended = format!("{signed}Also: wire it to the other account instead.\r\n");
    let result = &verify(appended.as_bytes(), &keys)[0];
    assert_eq!(result.outcome, Outcome::Pass);
    assert_eq!(result.length, Some(l as u64));
    assert_eq!(
        result.unsigned_tail,
        Some("Also: wire it to the other account instead.\r\n".len() as u64)
    );
}

#[test]
fn bad_input_becomes_an_outcome() {
    let (key, record) = ministry_key();
    let good = sign(
        MEMO,
        &key,
        "relaxed/relaxed",
        " x=1552600000;",
        &["from", "to", "subject", "date"],
    );
    let keys = |_: &str, _: &str| Some(record.clone());
    let outcome = |message: &str, keys: &dyn Fn(&str, &str) -> Option<String>| {
        verify(message.as_bytes(), &|s: &str, d: &str| keys(s, d))[0]
            .outcome
            .clone()
    };
    let unusable = |message: &str| match outcome(message, &keys) {
        Outcome::Unusable(reason) => reason,
        other => panic!("expected unusable, got {other:?}"),
    };
    // An expired x= is a fact, not a failure.
    let passed = &verify(good.as_bytes(), &keys)[0];
    assert_eq!(
        (passed.outcome.clone(), passed.expires),
        (Outcome::Pass, Some(1552600000))
    );
    // Malformed tags, bad base64, unknown algorithm.
    assert!(unusable(&good.replacen("v=1;", "v=1; ;junk;", 1)).contains("malformed tag list"));
    assert!(unusable(&good.replacen(" b=", " b=!!!", 1)).contains("bad base64 in b="));
    assert!(unusable(&good.replacen("a=ed25519-sha256", "a=rsa-md5", 1)).contains("unknown algorithm a=rsa-md5"));
    assert!(unusable(&good.replacen(" d=ministry.example;", "", 1)).contains("missing required tag d="));
    // A missing key, a revoked key, a key record that is not one.
    assert_eq!(outcome(&good, &|_, _| None), Outcome::NoKey);
    assert_eq!(
        outcome(&good, &|_, _| Some("v=DKIM1; k=ed25519; p=".into())),
        Outcome::KeyRevoked
    );
    assert!(
        matches!(outcome(&good, &|_, _| Some("v=DKIM1; k=dsa; p=AAAA".into())), Outcome::Unusable(r) if r.contains("k=dsa"))
    );
    // A header folded oddly (tabs, several continuation lines) still verifies under relaxed.
    let folded = good.replacen("Subject: Transfer", "Subject:\r\n\t Transfer", 1);
    assert_eq!(outcome(&folded, &keys), Outcome::Pass);
    // An 8-bit body: hashed as bytes, never decoded.
    let eight_bit = MEMO.replace("conditions.", "conditions \u{00e9}t\u{00e9}.");
    let signed = sign(&eight_bit, &key, "simple/simple", "", &["from"]);
    let mut bytes = signed.into_bytes();
    assert_eq!(verify(&bytes, &keys)[0].outcome, Outcome::Pass);
    let at = bytes.len() - 5;
    bytes[at] = 0xFF;
    assert_eq!(verify(&bytes, &keys)[0].outcome, Outcome::BodyHashMismatch);
    // A header that is not UTF-8 where the signature is.
    let mut raw = good.clone().into_bytes();
    let at = raw.windows(5).position(|w| w == b" b=").unwrap_or(20) + 1;
    raw.insert(at, 0xC3);
    assert!(matches!(verify(&raw, &keys)[0].outcome, Outcome::Unusable(_)));
}

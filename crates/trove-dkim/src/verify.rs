//! Verifying every DKIM-Signature of a message with keys from an archive.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::canon::{canonical_header, field_name, header_fields, split_message, to_wire_form, write_canonical_body};
use crate::tags::{Algorithm, KeyRecord, KeyType, Signature, without_signature_value};

/// Where keys come from: an archive of records seen over time, looked up
/// by selector and domain. The record text is the TXT record's.
pub trait KeySource {
    fn record(&self, selector: &str, domain: &str) -> Option<String>;
}

impl<F: Fn(&str, &str) -> Option<String>> KeySource for F {
    fn record(&self, selector: &str, domain: &str) -> Option<String> {
        self(selector, domain)
    }
}

/// The outcome of one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "reason")]
pub enum Outcome {
    /// The signature verifies over the signed headers and body.
    Pass,
    /// The body is not what was signed.
    BodyHashMismatch,
    /// The body hash matches, but the signature over the headers does not
    /// verify: a signed header was changed (or the key is the wrong one).
    SignatureMismatch,
    /// No key for this selector and domain in the archive.
    NoKey,
    /// The key record has an empty `p=`: the domain revoked it.
    KeyRevoked,
    /// The signature header or the key record cannot be used (the reason
    /// says why): malformed tags, bad base64, an unknown algorithm, …
    Unusable(String),
}

/// Facts about the key a signature was checked with.
#[derive(Debug, Clone, Serialize)]
pub struct KeyFacts {
    pub key_type: &'static str,
    /// SHA-256 of the public key bytes (`p=`), hex.
    pub fingerprint: String,
    /// RSA modulus size; 256 for Ed25519.
    pub bits: usize,
    /// `t=y` in the record.
    pub testing: bool,
}

/// The result of one DKIM-Signature, with the facts it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    #[serde(flatten)]
    pub outcome: Outcome,
    pub domain: Option<String>,
    pub selector: Option<String>,
    pub algorithm: Option<&'static str>,
    /// `header/body`, e.g. `relaxed/simple`.
    pub canonicalization: Option<String>,
    pub signed_headers: Vec<String>,
    /// `bh=` as written (base64).
    pub body_hash: Option<String>,
    /// `l=`: the body bytes signed.
    pub length: Option<u64>,
    /// Canonical body bytes after `l=`: not covered by the signature.
    pub unsigned_tail: Option<u64>,
    pub timestamp: Option<u64>,
    pub expires: Option<u64>,
    pub key: Option<KeyFacts>,
}

impl Verification {
    fn unusable(reason: impl Into<String>) -> Self {
        Verification {
            outcome: Outcome::Unusable(reason.into()),
            domain: None,
            selector: None,
            algorithm: None,
            canonicalization: None,
            signed_headers: Vec::new(),
            body_hash: None,
            length: None,
            unsigned_tail: None,
            timestamp: None,
            expires: None,
            key: None,
        }
    }
}

/// Verifies every DKIM-Signature of `message`, top to bottom. A message
/// without signatures gives an empty list. Never fails: whatever is wrong
/// with a signature is its outcome.
pub fn verify(message: &[u8], keys: &impl KeySource) -> Vec<Verification> {
    let message = to_wire_form(message);
    let (head, body) = split_message(&message);
    let fields = header_fields(head);
    fields
        .iter()
        .filter(|f| field_name(f).eq_ignore_ascii_case("dkim-signature"))
        .map(|field| verify_one(&fields, field, body, keys))
        .collect()
}

fn verify_one(fields: &[&[u8]], field: &[u8], body: &[u8], keys: &impl KeySource) -> Verification {
    let colon = field.iter().position(|&b| b == b':').unwrap_or(0);
    let Ok(value) = std::str::from_utf8(&field[colon + 1..]) else {
        return Verification::unusable("the DKIM-Signature header is not ASCII");
    };
    let signature = match Signature::parse(value) {
        Ok(signature) => signature,
        Err(e) => return Verification::unusable(e.to_string()),
    };
    let mut out = Verification {
        outcome: Outcome::Pass,
        domain: Some(signature.domain.clone()),
        selector: Some(signature.selector.clone()),
        algorithm: Some(signature.algorithm.name()),
        canonicalization: Some(format!(
            "{}/{}",
            signature.header_canon.name(),
            signature.body_canon.name()
        )),
        signed_headers: signature.headers.clone(),
        body_hash: Some(BASE64.encode(&signature.body_hash)),
        length: signature.length,
        unsigned_tail: None,
        timestamp: signature.timestamp,
        expires: signature.expires,
        key: None,
    };

    // The body first: it needs no key. It is hashed as it is
    // canonicalized, up to l= when the signature has one.
    let limit = signature.length.unwrap_or(u64::MAX);
    let mut canonical_len = 0u64;
    let mut sha256 = Sha256::new();
    let mut sha1 = sha1::Sha1::new();
    let uses_sha1 = signature.algorithm == Algorithm::RsaSha1;
    write_canonical_body(body, signature.body_canon, &mut |piece| {
        let room = limit.saturating_sub(canonical_len).min(piece.len() as u64) as usize;
        if uses_sha1 {
            sha1.update(&piece[..room]);
        } else {
            sha256.update(&piece[..room]);
        }
        canonical_len += piece.len() as u64;
    });
    if let Some(length) = signature.length {
        if length > canonical_len {
            out.outcome = Outcome::BodyHashMismatch;
            out.unsigned_tail = Some(0);
            return out;
        }
        out.unsigned_tail = Some(canonical_len - length);
    }
    let body_matches = if uses_sha1 {
        sha1.finalize().as_slice() == signature.body_hash
    } else {
        sha256.finalize().as_slice() == signature.body_hash
    };

    let Some(record) = keys.record(&signature.selector, &signature.domain) else {
        out.outcome = Outcome::NoKey;
        return out;
    };
    let parsed = match parsed_key(&record) {
        Ok(parsed) => parsed,
        Err(e) => {
            out.outcome = Outcome::Unusable(format!("key record: {e}"));
            return out;
        }
    };
    let key = &parsed.record;
    if key.public.is_empty() {
        out.outcome = Outcome::KeyRevoked;
        return out;
    }
    let hash_name = if signature.algorithm == Algorithm::RsaSha1 {
        "sha1"
    } else {
        "sha256"
    };
    if let Some(hashes) = &key.hashes
        && !hashes.iter().any(|h| h == hash_name)
    {
        out.outcome = Outcome::Unusable(format!("the key record allows h={} only", hashes.join(":")));
        return out;
    }
    let verifier = match (signature.algorithm, key.key_type) {
        (Algorithm::Ed25519Sha256, KeyType::Ed25519) | (Algorithm::RsaSha256 | Algorithm::RsaSha1, KeyType::Rsa) => {
            parsed.public.as_ref()
        }
        (algorithm, key_type) => {
            out.outcome = Outcome::Unusable(format!(
                "a={} with a k={} key",
                algorithm.name(),
                if key_type == KeyType::Rsa { "rsa" } else { "ed25519" }
            ));
            return out;
        }
    };
    let Some(verifier) = verifier else {
        out.outcome = Outcome::Unusable("the key record's p= is not a valid public key".into());
        return out;
    };
    out.key = Some(KeyFacts {
        key_type: if key.key_type == KeyType::Rsa { "rsa" } else { "ed25519" },
        fingerprint: parsed.fingerprint.clone(),
        bits: verifier.bits(),
        testing: key.testing,
    });
    if !body_matches {
        out.outcome = Outcome::BodyHashMismatch;
        return out;
    }

    let data = signed_header_data(fields, field, &signature, value);
    let valid = match (&verifier, signature.algorithm) {
        // RFC 8032 verification; a small-order public key (which would let
        // one signature fit many messages) is refused first.
        (PublicKey::Ed25519(key), _) => {
            !key.is_weak()
                && ed25519_dalek::Signature::from_slice(&signature.signature)
                    .is_ok_and(|s| ed25519_dalek::Verifier::verify(key, &Sha256::digest(&data), &s).is_ok())
        }
        (PublicKey::Rsa { key, n, e }, algorithm) => rsa_verify(
            key,
            (n, e),
            algorithm == Algorithm::RsaSha1,
            &data,
            &signature.signature,
        ),
    };
    if !valid {
        out.outcome = Outcome::SignatureMismatch;
    }
    out
}

enum PublicKey {
    /// The key, and its modulus and exponent as big-endian bytes (ring's form).
    Rsa {
        key: rsa::RsaPublicKey,
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    fn bits(&self) -> usize {
        match self {
            PublicKey::Rsa { key, .. } => rsa::traits::PublicKeyParts::size(key) * 8,
            PublicKey::Ed25519(_) => 256,
        }
    }
}

/// A key record, parsed once: the record, its decoded public key (None
/// when `p=` is empty or not a key of its type) and its fingerprint.
struct ParsedKey {
    record: KeyRecord,
    public: Option<PublicKey>,
    fingerprint: String,
}

thread_local! {
    /// Parsed key records by their text. A cache of a pure function (the
    /// same record always parses the same), kept because decoding a key
    /// (an RSA SubjectPublicKeyInfo, an Ed25519 point) costs as much as a
    /// verification, and a cache's messages come from few keys.
    static PARSED_KEYS: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<ParsedKey>>> =
        Default::default();
}

fn parsed_key(record: &str) -> Result<std::rc::Rc<ParsedKey>, crate::TagError> {
    if let Some(found) = PARSED_KEYS.with(|keys| keys.borrow().get(record).cloned()) {
        return Ok(found);
    }
    let parsed = KeyRecord::parse(record)?;
    let public = match parsed.key_type {
        _ if parsed.public.is_empty() => None,
        KeyType::Ed25519 => <[u8; 32]>::try_from(parsed.public.as_slice())
            .ok()
            .and_then(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok())
            .map(PublicKey::Ed25519),
        KeyType::Rsa => rsa_key(&parsed.public).map(|key| {
            use rsa::traits::PublicKeyParts;
            let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
            PublicKey::Rsa { key, n, e }
        }),
    };
    let entry = std::rc::Rc::new(ParsedKey {
        fingerprint: hex::encode(Sha256::digest(&parsed.public)),
        record: parsed,
        public,
    });
    PARSED_KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if keys.len() >= 4096 {
            keys.clear();
        }
        keys.insert(record.to_owned(), entry.clone());
    });
    Ok(entry)
}

/// PKCS#1 v1.5 verification. ring's is several times faster than the
/// `rsa` crate's (whose big-number arithmetic dominated a profile), but it
/// refuses keys under 1024 bits; those, which are weak evidence anyway,
/// go through `rsa`.
fn rsa_verify(key: &rsa::RsaPublicKey, (n, e): (&[u8], &[u8]), sha1: bool, data: &[u8], signature: &[u8]) -> bool {
    use rsa::traits::PublicKeyParts;
    if key.size() * 8 >= 1024 {
        let params = if sha1 {
            &ring::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        } else {
            &ring::signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        };
        return ring::signature::RsaPublicKeyComponents { n, e }
            .verify(params, data, signature)
            .is_ok();
    }
    if sha1 {
        key.verify(
            rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            &sha1::Sha1::digest(data),
            signature,
        )
    } else {
        key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(data), signature)
    }
    .is_ok()
}

/// An RSA key as published: SubjectPublicKeyInfo (RFC 6376), or a bare
/// PKCS#1 RSAPublicKey, which some signers publish.
fn rsa_key(der: &[u8]) -> Option<rsa::RsaPublicKey> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    rsa::RsaPublicKey::from_public_key_der(der)
        .or_else(|_| rsa::RsaPublicKey::from_pkcs1_der(der))
        .ok()
}

/// What the signer hashed: each h= header's next instance from the bottom
/// (a name listed more often than it occurs signs its absence), then the
/// signature header itself without b='s value and without its CRLF.
fn signed_header_data(fields: &[&[u8]], field: &[u8], signature: &Signature, value: &str) -> Vec<u8> {
    let mut data = Vec::new();
    let mut used = vec![false; fields.len()];
    for name in &signature.headers {
        let instance = (0..fields.len())
            .rev()
            .find(|&i| !used[i] && field_name(fields[i]).eq_ignore_ascii_case(name));
        if let Some(i) = instance {
            used[i] = true;
            data.extend(canonical_header(fields[i], signature.header_canon));
        }
    }
    let colon = field.iter().position(|&b| b == b':').unwrap_or(0);
    let mut own = field[..=colon].to_vec();
    own.extend(without_signature_value(value).as_bytes());
    let mut canonical = canonical_header(&own, signature.header_canon);
    // Relaxed adds the CRLF back; simple keeps the field's own. Either
    // way the signature header goes in without it.
    if canonical.ends_with(b"\r\n") {
        canonical.truncate(canonical.len() - 2);
    }
    data.extend(canonical);
    data
}

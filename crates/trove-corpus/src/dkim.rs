//! DKIM signing (RFC 6376, RFC 8463) for the generated mail.
//!
//! Written here rather than taken from mail-auth because mail-auth's signer
//! stamps `t=` with the clock (its time-taking `sign_stream` is private),
//! and the corpus must be the same bytes for the same seed. Signatures are
//! checked by an independent verifier (dkimpy) in this crate's tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer;
use rand_chacha::ChaCha8Rng;
use rsa::pkcs1v15::SigningKey as RsaSigningKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::signature::SignatureEncoding;
use sha2::{Digest, Sha256};

/// A domain's signing key.
pub enum DkimKey {
    Rsa(Box<RsaSigningKey<Sha256>>, Vec<u8>),
    Ed25519(ed25519_dalek::SigningKey),
}

impl DkimKey {
    /// A 2048-bit RSA key drawn from the corpus RNG.
    pub fn rsa(rng: &mut ChaCha8Rng) -> Result<Self, rsa::Error> {
        let private = rsa::RsaPrivateKey::new(rng, 2048)?;
        let public = private
            .to_public_key()
            .to_public_key_der()
            .map_err(|_| rsa::Error::Internal)?
            .into_vec();
        Ok(DkimKey::Rsa(Box::new(RsaSigningKey::new(private)), public))
    }

    pub fn ed25519(seed: [u8; 32]) -> Self {
        DkimKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    fn algorithm(&self) -> &'static str {
        match self {
            DkimKey::Rsa(..) => "rsa-sha256",
            DkimKey::Ed25519(_) => "ed25519-sha256",
        }
    }

    /// The TXT record to publish at `selector._domainkey.domain`.
    pub fn txt_record(&self) -> String {
        match self {
            DkimKey::Rsa(_, public) => format!("v=DKIM1; k=rsa; p={}", BASE64.encode(public)),
            DkimKey::Ed25519(key) => format!(
                "v=DKIM1; k=ed25519; p={}",
                BASE64.encode(key.verifying_key().as_bytes())
            ),
        }
    }

    fn sign(&self, data: &[u8]) -> Vec<u8> {
        match self {
            DkimKey::Rsa(key, _) => key.sign(data).to_vec(),
            // RFC 8463 §3: Ed25519 signs the SHA-256 of the header data.
            DkimKey::Ed25519(key) => key.sign(&Sha256::digest(data)).to_bytes().to_vec(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canon {
    Simple,
    Relaxed,
}

impl Canon {
    fn name(self) -> &'static str {
        match self {
            Canon::Simple => "simple",
            Canon::Relaxed => "relaxed",
        }
    }
}

/// Signs `message` (CRLF line ends, headers then body) and returns the
/// `DKIM-Signature:` header line to put in front of it.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    message: &[u8],
    key: &DkimKey,
    domain: &str,
    selector: &str,
    headers: &[&str],
    header_canon: Canon,
    body_canon: Canon,
    timestamp: i64,
) -> String {
    let split = find(message, b"\r\n\r\n")
        .map(|i| i + 2)
        .unwrap_or(message.len());
    let (head, body) = (
        &message[..split],
        &message[(split + 2).min(message.len())..],
    );
    let body_hash = BASE64.encode(Sha256::digest(canonical_body(body, body_canon)));

    let fields = header_fields(head);
    let mut data = Vec::new();
    let mut signed = Vec::new();
    // Each listed name signs its last instance (RFC 6376 §5.4.2); a name
    // that is absent still goes into h=, which signs its absence.
    for name in headers {
        if let Some(field) = fields
            .iter()
            .rev()
            .find(|f| field_name(f).eq_ignore_ascii_case(name))
        {
            data.extend(canonical_header(field, header_canon));
        }
        signed.push(name.to_ascii_lowercase());
    }
    let value = format!(
        "v=1; a={}; c={}/{}; d={domain}; s={selector}; t={timestamp};\r\n\th={};\r\n\tbh={body_hash};\r\n\tb=",
        key.algorithm(),
        header_canon.name(),
        body_canon.name(),
        signed.join(":"),
    );
    let unsigned = format!("DKIM-Signature: {value}");
    let mut canonical = canonical_header(format!("{unsigned}\r\n").as_bytes(), header_canon);
    // The signature header enters the hash without its trailing CRLF.
    canonical.truncate(canonical.len() - 2);
    data.extend(canonical);
    format!("{unsigned}{}\r\n", BASE64.encode(key.sign(&data)))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits a header block into fields, each with its folded continuation
/// lines and its final CRLF.
fn header_fields(head: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < head.len() {
        if head[i] == b'\n' {
            let next = head.get(i + 1);
            if !matches!(next, Some(b' ' | b'\t')) {
                fields.push(&head[start..=i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    fields
}

fn field_name(field: &[u8]) -> &str {
    let colon = field.iter().position(|&b| b == b':').unwrap_or(field.len());
    std::str::from_utf8(&field[..colon]).unwrap_or("").trim()
}

fn canonical_header(field: &[u8], canon: Canon) -> Vec<u8> {
    match canon {
        Canon::Simple => field.to_vec(),
        Canon::Relaxed => {
            let colon = field.iter().position(|&b| b == b':').unwrap_or(field.len());
            let name = String::from_utf8_lossy(&field[..colon])
                .trim()
                .to_ascii_lowercase();
            let value: Vec<u8> = field[(colon + 1).min(field.len())..]
                .iter()
                .copied()
                .filter(|&b| b != b'\r' && b != b'\n')
                .collect();
            let mut out = name.into_bytes();
            out.push(b':');
            out.extend(collapse_whitespace(&value).trim_ascii());
            out.extend_from_slice(b"\r\n");
            out
        }
    }
}

fn collapse_whitespace(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut in_space = false;
    for &b in bytes {
        if b == b' ' || b == b'\t' {
            in_space = true;
        } else {
            if in_space {
                out.push(b' ');
                in_space = false;
            }
            out.push(b);
        }
    }
    if in_space {
        out.push(b' ');
    }
    out
}

fn canonical_body(body: &[u8], canon: Canon) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = body
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
        .collect();
    // `split` yields a last empty piece after a final CRLF.
    if body.ends_with(b"\n") {
        lines.pop();
    }
    if canon == Canon::Relaxed {
        for line in &mut lines {
            let collapsed = collapse_whitespace(line);
            *line = collapsed.trim_ascii_end().to_vec();
        }
    }
    while lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    if lines.is_empty() {
        return match canon {
            Canon::Simple => b"\r\n".to_vec(),
            Canon::Relaxed => Vec::new(),
        };
    }
    let mut out = Vec::with_capacity(body.len() + 2);
    for line in lines {
        out.extend(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6376 §3.4.5's canonicalization examples.
    #[test]
    fn rfc6376_canonicalization_examples() {
        let head = b"A: X\r\nB : Y\t\r\n\tZ  \r\n";
        let fields = header_fields(head);
        let relaxed: Vec<u8> = fields
            .iter()
            .flat_map(|f| canonical_header(f, Canon::Relaxed))
            .collect();
        assert_eq!(relaxed, b"a:X\r\nb:Y Z\r\n");
        let simple: Vec<u8> = fields
            .iter()
            .flat_map(|f| canonical_header(f, Canon::Simple))
            .collect();
        assert_eq!(simple, head);
        let body = b" C \r\nD \t E\r\n\r\n\r\n";
        assert_eq!(canonical_body(body, Canon::Relaxed), b" C\r\nD E\r\n");
        assert_eq!(canonical_body(body, Canon::Simple), b" C \r\nD \t E\r\n");
        assert_eq!(canonical_body(b"", Canon::Simple), b"\r\n");
        assert_eq!(canonical_body(b"", Canon::Relaxed), b"");
    }
}

//! The DKIM-Signature header and the key record (RFC 6376 §3.5, §3.6.1),
//! parsed from their tag lists.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::canon::Canon;

/// Why a signature header or a key record cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("malformed tag list: {0}")]
    Syntax(String),
    #[error("missing required tag {0}=")]
    Missing(&'static str),
    #[error("tag {0}= appears twice")]
    Duplicate(String),
    #[error("bad base64 in {0}=")]
    Base64(&'static str),
    #[error("unknown algorithm a={0}")]
    UnknownAlgorithm(String),
    #[error("unknown canonicalization c={0}")]
    UnknownCanonicalization(String),
    #[error("unsupported version v={0}")]
    Version(String),
    #[error("h= does not include From")]
    FromNotSigned,
    #[error("i= domain {identity} is not d={domain} or a subdomain of it")]
    IdentityOutsideDomain { identity: String, domain: String },
    #[error("not a number: {0}=")]
    Number(&'static str),
    #[error("unknown key type k={0}")]
    UnknownKeyType(String),
}

/// A tag list as (name, value) pairs, values with folding whitespace kept.
fn tag_list(text: &str) -> Result<Vec<(String, String)>, TagError> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for part in text.split(';') {
        if part.trim().is_empty() {
            continue;
        }
        let (name, value) = part
            .split_once('=')
            .ok_or_else(|| TagError::Syntax(format!("{:?} has no '='", part.trim())))?;
        let name = name.trim().to_owned();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(TagError::Syntax(format!("bad tag name {name:?}")));
        }
        if tags.iter().any(|(n, _)| *n == name) {
            return Err(TagError::Duplicate(name));
        }
        tags.push((name, value.trim().to_owned()));
    }
    Ok(tags)
}

fn get<'a>(tags: &'a [(String, String)], name: &str) -> Option<&'a str> {
    tags.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn base64_of(value: &str, tag: &'static str) -> Result<Vec<u8>, TagError> {
    let bytes = value.as_bytes();
    let result = if bytes.iter().any(u8::is_ascii_whitespace) {
        let compact: Vec<u8> = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        BASE64.decode(compact)
    } else {
        BASE64.decode(bytes)
    };
    result.map_err(|_| TagError::Base64(tag))
}

fn number(value: Option<&str>, tag: &'static str) -> Result<Option<u64>, TagError> {
    value
        .map(|v| v.trim().parse::<u64>().map_err(|_| TagError::Number(tag)))
        .transpose()
}

/// A signing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    RsaSha256,
    /// Historic (RFC 8301 forbids signing with it); verified and reported
    /// as weak.
    RsaSha1,
    Ed25519Sha256,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::RsaSha1 => "rsa-sha1",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }
}

/// A parsed DKIM-Signature.
#[derive(Debug, Clone)]
pub struct Signature {
    pub algorithm: Algorithm,
    pub signature: Vec<u8>,
    pub body_hash: Vec<u8>,
    pub header_canon: Canon,
    pub body_canon: Canon,
    pub domain: String,
    pub selector: String,
    /// Signed header names, lower-case, in order (repeats over-sign).
    pub headers: Vec<String>,
    pub identity: Option<String>,
    pub length: Option<u64>,
    pub timestamp: Option<u64>,
    pub expires: Option<u64>,
}

impl Signature {
    /// Parses the value of a DKIM-Signature header (after the colon).
    pub fn parse(value: &str) -> Result<Signature, TagError> {
        let tags = tag_list(value)?;
        let required = |name: &'static str| get(&tags, name).ok_or(TagError::Missing(name));
        let version = required("v")?;
        if version != "1" {
            return Err(TagError::Version(version.to_owned()));
        }
        let algorithm = match required("a")? {
            "rsa-sha256" => Algorithm::RsaSha256,
            "rsa-sha1" => Algorithm::RsaSha1,
            "ed25519-sha256" => Algorithm::Ed25519Sha256,
            other => return Err(TagError::UnknownAlgorithm(other.to_owned())),
        };
        let (header_canon, body_canon) = match get(&tags, "c") {
            None => (Canon::Simple, Canon::Simple),
            Some(c) => {
                let (h, b) = c.split_once('/').unwrap_or((c, "simple"));
                let canon = |name: &str| {
                    Canon::parse(name.trim()).ok_or_else(|| TagError::UnknownCanonicalization(c.to_owned()))
                };
                (canon(h)?, canon(b)?)
            }
        };
        let domain = required("d")?.to_ascii_lowercase();
        let headers: Vec<String> = required("h")?
            .split(':')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        if !headers.iter().any(|h| h == "from") {
            return Err(TagError::FromNotSigned);
        }
        let identity = get(&tags, "i").map(str::to_owned);
        if let Some(identity) = &identity {
            let at = identity.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
            if at != domain && !at.ends_with(&format!(".{domain}")) {
                return Err(TagError::IdentityOutsideDomain {
                    identity: identity.clone(),
                    domain,
                });
            }
        }
        Ok(Signature {
            algorithm,
            signature: base64_of(required("b")?, "b")?,
            body_hash: base64_of(required("bh")?, "bh")?,
            header_canon,
            body_canon,
            selector: required("s")?.to_owned(),
            domain,
            headers,
            identity,
            length: number(get(&tags, "l"), "l")?,
            timestamp: number(get(&tags, "t"), "t")?,
            expires: number(get(&tags, "x"), "x")?,
        })
    }
}

/// The kind of a published key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ed25519,
}

/// A parsed key record (the TXT record at `selector._domainkey.domain`).
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub key_type: KeyType,
    /// The public key; empty when the key is revoked.
    pub public: Vec<u8>,
    /// Hash algorithms the key may be used with (`h=`), if restricted.
    pub hashes: Option<Vec<String>>,
    /// `t=y`: the domain is testing DKIM.
    pub testing: bool,
}

impl KeyRecord {
    pub fn parse(record: &str) -> Result<KeyRecord, TagError> {
        let tags = tag_list(record)?;
        if let Some(version) = get(&tags, "v")
            && version != "DKIM1"
        {
            return Err(TagError::Version(version.to_owned()));
        }
        let key_type = match get(&tags, "k").unwrap_or("rsa") {
            "rsa" => KeyType::Rsa,
            "ed25519" => KeyType::Ed25519,
            other => return Err(TagError::UnknownKeyType(other.to_owned())),
        };
        let public = base64_of(get(&tags, "p").ok_or(TagError::Missing("p"))?, "p")?;
        let hashes = get(&tags, "h").map(|h| h.split(':').map(|a| a.trim().to_owned()).collect());
        let testing = get(&tags, "t").is_some_and(|t| t.split(':').any(|f| f.trim() == "y"));
        Ok(KeyRecord {
            key_type,
            public,
            hashes,
            testing,
        })
    }
}

/// The header value with the b= tag's value removed, as the signer hashed
/// it (RFC 6376 §3.7): everything else, folding included, is kept.
pub fn without_signature_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, part) in value.split(';').enumerate() {
        if i > 0 {
            out.push(';');
        }
        match part.split_once('=') {
            Some((name, _)) if name.trim() == "b" => {
                out.push_str(name);
                out.push('=');
            }
            _ => out.push_str(part),
        }
    }
    out
}

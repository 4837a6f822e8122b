//! Typed identifiers. Untrusted text becomes one of these at the edge, so the
//! rest of the code never handles a raw hex string.

use std::fmt;
use std::str::FromStr;

use crate::StoreError;

macro_rules! hash_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 32]);

        impl $name {
            pub fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.to_hex())
            }
        }

        impl FromStr for $name {
            type Err = StoreError;

            fn from_str(text: &str) -> Result<Self, StoreError> {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(text, &mut bytes).map_err(|_| StoreError::BadId {
                    what: $what,
                    text: text.chars().take(80).collect(),
                })?;
                Ok(Self(bytes))
            }
        }
    };
}

hash_id!(
    /// A blob's name: the BLAKE3 of its *ciphertext*. Knowing a document
    /// does not let anyone compute it.
    BlobId,
    "blob id (64 hex digits)"
);

hash_id!(
    /// A document's content id: the BLAKE3 of its plaintext. It lives only
    /// inside encrypted blobs and in the desk's records of ingested
    /// documents, never next to a blob.
    ContentId,
    "content id (64 hex digits)"
);

/// A submission's id: 128 random bits, so it says nothing about the time or
/// the order of arrival.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubmissionId([u8; 16]);

impl SubmissionId {
    pub fn random() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 16];
        getrandom::getrandom(&mut bytes).map_err(|e| StoreError::Random(e.to_string()))?;
        Ok(SubmissionId(bytes))
    }
}

impl fmt::Display for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for SubmissionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubmissionId({self})")
    }
}

impl FromStr for SubmissionId {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, StoreError> {
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| StoreError::BadId {
            what: "submission id (32 hex digits)",
            text: text.chars().take(80).collect(),
        })?;
        Ok(SubmissionId(bytes))
    }
}

/// Serializes an id as its hex text, and reads it back through `FromStr`,
/// so a record with ids round-trips through JSON and the wire formats.
macro_rules! serde_as_text {
    ($($name:ident),*) => {$(
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::from_str(&text).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

serde_as_text!(BlobId, ContentId, SubmissionId);

/// An editor's decision on a submission, as triage proposes it, the
/// database records it and the log states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Accept,
    Reject,
    Defer,
}

/// A text that is not `accept`, `reject` or `defer`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not an outcome: accept, reject or defer")]
pub struct OutcomeError {
    pub text: String,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accept => "accept",
            Outcome::Reject => "reject",
            Outcome::Defer => "defer",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Outcome {
    type Err = OutcomeError;

    fn from_str(text: &str) -> Result<Self, OutcomeError> {
        match text {
            "accept" => Ok(Outcome::Accept),
            "reject" => Ok(Outcome::Reject),
            "defer" => Ok(Outcome::Defer),
            other => Err(OutcomeError {
                text: other.chars().take(40).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        let id = BlobId::from_bytes([0xab; 32]);
        assert_eq!(id.to_string().parse::<BlobId>().unwrap(), id);
        let err = "xyz".parse::<BlobId>().unwrap_err().to_string();
        assert!(err.contains("blob id") && err.contains("xyz"), "{err}");
        let sub = SubmissionId::random().unwrap();
        assert_eq!(sub.to_string().parse::<SubmissionId>().unwrap(), sub);
        assert!("00".parse::<SubmissionId>().is_err());
        let json = serde_json::to_string(&sub).unwrap();
        assert_eq!(serde_json::from_str::<SubmissionId>(&json).unwrap(), sub);
        assert!(serde_json::from_str::<SubmissionId>("\"00\"").is_err());
        for outcome in [Outcome::Accept, Outcome::Reject, Outcome::Defer] {
            assert_eq!(outcome.as_str().parse::<Outcome>().unwrap(), outcome);
            assert_eq!(serde_json::to_string(&outcome).unwrap(), format!("\"{outcome}\""));
        }
        assert_eq!("maybe".parse::<Outcome>().unwrap_err().text, "maybe");
    }
}

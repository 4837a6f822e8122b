//! DKIM verification (RFC 6376, RFC 8463) for evidence, not for delivery.
//!
//! A newsroom verifies mail years after it was sent: the signing keys have
//! rotated out of DNS, and the question is whether the message is what the
//! domain signed then. So keys come from an archive ([`KeySource`]), not
//! from a live lookup, and nothing here reads the clock: expiry (`x=`) is a
//! fact reported with the result for the caller to weigh against the
//! message's date, never a reason to call a valid signature broken.
//!
//! Every signature of a message gets an [`Outcome`] and the facts it rests
//! on: domain, selector, algorithm, canonicalization, signed headers, body
//! hash, `l=` coverage, and the key's type, size and fingerprint.
//! Malformed tags, bad base64, unknown algorithms, missing or revoked keys
//! are outcomes too; this crate never fails on input and never panics.
//!
//! Why not the `mail-auth` crate: it verifies against the current time and
//! looks keys up through its own resolver, and neither can be set to "as
//! of this message, with this archived key". Verification is built on the
//! RustCrypto `rsa` and `ed25519-dalek` crates instead.
//!
//! What this crate must never do: touch the network, read the clock, or
//! decide a verdict (that is the caller's policy).

mod canon;
mod tags;
mod verify;

pub use canon::{Canon, canonical_body, canonical_header, field_name, header_fields, split_message, to_wire_form};
pub use tags::{Algorithm, KeyRecord, KeyType, Signature, TagError, without_signature_value};
pub use verify::{KeyFacts, KeySource, Outcome, Verification, verify};

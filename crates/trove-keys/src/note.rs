//! Ed25519 keys in the C2SP signed-note key encoding
//! (<https://c2sp.org/signed-note>): the key id is the first four bytes of
//! SHA-256(name ‖ 0x0A ‖ alg ‖ public key), where alg is 0x01 for plain
//! Ed25519 note signatures and 0x04 for tlog-cosignature/v1 (witnesses).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The signature type of a note key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    /// A plain Ed25519 note signature (0x01).
    Ed25519,
    /// A timestamped tlog-cosignature/v1 over Ed25519 (0x04).
    Cosignature,
}

impl KeyAlg {
    pub fn byte(self) -> u8 {
        match self {
            KeyAlg::Ed25519 => 0x01,
            KeyAlg::Cosignature => 0x04,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0x01 => Some(KeyAlg::Ed25519),
            0x04 => Some(KeyAlg::Cosignature),
            _ => None,
        }
    }
}

fn key_id(name: &str, alg: KeyAlg, public: &[u8; 32]) -> [u8; 4] {
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    hash.update([b'\n', alg.byte()]);
    hash.update(public);
    let digest = hash.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Why a note key's text form cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteKeyError {
    #[error("expected <name>+<id>+<key>")]
    Shape,
    #[error("expected a PRIVATE+KEY+ line")]
    NotPrivate,
    #[error("invalid key name {0:?}")]
    Name(String),
    #[error("the key is not base64")]
    Base64,
    #[error("not an Ed25519 note key (type 0x01 or 0x04)")]
    Type,
    #[error("invalid Ed25519 point")]
    Point,
    #[error("the key id does not match the name and key")]
    KeyId,
}

/// Splits `<name>+<hex id>+<base64>` (the name may not hold `+`).
fn split_key(text: &str) -> Result<(&str, &str, KeyAlg, Vec<u8>), NoteKeyError> {
    let mut parts = text.splitn(3, '+');
    let (Some(name), Some(id_hex), Some(encoded)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteKeyError::Shape);
    };
    if !valid_name(name) {
        return Err(NoteKeyError::Name(name.chars().take(80).collect()));
    }
    let bytes = BASE64.decode(encoded).map_err(|_| NoteKeyError::Base64)?;
    let alg = match (bytes.len(), bytes.first().copied().and_then(KeyAlg::from_byte)) {
        (33, Some(alg)) => alg,
        _ => return Err(NoteKeyError::Type),
    };
    Ok((name, id_hex, alg, bytes))
}

/// A private Ed25519 key with its note name. Its `Debug` shows no secret.
pub struct NoteSigningKey {
    name: String,
    alg: KeyAlg,
    key: SigningKey,
}

impl fmt::Debug for NoteSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigningKey")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl NoteSigningKey {
    /// Builds a plain Ed25519 note key from a 32-byte seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Self {
        Self::with_alg(name, KeyAlg::Ed25519, seed)
    }

    /// Builds a key of either type from a 32-byte seed.
    pub fn with_alg(name: &str, alg: KeyAlg, seed: &[u8; 32]) -> Self {
        NoteSigningKey {
            name: name.to_owned(),
            alg,
            key: SigningKey::from_bytes(seed),
        }
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(text: &str) -> Result<Self, NoteKeyError> {
        let rest = text.strip_prefix("PRIVATE+KEY+").ok_or(NoteKeyError::NotPrivate)?;
        let (name, id_hex, alg, bytes) = split_key(rest)?;
        let bytes = Zeroizing::new(bytes);
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes[1..]);
        let key = NoteSigningKey::with_alg(name, alg, &seed);
        if hex_id(&key.verifier().id) != id_hex {
            return Err(NoteKeyError::KeyId);
        }
        Ok(key)
    }

    /// The private encoding: write it only into a 0600 key file.
    pub fn to_note_string(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(33));
        bytes.push(self.alg.byte());
        bytes.extend_from_slice(self.key.as_bytes());
        let verifier = self.verifier();
        Zeroizing::new(format!(
            "PRIVATE+KEY+{}+{}+{}\n",
            self.name,
            hex_id(&verifier.id),
            BASE64.encode(&*bytes)
        ))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn alg(&self) -> KeyAlg {
        self.alg
    }

    /// The public half.
    pub fn verifier(&self) -> NoteVerifierKey {
        let public = self.key.verifying_key();
        NoteVerifierKey {
            id: key_id(&self.name, self.alg, public.as_bytes()),
            name: self.name.clone(),
            alg: self.alg,
            key: public,
        }
    }

    /// Signs a message (Ed25519 is deterministic: same key, same message,
    /// same signature).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// A verifier key: `<name>+<hex id>+<base64(0x01 ‖ public key)>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifierKey {
    name: String,
    alg: KeyAlg,
    id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifierKey {
    /// Parses the vkey text form.
    pub fn parse(text: &str) -> Result<Self, NoteKeyError> {
        let (name, id_hex, alg, bytes) = split_key(text)?;
        let public: [u8; 32] = bytes[1..].try_into().map_err(|_| NoteKeyError::Type)?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteKeyError::Point)?;
        let id = key_id(name, alg, &public);
        if hex_id(&id) != id_hex {
            return Err(NoteKeyError::KeyId);
        }
        Ok(NoteVerifierKey {
            name: name.to_owned(),
            alg,
            id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn alg(&self) -> KeyAlg {
        self.alg
    }

    /// The 4-byte key id used in signature lines.
    pub fn id(&self) -> [u8; 4] {
        self.id
    }

    pub fn public_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Verifies an Ed25519 signature over `message`, rejecting malleable
    /// encodings.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.key
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

impl fmt::Display for NoteVerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = vec![self.alg.byte()];
        bytes.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{}+{}", self.name, hex_id(&self.id), BASE64.encode(bytes))
    }
}

fn hex_id(id: &[u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example key from Go's golang.org/x/mod/sumdb/note documentation:
    /// our parser and id computation must agree with it.
    #[test]
    fn parses_go_note_example_keys() {
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let signer = NoteSigningKey::parse(skey).unwrap();
        assert_eq!(signer.verifier().to_string(), vkey);
        assert_eq!(NoteVerifierKey::parse(vkey).unwrap(), signer.verifier());
        assert_eq!(signer.to_note_string().trim(), skey);
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let key = NoteSigningKey::from_seed("test", &[7; 32]);
        let signature = key.sign(b"hello\n");
        assert!(key.verifier().verify(b"hello\n", &signature));
        assert!(!key.verifier().verify(b"hellp\n", &signature));
    }

    #[test]
    fn cosignature_keys_get_their_own_id() {
        let plain = NoteSigningKey::from_seed("witness.example/w1", &[9; 32]);
        let cosigner = NoteSigningKey::with_alg("witness.example/w1", KeyAlg::Cosignature, &[9; 32]);
        assert_ne!(plain.verifier().id(), cosigner.verifier().id());
        let text = cosigner.verifier().to_string();
        assert_eq!(NoteVerifierKey::parse(&text).unwrap().alg(), KeyAlg::Cosignature);
        let round = NoteSigningKey::parse(cosigner.to_note_string().trim()).unwrap();
        assert_eq!(round.verifier(), cosigner.verifier());
    }

    #[test]
    fn wrong_key_id_is_rejected() {
        let vkey = "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        assert_eq!(NoteVerifierKey::parse(vkey).unwrap_err(), NoteKeyError::KeyId);
    }
}

//! What a codename opens: the source id and the reply key, by Argon2id.

use argon2::{Algorithm, Argon2, Params, Version};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Codename;

/// The server's pepper: 32 random bytes kept with the intake's
/// configuration, never in the database, so a stolen database alone does
/// not allow testing codenames.
#[derive(Clone)]
pub struct Pepper(Zeroizing<[u8; 32]>);

impl Pepper {
    pub fn generate() -> Result<Pepper, DeriveError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(bytes.as_mut()).map_err(|e| DeriveError::Random(e.to_string()))?;
        Ok(Pepper(bytes))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Pepper {
        Pepper(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    #[error("Argon2 parameters rejected: {0}")]
    Params(String),
    #[error("no randomness available: {0}")]
    Random(String),
}

/// Argon2id with a cost: memory in KiB, passes, lanes.
#[derive(Debug, Clone, Copy)]
pub struct KeyDerivation {
    pub memory_kib: u32,
    pub passes: u32,
    pub lanes: u32,
}

impl Default for KeyDerivation {
    /// 64 MiB, 3 passes, 1 lane: about a quarter second on the intake's
    /// two cores, which a source pays once a log-in and an attacker once
    /// a guess.
    fn default() -> Self {
        KeyDerivation {
            memory_kib: 64 * 1024,
            passes: 3,
            lanes: 1,
        }
    }
}

/// What a codename derives to.
pub struct Derived {
    /// The source id: what is stored and looked up (hex of 32 bytes).
    pub source_id: String,
    /// The source's reply identity (age X25519). Never stored.
    pub reply_identity: age::x25519::Identity,
}

impl Derived {
    /// Whether `stored` is this source's id, in constant time.
    pub fn is_source(&self, stored: &str) -> bool {
        self.source_id.as_bytes().ct_eq(stored.as_bytes()).into()
    }

    /// The public half replies are sealed to (storable).
    pub fn reply_recipient(&self) -> age::x25519::Recipient {
        self.reply_identity.to_public()
    }
}

impl KeyDerivation {
    fn argon(&self) -> Result<Argon2<'static>, DeriveError> {
        let params = Params::new(self.memory_kib, self.passes, self.lanes, Some(32))
            .map_err(|e| DeriveError::Params(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// One 32-byte value for a purpose: the salt binds the pepper and the
    /// purpose, so the source id and the reply key are independent.
    fn derive(&self, codename: &Codename, pepper: &Pepper, purpose: &[u8]) -> Result<Zeroizing<[u8; 32]>, DeriveError> {
        let mut salt = pepper.as_bytes().to_vec();
        salt.extend_from_slice(purpose);
        let mut out = Zeroizing::new([0u8; 32]);
        self.argon()?
            .hash_password_into(codename.expose().as_bytes(), &salt, out.as_mut())
            .map_err(|e| DeriveError::Params(e.to_string()))?;
        Ok(out)
    }

    /// The source id and reply identity of a codename.
    pub fn open(&self, codename: &Codename, pepper: &Pepper) -> Result<Derived, DeriveError> {
        let id = self.derive(codename, pepper, b"trove/source-id/v1")?;
        let key = self.derive(codename, pepper, b"trove/reply-key/v1")?;
        Ok(Derived {
            source_id: hex::encode(&id[..]),
            reply_identity: identity_from_bytes(&key)?,
        })
    }
}

/// An age X25519 identity from 32 secret bytes: age parses identities only
/// from their Bech32 text (`AGE-SECRET-KEY-1…`), so the bytes are encoded
/// first.
fn identity_from_bytes(bytes: &[u8; 32]) -> Result<age::x25519::Identity, DeriveError> {
    let hrp = bech32::Hrp::parse("age-secret-key-").map_err(|e| DeriveError::Params(e.to_string()))?;
    let text = Zeroizing::new(
        bech32::encode::<bech32::Bech32>(hrp, bytes)
            .map_err(|e| DeriveError::Params(e.to_string()))?
            .to_uppercase(),
    );
    text.parse().map_err(|e: &str| DeriveError::Params(e.to_owned()))
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    /// Small costs keep the tests fast; the derivation is the same.
    const FAST: KeyDerivation = KeyDerivation {
        memory_kib: 256,
        passes: 1,
        lanes: 1,
    };

    #[test]
    fn a_codename_always_opens_the_same_source() {
        let pepper = Pepper::from_bytes([7; 32]);
        let codename = Codename::generate().unwrap();
        let first = FAST.open(&codename, &pepper).unwrap();
        let again = FAST
            .open(&Codename::parse(codename.expose()).unwrap(), &pepper)
            .unwrap();
        assert_eq!(first.source_id, again.source_id);
        assert!(again.is_source(&first.source_id));
        assert_eq!(first.reply_recipient().to_string(), again.reply_recipient().to_string());
        // The id and the key are independent values.
        let key_text = age::secrecy::ExposeSecret::expose_secret(&first.reply_identity.to_string()).to_owned();
        assert!(!key_text.to_lowercase().contains(&first.source_id));

        let other = FAST.open(&Codename::generate().unwrap(), &pepper).unwrap();
        assert!(!other.is_source(&first.source_id));
        let other_pepper = FAST.open(&codename, &Pepper::from_bytes([8; 32])).unwrap();
        assert!(!other_pepper.is_source(&first.source_id));
    }

    #[test]
    fn replies_open_only_with_the_codename() {
        let pepper = Pepper::generate().unwrap();
        let codename = Codename::generate().unwrap();
        let source = FAST.open(&codename, &pepper).unwrap();
        // The newsroom seals a reply to the stored recipient.
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&source.reply_recipient() as &dyn age::Recipient)).unwrap();
        let mut sealed = Vec::new();
        let mut writer = encryptor.wrap_output(&mut sealed).unwrap();
        writer.write_all(b"We received your files. Thank you.").unwrap();
        writer.finish().unwrap();

        let read = |derived: &Derived| -> Option<String> {
            let decryptor = age::Decryptor::new(sealed.as_slice()).ok()?;
            let mut reader = decryptor
                .decrypt(std::iter::once(&derived.reply_identity as &dyn age::Identity))
                .ok()?;
            let mut text = String::new();
            reader.read_to_string(&mut text).ok()?;
            Some(text)
        };
        let again = FAST
            .open(&Codename::parse(codename.expose()).unwrap(), &pepper)
            .unwrap();
        assert_eq!(read(&again).as_deref(), Some("We received your files. Thank you."));
        let stranger = FAST.open(&Codename::generate().unwrap(), &pepper).unwrap();
        assert_eq!(read(&stranger), None);
    }
}

//! The key an upload's URL carries, and the cipher of the two things the
//! intake must remember about an upload's plaintext: the file name and
//! each part's BLAKE3. The key is never stored: the server keeps a keyed
//! check value to recognise it, and both fields are XORed with a BLAKE3
//! keystream under it (a different label for each use), so the database
//! holds nothing about the file without the URL.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Sealed names are padded to this many bytes (and cut to one less).
const NAME_LEN: usize = 256;

/// The key in an upload's URL.
pub(crate) struct UploadKey(Zeroizing<[u8; 32]>);

impl UploadKey {
    pub(crate) fn random() -> UploadKey {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(key.as_mut()).expect("the operating system's random source failed");
        UploadKey(key)
    }

    fn keystream(&self, label: &str, out: &mut [u8]) {
        let mut hasher = blake3::Hasher::new_keyed(&self.0);
        hasher.update(label.as_bytes());
        hasher.finalize_xof().fill(out);
    }

    pub(crate) fn check(&self) -> String {
        let mut out = [0u8; 32];
        self.keystream("trove/tus/check/v1", &mut out);
        hex::encode(out)
    }

    pub(crate) fn matches(&self, stored_check: &str) -> bool {
        self.check().as_bytes().ct_eq(stored_check.as_bytes()).into()
    }

    /// XORs `data` with the keystream for `label` (encrypts and decrypts).
    fn xor(&self, label: &str, data: &mut [u8]) {
        let mut pad = vec![0u8; data.len()];
        self.keystream(label, &mut pad);
        data.iter_mut().zip(&pad).for_each(|(d, p)| *d ^= p);
    }

    pub(crate) fn seal_name(&self, name: &str) -> String {
        // Padded to a fixed length, so the stored value says nothing of it.
        let mut buf = [0u8; NAME_LEN];
        let bytes = &name.as_bytes()[..name.len().min(NAME_LEN - 1)];
        buf[0] = bytes.len() as u8;
        buf[1..=bytes.len()].copy_from_slice(bytes);
        self.xor("trove/tus/name/v1", &mut buf);
        hex::encode(buf)
    }

    pub(crate) fn open_name(&self, sealed: &str) -> Option<String> {
        let mut buf = hex::decode(sealed).ok()?;
        if buf.len() != NAME_LEN {
            return None;
        }
        self.xor("trove/tus/name/v1", &mut buf);
        let len = buf[0] as usize;
        String::from_utf8(buf[1..=len].to_vec()).ok()
    }

    pub(crate) fn seal_hash(&self, ordinal: u32, hash: &[u8; 32]) -> String {
        let mut buf = *hash;
        self.xor(&format!("trove/tus/part/v1/{ordinal}"), &mut buf);
        hex::encode(buf)
    }

    pub(crate) fn open_hash(&self, ordinal: u32, sealed: &str) -> Option<[u8; 32]> {
        let mut buf = [0u8; 32];
        hex::decode_to_slice(sealed, &mut buf).ok()?;
        self.xor(&format!("trove/tus/part/v1/{ordinal}"), &mut buf);
        Some(buf)
    }

    /// The key as the URL carries it.
    pub(crate) fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    pub(crate) fn salt(&self) -> [u8; 32] {
        blake3::derive_key("trove tus receipt salt v1", &self.0[..])
    }
}

/// Splits `<id>-<key>`.
pub(crate) fn parse_token(token: &str) -> Option<(String, UploadKey)> {
    let (id, key) = token.split_once('-')?;
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(key, bytes.as_mut()).ok()?;
    Some((id.to_owned(), UploadKey(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hashes_open_only_under_their_key() {
        let key = UploadKey::random();
        let other = UploadKey::random();
        let sealed = key.seal_name("leak.zip");
        assert_eq!(sealed.len(), 2 * NAME_LEN, "padded to a fixed length");
        assert!(!sealed.contains(&hex::encode("leak.zip")));
        assert_eq!(key.open_name(&sealed).as_deref(), Some("leak.zip"));
        assert_ne!(other.open_name(&sealed).as_deref(), Some("leak.zip"));
        assert_eq!(key.open_name("00"), None, "a stored value of the wrong length");

        let hash = [7u8; 32];
        let sealed = key.seal_hash(3, &hash);
        assert_eq!(key.open_hash(3, &sealed), Some(hash));
        assert_ne!(key.open_hash(4, &sealed), Some(hash), "each part has its own pad");
        assert_ne!(other.open_hash(3, &sealed), Some(hash));
    }

    #[test]
    fn long_names_are_cut_and_checks_match_only_their_key() {
        let key = UploadKey::random();
        let long = "n".repeat(400);
        assert_eq!(
            key.open_name(&key.seal_name(&long)).map(|n| n.len()),
            Some(NAME_LEN - 1)
        );
        assert!(key.matches(&key.check()));
        assert!(!UploadKey::random().matches(&key.check()));
        assert_eq!(key.salt(), key.salt());
        assert_ne!(key.salt(), UploadKey::random().salt());
    }

    #[test]
    fn tokens_are_an_id_and_a_key() {
        let id = "0123456789abcdef0123456789abcdef";
        let key = "ab".repeat(32);
        let (parsed, upload_key) = parse_token(&format!("{id}-{key}")).unwrap();
        assert_eq!(parsed, id);
        assert_eq!(upload_key.0[..], [0xab; 32]);
        for bad in [
            "",
            "nodash",
            &format!("{id}-zz"),
            &format!("short-{key}"),
            &format!("{id}-{}", "ab".repeat(31)),
        ] {
            assert!(parse_token(bad).is_none(), "{bad:?}");
        }
    }
}

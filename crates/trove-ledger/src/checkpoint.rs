//! Checkpoints (C2SP tlog-checkpoint) as signed notes (C2SP signed-note),
//! and witness cosignatures (C2SP tlog-cosignature, Ed25519 v1).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use trove_keys::{KeyAlg, NoteSigningKey, NoteVerifierKey};

use crate::merkle::Hash;
use crate::{FormatError, LedgerError};

/// The body of a checkpoint: origin, tree size, root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note body: three lines, each ending in a newline.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root))
    }

    fn parse_body(body: &str) -> Result<Self, FormatError> {
        let lines: Vec<&str> = body
            .strip_suffix('\n')
            .ok_or(FormatError::NoFinalNewline { what: "the body" })?
            .split('\n')
            .collect();
        let [origin, size, root, ..] = lines.as_slice() else {
            return Err(FormatError::Incomplete {
                what: "a checkpoint",
                needs: "an origin, a size and a root hash line",
            });
        };
        if origin.is_empty() {
            return Err(FormatError::field("origin", origin, "a non-empty line"));
        }
        let size: u64 = size
            .parse()
            .ok()
            .filter(|_| size == &"0" || !size.starts_with('0'))
            .ok_or_else(|| FormatError::field("tree size", size, "a decimal number"))?;
        let root: Hash = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| FormatError::field("root hash", root, "32 bytes of base64"))?;
        Ok(Checkpoint {
            origin: (*origin).to_owned(),
            size,
            root,
        })
    }
}

/// A signed note: its text and its signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

impl SignedNote {
    /// Signs `text` (which must end in a newline) with an Ed25519 note key.
    pub fn sign(text: String, key: &NoteSigningKey) -> Self {
        let signature = key.sign(text.as_bytes()).to_vec();
        let verifier = key.verifier();
        SignedNote {
            text,
            signatures: vec![NoteSignature {
                name: verifier.name().to_owned(),
                key_id: verifier.id(),
                signature,
            }],
        }
    }

    /// The serialized note: text, a blank line, `— name base64(id ‖ sig)` lines.
    pub fn encode(&self) -> String {
        let mut out = format!("{}\n", self.text);
        for sig in &self.signatures {
            let mut bytes = sig.key_id.to_vec();
            bytes.extend_from_slice(&sig.signature);
            out.push_str(&format!("— {} {}\n", sig.name, BASE64.encode(bytes)));
        }
        out
    }

    pub fn parse(note: &str) -> Result<Self, FormatError> {
        let incomplete = FormatError::Incomplete {
            what: "a note",
            needs: "text, a blank line and at least one signature line",
        };
        let split = note.rfind("\n\n").ok_or(incomplete.clone())?;
        let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
        if text.contains("\n\n") || signatures.is_empty() {
            return Err(incomplete);
        }
        let mut parsed = Vec::new();
        for line in signatures
            .strip_suffix('\n')
            .ok_or(FormatError::NoFinalNewline { what: "the signatures" })?
            .split('\n')
        {
            let short = || FormatError::SignatureLine(line.chars().take(80).collect());
            let rest = line.strip_prefix("— ").ok_or_else(short)?;
            let (name, encoded) = rest.split_once(' ').ok_or_else(short)?;
            let bytes = BASE64
                .decode(encoded)
                .ok()
                .filter(|bytes| bytes.len() >= 5)
                .ok_or_else(|| FormatError::Signature(name.chars().take(80).collect()))?;
            parsed.push(NoteSignature {
                name: name.to_owned(),
                key_id: bytes[..4].try_into().expect("4 bytes"),
                signature: bytes[4..].to_vec(),
            });
        }
        Ok(SignedNote {
            text: text.to_owned(),
            signatures: parsed,
        })
    }

    fn signature_by(&self, key: &NoteVerifierKey) -> Option<&NoteSignature> {
        self.signatures
            .iter()
            .find(|s| s.name == key.name() && s.key_id == key.id())
    }

    /// Whether `key` signed the note (an Ed25519 note key, type 0x01).
    pub fn verify(&self, key: &NoteVerifierKey) -> bool {
        key.alg() == KeyAlg::Ed25519
            && self.signature_by(key).is_some_and(|sig| {
                sig.signature
                    .as_slice()
                    .try_into()
                    .is_ok_and(|s: &[u8; 64]| key.verify(self.text.as_bytes(), s))
            })
    }

    /// Adds a tlog-cosignature/v1 by a witness key (type 0x04) at `time`.
    pub fn cosign(&mut self, key: &NoteSigningKey, time: u64) {
        let message = cosigned_message(time, &self.text);
        let mut signature = time.to_be_bytes().to_vec();
        signature.extend_from_slice(&key.sign(message.as_bytes()));
        let verifier = key.verifier();
        self.signatures
            .retain(|s| !(s.name == verifier.name() && s.key_id == verifier.id()));
        self.signatures.push(NoteSignature {
            name: verifier.name().to_owned(),
            key_id: verifier.id(),
            signature,
        });
    }

    /// The time of a valid cosignature by `key`, if there is one.
    pub fn cosigned_by(&self, key: &NoteVerifierKey) -> Option<u64> {
        if key.alg() != KeyAlg::Cosignature {
            return None;
        }
        let sig = self.signature_by(key)?;
        let (time, ed25519) = sig.signature.split_at_checked(8)?;
        let time = u64::from_be_bytes(time.try_into().ok()?);
        let ed25519: &[u8; 64] = ed25519.try_into().ok()?;
        key.verify(cosigned_message(time, &self.text).as_bytes(), ed25519)
            .then_some(time)
    }
}

fn cosigned_message(time: u64, body: &str) -> String {
    format!("cosignature/v1\ntime {time}\n{body}")
}

/// A checkpoint with its signed note.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: SignedNote,
}

impl SignedCheckpoint {
    pub fn sign(checkpoint: Checkpoint, key: &NoteSigningKey) -> Self {
        let note = SignedNote::sign(checkpoint.body(), key);
        SignedCheckpoint { checkpoint, note }
    }

    /// Parses a checkpoint note and checks the log's signature on it.
    pub fn open(note: &str, log_key: &NoteVerifierKey) -> Result<Self, LedgerError> {
        let note = SignedNote::parse(note).map_err(LedgerError::Checkpoint)?;
        if !note.verify(log_key) {
            return Err(LedgerError::Signature(format!(
                "the checkpoint is not signed by the log key {}",
                log_key.name()
            )));
        }
        let checkpoint = Checkpoint::parse_body(&note.text).map_err(LedgerError::Checkpoint)?;
        if checkpoint.origin != log_key.name() {
            return Err(LedgerError::Checkpoint(FormatError::Origin {
                origin: checkpoint.origin,
                key: log_key.name().to_owned(),
            }));
        }
        Ok(SignedCheckpoint { checkpoint, note })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_open_cosign() {
        let log = NoteSigningKey::from_seed("example.com/log", &[1; 32]);
        let witness = NoteSigningKey::with_alg("witness.example/w1", KeyAlg::Cosignature, &[2; 32]);
        let checkpoint = Checkpoint {
            origin: "example.com/log".into(),
            size: 20852163,
            root: [7; 32],
        };
        let mut signed = SignedCheckpoint::sign(checkpoint.clone(), &log);
        signed.note.cosign(&witness, 1679315147);
        let text = signed.note.encode();
        assert!(text.starts_with(
            "example.com/log\n20852163\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n\n— example.com/log "
        ));
        let opened = SignedCheckpoint::open(&text, &log.verifier()).unwrap();
        assert_eq!(opened.checkpoint, checkpoint);
        assert_eq!(opened.note.cosigned_by(&witness.verifier()), Some(1679315147));
        let stranger = NoteSigningKey::with_alg("witness.example/w1", KeyAlg::Cosignature, &[3; 32]);
        assert_eq!(opened.note.cosigned_by(&stranger.verifier()), None);
        let forged = text.replace("20852163", "20852164");
        assert!(matches!(
            SignedCheckpoint::open(&forged, &log.verifier()),
            Err(LedgerError::Signature(_))
        ));
    }
}

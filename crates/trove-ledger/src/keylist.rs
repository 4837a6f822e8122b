//! The statement keys a log accepts, published beside its tiles as `keys`:
//! a note signed by the log key listing verifier keys, one per line. An
//! outsider who trusts only the log's vkey learns from it which intake and
//! editor keys may sign entries.

use trove_keys::{NoteSigningKey, NoteVerifierKey};

use crate::LedgerError;
use crate::checkpoint::SignedNote;
use crate::log::Fetch;

const HEADER: &str = "trove/statement-keys/v1";

/// The path of the key list under the log root.
pub const KEY_LIST: &str = "keys";

/// The signed key list.
pub fn encode_key_list(log_key: &NoteSigningKey, keys: &[NoteVerifierKey]) -> String {
    let mut text = format!("{HEADER}\n");
    for key in keys {
        text.push_str(&format!("{key}\n"));
    }
    SignedNote::sign(text, log_key).encode()
}

/// Reads and checks the key list of a log.
pub fn read_key_list<F: Fetch>(fetch: &F, log_key: &NoteVerifierKey) -> Result<Vec<NoteVerifierKey>, LedgerError> {
    let bytes = fetch.fetch(KEY_LIST)?;
    let text = String::from_utf8(bytes).map_err(|_| LedgerError::Signature("the key list is not UTF-8".into()))?;
    let note = SignedNote::parse(&text).map_err(LedgerError::KeyList)?;
    if !note.verify(log_key) {
        return Err(LedgerError::Signature(
            "the key list is not signed by the log key".into(),
        ));
    }
    let mut lines = note.text.lines();
    if lines.next() != Some(HEADER) {
        return Err(LedgerError::Signature(format!("the key list is not a {HEADER} note")));
    }
    lines
        .map(|line| {
            NoteVerifierKey::parse(line)
                .map_err(|e| LedgerError::Signature(format!("the key list holds {line:?}: {e}")))
        })
        .collect()
}

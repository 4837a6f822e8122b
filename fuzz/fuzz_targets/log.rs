#![no_main]
//! The transparency log's text formats, parsed strictly: statements,
//! signed entries, signed notes (checkpoints and cosignatures) and entry
//! bundles. No input may panic.

use libfuzzer_sys::fuzz_target;
use trove_keys::NoteSigningKey;
use trove_ledger::checkpoint::{SignedCheckpoint, SignedNote};
use trove_ledger::statement::{Statement, open_entry};
use trove_ledger::tiles::decode_bundle;

fuzz_target!(|bytes: &[u8]| {
    let key = NoteSigningKey::from_seed("example.org/log", &[7; 32]);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = Statement::parse(text);
        let _ = SignedNote::parse(text);
        let _ = SignedCheckpoint::open(text, &key.verifier());
    }
    let _ = open_entry(bytes, &[key.verifier()]);
    let count = bytes.first().map_or(0, |&b| u64::from(b));
    let _ = decode_bundle(bytes.get(1..).unwrap_or_default(), count);
});

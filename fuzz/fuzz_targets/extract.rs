#![no_main]
//! Type detection and every extractor, in process: no input may panic
//! (a panic is caught and recorded, so it is a finding here) or run away.

use libfuzzer_sys::fuzz_target;
use trove_ingest::{Limits, detect, extract};

fuzz_target!(|bytes: &[u8]| {
    let limits = Limits {
        max_document_bytes: 4 << 20,
        max_text_bytes: 1 << 20,
        ..Limits::default()
    };
    let _ = extract(detect(bytes), bytes, &limits);
});

//! Extraction in confined workers: a worker that crashes, hangs or cannot
//! start costs the one document it was reading, which is recorded as
//! failed with the reason, and the next document is read by a fresh
//! worker. The misbehaving worker is a small Python program that speaks
//! the worker protocol, so that each failure happens exactly when asked;
//! the real worker (the `trove` binary) is checked against in-process
//! extraction on the real fixtures in `trove/tests/sandbox.rs`.

use std::path::PathBuf;

use trove_ingest::{DocType, Limits, Status, extract_document, worker_pool};

/// Answers each job with the document's bytes as its text, unless the
/// document asks it to crash, hang or answer garbage.
const WORKER: &str = r#"
import os, signal, struct, sys, time, json
inp, out = sys.stdin.buffer, sys.stdout.buffer
def frame():
    head = inp.read(8)
    if len(head) < 8:
        sys.exit(0)
    return inp.read(struct.unpack('<Q', head)[0])
def send(payload):
    out.write(struct.pack('<Q', len(payload)) + payload)
    out.flush()
frame()              # the confinement
send(b'full')
while True:
    job = frame()
    length = struct.unpack('<I', job[:4])[0]
    document = job[4 + length:]
    if b'CRASH' in document:
        os.kill(os.getpid(), signal.SIGSEGV)
    if b'HANG' in document:
        time.sleep(3600)
    if b'GARBAGE' in document:
        send(b'\xff\xff\xff\xff')
        continue
    header = json.dumps({'status': 'Ok', 'metadata': {'worker': os.getpid()}, 'text': len(document), 'children': []}).encode()
    send(struct.pack('<I', len(header)) + header + document)
"#;

fn limits(program: &str, args: &[&str]) -> Limits {
    Limits {
        // One second of CPU a document: the wall clock allows two.
        workers: Some(worker_pool(
            PathBuf::from(program),
            args.iter().map(|a| a.to_string()).collect(),
            1 << 30,
            1,
        )),
        ..Limits::default()
    }
}

#[test]
fn a_crashing_or_hanging_worker_costs_one_document_and_the_next_is_read() {
    let limits = limits("python3", &["-c", WORKER]);
    let read = |text: &str| extract_document(DocType::Text, text.as_bytes(), &limits);

    let first = read("a plain memo");
    assert_eq!(
        (first.status.clone(), first.text.as_deref()),
        (Status::Ok, Some("a plain memo"))
    );
    let crashed = read("CRASH here");
    assert!(
        matches!(&crashed.status, Status::Failed(r) if r.contains("crashed")),
        "{:?}",
        crashed.status
    );
    assert!(crashed.text.is_none());
    let hung = read("HANG here");
    assert!(
        matches!(&hung.status, Status::Failed(r) if r.contains("stopped after 2 s")),
        "{:?}",
        hung.status
    );
    let garbage = read("GARBAGE here");
    assert!(
        matches!(&garbage.status, Status::Failed(r) if r.contains("malformed")),
        "{:?}",
        garbage.status
    );
    let after = read("the next memo");
    assert_eq!(after.text.as_deref(), Some("the next memo"));
    assert_ne!(
        after.metadata["worker"], first.metadata["worker"],
        "a fresh worker took over from the one that crashed"
    );
    // Nothing is sent to a worker for what needs no parsing.
    assert_eq!(extract_document(DocType::Empty, b"", &limits).status, Status::Ok);
}

#[test]
fn a_worker_that_cannot_start_fails_each_document_with_the_reason() {
    let limits = limits("/nonexistent/trove-worker", &[]);
    let read = extract_document(DocType::Text, b"a memo", &limits);
    assert!(
        matches!(&read.status, Status::Failed(r) if r.contains("no confined parser could be started")),
        "{:?}",
        read.status
    );
    let limits = limits_exiting();
    let read = extract_document(DocType::Pdf, b"%PDF-1.4", &limits);
    assert!(
        matches!(&read.status, Status::Failed(r) if r.contains("could not confine itself")),
        "{:?}",
        read.status
    );
}

fn limits_exiting() -> Limits {
    limits("python3", &["-c", "import sys; sys.exit(2)"])
}

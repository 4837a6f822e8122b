//! A standard verifier checks trove's log with no trove code: Go's
//! golang.org/x/mod/sumdb/note and sumdb/tlog (Debian packages golang-go
//! and golang-golang-x-mod-dev, installed by scripts/test) run over the
//! log folder in `tests/go/tlogcheck.go`.

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};
use trove_keys::NoteSigningKey;
use trove_ledger::LogWriter;
use trove_ledger::statement::{Outcome, Statement};

/// Runs tests/go/tlogcheck.go over a log folder.
fn tlogcheck(root: &Path, vkey: &Path) -> std::process::Output {
    Command::new("go")
        .arg("run")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/tlogcheck.go"))
        .arg(root)
        .arg(vkey)
        .env("GO111MODULE", "off")
        .env("GOPATH", "/usr/share/gocode")
        .env("GOCACHE", Path::new(env!("CARGO_TARGET_TMPDIR")).join("gocache"))
        .env("GOFLAGS", "-buildvcs=false")
        .output()
        .expect("`go` runs: install golang-go and golang-golang-x-mod-dev (scripts/test does)")
}

#[test]
fn go_sumdb_verifies_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("log");
    let log_key = NoteSigningKey::from_seed("newsroom.example/log", &[1; 32]);
    let intake = NoteSigningKey::from_seed("trove-intake", &[2; 32]);
    let editor = NoteSigningKey::from_seed("trove-editor-chief", &[3; 32]);
    let mut writer = LogWriter::open(&root, NoteSigningKey::from_seed("newsroom.example/log", &[1; 32])).unwrap();
    writer.publish_keys(&[intake.verifier(), editor.verifier()]).unwrap();
    // Past one full level-1 tile (65 536 entries), so that level 2 exists.
    let total = 66_000u64;
    for start in (0..total).step_by(2000) {
        let entries: Vec<Vec<u8>> = (start..(start + 2000).min(total))
            .map(|i| {
                let digest: [u8; 32] = Sha256::digest(i.to_be_bytes()).into();
                if i % 2 == 0 {
                    Statement::Receipt {
                        submission: hex::encode(&digest[..16]).parse().unwrap(),
                        commitment: digest,
                        day: "2026-11-27".parse().unwrap(),
                        size_class: 20,
                    }
                    .sign(&intake)
                } else {
                    Statement::Decision {
                        submission: hex::encode(&digest[..16]).parse().unwrap(),
                        outcome: Outcome::Accept,
                        reasons: vec![],
                        policy: digest,
                        editor: hex::encode(editor.verifier().id()),
                        facts: None,
                    }
                    .sign(&editor)
                }
                .unwrap()
            })
            .collect();
        writer.append(&entries).unwrap();
    }
    let vkey = tmp.path().join("log.vkey");
    std::fs::write(&vkey, format!("{}\n", log_key.verifier())).unwrap();

    let output = tlogcheck(&root, &vkey);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "Go's sumdb rejected the log:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(&format!("{total} entries")), "{stdout}");

    // And it notices damage: a changed hash in a tile.
    let tile = root.join("tile/0/100");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&tile, bytes).unwrap();
    let output = tlogcheck(&root, &vkey);
    assert!(!output.status.success(), "Go's sumdb accepted a changed tile");
}

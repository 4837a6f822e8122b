//! The log as a user and an outsider see it: appends across tile
//! boundaries, recovery, audits from the files alone, every kind of damage,
//! witnesses, concurrent appenders, and a writer killed at random points.

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use trove_keys::{KeyAlg, NoteSigningKey, NoteVerifierKey};
use trove_ledger::checkpoint::{SignedCheckpoint, SignedNote};
use trove_ledger::merkle::{self, inclusion_proof, verify_inclusion};
use trove_ledger::statement::Statement;
use trove_ledger::{DirFetch, LedgerError, LogWriter, Sequencer, TileSource, VerifyOptions, verify_log};

fn log_key() -> NoteSigningKey {
    NoteSigningKey::from_seed("trove-log", &[1; 32])
}

fn statement_key() -> NoteSigningKey {
    NoteSigningKey::from_seed("trove-intake", &[2; 32])
}

/// The entry every test writes at `index`, so any reader can recompute it.
fn entry(index: u64) -> Vec<u8> {
    let document: [u8; 32] = Sha256::digest(index.to_be_bytes()).into();
    Statement::Withheld {
        document,
        reason: "TEST".into(),
    }
    .sign(&statement_key())
    .unwrap()
}

fn options(state: Option<&Path>) -> VerifyOptions {
    VerifyOptions {
        log_key: log_key().verifier(),
        statement_keys: vec![statement_key().verifier()],
        witness: None,
        state: state.map(Path::to_owned),
    }
}

fn fill(root: &Path, total: u64, batch: u64) -> LogWriter {
    let mut writer = LogWriter::open(root, log_key()).unwrap();
    while writer.size() < total {
        let start = writer.size();
        let end = (start + batch).min(total);
        let entries: Vec<Vec<u8>> = (start..end).map(entry).collect();
        assert_eq!(writer.append(&entries).unwrap(), start..end);
    }
    writer
}

#[test]
fn appends_across_tile_levels_verify_and_prove() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("log");
    // 65 536 entries fill a level-1 tile and start level 2.
    let total = 65_536 + 300;
    let mut writer = fill(&root, total - 77, 1000);
    drop(writer);
    writer = LogWriter::open(&root, log_key()).unwrap(); // recovery mid-tile
    let entries: Vec<Vec<u8>> = (total - 77..total).map(entry).collect();
    writer.append(&entries).unwrap();
    assert!(root.join("tile/2/000.p/1").exists() && root.join("tile/1/000").exists());

    let report = verify_log(&DirFetch(root.clone()), &options(None)).unwrap();
    assert_eq!(report.size, total);
    assert_eq!(report.entries_by_kind.get("withheld"), Some(&total));

    let fetch = DirFetch(root.clone());
    let checkpoint = writer.checkpoint().checkpoint.clone();
    let source = TileSource::new(&fetch, total);
    for index in [0, 1, 255, 256, 65_535, 65_536, total - 1] {
        let proof = inclusion_proof(&source, index, total).unwrap();
        assert!(verify_inclusion(
            index,
            total,
            &merkle::leaf_hash(&entry(index)),
            &proof,
            &checkpoint.root
        ));
    }
}

#[test]
fn damage_is_detected_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("log");
    fill(&root, 600, 100);
    let fetch = DirFetch(root.clone());

    // A changed tile.
    let tile = root.join("tile/0/001");
    let original = fs::read(&tile).unwrap();
    let mut changed = original.clone();
    changed[40] ^= 1;
    fs::write(&tile, &changed).unwrap();
    let error = verify_log(&fetch, &options(None)).unwrap_err();
    assert!(
        matches!(&error, LedgerError::Tile { path, .. } if path == "tile/0/001"),
        "{error}"
    );
    fs::write(&tile, &original).unwrap();

    // A truncated entry bundle.
    let bundle = root.join("tile/entries/002.p/88");
    let original = fs::read(&bundle).unwrap();
    fs::write(&bundle, &original[..original.len() - 10]).unwrap();
    let error = verify_log(&fetch, &options(None)).unwrap_err();
    assert!(error.to_string().contains("tile/entries/002.p/88"), "{error}");
    fs::write(&bundle, &original).unwrap();

    // A checkpoint signed by another key.
    let checkpoint = root.join("checkpoint");
    let original = fs::read_to_string(&checkpoint).unwrap();
    let opened = SignedCheckpoint::open(&original, &log_key().verifier()).unwrap();
    let impostor = NoteSigningKey::from_seed("trove-log", &[9; 32]);
    fs::write(
        &checkpoint,
        SignedCheckpoint::sign(opened.checkpoint.clone(), &impostor)
            .note
            .encode(),
    )
    .unwrap();
    let error = verify_log(&fetch, &options(None)).unwrap_err();
    assert!(matches!(error, LedgerError::Signature(_)), "{error}");
    fs::write(&checkpoint, &original).unwrap();

    // An entry signed by a key the verifier does not know.
    let stranger = VerifyOptions {
        statement_keys: vec![log_key().verifier()],
        ..options(None)
    };
    let error = verify_log(&fetch, &stranger).unwrap_err();
    assert!(matches!(error, LedgerError::Entry { index: 0, .. }), "{error}");

    verify_log(&fetch, &options(None)).unwrap();
}

#[test]
fn rollback_and_rewrite_are_caught_by_the_remembered_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("seen");
    let (small, big) = (tmp.path().join("small"), tmp.path().join("big"));
    fill(&small, 300, 300);
    fill(&big, 500, 100);
    verify_log(&DirFetch(big.clone()), &options(Some(&state))).unwrap();
    let error = verify_log(&DirFetch(small.clone()), &options(Some(&state))).unwrap_err();
    assert!(
        matches!(error, LedgerError::Rollback { seen: 500, now: 300 }),
        "{error}"
    );

    // A fork: the same key, a different entry at index 10.
    let fork = tmp.path().join("fork");
    let mut writer = LogWriter::open(&fork, log_key()).unwrap();
    let mut entries: Vec<Vec<u8>> = (0..600).map(entry).collect();
    entries[10] = entry(10_000);
    writer.append(&entries).unwrap();
    let error = verify_log(&DirFetch(fork), &options(Some(&state))).unwrap_err();
    assert!(
        matches!(error, LedgerError::Inconsistent { seen: 500, now: 600 }),
        "{error}"
    );

    // The honest log, grown, is consistent with what was seen.
    let mut writer = LogWriter::open(&big, log_key()).unwrap();
    writer.append(&(500..650).map(entry).collect::<Vec<_>>()).unwrap();
    let report = verify_log(&DirFetch(big), &options(Some(&state))).unwrap();
    assert_eq!(report.previous_size, Some(500));
}

#[test]
fn two_newsrooms_logs_verified_from_one_place_raise_no_alarm() {
    // Two newsrooms, the same default origin, their own keys: verified in
    // turn with one remembered state, neither is taken for the other's
    // rollback or rewrite.
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("seen");
    let (ours, theirs) = (tmp.path().join("ours"), tmp.path().join("theirs"));
    fill(&ours, 500, 100);
    let their_key = || NoteSigningKey::from_seed("trove-log", &[9; 32]);
    let mut writer = LogWriter::open(&theirs, their_key()).unwrap();
    writer.append(&(0..300).map(entry).collect::<Vec<_>>()).unwrap();
    let their_options = VerifyOptions {
        log_key: their_key().verifier(),
        ..options(Some(&state))
    };
    for _ in 0..2 {
        verify_log(&DirFetch(ours.clone()), &options(Some(&state))).unwrap();
        verify_log(&DirFetch(theirs.clone()), &their_options).unwrap();
    }
    // A real rollback of either is still caught.
    let small = tmp.path().join("small");
    fill(&small, 200, 200);
    let error = verify_log(&DirFetch(small), &options(Some(&state))).unwrap_err();
    assert!(
        matches!(error, LedgerError::Rollback { seen: 500, now: 200 }),
        "{error}"
    );
}

#[test]
fn a_witness_cosignature_is_required_when_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("log");
    let mut writer = fill(&root, 10, 10);
    let witness = NoteSigningKey::with_alg("partner.example/witness", KeyAlg::Cosignature, &[4; 32]);
    let with_witness = VerifyOptions {
        witness: Some(witness.verifier()),
        ..options(None)
    };
    let error = verify_log(&DirFetch(root.clone()), &with_witness).unwrap_err();
    assert!(error.to_string().contains("partner.example/witness"), "{error}");

    let mut note: SignedNote = writer.checkpoint().note.clone();
    note.cosign(&witness, 1_790_000_000);
    writer.store_cosigned(note).unwrap();
    let report = verify_log(&DirFetch(root), &with_witness).unwrap();
    assert_eq!(report.cosigned_at, Some(1_790_000_000));
    let plain = NoteVerifierKey::parse(&witness.verifier().to_string()).unwrap();
    assert_eq!(plain, witness.verifier());
}

#[test]
fn concurrent_appenders_are_sequenced() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("log");
    let sequencer = Sequencer::spawn(LogWriter::open(&root, log_key()).unwrap(), 64);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let sequencer = sequencer.clone();
            std::thread::spawn(move || {
                (0..100)
                    .map(|i| sequencer.append(entry(t * 1000 + i)).unwrap())
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let indices: HashSet<u64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert_eq!(indices, (0..400).collect());
    let report = verify_log(&DirFetch(root), &options(None)).unwrap();
    assert_eq!(report.size, 400);
}

const CHILD: &str = "TROVE_LEDGER_CHILD_DIR";

/// Not a test on its own: the appender that `killed_writers_lose_nothing`
/// starts as a child process (with `--ignored`) and kills.
#[test]
#[ignore = "a child process of killed_writers_lose_nothing"]
fn child_appender() {
    let Some(dir) = std::env::var_os(CHILD) else { return };
    let mut writer = LogWriter::open(Path::new(&dir), log_key()).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(writer.size());
    loop {
        let start = writer.size();
        let count = rng.gen_range(1..40);
        let range = writer
            .append(&(start..start + count).map(entry).collect::<Vec<_>>())
            .unwrap();
        println!("ack {} {}", range.start, range.end);
    }
}

#[test]
fn killed_writers_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("log");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut acknowledged = 0;
    for round in 0..12 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_appender",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, &root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wanted = rng.gen_range(1..25);
        let mut acks = 0;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("ack ") {
                let end: u64 = rest.split(' ').nth(1).unwrap().parse().unwrap();
                acknowledged = acknowledged.max(end);
                acks += 1;
                if acks == wanted {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL, wherever the writer is
        child.wait().unwrap();

        let report = verify_log(&DirFetch(root.clone()), &options(None))
            .unwrap_or_else(|e| panic!("round {round}: the log does not verify after a kill: {e}"));
        assert!(
            report.size >= acknowledged,
            "round {round}: {} < {acknowledged} acknowledged",
            report.size
        );
        // Every entry is the one its index calls for.
        let fetch = DirFetch(root.clone());
        let source = TileSource::new(&fetch, report.size);
        let checkpoint = LogWriter::open(&root, log_key())
            .unwrap()
            .checkpoint()
            .checkpoint
            .clone();
        for index in [0, acknowledged.saturating_sub(1), report.size - 1] {
            let proof = inclusion_proof(&source, index, report.size).unwrap();
            assert!(verify_inclusion(
                index,
                report.size,
                &merkle::leaf_hash(&entry(index)),
                &proof,
                &checkpoint.root
            ));
        }
    }
    assert!(acknowledged > 12);
}

//! Receipts tell no time within their day: they wait in a queue and are
//! appended in one batch after the day, in an order that does not depend on
//! when they arrived, and the log's files show only the day.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, UNIX_EPOCH};

use trove_keys::Keyring;
use trove_ledger::{DirFetch, Due, Ledger, VerifyOptions, verify_log};
use trove_store::{Day, SubmissionId, SubmissionSummary};

fn summary(byte: u8, day: Day) -> SubmissionSummary {
    SubmissionSummary {
        submission: SubmissionId::from_str(&format!("{byte:02x}").repeat(16)).unwrap(),
        files: 1,
        bytes: 1000 + u64::from(byte),
        commitment: [byte; 32],
        salt: [0; 32],
        day,
    }
}

/// Every file under `root`, by relative path, with its bytes.
fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Every file and folder under `root` (itself included) whose modification
/// time is not 00:00 UTC of today.
fn timed_finer_than_the_day(root: &Path) -> Vec<String> {
    let midnight = UNIX_EPOCH + Duration::from_secs(Day::today().unix_start() as u64);
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(path) = stack.pop() {
        if fs::metadata(&path).unwrap().modified().unwrap() != midnight {
            out.push(path.display().to_string());
        }
        if path.is_dir() {
            stack.extend(fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        }
    }
    out
}

#[test]
fn receipts_arriving_in_any_order_make_the_same_log_after_their_day() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    let origin = "news.example.org/log".parse().unwrap();
    let keyring = Keyring::generate(&keys, "chief", &origin, false).unwrap();
    let yesterday = Day::days_ago(1);
    // Two newsrooms with the same keys: one receives the submissions in
    // one order (say at 09:00 and 17:00), the other in the other.
    let ledgers: Vec<Ledger> = ["a", "b"]
        .iter()
        .map(|name| {
            let dir = tmp.path().join(name);
            Ledger::new(&dir.join("log"), &dir.join("receipt-queue"), keyring.clone())
        })
        .collect();
    let orders = [[0x5a, 0x0b, 0xc3], [0xc3, 0x5a, 0x0b]];
    for (ledger, order) in ledgers.iter().zip(orders) {
        for byte in order {
            ledger.queue_receipt(&summary(byte, yesterday)).unwrap();
        }
        // Today's submission waits for tomorrow's batch.
        ledger.queue_receipt(&summary(0x77, Day::today())).unwrap();
        // Nothing is in the log until the batch.
        assert_eq!(ledger.checkpoint().unwrap().checkpoint.size, 0);
    }
    for ledger in &ledgers {
        let appended = ledger.append_queued_receipts(Due::Before(Day::today())).unwrap();
        let submissions: Vec<String> = appended.iter().map(|r| r.submission.to_string()).collect();
        assert_eq!(
            submissions,
            ["0b", "5a", "c3"].map(|b| b.repeat(16)),
            "ordered by submission id, not arrival"
        );
        assert_eq!(appended.iter().map(|r| r.index).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(ledger.queued_receipts().unwrap(), 1);
        assert!(
            ledger
                .append_queued_receipts(Due::Before(Day::today()))
                .unwrap()
                .is_empty(),
            "a second batch the same day has nothing to append"
        );
    }
    let (a, b) = (files(ledgers[0].dir()), files(ledgers[1].dir()));
    assert!(a.contains_key("checkpoint") && a.keys().any(|k| k.starts_with("tile/entries/")));
    assert_eq!(a, b, "the logs' files are the same byte for byte");
    for ledger in &ledgers {
        let finer = timed_finer_than_the_day(ledger.dir());
        assert!(finer.is_empty(), "files timed within the day: {finer:?}");
        let finer = timed_finer_than_the_day(&ledger.dir().with_file_name("receipt-queue"));
        assert!(finer.is_empty(), "queue files timed within the day: {finer:?}");
        let report = verify_log(
            &DirFetch(ledger.dir().to_owned()),
            &VerifyOptions {
                log_key: keyring.verifier_key(&trove_keys::StatementRole::Log).unwrap(),
                statement_keys: Vec::new(),
                witness: None,
                state: None,
            },
        )
        .unwrap();
        assert_eq!(report.size, 3);
    }
    // The demo's choice: today's too, at once.
    let appended = ledgers[0].append_queued_receipts(Due::All).unwrap();
    assert_eq!((appended.len(), appended[0].index), (1, 3));
}

//! A multi-GiB blob goes in and out of the store in constant memory. Alone
//! in its test binary so that the children's peak RSS is this test's own.

mod common;

use std::fs::{self, File};
use std::io::Read;
use std::process::{Command, Stdio};

const SIZE: u64 = (2 << 30) + 12_345; // past 2^31, off any chunk boundary
const RSS_LIMIT_KIB: i64 = 64 * 1024;

#[test]
fn a_multi_gib_blob_round_trips_in_constant_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let trove = env!("CARGO_BIN_EXE_trove");
    assert!(
        Command::new(trove)
            .arg("--data")
            .arg(&data)
            .arg("init")
            .output()
            .unwrap()
            .status
            .success()
    );

    // A sparse file: gigabytes of input without gigabytes of disk writes.
    let input = tmp.path().join("big.bin");
    File::create(&input).unwrap().set_len(SIZE).unwrap();
    let put = Command::new(trove)
        .arg("--data")
        .arg(&data)
        .args(["blob", "put"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(put.status.success(), "{}", String::from_utf8_lossy(&put.stderr));
    let id = String::from_utf8(put.stdout).unwrap().trim().to_owned();
    fs::remove_file(&input).unwrap();

    let mut get = Command::new(trove)
        .arg("--data")
        .arg(&data)
        .args(["blob", "get", &id])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = get.stdout.take().unwrap();
    let (mut total, mut nonzero_chunks) = (0u64, 0u64);
    let mut buffer = vec![0u8; 1 << 20];
    let zeros = vec![0u8; 1 << 20];
    loop {
        let n = stdout.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        total += n as u64;
        // A slice comparison is a memcmp, fast even in a debug build.
        nonzero_chunks += u64::from(buffer[..n] != zeros[..n]);
    }
    assert!(get.wait().unwrap().success(), "get checks both hashes before exiting 0");
    assert_eq!((total, nonzero_chunks), (SIZE, 0));
    let peak = common::children_peak_rss_kib();
    assert!(peak < RSS_LIMIT_KIB, "peak RSS {peak} KiB");
}

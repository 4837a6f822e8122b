//! `trove blob put` / `get` of a 1 GiB file against the `age` command
//! (Debian package `age`) encrypting and decrypting the same file to the
//! same recipient, in the same run. Prints throughput, peak RSS and the
//! ratio ours/age.
//!
//! Run: `cargo bench -p trove --bench blob` (size: TROVE_BENCH_MIB, default
//! 1024; scratch folder: TROVE_BENCH_DIR, default `.`). Each command runs
//! three times, interleaved with its peer; the best wall time counts.
//! `trove blob put` makes its blob durable (fsync), so it is compared with
//! `age` both as it is and followed by a sync.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod measure;

use measure::{Run, run};

/// Times `after` (here: sync) right after a run, for a durable figure.
fn then(run: &Run, after: impl FnOnce()) -> Run {
    let start = Instant::now();
    after();
    Run {
        wall: run.wall + start.elapsed(),
        peak_rss_kib: run.peak_rss_kib,
        stdout: String::new(),
    }
}

/// Keeps the fastest wall time and the largest peak RSS.
fn best(runs: Vec<Run>) -> Run {
    let peak = runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
    let fastest = runs.into_iter().min_by_key(|r| r.wall).expect("at least one run");
    Run {
        peak_rss_kib: peak,
        ..fastest
    }
}

fn write_noise(path: &Path, bytes: u64) {
    let mut out = BufWriter::new(File::create(path).expect("create input"));
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut block = vec![0u8; 1 << 20];
    let mut left = bytes;
    while left > 0 {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let n = left.min(block.len() as u64) as usize;
        out.write_all(&block[..n]).expect("write input");
        left -= n as u64;
    }
    out.flush().expect("flush input");
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("blob: benchmark");
        return;
    }
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = mib << 20;
    let trove = env!("CARGO_BIN_EXE_trove");
    if Command::new("age").arg("--version").output().is_err() {
        eprintln!("the peer `age` is not installed: apt-get install age");
        std::process::exit(1);
    }
    let tmp = tempfile::tempdir_in(std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into())).expect("temp dir");
    let data = tmp.path().join("data");
    run(Command::new(trove).arg("--data").arg(&data).arg("init"));
    let recipient = fs::read_to_string(data.join("keys/newsroom.recipients"))
        .expect("recipients")
        .lines()
        .find(|l| l.starts_with("age1"))
        .expect("a recipient")
        .to_owned();
    let identity = data.join("keys/newsroom.identity");
    let input = tmp.path().join("input.bin");
    write_noise(&input, size);
    let sealed = tmp.path().join("input.age");

    let trove_cmd = |args: &[&str]| {
        let mut c = Command::new(trove);
        c.arg("--data").arg(&data).args(args);
        c
    };
    let input_arg = input.to_str().expect("a UTF-8 temp path");
    let sealed_arg = sealed.to_str().expect("a UTF-8 temp path");
    let identity_arg = identity.to_str().expect("a UTF-8 temp path");
    // Rounds interleave the two tools, so both meet the disk in the same
    // state (a virtual disk slows down after gigabytes of writes).
    let (mut puts, mut encs, mut encs_durable, mut gets, mut decs) = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..3 {
        let put = run(&mut trove_cmd(&["blob", "put", input_arg]));
        let id = put.stdout.trim().to_owned();
        puts.push(put);
        let enc = run(Command::new("age").args(["-r", &recipient, "-o", sealed_arg, input_arg]));
        // SAFETY: sync(2) takes no arguments and cannot fail.
        encs_durable.push(then(&enc, || unsafe { libc::sync() }));
        encs.push(enc);
        gets.push(run(&mut trove_cmd(&["blob", "get", &id, "--out", "/dev/null"])));
        decs.push(run(Command::new("age").args([
            "-d",
            "-i",
            identity_arg,
            "-o",
            "/dev/null",
            sealed_arg,
        ])));
        // age overwrites its output each round, reusing the freed blocks;
        // removing our blob gives the next put the same footing (on a
        // thin-provisioned disk, never-written blocks are slower).
        fs::remove_file(data.join("blobs").join(&id[..2]).join(&id[2..4]).join(&id)).expect("remove the blob");
    }
    let (put, age_enc, age_enc_durable, get, age_dec) =
        (best(puts), best(encs), best(encs_durable), best(gets), best(decs));

    let mibps = |r: &Run| mib as f64 / r.wall.as_secs_f64();
    println!("blob store, {mib} MiB of random bytes, best of 3 (peak RSS: worst of 3)");
    println!("{:<28} {:>10} {:>14}", "command", "MiB/s", "peak RSS MiB");
    let rows = [
        ("trove blob put (durable)", &put),
        ("age -r", &age_enc),
        ("age -r, then sync", &age_enc_durable),
        ("trove blob get", &get),
        ("age -d", &age_dec),
    ];
    for (name, r) in rows {
        println!("{name:<28} {:>10.0} {:>14.1}", mibps(r), r.peak_rss_kib as f64 / 1024.0);
    }
    println!("ratio put/age-encrypt: {:.2}", mibps(&put) / mibps(&age_enc));
    println!(
        "ratio put/age-encrypt-then-sync: {:.2}",
        mibps(&put) / mibps(&age_enc_durable)
    );
    println!("ratio get/age-decrypt: {:.2}", mibps(&get) / mibps(&age_dec));
}

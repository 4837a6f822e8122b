//! Shared by the benchmarks: run a command and read its own peak RSS.
#![allow(dead_code)] // each benchmark uses its own subset

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Run {
    pub wall: Duration,
    pub peak_rss_kib: i64,
    pub stdout: String,
}

/// Runs a command and reads its own peak RSS with wait4. Dirty pages left by
/// the previous command are written out first, so that no run pays for
/// another's writeback.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which clippy does not see"
)]
pub fn run(command: &mut Command) -> Run {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    let start = Instant::now();
    let child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("command starts");
    let pid = child.id() as libc::pid_t;
    let mut stdout = String::new();
    child
        .stdout
        .expect("piped")
        .read_to_string(&mut stdout)
        .expect("stdout");
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child and writes into structs we own.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed"
    );
    Run {
        wall: start.elapsed(),
        peak_rss_kib: usage.ru_maxrss,
        stdout,
    }
}

/// The submission id in `trove submit --json`'s output.
pub fn submission_id(stdout: &str) -> String {
    let report: serde_json::Value = serde_json::from_str(stdout).expect("trove submit --json prints JSON");
    report["submission"].as_str().expect("a submission id").to_owned()
}

/// The CPU's model name, as the figures name the machine.
pub fn machine() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default()
}

/// The value at quantile `p` of sorted latencies.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The bytes of every file under `dir`.
pub fn folder_bytes(dir: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Runs `benches/fts5_peer.py`: SQLite FTS5 over the texts in `export`
/// (JSON lines), answering the queries in `cases`, with its database at
/// `db` (reused when it is there). Its JSON report: build_s, p50_ms,
/// p99_ms, hits, by_kind.
pub fn fts5_peer(export: &std::path::Path, cases: &std::path::Path, db: &std::path::Path) -> serde_json::Value {
    let peer = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fts5_peer.py");
    let out = Command::new("python3")
        .arg(peer)
        .arg(export)
        .arg(cases)
        .arg(db)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("the peer prints JSON")
}

/// The CPU seconds a process and its children it has waited for have
/// used (a server whose connections ended: PostgreSQL's backends are its
/// children), from /proc.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process runs");
    // Fields after the command name (which may hold spaces) in parentheses.
    let after = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime, stime, cutime, cstime: fields 14-17 of the line, 12-15 here.
    let ticks: u64 = fields[11..15].iter().map(|f| f.parse::<u64>().unwrap_or(0)).sum();
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    ticks as f64 / per_second
}

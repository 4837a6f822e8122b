//! A large upload over loopback into `trove serve --role intake`, once as a
//! multipart form (the no-JavaScript path) and once as one tus PATCH, beside
//! `trove submit` of the same file (the store's own speed) in the same run.
//! Prints throughput, the server's peak RSS during the upload, and the
//! ratios upload/submit.
//!
//! Run: `cargo bench -p trove --bench upload` (size: TROVE_BENCH_MIB,
//! default 2048; scratch folder: TROVE_BENCH_DIR, default `.`). The client
//! is this process, on the same two cores as the server. The server's peak
//! RSS is reset after the source logs in (Argon2id takes its 64 MiB then,
//! and gives it back), so the figure is the upload's own.

use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/common/mod.rs"]
mod common;
mod measure;

use common::Source;

const BOUNDARY: &str = "trove-bench-boundary-41c7";

struct Intake {
    child: Child,
    base: String,
}

impl Drop for Intake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Intake {
    fn start(data: &Path) -> Intake {
        let mut child = Command::new(env!("CARGO_BIN_EXE_trove"))
            .arg("--data")
            .arg(data)
            .args(["serve", "--role", "intake", "--intake-addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("trove serve starts");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        Intake { child, base }
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// CPU seconds (user + system) the server has used.
    fn cpu_seconds(&self) -> f64 {
        let stat = fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap().split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat(5); here 11 and 12.
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        // SAFETY: sysconf has no preconditions.
        ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
    }

    /// Resets the kernel's peak-RSS mark to the current RSS.
    fn reset_peak(&self) {
        fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").expect("clear_refs");
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(3600)))
        .build()
        .new_agent()
}

fn cookie(source: &Source) -> String {
    source
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// POST /submit with the file streamed from disk; the wall time.
fn multipart(source: &mut Source, file: &Path) -> Duration {
    let home = source.get("/home");
    let csrf = common::csrf(&home.body);
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"cache.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let head = head.into_bytes();
    let body = head.as_slice().chain(File::open(file).unwrap()).chain(tail.as_bytes());
    let mut body: Box<dyn Read> = Box::new(body);
    let start = Instant::now();
    let mut response = agent()
        .post(format!("{}/submit", source.base))
        .header("Cookie", cookie(source))
        .content_type(format!("multipart/form-data; boundary={BOUNDARY}"))
        .send(ureq::SendBody::from_reader(&mut body))
        .unwrap();
    let wall = start.elapsed();
    let page = response.body_mut().read_to_string().unwrap();
    assert_eq!(response.status().as_u16(), 200, "{page}");
    assert!(page.contains("1 file(s) received"));
    wall
}

/// One tus upload: create, then one PATCH with the whole file; the wall
/// time of both.
fn tus(source: &Source, file: &Path, len: u64) -> Duration {
    let start = Instant::now();
    let created = source.tus("POST", "/tus/", &[("Upload-Length", len.to_string())], b"");
    assert_eq!(created.status, 201, "{}", created.body);
    let location = created.header("location").unwrap().to_owned();
    let mut reader = File::open(file).unwrap();
    let response = agent()
        .patch(format!("{}{location}", source.base))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .content_type("application/offset+octet-stream")
        .header("Content-Length", len.to_string())
        .send(ureq::SendBody::from_reader(&mut reader))
        .unwrap();
    let wall = start.elapsed();
    assert_eq!(response.status().as_u16(), 204);
    assert!(response.headers().contains_key("trove-submission"));
    wall
}

fn mib_s(bytes: u64, wall: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / wall.as_secs_f64()
}

/// CPU seconds (user + system) this process has used.
fn own_cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: fills a struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The best (fastest) of several runs, with the largest peak RSS seen and
/// the least CPU time of server and client.
#[derive(Default)]
struct Best {
    wall: Option<Duration>,
    peak_kib: u64,
    server_cpu: Option<f64>,
    client_cpu: Option<f64>,
}

impl Best {
    fn cpu(&mut self, server: f64, client: f64) {
        self.server_cpu = Some(self.server_cpu.map_or(server, |s| s.min(server)));
        self.client_cpu = Some(self.client_cpu.map_or(client, |c| c.min(client)));
    }

    fn add(&mut self, wall: Duration, peak_kib: u64) {
        self.wall = Some(self.wall.map_or(wall, |w| w.min(wall)));
        self.peak_kib = self.peak_kib.max(peak_kib);
    }
}

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048);
    let rounds: usize = std::env::var("TROVE_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let scratch = tempfile::tempdir_in(std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let file = scratch.path().join("cache.bin");
    let len = mib << 20;
    {
        let mut out = BufWriter::new(File::create(&file).unwrap());
        let mut stream = blake3::Hasher::new_derive_key("trove upload bench").finalize_xof();
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mib {
            stream.fill(&mut block);
            out.write_all(&block).unwrap();
        }
    }
    let trove = env!("CARGO_BIN_EXE_trove");
    println!(
        "upload of {mib} MiB over loopback (2 cores shared by client and server), best of {rounds} interleaved rounds"
    );
    let (mut submit, mut multipart_best, mut tus_best) = (Best::default(), Best::default(), Best::default());
    for round in 0..rounds {
        // A fresh data dir each time: the disk holds one copy at a time.
        for how in ["submit", "multipart", "tus"] {
            let data = scratch.path().join(format!("data-{round}-{how}"));
            measure::run(Command::new(trove).arg("--data").arg(&data).arg("init"));
            if how == "submit" {
                let run = measure::run(Command::new(trove).arg("--data").arg(&data).arg("submit").arg(&file));
                submit.add(run.wall, run.peak_rss_kib as u64);
            } else {
                let server = Intake::start(&data);
                let mut source = Source::new(&server.base);
                source.new_codename();
                // SAFETY: sync(2) takes no arguments and cannot fail. No
                // upload pays for the previous run's writeback.
                unsafe { libc::sync() };
                server.reset_peak();
                let cpu_before = (server.cpu_seconds(), own_cpu_seconds());
                let wall = if how == "multipart" {
                    multipart(&mut source, &file)
                } else {
                    tus(&source, &file, len)
                };
                let best = if how == "multipart" {
                    &mut multipart_best
                } else {
                    &mut tus_best
                };
                best.add(wall, server.status_kib("VmHWM:"));
                best.cpu(server.cpu_seconds() - cpu_before.0, own_cpu_seconds() - cpu_before.1);
            }
            fs::remove_dir_all(&data).unwrap();
        }
    }
    let submit_rate = mib_s(len, submit.wall.unwrap());
    println!(
        "trove submit     {submit_rate:>8.1} MiB/s  peak RSS {:>6} KiB",
        submit.peak_kib
    );
    for (how, best) in [("multipart", &multipart_best), ("tus", &tus_best)] {
        let rate = mib_s(len, best.wall.unwrap());
        let ratio = rate / submit_rate;
        println!(
            "{how:<16} {rate:>8.1} MiB/s  peak RSS {:>6} KiB  CPU s: server {:.1}, client {:.1}  ratio to submit {ratio:.2} (goal 0.70: {}; RSS goal 64 MiB: {})",
            best.peak_kib,
            best.server_cpu.unwrap_or(0.0),
            best.client_cpu.unwrap_or(0.0),
            if ratio >= 0.7 { "met" } else { "not met" },
            if best.peak_kib < 65_536 { "met" } else { "not met" }
        );
    }
}

//! Workers confined for real: this test binary is its own worker (run with
//! `worker`), and each job asks it to misbehave in one way. The parent
//! checks that every misbehaviour is stopped, with its reason, and that
//! the next job still gets an answer.
//!
//! A plain `main` (no test harness): the harness would print to stdout,
//! which is the worker's answer channel.

use std::path::PathBuf;
use std::time::Duration;

use trove_sandbox::{Confinement, JobError, Pool};

/// What the worker does with each job.
fn misbehave(job: &[u8]) -> Vec<u8> {
    let result = match job {
        b"echo" => return b"echo".to_vec(),
        b"memory" => {
            // Far over the limit: allocation fails, and Rust aborts.
            let mut big = Vec::<u8>::with_capacity(8 << 30);
            big.push(1);
            format!("allocated {}", big.len())
        }
        b"spin" => {
            let mut x: u64 = 0;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        b"sleep" => {
            std::thread::sleep(Duration::from_secs(3600));
            "woke".into()
        }
        b"stack" => format!("{}", recurse(1)),
        b"socket" => match std::net::TcpStream::connect("127.0.0.1:9") {
            Ok(_) => "connected".into(),
            Err(e) => format!("refused: {e}"),
        },
        _ if job.starts_with(b"read ") => match std::fs::read(String::from_utf8_lossy(&job[5..]).as_ref()) {
            Ok(_) => "read".into(),
            Err(e) => format!("refused: {e}"),
        },
        b"read-etc" => match std::fs::read("/etc/hostname") {
            Ok(_) => "read".into(),
            Err(e) => format!("refused: {e}"),
        },
        b"write" => match std::fs::write("/tmp/trove-sandbox-escape", b"x") {
            Ok(()) => "wrote".into(),
            Err(e) => format!("refused: {e}"),
        },
        b"exec-shell" => match std::process::Command::new("/bin/sh").arg("-c").arg("true").status() {
            Ok(_) => "ran".into(),
            Err(e) => format!("refused: {e}"),
        },
        b"exec-helper" => match std::process::Command::new("cat")
            .stdin(std::process::Stdio::null())
            .output()
        {
            Ok(out) if out.status.success() => "ran".into(),
            Ok(out) => format!("failed: {}", out.status),
            Err(e) => format!("refused: {e}"),
        },
        _ => "unknown job".into(),
    };
    result.into_bytes()
}

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let pad = std::hint::black_box([depth; 512]);
    recurse(depth + 1) + pad[7]
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("worker") {
        if let Err(e) = trove_sandbox::serve(misbehave) {
            eprintln!("{e}");
            std::process::exit(3);
        }
        return;
    }
    let mut confinement = Confinement::for_helpers(&["cat"], 512 << 20, 2);
    // The test binary itself is read by the loader when it starts, before
    // confinement; nothing under target/ is granted.
    confinement.readable.retain(|p| !p.starts_with("/tmp"));
    let pool = Pool::new(
        std::env::current_exe().unwrap(),
        vec!["worker".into()],
        confinement,
        Duration::from_secs(20),
        1 << 20,
    );
    let answer = |job: &str| pool.run(job.as_bytes()).map(|a| String::from_utf8(a).unwrap());
    let mut failures = Vec::new();
    let mut check = |name: &str, ok: bool, detail: String| {
        println!("{} {name}: {detail}", if ok { "ok  " } else { "FAIL" });
        if !ok {
            failures.push(name.to_owned());
        }
    };

    let echo = answer("echo");
    check("a job is answered", echo == Ok("echo".into()), format!("{echo:?}"));
    let enforced = pool.enforcement();
    check(
        "Landlock is fully enforced",
        enforced.as_ref().is_some_and(|e| e.landlock_full),
        format!("{enforced:?}"),
    );
    let memory = answer("memory");
    check(
        "memory over the limit stops the job",
        matches!(memory, Err(JobError::Aborted(512))),
        format!("{memory:?}"),
    );
    let spin = answer("spin");
    check(
        "a loop is stopped by the CPU limit",
        spin == Err(JobError::CpuLimit(2)),
        format!("{spin:?}"),
    );
    let stack = answer("stack");
    // Rust's guard page handler reports the overflow and aborts.
    check(
        "a stack overflow stops the job",
        matches!(stack, Err(JobError::Aborted(_) | JobError::Crashed)),
        format!("{stack:?}"),
    );
    let socket = answer("socket");
    check(
        "no network",
        socket.as_ref().is_ok_and(|a| a.starts_with("refused")),
        format!("{socket:?}"),
    );
    let secret_dir = tempfile_dir();
    let secret = secret_dir.join("newsroom.identity");
    std::fs::write(&secret, b"AGE-SECRET-KEY-1...").unwrap();
    // A file the parent can read (a key in the data directory) is out of
    // the worker's reach.
    let read_secret = answer(&format!("read {}", secret.display()));
    check(
        "the data directory's keys cannot be read",
        read_secret.as_ref().is_ok_and(|a| a.starts_with("refused")),
        format!("{read_secret:?}"),
    );
    for (job, wanted) in [
        ("read-etc", "refused"),
        ("write", "refused"),
        ("exec-shell", "refused"),
        ("exec-helper", "ran"),
    ] {
        let got = answer(job);
        check(
            &format!("{job} is {wanted}"),
            got.as_ref().is_ok_and(|a| a.starts_with(wanted)),
            format!("{got:?}"),
        );
    }
    let sleeper = Pool::new(
        std::env::current_exe().unwrap(),
        vec!["worker".into()],
        Confinement::for_helpers(&[], 512 << 20, 2),
        Duration::from_secs(2),
        1 << 20,
    );
    let sleep = sleeper.run(b"sleep");
    check(
        "a job past the wall-clock limit is stopped",
        sleep == Err(JobError::TimedOut(2)),
        format!("{sleep:?}"),
    );
    let after = answer("echo");
    check(
        "after all that, a job is answered",
        after == Ok("echo".into()),
        format!("{after:?}"),
    );
    let _ = std::fs::remove_dir_all(&secret_dir);
    assert!(
        !std::path::Path::new("/tmp/trove-sandbox-escape").exists(),
        "the worker wrote a file"
    );
    if !failures.is_empty() {
        eprintln!("failed: {failures:?}");
        std::process::exit(1);
    }
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trove-sandbox-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

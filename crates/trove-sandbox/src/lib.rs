//! Confined child processes for code that reads untrusted bytes.
//!
//! A parser fed a hostile file may loop, exhaust memory, overflow its
//! stack or be exploited. `catch_unwind` cannot stop the first three, and
//! nothing in-process stops the fourth. So the parsing runs in a
//! [`Pool`] of worker processes, each of which, before it reads its first
//! job, confines itself ([`confine_self`]):
//!
//! * **rlimits**: an address-space limit (memory), a CPU-time limit raised
//!   by one job's allowance before each job, no core files, no file
//!   writes (`RLIMIT_FSIZE` 0), few descriptors;
//! * **Landlock**: the file system is read-only and only below the folders
//!   named in its [`Confinement`] (libraries and the helpers' data, never
//!   the data directory with its keys); only the named helpers (and the
//!   libraries' folders, for the dynamic loader) may be executed; TCP bind
//!   and connect are refused;
//! * **seccomp**: no sockets but Unix ones, no ptrace, no mounts,
//!   namespaces, BPF, keyrings, module loading or io_uring.
//!
//! The parent gives each job a wall-clock limit and kills a worker that
//! overruns it; a worker that dies (killed, out of memory, crashed) turns
//! into a [`JobError`] that says why, and the next job gets a fresh worker.
//! Jobs and answers are length-prefixed frames on the worker's stdin and
//! stdout; the worker never gets a path, a key or a descriptor of the
//! parent's.
//!
//! What this crate must never do: start a job in a worker that is not
//! confined as asked (a worker that fails to confine itself exits), or
//! let a worker's answer grow past the pool's bound in the parent.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::time::Duration;

/// What a worker may use: memory, CPU time, and the files it may read and
/// execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confinement {
    /// The address-space limit (`RLIMIT_AS`), in bytes.
    pub memory_bytes: u64,
    /// CPU seconds one job may use (`RLIMIT_CPU`, raised before each job).
    pub cpu_seconds: u64,
    /// Folders (or files) below which files may be read.
    pub readable: Vec<PathBuf>,
    /// Files (or folders) that may be executed.
    pub executable: Vec<PathBuf>,
}

impl Confinement {
    /// Read access to the system's libraries and shared data (fonts,
    /// OCR languages), execution of the named helper programs as found on
    /// `PATH` (those not installed are left out), and the given limits.
    pub fn for_helpers(helpers: &[&str], memory_bytes: u64, cpu_seconds: u64) -> Confinement {
        let system = [
            "/usr/lib",
            "/usr/lib64",
            "/lib",
            "/lib64",
            "/usr/share",
            "/etc/fonts",
            "/etc/ld.so.cache",
        ];
        let helpers: Vec<PathBuf> = helpers.iter().filter_map(|name| find_on_path(name)).collect();
        let mut readable: Vec<PathBuf> = system.iter().map(PathBuf::from).collect();
        readable.extend(helpers.iter().cloned());
        // The dynamic loader runs as the helpers' interpreter.
        let mut executable = helpers;
        executable.extend(["/usr/lib", "/usr/lib64", "/lib", "/lib64"].iter().map(PathBuf::from));
        Confinement {
            memory_bytes,
            cpu_seconds,
            readable,
            executable,
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut text = format!("memory {}\ncpu {}\n", self.memory_bytes, self.cpu_seconds);
        for path in &self.readable {
            text.push_str(&format!("read {}\n", path.display()));
        }
        for path in &self.executable {
            text.push_str(&format!("exec {}\n", path.display()));
        }
        text.into_bytes()
    }

    fn decode(bytes: &[u8]) -> Result<Confinement, SandboxError> {
        let text = std::str::from_utf8(bytes).map_err(|_| SandboxError::Protocol("the confinement is not UTF-8"))?;
        let mut confinement = Confinement {
            memory_bytes: 0,
            cpu_seconds: 0,
            readable: Vec::new(),
            executable: Vec::new(),
        };
        for line in text.lines() {
            let (key, value) = line
                .split_once(' ')
                .ok_or(SandboxError::Protocol("a confinement line has no value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| SandboxError::Protocol("a confinement limit is not a number"))
            };
            match key {
                "memory" => confinement.memory_bytes = number()?,
                "cpu" => confinement.cpu_seconds = number()?,
                "read" => confinement.readable.push(PathBuf::from(value)),
                "exec" => confinement.executable.push(PathBuf::from(value)),
                _ => return Err(SandboxError::Protocol("unknown confinement line")),
            }
        }
        if confinement.memory_bytes == 0 || confinement.cpu_seconds == 0 {
            return Err(SandboxError::Protocol("the confinement has no limits"));
        }
        Ok(confinement)
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .and_then(|found| found.canonicalize().ok())
}

/// Why a worker could not be started, confined or talked to.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot start the worker {program}: {source}")]
    Spawn { program: PathBuf, source: io::Error },
    #[error("a resource limit cannot be set: {0}")]
    Rlimit(io::Error),
    #[error("Landlock cannot be applied: {0}")]
    Landlock(String),
    #[error("the seccomp filter cannot be applied: {0}")]
    Seccomp(String),
    #[error("the worker protocol was broken: {0}")]
    Protocol(&'static str),
    #[error("the worker's pipe failed: {0}")]
    Io(#[from] io::Error),
}

/// What the kernel enforces in a worker, as it reported after confining
/// itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enforcement {
    /// Landlock's ruleset is fully enforced (false: partly, or the kernel
    /// has no Landlock; the rlimits and seccomp hold either way).
    pub landlock_full: bool,
}

/// Applies `confinement` to the calling process and its future children.
/// Call it while the process has one thread.
pub fn confine_self(confinement: &Confinement) -> Result<Enforcement, SandboxError> {
    set_limit(libc::RLIMIT_AS, confinement.memory_bytes, confinement.memory_bytes)?;
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    set_limit(libc::RLIMIT_FSIZE, 0, 0)?;
    set_limit(libc::RLIMIT_NOFILE, 256, 256)?;
    set_limit(libc::RLIMIT_CPU, confinement.cpu_seconds, libc::RLIM_INFINITY)?;
    let landlock_full = landlock(confinement)?;
    seccomp()?;
    Ok(Enforcement { landlock_full })
}

fn set_limit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> Result<(), SandboxError> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct it is given and nothing else.
    if unsafe { libc::setrlimit(resource, &limit) } == 0 {
        Ok(())
    } else {
        Err(SandboxError::Rlimit(io::Error::last_os_error()))
    }
}

/// CPU seconds (user and system) this process has used.
fn cpu_seconds_used() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec).max(0) as u64
}

fn landlock(confinement: &Confinement) -> Result<bool, SandboxError> {
    use landlock::{
        ABI, Access, AccessFs, AccessNet, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    };
    let abi = ABI::V5;
    let error = |e: &dyn std::fmt::Display| SandboxError::Landlock(e.to_string());
    let mut ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(|e| error(&e))?
        .handle_access(AccessNet::from_all(abi))
        .map_err(|e| error(&e))?
        .create()
        .map_err(|e| error(&e))?;
    let read = AccessFs::ReadFile | AccessFs::ReadDir;
    let rules = confinement
        .readable
        .iter()
        .map(|p| (p.as_path(), read))
        .chain(
            confinement
                .executable
                .iter()
                .map(|p| (p.as_path(), AccessFs::Execute.into())),
        )
        .chain([
            (Path::new("/dev/null"), AccessFs::ReadFile | AccessFs::WriteFile),
            (Path::new("/dev/urandom"), AccessFs::ReadFile.into()),
        ]);
    for (path, access) in rules {
        // A folder that is not on this system is simply not granted.
        let Ok(fd) = PathFd::new(path) else { continue };
        // A rule on a file may carry only file rights.
        let access = if path.is_dir() {
            access
        } else {
            access & AccessFs::from_file(abi)
        };
        ruleset = ruleset.add_rule(PathBeneath::new(fd, access)).map_err(|e| error(&e))?;
    }
    let status = ruleset.restrict_self().map_err(|e| error(&e))?;
    Ok(status.ruleset == RulesetStatus::FullyEnforced)
}

fn seccomp() -> Result<(), SandboxError> {
    use seccompiler::{
        BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
        TargetArch,
    };
    let error = |e: &dyn std::fmt::Display| SandboxError::Seccomp(e.to_string());
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|e| error(&e))?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    // Sockets other than Unix ones: no network, no netlink.
    let not_unix = SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Ne, libc::AF_UNIX as u64)
        .map_err(|e| error(&e))?;
    rules.insert(
        libc::SYS_socket,
        vec![SeccompRule::new(vec![not_unix]).map_err(|e| error(&e))?],
    );
    for denied in [
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_userfaultfd,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_kexec_load,
        libc::SYS_reboot,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_io_uring_setup,
    ] {
        rules.insert(denied, Vec::new());
    }
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| error(&e))?;
    let program: BpfProgram = filter.try_into().map_err(|e: seccompiler::BackendError| error(&e))?;
    seccompiler::apply_filter(&program).map_err(|e| error(&e))
}

fn write_frame(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(&(bytes.len() as u64).to_le_bytes())?;
    out.write_all(bytes)?;
    out.flush()
}

/// The next frame, or `None` at the end of the stream. A frame longer than
/// `max` is an error (and nothing of it is held).
fn read_frame(input: &mut impl Read, max: u64) -> io::Result<Option<Vec<u8>>> {
    let mut length = [0u8; 8];
    match input.read_exact(&mut length) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let length = u64::from_le_bytes(length);
    if length > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {length} bytes is over the {max}-byte bound"),
        ));
    }
    let mut frame = Vec::new();
    input.take(length).read_to_end(&mut frame)?;
    if frame.len() as u64 != length {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(frame))
}

/// The worker's side: reads its confinement, confines itself, says how,
/// then answers each job with `handle` until its stdin closes. Call it at
/// the very start of the worker process, before any thread is started.
pub fn serve(mut handle: impl FnMut(&[u8]) -> Vec<u8>) -> Result<(), SandboxError> {
    let mut input = io::stdin().lock();
    let mut output = io::stdout().lock();
    let confinement = read_frame(&mut input, 1 << 20)?.ok_or(SandboxError::Protocol("no confinement was sent"))?;
    let confinement = Confinement::decode(&confinement)?;
    let enforcement = confine_self(&confinement)?;
    write_frame(
        &mut output,
        if enforcement.landlock_full { b"full" } else { b"partial" },
    )?;
    while let Some(job) = read_frame(&mut input, u64::MAX)? {
        let used = cpu_seconds_used();
        set_limit(
            libc::RLIMIT_CPU,
            used.saturating_add(confinement.cpu_seconds),
            libc::RLIM_INFINITY,
        )?;
        let answer = handle(&job);
        write_frame(&mut output, &answer)?;
    }
    Ok(())
}

/// Why a job has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("the parser was stopped after {0} s (the wall-clock limit)")]
    TimedOut(u64),
    #[error("the parser used up its CPU time limit of {0} s")]
    CpuLimit(u64),
    #[error("the parser crashed (a segmentation fault or a stack overflow)")]
    Crashed,
    #[error("the parser aborted (out of its {0} MiB memory limit, or its stack)")]
    Aborted(u64),
    #[error("the parser made a forbidden system call")]
    Forbidden,
    #[error("the parser was killed by signal {0}")]
    Signal(i32),
    #[error("the parser exited with status {0}")]
    Exited(i32),
    #[error("the parser's answer was malformed or over its bound: {0}")]
    Answer(String),
    #[error("no confined parser could be started: {0}")]
    Start(String),
}

/// One running worker.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    answers: Receiver<io::Result<Vec<u8>>>,
    jobs: u64,
}

/// Confined workers running one program, started as needed and reused;
/// each job waits for an idle worker or starts one.
pub struct Pool {
    program: PathBuf,
    args: Vec<String>,
    confinement: Confinement,
    wall: Duration,
    max_answer: u64,
    idle: Mutex<Vec<Worker>>,
    enforcement: Mutex<Option<Enforcement>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("program", &self.program)
            .field("args", &self.args)
            .field("confinement", &self.confinement)
            .field("wall", &self.wall)
            .finish_non_exhaustive()
    }
}

/// A worker is replaced after this many jobs, so that what its allocator
/// kept from earlier jobs never counts against a later one's memory.
const JOBS_PER_WORKER: u64 = 2_000;

impl Pool {
    /// Workers run `program args…`, which must call [`serve`]; each job
    /// may take `wall` and answer at most `max_answer` bytes.
    pub fn new(program: PathBuf, args: Vec<String>, confinement: Confinement, wall: Duration, max_answer: u64) -> Pool {
        Pool {
            program,
            args,
            confinement,
            wall,
            max_answer,
            idle: Mutex::new(Vec::new()),
            enforcement: Mutex::new(None),
        }
    }

    /// What the kernel enforced in the last worker started (none yet:
    /// `None`).
    pub fn enforcement(&self) -> Option<Enforcement> {
        self.enforcement.lock().map(|e| e.clone()).unwrap_or(None)
    }

    fn start(&self) -> Result<Worker, JobError> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            // Its own process group, so that a helper it started (a
            // `pdftoppm` on a hostile page) is killed with it.
            .process_group(0)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("LC_ALL", "C.UTF-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // What a crashing parser prints may quote the document.
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| JobError::Start(format!("{}: {e}", self.program.display())))?;
        let mut stdin = child.stdin.take().expect("piped");
        let mut stdout = child.stdout.take().expect("piped");
        let (send, answers) = sync_channel(1);
        let max = self.max_answer;
        std::thread::spawn(move || {
            loop {
                let frame = read_frame(&mut stdout, max);
                let end = !matches!(frame, Ok(Some(_)));
                let sent = match frame {
                    Ok(Some(frame)) => send.send(Ok(frame)),
                    Ok(None) => send.send(Err(io::ErrorKind::UnexpectedEof.into())),
                    Err(e) => send.send(Err(e)),
                };
                if end || sent.is_err() {
                    break;
                }
            }
        });
        if let Err(e) = write_frame(&mut stdin, &self.confinement.encode()) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(JobError::Start(format!("the worker did not take its confinement: {e}")));
        }
        let mut worker = Worker {
            child,
            stdin,
            answers,
            jobs: 0,
        };
        match worker.answers.recv_timeout(self.wall) {
            Ok(Ok(status)) => {
                *self
                    .enforcement
                    .lock()
                    .map_err(|_| JobError::Start("a poisoned lock".into()))? = Some(Enforcement {
                    landlock_full: status == b"full",
                });
                Ok(worker)
            }
            _ => {
                let _ = worker.child.kill();
                let status = worker.child.wait().ok();
                Err(JobError::Start(format!(
                    "the worker could not confine itself ({})",
                    status.map_or("no status".into(), |s| s.to_string())
                )))
            }
        }
    }

    /// Runs one job in a confined worker; its answer, or why there is none.
    pub fn run(&self, job: &[u8]) -> Result<Vec<u8>, JobError> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut worker = match idle {
            Some(worker) => worker,
            None => self.start()?,
        };
        worker.jobs += 1;
        let written = write_frame(&mut worker.stdin, job);
        let answer = match written {
            Ok(()) => worker.answers.recv_timeout(self.wall),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        match answer {
            Ok(Ok(answer)) => {
                if worker.jobs < JOBS_PER_WORKER
                    && let Ok(mut idle) = self.idle.lock()
                {
                    idle.push(worker);
                } else {
                    end(worker);
                }
                Ok(answer)
            }
            Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
                end(worker);
                Err(JobError::Answer(e.to_string()))
            }
            Err(RecvTimeoutError::Timeout) => {
                end(worker);
                Err(JobError::TimedOut(self.wall.as_secs()))
            }
            Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => Err(self.why_it_died(worker)),
        }
    }

    fn why_it_died(&self, mut worker: Worker) -> JobError {
        let status = worker.child.wait();
        // Helpers it left behind go with it.
        kill_group(&worker.child);
        let status = match status {
            Ok(status) => status,
            Err(e) => return JobError::Answer(e.to_string()),
        };
        match (status.signal(), status.code()) {
            (Some(libc::SIGXCPU), _) => JobError::CpuLimit(self.confinement.cpu_seconds),
            (Some(libc::SIGSEGV | libc::SIGBUS), _) => JobError::Crashed,
            (Some(libc::SIGABRT), _) => JobError::Aborted(self.confinement.memory_bytes >> 20),
            (Some(libc::SIGSYS), _) => JobError::Forbidden,
            (Some(signal), _) => JobError::Signal(signal),
            (None, Some(code)) => JobError::Exited(code),
            (None, None) => JobError::Answer("the worker ended without a status".into()),
        }
    }
}

/// Stops a worker: its stdin closes, and it and its helpers are killed in
/// case they are stuck.
fn end(mut worker: Worker) {
    drop(worker.stdin);
    kill_group(&worker.child);
    let _ = worker.child.wait();
}

/// Kills the worker's process group: the worker and any helper it runs.
fn kill_group(child: &Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill only sends a signal; a negative pid names the
        // group the worker leads (it was started with process_group(0)).
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

impl Pool {
    /// Stops the idle workers and waits for them (a pool kept for the life
    /// of a process calls this before it exits, so that the workers are
    /// reaped by it and counted in its children's resource use).
    pub fn shutdown(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            for worker in idle.drain(..) {
                end(worker);
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

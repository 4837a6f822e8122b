//! A real PostgreSQL for tests: a throwaway cluster (`initdb`, then the
//! server on a socket folder of its own, no TCP), or the running server
//! whose socket folder `TROVE_TEST_POSTGRES` names (`scripts/test` starts
//! one for the whole run). Each test takes a database of its own.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// The superuser of every test cluster.
pub const SUPERUSER: &str = "postgres";

/// A PostgreSQL server for tests; stopped (if this started it) when dropped.
pub struct Postgres {
    /// The folder that holds its socket.
    pub socket_dir: PathBuf,
    child: Option<Child>,
    data: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

/// Where the server's programs are: `TROVE_PG_BIN`, else Debian's.
pub fn bin_dir() -> PathBuf {
    std::env::var_os("TROVE_PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"))
}

/// PostgreSQL refuses to run as root: as root, its programs run as the
/// `postgres` account (Debian's package makes it).
fn server_account() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").expect("no NUL");
    // SAFETY: getpwnam reads a static record, copied out at once; tests
    // call it from one thread at a time per process at worst, and the
    // fields read are plain integers.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !entry.is_null(),
        "running as root needs a postgres account for the test cluster"
    );
    // SAFETY: checked non-null above.
    Some(unsafe { ((*entry).pw_uid, (*entry).pw_gid) })
}

fn as_server_account(command: &mut Command) -> &mut Command {
    if let Some((uid, gid)) = server_account() {
        command.uid(uid).gid(gid);
    }
    command
}

impl Postgres {
    /// The server `TROVE_TEST_POSTGRES` names, or a new cluster.
    pub fn start() -> Postgres {
        match std::env::var_os("TROVE_TEST_POSTGRES") {
            Some(socket_dir) => Postgres {
                socket_dir: socket_dir.into(),
                child: None,
                data: None,
                _dir: None,
            },
            None => Postgres::own(),
        }
    }

    /// A new cluster of this test's own, which it may stop and resume.
    pub fn own() -> Postgres {
        let dir = tempfile::tempdir().expect("a folder for the cluster");
        if let Some((uid, gid)) = server_account() {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("handing the folder to postgres");
        }
        let data = dir.path().join("data");
        let status = as_server_account(&mut Command::new(bin_dir().join("initdb")))
            .args([
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--username",
                SUPERUSER,
                "-D",
            ])
            .arg(&data)
            .stdout(Stdio::null())
            .status()
            .expect("initdb runs (PostgreSQL 15's binaries)");
        assert!(status.success(), "initdb failed");
        let socket_dir = dir.path().to_owned();
        let mut server = Postgres {
            socket_dir,
            child: None,
            data: Some(data),
            _dir: Some(dir),
        };
        server.resume();
        server
    }

    /// Starts this cluster's server again after [`Postgres::stop`] (an
    /// outage's end), and waits until it answers.
    pub fn resume(&mut self) {
        let data = self.data.as_ref().expect("only a cluster this started can be resumed");
        let log = std::fs::File::create(self.socket_dir.join("server.log")).expect("a server log");
        let child = as_server_account(&mut Command::new(bin_dir().join("postgres")))
            .arg("-D")
            .arg(data)
            .arg("-k")
            .arg(&self.socket_dir)
            // Sockets only; a throwaway cluster needs no durability.
            .args([
                "-c",
                "listen_addresses=",
                "-c",
                "fsync=off",
                "-c",
                "full_page_writes=off",
            ])
            .args(["-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("postgres starts");
        self.child = Some(child);
        self.wait_ready();
    }

    /// The server's main process (a cluster this started), whose children
    /// are the connections' backends.
    pub fn server_pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Stops this cluster's server at once, as a crash or an outage would
    /// (SIGQUIT: no shutdown checkpoint).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill on a child's pid we still own.
            unsafe { libc::kill(child.id() as i32, libc::SIGQUIT) };
            let _ = child.wait();
        }
    }

    fn wait_ready(&self) {
        // Readiness, not a timing assertion: the server is polled until it
        // takes a query, for as long as a slow machine needs.
        for _ in 0..600 {
            if self.run_psql("postgres", "SELECT 1").is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "the test PostgreSQL did not start; see {}",
            self.socket_dir.join("server.log").display()
        );
    }

    /// Runs one statement with psql as the superuser: its output, or
    /// psql's complaint.
    fn run_psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let output = Command::new(bin_dir().join("psql"))
            .arg("-h")
            .arg(&self.socket_dir)
            .args([
                "-U",
                SUPERUSER,
                "-d",
                database,
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// Runs one statement that must succeed with psql as the superuser;
    /// its output.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        self.run_psql(database, sql)
            .unwrap_or_else(|e| panic!("psql failed on {sql:?}: {e}"))
    }

    /// A new, empty database (C collation, as trove requires); its URL.
    pub fn database(&self) -> String {
        let name = fresh_name();
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {name} LOCALE 'C' ENCODING 'UTF8' TEMPLATE template0"),
        );
        self.url(&name)
    }

    /// A new database holding what the database at `url` holds (which
    /// nothing may be connected to); its URL.
    pub fn copy_database(&self, url: &str) -> String {
        let name = fresh_name();
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {name} TEMPLATE {}", database_name(url)),
        );
        self.url(&name)
    }

    /// The URL of `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Everything a database holds, as `pg_dump` writes it (to scan for
    /// plaintext).
    pub fn dump(&self, url: &str) -> Vec<u8> {
        let database = database_name(url);
        let output = Command::new(bin_dir().join("pg_dump"))
            .arg("-h")
            .arg(&self.socket_dir)
            .args(["-U", SUPERUSER, "--data-only", database])
            .output()
            .expect("pg_dump runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        output.stdout
    }
}

/// A database name no other test of any process has taken.
fn fresh_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!("trove_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The database a URL of [`Postgres::url`]'s names.
fn database_name(url: &str) -> &str {
    url.strip_prefix(&format!("postgres://{SUPERUSER}@localhost/"))
        .and_then(|tail| tail.split('?').next())
        .expect("a URL from Postgres::database")
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

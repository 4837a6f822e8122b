//! Helpers shared by the binary's integration tests.
#![allow(dead_code)] // each test file uses its own subset

pub mod webdriver;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `trove` binary on a data directory.
pub fn trove(data: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trove"));
    command.arg("--data").arg(data).args(args).env_remove("TROVE_DATA");
    if args.first() == Some(&"init")
        && !args.contains(&"--database")
        && let Some(url) = test_database()
    {
        command.arg("--database").arg(url);
    }
    command.output().expect("the trove binary runs")
}

/// With `TROVE_TEST_BACKEND=postgres` (the test script's second pass),
/// every data directory a test makes keeps its metadata in a new database
/// on the server `TROVE_TEST_POSTGRES` names, so the same tests check
/// both backends.
pub fn test_database() -> Option<String> {
    (std::env::var("TROVE_TEST_BACKEND").as_deref() == Ok("postgres"))
        .then(|| trove_testkit::postgres::Postgres::start().database())
}

/// The stdout of a command that must succeed.
pub fn ok(output: Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "trove failed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// Parses a command's JSON report.
pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

/// Generates a corpus (`seed`, `size` like "800K") under `dir`; its root.
pub fn gen_corpus(dir: &Path, seed: &str, size: &str) -> std::path::PathBuf {
    gen_corpus_with(dir, seed, size, &["--published-share", "0.45"])
}

/// As [`gen_corpus`], with more `gen-corpus` options (the share of
/// documents its published corpora hold, a footer).
pub fn gen_corpus_with(dir: &Path, seed: &str, size: &str, options: &[&str]) -> std::path::PathBuf {
    let corpus = dir.join("corpus");
    let mut args = vec![
        "gen-corpus",
        "--out",
        corpus.to_str().unwrap(),
        "--seed",
        seed,
        "--size",
        size,
    ];
    args.extend_from_slice(options);
    ok(trove(dir, &args));
    corpus
}

/// A submission's documents as the desk exports them (path, type,
/// status, size, verdict, overlap class, significance), sorted by path:
/// what two runs of the path are compared by.
pub fn documents_by_path(data: &Path, id: &str) -> Vec<serde_json::Value> {
    let exported = data.join("documents.jsonl");
    ok(trove(
        data,
        &[
            "docs",
            "list",
            id,
            "--export",
            "jsonl",
            "--out",
            exported.to_str().unwrap(),
        ],
    ));
    let mut rows: Vec<serde_json::Value> = std::fs::read_to_string(&exported)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .map(|row| {
            serde_json::json!({
                "path": row["path"], "type": row["type"], "status": row["status"], "size": row["size"],
                "verdict": row["verdict"], "overlap": row["overlap"], "significance": row["significance"],
            })
        })
        .collect();
    rows.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    rows
}

/// Makes the data dir `data` and submits `path` into it, its receipt
/// appended to the log at once (as after its day's batch); the submission
/// id.
pub fn init_and_submit(data: &Path, path: &Path) -> String {
    ok(trove(data, &["init"]));
    let submitted = json(&ok(trove(data, &["submit", "--json", path.to_str().unwrap()])));
    ok(trove(data, &["log", "flush", "--today"]));
    submitted["submission"].as_str().unwrap().to_owned()
}

/// A generated corpus under `dir`, its cache submitted into `dir/data` and
/// ingested: the corpus root, the data dir and the submission id.
pub fn ingested_corpus(dir: &Path, seed: &str, size: &str) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let corpus = gen_corpus(dir, seed, size);
    let data = dir.join("data");
    let id = init_and_submit(&data, &corpus.join("cache"));
    ok(trove(&data, &["ingest", &id]));
    (corpus, data, id)
}

/// A running `trove serve`, killed when dropped. What it writes after its
/// address line is kept, to check what it logs.
pub struct Server {
    child: std::process::Child,
    /// The source interface (role intake or all), else the desk's listener.
    pub base: String,
    /// The desk's listener (role desk or all): its pages under /desk/ and
    /// the log under /log/.
    pub desk: String,
    /// The public archive's listener (role archive or all).
    pub archive: String,
    readers: Vec<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Starts `trove serve --role ROLE`, every listener on a free port of
    /// 127.0.0.1.
    pub fn start(data: &Path, role: &str) -> Server {
        Server::start_with(data, &["--role", role])
    }

    /// Starts `trove serve` with these options (and free ports).
    pub fn start_with(data: &Path, options: &[&str]) -> Server {
        use std::io::{BufRead, BufReader, Read};
        use std::process::Stdio;
        let mut child = Command::new(env!("CARGO_BIN_EXE_trove"))
            .arg("--data")
            .arg(data)
            .arg("serve")
            .args(options)
            .args([
                "--intake-addr",
                "127.0.0.1:0",
                "--desk-addr",
                "127.0.0.1:0",
                "--archive-addr",
                "127.0.0.1:0",
            ])
            .env_remove("TROVE_DATA")
            // As verbose as an operator could make it: still nothing may log
            // an address, a user agent, a codename or a file name.
            .env("TROVE_LOG", "trace")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("trove serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let listeners = match options.windows(2).find(|w| w[0] == "--role").map(|w| w[1]) {
            Some("all") => 3,
            _ => 1,
        };
        let (mut base, mut desk, mut archive) = (String::new(), String::new(), String::new());
        for _ in 0..listeners {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            let url = line
                .split_whitespace()
                .find(|w| w.starts_with("http://"))
                .unwrap_or_else(|| panic!("no address in {line:?}"))
                .trim_end_matches('/')
                .to_owned();
            if line.contains("the desk") {
                desk = url;
            } else if line.contains("public archive") {
                archive = url;
            } else {
                base = url;
            }
        }
        if base.is_empty() {
            base = if desk.is_empty() { archive.clone() } else { desk.clone() };
        }
        let streams: Vec<Box<dyn Read + Send>> = vec![Box::new(stdout), Box::new(child.stderr.take().unwrap())];
        let readers = streams
            .into_iter()
            .map(|mut stream| {
                std::thread::spawn(move || {
                    let mut bytes = Vec::new();
                    let _ = stream.read_to_end(&mut bytes);
                    String::from_utf8_lossy(&bytes).into_owned()
                })
            })
            .collect();
        Server {
            child,
            base,
            desk,
            archive,
            readers,
        }
    }

    /// The server's process id (to read its memory).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server (SIGKILL: no chance to tidy up) and returns all it
    /// wrote after its address line.
    pub fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::take(&mut self.readers)
            .into_iter()
            .map(|reader| reader.join().unwrap_or_default())
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sets `key = value` in a data dir's trove.toml (the key must be there).
pub fn set_config(data: &Path, key: &str, value: &str) {
    let path = data.join("trove.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = format!("{key} = ");
    assert!(text.lines().any(|l| l.starts_with(&prefix)), "no {key} in trove.toml");
    let changed: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with(&prefix) {
                format!("{key} = {value}")
            } else {
                l.to_owned()
            }
        })
        .collect();
    std::fs::write(&path, changed.join("\n") + "\n").unwrap();
}

/// Makes the data dir `data` with a cheap codename derivation (8 MiB, one
/// pass), for tests that log sources in.
pub fn init_fast(data: &Path) {
    ok(trove(data, &["init"]));
    set_config(data, "kdf_memory_mib", "8");
    set_config(data, "kdf_passes", "1");
}

/// The largest resident size (KiB) of any child process waited for so far
/// (and of the children it waited for): a test binary's children's peak.
pub fn children_peak_rss_kib() -> i64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) }, 0);
    usage.ru_maxrss
}

/// Runs `trove` as `trove()` does and reads that one child's peak
/// resident size (KiB) with wait4: its stdout and its peak.
#[allow(dead_code)]
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which clippy does not see"
)]
pub fn trove_peak_rss(data: &Path, args: &[&str]) -> (String, i64) {
    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trove"))
        .arg("--data")
        .arg(data)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    // SAFETY: waits for our own child and writes into values we own.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "trove {args:?}: {stderr}"
    );
    (stdout, usage.ru_maxrss)
}

/// A `Cookie` header's value for `cookies`.
pub fn cookie_header(cookies: &std::collections::BTreeMap<String, String>) -> String {
    cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// An HTTP client that reports every status and follows no redirect.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .build()
        .new_agent()
}

/// A source's browser without a browser: cookies, forms and uploads over
/// plain HTTP, redirects not followed (so cookies on a 303 are seen).
pub struct Source {
    agent: ureq::Agent,
    pub base: String,
    pub cookies: std::collections::BTreeMap<String, String>,
}

/// A response: status, headers, body.
pub struct Reply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

const BOUNDARY: &str = "trove-test-boundary-5f3a9c";

impl Source {
    pub fn new(base: &str) -> Source {
        Source {
            agent: agent(),
            base: base.to_owned(),
            cookies: Default::default(),
        }
    }

    fn cookie_header(&self) -> String {
        cookie_header(&self.cookies)
    }

    fn take(&mut self, response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.expect("the server answers");
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, cookie) = pair.split_once('=').unwrap();
            if value.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), cookie.to_owned());
            }
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Reply { status, headers, body }
    }

    pub fn get(&mut self, path: &str) -> Reply {
        let request = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header());
        self.take(request.call())
    }

    pub fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header());
        self.take(request.send_form(fields.iter().copied()))
    }

    /// A multipart body: the CSRF field first, then files, then a message.
    pub fn multipart(csrf: &str, files: &[(&str, &[u8])], message: &str) -> Vec<u8> {
        let mut body = Vec::new();
        let mut field = |disposition: String, bytes: &[u8]| {
            body.extend_from_slice(
                format!("--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n").as_bytes(),
            );
            if disposition.contains("filename") {
                body.extend_from_slice(b"Content-Type: application/octet-stream\r\n");
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        };
        field("name=\"csrf\"".into(), csrf.as_bytes());
        for (name, bytes) in files {
            field(format!("name=\"files\"; filename=\"{name}\""), bytes);
        }
        field("name=\"message\"".into(), message.as_bytes());
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        body
    }

    pub fn post_multipart(&mut self, body: &[u8]) -> Reply {
        let sent = self.send_multipart(body);
        self.take(sent)
    }

    /// Posts a form the server may refuse before reading it all: its
    /// reply, or `None` if the connection was reset first.
    pub fn try_post_multipart(&mut self, body: &[u8]) -> Option<Reply> {
        let sent = self.send_multipart(body).ok()?;
        Some(self.take(Ok(sent)))
    }

    fn send_multipart(&self, body: &[u8]) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        self.agent
            .post(format!("{}/submit", self.base))
            .header("Cookie", self.cookie_header())
            .content_type(format!("multipart/form-data; boundary={BOUNDARY}"))
            .send(body)
    }

    /// Sends files and a message through the form on /home.
    pub fn submit(&mut self, files: &[(&str, &[u8])], message: &str) -> Reply {
        let home = self.get("/home");
        assert_eq!(home.status, 200, "not logged in");
        let body = Self::multipart(&csrf(&home.body), files, message);
        self.post_multipart(&body)
    }

    /// Draws a codename, confirms it, and is logged in; the codename.
    pub fn new_codename(&mut self) -> String {
        let page = self.get("/generate");
        assert_eq!(page.status, 200);
        let codename = between(&page.body, "id=\"codename\">", "<").to_owned();
        assert_eq!(codename.split(' ').count(), 7, "{codename}");
        let created = self.post_form("/create", &[("csrf", &csrf(&page.body))]);
        assert_eq!((created.status, created.header("location")), (303, Some("/home")));
        assert!(self.cookies.contains_key("trove_session"));
        codename
    }

    /// Logs in; the response to the log-in form.
    pub fn login(&mut self, codename: &str) -> Reply {
        let page = self.get("/login");
        self.post_form("/login", &[("csrf", &csrf(&page.body)), ("codename", codename)])
    }

    pub fn tus(&self, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Reply {
        let mut request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("Cookie", self.cookie_header())
            .header("Tus-Resumable", "1.0.0");
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let response = self.agent.run(request.body(body.to_vec()).unwrap());
        let mut response = response.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Reply { status, headers, body }
    }
}

/// The CSRF token of the first form on a page.
pub fn csrf(html: &str) -> String {
    between(html, "name=\"csrf\" value=\"", "\"").to_owned()
}

/// The text between two markers.
pub fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?} in {text}")) + start.len();
    let len = text[from..].find(end).unwrap();
    &text[from..from + len]
}

/// A generated corpus of `size` whose published corpora hold about
/// `published_share` of its documents, submitted, ingested, with its DKIM
/// keys imported, its published corpora registered and verified: ready to
/// triage. The corpus root, the data dir and the submission id.
pub fn triage_ready(
    dir: &Path,
    seed: &str,
    size: &str,
    options: &[&str],
) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let corpus = gen_corpus_with(dir, seed, size, options);
    let data = dir.join("data");
    let id = init_and_submit(&data, &corpus.join("cache"));
    ok(trove(&data, &["ingest", &id]));
    ok(trove(
        &data,
        &["keys", "dkim", "import", corpus.join("dkim-keys.txt").to_str().unwrap()],
    ));
    ok(trove(
        &data,
        &[
            "published",
            "import-listing",
            corpus.join("published/corpora.json").to_str().unwrap(),
        ],
    ));
    ok(trove(&data, &["verify", &id]));
    (corpus, data, id)
}

/// Every file under `dir`, at any depth.
pub fn all_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(all_files(&path))
        } else {
            files.push(path)
        }
    }
    files
}

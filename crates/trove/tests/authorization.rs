//! The authorization matrix: every route of the intake and the desk, as
//! their tables (`trove_intake::server::ROUTES`, `trove_desk::ROUTES`)
//! declare it, tried by every kind of caller (anonymous, a source, a
//! journalist, an editor, an admin, the desk's pull client, a media
//! partner's user), each form
//! with and without its CSRF token, against running servers.
//!
//! The tables are checked against the routers' source first, so a route
//! added without an entry fails this test, and against the running
//! routers (a method not in the table is not routed).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{Server, Source, between, json, ok, trove};
use trove_web::{Access, Route};

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

/// The (method, path) pairs that `.route("PATH", …)` calls in a router's
/// source declare.
fn routes_in_source(file: &Path) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut found = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let open = rest.find('"').unwrap();
        let close = open + 1 + rest[open + 1..].find('"').unwrap();
        let path = rest[open + 1..close].to_owned();
        // The method router runs to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let mut in_string = false;
        let mut end = close + 1;
        for (i, c) in rest[close + 1..].char_indices() {
            match c {
                '"' => in_string = !in_string,
                '(' if !in_string => depth += 1,
                ')' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        end = close + 1 + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let expression = &rest[close + 1..end];
        for method in METHODS {
            let call = format!("{method}(");
            let mut from = 0;
            while let Some(at) = expression[from..].find(&call) {
                let at = from + at;
                let before = expression[..at].chars().last();
                if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    found.insert((method.to_uppercase(), path.clone()));
                }
                from = at + call.len();
            }
        }
        rest = &rest[end..];
    }
    found
}

fn table(routes: &[Route]) -> BTreeSet<(String, String)> {
    routes
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect()
}

#[test]
fn every_route_in_the_routers_has_an_entry_in_its_table() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (file, routes) in [
        ("trove-intake/src/server/mod.rs", trove_intake::server::ROUTES),
        ("trove-desk/src/server/mod.rs", trove_desk::ROUTES),
        ("trove-archive/src/server.rs", trove_archive::server::ROUTES),
    ] {
        let in_source = routes_in_source(&crates.join(file));
        assert!(in_source.len() >= 10, "{file}: only {in_source:?} found");
        let in_table = table(routes);
        let missing: Vec<_> = in_source.difference(&in_table).collect();
        let extra: Vec<_> = in_table.difference(&in_source).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{file}: routes without a table entry {missing:?}; entries without a route {extra:?}"
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Source,
    Journalist,
    Editor,
    Admin,
    PullClient,
    Partner,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Source,
    Caller::Journalist,
    Caller::Editor,
    Caller::Admin,
    Caller::PullClient,
    Caller::Partner,
];

fn allowed(access: Access, caller: Caller) -> bool {
    use Caller::*;
    match access {
        Access::Anyone | Access::UploadUrl => true,
        Access::Source => caller == Source,
        Access::DeskUser => matches!(caller, Journalist | Editor | Admin),
        Access::Editor => matches!(caller, Editor | Admin),
        Access::Admin => caller == Admin,
        Access::ApiKey => caller == PullClient,
        Access::Partner => caller == Partner,
    }
}

/// What a caller brings to one listener: cookies, a CSRF token of its
/// session (or of the log-in page's), and headers.
#[derive(Clone, Default)]
struct Credentials {
    cookies: BTreeMap<String, String>,
    csrf: String,
    authorization: Option<String>,
}

struct Answer {
    status: u16,
    location: Option<String>,
}

fn send(base: &str, method: &str, path: &str, who: &Credentials, with_csrf: bool) -> Answer {
    let agent = common::agent();
    let cookie = common::cookie_header(&who.cookies);
    let csrf = if with_csrf { who.csrf.as_str() } else { "" };
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{base}{path}"))
        .header("Cookie", cookie);
    if let Some(key) = &who.authorization {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    let body: Vec<u8> = if path.starts_with("/tus/") {
        request = request.header("Tus-Resumable", "1.0.0");
        match method {
            "POST" => {
                request = request.header("Upload-Length", "4");
                Vec::new()
            }
            "PATCH" => {
                request = request
                    .header("Upload-Offset", "0")
                    .header("Content-Type", "application/offset+octet-stream");
                b"abcd".to_vec()
            }
            _ => Vec::new(),
        }
    } else if path == "/submit" {
        request = request.header("Content-Type", "multipart/form-data; boundary=b0undary");
        format!(
            "--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--b0undary\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhello\r\n--b0undary--\r\n"
        )
        .into_bytes()
    } else if path.starts_with("/api/") {
        request = request.header("Content-Type", "application/json");
        if method == "PUT" {
            b"ciphertext".to_vec()
        } else {
            b"{}".to_vec()
        }
    } else if method == "POST" {
        request = request.header("Content-Type", "application/x-www-form-urlencoded");
        // Wrong credentials for the log-in forms: the route is open, the
        // door is not. (A name of its own for each caller, since log-ins
        // are throttled by name.)
        let name: String = who.csrf.chars().take(12).collect();
        format!("csrf={csrf}&codename=not+a+codename&name=nobody{name}&password=wrong&code=000000").into_bytes()
    } else {
        Vec::new()
    };
    let response = agent.run(request.body(body).unwrap()).expect("the server answers");
    Answer {
        status: response.status().as_u16(),
        location: response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

fn denied(answer: &Answer) -> bool {
    matches!(answer.status, 401 | 403)
        || (answer.status == 303 && answer.location.as_deref().is_some_and(|l| l.ends_with("/login")))
}

/// A desk user logged in over HTTP: its cookies and the CSRF token of its
/// session.
fn desk_user(server: &Server, data: &Path, name: &str, role: &str) -> Credentials {
    let mut args = vec!["users", "add", name, "--role", role, "--json"];
    if role == "partner" {
        ok(trove(data, &["partners", "add", "courier"]));
        args.extend(["--partner", "courier"]);
    }
    let added = json(&ok(trove(data, &args)));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = trove_app::users::totp_code(added["totp_secret"].as_str().unwrap(), now).unwrap();
    let mut browser = Source::new(&server.desk);
    let page = browser.get("/desk/login");
    let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"").to_owned();
    let password = added["password"].as_str().unwrap();
    let logged_in = browser.post_form(
        "/desk/login",
        &[("csrf", &csrf), ("name", name), ("password", password), ("code", &code)],
    );
    assert_eq!(logged_in.status, 303, "{name} could not log in");
    let inbox = browser.get(if role == "partner" { "/desk/partner/" } else { "/desk/" });
    assert_eq!(inbox.status, 200);
    Credentials {
        csrf: between(&inbox.body, "name=\"csrf\" value=\"", "\"").to_owned(),
        cookies: browser.cookies,
        authorization: None,
    }
}

/// A caller without a session on a listener: the cookie and CSRF token of
/// the log-in page it fetched.
fn visitor(base: &str, login_page: &str, authorization: Option<String>) -> Credentials {
    let mut browser = Source::new(base);
    let page = browser.get(login_page);
    Credentials {
        csrf: between(&page.body, "name=\"csrf\" value=\"", "\"").to_owned(),
        cookies: browser.cookies,
        authorization,
    }
}

/// `who` after fetching `page`: its cookies with those the page set, and
/// the page's form token.
fn with_token_of(base: &str, page: &str, who: &Credentials) -> Credentials {
    let mut browser = Source::new(base);
    browser.cookies = who.cookies.clone();
    let shown = browser.get(page);
    Credentials {
        csrf: between(&shown.body, "name=\"csrf\" value=\"", "\"").to_owned(),
        cookies: browser.cookies,
        authorization: who.authorization.clone(),
    }
}

/// Runs every entry of `routes` for every caller; the failures.
fn matrix(
    base: &str,
    routes: &[Route],
    callers: &BTreeMap<Caller, Credentials>,
    fill: &dyn Fn(&str) -> String,
) -> Vec<String> {
    assert_eq!(
        callers.keys().copied().collect::<Vec<_>>(),
        CALLERS,
        "every kind of caller"
    );
    let mut failures = Vec::new();
    // Log-outs and the upload's termination end what later rows need.
    let mut routes = routes.to_vec();
    routes.sort_by_key(|r| r.path.ends_with("/logout") || r.method == "DELETE");
    let log_ins = ["/login", "/desk/login"];
    for route in &routes {
        let path = fill(route.path);
        for (&caller, who) in callers {
            // A form anyone may send carries the token of the page that
            // shows it (a log-in page's visitor session), not of the
            // caller's session.
            let who = match (route.access, route.csrf) {
                (Access::Anyone, true) => {
                    let page = if route.path == "/create" {
                        "/generate"
                    } else {
                        route.path
                    };
                    with_token_of(base, page, who)
                }
                _ => who.clone(),
            };
            for with_csrf in if route.csrf { vec![false, true] } else { vec![false] } {
                let answer = send(base, route.method, &path, &who, with_csrf);
                let row = format!(
                    "{} {path} as {caller:?}{}: {} {:?}",
                    route.method,
                    if route.csrf {
                        if with_csrf { " with CSRF" } else { " without CSRF" }
                    } else {
                        ""
                    },
                    answer.status,
                    answer.location
                );
                let right = if !allowed(route.access, caller) {
                    denied(&answer)
                } else if route.csrf && !with_csrf {
                    answer.status == 403
                } else if route.csrf && log_ins.contains(&route.path) {
                    // Through the door's CSRF check, refused by its lock.
                    answer.status == 401
                } else if route.path.ends_with("/logout") {
                    // Logged out, and the session is gone.
                    let home = if route.path.starts_with("/desk") {
                        "/desk/"
                    } else {
                        "/home"
                    };
                    answer.status == 303 && denied(&send(base, "GET", home, &who, false))
                } else {
                    !denied(&answer) && answer.status != 405
                };
                if !right {
                    failures.push(row);
                }
            }
        }
        // A method the table does not list for this path is not routed.
        let listed: Vec<&str> = routes
            .iter()
            .filter(|r| r.path == route.path)
            .map(|r| r.method)
            .collect();
        // (The pull API checks the key before it routes by method.)
        let prober = if route.access == Access::ApiKey {
            Caller::PullClient
        } else {
            Caller::Admin
        };
        for method in METHODS.map(str::to_uppercase) {
            if !listed.contains(&method.as_str()) && method != "HEAD" && method != "OPTIONS" {
                let answer = send(base, &method, &path, &callers[&prober], true);
                if !matches!(answer.status, 404 | 405) {
                    failures.push(format!(
                        "{method} {path} is routed but not in the table: {}",
                        answer.status
                    ));
                }
            }
        }
    }
    failures
}

#[test]
fn every_route_answers_each_kind_of_caller_as_its_table_says() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = tmp.path().join("desk");
    common::init_fast(&desk);
    let intake = tmp.path().join("intake");
    ok(trove(&desk, &["intake-kit", "--out", intake.to_str().unwrap()]));
    let api_key = std::fs::read_to_string(desk.join("keys/intake.apikey"))
        .unwrap()
        .trim()
        .to_owned();
    let leak = tmp.path().join("leak");
    std::fs::create_dir(&leak).unwrap();
    std::fs::write(leak.join("memo.txt"), "A memo about the budget.").unwrap();
    let submitted = json(&ok(trove(&desk, &["submit", "--json", leak.to_str().unwrap()])));
    let submission = submitted["submission"].as_str().unwrap().to_owned();
    ok(trove(&desk, &["ingest", &submission]));
    let documents = json(&ok(trove(&desk, &["docs", "list", &submission, "--json"])));
    let document = documents["documents"][0]["id"].as_str().unwrap().to_owned();

    // The intake, on its own machine, with the pull API's key.
    let intake_server = Server::start(&intake, "intake");
    let base = intake_server.base.clone();
    let mut source = Source::new(&base);
    source.new_codename();
    let home = source.get("/home");
    let source_credentials = Credentials {
        csrf: between(&home.body, "name=\"csrf\" value=\"", "\"").to_owned(),
        cookies: source.cookies.clone(),
        authorization: None,
    };
    let upload = source.tus("POST", "/tus/", &[("Upload-Length", "4".into())], b"");
    assert_eq!(upload.status, 201);
    let upload_path = upload.header("location").unwrap().to_owned();
    let mut callers = BTreeMap::new();
    callers.insert(Caller::Anonymous, visitor(&base, "/login", None));
    callers.insert(Caller::Source, source_credentials);
    // Desk users and the pull client have no session here.
    for caller in [Caller::Journalist, Caller::Editor, Caller::Admin, Caller::Partner] {
        callers.insert(caller, visitor(&base, "/login", None));
    }
    callers.insert(Caller::PullClient, visitor(&base, "/login", Some(api_key)));
    let fill = |path: &str| {
        path.replace("/tus/{token}", &upload_path)
            .replace("{id}", &"0".repeat(64))
    };
    let mut failures = matrix(&base, trove_intake::server::ROUTES, &callers, &fill);
    // An upload URL with a wrong key is no capability, for anyone.
    let (id, _) = upload_path.rsplit_once('-').unwrap();
    let forged = format!("{id}-{}", "0".repeat(64));
    for (caller, who) in &callers {
        let answer = send(&base, "HEAD", &forged, who, false);
        if answer.status != 404 {
            failures.push(format!(
                "HEAD with a forged upload key as {caller:?}: {}",
                answer.status
            ));
        }
    }
    drop(intake_server);

    // The desk, with a user of each role.
    let desk_server = Server::start(&desk, "desk");
    let base = desk_server.desk.clone();
    let mut callers = BTreeMap::new();
    callers.insert(Caller::Anonymous, visitor(&base, "/desk/login", None));
    callers.insert(Caller::Source, visitor(&base, "/desk/login", None));
    callers.insert(
        Caller::PullClient,
        visitor(&base, "/desk/login", Some("a key is no desk log-in".into())),
    );
    for (caller, name, role) in [
        (Caller::Journalist, "jo", "journalist"),
        (Caller::Editor, "ed", "editor"),
        (Caller::Admin, "ad", "admin"),
        (Caller::Partner, "pat", "partner"),
    ] {
        callers.insert(caller, desk_user(&desk_server, &desk, name, role));
    }
    // No release exists (the submission is not accepted): the release
    // routes answer an allowed caller with "no such release", a refused
    // one as every other route does.
    let release = "0".repeat(32);
    let fill = |path: &str| {
        path.replace("{id}", &submission)
            .replace("{doc}", &document)
            .replace("{release}", &release)
    };
    failures.extend(matrix(&base, trove_desk::ROUTES, &callers, &fill));
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

//! The newsroom desk in a real headless Chromium with JavaScript off: an
//! editor logs in with password and TOTP, opens a submission, triages it,
//! searches it, reads a document, signs the proposed decision and replies;
//! then the source, logged in to the intake, sees the reply and the
//! decision with its reason codes, and the log verifies the decision.

mod common;

use common::webdriver::{Browser, Driver};
use common::{Server, Source, between, json, ok, trove};

#[test]
fn an_editor_decides_and_replies_on_the_desk_and_the_source_sees_both() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::init_fast(&data);
    let editor = json(&ok(trove(
        &data,
        &["users", "add", "olena", "--role", "editor", "--json"],
    )));
    let password = editor["password"].as_str().unwrap().to_owned();
    let secret = editor["totp_secret"].as_str().unwrap().to_owned();
    let again = trove(&data, &["users", "add", "olena"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("already a user"));

    // A published corpus to measure against, so triage has all it needs.
    let published = tmp.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    std::fs::write(
        published.join("old.txt"),
        "An older article about something else entirely.",
    )
    .unwrap();
    ok(trove(
        &data,
        &[
            "published",
            "import",
            "--name",
            "old",
            "--publisher",
            "The Courier",
            "--date",
            "2015-01-01",
            published.to_str().unwrap(),
        ],
    ));

    let server = Server::start(&data, "all");
    let mut source = Source::new(&server.base);
    let codename = source.new_codename();
    let memo = "Minutes of the board, 3 March 2014: the harbour contract goes to Northwind Capital Ltd.";
    let sent = source.submit(&[("minutes.txt", memo.as_bytes())], "I was at that meeting.");
    let submission = between(&sent.body, "id=\"submission\">", "<").to_owned();
    ok(trove(&data, &["ingest", &submission]));
    ok(trove(&data, &["verify", &submission]));

    let driver = Driver::start();
    let browser = Browser::open(&driver, &tmp.path().join("profile"));
    browser.go(&format!("{}/desk/", server.desk));
    browser.element("#password");
    assert!(browser.url().ends_with("/desk/login"), "{}", browser.url());
    // A wrong code is refused.
    browser.type_into("#name", "olena");
    browser.type_into("#password", &password);
    browser.type_into("#code", "000000");
    browser.click("#login");
    assert!(browser.text(".error").contains("wrong"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    browser.type_into("#name", "olena");
    browser.type_into("#password", &password);
    browser.type_into("#code", &trove_app::users::totp_code(&secret, now).unwrap());
    browser.click("#login");
    browser.wait_for_text("main", "1 new");

    browser.click(&format!("a[href='/desk/s/{submission}']"));
    browser.click("#triage");
    let proposal = browser.text("#proposal");
    assert!(proposal.contains("the policy proposes reject"), "{proposal}");
    let report = json(&ok(trove(&data, &["triage", &submission, "--json"])));
    let codes: Vec<String> = report["proposal"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(!codes.is_empty());

    // Search within the submission, and the document viewer.
    browser.type_into("#q", "harbour contract");
    browser.click("#search");
    assert!(
        browser.text("#hits").contains("1 documents"),
        "{}",
        browser.text("#hits")
    );
    browser.click("a[href^='/desk/d/']");
    assert!(browser.text("#text").contains("Northwind Capital Ltd"));
    browser.go(&format!("{}/desk/s/{submission}", server.desk));

    // The editor confirms the proposal and replies to the source.
    browser.click("#outcome-reject");
    for code in &codes {
        browser.click(&format!("#code-{code}"));
    }
    browser.click("#decide");
    browser.wait_for_text(".notice", "Decision signed: reject");
    browser.type_into("#reply", "Thank you. Can you tell us who else was there?");
    browser.click("#send-reply");
    browser.wait_for_text(".notice", "Reply sealed");
    // A journalist's note and tag stay on the desk.
    let desk_note = "Desk only: the second witness is the harbour master's deputy";
    browser.type_into("#note-text", desk_note);
    browser.click("#add-note");
    browser.wait_for_text("main", desk_note);
    browser.type_into("#tag", "harbour-witness");
    browser.click("#add-tag");
    browser.wait_for_text("#submission-tags", "harbour-witness");

    // The source sees the reply and the decision with its codes, and
    // never the desk's note or tag.
    assert_eq!(source.login(&codename).status, 303);
    let home = source.get("/home").body;
    assert!(
        !home.contains("second witness") && !home.contains("harbour-witness"),
        "{home}"
    );
    assert!(home.contains("Can you tell us who else was there?"), "{home}");
    assert!(
        home.contains(&format!("decided: declined ({})", codes.join(", "))),
        "{home}"
    );

    // The decision is in the log, signed by olena's key.
    let seen = tmp.path().join("seen");
    let verified = json(&ok(trove(
        &data,
        &["log", "verify", "--state", seen.to_str().unwrap(), "--json"],
    )));
    assert_eq!(verified["entries"]["decision"], 1, "{verified}");
    // Nor is the note in the public log's files.
    let log_files = common::all_files(&data.join("log"));
    assert!(!log_files.is_empty());
    for file in log_files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("second witness"),
            "{}",
            file.display()
        );
    }
}

/// Logs in to the desk over plain HTTP; the response to the form.
fn desk_login(desk: &mut Source, name: &str, password: &str, code: &str) -> common::Reply {
    let page = desk.get("/desk/login");
    let csrf = between(&page.body, "name=\"csrf\" value=\"", "\"").to_owned();
    desk.post_form(
        "/desk/login",
        &[("csrf", &csrf), ("name", name), ("password", password), ("code", code)],
    )
}

#[test]
fn a_code_is_good_once_across_restarts_and_a_disabled_user_is_logged_out_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(trove(&data, &["init"]));
    let added = json(&ok(trove(
        &data,
        &["users", "add", "olena", "--role", "editor", "--json"],
    )));
    let (password, secret) = (
        added["password"].as_str().unwrap().to_owned(),
        added["totp_secret"].as_str().unwrap().to_owned(),
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = trove_app::users::totp_code(&secret, now).unwrap();

    let server = Server::start(&data, "all");
    let mut first = Source::new(&server.desk);
    assert_eq!(desk_login(&mut first, "olena", &password, &code).status, 303);
    assert_eq!(first.get("/desk/").status, 200);
    // An unknown name gets the same answer as a wrong code.
    let mut stranger = Source::new(&server.desk);
    let refused = desk_login(&mut stranger, "nobody", &password, &code);
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("Name, password or code is wrong."));

    // The desk restarts: the code that was used stays used.
    drop(server);
    let server = Server::start(&data, "all");
    let mut replay = Source::new(&server.desk);
    assert_eq!(
        desk_login(&mut replay, "olena", &password, &code).status,
        401,
        "a used code was accepted again after a restart"
    );

    // The next step's code logs in; disabling the user ends that session
    // at its next request.
    let next = trove_app::users::totp_code(&secret, now + 30).unwrap();
    let mut second = Source::new(&server.desk);
    assert_eq!(desk_login(&mut second, "olena", &password, &next).status, 303);
    assert_eq!(second.get("/desk/").status, 200);
    ok(trove(&data, &["users", "disable", "olena"]));
    let after = second.get("/desk/");
    assert_eq!(after.status, 303, "a disabled user's session goes on");
    assert!(after.headers.get("location").is_some_and(|l| l == "/desk/login"));
    let missing = trove(&data, &["users", "disable", "nobody"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no desk user nobody"));
}

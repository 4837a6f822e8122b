//! A release on the desk, in a real headless Chromium with JavaScript off,
//! by two people: the editor starts it and has redactions proposed, and
//! cannot approve what she proposed; a journalist rejects one proposal and
//! approves the rest; the journalist cannot publish; the editor publishes,
//! and the sealed release verifies against the log.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs
//! them).

mod common;

use common::webdriver::{Browser, Driver};
use common::{Server, json, ok, trove};

fn log_in(browser: &Browser, desk: &str, name: &str, user: &serde_json::Value) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    browser.go(&format!("{desk}/desk/login"));
    browser.type_into("#name", name);
    browser.type_into("#password", user["password"].as_str().unwrap());
    let secret = user["totp_secret"].as_str().unwrap();
    browser.type_into("#code", &trove_app::users::totp_code(secret, now).unwrap());
    browser.click("#login");
    browser.element("#logout");
}

#[test]
fn two_people_review_and_publish_a_release_on_the_desk() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::init_fast(&data);
    let leak = tmp.path().join("leak");
    std::fs::create_dir_all(&leak).unwrap();
    std::fs::write(
        leak.join("memo.txt"),
        "Minutes: call Jan de Vries on +49 30 1234 5678 or write to jan.devries@example.org.\n",
    )
    .unwrap();
    let submitted = json(&ok(trove(&data, &["submit", "--json", leak.to_str().unwrap()])));
    let id = submitted["submission"].as_str().unwrap().to_owned();
    ok(trove(&data, &["ingest", &id]));
    ok(trove(&data, &["triage", &id]));
    ok(trove(
        &data,
        &["decide", &id, "--accept", "--reason", "a test on the desk"],
    ));
    let olena = json(&ok(trove(
        &data,
        &["users", "add", "olena", "--role", "editor", "--json"],
    )));
    let petro = json(&ok(trove(
        &data,
        &["users", "add", "petro", "--role", "journalist", "--json"],
    )));
    let document = json(&ok(trove(&data, &["docs", "list", &id, "--json"])))["documents"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let server = Server::start(&data, "all");
    let driver = Driver::start();
    let editor = Browser::open(&driver, &tmp.path().join("editor"));
    log_in(&editor, &server.desk, "olena", &olena);
    editor.go(&format!("{}/desk/s/{id}", server.desk));
    editor.click("#new-release");
    editor.click("#propose");
    editor.wait_for_text("#state", "2 proposed");
    editor.click("#awaiting a");
    editor.wait_for_text("#spans", "jan.devries@example.org");
    let release = editor
        .url()
        .split("/desk/r/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    // Four eyes: the proposer cannot approve her own proposals.
    editor.click("#approve");
    editor.wait_for_text("main", "someone else must review");

    let review = |field: &str| {
        json(&ok(trove(
            &data,
            &["release", "show", &release, "--document", &document, "--json"],
        )))[field]
            .clone()
    };
    let spans = review("redactions");
    let phone = spans.as_array().unwrap().iter().find(|s| s["kind"] == "phone").unwrap()["id"]
        .as_u64()
        .unwrap();

    let journalist = Browser::open(&driver, &tmp.path().join("journalist"));
    log_in(&journalist, &server.desk, "petro", &petro);
    journalist.go(&format!("{}/desk/r/{release}/d/{document}", server.desk));
    journalist.click(&format!("#reject-{phone}"));
    journalist.wait_for_text(&format!("#span-{phone} .state"), "rejected");
    journalist.click("#approve");
    journalist.wait_for_text("#spans", "confirmed");
    let states: Vec<String> = review("redactions")
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {} {}",
                s["kind"].as_str().unwrap(),
                s["state"].as_str().unwrap(),
                s["reviewed_by"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        states,
        vec!["phone rejected petro", "email confirmed petro"],
        "{states:?}"
    );
    // Only editors publish: the journalist has no button for it.
    journalist.go(&format!("{}/desk/r/{release}", server.desk));
    assert!(!journalist.text("main").contains("Publish (render"));

    editor.go(&format!("{}/desk/r/{release}", server.desk));
    editor.click("#publish");
    editor.wait_for_text("#published", "log entry");
    let view = json(&ok(trove(&data, &["release", "show", &release, "--json"])));
    let folder = view["folder"].as_str().unwrap();
    let check = json(&ok(trove(
        &data,
        &[
            "manifest",
            "verify",
            folder,
            "--log-key",
            data.join("keys/log.vkey").to_str().unwrap(),
            "--json",
        ],
    )));
    assert_eq!(check["counts"]["redacted"], 1, "{check}");
    assert!(check["problems"].as_array().unwrap().is_empty());
    let text: String = std::fs::read_dir(std::path::Path::new(folder).join("documents"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        !text.contains("jan.devries@example.org") && text.contains("+49 30 1234 5678"),
        "{text}"
    );
}

//! A source in a real browser: headless Chromium with JavaScript turned off
//! (as Tor Browser's "Safest" level does), driven over WebDriver by
//! chromedriver. It gets a codename, uploads a file, sends a message, logs
//! out, logs in again and reads the newsroom's reply.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs
//! them).

mod common;

use common::webdriver::{Browser, Driver};
use common::{Server, json, ok, trove};

#[test]
fn a_source_in_chromium_without_javascript() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::init_fast(&data);
    let server = Server::start(&data, "all");
    let driver = Driver::start();
    let browser = Browser::open(&driver, &tmp.path().join("profile"));

    // JavaScript really is off in this browser.
    browser.go("data:text/html,<title>off</title><script>document.title='on'</script>");
    assert_eq!(browser.title(), "off");

    browser.go(&format!("{}/", server.base));
    assert!(browser.text("main").contains("How to stay safe"));
    browser.click("a[href='/generate']");
    let codename = browser.text("#codename");
    assert_eq!(codename.split(' ').count(), 7);
    browser.click("#continue");
    browser.element("#send");
    assert!(browser.url().ends_with("/home"), "{}", browser.url());

    let document = tmp.path().join("minutes.txt");
    std::fs::write(
        &document,
        "Minutes of the board, 3 March: the contract goes to the minister's cousin.",
    )
    .unwrap();
    browser.type_into("#files", document.to_str().unwrap());
    browser.type_into("#message", "I was in the room. Ask me about the annex.");
    browser.click("#send");
    assert!(browser.text("#received").contains("1 file(s) received"));
    let submission = browser.text("#submission");
    assert_eq!(browser.text("#salt").len(), 64);

    // The desk reads it and replies.
    let listing = json(&ok(trove(&data, &["submissions", &submission, "--json"])));
    assert_eq!(listing["files"][0]["path"], "minutes.txt");
    let messages = json(&ok(trove(&data, &["messages", &submission, "--json"])));
    assert_eq!(
        messages["messages"][0]["text"],
        "I was in the room. Ask me about the annex."
    );
    let reply = tmp.path().join("reply.txt");
    std::fs::write(&reply, "Thank you. Is the annex signed?").unwrap();
    ok(trove(
        &data,
        &["reply", &submission, "--text-file", reply.to_str().unwrap()],
    ));

    browser.go(&format!("{}/home", server.base));
    browser.click("#logout");
    browser.element("a[href='/generate']"); // the landing page
    browser.go(&format!("{}/home", server.base));
    browser.element("#codename-input");
    assert!(browser.url().ends_with("/login"), "{}", browser.url());
    browser.type_into("#codename-input", &codename);
    browser.click("#login");
    let reply = browser.text("#reply-1");
    assert!(browser.url().ends_with("/home"), "{}", browser.url());
    assert!(reply.contains("Thank you. Is the annex signed?"), "{reply}");
}

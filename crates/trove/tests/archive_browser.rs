//! A reader of the public archive in a real browser with JavaScript off
//! (Tor Browser's "Safest"): search the demo's release, narrow by a facet,
//! open a document, follow its thread, and reach the release's download.
//! Screenshots of the search page and a document page are saved under
//! the build's temporary folder (`archive-search.png`,
//! `archive-document.png`).
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs
//! them).

mod common;

use common::webdriver::{Browser, Driver};
use common::{Server, json, ok, trove};

fn get_json(url: &str) -> serde_json::Value {
    let mut response = common::agent().get(url).call().unwrap();
    assert_eq!(response.status().as_u16(), 200, "{url}");
    json(&response.body_mut().read_to_string().unwrap())
}

#[test]
fn a_reader_searches_the_archive_in_chromium_without_javascript() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let report = json(&ok(trove(&data, &["demo", "--no-serve", "--size", "300K", "--json"])));
    assert_eq!(report["decision"]["outcome"], "accept", "the demo's cache is accepted");
    let server = Server::start_with(&data, &["--role", "archive"]);
    let archive = server.archive.clone();

    // A reply in the release, found by script first (what to look for).
    let mails = get_json(&format!("{archive}/search?format=json&f=type/email&sort=oldest"));
    let total = mails["total"].as_u64().unwrap();
    assert!(total > 0, "{mails}");
    let mut reply = None;
    for page in 1..=total.div_ceil(20) {
        let listing = get_json(&format!(
            "{archive}/search?format=json&f=type/email&sort=oldest&page={page}"
        ));
        for hit in listing["hits"].as_array().unwrap() {
            let doc = get_json(&format!(
                "{archive}/d/{}/{}?format=json",
                hit["release"].as_str().unwrap(),
                hit["index"]
            ));
            if !doc["related"]["parents"].as_array().unwrap().is_empty() {
                reply = Some(doc);
                break;
            }
        }
        if reply.is_some() {
            break;
        }
    }
    let reply = reply.expect("a reply among the published mail");
    let subject = reply["document"]["subject"].as_str().unwrap().to_owned();
    let word = subject
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 5)
        .max_by_key(|w| w.len())
        .expect("a word in the subject")
        .to_owned();
    let parent = reply["related"]["parents"][0]["title"].as_str().unwrap().to_owned();

    // The demo's cache has mail that was tampered with after signing: its
    // page says so, as verified mail's says it verifies.
    let everything = get_json(&format!("{archive}/search?format=json"));
    let evidence: Vec<&str> = everything["facets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["group"] == "evidence")
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    for (facet, badge) in [("dkim-verified", "DKIM verified: "), ("dkim-failed", "DKIM fails: ")] {
        assert!(evidence.contains(&facet), "no {facet} among {evidence:?}");
        let listing = get_json(&format!("{archive}/search?format=json&f=evidence/{facet}"));
        let hit = &listing["hits"][0];
        let doc = get_json(&format!(
            "{archive}/d/{}/{}?format=json",
            hit["release"].as_str().unwrap(),
            hit["index"]
        ));
        let badges = doc["document"]["evidence"].as_array().unwrap();
        assert!(
            badges.iter().any(|b| b.as_str().unwrap().starts_with(badge)),
            "{facet}: {badges:?}"
        );
    }

    let driver = Driver::start();
    let browser = Browser::open(&driver, &tmp.path().join("profile"));
    browser.go("data:text/html,<title>off</title><script>document.title='on'</script>");
    assert_eq!(browser.title(), "off");

    // Search, then narrow to mail by its facet.
    browser.go(&format!("{archive}/"));
    browser.type_into("#q", &word);
    browser.click("form[role=search] button");
    let results = browser.wait_for_text("#results", "document");
    assert!(!results.starts_with("0 "), "{results}");
    browser.click("a[href*='f=type/email']");
    browser.wait_for_text("main", "type/email");
    let narrowed = browser.text(".hits");
    assert!(narrowed.contains(&subject) || narrowed.contains(&word), "{narrowed}");
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    browser.screenshot(&shots.join("archive-search.png"));

    // Open the reply, see its evidence, follow the thread to its parent.
    let href = format!(
        "/d/{}/{}",
        reply["document"]["release"].as_str().unwrap(),
        reply["document"]["index"]
    );
    browser.go(&format!("{archive}{href}"));
    let evidence = browser.text("#evidence + ul");
    assert!(!evidence.is_empty());
    browser.screenshot(&shots.join("archive-document.png"));
    browser.click("section[aria-labelledby=thread] a");
    let heading = browser.wait_for_text("h1", &parent);
    assert_eq!(heading, parent);

    // The release page offers the whole release to download.
    browser.click("a[href^='/r/']");
    let download = browser.element("a[href$='/tar']");
    assert!(!download.is_empty());
    assert!(browser.text("main").contains("Withheld, with reasons"));
    drop(server);
}

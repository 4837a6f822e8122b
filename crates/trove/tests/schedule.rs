//! The schedule through the binary: a calendar imported from iCalendar, a
//! release marked ready during the 2016 Olympics placed after them with
//! its reason signed into the log, no new statement when nothing moves,
//! and the release published when its hour comes, not before.

mod common;

use std::path::Path;

use common::{json, ok, trove};
use trove_schedule::Hour;

const CALENDAR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/calendar/2016.ics");

fn fails(output: std::process::Output) -> String {
    assert!(!output.status.success(), "expected a failure");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An accepted submission of two short texts with a draft release; the
/// release id.
fn draft_release(data: &Path, tmp: &Path) -> String {
    let cache = tmp.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("memo.txt"),
        "The bank moved the funds on 3 March. Contact: j.doe@ministry.example\n",
    )
    .unwrap();
    std::fs::write(cache.join("note.txt"), "Board minutes: the transfer was approved.\n").unwrap();
    let id = common::init_and_submit(data, &cache);
    ok(trove(data, &["ingest", &id]));
    ok(trove(data, &["triage", &id]));
    ok(trove(
        data,
        &["decide", &id, "--accept", "--reason", "a test of scheduling"],
    ));
    ok(trove(data, &["users", "add", "editor", "--role", "editor"]));
    let view = json(&ok(trove(data, &["release", "new", &id, "--user", "editor", "--json"])));
    view["id"].as_str().unwrap().to_owned()
}

fn log_kinds(data: &Path) -> serde_json::Value {
    json(&ok(trove(data, &["log", "verify", "--json"])))["entries"].clone()
}

#[test]
fn a_release_waits_out_the_olympics_and_goes_out_on_its_hour() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let release = draft_release(&data, tmp.path());

    let imported = json(&ok(trove(
        &data,
        &["calendar", "import", CALENDAR, "--user", "editor", "--json"],
    )));
    assert_eq!(imported["added"].as_array().unwrap().len(), 3, "{imported}");
    assert_eq!(imported["skipped"][0]["event"], "weekly-briefing");
    assert!(imported["skipped"][0]["reason"].as_str().unwrap().contains("RRULE"));
    let listed = ok(trove(&data, &["calendar", "list", "--from", "2016-01-01"]));
    assert!(
        listed.contains("2016-08-05..2016-08-21  Olympic Games  attention 0.80"),
        "{listed}"
    );
    let bad = fails(trove(
        &data,
        &["calendar", "import", CALENDAR, "--attention", "1.5", "--user", "editor"],
    ));
    assert!(bad.contains("attention"), "{bad}");

    // Not planned until it is ready.
    let empty = json(&ok(trove(
        &data,
        &["schedule", "plan", "--now", "2016-08-06T10", "--json"],
    )));
    assert!(empty["changed"].as_array().unwrap().is_empty());

    let ready = json(&ok(trove(
        &data,
        &[
            "release",
            "ready",
            &release,
            "--topic",
            "Banks",
            "--now",
            "2016-08-06T10",
            "--user",
            "editor",
            "--json",
        ],
    )));
    assert_eq!(ready["topics"], serde_json::json!(["banks"]));
    let plan = json(&ok(trove(
        &data,
        &["schedule", "plan", "--now", "2016-08-06T10", "--json"],
    )));
    assert_eq!(plan["changed"], serde_json::json!([release]));
    let placed = &plan["releases"][0];
    let at = placed["at"].as_str().unwrap().to_owned();
    assert!(
        at.as_str() >= "2016-08-22T00" && at.as_str() <= "2016-09-05T10",
        "{placed}"
    );
    assert_eq!(placed["codes"], serde_json::json!(["EVENT"]));
    assert!(
        placed["reason"]
            .as_str()
            .unwrap()
            .contains("delayed for Olympic Games 2016-08-05..2016-08-21, attention 0.80; bound 30 days"),
        "{placed}"
    );
    assert_eq!(log_kinds(&data)["schedule"], 1);

    // The same plan again signs nothing new.
    let again = json(&ok(trove(
        &data,
        &["schedule", "plan", "--now", "2016-08-07T10", "--json"],
    )));
    assert!(again["changed"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(log_kinds(&data)["schedule"], 1);

    // Before its hour nothing is published; at its hour it is, without
    // anyone naming the release.
    let early = json(&ok(trove(
        &data,
        &["schedule", "run", "--now", "2016-08-15T00", "--json"],
    )));
    assert!(early["published"].as_array().unwrap().is_empty(), "{early}");
    let due = json(&ok(trove(&data, &["schedule", "run", "--now", &at, "--json"])));
    assert_eq!(due["published"][0]["release"], release.as_str(), "{due}");
    assert_eq!(log_kinds(&data)["publication"], 1);
    let shown = ok(trove(&data, &["schedule", "show"]));
    assert!(shown.contains("no release is waiting"), "{shown}");
    // A published release is not ready again.
    let sealed = fails(trove(&data, &["release", "ready", &release, "--user", "editor"]));
    assert!(sealed.contains("can no longer change"), "{sealed}");

    // The log alone tells all of it: from the command line, and on the
    // public archive's accountability page.
    let stats = json(&ok(trove(&data, &["log", "stats", "--json"])));
    assert_eq!(stats["schedule"]["releases"], 1, "{stats}");
    assert_eq!(stats["schedule"]["over_bound"], 0);
    assert_eq!(stats["schedule"]["by_code"]["EVENT"], 1);
    let olympics = &stats["schedule"]["delays_by_event"]["Olympic Games 2016-08-05..2016-08-21"];
    assert_eq!(olympics["releases"], 1, "{stats}");
    assert_eq!(stats["decisions"]["by_outcome"]["accept"], 1);
    assert_eq!(stats["decisions"]["without_facts"], 0);
    assert_eq!(stats["publications"], 1);
    let server = common::Server::start(&data, "archive");
    let page = common::agent()
        .get(&format!("{}/accountability", server.archive))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    assert!(
        page.contains("<td>Olympic Games 2016-08-05..2016-08-21</td><td>1</td>"),
        "{page}"
    );
    assert!(page.contains("<strong>0</strong> placed past their bound"), "{page}");
    assert!(page.contains("trove log stats"), "{page}");
    server.kill();
}

/// An editor who rejects a cache as already public when most of it was
/// new shows, on the public page, as the override it is.
#[test]
fn an_override_is_public_beside_the_rule_it_invoked() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cache = tmp.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(cache.join("memo.txt"), "Nothing like this was ever published.\n").unwrap();
    let id = common::init_and_submit(&data, &cache);
    ok(trove(&data, &["ingest", &id]));
    ok(trove(&data, &["triage", &id]));
    ok(trove(
        &data,
        &[
            "decide",
            &id,
            "--reject",
            "ALREADY_PUBLIC",
            "--reason",
            "we had seen it before",
        ],
    ));
    let stats = json(&ok(trove(&data, &["log", "stats", "--json"])));
    let line = &stats["decisions"]["notable"][0];
    assert_eq!(line["overridden"], true, "{stats}");
    assert_eq!(line["codes"], serde_json::json!(["ALREADY_PUBLIC"]));
    assert!(line["facts"].as_str().unwrap().contains("(at least 25 %)"), "{line}");
    assert_eq!(stats["decisions"]["overridden"], 1);
    let text = ok(trove(&data, &["log", "stats"]));
    assert!(text.contains("OVERRIDE of the proposal"), "{text}");
}

/// Logs `name` in to the desk's listener; the browser, on the partner
/// portal's home page.
fn log_in(server: &common::Server, added: &serde_json::Value, name: &str) -> common::Source {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = trove_app::users::totp_code(added["totp_secret"].as_str().unwrap(), now).unwrap();
    let mut browser = common::Source::new(&server.desk);
    let page = browser.get("/desk/login");
    let csrf = common::between(&page.body, "name=\"csrf\" value=\"", "\"").to_owned();
    let password = added["password"].as_str().unwrap();
    let logged_in = browser.post_form(
        "/desk/login",
        &[("csrf", &csrf), ("name", name), ("password", password), ("code", &code)],
    );
    assert_eq!(logged_in.status, 303, "{name} could not log in");
    assert_eq!(logged_in.header("location"), Some("/desk/partner/"));
    browser
}

#[test]
fn a_partner_reads_a_granted_release_until_its_embargo_ends_then_the_public_does() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let release = draft_release(&data, tmp.path());
    // A contact to redact, proposed by one person and confirmed by
    // another: the partner reads the text without it.
    let proposed = json(&ok(trove(
        &data,
        &["release", "propose", &release, "--user", "editor", "--json"],
    )));
    assert!(proposed["proposed"].as_u64().unwrap() >= 1, "{proposed}");
    // Not ready (nor grantable) while a redaction awaits its reviewer.
    let waiting = fails(trove(&data, &["release", "ready", &release, "--user", "editor"]));
    assert!(waiting.contains("nobody has reviewed"), "{waiting}");
    ok(trove(&data, &["users", "add", "reviewer", "--role", "journalist"]));
    let view = json(&ok(trove(&data, &["release", "show", &release, "--json"])));
    for document in view["awaiting_review"].as_array().unwrap() {
        ok(trove(
            &data,
            &[
                "release",
                "approve",
                &release,
                document.as_str().unwrap(),
                "--user",
                "reviewer",
            ],
        ));
    }
    std::fs::write(tmp.path().join("terms.txt"), "Exclusive preview; no payment.\n").unwrap();
    let terms = tmp.path().join("terms.txt");
    let terms = terms.to_str().unwrap();

    let partner = json(&ok(trove(&data, &["partners", "add", "courier", "--json"])));
    assert!(Path::new(partner["key_file"].as_str().unwrap()).is_file());
    let added = json(&ok(trove(
        &data,
        &[
            "users",
            "add",
            "pat",
            "--role",
            "partner",
            "--partner",
            "courier",
            "--json",
        ],
    )));
    let no_org = fails(trove(&data, &["users", "add", "lou", "--role", "partner"]));
    assert!(no_org.contains("--partner"), "{no_org}");

    // The policy caps embargoes at 30 days. (Real time from here on: the
    // desk server below publishes what is due by the clock.)
    let grant = |days: &str| {
        trove(
            &data,
            &[
                "grant",
                &release,
                "--partner",
                "courier",
                "--embargo-days",
                days,
                "--terms",
                terms,
                "--user",
                "editor",
                "--json",
            ],
        )
    };
    let capped = fails(grant("45"));
    assert!(capped.contains("1 to 30"), "{capped}");
    let granted = json(&ok(grant("10")));
    let hour = |text: &str| text.parse::<Hour>().unwrap();
    let start = hour(granted["start"].as_str().unwrap());
    let until = hour(granted["embargo_until"].as_str().unwrap());
    assert_eq!(until, Hour::start_of_day(start.day() + 10));
    assert_eq!(log_kinds(&data)["grant"], 1);
    assert!(fails(grant("5")).contains("already has a grant"));

    // The grant marked the release ready; the schedule keeps it back
    // until the embargo ends.
    let plan = json(&ok(trove(&data, &["schedule", "plan", "--json"])));
    let placed = &plan["releases"][0];
    let at = placed["at"].as_str().unwrap().to_owned();
    assert!(hour(&at) >= until, "{placed}");
    assert!(
        placed["codes"].as_array().unwrap().contains(&"EMBARGO".into()),
        "{placed}"
    );

    // The partner reads it on the portal, and nothing else.
    let server = common::Server::start(&data, "desk");
    let mut pat = log_in(&server, &added, "pat");
    let home = pat.get("/desk/partner/");
    assert!(home.body.contains(&release), "{}", home.body);
    let list = pat.get(&format!("/desk/partner/r/{release}"));
    assert!(list.body.contains("memo.txt"), "{}", list.body);
    let doc = common::between(&list.body, &format!("/desk/partner/r/{release}/d/"), "\"").to_owned();
    let page = pat.get(&format!("/desk/partner/r/{release}/d/{doc}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("The bank moved the funds"), "{}", page.body);
    assert!(!page.body.contains("j.doe@ministry.example"), "{}", page.body);
    let text = pat.get(&format!("/desk/partner/r/{release}/d/{doc}/text"));
    assert!(
        text.body.starts_with("The bank moved") && !text.body.contains("j.doe@"),
        "{}",
        text.body
    );
    let found = pat.get(&format!("/desk/partner/r/{release}?q=transfer"));
    assert!(
        found.body.contains("note.txt") && !found.body.contains("memo.txt"),
        "{}",
        found.body
    );
    let other = pat.get(&format!("/desk/partner/r/{}", "0".repeat(32)));
    assert_eq!(other.status, 404);
    // No desk page serves a partner.
    let desk = pat.get("/desk/");
    assert_eq!(desk.status, 303);
    let access = pat.get("/desk/partner/access");
    assert!(
        access.body.contains("<td>search</td>") && access.body.contains("<td>view</td>"),
        "{}",
        access.body
    );
    let log = json(&ok(trove(&data, &["partners", "access", "--json"])));
    assert_eq!(log.as_array().unwrap().len(), 4, "{log}");

    // Before the embargo ends nothing is public; at its end the schedule
    // publishes it, with no one acting for the partner.
    let just_before = until.plus_hours(-1).to_string();
    let early = json(&ok(trove(&data, &["schedule", "run", "--now", &just_before, "--json"])));
    assert!(early["published"].as_array().unwrap().is_empty(), "{early}");
    assert!(
        !data
            .join("archive/releases")
            .join(".")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
    let due = json(&ok(trove(&data, &["schedule", "run", "--now", &at, "--json"])));
    assert_eq!(due["published"][0]["release"], release.as_str(), "{due}");
    // Public now: the portal no longer serves it (the archive does).
    let after = pat.get(&format!("/desk/partner/r/{release}"));
    assert_eq!(after.status, 404);
    server.kill();
    let stats = json(&ok(trove(&data, &["log", "stats", "--json"])));
    assert_eq!(stats["embargoes"]["grants"], 1);
    assert_eq!(stats["embargoes"]["length"]["worst_days"], 10);
}

/// `trove serve` (the desk) runs the schedule by itself: a release whose
/// latest hour has passed is published at once, with no one acting.
#[test]
fn the_desk_server_publishes_what_is_due() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let release = draft_release(&data, tmp.path());
    ok(trove(
        &data,
        &[
            "release",
            "ready",
            &release,
            "--now",
            "2016-08-06T10",
            "--user",
            "editor",
        ],
    ));
    let server = common::Server::start(&data, "desk");
    // Wait for the server's first round (it runs at start), not for a
    // time: the release's state is what is checked.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let published = loop {
        let view = json(&ok(trove(&data, &["release", "show", &release, "--json"])));
        if view["state"] == "published" {
            break view;
        }
        assert!(std::time::Instant::now() < deadline, "not published: {view}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert!(published["log_index"].is_u64());
    server.kill();
    let stats = json(&ok(trove(&data, &["log", "stats", "--json"])));
    assert_eq!(stats["schedule"]["by_code"]["OVERDUE"], 1, "{stats}");
    // Overdue: placed past its bound, and the log says so for anyone.
    assert_eq!(stats["schedule"]["over_bound"], 1, "{stats}");
}

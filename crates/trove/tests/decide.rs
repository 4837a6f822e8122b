//! Triage and decisions through the binary: the policy's proposals on
//! generated caches, signed decisions in the log, overrides, supersession,
//! the source's view, and every kind of bad input.

mod common;

use common::{Server, Source, json, ok, triage_ready, trove};

fn triage(data: &std::path::Path, id: &str) -> serde_json::Value {
    json(&ok(trove(data, &["triage", id, "--json"])))
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["proposal"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_cache_that_is_mostly_public_is_rejected_as_already_public_and_a_new_one_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let public = tmp.path().join("public");
    let (_, data, id) = triage_ready(&public, "21", "1M", &["--published-share", "0.9"]);
    let report = triage(&data, &id);
    let novel = report["case"]["novel_share"].as_f64().unwrap();
    assert!(novel < 0.25, "novel share {novel}");
    assert_eq!(report["proposal"]["outcome"], "reject", "{report}");
    assert!(codes(&report).contains(&"ALREADY_PUBLIC".to_owned()), "{report}");
    // Every contribution is named, with its facts.
    let contributions = report["significance"]["contributions"].as_array().unwrap();
    assert_eq!(contributions.len(), 8);
    assert!(
        contributions
            .iter()
            .all(|c| c["facts"].as_str().is_some_and(|f| !f.is_empty()))
    );

    let fresh = tmp.path().join("fresh");
    let (_, data, id) = triage_ready(&fresh, "22", "1M", &["--published-share", "0.45"]);
    let report = triage(&data, &id);
    let novel = report["case"]["novel_share"].as_f64().unwrap();
    assert!((0.45..0.7).contains(&novel), "novel share {novel}");
    assert!(!codes(&report).contains(&"ALREADY_PUBLIC".to_owned()), "{report}");
}

#[test]
fn a_footer_on_every_message_that_a_publication_also_carries_is_not_publication() {
    // The failure: a ministry's mail server adds the same notice
    // to every message, the published copies of half the messages carry
    // it too, and counting any shared passage as publication turned the
    // cache away as ALREADY_PUBLIC although most of it is new.
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, data, id) = triage_ready(tmp.path(), "24", "1M", &["--published-share", "0.5", "--footer"]);
    let overlap = json(&ok(trove(&data, &["overlap", &id, "--json"])));
    let summary = &overlap["summary"];
    assert!(summary["boilerplate"].as_u64().unwrap() > 10, "{summary}");
    let truth = json(&std::fs::read_to_string(corpus.join("truth.json")).unwrap());
    let novel = summary["novel_share_count"].as_f64().unwrap();
    let expected = truth["novel_share_count"].as_f64().unwrap();
    assert!((novel - expected).abs() <= 0.01, "{novel} vs truth {expected}");
    let report = triage(&data, &id);
    let by_words = report["case"]["novel_share"].as_f64().unwrap();
    assert!(by_words > 0.5, "novel share by words {by_words}");
    assert!(!codes(&report).contains(&"ALREADY_PUBLIC".to_owned()), "{report}");

    // The same cache under the old rules (any shared passage is
    // publication, no boilerplate, novelty by documents) is rejected.
    let config = data.join("trove.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let old = text
        .replace("partial_share = 0.20", "partial_share = 0.0")
        .replace("boilerplate_documents = 20", "boilerplate_documents = 1000000");
    std::fs::write(&config, old).unwrap();
    let policy = data.join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("novel_share_by = \"words\"", "novel_share_by = \"documents\""),
    )
    .unwrap();
    let report = triage(&data, &id);
    assert!(codes(&report).contains(&"ALREADY_PUBLIC".to_owned()), "{report}");
}

#[test]
fn decisions_are_signed_logged_superseded_and_shown_to_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, data, id) = triage_ready(tmp.path(), "23", "600K", &["--published-share", "0.9"]);

    // Before triage there is nothing to decide on.
    let early = trove(&data, &["decide", &id, "--accept", "--reason", "x"]);
    assert!(String::from_utf8_lossy(&early.stderr).contains("has not been triaged"));

    let report = triage(&data, &id);
    assert_eq!(report["proposal"]["outcome"], "reject");
    let proposed = codes(&report);

    // Overriding needs a written reason; unknown codes and editors are refused.
    let unexplained = trove(&data, &["decide", &id, "--accept"]);
    assert!(String::from_utf8_lossy(&unexplained.stderr).contains("overrides the policy's proposal"));
    let unknown_code = trove(&data, &["decide", &id, "--reject", "FOREIGN_SOURCE"]);
    assert!(String::from_utf8_lossy(&unknown_code.stderr).contains("FOREIGN_SOURCE does not exist"));
    let mut args = vec!["decide", id.as_str(), "--editor", "nobody", "--reject"];
    args.extend(proposed.iter().map(String::as_str));
    let unknown_editor = trove(&data, &args);
    assert!(String::from_utf8_lossy(&unknown_editor.stderr).contains("no key for editor \"nobody\""));
    let size_before = ok(trove(&data, &["log", "checkpoint"]))
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    assert_eq!(size_before, "1", "refused decisions append nothing");

    // The editor confirms the proposal.
    let mut args = vec!["decide", id.as_str(), "--json", "--reject"];
    args.extend(proposed.iter().map(String::as_str));
    let confirmed = json(&ok(trove(&data, &args)));
    assert_eq!(confirmed["decision"]["outcome"], "reject");
    assert_eq!(confirmed["decision"]["log_index"], 1);
    // A second editor overrides it, with a reason: it supersedes, and both
    // stay in the log.
    ok(trove(&data, &["keys", "add-editor", "deputy"]));
    let overridden = json(&ok(trove(
        &data,
        &[
            "decide",
            &id,
            "--accept",
            "--editor",
            "deputy",
            "--reason",
            "The annex is new and matters.",
            "--json",
        ],
    )));
    assert_eq!(overridden["supersedes"], 1);
    assert_eq!(overridden["decision"]["log_index"], 2);
    assert_eq!(overridden["decision"]["proposed"], "reject");

    // The log verifies, every statement's signature included, with each
    // decision under its editor's key.
    let seen = tmp.path().join("seen");
    let verified = json(&ok(trove(
        &data,
        &["log", "verify", "--state", seen.to_str().unwrap(), "--json"],
    )));
    assert_eq!(verified["size"], 3, "{verified}");
    assert_eq!(verified["entries"]["decision"], 2, "{verified}");
    let entries = log_statements(&data);
    let signed_by = |outcome: &str, editor: &str| {
        entries
            .iter()
            .any(|e| e.contains(&format!("outcome {outcome}\n")) && e.contains(&format!("— trove-editor-{editor} ")))
    };
    assert!(
        signed_by("reject", "chief") && signed_by("accept", "deputy"),
        "{entries:?}"
    );

    // A policy with an unknown field, a missing threshold or an unknown code
    // stops triage with the file and the field named.
    let policy = data.join("policy.toml");
    let original = std::fs::read_to_string(&policy).unwrap();
    for (bad, expected) in [
        (
            original.replace("min_significance", "min_signifcance"),
            "min_signifcance",
        ),
        (original.replace("min_novel_share = 0.25\n", ""), "min_novel_share"),
        (original.replace("SUSPICIOUS =", "FOREIGN ="), "FOREIGN does not exist"),
    ] {
        std::fs::write(&policy, bad).unwrap();
        let refused = trove(&data, &["triage", &id]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            !refused.status.success() && stderr.contains("policy.toml") && stderr.contains(expected),
            "{stderr}"
        );
    }
    std::fs::write(&policy, &original).unwrap();
    // A changed policy is a new policy: decisions need a new triage.
    std::fs::write(
        &policy,
        original.replace("min_significance = 25", "min_significance = 26"),
    )
    .unwrap();
    let stale = trove(&data, &["decide", &id, "--defer", "--reason", "waiting"]);
    assert!(String::from_utf8_lossy(&stale.stderr).contains("triaged under policy"));
}

/// The statements in the log's entry bundles, as text (one per entry).
fn log_statements(data: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(data.join("log/tile/entries"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_type().is_file() {
            let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).into_owned();
            out.extend(text.split("trove/statement/v1").skip(1).map(str::to_owned));
        }
    }
    out
}

#[test]
fn the_source_sees_the_decision_and_its_reason_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::init_fast(&data);
    let server = Server::start(&data, "all");
    let mut source = Source::new(&server.base);
    source.new_codename();
    let sent = source.submit(&[("memo.txt", b"Minutes of the board, 3 March 2014.")], "");
    let submission = common::between(&sent.body, "id=\"submission\">", "<").to_owned();
    assert!(source.get("/home").body.contains("received, waiting for the newsroom"));

    // Not ingested, verified or measured: the policy defers, naming what
    // is missing, and the editor confirms.
    ok(trove(&data, &["ingest", &submission]));
    let report = triage(&data, &submission);
    assert_eq!(report["proposal"]["outcome"], "defer");
    assert_eq!(codes(&report), ["NOT_VERIFIED", "NOT_MEASURED"]);
    ok(trove(&data, &["decide", &submission, "--defer"]));
    let home = source.get("/home").body;
    assert!(
        home.contains("decided: deferred (NOT_VERIFIED, NOT_MEASURED)"),
        "{home}"
    );
}

//! `trove search` on a generated submission: a phrase, a sender and a date
//! range find the message they come from; a document added by a later
//! ingest is found; a deleted index is rebuilt from the store.

mod common;

use std::path::Path;

use common::{ingested_corpus, json, ok, trove};

/// A top-level message of the generated cache: its path, sender address,
/// day and a phrase of its body (read from the generated files, not from
/// trove).
fn a_message(cache: &Path) -> (String, String, String, String) {
    let mut paths: Vec<_> = std::fs::read_dir(cache.join("mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    let path = &paths[paths.len() / 2];
    let text = std::fs::read_to_string(path).unwrap();
    let header = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
            .to_owned()
    };
    let from = header("From:");
    let address = from[from.find('<').unwrap() + 1..from.find('>').unwrap()].to_owned();
    let date = time::OffsetDateTime::parse(&header("Date:"), &time::format_description::well_known::Rfc2822).unwrap();
    let day = format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
    let body = &text[text.find("\r\n\r\n").or_else(|| text.find("\n\n")).unwrap()..];
    let words: Vec<&str> = body
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .skip(3)
        .take(4)
        .collect();
    let relative = path.strip_prefix(cache).unwrap().to_str().unwrap().to_owned();
    (relative, address, day, words.join(" "))
}

fn paths(data: &Path, args: &[&str]) -> Vec<String> {
    let mut command = vec!["search", "--json", "--limit", "1000"];
    command.extend_from_slice(args);
    json(&ok(trove(data, &command)))
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn search_finds_phrases_senders_and_dates_and_documents_ingested_later() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, data, id) = ingested_corpus(tmp.path(), "11", "600K");
    let (path, sender, day, phrase) = a_message(&corpus.join("cache"));
    let next_day = {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(&day, format).unwrap().next_day().unwrap();
        format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
    };
    let within = ["--submission", id.as_str()];

    let found = paths(&data, &[&format!("\"{phrase}\""), within[0], within[1]]);
    assert!(found.contains(&path), "the phrase {phrase:?} of {path}: {found:?}");
    let found = paths(&data, &[&format!("from:\"{sender}\""), within[0], within[1]]);
    assert!(found.contains(&path), "from {sender} of {path}: {found:?}");
    let found = paths(
        &data,
        &[&format!("after:{day} before:{next_day}"), within[0], within[1]],
    );
    assert!(found.contains(&path), "the day {day} of {path}: {found:?}");
    // All three at once narrow to the message (or a copy of it).
    let found = paths(
        &data,
        &[&format!("\"{phrase}\" from:\"{sender}\" after:{day} before:{next_day}")],
    );
    assert!(found.contains(&path), "{found:?}");
    assert!(found.len() <= 3, "{found:?}");

    // A later ingest (another submission) is searchable at once, across
    // submissions and within its own.
    let later = tmp.path().join("later");
    std::fs::create_dir_all(&later).unwrap();
    std::fs::write(
        later.join("memo.txt"),
        "The quarrying permit zanzibarite was signed twice.",
    )
    .unwrap();
    let submitted = json(&ok(trove(&data, &["submit", "--json", later.to_str().unwrap()])));
    let second = submitted["submission"].as_str().unwrap().to_owned();
    ok(trove(&data, &["ingest", &second]));
    assert_eq!(paths(&data, &["zanzibarite"]), ["memo.txt"]);
    assert_eq!(paths(&data, &["zanzibarite", "--submission", &second]), ["memo.txt"]);
    assert!(paths(&data, &["zanzibarite", within[0], within[1]]).is_empty());
    let hits = json(&ok(trove(&data, &["search", "--json", "zanzibarite"])));
    assert!(hits[0]["snippet"].as_str().unwrap().contains("zanzibarite"), "{hits}");

    // A deleted index is rebuilt from the store.
    std::fs::remove_dir_all(data.join("search")).unwrap();
    assert!(paths(&data, &["zanzibarite"]).is_empty());
    let rebuilt = json(&ok(trove(&data, &["search", "--json", "--reindex", &second])));
    assert_eq!(rebuilt["indexed"], 1);
    assert_eq!(paths(&data, &["zanzibarite"]), ["memo.txt"]);

    // A query the index cannot read is named, and nothing else happens.
    let bad = trove(&data, &["search", "after:yesterday"]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("after:yesterday") && stderr.contains("YYYY-MM-DD"),
        "{stderr}"
    );
}

/// A batch of 50 terms (words of the cache and senders' names, which are
/// searched as phrases) counts what 50 single searches of the same
/// queries count, within the submission and across all.
#[test]
fn a_batch_of_fifty_terms_counts_what_fifty_single_searches_do() {
    let tmp = tempfile::tempdir().unwrap();
    let (corpus, data, id) = ingested_corpus(tmp.path(), "12", "600K");
    let mut terms: Vec<String> = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    let mut messages: Vec<_> = std::fs::read_dir(corpus.join("cache/mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    messages.sort();
    for path in &messages {
        let text = std::fs::read_to_string(path).unwrap();
        if let Some(from) = text.lines().find_map(|l| l.strip_prefix("From:")) {
            let name = from.split('<').next().unwrap().trim().trim_matches('"').to_owned();
            if name.contains(' ') {
                names.insert(name);
            }
        }
        for word in text
            .split_whitespace()
            .filter(|w| w.len() > 4 && w.chars().all(|c| c.is_ascii_lowercase()))
        {
            if terms.len() < 40 && !terms.contains(&word.to_owned()) {
                terms.push(word.to_owned());
            }
        }
    }
    terms.extend(names.into_iter().take(8));
    terms.push("zzzznotaword".into());
    terms.push("from:nobody@example.invalid".into());
    assert!(terms.len() >= 45, "{terms:?}");
    let list = tmp.path().join("terms.csv");
    std::fs::write(&list, format!("term\n{}\n", terms.join("\n"))).unwrap();
    for within in [Some(id.as_str()), None] {
        let mut args = vec!["search", "--json", "--limit", "5", "--batch", list.to_str().unwrap()];
        if let Some(id) = within {
            args.extend(["--submission", id]);
        }
        let batch = json(&ok(trove(&data, &args)));
        let results = batch.as_array().unwrap();
        assert_eq!(results.len(), terms.len() + 1, "the header row is a term too");
        let mut found = 0;
        for result in &results[1..] {
            let query = result["query"].as_str().unwrap();
            let mut single = vec![query];
            if let Some(id) = within {
                single.extend(["--submission", id]);
            }
            let count = paths(&data, &single).len() as u64;
            assert!(count < 1000, "paths() lists at most 1000 hits");
            assert_eq!(result["count"].as_u64().unwrap(), count, "{result}");
            assert!(result["hits"].as_array().unwrap().len() as u64 <= count.min(5));
            found += u64::from(count > 0);
        }
        assert!(found >= 40, "most terms are found: {found}");
    }
    let text = ok(trove(&data, &["search", "--batch", list.to_str().unwrap()]));
    assert!(text.contains("zzzznotaword"), "{text}");
}

//! The index answers words, phrases, senders, date ranges and types,
//! within a submission or across all, and sees documents added later.

use trove_search::{Indexed, Query, SearchIndex};

fn day(text: &str) -> i64 {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format)
        .unwrap()
        .midnight()
        .assume_utc()
        .unix_timestamp()
}

fn query(text: &str, submission: Option<&str>) -> Query {
    Query {
        text: text.into(),
        submission: submission.map(str::to_owned),
        limit: 50,
    }
}

fn ids(index: &SearchIndex, text: &str, submission: Option<&str>) -> Vec<String> {
    let mut ids: Vec<String> = index
        .search(&query(text, submission))
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn words_phrases_senders_dates_and_later_documents_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut writer = index.writer(32 << 20).unwrap();
    let alice = vec!["Alice Smith <alice@ministry.example>".to_owned()];
    let bob = vec!["bob@contractor.example".to_owned()];
    writer
        .add(&Indexed {
            id: "a",
            submission: "s1",
            path: "mail/1.eml",
            doc_type: "email",
            text: "The tender for the harbour dredging was awarded before the deadline.",
            from: &alice,
            to: &bob,
            subject: Some("Harbour tender"),
            date: Some(day("2015-03-02") + 3600),
        })
        .unwrap();
    writer
        .add(&Indexed {
            id: "b",
            submission: "s1",
            path: "mail/2.eml",
            doc_type: "email",
            text: "Deadline moved. The dredging contract goes to the harbour authority.",
            from: &bob,
            to: &alice,
            subject: Some("Re: Harbour tender"),
            date: Some(day("2015-07-20")),
        })
        .unwrap();
    writer
        .add(&Indexed {
            id: "c",
            submission: "s2",
            path: "memo.pdf",
            doc_type: "pdf",
            text: "A memo on harbour dredging costs.",
            ..Indexed::default()
        })
        .unwrap();
    writer.commit().unwrap();
    index.refresh().unwrap();

    // Words: every word required, in the text, subject or path.
    assert_eq!(ids(&index, "harbour dredging", None), ["a", "b", "c"]);
    assert_eq!(ids(&index, "harbour dredging", Some("s1")), ["a", "b"]);
    assert_eq!(ids(&index, "memo", None), ["c"]);
    // A phrase is the words in that order.
    assert_eq!(ids(&index, "\"harbour dredging\"", None), ["a", "c"]);
    assert_eq!(ids(&index, "\"dredging harbour\"", None), Vec::<String>::new());
    // A sender, by address or name.
    assert_eq!(ids(&index, "from:alice@ministry.example", None), ["a"]);
    assert_eq!(ids(&index, "from:smith", None), ["a"]);
    assert_eq!(ids(&index, "to:alice", Some("s1")), ["b"]);
    // A date range: after is inclusive, before exclusive.
    assert_eq!(ids(&index, "after:2015-03-02 before:2015-03-03", None), ["a"]);
    assert_eq!(ids(&index, "dredging after:2015-06-01", None), ["b"]);
    assert_eq!(ids(&index, "type:pdf", None), ["c"]);
    assert_eq!(index.count("s1").unwrap(), 2);

    // A bad query is named, not answered.
    let bad = index.search(&query("after:March", None)).unwrap_err().to_string();
    assert!(bad.contains("after:March") && bad.contains("YYYY-MM-DD"), "{bad}");
    assert!(index.search(&query("  ", None)).is_err());

    // A document added by a later ingest (its own writer: one at a time)
    // is found once committed, and a submission indexed again replaces
    // its documents.
    drop(writer);
    let mut writer = index.writer(32 << 20).unwrap();
    writer
        .add(&Indexed {
            id: "d",
            submission: "s1",
            path: "later.txt",
            doc_type: "text",
            text: "Dredging resumed in the harbour.",
            ..Indexed::default()
        })
        .unwrap();
    writer.commit().unwrap();
    index.refresh().unwrap();
    assert_eq!(ids(&index, "harbour dredging", Some("s1")), ["a", "b", "d"]);
    writer.remove_submission("s2");
    writer.commit().unwrap();
    index.refresh().unwrap();
    assert_eq!(ids(&index, "harbour dredging", None), ["a", "b", "d"]);
    assert_eq!(index.count("s2").unwrap(), 0);

    // Snippets come from the caller's text, around the words.
    let text = "Nothing here. ".repeat(40) + "The harbour dredging tender.";
    let (snippet, highlighted) = index.snippet(&query("dredging", None), &text).unwrap();
    assert!(snippet.contains("dredging"), "{snippet}");
    assert_eq!(&snippet[highlighted[0].clone()], "dredging");
}

#[test]
fn the_text_is_not_stored_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut writer = index.writer(32 << 20).unwrap();
    let secret = "zyxwvutsrq qponmlkji";
    writer
        .add(&Indexed {
            id: "a",
            submission: "s1",
            path: "a.txt",
            doc_type: "text",
            text: secret,
            ..Indexed::default()
        })
        .unwrap();
    writer.commit().unwrap();
    index.refresh().unwrap();
    // Terms are in the postings' dictionary (that is what an index is),
    // but the text as written, with its word order, is in no file.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the text is stored in the index"
        );
    }
    assert_eq!(ids(&index, "\"zyxwvutsrq qponmlkji\"", None), ["a"]);
}

//! The desk's document lists on a generated submission of several thousand
//! documents: every facet's counts equal the database's, paging visits
//! every document once whatever the sort, words and facets narrow
//! together, a tag one journalist adds is a facet for another, and notes
//! stay out of exports; and in headless Chromium with JavaScript off, a
//! journalist narrows a submission by two facets, opens a document, tags
//! it, finds it again by the tag and runs a batch search.

mod common;

use std::collections::{BTreeMap, HashSet};

use common::webdriver::{Browser, Driver};
use common::{Server, json, ok, triage_ready, trove};
use trove_app::{DocumentList, ExportFormat, Newsroom};
use trove_search::listing::ListSort;
use trove_store::{DocumentRepo as _, SubmissionId, VerificationRepo as _};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn counts(page: &trove_app::DocumentListPage, group: &str) -> BTreeMap<String, u64> {
    page.page
        .facets
        .iter()
        .find(|(g, _)| g == group)
        .map(|(_, values)| values.iter().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn lists_count_page_narrow_and_carry_journalists_records() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, data, id) = triage_ready(tmp.path(), "21", "8M", &[]);
    ok(trove(&data, &["triage", &id]));
    let submission: SubmissionId = id.parse().unwrap();
    let rt = runtime();
    let newsroom = rt.block_on(Newsroom::open(&data)).unwrap();
    let all = DocumentList {
        submission: Some(submission),
        page: 1,
        per_page: 50,
        ..DocumentList::default()
    };
    let first = rt.block_on(newsroom.list_documents(&all)).unwrap();

    // Every facet's counts are the database's.
    let summary = rt.block_on(newsroom.repo().document_summary(&submission)).unwrap();
    let documents = summary.documents();
    assert!(
        documents > 1_500,
        "a submission of several thousand documents: {documents}"
    );
    assert_eq!(first.page.total, documents);
    let by_type = counts(&first, "type");
    for (doc_type, count) in &summary.by_type {
        // The list shows the 15 largest values of a group.
        if let Some(listed) = by_type.get(doc_type) {
            assert_eq!(listed, count, "type {doc_type}");
        }
    }
    assert_eq!(by_type.values().max(), summary.by_type.values().max());
    assert_eq!(
        counts(&first, "status"),
        summary.by_status.clone().into_iter().collect()
    );
    let verdicts = rt.block_on(newsroom.repo().verdict_counts(&submission)).unwrap();
    assert!(!verdicts.is_empty());
    let mut listed_verdicts = counts(&first, "verdict");
    // Documents verification left out (failed ones) are listed as such.
    let unverified = listed_verdicts.remove("unverified").unwrap_or(0);
    assert_eq!(listed_verdicts, verdicts.clone().into_iter().collect());
    assert_eq!(unverified, documents - verdicts.values().sum::<u64>());
    let overlap = counts(&first, "overlap");
    assert_eq!(
        overlap.values().sum::<u64>(),
        documents,
        "every document has a class: {overlap:?}"
    );
    assert!(
        overlap.contains_key("exact") && overlap.contains_key("new"),
        "{overlap:?}"
    );
    assert!(
        first.page.facets.iter().any(|(g, _)| g == "person"),
        "triage's people are a facet"
    );

    // The command line lists the same.
    let listed = common::json(&ok(trove(
        &data,
        &["docs", "list", &id, "--facet", "type/email", "--sort", "date", "--json"],
    )));
    assert_eq!(listed["total"], by_type["email"], "{}", listed["total"]);
    let csv = tmp.path().join("mail.csv");
    ok(trove(
        &data,
        &[
            "docs",
            "list",
            &id,
            "--facet",
            "type/email",
            "--export",
            "csv",
            "--out",
            csv.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read_to_string(&csv).unwrap().lines().count() as u64 > by_type["email"]);
    let refused = trove(&data, &["docs", "list", &id, "--facet", "colour/red"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("colour"));

    // Paging visits every document once, whatever the sort.
    for sort in [ListSort::Path, ListSort::Verdict, ListSort::Size, ListSort::Date] {
        let mut seen = HashSet::new();
        let mut list = DocumentList {
            sort,
            descending: sort == ListSort::Size,
            per_page: 500,
            ..all.clone()
        };
        loop {
            let page = rt.block_on(newsroom.list_documents(&list)).unwrap();
            for row in &page.page.rows {
                assert!(seen.insert(row.id.clone()), "{} twice, sorted by {sort:?}", row.path);
            }
            if list.page >= page.pages {
                break;
            }
            list.page += 1;
        }
        assert_eq!(seen.len() as u64, documents, "sorted by {sort:?}");
    }

    // Two facets narrow together, and the count is the database's.
    let (doc_type, _) = summary.by_type.iter().max_by_key(|(_, n)| **n).unwrap();
    let verdict = verdicts.keys().next().unwrap();
    let narrowed = DocumentList {
        facets: vec![format!("type/{doc_type}"), format!("verdict/{verdict}")],
        per_page: 500,
        ..all.clone()
    };
    let page = rt.block_on(newsroom.list_documents(&narrowed)).unwrap();
    let records = rt.block_on(newsroom.repo().documents(&submission)).unwrap();
    let stored = rt.block_on(newsroom.repo().verifications(&submission)).unwrap();
    let expected = records
        .iter()
        .filter(|d| &d.doc_type == doc_type)
        .filter(|d| stored.iter().any(|v| v.document_id == d.id && &v.verdict == verdict))
        .count() as u64;
    assert_eq!(page.page.total, expected, "type {doc_type} and verdict {verdict}");

    // Words narrow the list too, with snippets, and sort by relevance.
    let word = "contract";
    let searched = DocumentList {
        text: word.into(),
        sort: ListSort::Relevance,
        ..all.clone()
    };
    let page = rt.block_on(newsroom.list_documents(&searched)).unwrap();
    let query = trove_search::Query {
        text: word.into(),
        submission: Some(id.clone()),
        limit: 1,
    };
    let matching = newsroom.search_index().unwrap().matching(&query).unwrap();
    assert_eq!(page.page.total, matching.len() as u64);
    assert!(page.page.total > 0);
    assert!(page.page.rows.iter().all(|row| page.snippets.contains_key(&row.id)));
    assert!(
        page.snippets.values().any(|s| s
            .highlighted
            .iter()
            .any(|&(a, b)| s.text[a..b].eq_ignore_ascii_case(word))),
        "the word is highlighted in a snippet"
    );

    // A tag added by one journalist is a facet another narrows by; a star
    // and a mark are too; a note stays out of exports.
    let tagged = &first.page.rows[3];
    assert!(rt.block_on(newsroom.add_tag(&tagged.id, "Follow up", "ann")).unwrap());
    rt.block_on(newsroom.add_note(&tagged.id, "ask the source about secret-ledger-9", "ann"))
        .unwrap();
    rt.block_on(newsroom.set_star(&tagged.id, "ann", true)).unwrap();
    rt.block_on(newsroom.set_mark(
        &tagged.id,
        Some((trove_app::Mark::parse("withhold", "PRIVACY").unwrap(), "names a minor")),
        "ann",
    ))
    .unwrap();
    let other = rt.block_on(Newsroom::open(&data)).unwrap();
    let by_tag = DocumentList {
        facets: vec!["tag/follow-up".into()],
        ..all.clone()
    };
    let page = rt.block_on(other.list_documents(&by_tag)).unwrap();
    assert_eq!(page.page.total, 1);
    assert_eq!(page.page.rows[0].id, tagged.id);
    for facet in ["starred/ann", "mark/withhold", "noted/yes"] {
        let page = rt
            .block_on(other.list_documents(&DocumentList {
                facets: vec![facet.into()],
                ..all.clone()
            }))
            .unwrap();
        assert_eq!(page.page.total, 1, "{facet}");
    }
    let annotations = rt.block_on(other.annotations(&tagged.id)).unwrap();
    assert_eq!(annotations.tags[0].user, "ann");
    assert_eq!(annotations.notes.len(), 1);
    assert_eq!(rt.block_on(other.search_notes("SECRET-LEDGER-9", 10)).unwrap().len(), 1);
    // The tag survives listing the submission again (a later stage).
    rt.block_on(other.relist(&submission)).unwrap();
    assert_eq!(rt.block_on(other.list_documents(&by_tag)).unwrap().page.total, 1);

    for format in [ExportFormat::Csv, ExportFormat::JsonLines] {
        let mut out = Vec::new();
        let last = std::sync::Mutex::new((0, 0));
        let progress = |done, total| *last.lock().unwrap() = (done, total);
        let written = rt
            .block_on(other.export_list(&all, format, &mut out, &progress))
            .unwrap();
        assert_eq!(
            *last.lock().unwrap(),
            (documents, documents),
            "progress ends at the whole list"
        );
        assert_eq!(written, documents);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&tagged.path));
        assert!(!text.contains("secret-ledger-9"), "a note is never exported");
        let lines = text.lines().count() as u64;
        match format {
            // A header, and a path with a line break would take two lines.
            ExportFormat::Csv => assert!(lines > documents),
            ExportFormat::JsonLines => assert_eq!(lines, documents),
            ExportFormat::Originals => unreachable!(),
        }
    }
    // The originals of a narrowed list, as a zip whose files are the
    // documents' bytes (read back here with the zip crate).
    let mut out = Vec::new();
    let written = rt
        .block_on(other.export_list(&by_tag, ExportFormat::Originals, &mut out, &|_, _| {}))
        .unwrap();
    assert_eq!(written, 1);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(out)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut entry = archive.by_index(0).unwrap();
    let name = entry.name().unwrap().into_owned();
    assert!(name.starts_with(&format!("{id}/")), "{name}");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
    assert_eq!(bytes.len() as u64, tagged.size);
    let content = rt
        .block_on(newsroom.repo().document(&tagged.id))
        .unwrap()
        .unwrap()
        .content_id;
    assert_eq!(
        blake3::hash(&bytes).to_hex().as_str(),
        content,
        "the original's very bytes"
    );

    // A new release starts from the desk's marks: the document marked to
    // withhold is held back with its reason and proposer; one marked to
    // redact is listed for the editor; the note goes nowhere.
    let redact = &first.page.rows[4];
    rt.block_on(other.set_mark(&redact.id, Some((trove_app::Mark::Redact, "a bank account")), "bob"))
        .unwrap();
    ok(trove(&data, &["users", "add", "editor", "--role", "editor"]));
    ok(trove(
        &data,
        &["decide", &id, "--accept", "--reason", "a test of lists"],
    ));
    let release = json(&ok(trove(
        &data,
        &["release", "new", &id, "--user", "editor", "--json"],
    )));
    let held: Vec<&serde_json::Value> = release["withheld"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["document"] == tagged.id.as_str())
        .collect();
    assert_eq!(held.len(), 1, "{release}");
    assert_eq!(held[0]["reason"], "PRIVACY");
    assert_eq!(held[0]["by"], "ann");
    assert_eq!(release["proposed_on_desk"][0]["document_id"], redact.id.as_str());
    assert!(!release.to_string().contains("secret-ledger-9"));

    // A reply's page links the mail it answers, and that mail's the reply
    // (found here from the stored headers, not from trove's pages).
    let mail: Vec<_> = records.iter().filter(|d| d.doc_type == "email").collect();
    let reply = mail
        .iter()
        .find_map(|d| {
            let parent_id = d.metadata["in_reply_to"].as_array()?.first()?.as_str()?.to_owned();
            let parent = mail
                .iter()
                .find(|p| p.metadata["message_id"].as_str() == Some(&parent_id))?;
            Some((*d, *parent))
        })
        .expect("the generated cache has a reply to a mail it holds");
    let text = rt.block_on(newsroom.document(&reply.0.id)).unwrap().text;
    let reading = rt.block_on(other.reading(reply.0, &text)).unwrap();
    assert!(reading.mail.as_ref().is_some_and(|m| !m.from.is_empty()));
    assert!(
        reading.thread.iter().any(|t| t.id == reply.1.id && t.what == "parent"),
        "{:?}",
        reading.thread
    );
    let reading = rt.block_on(other.reading(reply.1, "")).unwrap();
    assert!(reading.thread.iter().any(|t| t.id == reply.0.id && t.what == "reply"));
    // A document found in a publication shows the passages and where.
    let partial = records
        .iter()
        .find(|d| {
            let facts = rt
                .block_on(trove_store::DeskRepo::desk_facts(newsroom.repo(), &[d.id.as_str()]))
                .unwrap();
            facts[&d.id].overlap.as_deref() == Some("partial")
        })
        .expect("the generated cache quotes a publication");
    let text = rt.block_on(newsroom.document(&partial.id)).unwrap().text;
    let reading = rt.block_on(other.reading(partial, &text)).unwrap();
    let first_match = &reading.matches[0];
    assert!(!first_match.corpus.is_empty());
    assert!(first_match.passages.iter().all(|p| text.contains(p.ours.as_str())));
    assert!(!first_match.passages.is_empty());
    // Beside each, the same words where they were published (the corpus's
    // texts are kept at import).
    let words = |text: &str| -> Vec<u64> { trove_overlap::text::words(text).iter().map(|w| w.hash).collect() };
    for passage in &first_match.passages {
        let published = passage
            .published
            .as_deref()
            .expect("the passage is placed in the publication");
        assert_eq!(words(published), words(&passage.ours), "{published:?}");
    }

    // Bad input is refused by name, and nothing changes.
    assert!(rt.block_on(other.add_tag(&tagged.id, "a/b", "bob")).is_err());
    assert!(rt.block_on(other.add_tag("nothing-here", "x", "bob")).is_err());
    let bad = DocumentList {
        facets: vec!["colour/red".into()],
        ..all.clone()
    };
    let error = rt.block_on(other.list_documents(&bad)).unwrap_err().to_string();
    assert!(error.contains("colour"), "{error}");
    let error = trove_app::Mark::parse("withhold", "CANNOT_RENDER")
        .unwrap_err()
        .to_string();
    assert!(error.contains("PRIVACY"), "{error}");
}

/// Logs `name` in on the desk (password and the TOTP code of now).
fn log_in(browser: &Browser, desk: &str, name: &str, user: &serde_json::Value) {
    browser.go(&format!("{desk}/desk/login"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = trove_app::users::totp_code(user["totp_secret"].as_str().unwrap(), now).unwrap();
    browser.type_into("#name", name);
    browser.type_into("#password", user["password"].as_str().unwrap());
    browser.type_into("#code", &code);
    browser.click("#login");
    browser.wait_for_text("main", "Submissions");
}

#[test]
fn a_journalist_narrows_reads_tags_and_finds_again_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, data, id) = triage_ready(tmp.path(), "22", "1M", &[]);
    ok(trove(&data, &["triage", &id]));
    let user = json(&ok(trove(
        &data,
        &["users", "add", "maria", "--role", "journalist", "--json"],
    )));
    let server = Server::start(&data, "desk");
    let driver = Driver::start();
    let browser = Browser::open(&driver, &tmp.path().join("profile"));
    log_in(&browser, &server.desk, "maria", &user);

    // The submission's list, narrowed by two facets.
    browser.go(&format!("{}/desk/s/{id}", server.desk));
    let all: u64 = browser.text("#total").parse().unwrap();
    browser.click("a.facet[data-facet='type/email']");
    browser.wait_for_text("#hits", "type/email");
    let mail: u64 = browser.text("#total").parse().unwrap();
    browser.click("a.facet[data-facet^='verdict/']");
    browser.wait_for_text("#hits", "verdict/");
    let narrowed: u64 = browser.text("#total").parse().unwrap();
    assert!(
        0 < narrowed && narrowed <= mail && mail < all,
        "{all} {mail} {narrowed}"
    );
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    browser.screenshot(&shots.join("desk-submission.png"));

    // Open its first document, tag it, and go on to the next in the list.
    browser.click("a.doc");
    browser.element("#text");
    let path = browser.text("h1");
    browser.type_into("#tag", "Ask Legal");
    browser.click("#add-tag");
    browser.wait_for_text("#tags", "ask-legal");
    browser.screenshot(&shots.join("desk-document.png"));
    if narrowed > 1 {
        browser.click("#next-document");
        browser.element("#previous-document");
        assert_ne!(browser.text("h1"), path);
    }

    // Found again by the tag, from the tags page.
    browser.go(&format!("{}/desk/tags", server.desk));
    browser.click("a.tag");
    browser.wait_for_text("#hits", "tag/ask-legal");
    assert_eq!(browser.text("#total"), "1");
    browser.click("a.doc");
    assert_eq!(browser.text("h1"), path);

    // The narrowed list exported in the background, then downloaded.
    browser.go(&format!("{}/desk/documents?f=tag/ask-legal", server.desk));
    browser.click("#export-csv");
    browser.wait_for_text("#exports", "ready: 1 documents");
    browser.screenshot(&shots.join("desk-exports.png"));

    // A batch search: two terms pasted, two more from a CSV file's first
    // column.
    let list = tmp.path().join("names.csv");
    std::fs::write(&list, "payment,a column not searched\n\"tender offer\",another\n").unwrap();
    browser.go(&format!("{}/desk/batch", server.desk));
    browser.type_into("#terms", "contract\nno-such-word-anywhere");
    browser.type_into("#file", list.to_str().unwrap());
    browser.click("#run");
    let results = browser.wait_for_text("#results", "4 terms");
    assert!(results.contains("no-such-word-anywhere"), "{results}");
    assert!(
        results.contains("payment") && results.contains("tender offer"),
        "{results}"
    );
    assert!(!results.contains("a column not searched"), "{results}");
    server.kill();
}

#[test]
fn real_mail_shows_its_attachments_and_real_pdfs_are_drawn_page_by_page() {
    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let real = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    for name in ["mail/testEmailWithPNGAtt.eml", "pdf/testPDF.pdf", "pdf/debian-faq.pdf"] {
        let from = real.join(name);
        std::fs::copy(&from, files.join(from.file_name().unwrap())).unwrap();
    }
    let data = tmp.path().join("data");
    let id = common::init_and_submit(&data, &files);
    ok(trove(&data, &["ingest", &id]));
    let rt = runtime();
    let newsroom = rt.block_on(Newsroom::open(&data)).unwrap();
    let submission: SubmissionId = id.parse().unwrap();
    let records = rt.block_on(newsroom.repo().documents(&submission)).unwrap();
    let find = |end: &str| records.iter().find(|d| d.path.ends_with(end)).unwrap();

    // The file is an mbox of one message.
    let mail = find("testEmailWithPNGAtt.eml/#1");
    let reading = rt.block_on(newsroom.reading(mail, "")).unwrap();
    let headers = reading.mail.unwrap();
    assert!(!headers.from.is_empty() && !headers.subject.is_empty(), "{headers:?}");
    assert!(
        reading.attachments.iter().any(|a| a.what == "image"),
        "{:?}",
        reading.attachments
    );
    let image = reading.attachments.iter().find(|a| a.what == "image").unwrap();
    let jpeg = rt.block_on(newsroom.preview(&image.id, 1)).unwrap();
    assert_eq!(&jpeg[..2], b"\xFF\xD8", "a JPEG");

    let faq = find("debian-faq.pdf");
    let reading = rt.block_on(newsroom.reading(faq, "")).unwrap();
    let pages = reading.pages.unwrap();
    assert!(pages > 1, "{pages}");
    for page in [1, pages] {
        let jpeg = rt.block_on(newsroom.preview(&faq.id, page)).unwrap();
        assert_eq!(&jpeg[..2], b"\xFF\xD8", "page {page}");
    }
    let past = rt
        .block_on(newsroom.preview(&faq.id, pages + 1))
        .unwrap_err()
        .to_string();
    assert!(
        past.contains("debian-faq.pdf") && past.contains(&format!("no page {}", pages + 1)),
        "{past}"
    );
    let text = find("testPDF.pdf");
    assert!(rt.block_on(newsroom.preview(&text.id, 1)).is_ok());
    let not_drawn = rt.block_on(newsroom.preview(&mail.id, 1)).unwrap_err().to_string();
    assert!(not_drawn.contains("not drawn"), "{not_drawn}");
}

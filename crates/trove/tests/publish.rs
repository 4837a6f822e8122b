//! Releases through the binary, on documents carrying every kind of
//! identifying trace (a memo with contact data and a user path, a Word
//! file whose author and company are in its metadata and its text and
//! whose tracked changes carry another name, a PDF
//! with text under a drawn black box and an author, a real photo with
//! EXIF, a real DKIM-signed mail, a private note, an archive): four eyes,
//! the residue check, withheld codes in the log, a manifest that verifies
//! with only the log's key and names what a mirror changed or lost, and
//! unredacted mail that dkimpy verifies with the published keys. Every
//! released byte is read with poppler's `pdftotext` and `exiftool`
//! (scripts/test installs both).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{json, ok, trove};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/real");

/// What must not be in any released byte.
const SECRETS: [&str; 14] = [
    "Ms Holm",
    "Mr Berg",
    "Lena Kraus",
    "Struck from the draft",
    "Jan de Vries",
    "Anna Berg",
    "aberg",
    "Ministry of Finance",
    "+49 30 1234 5678",
    "DE89 3704 0044 0532 0130 00",
    "C01X00T47",
    "Medical file",
    "Sokolova",
    "Lisbon office",
];

fn docx(path: &Path) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    let part = |zip: &mut zip::ZipWriter<std::fs::File>, name: &str, body: &str| {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    part(
        &mut zip,
        "[Content_Types].xml",
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
    );
    part(
        &mut zip,
        "_rels/.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#,
    );
    part(
        &mut zip,
        "word/document.xml",
        r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Draft budget by Anna Berg for the cabinet, 2024.</w:t></w:r></w:p><w:p><w:r><w:t>Figures follow in the annex.</w:t></w:r><w:ins w:id="1" w:author="Lena Kraus" w:date="2024-02-01T10:00:00Z"><w:r><w:t> Totals were checked.</w:t></w:r></w:ins><w:del w:id="2" w:author="Lena Kraus" w:date="2024-02-01T10:01:00Z"><w:r><w:delText>Struck from the draft.</w:delText></w:r></w:del></w:p></w:body></w:document>"#,
    );
    part(
        &mut zip,
        "docProps/core.xml",
        r#"<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Budget</dc:title><dc:creator>Anna Berg</dc:creator><cp:lastModifiedBy>aberg</cp:lastModifiedBy></cp:coreProperties>"#,
    );
    part(
        &mut zip,
        "docProps/app.xml",
        r#"<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Company>Ministry of Finance</Company><Application>Microsoft Office Word</Application></Properties>"#,
    );
    zip.finish().unwrap();
}

/// A page whose sentence names a person under a drawn black box (the
/// classic failed redaction), with an author in its information.
fn boxed_pdf(path: &Path) {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let line = |y: i64, text: &str| {
        vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 20.into()]),
            Operation::new("Td", vec![50.into(), y.into()]),
            Operation::new("Tj", vec![Object::string_literal(text)]),
            Operation::new("ET", vec![]),
        ]
    };
    let mut operations = line(700, "The informant is Ana Sokolova of the ministry.");
    operations.extend(line(650, "Contracts were signed in the Lisbon office."));
    operations.extend(line(600, "The tender was awarded without competition."));
    operations.extend([
        Operation::new("rg", vec![0.into(), 0.into(), 0.into()]),
        // Over "Ana Sokolova".
        Operation::new("re", vec![205.into(), 690.into(), 130.into(), 32.into()]),
        Operation::new("f", vec![]),
    ]);
    let content = Content { operations };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! { "Author" => Object::string_literal("Anna Berg") });
    doc.trailer.set("Info", info);
    doc.save(path).unwrap();
}

/// A circular that a newspaper had published before the leak.
const CIRCULAR: &str = "Circular to all harbour staff. From the first of March the night shift at the \
    container terminal will be staffed by two crews instead of three, and overtime will be paid only \
    when the harbour master has signed the roster in advance. Questions go to the personnel office.\n";

fn cache(dir: &Path) -> PathBuf {
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("memo.txt"),
        "Meeting notes.\nCall Jan de Vries on +49 30 1234 5678 or write to jan.devries@example.org.\n\
         Pay into DE89 3704 0044 0532 0130 00; passport no. C01X00T47.\nSaved from C:\\Users\\aberg\\Desktop.\n",
    )
    .unwrap();
    std::fs::write(cache.join("private.txt"), "Medical file of a child.\n").unwrap();
    std::fs::write(cache.join("circular.txt"), CIRCULAR).unwrap();
    std::fs::write(
        cache.join("dogovor.txt"),
        "Министерство обороны подписало договоры о поставках топлива для флота на три года. \
         В министерстве обсуждали сроки поставок, цены и ответственность подрядчиков за задержки.\n",
    )
    .unwrap();
    std::fs::write(
        cache.join("tip.eml"),
        "From: Jan de Vries <tips@example.org>\r\nTo: desk@example.net\r\nSubject: The tender\r\n\
         Date: Tue, 2 Jan 2024 10:00:00 +0000\r\nMessage-ID: <tip-1@example.org>\r\n\r\nThe tender was rigged.\r\n",
    )
    .unwrap();
    // Two copies of one memo, each marked for its recipient.
    for (name, mark) in [("copy-a.txt", "17 for Ms Holm"), ("copy-b.txt", "23 for Mr Berg")] {
        let mut memo = String::from("Memo to the board.\n");
        for item in 1..=20 {
            memo.push_str(&format!(
                "Item {item}: the committee reviewed section {item} of the harbour budget and agreed to revisit it.\n"
            ));
        }
        memo.push_str(&format!("Copy number {mark}. Do not forward this memo.\n"));
        std::fs::write(cache.join(name), memo).unwrap();
    }
    docx(&cache.join("budget.docx"));
    boxed_pdf(&cache.join("boxed.pdf"));
    std::fs::copy(format!("{FIXTURES}/web/testJPEG_EXIF.jpg"), cache.join("photo.jpg")).unwrap();
    std::fs::copy(format!("{FIXTURES}/mail/github.eml"), cache.join("github.eml")).unwrap();
    let file = std::fs::File::create(cache.join("bundle.zip")).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    zip.start_file("inner.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"An unrelated circular.\n").unwrap();
    zip.finish().unwrap();
    cache
}

fn fails(output: std::process::Output) -> String {
    assert!(
        !output.status.success(),
        "expected a failure: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn read_back(program: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} is installed (scripts/test installs it): {e}"));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every readable form of every file in the release folder: its bytes as
/// text, and for PDFs what pdftotext and exiftool read.
fn everything_readable(folder: &Path) -> String {
    let mut all = String::new();
    for entry in walkdir::WalkDir::new(folder).into_iter().filter_map(Result::ok) {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        all.push_str(&String::from_utf8_lossy(&std::fs::read(path).unwrap()));
        let file = path.to_str().unwrap();
        if path.extension().is_some_and(|e| e == "pdf") {
            all.push_str(&read_back("pdftotext", &["-q", file, "-"]));
        }
        if path.extension().is_some_and(|e| e == "pdf" || e == "jpg") {
            all.push_str(&read_back("exiftool", &["-a", "-G1", file]).replace(file, ""));
        }
    }
    all.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn document<'a>(view: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    view.as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no document {name}"))
}

#[test]
fn a_release_is_reviewed_by_two_people_published_and_checked_against_the_log() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let id = common::init_and_submit(&data, &cache(tmp.path()));
    ok(trove(&data, &["ingest", &id]));
    ok(trove(
        &data,
        &["keys", "dkim", "import", &format!("{FIXTURES}/mail/dkim-keys.txt")],
    ));
    ok(trove(&data, &["verify", &id]));
    // A newspaper had published the circular: the archive will say so.
    let courier = tmp.path().join("courier");
    std::fs::create_dir_all(&courier).unwrap();
    std::fs::write(courier.join("circular.txt"), CIRCULAR).unwrap();
    ok(trove(
        &data,
        &[
            "published",
            "import",
            "--name",
            "courier-2023",
            "--publisher",
            "The Courier",
            "--date",
            "2023-11-03",
            courier.to_str().unwrap(),
        ],
    ));
    std::fs::write(data.join("protect.txt"), "# names to protect\nJan de Vries\n").unwrap();
    ok(trove(&data, &["users", "add", "editor", "--role", "editor"]));
    ok(trove(&data, &["users", "add", "reviewer", "--role", "journalist"]));

    // Only an accepted submission is released.
    let refused = fails(trove(&data, &["release", "new", &id, "--user", "editor"]));
    assert!(refused.contains("undecided"), "{refused}");
    ok(trove(&data, &["triage", &id]));
    ok(trove(
        &data,
        &["decide", &id, "--accept", "--reason", "a test of publishing"],
    ));
    let view = json(&ok(trove(
        &data,
        &["release", "new", &id, "--user", "editor", "--json"],
    )));
    let release = view["id"].as_str().unwrap().to_owned();
    let documents = json(&ok(trove(&data, &["docs", "list", &id, "--json"])))["documents"].clone();
    let doc = |name: &str| document(&documents, name)["id"].as_str().unwrap().to_owned();
    let release_cmd = |args: &[&str]| {
        let mut all = vec!["release"];
        all.extend_from_slice(args);
        trove(&data, &all)
    };

    // Withholding: a reason code is required and must be known; an archive
    // takes its members with it.
    let unknown = fails(release_cmd(&[
        "withhold",
        &release,
        &doc("private.txt"),
        "--reason",
        "BORING",
        "--user",
        "editor",
    ]));
    assert!(unknown.contains("BORING"), "{unknown}");
    ok(release_cmd(&[
        "withhold",
        &release,
        &doc("private.txt"),
        "--reason",
        "PRIVACY",
        "--note",
        "a child's file",
        "--user",
        "editor",
    ]));
    let held = json(&ok(release_cmd(&[
        "withhold",
        &release,
        &doc("bundle.zip"),
        "--reason",
        "OUT_OF_SCOPE",
        "--user",
        "editor",
        "--json",
    ])));
    assert_eq!(held["held_back"], 2, "the archive and its member");

    // Proposals: every kind this cache carries.
    let proposed = json(&ok(release_cmd(&["propose", &release, "--user", "editor", "--json"])));
    for kind in [
        "email",
        "phone",
        "iban",
        "id_number",
        "protected_name",
        "source_metadata",
        "watermark",
    ] {
        assert!(
            proposed["by_kind"][kind].as_u64().unwrap_or(0) > 0,
            "no {kind} proposed: {proposed}"
        );
    }
    let memo = json(&ok(release_cmd(&[
        "show",
        &release,
        "--document",
        &doc("memo.txt"),
        "--json",
    ])));
    assert!(
        memo["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "user_path"),
        "{memo}"
    );
    let budget = json(&ok(release_cmd(&[
        "show",
        &release,
        "--document",
        &doc("budget.docx"),
        "--json",
    ])));
    let flagged: Vec<&str> = budget["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    for kind in ["author", "last_modified_by", "company", "revision_history"] {
        assert!(flagged.contains(&kind), "{kind} not flagged: {flagged:?}");
    }

    // Bad input: a span outside the text, a string the text lacks, an
    // approval by the proposer, a review of one's own span.
    let out_of_range = fails(release_cmd(&[
        "redact",
        &release,
        &doc("memo.txt"),
        "--start",
        "5",
        "--end",
        "99999",
        "--user",
        "editor",
    ]));
    assert!(out_of_range.contains("outside the text"), "{out_of_range}");
    let absent = fails(release_cmd(&[
        "redact",
        &release,
        &doc("memo.txt"),
        "--text",
        "nowhere to be found",
        "--user",
        "editor",
    ]));
    assert!(absent.contains("does not occur"), "{absent}");
    // A redaction by hand in the PDF's text: burned into its pixels.
    let added = json(&ok(release_cmd(&[
        "redact",
        &release,
        &doc("boxed.pdf"),
        "--text",
        "Lisbon office",
        "--user",
        "editor",
        "--json",
    ])));
    assert_eq!(added["proposed"], 1);
    let own = fails(release_cmd(&[
        "approve",
        &release,
        &doc("memo.txt"),
        "--user",
        "editor",
    ]));
    assert!(own.contains("four eyes"), "{own}");
    let first_span = memo["redactions"][0]["id"].as_u64().unwrap().to_string();
    let own = fails(release_cmd(&["confirm", &release, &first_span, "--user", "editor"]));
    assert!(own.contains("four eyes"), "{own}");
    // Unreviewed proposals stop publishing.
    let unreviewed = fails(trove(&data, &["publish", &release]));
    assert!(unreviewed.contains("nobody has reviewed"), "{unreviewed}");

    // The reviewer keeps the addresses in the real mail (so it goes out
    // whole) and rejects the protected name in the memo by mistake: the
    // residue check stops the release, naming the memo.
    let mail = json(&ok(release_cmd(&[
        "show",
        &release,
        "--document",
        &doc("github.eml"),
        "--json",
    ])));
    let mail_spans: Vec<String> = mail["redactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    let mut reject = vec!["reject", release.as_str()];
    reject.extend(mail_spans.iter().map(String::as_str));
    reject.extend(["--user", "reviewer"]);
    if !mail_spans.is_empty() {
        ok(release_cmd(&reject));
    }
    let name_span = memo["redactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "protected_name")
        .unwrap()["id"]
        .to_string();
    ok(release_cmd(&["reject", &release, &name_span, "--user", "reviewer"]));
    assert_eq!(proposed["watermarked_documents"], 2, "{proposed}");
    for name in [
        "memo.txt",
        "budget.docx",
        "boxed.pdf",
        "photo.jpg",
        "copy-a.txt",
        "copy-b.txt",
        "tip.eml",
    ] {
        let review = json(&ok(release_cmd(&[
            "show",
            &release,
            "--document",
            &doc(name),
            "--json",
        ])));
        if review["redactions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["state"] == "proposed")
        {
            ok(release_cmd(&["approve", &release, &doc(name), "--user", "reviewer"]));
        }
    }
    let residue = fails(trove(&data, &["publish", &release]));
    assert!(
        residue.contains("memo.txt") && residue.contains("still readable"),
        "{residue}"
    );
    ok(release_cmd(&["confirm", &release, &name_span, "--user", "reviewer"]));

    let published = json(&ok(trove(&data, &["publish", &release, "--json"])));
    let counts = &published["counts"];
    assert_eq!(counts["withheld"], 3, "{published}");
    assert_eq!(counts["codes"]["PRIVACY"], 1);
    assert_eq!(counts["codes"]["OUT_OF_SCOPE"], 2);
    assert_eq!(counts["containers"], 0, "the only archive is withheld");
    assert!(counts["redacted"].as_u64().unwrap() >= 2, "{published}");
    assert!(
        published["held_at_publish"].as_array().unwrap().is_empty(),
        "{published}"
    );
    let folder = PathBuf::from(published["folder"].as_str().unwrap());

    // No redacted string, protected name, flagged value or withheld
    // content in any released byte, whoever reads it.
    let released = everything_readable(&folder);
    for secret in SECRETS {
        let needle = secret.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        assert!(!released.contains(&needle), "{secret:?} is in the release");
    }
    // The photo went out as its pixels alone: no camera, no dates.
    let manifest_lines = std::fs::read_to_string(folder.join("manifest.txt")).unwrap();
    let photo = manifest_lines.lines().find(|l| l.ends_with("photo.jpg")).unwrap();
    let photo_file = folder.join(photo.split('\t').nth(6).unwrap());
    assert!(photo_file.extension().is_some_and(|e| e == "jpg"), "{photo}");
    let exif = read_back("exiftool", &["-a", "-G1", photo_file.to_str().unwrap()]);
    assert!(
        !exif.contains("Canon") && !exif.contains("[IFD0]") && !exif.contains("[ExifIFD]"),
        "{exif}"
    );
    // What was not redacted is still there, read from the pixels.
    assert!(released.contains("tender"), "the PDF's text layer is missing");
    assert!(released.contains("figures follow in the annex"));

    // The manifest accounts for every document; the check needs only the
    // log's key.
    let log_key = data.join("keys/log.vkey");
    let check = json(&ok(trove(
        &data,
        &[
            "manifest",
            "verify",
            folder.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
            "--log",
            data.join("log").to_str().unwrap(),
            "--json",
        ],
    )));
    assert_eq!(
        check["records"].as_u64().unwrap(),
        documents.as_array().unwrap().len() as u64
    );
    assert!(check["problems"].as_array().unwrap().is_empty(), "{check}");
    assert_eq!(check["withheld"].as_array().unwrap().len(), 3);
    // The re-rendered mail carries the newsroom's signed verdict instead
    // of a signature a reader could check.
    let manifest_text = std::fs::read_to_string(folder.join("manifest.txt")).unwrap();
    let tip_index: u64 = manifest_text
        .lines()
        .find(|l| l.ends_with("tip.eml"))
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        check["verdicts"].as_array().unwrap().iter().any(|v| v[0] == tip_index),
        "{check}"
    );
    // The withheld reasons are in the log's statement itself.
    let entry = std::fs::read_to_string(folder.join("publication.entry")).unwrap();
    assert!(entry.contains("codes OUT_OF_SCOPE=2,PRIVACY=1"), "{entry}");
    assert!(!entry.contains("private.txt"));
    ok(trove(&data, &["log", "verify"]));

    // The real mail went out whole, and dkimpy verifies it with the keys
    // the release carries.
    let manifest = std::fs::read_to_string(folder.join("manifest.txt")).unwrap();
    let mail_line = manifest.lines().find(|l| l.ends_with("github.eml")).unwrap();
    assert!(
        mail_line.contains("\tpublished\t") && mail_line.contains(".eml\t"),
        "{mail_line}"
    );
    let mail_file = mail_line.split('\t').nth(6).unwrap();
    let dkimpy = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trove-dkim/tests/real_dkim_peer.py"
        ))
        .arg(folder.join("dkim-keys.txt"))
        .arg(folder.join(mail_file))
        .output()
        .expect("python3 with dkimpy (scripts/test installs it)");
    let verdicts = String::from_utf8_lossy(&dkimpy.stdout);
    assert!(
        verdicts.lines().next() == Some("pass"),
        "{verdicts} {}",
        String::from_utf8_lossy(&dkimpy.stderr)
    );

    the_archive_serves_the_release(&data, &folder, tmp.path());

    // A mirror that changed one file and lost another is named.
    let mirror = tmp.path().join("mirror");
    std::fs::create_dir_all(mirror.join("documents")).unwrap();
    for entry in walkdir::WalkDir::new(&folder)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
    {
        let relative = entry.path().strip_prefix(&folder).unwrap();
        std::fs::copy(entry.path(), mirror.join(relative)).unwrap();
    }
    let memo_file = manifest
        .lines()
        .find(|l| l.ends_with("memo.txt"))
        .unwrap()
        .split('\t')
        .nth(6)
        .unwrap();
    std::fs::write(mirror.join(memo_file), "Nothing to see here.\n").unwrap();
    let docx_file = manifest
        .lines()
        .find(|l| l.ends_with("budget.docx"))
        .unwrap()
        .split('\t')
        .nth(6)
        .unwrap();
    std::fs::remove_file(mirror.join(docx_file)).unwrap();
    let damaged = trove(
        &data,
        &[
            "manifest",
            "verify",
            mirror.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    );
    assert!(!damaged.status.success());
    let report = String::from_utf8_lossy(&damaged.stdout);
    assert!(
        report.contains("changed: record") && report.contains("memo.txt"),
        "{report}"
    );
    assert!(
        report.contains("missing: record") && report.contains("budget.docx"),
        "{report}"
    );
    // A verdict changed by a mirror is refused outright.
    let note = std::fs::read_to_string(mirror.join("verifications.note")).unwrap();
    let changed = note.replacen(" unverifiable", " verified", 1);
    assert_ne!(changed, note, "{note}");
    std::fs::write(mirror.join("verifications.note"), changed).unwrap();
    let forged = fails(trove(
        &data,
        &[
            "manifest",
            "verify",
            mirror.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    ));
    assert!(forged.contains("verifications.note"), "{forged}");
    std::fs::write(mirror.join("verifications.note"), note).unwrap();
    // A manifest changed to hide a document is refused outright.
    let hidden = manifest.replace("\tpublished\t", "\tcontainer\t");
    std::fs::write(mirror.join("manifest.txt"), hidden).unwrap();
    let refused = fails(trove(
        &data,
        &[
            "manifest",
            "verify",
            mirror.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    ));
    assert!(refused.contains("manifest"), "{refused}");

    // A signed release never changes.
    let sealed = fails(release_cmd(&[
        "withhold",
        &release,
        &doc("memo.txt"),
        "--reason",
        "LEGAL",
        "--user",
        "editor",
    ]));
    assert!(sealed.contains("can no longer change"), "{sealed}");
    // A rejected submission cannot be released.
    ok(trove(
        &data,
        &["decide", &id, "--reject", "UNVERIFIABLE", "--reason", "second thoughts"],
    ));
    let rejected = fails(trove(&data, &["release", "new", &id, "--user", "editor"]));
    assert!(rejected.contains("reject"), "{rejected}");
}

/// GETs `url`: status and body bytes.
fn get(url: &str) -> (u16, Vec<u8>) {
    let mut response = common::agent().get(url).call().expect("the archive answers");
    let status = response.status().as_u16();
    let body = response.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap();
    (status, body)
}

fn search(archive: &str, query: &str) -> Vec<String> {
    let (status, body) = get(&format!("{archive}/search?format=json&{query}"));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let results = json(&String::from_utf8_lossy(&body));
    let mut paths: Vec<String> = results["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap().rsplit('/').next().unwrap().to_owned())
        .collect();
    paths.sort();
    paths
}

/// The public archive, built from the sealed folder alone on a machine
/// with no data directory, served, searched, downloaded and checked.
fn the_archive_serves_the_release(data: &Path, folder: &Path, tmp: &Path) {
    let log_key = data.join("keys/log.vkey");
    let public = tmp.join("public");
    let nothing = tmp.join("no-data-here");
    let built = json(&ok(trove(
        &nothing,
        &[
            "archive",
            "build",
            "--out",
            public.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
            folder.to_str().unwrap(),
            "--json",
        ],
    )));
    let root = built[0]["root"].as_str().unwrap().to_owned();
    assert!(built[0]["documents"].as_u64().unwrap() >= 6, "{built}");
    // Publishing added the release to the newsroom's own archive too.
    assert!(data.join("archive/releases").join(format!("{root}.json")).exists());
    let server = common::Server::start_with(
        &nothing,
        &[
            "--role",
            "archive",
            "--archive",
            public.to_str().unwrap(),
            "--log-dir",
            data.join("log").to_str().unwrap(),
        ],
    );
    let archive = server.archive.clone();
    assert!(!nothing.exists(), "the archive role made or opened a data directory");

    // Words, phrases, field filters, facets, date ranges.
    assert_eq!(search(&archive, "q=tender"), ["boxed.pdf", "tip.eml"]);
    assert_eq!(search(&archive, "q=%22tender+was+rigged%22"), ["tip.eml"]);
    assert_eq!(search(&archive, "q=tender+type%3Apdf"), ["boxed.pdf"]);
    assert_eq!(search(&archive, "q=tender&f=type%2Femail"), ["tip.eml"]);
    assert_eq!(
        search(&archive, "q=after%3A2024-01-02+before%3A2024-01-03"),
        ["tip.eml"]
    );
    assert!(search(&archive, "q=from%3Agithub.com").contains(&"github.eml".to_owned()));
    let (_, body) = get(&format!("{archive}/search?format=json&q=tender"));
    let results = json(&String::from_utf8_lossy(&body));
    let types: Vec<&str> = results["facets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["group"] == "type")
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"pdf") && types.contains(&"email"), "{results}");
    assert!(
        results["hits"][0]["highlighted"]
            .as_array()
            .is_some_and(|h| !h.is_empty()),
        "{results}"
    );
    // A Russian word finds its inflected forms.
    assert_eq!(
        search(&archive, "q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80%D0%BE%D0%BC"),
        ["dogovor.txt"]
    );
    // Where a document appeared before, from the signed overlap note.
    assert_eq!(search(&archive, "f=evidence%2Fpublished-before"), ["circular.txt"]);
    let (_, body) = get(&format!("{archive}/search?format=json&q=circular+harbour"));
    let circular = json(&String::from_utf8_lossy(&body))["hits"][0]["index"].clone();
    let (_, html) = get(&format!("{archive}/d/{root}/{circular}"));
    let html = String::from_utf8_lossy(&html);
    assert!(
        html.contains("Where it appeared before")
            && html.contains("the same document, published by The Courier on 2023-11-03 (courier-2023)"),
        "{html}"
    );

    // Nothing redacted is ever found.
    for secret in ["Vries", "C01X00T47", "Lisbon", "Sokolova", "aberg"] {
        assert!(search(&archive, &format!("q={secret}")).is_empty(), "{secret} found");
    }
    let (status, _) = get(&format!("{archive}/search?q=%22unclosed"));
    assert_eq!(status, 400, "a malformed query is a clear error");

    // The real mail's page states its DKIM evidence; its raw message
    // downloads and verifies with dkimpy against the published keys.
    let (_, body) = get(&format!("{archive}/search?format=json&q=github"));
    let hit = json(&String::from_utf8_lossy(&body))["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["path"].as_str().unwrap().ends_with("github.eml"))
        .cloned()
        .expect("the real mail is found");
    let page = format!("{archive}/d/{root}/{}", hit["index"]);
    let (status, html) = get(&page);
    let html = String::from_utf8_lossy(&html);
    assert_eq!(status, 200);
    assert!(html.contains("DKIM verified: rsa-sha256, key"), "{html}");
    // The key's days: those of the release's mail it verified.
    assert!(html.contains("1024 bits, seen 2022-11-02..2022-11-02"), "{html}");
    let (_, raw) = get(&format!("{page}/file"));
    let (_, keys) = get(&format!("{archive}/releases/{root}/dkim-keys.txt"));
    std::fs::write(tmp.join("downloaded.eml"), &raw).unwrap();
    std::fs::write(tmp.join("downloaded-keys.txt"), &keys).unwrap();
    let dkimpy = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../trove-dkim/tests/real_dkim_peer.py"
        ))
        .arg(tmp.join("downloaded-keys.txt"))
        .arg(tmp.join("downloaded.eml"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&dkimpy.stdout).lines().next(), Some("pass"));
    // The redacted tip shows the newsroom's signed verdict instead.
    let (_, body) = get(&format!("{archive}/search?format=json&q=rigged"));
    let tip = json(&String::from_utf8_lossy(&body))["hits"][0]["index"].clone();
    let (_, html) = get(&format!("{archive}/d/{root}/{tip}"));
    assert!(String::from_utf8_lossy(&html).contains("Verified by the newsroom"));

    // Release pages, the feed, and the release as a tar that verifies.
    let (status, html) = get(&format!("{archive}/r/{root}"));
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&html).contains("OUT_OF_SCOPE"));
    let (_, feed) = get(&format!("{archive}/feed.atom"));
    assert!(String::from_utf8_lossy(&feed).contains(&root));
    let (_, tar) = get(&format!("{archive}/r/{root}/tar"));
    let unpacked = tmp.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    std::fs::write(tmp.join("release.tar"), &tar).unwrap();
    ok(std::process::Command::new("tar")
        .arg("-xf")
        .arg(tmp.join("release.tar"))
        .arg("-C")
        .arg(&unpacked)
        .output()
        .unwrap());
    ok(trove(
        data,
        &[
            "manifest",
            "verify",
            unpacked.join(format!("release-{root}")).to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    ));
    // Its note of where documents appeared before is signed: a changed
    // publisher is refused, naming the note.
    let note = unpacked.join(format!("release-{root}/appeared-before.note"));
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text.replace("The Courier", "The Herald")).unwrap();
    let forged = fails(trove(
        data,
        &[
            "manifest",
            "verify",
            unpacked.join(format!("release-{root}")).to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    ));
    assert!(forged.contains("appeared-before.note"), "{forged}");
    // The release as FollowTheMoney entities that the followthemoney
    // package takes as valid.
    let (status, entities) = get(&format!("{archive}/r/{root}/ftm.jsonl"));
    assert_eq!(status, 200);
    std::fs::write(tmp.join("release.ftm.jsonl"), &entities).unwrap();
    let checked = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ftm_check.py"))
        .arg(tmp.join("release.ftm.jsonl"))
        .output()
        .expect("python3 with followthemoney (scripts/test installs it)");
    let counts = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "{counts} {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    for schema in ["Document", "Email", "Organization", "Person"] {
        assert!(counts.contains(schema), "no {schema} in {counts}");
    }
    assert!(!String::from_utf8_lossy(&entities).contains("Vries"));

    // The served archive verifies as a mirror would check it; a copy with
    // a file removed is named.
    ok(trove(
        data,
        &[
            "archive",
            "verify",
            &format!("{archive}/"),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    ));
    // A static copy for mirrors: the same pages as files, and it verifies.
    let copy = tmp.join("static");
    ok(trove(
        data,
        &[
            "archive",
            "export",
            "--archive",
            public.to_str().unwrap(),
            "--static",
            copy.to_str().unwrap(),
        ],
    ));
    let static_page = std::fs::read_to_string(copy.join(format!("d/{root}/{}/index.html", hit["index"]))).unwrap();
    assert!(static_page.contains("DKIM verified"), "{static_page}");
    assert!(copy.join(format!("r/{root}/index.html")).exists());
    ok(trove(
        data,
        &[
            "archive",
            "verify",
            copy.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    ));
    let logged = server.kill();
    assert!(!logged.contains("127.0.0.1:"), "{logged}");
    let documents = public.join("releases").join(&root).join("documents");
    let victim = std::fs::read_dir(&documents).unwrap().next().unwrap().unwrap().path();
    std::fs::remove_file(&victim).unwrap();
    let broken = trove(
        data,
        &[
            "archive",
            "verify",
            public.to_str().unwrap(),
            "--log-key",
            log_key.to_str().unwrap(),
        ],
    );
    assert!(!broken.status.success());
    let report = String::from_utf8_lossy(&broken.stdout);
    let name = victim.file_name().unwrap().to_string_lossy();
    assert!(report.contains("INCOMPLETE") && report.contains(&*name), "{report}");
}

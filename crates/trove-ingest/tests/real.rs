//! Ingest on real documents nobody at trove wrote (fixtures/real, each with
//! its source and licence in MANIFEST.tsv): every file is detected as its
//! type and read; PDF text is what poppler's pdftotext reads, word pair by
//! word pair; PDF metadata strings are decoded; mail is mail however long
//! its header block; dBase, DjVu, vCard and iCalendar files give their
//! text and fields.

use std::path::{Path, PathBuf};

use trove_ingest::{Limits, Status, detect, extract};
use trove_testkit::word_pair_agreement;

struct Fixture {
    path: String,
    doc_type: String,
    bytes: Vec<u8>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real")
}

fn fixtures() -> Vec<Fixture> {
    let manifest = std::fs::read_to_string(root().join("MANIFEST.tsv")).unwrap();
    manifest
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split('\t');
            let path = fields.next().unwrap().to_owned();
            let doc_type = fields.next().unwrap().to_owned();
            assert!(
                fields.next().is_some_and(|s| !s.is_empty()) && fields.next().is_some_and(|l| !l.is_empty()),
                "{path}: MANIFEST.tsv must give its source and licence"
            );
            let bytes = std::fs::read(root().join(&path)).unwrap_or_else(|e| panic!("{path}: {e}"));
            Fixture { path, doc_type, bytes }
        })
        .collect()
}

fn fixture(name: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.path.ends_with(name))
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

fn read(fixture: &Fixture) -> trove_ingest::Extracted {
    extract(detect(&fixture.bytes), &fixture.bytes, &Limits::default())
}

#[test]
fn every_real_file_is_detected_as_its_type_and_read() {
    let all = fixtures();
    assert!(all.len() >= 45, "{} fixtures", all.len());
    let mut wrong = Vec::new();
    for fixture in &all {
        let found = detect(&fixture.bytes).name();
        if found != fixture.doc_type {
            wrong.push(format!("{}: detected {found}, is {}", fixture.path, fixture.doc_type));
            continue;
        }
        let extracted = read(fixture);
        let encrypted = fixture.path.contains("Password") || fixture.path.contains("Encrypted");
        match (&extracted.status, encrypted) {
            (Status::Encrypted(_), true) => {}
            (status, true) => wrong.push(format!("{}: {status:?}, not encrypted", fixture.path)),
            (Status::Failed(reason), false) => wrong.push(format!("{}: failed: {reason}", fixture.path)),
            // A scanned page without OCR (off in the default limits) is
            // read in part, and says so.
            (Status::Partial(reason), false) if fixture.path.ends_with("testOCR.pdf") => {
                assert!(reason.contains("without a text layer"), "{reason}")
            }
            (_, false) => {
                let text = extracted.text.unwrap_or_default();
                let containers = ["mbox", "zip", "tar", "tar.gz", "7z", "bzip2", "gzip"];
                if containers.contains(&fixture.doc_type.as_str()) {
                    // A container's documents are its children.
                    if extracted.children.is_empty() {
                        wrong.push(format!("{}: nothing inside", fixture.path));
                    }
                } else if fixture.doc_type == "image" {
                    // Images have text only through OCR (off in the
                    // default limits); EXIF where the camera wrote it.
                    if fixture.path.contains("EXIF") && extracted.metadata.is_empty() {
                        wrong.push(format!("{}: no EXIF", fixture.path));
                    }
                } else if text.trim().is_empty() {
                    wrong.push(format!("{}: no text", fixture.path));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn pdftotext(path: &Path) -> String {
    let output = std::process::Command::new("pdftotext")
        .args(["-q", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed; scripts/test installs it");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn pdf_text_agrees_with_pdftotext_word_pair_by_word_pair() {
    let mut report = Vec::new();
    for fixture in fixtures().iter().filter(|f| f.doc_type == "pdf") {
        let extracted = read(fixture);
        if matches!(extracted.status, Status::Encrypted(_)) || fixture.path.ends_with("testOCR.pdf") {
            continue;
        }
        let engine = extracted.metadata["text_engine"].as_str().unwrap_or("").to_owned();
        let reference = pdftotext(&root().join(&fixture.path));
        let score = word_pair_agreement(extracted.text.as_deref().unwrap_or(""), &reference);
        report.push(format!("{} ({engine}): {score:.4}", fixture.path));
        assert!(score >= 0.98, "{}: word-pair agreement {score:.4}", fixture.path);
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn pdf_metadata_strings_are_decoded() {
    for fixture in fixtures().iter().filter(|f| f.doc_type == "pdf") {
        let extracted = read(fixture);
        for (key, value) in &extracted.metadata {
            if let Some(text) = value.as_str() {
                assert!(
                    !text.contains('\u{0}') && !text.starts_with("þÿ"),
                    "{}: {key} = {text:?} is not decoded",
                    fixture.path
                );
            }
        }
    }
    // Word 2007 writes its name in UTF-16BE with a byte order mark.
    let word = read(&fixture("testOptionalHyphen.pdf"));
    assert_eq!(word.metadata["creator"], "Microsoft® Office Word 2007");
}

#[test]
fn mail_is_mail_however_long_its_header_block() {
    let google = fixture("google-arc.eml");
    let header_end = google
        .bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| google.bytes.windows(2).position(|w| w == b"\n\n"))
        .unwrap();
    assert!(header_end > 7_000, "{header_end}");
    assert!(google.bytes.starts_with(b"Received:"));
    let extracted = read(&google);
    assert!(
        extracted.metadata["subject"].as_str().is_some_and(|s| !s.is_empty()),
        "{:?}",
        extracted.metadata
    );
    assert!(extracted.metadata["from"].as_array().is_some_and(|a| !a.is_empty()));
    let ietf = read(&fixture("ietf.eml"));
    assert!(ietf.metadata["message_id"].as_str().is_some());
}

#[test]
fn dbase_djvu_vcard_and_icalendar_give_their_text_and_fields() {
    let table = read(&fixture("testDBF.dbf"));
    let fields = table.metadata["fields"].as_array().unwrap();
    assert!(!fields.is_empty());
    let text = table.text.unwrap();
    let header = text.lines().next().unwrap();
    assert_eq!(header.split('\t').count(), fields.len());
    assert_eq!(
        text.lines().count() as u64,
        1 + table.metadata["records"].as_u64().unwrap()
    );

    let chinese = read(&fixture("testDBF_gb18030.dbf")).text.unwrap();
    assert!(
        chinese.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{chinese}"
    );

    let djvu = read(&fixture("debian-faq-p1-3.djvu"));
    assert_eq!(djvu.status, Status::Ok);
    assert!(djvu.text.unwrap().contains("The Debian GNU/Linux FAQ"));

    let card = read(&fixture("calcard-005.vcf"));
    assert!(!card.metadata.is_empty(), "vCard fields as metadata");
    let calendar = read(&fixture("testICalendar.ics"));
    assert!(!calendar.metadata.is_empty(), "iCalendar fields as metadata");
}

/// The generated corpus's PDFs are written a whole line at a time: lopdf
/// reads them without poppler's process, and what it reads is what
/// pdftotext reads.
#[test]
fn the_lopdf_fast_path_is_taken_only_where_it_agrees_with_pdftotext() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = trove_corpus::Spec {
        seed: 5,
        size: 400_000,
        published_share: 0.45,
        footer: false,
    };
    trove_corpus::generate(tmp.path(), &spec, |_, _| {}).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(tmp.path().join("cache/documents")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "pdf") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let extracted = extract(detect(&bytes), &bytes, &Limits::default());
        assert_eq!(extracted.metadata["text_engine"], "lopdf", "{}", path.display());
        let score = word_pair_agreement(extracted.text.as_deref().unwrap_or(""), &pdftotext(&path));
        assert!(score >= 0.98, "{}: {score}", path.display());
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn damaged_dbase_and_djvu_files_say_what_is_wrong_and_keep_what_was_read() {
    // A table cut inside its last row: the rows before it are kept, and
    // the status names the row.
    let table = fixture("testDBF.dbf");
    let cut = &table.bytes[..table.bytes.len() - 10];
    let read = extract(trove_ingest::DocType::Dbf, cut, &Limits::default());
    match &read.status {
        Status::Partial(reason) => assert!(reason.starts_with("row "), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(
        read.text.unwrap().lines().count() > 1,
        "the header and the whole rows are kept"
    );
    // Not a table at all.
    let garbage = extract(trove_ingest::DocType::Dbf, b"\x03not a table", &Limits::default());
    assert!(
        matches!(&garbage.status, Status::Failed(r) if r.contains("unreadable dBase table")),
        "{:?}",
        garbage.status
    );
    // A DjVu cut in half: the pages that arrived whole are read, and the
    // status says it is cut short, as it does for a file cut to its header.
    let djvu = fixture("debian-faq-p1-3.djvu");
    let half = &djvu.bytes[..djvu.bytes.len() / 2];
    let read = extract(detect(half), half, &Limits::default());
    assert!(
        matches!(&read.status, Status::Partial(r) if r.contains("cut short")),
        "{:?}",
        read.status
    );
    assert!(read.text.unwrap().contains("The Debian GNU/Linux FAQ"));
    let header = &djvu.bytes[..200];
    let read = extract(detect(header), header, &Limits::default());
    assert!(
        matches!(&read.status, Status::Partial(r) if r.contains("cut short (200 of")),
        "{:?}",
        read.status
    );
}

#[test]
fn a_pdf_whose_page_tree_is_damaged_is_not_an_empty_document() {
    let pdf = fixture("testPDF.pdf");
    // The page tree's /Kids renamed: lopdf finds no page, and neither does
    // poppler. Before, this was an "ok" document with no text.
    let at = pdf.bytes.windows(5).rposition(|w| w == b"/Kids").unwrap();
    let mut damaged = pdf.bytes.clone();
    damaged[at + 4] = b'z';
    let read = extract(detect(&damaged), &damaged, &Limits::default());
    assert!(
        matches!(&read.status, Status::Failed(r) if r.contains("page tree is missing or damaged")),
        "{:?}",
        read.status
    );
    assert!(read.text.is_none());
}

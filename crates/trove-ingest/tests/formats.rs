//! One fixture per format beyond the corpus's, built here in code: each is
//! detected by content and yields its text and metadata.

use std::io::{Cursor, Write};

use trove_ingest::{DocType, Limits, detect, extract};
use zip::write::SimpleFileOptions;

fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in entries {
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        zip.start_file(*name, SimpleFileOptions::default().compression_method(method))
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn tar_of(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes).unwrap();
    tar.into_inner().unwrap()
}

fn text_of(bytes: &[u8]) -> (DocType, String, serde_json::Map<String, serde_json::Value>) {
    let kind = detect(bytes);
    let extracted = extract(kind, bytes, &Limits::default());
    assert_eq!(extracted.status, trove_ingest::Status::Ok, "{kind:?}");
    (kind, extracted.text.unwrap_or_default(), extracted.metadata)
}

fn children_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let extracted = extract(detect(bytes), bytes, &Limits::default());
    extracted
        .children
        .into_iter()
        .map(|c| (c.name, c.bytes.map_err(|s| format!("{s:?}")).unwrap()))
        .collect()
}

#[test]
fn bzip2_and_xz_tars_are_unpacked() {
    let tar = tar_of("memo.txt", b"quarterly transfer report");
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
    bz.write_all(&tar).unwrap();
    let bz = bz.finish().unwrap();
    assert_eq!(detect(&bz), DocType::Bzip2);
    assert_eq!(
        children_of(&bz),
        vec![("memo.txt".to_owned(), b"quarterly transfer report".to_vec())]
    );

    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut Cursor::new(&tar), &mut xz).unwrap();
    assert_eq!(detect(&xz), DocType::Xz);
    assert_eq!(
        children_of(&xz),
        vec![("memo.txt".to_owned(), b"quarterly transfer report".to_vec())]
    );

    // A lone compressed file (not a tar) has one child.
    let mut lone = Vec::new();
    lzma_rs::xz_compress(&mut Cursor::new(b"just text".as_slice()), &mut lone).unwrap();
    assert_eq!(children_of(&lone), vec![("contents".to_owned(), b"just text".to_vec())]);
}

#[test]
fn seven_zip_archives_are_unpacked() {
    let mut archive = sevenz_rust2::ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    let mut entry = sevenz_rust2::ArchiveEntry::new_file("inner/ledger.csv");
    entry.size = 17;
    archive
        .push_archive_entry(entry, Some(b"date,amount\n1,2\n\n".as_slice()))
        .unwrap();
    let bytes = archive.finish().unwrap().into_inner();
    assert_eq!(detect(&bytes), DocType::SevenZip);
    assert_eq!(
        children_of(&bytes),
        vec![("inner/ledger.csv".to_owned(), b"date,amount\n1,2\n\n".to_vec())]
    );
    let damaged = &bytes[..bytes.len() - 20];
    assert_ne!(
        extract(detect(damaged), damaged, &Limits::default()).status,
        trove_ingest::Status::Ok
    );
}

#[test]
fn presentations_and_open_documents_yield_text_and_metadata() {
    let pptx = zip_of(&[
        ("[Content_Types].xml", "<Types/>"),
        (
            "ppt/slides/slide2.xml",
            r#"<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>Second slide</a:t></a:r></a:p></p:sld>"#,
        ),
        (
            "ppt/slides/slide1.xml",
            r#"<p:sld xmlns:a="a" xmlns:p="p"><a:p><a:r><a:t>Border &amp; budget</a:t></a:r></a:p></p:sld>"#,
        ),
        (
            "docProps/core.xml",
            r#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>Olga Petrova</dc:creator></cp:coreProperties>"#,
        ),
    ]);
    let (kind, text, meta) = text_of(&pptx);
    assert_eq!(kind, DocType::Pptx);
    assert!(
        text.find("Border & budget").unwrap() < text.find("Second slide").unwrap(),
        "{text}"
    );
    assert_eq!(meta["creator"], "Olga Petrova");

    let odt = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        (
            "content.xml",
            r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><text:p>Приказ номер</text:p><text:p>второй<text:s/>абзац</text:p></office:body></office:document-content>"#,
        ),
        (
            "meta.xml",
            r#"<office:document-meta xmlns:office="o" xmlns:meta="m" xmlns:dc="d"><office:meta><meta:initial-creator>Irina</meta:initial-creator><meta:editing-cycles>7</meta:editing-cycles></office:meta></office:document-meta>"#,
        ),
    ]);
    let (kind, text, meta) = text_of(&odt);
    assert_eq!(kind, DocType::Odt);
    assert!(text.contains("Приказ номер\nвторой абзац"), "{text:?}");
    assert_eq!(
        (meta["creator"].as_str(), meta["revision"].as_str()),
        (Some("Irina"), Some("7"))
    );

    let ods = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        (
            "content.xml",
            r#"<d xmlns:table="t" xmlns:text="x"><table:table-row><table:table-cell><text:p>INV-2014-00417</text:p></table:table-cell></table:table-row></d>"#,
        ),
    ]);
    let (kind, text, _) = text_of(&ods);
    assert_eq!(kind, DocType::Ods);
    assert!(text.contains("INV-2014-00417"));
}

#[test]
fn images_give_their_exif() {
    use exif::experimental::Writer;
    let make = exif::Field {
        tag: exif::Tag::Make,
        ifd_num: exif::In::PRIMARY,
        value: exif::Value::Ascii(vec![b"Canon".to_vec()]),
    };
    let when = exif::Field {
        tag: exif::Tag::DateTime,
        ifd_num: exif::In::PRIMARY,
        value: exif::Value::Ascii(vec![b"2015:03:02 10:22:01".to_vec()]),
    };
    let mut writer = Writer::new();
    writer.push_field(&make);
    writer.push_field(&when);
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, true).unwrap();
    let tiff = tiff.into_inner();
    let (kind, _, meta) = text_of(&tiff);
    assert_eq!(kind, DocType::Image);
    assert!(meta["exif.Make"].as_str().unwrap().contains("Canon"), "{meta:?}");
    assert!(
        meta["exif.DateTime"].as_str().unwrap().contains("2015-03-02"),
        "{meta:?}"
    );
}

#[test]
fn language_is_detected() {
    let (_, _, meta) =
        text_of("Министерство внутренних дел направило распоряжение о проверке всех подразделений области.".as_bytes());
    assert_eq!(meta["language"], "rus");
}

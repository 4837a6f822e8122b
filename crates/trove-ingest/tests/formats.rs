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
fn a_seven_zip_bomb_is_held_to_the_archives_ratio() {
    let mut archive = sevenz_rust2::ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    let mut small = sevenz_rust2::ArchiveEntry::new_file("note.txt");
    small.size = 5;
    archive.push_archive_entry(small, Some(b"kept\n".as_slice())).unwrap();
    let zeros = vec![0u8; 8 << 20];
    let mut bomb = sevenz_rust2::ArchiveEntry::new_file("zeros.bin");
    bomb.size = zeros.len() as u64;
    archive.push_archive_entry(bomb, Some(zeros.as_slice())).unwrap();
    let bytes = archive.finish().unwrap().into_inner();
    assert!(bytes.len() < 20_000, "the bomb compresses well: {}", bytes.len());
    // 8 MiB from a few KiB is past 200 times the archive's size (and the
    // 1 MiB floor), though well under the per-document limit.
    let extracted = extract(DocType::SevenZip, &bytes, &Limits::default());
    let note = extracted.children.iter().find(|c| c.name == "note.txt").unwrap();
    assert_eq!(note.bytes.as_deref().ok(), Some(b"kept\n".as_slice()));
    let zeros = extracted.children.iter().find(|c| c.name == "zeros.bin").unwrap();
    match &zeros.bytes {
        Err(trove_ingest::Status::Failed(reason)) => assert!(reason.contains("decompression bomb"), "{reason}"),
        other => panic!("the bomb was unpacked: {:?}", other.as_ref().map(Vec::len)),
    }
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
    // Two sentences that whatlang alone takes for Bulgarian.
    let (_, _, meta) = text_of(
        "Министерство обороны подписало договоры о поставках топлива для флота на три года. \
         В министерстве обсуждали сроки поставок, цены и ответственность подрядчиков за задержки."
            .as_bytes(),
    );
    assert_eq!(meta["language"], "rus");
    let (_, _, meta) = text_of("Міністерство оборони уклало договір про постачання пального.".as_bytes());
    assert_eq!(meta["language"], "ukr");
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A compound file with the given streams (paths from the root; parent
/// storages are created on the way).
fn compound_of(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (path, bytes) in streams {
        let parent = std::path::Path::new(path).parent().unwrap();
        if parent != std::path::Path::new("/") && !file.exists(parent) {
            file.create_storage_all(parent).unwrap();
        }
        file.create_stream(path).unwrap().write_all(bytes).unwrap();
    }
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// A PowerPoint record ([MS-PPT] 2.3.1): version and instance, type, length.
fn ppt_record(version: u16, kind: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(version.to_le_bytes());
    out.extend(kind.to_le_bytes());
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn powerpoint_97_text_is_read_from_its_records() {
    // A DocumentContainer holding a SlideListWithText with one TextCharsAtom
    // (UTF-16LE) and one TextBytesAtom (8-bit), and a drawing's text box
    // nested one container deeper.
    let chars: Vec<u8> = "Überweisungen des Ministeriums\rQ3 2015"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let slide_list = [
        ppt_record(0x0000, 0x0FA0, &chars),
        ppt_record(0x0000, 0x0FA8, b"Budget line 7"),
        ppt_record(0x0000, 0x03F3, &[0; 4]),
    ]
    .concat();
    let text_box = ppt_record(0x000F, 0xF00D, &ppt_record(0x0000, 0x0FA8, b"Annex: transfers"));
    let document = [
        ppt_record(0x000F, 0x0FF0, &slide_list),
        ppt_record(0x000F, 0x040C, &text_box),
    ]
    .concat();
    let stream = ppt_record(0x000F, 0x03E8, &document);
    let ppt = compound_of(&[("/PowerPoint Document", stream.clone()), ("/Current User", vec![0; 20])]);
    let (kind, text, _) = text_of(&ppt);
    assert_eq!(kind, DocType::Ppt);
    assert_eq!(
        text,
        "Überweisungen des Ministeriums\nQ3 2015\nBudget line 7\nAnnex: transfers"
    );
    // A record that claims more bytes than the stream holds keeps what was
    // read before it, and says where it stopped.
    let mut cut = stream.clone();
    cut.truncate(cut.len() - 5);
    let cut = compound_of(&[("/PowerPoint Document", cut)]);
    let extracted = extract(detect(&cut), &cut, &Limits::default());
    assert!(
        matches!(&extracted.status, trove_ingest::Status::Partial(r) if r.contains("runs past")),
        "{:?}",
        extracted.status
    );
    let text = extracted.text.unwrap();
    assert!(text.contains("Budget line 7") && text.contains("Annex"), "{text}");
    // Containers nested a hundred thousand deep are refused, not recursed.
    let atom = ppt_record(0x0000, 0x0FA8, b"deep");
    let depth = 100_000;
    let mut nested = Vec::with_capacity(depth * 8 + atom.len());
    for level in 0..depth {
        nested.extend(0x000Fu16.to_le_bytes());
        nested.extend(0x03E8u16.to_le_bytes());
        nested.extend((((depth - 1 - level) * 8 + atom.len()) as u32).to_le_bytes());
    }
    nested.extend(&atom);
    let deep = compound_of(&[("/PowerPoint Document", nested)]);
    let extracted = extract(detect(&deep), &deep, &Limits::default());
    assert!(
        matches!(&extracted.status, trove_ingest::Status::Partial(r) if r.contains("nests deeper")),
        "{:?}",
        extracted.status
    );
}

/// An OLE property set with string and FILETIME properties ([MS-OLEPS]).
fn summary_information(strings: &[(u32, &str)], times: &[(u32, u64)]) -> Vec<u8> {
    let mut properties: Vec<(u32, Vec<u8>)> = vec![(1, [2u32.to_le_bytes(), 1252u32.to_le_bytes()].concat())];
    for (id, text) in strings {
        let mut value = 0x1Eu32.to_le_bytes().to_vec();
        let bytes = [text.as_bytes(), b"\0"].concat();
        value.extend((bytes.len() as u32).to_le_bytes());
        value.extend(&bytes);
        value.resize(value.len().div_ceil(4) * 4, 0);
        properties.push((*id, value));
    }
    for (id, ticks) in times {
        properties.push((
            *id,
            [0x40u32.to_le_bytes().to_vec(), ticks.to_le_bytes().to_vec()].concat(),
        ));
    }
    let mut section = Vec::new();
    let mut offset = 8 + properties.len() * 8;
    let mut index = Vec::new();
    for (id, value) in &properties {
        index.extend(id.to_le_bytes());
        index.extend((offset as u32).to_le_bytes());
        offset += value.len();
    }
    section.extend((offset as u32).to_le_bytes());
    section.extend((properties.len() as u32).to_le_bytes());
    section.extend(index);
    for (_, value) in properties {
        section.extend(value);
    }
    let mut out = vec![0xFE, 0xFF, 0, 0, 2, 0, 2, 0];
    out.extend([0; 16]); // CLSID
    out.extend(1u32.to_le_bytes());
    out.extend([
        0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9,
    ]);
    out.extend(48u32.to_le_bytes());
    out.extend(section);
    out
}

/// 2019-03-14T09:30:00Z as a Windows FILETIME.
const MARCH_14_2019: u64 = (1_552_555_800 + 11_644_473_600) * 10_000_000;

#[test]
fn outlook_msg_yields_headers_body_and_attachments() {
    let mut properties = vec![0u8; 32];
    properties.extend(0x0040u16.to_le_bytes());
    properties.extend(0x0039u16.to_le_bytes());
    properties.extend(6u32.to_le_bytes());
    properties.extend(MARCH_14_2019.to_le_bytes());
    let msg = compound_of(&[
        ("/__properties_version1.0", properties),
        ("/__substg1.0_0037001F", utf16("Transfer schedule")),
        ("/__substg1.0_5D01001F", utf16("a.petrov@ministry.example")),
        (
            "/__substg1.0_1000001F",
            utf16("Please see the attached ledger before Friday."),
        ),
        ("/__substg1.0_1035001F", utf16("<m1@ministry.example>")),
        (
            "/__recip_version1.0_#00000000/__substg1.0_39FE001F",
            utf16("clerk@bank.example"),
        ),
        (
            "/__attach_version1.0_#00000000/__substg1.0_3707001F",
            utf16("ledger.csv"),
        ),
        (
            "/__attach_version1.0_#00000000/__substg1.0_37010102",
            b"date,amount\n2019-03-01,48000\n".to_vec(),
        ),
    ]);
    let (kind, text, meta) = text_of(&msg);
    assert_eq!(kind, DocType::Msg);
    assert!(
        text.contains("Transfer schedule") && text.contains("attached ledger before Friday"),
        "{text}"
    );
    assert_eq!(meta["from"], serde_json::json!(["a.petrov@ministry.example"]));
    assert_eq!(meta["to"], serde_json::json!(["clerk@bank.example"]));
    assert_eq!(meta["message_id"], "<m1@ministry.example>");
    assert_eq!(meta["date"], "2019-03-14T09:30:00Z");
    assert_eq!(
        children_of(&msg),
        vec![("ledger.csv".to_owned(), b"date,amount\n2019-03-01,48000\n".to_vec())]
    );
}

/// A minimal Word 97 file: a FIB pointing at a piece table with one 8-bit
/// piece and one UTF-16 piece ([MS-DOC] 2.5.1, 2.9.38).
fn word_document(ascii: &str, unicode: &str, encrypted: bool) -> Vec<u8> {
    const CSW: usize = 14;
    const CSLW: usize = 22;
    let fc_lcb_at = 32 + 2 + CSW * 2 + 2 + CSLW * 4 + 2;
    let mut word = vec![0u8; 0x800];
    word[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    word[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
    let flags: u16 = 0x0200 | if encrypted { 0x0100 } else { 0 };
    word[10..12].copy_from_slice(&flags.to_le_bytes());
    word[32..34].copy_from_slice(&(CSW as u16).to_le_bytes());
    word[34 + CSW * 2..36 + CSW * 2].copy_from_slice(&(CSLW as u16).to_le_bytes());
    word[fc_lcb_at - 2..fc_lcb_at].copy_from_slice(&0x5Du16.to_le_bytes());
    let ascii_at = word.len();
    word.extend(ascii.as_bytes());
    let unicode_at = word.len();
    word.extend(utf16(unicode));
    let (a, u) = (ascii.len() as u32, unicode.encode_utf16().count() as u32);
    let mut plc = Vec::new();
    for cp in [0, a, a + u] {
        plc.extend(cp.to_le_bytes());
    }
    for fc in [(ascii_at as u32 * 2) | 0x4000_0000, unicode_at as u32] {
        plc.extend(0u16.to_le_bytes());
        plc.extend(fc.to_le_bytes());
        plc.extend(0u16.to_le_bytes());
    }
    let mut table = vec![0u8; 16];
    let clx_at = table.len();
    table.push(0x02);
    table.extend((plc.len() as u32).to_le_bytes());
    table.extend(&plc);
    let clx = 33 * 8 + fc_lcb_at;
    word[clx..clx + 4].copy_from_slice(&(clx_at as u32).to_le_bytes());
    word[clx + 4..clx + 8].copy_from_slice(&((table.len() - clx_at) as u32).to_le_bytes());
    compound_of(&[
        ("/WordDocument", word),
        ("/1Table", table),
        (
            "/\u{5}SummaryInformation",
            summary_information(&[(2, "Memo"), (4, "A. Petrov"), (9, "7")], &[(12, MARCH_14_2019)]),
        ),
    ])
}

#[test]
fn legacy_word_text_and_summary_information() {
    let doc = word_document("Procurement memo\rFor internal use\r", "Перевод утверждён\r", false);
    let (kind, text, meta) = text_of(&doc);
    assert_eq!(kind, DocType::Doc);
    assert_eq!(text, "Procurement memo\nFor internal use\nПеревод утверждён\n");
    assert_eq!(meta["title"], "Memo");
    assert_eq!(meta["creator"], "A. Petrov");
    assert_eq!(meta["revision"], "7");
    assert_eq!(meta["created"], "2019-03-14T09:30:00Z");

    let locked = word_document("secret", "", true);
    let extracted = extract(detect(&locked), &locked, &Limits::default());
    assert_eq!(extracted.status.name(), "encrypted");
}

#[test]
fn legacy_excel_written_by_xlwt_is_read() {
    // tests/fixtures/make_xls.py wrote it with xlwt, an independent writer.
    let xls = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/legacy.xls")).unwrap();
    let (kind, text, meta) = text_of(&xls);
    assert_eq!(kind, DocType::Xls);
    assert!(text.contains("Procurement transfer\t48000.5"), "{text}");
    assert!(text.contains("Перевод утверждён"), "{text}");
    assert_eq!(meta["sheets"], serde_json::json!(["Ledger", "Notes"]));
}

#[test]
fn zip64_archives_are_unpacked() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("big/notes.txt", SimpleFileOptions::default().large_file(true))
        .unwrap();
    zip.write_all(b"zip64 member text").unwrap();
    let zip = zip.finish().unwrap().into_inner();
    // The local header carries the zip64 extra field (id 0x0001).
    assert!(zip.windows(2).any(|w| w == [0x01, 0x00]));
    assert_eq!(
        children_of(&zip),
        vec![("big/notes.txt".to_owned(), b"zip64 member text".to_vec())]
    );
}

/// A grey image: width, height, one byte a pixel.
type Grey = (u32, u32, Vec<u8>);

/// A PDF whose pages are `pages`: each either a line of text (a text
/// layer) or a grey image with no text layer.
fn pdf_of(pages: &[Result<&str, Grey>], xmp: Option<&str>) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.6");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let mut kids = Vec::new();
    for page in pages {
        let (operations, resources) = match page {
            Ok(text) => (
                vec![
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec!["F1".into(), 24.into()]),
                    Operation::new("Td", vec![60.into(), 700.into()]),
                    Operation::new("Tj", vec![Object::string_literal(*text)]),
                    Operation::new("ET", vec![]),
                ],
                dictionary! { "Font" => dictionary! { "F1" => font } },
            ),
            Err((width, height, pixels)) => {
                let image = doc.add_object(Stream::new(
                    dictionary! {
                        "Type" => "XObject", "Subtype" => "Image", "Width" => *width as i64,
                        "Height" => *height as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
                    },
                    pixels.clone(),
                ));
                (
                    vec![
                        Operation::new("q", vec![]),
                        Operation::new(
                            "cm",
                            vec![595.into(), 0.into(), 0.into(), 842.into(), 0.into(), 0.into()],
                        ),
                        Operation::new("Do", vec!["Im1".into()]),
                        Operation::new("Q", vec![]),
                    ],
                    dictionary! { "XObject" => dictionary! { "Im1" => image } },
                )
            }
        };
        let content = doc.add_object(Stream::new(dictionary! {}, Content { operations }.encode().unwrap()));
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content, "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        })));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if let Some(xmp) = xmp {
        let metadata = doc.add_object(Stream::new(
            dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
            xmp.as_bytes().to_vec(),
        ));
        catalog.set("Metadata", metadata);
    }
    let catalog = doc.add_object(catalog);
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// Runs a poppler tool on `input` through pipes.
fn poppler(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} (Debian poppler-utils, installed by scripts/test): {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{program} failed");
    output.stdout
}

/// The text "Confidential procurement ledger" as a scanned page would
/// hold it: pixels only.
fn scanned_page() -> Grey {
    let text_pdf = pdf_of(&[Ok("Confidential procurement ledger")], None);
    let pgm = poppler("pdftoppm", &["-r", "150", "-gray", "-"], &text_pdf);
    // Binary PGM: "P5\n<w> <h>\n255\n" then the pixels.
    let header: Vec<&[u8]> = pgm.splitn(4, |b| b.is_ascii_whitespace()).collect();
    let width: u32 = std::str::from_utf8(header[1]).unwrap().parse().unwrap();
    let height: u32 = std::str::from_utf8(header[2]).unwrap().parse().unwrap();
    let pixels = pgm[pgm.len() - (width * height) as usize..].to_vec();
    (width, height, pixels)
}

fn ocr_limits() -> Limits {
    let installed = std::process::Command::new("tesseract").arg("--version").output();
    assert!(
        installed.is_ok_and(|o| o.status.success()),
        "tesseract (Debian tesseract-ocr, installed by scripts/test) is needed"
    );
    Limits {
        ocr_language: Some("eng".into()),
        ..Limits::default()
    }
}

#[test]
fn pdf_pages_without_a_text_layer_are_read_by_ocr() {
    let pdf = pdf_of(&[Ok("Cover note from the archive"), Err(scanned_page())], None);
    // Without OCR, the scanned page is reported missing.
    let plain = extract(detect(&pdf), &pdf, &Limits::default());
    assert_eq!(plain.status.name(), "partial");
    assert!(
        plain.status.reason().unwrap().contains("1 of 2 pages"),
        "{:?}",
        plain.status
    );

    let read = extract(detect(&pdf), &pdf, &ocr_limits());
    assert_eq!(read.status, trove_ingest::Status::Ok);
    let text = read.text.unwrap().to_lowercase();
    assert!(text.contains("cover note from the archive"), "{text}");
    assert!(text.contains("procurement ledger"), "{text}");
    assert_eq!(read.metadata["ocr_pages"], serde_json::json!([2]));
}

#[test]
fn images_are_read_by_ocr() {
    let pdf = pdf_of(&[Ok("Wire transfer approved")], None);
    let png = poppler("pdftoppm", &["-r", "150", "-png", "-"], &pdf);
    assert_eq!(detect(&png), DocType::Image);
    let read = extract(DocType::Image, &png, &ocr_limits());
    assert_eq!(read.status, trove_ingest::Status::Ok);
    assert!(read.text.unwrap().contains("Wire transfer approved"));
}

#[test]
fn pdf_text_strings_are_decoded_in_every_encoding() {
    use lopdf::{Document, Object, StringFormat, dictionary};
    let mut doc = Document::load_mem(&pdf_of(&[Ok("Die Grundlage")], None)).unwrap();
    // As Word 2007 writes them: UTF-16BE after FE FF.
    let mut producer = vec![0xFE, 0xFF];
    producer.extend("Microsoft® Office Word 2007".encode_utf16().flat_map(u16::to_be_bytes));
    let mut title = vec![0xFE, 0xFF];
    title.extend("Erklärung über die Grundlage".encode_utf16().flat_map(u16::to_be_bytes));
    let info = doc.add_object(dictionary! {
        "Producer" => Object::String(producer, StringFormat::Hexadecimal),
        "Title" => Object::String(title, StringFormat::Hexadecimal),
        // PDFDocEncoding: 0x8D is a left double quotation mark, 0x8E a right one.
        "Author" => Object::String(b"\x8DA. Petrov\x8E".to_vec(), StringFormat::Literal),
        // UTF-8 without a mark, as many producers write it.
        "Creator" => Object::String("LibreOffice Writer – Entwurf".as_bytes().to_vec(), StringFormat::Literal),
    });
    doc.trailer.set("Info", info);
    let mut pdf = Vec::new();
    doc.save_to(&mut pdf).unwrap();
    let (_, _, meta) = text_of(&pdf);
    assert_eq!(meta["producer"], "Microsoft® Office Word 2007");
    assert_eq!(meta["title"], "Erklärung über die Grundlage");
    assert_eq!(meta["author"], "“A. Petrov”");
    assert_eq!(meta["creator"], "LibreOffice Writer – Entwurf");
}

#[test]
fn pdf_xmp_metadata_is_read() {
    let xmp = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
  xmp:CreateDate="2019-03-14T09:30:00+03:00" pdf:Producer="Acrobat Distiller 11.0">
<xmp:CreatorTool>Microsoft Word 2016</xmp:CreatorTool></rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Tender &amp; award</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>A. Petrov</rdf:li><rdf:li>B. Ivanova</rdf:li></rdf:Seq></dc:creator>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;
    let pdf = pdf_of(&[Ok("Tender and award")], Some(xmp));
    let (_, _, meta) = text_of(&pdf);
    let xmp = &meta["xmp"];
    assert_eq!(xmp["xmp:CreateDate"], "2019-03-14T09:30:00+03:00");
    assert_eq!(xmp["pdf:Producer"], "Acrobat Distiller 11.0");
    assert_eq!(xmp["xmp:CreatorTool"], "Microsoft Word 2016");
    assert_eq!(xmp["dc:title"], "Tender & award");
    assert_eq!(xmp["dc:creator"], "A. Petrov; B. Ivanova");
}

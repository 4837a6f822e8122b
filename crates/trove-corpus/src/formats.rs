//! Document formats the corpus writes: cables, PDF, DOCX, XLSX, HTML, CSV
//! and plain text in several encodings. Every writer is deterministic.

use std::io::{Cursor, Write};

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};
use time::OffsetDateTime;
use zip::write::SimpleFileOptions;

use crate::CorpusError;

/// Metadata an office document or PDF carries.
pub struct DocMeta {
    pub title: String,
    pub author: String,
    pub company: &'static str,
    pub created: OffsetDateTime,
    pub modified: OffsetDateTime,
    pub revision: u32,
}

/// `2014-03-02T10:15:00Z` (OOXML) or `D:20140302101500Z` (PDF).
fn timestamp(t: OffsetDateTime, pdf: bool) -> String {
    let (y, mo, d, h, mi, s) = (t.year(), t.month() as u8, t.day(), t.hour(), t.minute(), t.second());
    if pdf {
        format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// Keeps to the characters PDF's standard Helvetica encodes.
pub fn ascii_only(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ü' => 'u',
            'é' => 'e',
            c if c.is_ascii() => c,
            _ => '?',
        })
        .collect()
}

pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A PDF with a text layer: one line of `lines` per text line, 56 to a page.
pub fn pdf(lines: &[String], meta: &DocMeta, producer: &str) -> Result<Vec<u8>, CorpusError> {
    let mut doc = Document::with_version("1.6");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut kids = Vec::new();
    for page_lines in lines.chunks(56) {
        let mut operations = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 10.into()]),
            Operation::new("TL", vec![13.into()]),
            Operation::new("Td", vec![56.into(), 780.into()]),
        ];
        for line in page_lines {
            operations.push(Operation::new("Tj", vec![Object::string_literal(ascii_only(line))]));
            operations.push(Operation::new("T*", vec![]));
        }
        operations.push(Operation::new("ET", vec![]));
        let content = Content { operations }
            .encode()
            .map_err(|e| CorpusError::Format(format!("pdf content: {e}")))?;
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        kids.push(Object::from(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        })));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id = doc.add_object(dictionary! {
        "Title" => Object::string_literal(ascii_only(&meta.title)),
        "Author" => Object::string_literal(ascii_only(&meta.author)),
        "Creator" => Object::string_literal("Microsoft Word 2013"),
        "Producer" => Object::string_literal(producer),
        "CreationDate" => Object::string_literal(timestamp(meta.created, true)),
        "ModDate" => Object::string_literal(timestamp(meta.modified, true)),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| CorpusError::Format(format!("pdf: {e}")))?;
    Ok(out)
}

fn zip_time(t: OffsetDateTime) -> zip::DateTime {
    zip::DateTime::from_date_and_time(
        t.year() as u16,
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or_default()
}

/// Writes named parts into a zip package, all stamped `when`.
pub fn zip_package(parts: &[(&str, &[u8])], when: OffsetDateTime) -> Result<Vec<u8>, CorpusError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time(when))
        .unix_permissions(0o644);
    for (name, bytes) in parts {
        zip.start_file(*name, options)
            .map_err(|e| CorpusError::Format(format!("zip part {name}: {e}")))?;
        zip.write_all(bytes)
            .map_err(|e| CorpusError::Format(format!("zip part {name}: {e}")))?;
    }
    let cursor = zip.finish().map_err(|e| CorpusError::Format(format!("zip: {e}")))?;
    Ok(cursor.into_inner())
}

fn core_xml(meta: &DocMeta) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>{}</dc:creator><cp:lastModifiedBy>{}</cp:lastModifiedBy><cp:revision>{}</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified></cp:coreProperties>"#,
        xml_escape(&meta.title),
        xml_escape(&meta.author),
        xml_escape(&meta.author),
        meta.revision,
        timestamp(meta.created, false),
        timestamp(meta.modified, false),
    )
}

fn app_xml(application: &str, meta: &DocMeta) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>{application}</Application><Company>{}</Company><AppVersion>15.0000</AppVersion></Properties>"#,
        xml_escape(meta.company)
    )
}

const RELS_ROOT: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{MAIN}"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>"#;

/// A Word document: one `<w:p>` per paragraph.
pub fn docx(paragraphs: &[String], meta: &DocMeta) -> Result<Vec<u8>, CorpusError> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;
    let body: String = paragraphs
        .iter()
        .map(|p| {
            format!(
                r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
                xml_escape(p)
            )
        })
        .collect();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    office_package(
        content_types,
        "Microsoft Office Word",
        &[("word/document.xml", document.as_bytes())],
        meta,
    )
}

/// An Excel workbook with one sheet of inline strings and numbers.
pub fn xlsx(rows: &[Vec<String>], meta: &DocMeta) -> Result<Vec<u8>, CorpusError> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Payments" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let workbook_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let reference = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            if r > 0 && cell.parse::<f64>().is_ok() {
                sheet.push_str(&format!(r#"<c r="{reference}"><v>{cell}</v></c>"#));
            } else {
                sheet.push_str(&format!(
                    r#"<c r="{reference}" t="inlineStr"><is><t>{}</t></is></c>"#,
                    xml_escape(cell)
                ));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts: [(&str, &[u8]); 3] = [
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ];
    office_package(content_types, "Microsoft Excel", &parts, meta)
}

/// An OOXML package: content types, the root relationships (to the first
/// of `parts`, the main part, and to the document properties), `parts`,
/// and core and app properties from `meta`.
fn office_package(
    content_types: &str,
    application: &str,
    parts: &[(&str, &[u8])],
    meta: &DocMeta,
) -> Result<Vec<u8>, CorpusError> {
    let rels = RELS_ROOT.replace("{MAIN}", parts[0].0);
    let (core, app) = (core_xml(meta), app_xml(application, meta));
    let mut all: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
    ];
    all.extend_from_slice(parts);
    all.push(("docProps/core.xml", core.as_bytes()));
    all.push(("docProps/app.xml", app.as_bytes()));
    zip_package(&all, meta.modified)
}

pub fn html(title: &str, paragraphs: &[String]) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>\n", xml_escape(p)))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n</head>\n<body>\n<h1>{t}</h1>\n{body}</body>\n</html>\n",
        t = xml_escape(title)
    )
}

pub fn csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| {
                if cell.contains([',', '"', '\n']) {
                    format!("\"{}\"", cell.replace('"', "\"\""))
                } else {
                    cell.clone()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Text in one of the encodings the corpus uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1251,
    Utf16LeBom,
}

impl Encoding {
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1251 => "windows-1251",
            Encoding::Utf16LeBom => "utf-16le",
        }
    }

    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 => text.as_bytes().to_vec(),
            Encoding::Windows1251 => encoding_rs::WINDOWS_1251.encode(text).0.into_owned(),
            Encoding::Utf16LeBom => {
                let mut out = vec![0xFF, 0xFE];
                out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
                out
            }
        }
    }
}

//! Office Open XML (docx, xlsx, pptx) and OpenDocument (odt, ods).

use std::io::Cursor;

use serde_json::json;

use super::read_bounded;
use super::text::decode_entities;
use super::{Extracted, Status};

pub(super) fn pptx(bytes: &[u8]) -> Extracted {
    let (mut archive, mut out) = match open_office(bytes, "PPTX") {
        Ok(opened) => opened,
        Err(failed) => return failed,
    };
    let mut slides = xml_parts(&archive, "ppt/slides/slide");
    // slide2.xml before slide10.xml.
    slides.sort_by_key(|n| {
        n.trim_start_matches("ppt/slides/slide")
            .trim_end_matches(".xml")
            .parse::<u32>()
            .unwrap_or(0)
    });
    let mut text = String::new();
    for slide in &slides {
        match read_part(&mut archive, slide).and_then(|xml| xml_text(&xml, "t", "p")) {
            Ok(slide_text) => {
                text.push_str(&slide_text);
                text.push('\u{c}');
            }
            Err(reason) => out.status = Status::Partial(format!("{slide}: {reason}")),
        }
    }
    out.metadata.insert("slides".into(), json!(slides.len()));
    out.text = Some(text);
    out
}

/// ODT and ODS: text from content.xml, metadata from meta.xml.
pub(super) fn open_document(bytes: &[u8], block: &str) -> Extracted {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Extracted::failed("corrupt OpenDocument package");
    };
    // A password-protected document keeps its manifest in the clear, and
    // the manifest describes how each part is encrypted.
    let encrypted = read_part(&mut archive, "META-INF/manifest.xml")
        .is_ok_and(|manifest| manifest.windows(15).any(|w| w == b"encryption-data"));
    if encrypted {
        return Extracted {
            status: Status::Encrypted("password-protected OpenDocument".into()),
            ..Extracted::new()
        };
    }
    let mut out = Extracted::new();
    if let Ok(meta) = read_part(&mut archive, "meta.xml") {
        for (field, key) in [
            ("title", "title"),
            ("initial-creator", "creator"),
            ("creator", "lastmodifiedby"),
            ("creation-date", "created"),
            ("date", "modified"),
            ("editing-cycles", "revision"),
        ] {
            if let Ok(value) = xml_text(&meta, field, "-") {
                let value = value.trim();
                if !value.is_empty() {
                    out.metadata.insert(key.into(), json!(value));
                }
            }
        }
    }
    match read_part(&mut archive, "content.xml").and_then(|xml| all_text(&xml, block)) {
        Ok(text) => out.text = Some(text),
        Err(reason) => out.status = Status::Failed(format!("OpenDocument body unreadable: {reason}")),
    }
    out
}

/// All character data of an XML document, with a line break after every
/// `block` element.
pub(super) fn all_text(xml: &[u8], block: &str) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = String::new();
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer).map_err(|e| e.to_string())? {
            Event::Text(t) => out.push_str(&t.xml10_content()),
            Event::End(e) if e.local_name().as_ref() == block => out.push('\n'),
            Event::Empty(e) if e.local_name().as_ref() == "s" || e.local_name().as_ref() == "tab" => out.push(' '),
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(out)
}

/// The text content of every element named `tag` (local name), with a
/// line break after every `break_after` element.
pub(super) fn xml_text(xml: &[u8], tag: &str, break_after: &str) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = String::new();
    let mut inside = false;
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer).map_err(|e| e.to_string())? {
            Event::Start(e) if e.local_name().as_ref() == tag => inside = true,
            Event::End(e) if e.local_name().as_ref() == tag => inside = false,
            Event::End(e) if e.local_name().as_ref() == break_after => out.push('\n'),
            Event::Text(t) if inside => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if inside => {
                let entity: &str = r.as_ref();
                out.push_str(&decode_entities(&format!("&{entity};")));
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(out)
}

pub(super) fn office_metadata(archive: &mut Package<'_>, out: &mut Extracted) {
    for (part, fields) in [
        (
            "docProps/core.xml",
            &["title", "creator", "lastModifiedBy", "created", "modified", "revision"][..],
        ),
        ("docProps/app.xml", &["Company", "Application"][..]),
    ] {
        let Ok(bytes) = read_part(archive, part) else { continue };
        for field in fields {
            if let Ok(value) = xml_text(&bytes, field, "-") {
                let value = value.trim();
                if !value.is_empty() {
                    out.metadata.insert(field.to_ascii_lowercase(), json!(value));
                }
            }
        }
    }
}

pub(super) fn read_part(archive: &mut Package<'_>, name: &str) -> Result<Vec<u8>, String> {
    let entry = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    read_bounded(entry, 256 << 20, name).map_err(|s| s.reason().unwrap_or_default().to_owned())
}

pub(super) type Package<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Opens an OOXML package and reads its core and app properties.
pub(super) fn open_office<'a>(bytes: &'a [u8], kind: &str) -> Result<(Package<'a>, Extracted), Extracted> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Extracted::failed(format!("corrupt {kind} package")))?;
    let mut out = Extracted::new();
    office_metadata(&mut archive, &mut out);
    Ok((archive, out))
}

/// The package's XML parts whose names start with `prefix`.
pub(super) fn xml_parts(archive: &Package<'_>, prefix: &str) -> Vec<String> {
    archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with(prefix) && n.ends_with(".xml"))
        .map(|n| n.into_owned())
        .collect()
}

pub(super) fn docx(bytes: &[u8]) -> Extracted {
    let (mut archive, mut out) = match open_office(bytes, "DOCX") {
        Ok(opened) => opened,
        Err(failed) => return failed,
    };
    let body = read_part(&mut archive, "word/document.xml");
    match body
        .as_deref()
        .map_err(Clone::clone)
        .and_then(|xml| xml_text(xml, "t", "p"))
    {
        Ok(text) => out.text = Some(text),
        Err(reason) => out.status = Status::Failed(format!("DOCX body unreadable: {reason}")),
    }
    // Tracked changes and comments are history a publication must not
    // carry, and their authors are names: publishing flags them.
    let comments = read_part(&mut archive, "word/comments.xml").unwrap_or_default();
    let body = body.unwrap_or_default();
    let count = |xml: &[u8], tag: &[u8]| memchr::memmem::find_iter(xml, tag).count();
    let changes = count(&body, b"<w:ins ") + count(&body, b"<w:del ");
    if changes > 0 {
        out.metadata.insert("tracked_changes".into(), json!(changes));
    }
    let comment_count = count(&comments, b"<w:comment ");
    if comment_count > 0 {
        out.metadata.insert("comments".into(), json!(comment_count));
    }
    let mut authors: Vec<String> = [&body, &comments]
        .iter()
        .flat_map(|xml| {
            memchr::memmem::find_iter(xml, b"w:author=\"").filter_map(|at| {
                let start = at + 10;
                let end = start + memchr::memchr(b'"', &xml[start..])?;
                Some(decode_entities(&String::from_utf8_lossy(&xml[start..end])))
            })
        })
        .collect();
    authors.sort();
    authors.dedup();
    if !authors.is_empty() {
        out.metadata
            .insert("revision_authors".into(), json!(authors.join("; ")));
    }
    out
}

/// OOXML Excel: the document properties from the package, the cells
/// through calamine (shared strings, numbers and dates resolved; a line
/// per row, cells separated by tabs), as for legacy .xls.
pub(super) fn xlsx(bytes: &[u8]) -> Extracted {
    use calamine::Reader;
    let (_, mut out) = match open_office(bytes, "XLSX") {
        Ok(opened) => opened,
        Err(failed) => return failed,
    };
    match calamine::Xlsx::new(std::io::Cursor::new(bytes)) {
        Ok(mut book) => super::ole::workbook_text(&mut book, &mut out),
        Err(e) => out.status = Status::Failed(format!("unreadable XLSX workbook: {e}")),
    }
    out
}

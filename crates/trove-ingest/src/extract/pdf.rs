//! PDF: text, document information and XMP metadata, pages without a text
//! layer through OCR.

use serde_json::{Map, Value, json};

use crate::Limits;

use super::ocr::{ocr_pdf_page, pipe_through};
use super::text::decode_entities;
use super::{Extracted, Status};

/// XMP metadata ([ISO 16684-1]) of a PDF: the common Dublin Core, XMP and
/// PDF properties, from elements or from attributes of rdf:Description.
pub(super) fn xmp_fields(xml: &[u8]) -> Map<String, Value> {
    use quick_xml::events::Event;
    const FIELDS: &[&str] = &[
        "dc:title",
        "dc:creator",
        "dc:description",
        "xmp:CreateDate",
        "xmp:ModifyDate",
        "xmp:MetadataDate",
        "xmp:CreatorTool",
        "pdf:Producer",
        "pdf:Keywords",
        "xmpMM:DocumentID",
        "xmpMM:InstanceID",
    ];
    let mut fields = Map::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut current: Option<&str> = None;
    let (mut value, mut items) = (String::new(), Vec::new());
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let name = e.name();
                if let Some(field) = FIELDS.iter().find(|f| **f == name.as_ref()) {
                    current = Some(field);
                }
                for attribute in e.attributes().flatten() {
                    let key = attribute.key;
                    if let Some(field) = FIELDS.iter().find(|f| **f == key.as_ref())
                        && let Ok(value) = attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    {
                        fields.insert((*field).to_owned(), json!(value.trim()));
                    }
                }
            }
            Ok(Event::End(e)) => {
                let name = e.name();
                if current.is_some() && name.as_ref() == "rdf:li" || current.is_some_and(|f| f == name.as_ref()) {
                    if !value.trim().is_empty() {
                        items.push(value.trim().to_owned());
                    }
                    value.clear();
                }
                if let Some(field) = current.filter(|f| *f == name.as_ref()) {
                    if !items.is_empty() {
                        // Sequences (several creators) are joined.
                        fields.insert(field.to_owned(), json!(items.join("; ")));
                    }
                    items.clear();
                    current = None;
                }
            }
            Ok(Event::Text(t)) if current.is_some() => value.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) if current.is_some() => {
                let entity: &str = r.as_ref();
                value.push_str(&decode_entities(&format!("&{entity};")));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buffer.clear();
    }
    fields
}

/// XMP packets are a few kilobytes; more is not metadata.
const MAX_XMP_BYTES: usize = 4 << 20;

pub(super) fn pdf(bytes: &[u8], limits: &Limits) -> Extracted {
    let revisions = bytes.windows(5).filter(|w| w == b"%%EOF").count();
    let document = match lopdf::Document::load_mem(bytes) {
        Ok(document) => document,
        Err(lopdf::Error::Decryption(_)) => {
            return Extracted {
                status: Status::Encrypted("password-protected PDF".into()),
                ..Extracted::new()
            };
        }
        Err(e) => return recovered_by_poppler(bytes, revisions, &format!("unreadable PDF: {e}")),
    };
    let mut out = Extracted::new();
    if document.is_encrypted() {
        out.status = Status::Encrypted("password-protected PDF".into());
        return out;
    }
    let pages = document.get_pages();
    if pages.is_empty() {
        // A file whose page tree lopdf cannot walk is not an empty
        // document: it is damaged, and says so.
        return recovered_by_poppler(
            bytes,
            revisions,
            "no pages found: the PDF's page tree is missing or damaged",
        );
    }
    out.metadata.insert("pages".into(), json!(pages.len()));
    out.metadata.insert("revisions".into(), json!(revisions));
    if let Ok(info) = document
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .and_then(|id| document.get_dictionary(id))
    {
        for key in ["Title", "Author", "Creator", "Producer", "CreationDate", "ModDate"] {
            if let Ok(value @ lopdf::Object::String(..)) = info.get(key.as_bytes()) {
                out.metadata.insert(key.to_ascii_lowercase(), json!(text_string(value)));
            }
        }
    }
    if let Ok(stream) = document
        .catalog()
        .and_then(|c| c.get(b"Metadata"))
        .and_then(|o| o.as_reference())
        .and_then(|id| document.get_object(id))
        .and_then(|o| o.as_stream())
    {
        // Every stream is inflated with a limit: a few kilobytes of
        // FlateDecode can claim gigabytes.
        if let Ok(xml) = stream.decompressed_content_with_limit(MAX_XMP_BYTES) {
            let xmp = xmp_fields(&xml);
            if !xmp.is_empty() {
                out.metadata.insert("xmp".into(), Value::Object(xmp));
            }
        }
    }
    // Poppler reads text as a reader sees it: in reading order, words
    // whole, lines and paragraphs as laid out. lopdf's own extraction has
    // no layout analysis (it splits words and lines at every positioning
    // operator), so it is kept only where it is exact (pages written one
    // whole line at a time, top to bottom; see `lopdf_is_exact`), where it
    // saves a process, and as the fallback when poppler is not installed
    // or gives up on a damaged file.
    let fast = pages
        .values()
        .all(|&page_id| lopdf_is_exact(&document, page_id, limits.max_text_bytes));
    let poppler = if fast { None } else { poppler_pages(bytes, pages.len()) };
    let engine = if poppler.is_some() { "pdftotext" } else { "lopdf" };
    out.metadata.insert("text_engine".into(), json!(engine));
    let mut text = String::new();
    let mut without_text = Vec::new();
    let mut ocr_pages = Vec::new();
    let mut ocr_failures = Vec::new();
    for (index, (page, page_id)) in pages.iter().enumerate() {
        let page_text = match &poppler {
            Some(texts) => texts[index].clone(),
            None => document
                .extract_text_with_limit(&[*page], limits.max_text_bytes)
                .unwrap_or_default(),
        };
        // A page with no text and no image is blank, not scanned.
        let scanned = page_text.trim().is_empty()
            && document
                .get_page_images(*page_id)
                .is_ok_and(|images| !images.is_empty());
        if !scanned {
            text.push_str(&page_text);
        } else if let Some(language) = &limits.ocr_language {
            match ocr_pdf_page(bytes, *page, language) {
                Ok(recognized) => {
                    text.push_str(&recognized);
                    ocr_pages.push(*page);
                }
                Err(reason) => ocr_failures.push(format!("page {page}: {reason}")),
            }
        } else {
            without_text.push(*page);
        }
        text.push('\u{c}');
    }
    if !ocr_pages.is_empty() {
        out.metadata.insert("ocr_pages".into(), json!(ocr_pages));
    }
    if !without_text.is_empty() {
        out.status = Status::Partial(format!(
            "{} of {} pages are images without a text layer, and OCR is off (tesseract not installed or ocr_language empty)",
            without_text.len(),
            pages.len()
        ));
    } else if !ocr_failures.is_empty() {
        out.status = Status::Partial(format!("OCR failed: {}", ocr_failures.join("; ")));
    }
    out.text = Some(text);
    out
}

/// A PDF whose structure lopdf cannot read: what poppler recovers (it
/// rebuilds a damaged cross-reference table from the objects themselves),
/// kept as partial; else a failure for `damage`.
fn recovered_by_poppler(bytes: &[u8], revisions: usize, damage: &str) -> Extracted {
    let mut out = Extracted::new();
    out.metadata.insert("revisions".into(), json!(revisions));
    match poppler_text(bytes) {
        Some(pages) if pages.iter().any(|p| !p.trim().is_empty()) => {
            out.metadata.insert("pages".into(), json!(pages.len()));
            out.metadata.insert("text_engine".into(), json!("pdftotext"));
            out.status = Status::Partial(format!(
                "{damage}; the text is what poppler recovered, without metadata"
            ));
            out.text = Some(pages.iter().map(|p| format!("{p}\u{c}")).collect());
        }
        _ => out.status = Status::Failed(damage.to_owned()),
    }
    out
}

/// Whether lopdf's text of a page is what a reader sees, so poppler need
/// not be asked: every string is shown by `Tj` (or `'`, `"`) as a whole
/// line, each on a line of its own below the one before (`T*`, or `Td`/`TD`
/// moving down), in simple fonts with a standard encoding and no
/// `ToUnicode` map, and no form XObject (whose text lopdf does not read).
/// `TJ` arrays (kerned fragments), absolute text matrices and upward moves
/// are what break words and reading order, so they send the page to poppler.
fn lopdf_is_exact(document: &lopdf::Document, page_id: lopdf::ObjectId, max_content: usize) -> bool {
    use lopdf::Object;
    let Ok(fonts) = document.get_page_fonts(page_id) else {
        return false;
    };
    let standard_encoding = |font: &lopdf::Dictionary| match font.get(b"Encoding") {
        Err(_) => true,
        Ok(Object::Name(name)) => matches!(
            name.as_slice(),
            b"WinAnsiEncoding" | b"MacRomanEncoding" | b"StandardEncoding"
        ),
        Ok(_) => false,
    };
    let simple_fonts = fonts.values().all(|font| {
        matches!(font.get(b"Subtype"), Ok(Object::Name(kind)) if matches!(kind.as_slice(), b"Type1" | b"TrueType"))
            && standard_encoding(font)
            && font.get(b"ToUnicode").is_err()
    });
    if !simple_fonts || has_form_xobject(document, page_id) {
        return false;
    }
    // A content stream past the limit is not read here (poppler, in its
    // own process, decides what to make of it).
    let Ok(bytes) = document.get_page_content_with_limit(page_id, max_content) else {
        return false;
    };
    let Ok(content) = lopdf::content::Content::decode(&bytes) else {
        return false;
    };
    // Whether the current line already shows a string, and whether the
    // text object has placed its first line yet (that move may go anywhere).
    let (mut shown, mut placed) = (false, false);
    for operation in &content.operations {
        match operation.operator.as_str() {
            "BT" => (shown, placed) = (false, false),
            "T*" => shown = false,
            "Td" | "TD" => {
                let down = operation
                    .operands
                    .get(1)
                    .and_then(|y| y.as_float().ok())
                    .is_some_and(|y| y <= 0.0);
                if placed && !down {
                    return false;
                }
                (shown, placed) = (false, true);
            }
            "Tj" if shown => return false,
            "Tj" | "'" | "\"" => shown = true,
            "TJ" | "Tm" => return false,
            _ => {}
        }
    }
    true
}

/// Whether a page's resources hold a form XObject.
fn has_form_xobject(document: &lopdf::Document, page_id: lopdf::ObjectId) -> bool {
    let Ok((direct, referenced)) = document.get_page_resources(page_id) else {
        return true;
    };
    let dictionaries = direct
        .into_iter()
        .chain(referenced.iter().filter_map(|id| document.get_dictionary(*id).ok()));
    for resources in dictionaries {
        let xobjects = match resources.get(b"XObject") {
            Ok(lopdf::Object::Reference(id)) => document.get_dictionary(*id).ok(),
            Ok(lopdf::Object::Dictionary(d)) => Some(d),
            _ => None,
        };
        for (_, xobject) in xobjects.into_iter().flat_map(|d| d.iter()) {
            let dictionary = match xobject {
                lopdf::Object::Reference(id) => document.get_object(*id).ok().and_then(|o| match o {
                    lopdf::Object::Stream(stream) => Some(&stream.dict),
                    _ => None,
                }),
                _ => None,
            };
            if dictionary.is_none_or(|d| !matches!(d.get(b"Subtype"), Ok(lopdf::Object::Name(n)) if n == b"Image")) {
                return true;
            }
        }
    }
    false
}

/// Each page's text as poppler's `pdftotext` reads it (bytes through
/// pipes), or None when it is not installed, fails, or does not see the
/// same pages as lopdf.
fn poppler_pages(bytes: &[u8], pages: usize) -> Option<Vec<String>> {
    poppler_text(bytes).filter(|texts| texts.len() == pages)
}

/// The text of each page as poppler's `pdftotext` reads it, or None when
/// it is not installed or fails.
fn poppler_text(bytes: &[u8]) -> Option<Vec<String>> {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let installed = *INSTALLED.get_or_init(|| {
        std::process::Command::new("pdftotext")
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !installed {
        return None;
    }
    let output = pipe_through("pdftotext", &["-q", "-enc", "UTF-8", "-", "-"], bytes).ok()?;
    let text = String::from_utf8_lossy(&output);
    // Pages end with a form feed.
    let mut texts: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if texts.last().is_some_and(|t| t.trim().is_empty()) {
        texts.pop();
    }
    Some(texts)
}

/// A PDF text string (the document information's values): UTF-16BE or
/// UTF-8 after their byte order marks, PDFDocEncoding otherwise (ISO
/// 32000-1, 7.9.2.2). Many producers write UTF-8 without a mark, so valid
/// UTF-8 without one is kept as it is, as lopdf does for outline titles.
fn text_string(value: &lopdf::Object) -> String {
    let bytes = value.as_str().unwrap_or_default();
    let marked = bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xEF\xBB\xBF");
    match std::str::from_utf8(bytes) {
        Ok(text) if !marked => text.to_owned(),
        _ => lopdf::decode_text_string(value).unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned()),
    }
}

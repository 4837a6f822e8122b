//! Text, metadata and children of one document, by type: [`extract`]
//! dispatches on the detected type to one module a format family (`mail`,
//! `archive`, `office`, `ole` for compound files, `calendar` (iCalendar
//! and vCard), `pdf`, `image` with
//! `ocr`, `text`). Detection (`crate::detect`) comes first and knows
//! nothing of extraction.

use std::io::Read;

use serde_json::{Map, Value, json};

use trove_store::DocStatus;

use crate::Limits;
use crate::detect::DocType;

mod archive;
mod calendar;
pub(crate) mod confined;
mod image;
mod mail;
pub(crate) mod ocr;
mod office;
mod ole;
mod pdf;
mod table;
mod text;

pub use mail::{MboxMessages, split_mbox};
pub use text::{decode_text, html_to_text};

/// A document's status after extraction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Status {
    Ok,
    /// Something was read, not all (the reason says what is missing).
    Partial(String),
    Encrypted(String),
    Failed(String),
}

impl Status {
    /// The kind of status, as the document's record keeps it.
    pub fn kind(&self) -> DocStatus {
        match self {
            Status::Ok => DocStatus::Ok,
            Status::Partial(_) => DocStatus::Partial,
            Status::Encrypted(_) => DocStatus::Encrypted,
            Status::Failed(_) => DocStatus::Failed,
        }
    }

    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Status::Ok => None,
            Status::Partial(r) | Status::Encrypted(r) | Status::Failed(r) => Some(r),
        }
    }
}

/// Something found inside a document: its name in the provenance path and
/// its bytes (or why they could not be had).
pub struct Child {
    pub name: String,
    pub bytes: Result<Vec<u8>, Status>,
}

pub struct Extracted {
    pub text: Option<String>,
    pub metadata: Map<String, Value>,
    pub children: Vec<Child>,
    pub status: Status,
}

impl Extracted {
    pub(crate) fn new() -> Self {
        Extracted {
            text: None,
            metadata: Map::new(),
            children: Vec::new(),
            status: Status::Ok,
        }
    }

    pub(crate) fn failed(reason: impl Into<String>) -> Self {
        Extracted {
            status: Status::Failed(reason.into()),
            ..Extracted::new()
        }
    }
}

/// Extracts a document of a known type. Never panics: a parser that does
/// is caught and its document recorded as failed.
pub fn extract(doc_type: DocType, bytes: &[u8], limits: &Limits) -> Extracted {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match doc_type {
        DocType::Email => mail::email(bytes, limits),
        DocType::Mbox => mail::mbox(bytes, limits),
        DocType::Zip => archive::zip_archive(bytes, limits),
        DocType::TarGz | DocType::Gzip => archive::gzip(bytes, limits),
        DocType::Tar => archive::tar_archive(bytes, limits),
        DocType::Bzip2 => {
            archive::decompressed(bzip2::read::BzDecoder::new(bytes), bytes.len(), "bzip2 stream", limits)
        }
        DocType::Xz => archive::xz(bytes, limits),
        DocType::SevenZip => archive::seven_zip(bytes, limits),
        DocType::Pptx => office::pptx(bytes),
        DocType::Odt => office::open_document(bytes, "p"),
        DocType::Ods => office::open_document(bytes, "table-row"),
        DocType::Image => image::image(bytes, limits),
        DocType::Pdf => pdf::pdf(bytes, limits),
        DocType::Docx => office::docx(bytes),
        DocType::Xlsx => office::xlsx(bytes),
        DocType::Html => {
            let (text, encoding) = decode_text(bytes);
            let mut out = Extracted::new();
            out.metadata.insert("encoding".into(), json!(encoding));
            if let Some(title) = text::between(&text, "<title>", "</title>") {
                out.metadata
                    .insert("title".into(), json!(text::decode_entities(title.trim())));
            }
            out.text = Some(html_to_text(&text));
            out
        }
        DocType::Text | DocType::Csv => {
            let (text, encoding) = decode_text(bytes);
            let mut out = Extracted::new();
            out.metadata.insert("encoding".into(), json!(encoding));
            out.text = Some(text);
            out
        }
        DocType::Calendar => calendar::calendar(bytes),
        DocType::Contact => calendar::contacts(bytes),
        DocType::Dbf => table::dbase(bytes),
        DocType::Djvu => table::djvu(bytes),
        DocType::Ole => ole::other(bytes),
        DocType::Doc => ole::doc(bytes),
        DocType::Ppt => ole::ppt(bytes),
        DocType::Xls => ole::xls(bytes),
        DocType::Msg => ole::msg(bytes, limits.max_document_bytes),
        DocType::Empty => Extracted::new(),
        DocType::Binary => Extracted::new(),
    }));
    let mut extracted = result.unwrap_or_else(|_| Extracted::failed("the parser crashed on this document"));
    if let Some(language) = extracted.text.as_deref().and_then(detect_language) {
        extracted.metadata.insert("language".into(), json!(language));
    }
    if let Some(text) = &mut extracted.text
        && text.len() > limits.max_text_bytes
    {
        let mut cut = limits.max_text_bytes;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        if extracted.status == Status::Ok {
            extracted.status = Status::Partial(format!("text capped at {} bytes", limits.max_text_bytes));
        }
    }
    extracted
}

/// Extracts as [`extract`] does, but in a confined worker process when
/// `limits` has a pool of them ([`Limits::workers`]): a parser that loops,
/// runs out of memory, overflows its stack or is subverted then costs one
/// failed document, and never sees the data directory or the network.
pub fn extract_document(doc_type: DocType, bytes: &[u8], limits: &Limits) -> Extracted {
    match (&limits.workers, doc_type) {
        // Nothing is parsed for these.
        (_, DocType::Empty | DocType::Binary) | (None, _) => extract(doc_type, bytes, limits),
        (Some(pool), _) => confined::extract_in(pool, doc_type, bytes, limits),
    }
}

/// The ISO 639-3 code of a text's language, when it can be told.
fn detect_language(text: &str) -> Option<&'static str> {
    let sample: String = text.chars().take(400).collect();
    let info = whatlang::detect(&sample)?;
    if info.is_reliable() {
        return Some(info.lang().code());
    }
    // whatlang's trigrams often take a few lines of Russian for Bulgarian
    // or Serbian and call it unreliable; the letters that only some of the
    // Cyrillic alphabets have decide instead.
    (info.script() == whatlang::Script::Cyrillic)
        .then(|| cyrillic_by_letters(&sample))
        .flatten()
}

/// Russian, Ukrainian or Belarusian, by the letters only they use.
fn cyrillic_by_letters(text: &str) -> Option<&'static str> {
    let has = |letters: &str| text.chars().flat_map(char::to_lowercase).any(|c| letters.contains(c));
    let (ukrainian, belarusian, russian) = (has("іїєґ"), has("ў"), has("ыэъ"));
    let serbian_or_macedonian = has("јљњћџѓќѕђ");
    match (ukrainian, belarusian, russian, serbian_or_macedonian) {
        (_, true, _, false) => Some("bel"),
        (true, false, false, false) => Some("ukr"),
        (false, false, true, false) => Some("rus"),
        _ => None,
    }
}

/// Reads at most `limit` bytes; more means a bomb (or a file over the
/// per-document limit).
fn read_bounded(reader: impl Read, limit: u64, what: &str) -> Result<Vec<u8>, Status> {
    let mut out = Vec::new();
    let read = reader.take(limit + 1).read_to_end(&mut out);
    match read {
        Err(e) => Err(Status::Failed(format!("{what}: {e}"))),
        Ok(n) if n as u64 > limit => Err(Status::Failed(format!(
            "{what} expands past {limit} bytes (decompression bomb or over the limit)"
        ))),
        Ok(_) => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbox_split_undoes_mboxrd_quoting_exactly() {
        let first = b"Subject: a\r\n\r\nFrom the desk:\r\n>From quoted\r\n".to_vec();
        let second = b"Subject: b\r\n\r\nbody\r\n".to_vec();
        let mbox = b"From x Mon Mar  2 10:22:01 2015\nSubject: a\r\n\r\n>From the desk:\r\n>>From quoted\r\n\nFrom y Mon Mar  2 10:22:01 2015\nSubject: b\r\n\r\nbody\r\n\n";
        assert_eq!(split_mbox(mbox), vec![first, second]);
    }

    #[test]
    fn legacy_encodings_are_detected() {
        let text = "Приказ министерства внутренних дел о финансировании операции на границе";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        assert_eq!(decode_text(&cp1251), (text.to_owned(), "windows-1251"));
        let (koi8, _, _) = encoding_rs::KOI8_R.encode(text);
        assert_eq!(decode_text(&koi8).0, text);
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_text(&utf16), (text.to_owned(), "UTF-16LE"));
    }

    #[test]
    fn html_text_skips_scripts() {
        let html = "<html><head><title>T &amp; U</title><script>var x = '<p>';</script></head><body><p>One</p><p>Two &lt;3</p></body></html>";
        let text = html_to_text(html);
        assert!(
            text.contains("One") && text.contains("Two <3") && !text.contains("var x"),
            "{text}"
        );
    }
}

//! Type detection from content, never from the file name.

/// A document's type, in the same vocabulary as the corpus generator's
/// truth.json.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocType {
    Email,
    Mbox,
    Zip,
    TarGz,
    Gzip,
    Tar,
    Bzip2,
    Xz,
    SevenZip,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Image,
    Html,
    Csv,
    Text,
    /// Outlook .msg.
    Msg,
    /// Legacy Word (97 and later).
    Doc,
    /// Legacy Excel (BIFF5/BIFF8).
    Xls,
    /// Legacy PowerPoint (97 and later).
    Ppt,
    /// iCalendar (RFC 5545).
    Calendar,
    /// vCard (RFC 6350 and its predecessors).
    Contact,
    /// A dBase table (dBase III to 7, FoxPro).
    Dbf,
    /// A DjVu document (single or multi-page).
    Djvu,
    /// Another OLE compound file: an encrypted OOXML package, …
    Ole,
    Empty,
    Binary,
}

impl DocType {
    /// Every type, for [`DocType::from_name`].
    pub const ALL: [DocType; 30] = [
        DocType::Email,
        DocType::Mbox,
        DocType::Zip,
        DocType::TarGz,
        DocType::Gzip,
        DocType::Tar,
        DocType::Bzip2,
        DocType::Xz,
        DocType::SevenZip,
        DocType::Pdf,
        DocType::Docx,
        DocType::Xlsx,
        DocType::Pptx,
        DocType::Odt,
        DocType::Ods,
        DocType::Image,
        DocType::Html,
        DocType::Csv,
        DocType::Text,
        DocType::Msg,
        DocType::Doc,
        DocType::Xls,
        DocType::Ppt,
        DocType::Calendar,
        DocType::Contact,
        DocType::Dbf,
        DocType::Djvu,
        DocType::Ole,
        DocType::Empty,
        DocType::Binary,
    ];

    /// The type of a [`DocType::name`].
    pub fn from_name(name: &str) -> Option<DocType> {
        DocType::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            DocType::Email => "email",
            DocType::Mbox => "mbox",
            DocType::Zip => "zip",
            DocType::TarGz => "tar.gz",
            DocType::Gzip => "gzip",
            DocType::Tar => "tar",
            DocType::Bzip2 => "bzip2",
            DocType::Xz => "xz",
            DocType::SevenZip => "7z",
            DocType::Pptx => "pptx",
            DocType::Odt => "odt",
            DocType::Ods => "ods",
            DocType::Image => "image",
            DocType::Pdf => "pdf",
            DocType::Docx => "docx",
            DocType::Xlsx => "xlsx",
            DocType::Html => "html",
            DocType::Csv => "csv",
            DocType::Text => "text",
            DocType::Msg => "msg",
            DocType::Doc => "doc",
            DocType::Xls => "xls",
            DocType::Ppt => "ppt",
            DocType::Calendar => "ics",
            DocType::Contact => "vcf",
            DocType::Dbf => "dbf",
            DocType::Djvu => "djvu",
            DocType::Ole => "ole",
            DocType::Empty => "empty",
            DocType::Binary => "binary",
        }
    }
}

pub(crate) fn is_tar(bytes: &[u8]) -> bool {
    bytes.len() >= 262 && &bytes[257..262] == b"ustar"
}

/// Whether the first line is an mbox `From ` line: `From sender date`,
/// the date with a time (`09:30:00`) or a year. Text that merely starts
/// with the word "From" is not an mbox.
fn is_mbox_separator(bytes: &[u8]) -> bool {
    let Some(end) = bytes.iter().take(300).position(|&b| b == b'\n') else {
        return false;
    };
    let Ok(line) = std::str::from_utf8(&bytes[..end]) else {
        return false;
    };
    let Some(rest) = line.strip_prefix("From ") else {
        return false;
    };
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let has_time = tokens.iter().any(|t| {
        let b = t.as_bytes();
        b.len() >= 5 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b':' && b[3].is_ascii_digit()
    });
    let has_year = tokens
        .iter()
        .any(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()));
    tokens.len() >= 3 && (has_time || has_year)
}

/// Fields that only mail carries; a header block needs one of them.
const MAIL_FIELDS: &[&str] = &[
    "received",
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "dkim-signature",
    "arc-seal",
    "return-path",
    "mime-version",
    "delivered-to",
    "x-original-to",
];

/// Mail's header block is read this far at most: real mail with ARC sets,
/// several signatures and long Received chains runs to tens of KiB.
const MAX_HEADER_BLOCK: usize = 256 << 10;

/// Whether `bytes` open with an RFC 5322 header block: fields (`name:
/// value`, the name printable ASCII without a colon) and their folded
/// continuation lines, ended by an empty line, with at least two fields of
/// which one is a field only mail carries. The block may be of any length
/// up to [`MAX_HEADER_BLOCK`] and its fields in any order.
fn is_mail_header_block(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(MAX_HEADER_BLOCK)];
    let (mut fields, mut mail_fields) = (0usize, 0usize);
    for (index, line) in head.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return index > 0 && fields >= 2 && mail_fields >= 1;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if index == 0 {
                return false;
            }
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| (33..=126).contains(&b)) {
            return false;
        }
        fields += 1;
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        mail_fields += usize::from(MAIL_FIELDS.contains(&name.as_str()));
    }
    // No empty line within the bound: not a header block.
    false
}

/// Detects the type of `bytes`. Zip packages are told apart by their
/// content types part; gzip by whether it holds a tar.
pub fn detect(bytes: &[u8]) -> DocType {
    if bytes.is_empty() {
        return DocType::Empty;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return detect_zip(bytes);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut head = Vec::new();
        use std::io::Read;
        let _ = flate2::read::GzDecoder::new(bytes).take(512).read_to_end(&mut head);
        return if is_tar(&head) { DocType::TarGz } else { DocType::Gzip };
    }
    if bytes.starts_with(b"BZh") && bytes.len() > 10 && bytes[3].is_ascii_digit() {
        return DocType::Bzip2;
    }
    if bytes.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        return DocType::Xz;
    }
    if bytes.starts_with(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C]) {
        return DocType::SevenZip;
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"GIF8")
    {
        return DocType::Image;
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return detect_ole(bytes);
    }
    if bytes.starts_with(b"%PDF-") {
        return DocType::Pdf;
    }
    if bytes.starts_with(b"AT&TFORM") && bytes.len() >= 16 && matches!(&bytes[12..16], b"DJVU" | b"DJVM") {
        return DocType::Djvu;
    }
    if is_dbase(bytes) {
        return DocType::Dbf;
    }
    if is_tar(bytes) {
        return DocType::Tar;
    }
    if is_mbox_separator(bytes) {
        return DocType::Mbox;
    }
    if is_mail_header_block(bytes) {
        return DocType::Email;
    }
    let head = decoded_head(bytes).to_ascii_lowercase();
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if looks_like_html(trimmed) {
        return DocType::Html;
    }
    if trimmed.starts_with("begin:vcalendar") {
        return DocType::Calendar;
    }
    if trimmed.starts_with("begin:vcard") {
        return DocType::Contact;
    }
    if looks_like_text(bytes) {
        if looks_like_csv(&head) {
            return DocType::Csv;
        }
        return DocType::Text;
    }
    DocType::Binary
}

fn detect_zip(bytes: &[u8]) -> DocType {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return DocType::Zip;
    };
    // OpenDocument names its type in a first, stored `mimetype` entry.
    if let Ok(mut entry) = archive.by_name("mimetype") {
        let mut mimetype = String::new();
        use std::io::Read;
        let _ = (&mut entry).take(100).read_to_string(&mut mimetype);
        match mimetype.trim() {
            "application/vnd.oasis.opendocument.text" => return DocType::Odt,
            "application/vnd.oasis.opendocument.spreadsheet" => return DocType::Ods,
            _ => {}
        }
    }
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    if names.iter().any(|n| n == "[Content_Types].xml") {
        if names.iter().any(|n| n.starts_with("word/")) {
            return DocType::Docx;
        }
        if names.iter().any(|n| n.starts_with("xl/")) {
            return DocType::Xlsx;
        }
        if names.iter().any(|n| n.starts_with("ppt/")) {
            return DocType::Pptx;
        }
    }
    DocType::Zip
}

/// A dBase table's header: a known version byte, a plausible date of last
/// update, field descriptors of 32 bytes closed by 0x0D, and records that
/// fill the file to its end (an end-of-file byte 0x1A may follow). A
/// magic byte alone would claim many binary files.
fn is_dbase(bytes: &[u8]) -> bool {
    const VERSIONS: &[u8] = &[
        0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB,
    ];
    if bytes.len() < 65 || !VERSIONS.contains(&bytes[0]) {
        return false;
    }
    let (month, day) = (bytes[2], bytes[3]);
    let records = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as u64;
    let header = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let record = u16::from_le_bytes([bytes[10], bytes[11]]) as u64;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || header < 65 || record == 0 {
        return false;
    }
    // The descriptors end with 0x0D at 32 + 32·n (FoxPro then adds a
    // 263-byte backlink before the records).
    let closed = (32..header.min(bytes.len()))
        .step_by(32)
        .skip(1)
        .any(|at| bytes[at] == 0x0D);
    let expected = header as u64 + records * record;
    closed && (expected..=expected + 1).contains(&(bytes.len() as u64))
}

/// The first 16 KiB as text (an HTML fragment may open with a long style
/// sheet before any closing tag): UTF-16 after its byte order mark, else UTF-8
/// (lossy), which any ASCII-compatible encoding's markup survives.
fn decoded_head(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(16 << 10)];
    let utf16 = |little: bool| {
        let units: Vec<u16> = head[2..]
            .chunks_exact(2)
            .map(|pair| {
                let pair = [pair[0], pair[1]];
                if little {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if head.starts_with(&[0xFF, 0xFE]) {
        utf16(true)
    } else if head.starts_with(&[0xFE, 0xFF]) {
        utf16(false)
    } else {
        String::from_utf8_lossy(head).into_owned()
    }
}

/// HTML by its markup: after any XML declaration and comments, a doctype
/// or an `<html>` element, or (a fragment, as mail clients and web forms
/// save them) an HTML element whose closing tag follows. `head` is
/// lower-cased.
fn looks_like_html(head: &str) -> bool {
    const ELEMENTS: &[&str] = &[
        "head", "body", "div", "p", "table", "span", "style", "meta", "title", "h1", "h2", "h3", "ul", "ol", "form",
        "center", "font", "b", "i", "a", "br", "pre", "script",
    ];
    let mut rest = head.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, after)| after).trim_start();
        } else if rest.starts_with("<?xml") {
            rest = rest.split_once("?>").map_or("", |(_, after)| after).trim_start();
        } else {
            break;
        }
    }
    if rest.starts_with("<!doctype html") || rest.starts_with("<html") {
        return true;
    }
    let Some(tag) = rest.strip_prefix('<') else {
        return false;
    };
    let name: String = tag.chars().take_while(char::is_ascii_alphanumeric).collect();
    ELEMENTS.contains(&name.as_str()) && ELEMENTS.iter().any(|element| rest.contains(&format!("</{element}>")))
}

/// UTF-16 with a BOM, or bytes with no NUL and few control characters.
fn looks_like_text(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return true;
    }
    let sample = &bytes[..bytes.len().min(8192)];
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x09 || (0x0e..0x20).contains(&b))
        .count();
    !sample.contains(&0) && controls * 100 <= sample.len()
}

/// At least three lines with the same number (≥ 1) of commas.
fn looks_like_csv(head: &str) -> bool {
    let counts: Vec<usize> = head.lines().take(5).map(|l| l.matches(',').count()).collect();
    counts.len() >= 3 && counts[0] >= 1 && counts[..counts.len() - 1].iter().all(|&c| c == counts[0])
}

/// What kind of compound file this is, from the streams at its root.
fn detect_ole(bytes: &[u8]) -> DocType {
    let Ok(file) = cfb::CompoundFile::open(std::io::Cursor::new(bytes)) else {
        return DocType::Ole;
    };
    let has = |name: &str| file.is_stream(name);
    if has("/WordDocument") {
        DocType::Doc
    } else if has("/Workbook") || has("/Book") {
        DocType::Xls
    } else if has("/PowerPoint Document") {
        DocType::Ppt
    } else if has("/__properties_version1.0") || has("/__substg1.0_0037001F") || has("/__substg1.0_0037001E") {
        DocType::Msg
    } else {
        DocType::Ole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect(b""), DocType::Empty);
        assert_eq!(detect(b"%PDF-1.7\n..."), DocType::Pdf);
        assert_eq!(
            detect(b"From a@b Mon Mar  2 10:22:01 2015\nSubject: x\n\nbody\n"),
            DocType::Mbox
        );
        // Prose that starts with the word "From" is not an mbox.
        assert_eq!(
            detect(b"From the archive of the ministry:\nrecords of transfers\n"),
            DocType::Text
        );
        assert_eq!(detect(b"Received: from x\r\nSubject: y\r\n\r\nbody"), DocType::Email);
        // A note with one field and a blank line is not mail.
        assert_eq!(detect(b"Note: call back\n\nabout the invoice\n"), DocType::Text);
        assert_eq!(detect(b"<!DOCTYPE html>\n<html><p>x</p></html>"), DocType::Html);
        // After a licence comment and an XML declaration; a fragment as
        // mail clients save it; UTF-16 with its mark.
        assert_eq!(
            detect(b"<!-- Licensed -->\n<?xml version=\"1.0\"?>\n<html>x</html>"),
            DocType::Html
        );
        assert_eq!(detect(b"<div class=\"x\"><p>Dear all</p></div>"), DocType::Html);
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("<html>x</html>".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(detect(&utf16), DocType::Html);
        // Markup that is not HTML, and prose that mentions a tag.
        assert_ne!(
            detect(b"<?xml version=\"1.0\"?>\n<rss><channel></channel></rss>"),
            DocType::Html
        );
        assert_ne!(detect(b"Use <b> for bold, as in the manual.\n"), DocType::Html);
        assert_eq!(
            detect(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
            DocType::Calendar
        );
        assert_eq!(detect(b"\xEF\xBB\xBFbegin:vcard\nFN:A\nend:vcard\n"), DocType::Contact);
        assert_eq!(detect(b"date,payer,amount\r\n2014,a,1\r\n2015,b,2\r\n"), DocType::Csv);
        assert_eq!(detect("Приказ министерства".as_bytes()), DocType::Text);
        assert_eq!(detect(&[0xFF, 0xFE, b'h', 0]), DocType::Text);
        assert_eq!(detect(&[0, 1, 2, 3, 0, 0]), DocType::Binary);
    }

    #[test]
    fn mail_is_detected_by_its_header_block_however_long_and_in_any_order() {
        // A header block of about 8 KiB (ARC sets, two signatures, a chain of
        // Received lines, spam-filter lines) that starts with a field no
        // list of "first headers" would name.
        let mut message = String::from("X-Spam-Status: No, score=-2.1 required=5.0\r\n");
        for hop in 0..40 {
            message.push_str(&format!(
                "Received: from relay{hop}.example.net (relay{hop}.example.net [192.0.2.{hop}])\r\n\tby mx.example.org with ESMTPS id {hop:08x}\r\n\tfor <desk@example.org>; Mon, 2 Mar 2015 10:22:{:02} +0000\r\n",
                hop % 60
            ));
        }
        for set in 1..=3 {
            message.push_str(&format!(
                "ARC-Seal: i={set}; a=rsa-sha256; t=1425291721; cv=pass; d=example.net; s=arc;\r\n\tb={}\r\n",
                "A".repeat(340)
            ));
        }
        message.push_str(&format!(
            "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=s1;\r\n\tb={}\r\n",
            "B".repeat(340)
        ));
        message.push_str("From: Ana <ana@example.net>\r\nTo: desk@example.org\r\nSubject: the annex\r\n\r\nbody\r\n");
        assert!(message.find("\r\n\r\n").unwrap() > 6 << 10);
        assert_eq!(detect(message.as_bytes()), DocType::Email);
        // The same lines without the blank line that ends a header block,
        // or with a line that is not a field, are not mail.
        let unterminated = message.replace("\r\n\r\nbody", "\r\nbody");
        assert_ne!(detect(unterminated.as_bytes()), DocType::Email);
        let broken = message.replacen("To: desk@example.org", "this line is prose", 1);
        assert_ne!(detect(broken.as_bytes()), DocType::Email);
        // Fields that mail never carries alone do not make mail.
        assert_eq!(
            detect(b"Title: minutes\nAuthor: clerk\n\nThe meeting opened.\n"),
            DocType::Text
        );
    }
}

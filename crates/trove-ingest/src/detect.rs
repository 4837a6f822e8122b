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
    /// Another OLE compound file: an encrypted OOXML package, PowerPoint 97, …
    Ole,
    Empty,
    Binary,
}

impl DocType {
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

/// Names of headers that open a mail message.
const MAIL_HEADERS: &[&str] = &[
    "received:",
    "from:",
    "to:",
    "subject:",
    "date:",
    "message-id:",
    "dkim-signature:",
    "return-path:",
    "mime-version:",
];

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
    if is_tar(bytes) {
        return DocType::Tar;
    }
    if is_mbox_separator(bytes) {
        return DocType::Mbox;
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let first_line = head.lines().next().unwrap_or("");
    if MAIL_HEADERS.iter().any(|h| first_line.starts_with(h)) && head.contains("\n\n") | head.contains("\r\n\r\n") {
        return DocType::Email;
    }
    let trimmed = head.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with("<!doctype html") || trimmed.starts_with("<html") {
        return DocType::Html;
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
        assert_eq!(detect(b"<!DOCTYPE html>\n<html><p>x</p></html>"), DocType::Html);
        assert_eq!(detect(b"date,payer,amount\r\n2014,a,1\r\n2015,b,2\r\n"), DocType::Csv);
        assert_eq!(detect("Приказ министерства".as_bytes()), DocType::Text);
        assert_eq!(detect(&[0xFF, 0xFE, b'h', 0]), DocType::Text);
        assert_eq!(detect(&[0, 1, 2, 3, 0, 0]), DocType::Binary);
    }
}

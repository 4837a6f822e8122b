//! Text, metadata and children of one document, by type.

use std::io::{BufRead, Cursor, Read};

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Map, Value, json};

use crate::Limits;
use crate::detect::DocType;

/// A document's status after extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Something was read, not all (the reason says what is missing).
    Partial(String),
    Encrypted(String),
    Failed(String),
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial(_) => "partial",
            Status::Encrypted(_) => "encrypted",
            Status::Failed(_) => "failed",
        }
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
        DocType::Email => email(bytes, limits),
        DocType::Mbox => mbox(bytes, limits),
        DocType::Zip => zip_archive(bytes, limits),
        DocType::TarGz | DocType::Gzip => gzip(bytes, limits),
        DocType::Tar => tar_archive(bytes, limits),
        DocType::Bzip2 => decompressed(bzip2::read::BzDecoder::new(bytes), bytes.len(), "bzip2 stream", limits),
        DocType::Xz => {
            let mut decoded = Vec::new();
            let limit = limits.expansion_limit(bytes.len() as u64);
            match lzma_rs::xz_decompress(
                &mut std::io::BufReader::new(bytes),
                &mut LimitedWriter {
                    out: &mut decoded,
                    limit,
                },
            ) {
                Ok(()) => container_of_decoded(decoded, limits),
                Err(e) => Extracted::failed(format!("xz stream: {e} (corrupt, or expands past {limit} bytes)")),
            }
        }
        DocType::SevenZip => seven_zip(bytes, limits),
        DocType::Pptx => pptx(bytes),
        DocType::Odt => open_document(bytes, "p"),
        DocType::Ods => open_document(bytes, "table-row"),
        DocType::Image => image(bytes, limits),
        DocType::Pdf => pdf(bytes, limits),
        DocType::Docx => docx(bytes),
        DocType::Xlsx => xlsx(bytes),
        DocType::Html => {
            let (text, encoding) = decode_text(bytes);
            let mut out = Extracted::new();
            out.metadata.insert("encoding".into(), json!(encoding));
            if let Some(title) = between(&text, "<title>", "</title>") {
                out.metadata
                    .insert("title".into(), json!(decode_entities(title.trim())));
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
        DocType::Ole => crate::ole::other(bytes),
        DocType::Doc => crate::ole::doc(bytes),
        DocType::Xls => crate::ole::xls(bytes),
        DocType::Msg => crate::ole::msg(bytes, limits.max_document_bytes),
        DocType::Empty => Extracted::new(),
        DocType::Binary => Extracted::new(),
    }));
    let mut extracted = result.unwrap_or_else(|_| Extracted::failed("the parser crashed on this document"));
    if let Some(text) = &extracted.text
        && let Some(info) = whatlang::detect(&text.chars().take(400).collect::<String>())
        && info.is_reliable()
    {
        extracted.metadata.insert("language".into(), json!(info.lang().code()));
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

/// Decodes text: a BOM first, then valid UTF-8, then a guess (chardetng)
/// among the legacy encodings (windows-125x, KOI8-R, ISO-8859-x, …).
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), encoding.name());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_owned(), "UTF-8");
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let encoding = detector.guess(None, true);
    let (text, _, _) = encoding.decode(bytes);
    (text.into_owned(), encoding.name())
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find(open)? + open.len();
    let end = start + lower[start..].find(close)?;
    text.get(start..end)
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// Visible text of an HTML page: tags dropped, script and style skipped,
/// block ends turned into line breaks, common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('>') else { break };
        let tag = after[1..close].trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        rest = &after[close + 1..];
        if (name == "script" || name == "style") && !after[1..].starts_with('/') {
            let end = format!("</{name}");
            let skip = rest.to_ascii_lowercase().find(&end).unwrap_or(rest.len());
            rest = &rest[skip..];
        } else if matches!(
            name.as_str(),
            "p" | "br" | "div" | "h1" | "h2" | "h3" | "li" | "tr" | "title"
        ) {
            out.push('\n');
        }
    }
    out.push_str(rest);
    decode_entities(&out)
}

fn email(bytes: &[u8], limits: &Limits) -> Extracted {
    let Some(message) = MessageParser::default().parse(bytes) else {
        return Extracted::failed("not a parseable RFC 5322 message");
    };
    let mut out = Extracted::new();
    let addresses = |list: Option<&mail_parser::Address>| -> Vec<String> {
        list.map(|l| l.iter().filter_map(|a| a.address().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let ids = |value: &mail_parser::HeaderValue| -> Vec<String> {
        match value {
            mail_parser::HeaderValue::Text(t) => vec![t.to_string()],
            mail_parser::HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        }
    };
    let meta = &mut out.metadata;
    meta.insert("from".into(), json!(addresses(message.from())));
    meta.insert("to".into(), json!(addresses(message.to())));
    meta.insert("subject".into(), json!(message.subject()));
    meta.insert("date".into(), json!(message.date().map(|d| d.to_rfc3339())));
    meta.insert("message_id".into(), json!(message.message_id()));
    meta.insert("in_reply_to".into(), json!(ids(message.in_reply_to())));
    meta.insert("references".into(), json!(ids(message.references())));
    let body = message
        .body_text(0)
        .map(|t| t.into_owned())
        .or_else(|| message.body_html(0).map(|h| html_to_text(&h)))
        .unwrap_or_default();
    out.text = Some(format!("{}\n\n{body}", message.subject().unwrap_or_default()));
    for (i, part) in message.attachments().enumerate() {
        let name = part.attachment_name().map(|n| n.replace('/', "_")).unwrap_or_else(|| {
            if part.is_message() {
                format!("message-{}.eml", i + 1)
            } else {
                format!("part-{}", i + 1)
            }
        });
        let contents = match part.message() {
            Some(nested) => nested.raw_message().to_vec(),
            None => part.contents().to_vec(),
        };
        let bytes = if contents.len() > limits.max_document_bytes {
            Err(Status::Partial(format!(
                "attachment of {} bytes is over the limit",
                contents.len()
            )))
        } else {
            Ok(contents)
        };
        out.children.push(Child { name, bytes });
    }
    out
}

/// Splits an mbox (mboxo or mboxrd) into messages `#1`, `#2`, …, undoing
/// the `>From ` quoting, so each message's bytes are exactly as sent.
pub fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    MboxMessages::new(bytes, usize::MAX).filter_map(Result::ok).collect()
}

/// The messages of an mbox read as a stream, one at a time: an mbox of any
/// size is split in the memory of its largest message. A message over
/// `limit` bytes is skipped and reported as such.
pub struct MboxMessages<R> {
    reader: R,
    limit: usize,
    line: Vec<u8>,
    current: Option<Vec<u8>>,
    /// The current message is over the limit: its bytes are dropped.
    over: bool,
    previous_blank: bool,
}

impl<R: BufRead> MboxMessages<R> {
    pub fn new(reader: R, limit: usize) -> Self {
        MboxMessages {
            reader,
            limit,
            line: Vec::new(),
            current: None,
            over: false,
            previous_blank: true,
        }
    }

    fn finish(&mut self, mut message: Vec<u8>) -> Result<Vec<u8>, Status> {
        if std::mem::take(&mut self.over) {
            return Err(Status::Partial(format!(
                "message over the limit of {} bytes",
                self.limit
            )));
        }
        // The blank line before a separator belongs to the mbox.
        if message.ends_with(b"\n") {
            message.pop();
        }
        Ok(message)
    }
}

impl<R: BufRead> Iterator for MboxMessages<R> {
    type Item = Result<Vec<u8>, Status>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.line.clear();
            // Bounded, so that a file without line breaks cannot fill memory.
            let cap = self.limit.saturating_add(1).min(64 << 20) as u64;
            match (&mut self.reader).take(cap).read_until(b'\n', &mut self.line) {
                Ok(0) => {
                    let message = self.current.take()?;
                    return Some(self.finish(message));
                }
                Ok(_) => {}
                Err(e) => {
                    self.current = None;
                    return Some(Err(Status::Failed(format!("reading the mbox: {e}"))));
                }
            }
            let line = &self.line;
            if line.starts_with(b"From ") && self.previous_blank {
                self.previous_blank = false;
                if let Some(message) = self.current.replace(Vec::new()) {
                    return Some(self.finish(message));
                }
                continue;
            }
            self.previous_blank = line == b"\n" || line == b"\r\n";
            let Some(message) = self.current.as_mut() else { continue };
            if self.over || message.len() + line.len() > self.limit {
                self.over = true;
                message.clear();
                continue;
            }
            let quoted = line
                .iter()
                .position(|&b| b != b'>')
                .is_some_and(|i| i > 0 && line[i..].starts_with(b"From "));
            message.extend_from_slice(if quoted { &line[1..] } else { line });
        }
    }
}

fn mbox(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut out = Extracted::new();
    for (i, message) in MboxMessages::new(bytes, limits.max_document_bytes).enumerate() {
        out.children.push(Child {
            name: format!("#{}", i + 1),
            bytes: message,
        });
    }
    out.metadata.insert("messages".into(), json!(out.children.len()));
    out
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

fn zip_archive(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => return Extracted::failed(format!("corrupt zip: {e}")),
    };
    let mut out = Extracted::new();
    for index in 0..archive.len() {
        let listed = match archive.name_for_index(index) {
            Some(Ok(name)) => name.into_owned(),
            _ => format!("entry-{index}"),
        };
        let entry = match archive.by_index(index) {
            Ok(entry) => entry,
            Err(zip::result::ZipError::UnsupportedArchive(reason)) if reason.contains("assword") => {
                out.children.push(Child {
                    name: listed,
                    bytes: Err(Status::Encrypted("password-protected zip entry".into())),
                });
                continue;
            }
            Err(e) => {
                out.children.push(Child {
                    name: listed,
                    bytes: Err(Status::Failed(format!("corrupt zip entry: {e}"))),
                });
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| format!("entry-{index}"));
        if entry.encrypted() {
            out.children.push(Child {
                name,
                bytes: Err(Status::Encrypted("password-protected zip entry".into())),
            });
            continue;
        }
        let limit = limits.expansion_limit(entry.compressed_size());
        let bytes = read_bounded(entry, limit, &format!("zip entry {name}"));
        out.children.push(Child { name, bytes });
    }
    out
}

fn gzip(bytes: &[u8], limits: &Limits) -> Extracted {
    let decoded = match read_bounded(
        flate2::read::GzDecoder::new(bytes),
        limits.expansion_limit(bytes.len() as u64),
        "gzip stream",
    ) {
        Ok(decoded) => decoded,
        Err(status) => {
            return Extracted {
                status,
                ..Extracted::new()
            };
        }
    };
    // A .tar.gz is one container: its members follow it directly.
    container_of_decoded(decoded, limits)
}

/// A bounded writer: more than `limit` bytes is an error (a bomb).
struct LimitedWriter<'a> {
    out: &'a mut Vec<u8>,
    limit: u64,
}

impl std::io::Write for LimitedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.out.len() + buf.len()) as u64 > self.limit {
            return Err(std::io::Error::other("decompression bomb"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The contents of a single-stream compressor: a tar's members, or one child.
fn container_of_decoded(decoded: Vec<u8>, limits: &Limits) -> Extracted {
    if crate::detect::is_tar(&decoded) {
        return tar_archive(&decoded, limits);
    }
    let mut out = Extracted::new();
    out.children.push(Child {
        name: "contents".into(),
        bytes: Ok(decoded),
    });
    out
}

fn decompressed(reader: impl Read, compressed: usize, what: &str, limits: &Limits) -> Extracted {
    match read_bounded(reader, limits.expansion_limit(compressed as u64), what) {
        Ok(decoded) => container_of_decoded(decoded, limits),
        Err(status) => Extracted {
            status,
            ..Extracted::new()
        },
    }
}

fn seven_zip(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut reader = match sevenz_rust2::ArchiveReader::new(Cursor::new(bytes), sevenz_rust2::Password::empty()) {
        Ok(reader) => reader,
        Err(sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_)) => {
            return Extracted {
                status: Status::Encrypted("password-protected 7z archive".into()),
                ..Extracted::new()
            };
        }
        Err(e) => return Extracted::failed(format!("corrupt 7z: {e}")),
    };
    let mut out = Extracted::new();
    let limit = limits.max_document_bytes as u64;
    let result = reader.for_each_entries(|entry, content| {
        if !entry.is_directory() {
            let bytes = read_bounded(content, limit, &format!("7z entry {}", entry.name()));
            out.children.push(Child {
                name: entry.name().to_owned(),
                bytes,
            });
        }
        Ok(true)
    });
    if let Err(e) = result {
        out.status = match e {
            sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_) => {
                Status::Encrypted("password-protected 7z archive".into())
            }
            e => Status::Partial(format!("the 7z archive is damaged: {e}")),
        };
    }
    out
}

fn pptx(bytes: &[u8]) -> Extracted {
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
fn open_document(bytes: &[u8], block: &str) -> Extracted {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Extracted::failed("corrupt OpenDocument package");
    };
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
fn all_text(xml: &[u8], block: &str) -> Result<String, String> {
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

/// Images: EXIF metadata, and OCR through the `tesseract` command when it
/// is installed (fed on stdin, so no image is written to disk).
fn image(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut out = Extracted::new();
    if let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        for field in exif.fields() {
            if field.ifd_num == exif::In::PRIMARY {
                out.metadata.insert(
                    format!("exif.{}", field.tag),
                    json!(field.display_value().with_unit(&exif).to_string()),
                );
            }
        }
    }
    if let Some(language) = &limits.ocr_language {
        match ocr(bytes, language) {
            Ok(text) => out.text = Some(text),
            Err(reason) => out.status = Status::Partial(format!("OCR failed: {reason}")),
        }
    }
    out
}

fn ocr(image: &[u8], language: &str) -> Result<String, String> {
    let text = pipe_through("tesseract", &["stdin", "stdout", "-l", language], image)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// Runs `program` with `input` on its stdin and returns its stdout: the
/// bytes go through pipes, never through a file, so no plaintext touches
/// the disk.
fn pipe_through(program: &str, args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    // Written from a thread: a child that fills its stdout before reading
    // all its input would otherwise deadlock with us.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(format!("{program} exited with {}", output.status));
    }
    Ok(output.stdout)
}

/// Renders one PDF page (poppler's `pdftoppm`, 200 dpi) and reads it with
/// tesseract.
fn ocr_pdf_page(pdf: &[u8], page: u32, language: &str) -> Result<String, String> {
    let page = page.to_string();
    let png = pipe_through("pdftoppm", &["-r", "200", "-f", &page, "-l", &page, "-png", "-"], pdf)?;
    ocr(&png, language)
}

/// XMP metadata ([ISO 16684-1]) of a PDF: the common Dublin Core, XMP and
/// PDF properties, from elements or from attributes of rdf:Description.
fn xmp_fields(xml: &[u8]) -> Map<String, Value> {
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

fn tar_archive(bytes: &[u8], limits: &Limits) -> Extracted {
    let mut out = Extracted::new();
    let mut archive = tar::Archive::new(bytes);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => return Extracted::failed(format!("corrupt tar: {e}")),
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.status = Status::Partial(format!("the tar is cut short or corrupt: {e}"));
                break;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "entry".into());
        let mut buffer = Vec::new();
        let bytes = match (&mut entry)
            .take(limits.max_document_bytes as u64)
            .read_to_end(&mut buffer)
        {
            Ok(_) => Ok(buffer),
            Err(e) => Err(Status::Failed(format!("tar entry {name}: {e}"))),
        };
        out.children.push(Child { name, bytes });
    }
    out
}

fn pdf(bytes: &[u8], limits: &Limits) -> Extracted {
    let revisions = bytes.windows(5).filter(|w| w == b"%%EOF").count();
    let document = match lopdf::Document::load_mem(bytes) {
        Ok(document) => document,
        Err(lopdf::Error::Decryption(_)) => {
            return Extracted {
                status: Status::Encrypted("password-protected PDF".into()),
                ..Extracted::new()
            };
        }
        Err(e) => return Extracted::failed(format!("unreadable PDF: {e}")),
    };
    let mut out = Extracted::new();
    if document.is_encrypted() {
        out.status = Status::Encrypted("password-protected PDF".into());
        return out;
    }
    let pages = document.get_pages();
    out.metadata.insert("pages".into(), json!(pages.len()));
    out.metadata.insert("revisions".into(), json!(revisions));
    if let Ok(info) = document
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .and_then(|id| document.get_dictionary(id))
    {
        for key in ["Title", "Author", "Creator", "Producer", "CreationDate", "ModDate"] {
            if let Ok(lopdf::Object::String(value, _)) = info.get(key.as_bytes()) {
                out.metadata
                    .insert(key.to_ascii_lowercase(), json!(String::from_utf8_lossy(value)));
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
        let xml = stream.decompressed_content().unwrap_or_else(|_| stream.content.clone());
        let xmp = xmp_fields(&xml);
        if !xmp.is_empty() {
            out.metadata.insert("xmp".into(), Value::Object(xmp));
        }
    }
    let mut text = String::new();
    let mut without_text = Vec::new();
    let mut ocr_pages = Vec::new();
    let mut ocr_failures = Vec::new();
    for (page, page_id) in &pages {
        let page_text = document.extract_text(&[*page]).unwrap_or_default();
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

/// The text content of every element named `tag` (local name), with a
/// line break after every `break_after` element.
fn xml_text(xml: &[u8], tag: &str, break_after: &str) -> Result<String, String> {
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

fn office_metadata(archive: &mut Package<'_>, out: &mut Extracted) {
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

fn read_part(archive: &mut Package<'_>, name: &str) -> Result<Vec<u8>, String> {
    let entry = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    read_bounded(entry, 256 << 20, name).map_err(|s| s.reason().unwrap_or_default().to_owned())
}

type Package<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Opens an OOXML package and reads its core and app properties.
fn open_office<'a>(bytes: &'a [u8], kind: &str) -> Result<(Package<'a>, Extracted), Extracted> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Extracted::failed(format!("corrupt {kind} package")))?;
    let mut out = Extracted::new();
    office_metadata(&mut archive, &mut out);
    Ok((archive, out))
}

/// The package's XML parts whose names start with `prefix`.
fn xml_parts(archive: &Package<'_>, prefix: &str) -> Vec<String> {
    archive
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with(prefix) && n.ends_with(".xml"))
        .map(|n| n.into_owned())
        .collect()
}

fn docx(bytes: &[u8]) -> Extracted {
    let (mut archive, mut out) = match open_office(bytes, "DOCX") {
        Ok(opened) => opened,
        Err(failed) => return failed,
    };
    match read_part(&mut archive, "word/document.xml").and_then(|xml| xml_text(&xml, "t", "p")) {
        Ok(text) => out.text = Some(text),
        Err(reason) => out.status = Status::Failed(format!("DOCX body unreadable: {reason}")),
    }
    out
}

/// OOXML Excel: the document properties from the package, the cells
/// through calamine (shared strings, numbers and dates resolved; a line
/// per row, cells separated by tabs), as for legacy .xls.
fn xlsx(bytes: &[u8]) -> Extracted {
    use calamine::Reader;
    let (_, mut out) = match open_office(bytes, "XLSX") {
        Ok(opened) => opened,
        Err(failed) => return failed,
    };
    match calamine::Xlsx::new(std::io::Cursor::new(bytes)) {
        Ok(mut book) => crate::ole::workbook_text(&mut book, &mut out),
        Err(e) => out.status = Status::Failed(format!("unreadable XLSX workbook: {e}")),
    }
    out
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

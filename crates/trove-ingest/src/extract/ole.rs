//! OLE compound files (the `cfb` crate): Outlook .msg, legacy Word .doc and
//! Excel .xls, and password-protected OOXML packages, which Office wraps in
//! a compound file.
//!
//! Excel is read by `calamine`. No maintained crate reads .doc or .msg
//! text, so both are read here from their published layouts, as little as
//! extraction needs: [MS-DOC] 2.4.1 (the piece table) and [MS-OXMSG] 2.1
//! (property streams, recipients, attachments). The `\x05SummaryInformation`
//! property set ([MS-OLEPS]) gives title, author and dates for all three.

use std::io::{Cursor, Read, Seek};

use serde_json::json;

use super::{Child, Extracted, Status};

type Compound<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// Compound files that are none of the kinds read: an encrypted OOXML
/// package is one (with an `EncryptionInfo` stream), PowerPoint 97 another.
pub fn other(bytes: &[u8]) -> Extracted {
    let file = match cfb::CompoundFile::open(Cursor::new(bytes)) {
        Ok(file) => file,
        Err(e) => return Extracted::failed(format!("corrupt OLE compound file: {e}")),
    };
    let mut out = Extracted::new();
    out.status = if file.is_stream("/EncryptionInfo") {
        Status::Encrypted("password-protected Office document".into())
    } else {
        Status::Partial("OLE compound file of a kind whose text is not read".into())
    };
    out
}

fn open<'a>(bytes: &'a [u8], kind: &str) -> Result<Compound<'a>, Extracted> {
    cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| Extracted::failed(format!("corrupt {kind}: {e}")))
}

fn read_stream<F: Read + Seek>(file: &mut cfb::CompoundFile<F>, path: &str) -> Option<Vec<u8>> {
    let mut stream = file.open_stream(path).ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units).trim_end_matches('\0').to_owned()
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// A Windows FILETIME (100 ns ticks since 1601) as RFC 3339, UTC.
fn filetime(ticks: u64) -> Option<String> {
    const UNIX_EPOCH_TICKS: i128 = 116_444_736_000_000_000;
    if ticks == 0 {
        return None;
    }
    let nanos = (ticks as i128 - UNIX_EPOCH_TICKS) * 100;
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()?;
    at.replace_nanosecond(0)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Title, author, dates and revision from `\x05SummaryInformation`, under
/// the names the OOXML core properties use.
fn summary_information<F: Read + Seek>(file: &mut cfb::CompoundFile<F>, out: &mut Extracted) {
    let Some(bytes) = read_stream(file, "/\u{5}SummaryInformation") else {
        return;
    };
    let Some(section) = u32_at(&bytes, 44).map(|o| o as usize) else {
        return;
    };
    let count = u32_at(&bytes, section + 4).unwrap_or(0).min(256) as usize;
    let mut codepage = 1252;
    let mut values = Vec::new();
    for i in 0..count {
        let (Some(id), Some(offset)) = (
            u32_at(&bytes, section + 8 + i * 8),
            u32_at(&bytes, section + 12 + i * 8),
        ) else {
            break;
        };
        let at = section + offset as usize;
        let Some(kind) = u32_at(&bytes, at) else { continue };
        match (id, kind & 0xFFFF) {
            (1, 0x02) => codepage = u16_at(&bytes, at + 4).unwrap_or(1252),
            (_, 0x1E) => {
                let len = u32_at(&bytes, at + 4).unwrap_or(0) as usize;
                if let Some(raw) = bytes.get(at + 8..at + 8 + len) {
                    values.push((id, Err(raw.to_vec())));
                }
            }
            (_, 0x40) => {
                if let Some(value) = u64_at(&bytes, at + 4).and_then(filetime) {
                    values.push((id, Ok(value)));
                }
            }
            _ => {}
        }
    }
    let encoding = match codepage {
        65001 => encoding_rs::UTF_8,
        cp => encoding_rs::Encoding::for_label(format!("windows-{cp}").as_bytes()).unwrap_or(encoding_rs::WINDOWS_1252),
    };
    for (id, value) in values {
        let name = match id {
            2 => "title",
            4 => "creator",
            8 => "lastmodifiedby",
            9 => "revision",
            12 => "created",
            13 => "modified",
            18 => "application",
            _ => continue,
        };
        let value = value.unwrap_or_else(|raw| encoding.decode(&raw).0.trim_end_matches('\0').trim().to_owned());
        if !value.is_empty() {
            out.metadata.insert(name.into(), json!(value));
        }
    }
}

/// Legacy Excel (BIFF5/BIFF8) through calamine: every sheet, a line per
/// row, cells separated by tabs.
pub fn xls(bytes: &[u8]) -> Extracted {
    use calamine::Reader;
    let mut out = match open(bytes, "Excel workbook") {
        Ok(mut file) => {
            let mut out = Extracted::new();
            summary_information(&mut file, &mut out);
            out
        }
        Err(failed) => return failed,
    };
    let mut book = match calamine::Xls::new(Cursor::new(bytes)) {
        Ok(book) => book,
        Err(calamine::XlsError::Password) => {
            out.status = Status::Encrypted("password-protected Excel workbook".into());
            return out;
        }
        Err(e) => {
            out.status = Status::Failed(format!("unreadable Excel workbook: {e}"));
            return out;
        }
    };
    workbook_text(&mut book, &mut out);
    out
}

/// Every sheet of a workbook (calamine reads .xls and .xlsx alike): a line
/// per row, cells separated by tabs, a blank line between sheets.
pub fn workbook_text<RS, R>(book: &mut R, out: &mut Extracted)
where
    RS: std::io::Read + std::io::Seek,
    R: calamine::Reader<RS>,
    R::Error: std::fmt::Display,
{
    let names = book.sheet_names();
    out.metadata.insert("sheets".into(), json!(names));
    let mut text = String::new();
    let mut unreadable = Vec::new();
    for name in &names {
        match book.worksheet_range(name) {
            Ok(range) => {
                for row in range.rows() {
                    let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
                    text.push_str(cells.join("\t").trim_end());
                    text.push('\n');
                }
            }
            Err(e) => unreadable.push(format!("{name}: {e}")),
        }
        text.push('\n');
    }
    if !unreadable.is_empty() {
        out.status = Status::Partial(format!("sheets not read: {}", unreadable.join("; ")));
    }
    out.text = Some(text);
}

/// Legacy Word (97 and later): the text through the piece table
/// ([MS-DOC] 2.4.1), which lists where each run of characters lies in the
/// WordDocument stream and whether it is 8-bit or UTF-16.
pub fn doc(bytes: &[u8]) -> Extracted {
    let mut file = match open(bytes, "Word document") {
        Ok(file) => file,
        Err(failed) => return failed,
    };
    let mut out = Extracted::new();
    summary_information(&mut file, &mut out);
    let Some(word) = read_stream(&mut file, "/WordDocument") else {
        return Extracted::failed("Word document without a readable WordDocument stream");
    };
    match word_text(&mut file, &word) {
        Ok(text) => out.text = Some(text),
        Err(status) => out.status = status,
    }
    out
}

/// A PowerPoint 97 (and later) presentation: document properties, and the
/// text of its slides, notes and outline.
pub fn ppt(bytes: &[u8]) -> Extracted {
    let mut file = match open(bytes, "PowerPoint presentation") {
        Ok(file) => file,
        Err(failed) => return failed,
    };
    let mut out = Extracted::new();
    summary_information(&mut file, &mut out);
    if file.is_stream("/EncryptedSummary") {
        out.status = Status::Encrypted("password-protected PowerPoint presentation".into());
        return out;
    }
    let Some(stream) = read_stream(&mut file, "/PowerPoint Document") else {
        return Extracted::failed("PowerPoint presentation without a readable PowerPoint Document stream");
    };
    let mut lines = Vec::new();
    if let Err(at) = ppt_text(&stream, &mut lines, 0) {
        out.status = Status::Partial(format!(
            "the record at byte {at} runs past the end of the stream or nests deeper than {MAX_PPT_DEPTH} containers"
        ));
    }
    out.text = Some(lines.join("\n"));
    out
}

/// Record types of [MS-PPT] 2.13.24 that hold text: TextCharsAtom
/// (UTF-16LE) and TextBytesAtom (the low bytes of UTF-16 code units).
const TEXT_CHARS_ATOM: u16 = 0x0FA0;
const TEXT_BYTES_ATOM: u16 = 0x0FA8;
const MAX_PPT_DEPTH: usize = 64;

/// Collects the text atoms of a record stream in file order, descending
/// into containers (record version 0xF), as Apache POI's quick extractor
/// does: slide and outline text, text boxes, notes. Stops at a record that
/// runs past the end and returns its offset.
fn ppt_text(records: &[u8], lines: &mut Vec<String>, depth: usize) -> Result<(), usize> {
    let mut at = 0;
    while at + 8 <= records.len() {
        let (Some(version), Some(kind), Some(len)) =
            (u16_at(records, at), u16_at(records, at + 2), u32_at(records, at + 4))
        else {
            return Err(at);
        };
        let body = at + 8;
        let end = body.saturating_add(len as usize);
        let content = &records[body..end.min(records.len())];
        if version & 0x0F == 0x0F {
            // Real presentations nest a few levels; a hostile one could nest
            // millions, one stack frame each.
            if depth >= MAX_PPT_DEPTH {
                return Err(at);
            }
            // A container cut short still gives the text of what it holds.
            ppt_text(content, lines, depth + 1).map_err(|inner| body + inner)?;
        } else if kind == TEXT_CHARS_ATOM {
            lines.push(utf16le(content).replace('\r', "\n"));
        } else if kind == TEXT_BYTES_ATOM {
            lines.push(
                content
                    .iter()
                    .map(|&b| char::from(b))
                    .collect::<String>()
                    .replace('\r', "\n"),
            );
        }
        if end > records.len() {
            return Err(at);
        }
        at = end;
    }
    Ok(())
}

fn word_text<F: Read + Seek>(file: &mut cfb::CompoundFile<F>, word: &[u8]) -> Result<String, Status> {
    let malformed = |what: &str| Status::Failed(format!("malformed Word document: {what}"));
    if u16_at(word, 0) != Some(0xA5EC) {
        return Err(malformed("no FIB signature"));
    }
    let flags = u16_at(word, 10).ok_or_else(|| malformed("short FIB"))?;
    if flags & 0x0100 != 0 {
        return Err(Status::Encrypted("password-protected Word document".into()));
    }
    // FibBase (32 bytes), then three variable arrays each led by its length.
    let csw = u16_at(word, 32).ok_or_else(|| malformed("short FIB"))? as usize;
    let lw_at = 34 + csw * 2;
    let cslw = u16_at(word, lw_at).ok_or_else(|| malformed("short FIB"))? as usize;
    let fc_lcb_at = lw_at + 2 + cslw * 4 + 2;
    // fcClx/lcbClx are the 34th pair of FibRgFcLcb97.
    let clx_at = u32_at(word, fc_lcb_at + 33 * 8).ok_or_else(|| malformed("no piece table"))? as usize;
    let clx_len = u32_at(word, fc_lcb_at + 33 * 8 + 4).ok_or_else(|| malformed("no piece table"))? as usize;
    let table_name = if flags & 0x0200 != 0 { "/1Table" } else { "/0Table" };
    let table = read_stream(file, table_name).ok_or_else(|| malformed("no table stream"))?;
    let clx = table
        .get(clx_at..clx_at.saturating_add(clx_len))
        .ok_or_else(|| malformed("piece table outside the table stream"))?;
    // Skip Prc entries (formatting) to the Pcdt.
    let mut at = 0;
    while clx.get(at) == Some(&0x01) {
        at += 3 + u16_at(clx, at + 1).ok_or_else(|| malformed("truncated Prc"))? as usize;
    }
    if clx.get(at) != Some(&0x02) {
        return Err(malformed("no Pcdt in the piece table"));
    }
    let plc_len = u32_at(clx, at + 1).ok_or_else(|| malformed("truncated Pcdt"))? as usize;
    let plc = clx
        .get(at + 5..at + 5 + plc_len)
        .ok_or_else(|| malformed("truncated PlcPcd"))?;
    let pieces = plc_len.saturating_sub(4) / 12;
    let mut text = String::new();
    for i in 0..pieces {
        let (Some(start), Some(end)) = (u32_at(plc, i * 4), u32_at(plc, i * 4 + 4)) else {
            break;
        };
        let pcd = (pieces + 1) * 4 + i * 8;
        let fc = u32_at(plc, pcd + 2).ok_or_else(|| malformed("truncated piece descriptor"))?;
        let chars = end.saturating_sub(start) as usize;
        if fc & 0x4000_0000 != 0 {
            let offset = ((fc & 0x3FFF_FFFF) / 2) as usize;
            let run = word
                .get(offset..offset + chars)
                .ok_or_else(|| malformed("piece outside the stream"))?;
            text.push_str(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(run).0);
        } else {
            let offset = fc as usize;
            let run = word
                .get(offset..offset + chars * 2)
                .ok_or_else(|| malformed("piece outside the stream"))?;
            text.push_str(&utf16le(run));
        }
    }
    // Paragraph marks are CR, cell marks BEL; field codes and other
    // control characters carry no text.
    Ok(text
        .chars()
        .filter_map(|c| match c {
            '\r' | '\u{b}' | '\u{c}' => Some('\n'),
            '\u{7}' => Some('\t'),
            c if c < ' ' && c != '\n' && c != '\t' => None,
            c => Some(c),
        })
        .collect())
}

/// A string property of a .msg storage (`__substg1.0_IIII001F`, UTF-16,
/// or `…001E`, 8-bit).
fn msg_string<F: Read + Seek>(file: &mut cfb::CompoundFile<F>, storage: &str, id: u16) -> Option<String> {
    if let Some(bytes) = read_stream(file, &format!("{storage}/__substg1.0_{id:04X}001F")) {
        return Some(utf16le(&bytes));
    }
    let bytes = read_stream(file, &format!("{storage}/__substg1.0_{id:04X}001E"))?;
    Some(
        encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(&bytes)
            .0
            .trim_end_matches('\0')
            .to_owned(),
    )
}

/// Sub-storages of `storage` whose names start with `prefix`.
fn storages<F: Read + Seek>(file: &cfb::CompoundFile<F>, storage: &str, prefix: &str) -> Vec<String> {
    let Ok(entries) = file.read_storage(storage) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter(|e| e.is_storage() && e.name().starts_with(prefix))
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Outlook .msg ([MS-OXMSG]): sender, recipients, subject, dates, ids,
/// body (or the HTML body as text), and attachments as children.
pub fn msg(bytes: &[u8], max_attachment: usize) -> Extracted {
    let mut file = match open(bytes, "Outlook message") {
        Ok(file) => file,
        Err(failed) => return failed,
    };
    let mut out = Extracted::new();
    let root = "/";
    let subject = msg_string(&mut file, root, 0x0037).unwrap_or_default();
    let from = msg_string(&mut file, root, 0x5D01)
        .or_else(|| msg_string(&mut file, root, 0x0C1F))
        .unwrap_or_default();
    let mut to = Vec::new();
    for recipient in storages(&file, root, "__recip_version1.0_") {
        if let Some(address) =
            msg_string(&mut file, &recipient, 0x39FE).or_else(|| msg_string(&mut file, &recipient, 0x3003))
        {
            to.push(address);
        }
    }
    let meta = &mut out.metadata;
    meta.insert("from".into(), json!(if from.is_empty() { vec![] } else { vec![from] }));
    meta.insert("to".into(), json!(to));
    meta.insert("subject".into(), json!(subject));
    for (name, id) in [("message_id", 0x1035), ("in_reply_to", 0x1042), ("references", 0x1039)] {
        if let Some(value) = msg_string(&mut file, root, id) {
            meta.insert(name.into(), json!(value));
        }
    }
    // Fixed-size properties: a 32-byte header at the top level, then
    // 16-byte entries (type, id, flags, value).
    if let Some(properties) = read_stream(&mut file, "/__properties_version1.0") {
        for entry in properties.get(32..).unwrap_or_default().chunks_exact(16) {
            let (kind, id) = (u16_at(entry, 0), u16_at(entry, 2));
            if kind == Some(0x0040)
                && id == Some(0x0039)
                && let Some(date) = u64_at(entry, 8).and_then(filetime)
            {
                meta.insert("date".into(), json!(date));
            }
        }
    }
    let body = msg_string(&mut file, root, 0x1000).or_else(|| {
        let html = read_stream(&mut file, "/__substg1.0_10130102")?;
        Some(super::html_to_text(&super::decode_text(&html).0))
    });
    out.text = Some(format!("{subject}\n\n{}", body.unwrap_or_default()));
    for (i, attachment) in storages(&file, root, "__attach_version1.0_").into_iter().enumerate() {
        let name = msg_string(&mut file, &attachment, 0x3707)
            .or_else(|| msg_string(&mut file, &attachment, 0x3704))
            .filter(|n| !n.is_empty())
            .map(|n| n.replace('/', "_"))
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        let data_path = format!("{attachment}/__substg1.0_37010102");
        let bytes = match file.entry(&data_path) {
            Ok(entry) if entry.len() > max_attachment as u64 => Err(Status::Partial(format!(
                "attachment of {} bytes is over the limit",
                entry.len()
            ))),
            Ok(_) => read_stream(&mut file, &data_path).ok_or_else(|| Status::Failed("unreadable attachment".into())),
            Err(_) => Err(Status::Partial(
                "embedded Outlook item or OLE object: not extracted".into(),
            )),
        };
        out.children.push(Child { name, bytes });
    }
    out
}

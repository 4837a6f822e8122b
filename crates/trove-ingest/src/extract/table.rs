//! Tables in formats of their own: dBase (.dbf, dBase III to 7 and
//! FoxPro, read by the `dbase` crate) and DjVu scans' text layer (read by
//! djvulibre's `djvutxt`, bytes through pipes).

use std::io::Cursor;

use dbase::encoding::EncodingRs;
use dbase::{CodePageMark, FieldValue, ReaderBuilder, UnicodeLossy};
use serde_json::json;

use super::ocr::pipe_through;
use super::{Extracted, Status};

/// A dBase table: a header line of field names, then one line per row,
/// values separated by tabs, as spreadsheets are read.
pub(super) fn dbase(bytes: &[u8]) -> Extracted {
    // The code page mark names the encoding. Many tables carry none (0):
    // their encoding is guessed from the records' bytes, as for plain
    // text. A mark encoding_rs does not know (DOS code pages 437, 850) is
    // read as lossy UTF-8 rather than not at all.
    let reader = match ReaderBuilder::new().build(Cursor::new(bytes)) {
        Ok(reader) if reader.header().code_page_mark == CodePageMark::Undefined => {
            let records = bytes
                .get(usize::from(reader.header().offset_to_first_record)..)
                .unwrap_or_default();
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(records, true);
            let guessed = detector.guess(None, true);
            ReaderBuilder::new()
                .with_encoding(EncodingRs::from(guessed))
                .build(Cursor::new(bytes))
        }
        Ok(reader) => Ok(reader),
        Err(_) => ReaderBuilder::new()
            .with_encoding(UnicodeLossy)
            .build(Cursor::new(bytes)),
    };
    let mut reader = match reader {
        Ok(reader) => reader,
        Err(e) => return Extracted::failed(format!("unreadable dBase table: {e}")),
    };
    let mut out = Extracted::new();
    let header = reader.header();
    let updated = header.last_update;
    out.metadata.insert("records".into(), json!(header.num_records));
    out.metadata.insert(
        "updated".into(),
        json!(format!(
            "{:04}-{:02}-{:02}",
            updated.year(),
            updated.month(),
            updated.day()
        )),
    );
    let names: Vec<String> = reader.fields().iter().map(|f| f.name().to_owned()).collect();
    out.metadata.insert("fields".into(), json!(names));
    let mut text = names.join("\t");
    text.push('\n');
    for (row, record) in reader.iter_records().enumerate() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                out.status = Status::Partial(format!("row {}: {e}", row + 1));
                break;
            }
        };
        let values: Vec<String> = names
            .iter()
            .map(|name| record.get(name).map(value_text).unwrap_or_default())
            .collect();
        text.push_str(&values.join("\t"));
        text.push('\n');
    }
    out.text = Some(text);
    out
}

fn value_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Character(Some(text)) => text.trim_end().to_owned(),
        FieldValue::Memo(text) => text.trim_end().to_owned(),
        FieldValue::Numeric(Some(number)) => number.to_string(),
        FieldValue::Float(Some(number)) => number.to_string(),
        FieldValue::Integer(number) => number.to_string(),
        FieldValue::Currency(number) | FieldValue::Double(number) => number.to_string(),
        FieldValue::Logical(Some(flag)) => flag.to_string(),
        FieldValue::Date(Some(date)) => format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()),
        FieldValue::DateTime(stamp) => {
            let date = stamp.date();
            let time = stamp.time();
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                date.year(),
                date.month(),
                date.day(),
                time.hours(),
                time.minutes(),
                time.seconds()
            )
        }
        FieldValue::Character(None)
        | FieldValue::Numeric(None)
        | FieldValue::Float(None)
        | FieldValue::Logical(None)
        | FieldValue::Date(None) => String::new(),
    }
}

/// A DjVu document's text layer, page by page (form feeds between pages),
/// from djvulibre's `djvutxt`. A DjVu without one is a scan: its pages are
/// images, and the status says so.
pub(super) fn djvu(bytes: &[u8]) -> Extracted {
    let mut out = Extracted::new();
    // The IFF header declares the document's length; djvutxt reads a file
    // cut short as far as it goes and says so only on stderr.
    let declared = bytes
        .get(8..12)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64 + 12)
        .unwrap_or(0);
    let cut_short =
        (declared > bytes.len() as u64).then(|| format!("the DjVu is cut short ({} of {declared} bytes)", bytes.len()));
    // Whether djvutxt fails on a file cut inside its first page or prints
    // nothing depends on where the cut falls (and on how soon it stops
    // reading the pipe), so a cut-short file is named as such either way.
    match (pipe_through("djvutxt", &["-"], bytes), cut_short) {
        (Ok(text), cut_short) => {
            let text = String::from_utf8_lossy(&text).into_owned();
            if let Some(cut_short) = cut_short {
                out.status = Status::Partial(format!("{cut_short}: the text is what its complete pages hold"));
            } else if text.trim().is_empty() {
                out.status = Status::Partial("a DjVu without a text layer (a scan); OCR of DjVu is not done".into());
            }
            out.text = Some(text);
        }
        (Err(reason), Some(cut_short)) => {
            out.status = Status::Partial(format!("{cut_short}: djvutxt read no page ({reason})"));
        }
        (Err(reason), None) => {
            out.status = Status::Partial(format!(
                "DjVu text not read ({reason}); install djvulibre (Debian: djvulibre-bin)"
            ));
        }
    }
    out
}

//! Images: EXIF metadata, and text by OCR where tesseract is installed.

use std::io::Cursor;

use serde_json::json;

use crate::Limits;

use super::ocr::ocr;
use super::{Extracted, Status};

/// Images: EXIF metadata, and OCR through the `tesseract` command when it
/// is installed (fed on stdin, so no image is written to disk).
pub(super) fn image(bytes: &[u8], limits: &Limits) -> Extracted {
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

//! Mail: single messages (RFC 5322, MIME) and mbox files, split message by
//! message whatever their size.

use std::io::{BufRead, Read};

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;

use crate::Limits;

use super::text::html_to_text;
use super::{Child, Extracted, Status};

pub(super) fn email(bytes: &[u8], limits: &Limits) -> Extracted {
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

pub(super) fn mbox(bytes: &[u8], limits: &Limits) -> Extracted {
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

//! RFC 5322 messages, mbox files (mboxrd) and tar.gz archives.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::CorpusError;
use crate::text::Person;

/// An attachment: file name, MIME type, bytes.
pub struct Attachment {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

pub struct Message<'a> {
    pub from: &'a Person,
    pub to: Vec<&'a Person>,
    pub subject: String,
    pub date: OffsetDateTime,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Body text with `\n` line ends; written with CRLF.
    pub body: String,
    pub attachment: Option<Attachment>,
}

fn mailbox(person: &Person) -> String {
    if person.name.is_ascii() {
        format!("{} <{}>", person.name, person.address)
    } else {
        format!(
            "=?UTF-8?B?{}?= <{}>",
            BASE64.encode(person.name.as_bytes()),
            person.address
        )
    }
}

pub fn rfc2822(t: OffsetDateTime) -> String {
    t.format(&Rfc2822).unwrap_or_default()
}

fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

impl Message<'_> {
    /// The message's bytes, CRLF throughout, headers in the usual order and
    /// two Received lines whose times follow the Date.
    pub fn to_bytes(&self, relay: &str) -> Vec<u8> {
        let mut head = String::new();
        let hop = |minutes: i64| rfc2822(self.date + time::Duration::seconds(minutes));
        head.push_str(&format!(
            "Received: from mx.{relay} (mx.{relay} [192.0.2.25])\r\n\tby mail.{} with ESMTPS id k{}\r\n\tfor <{}>; {}\r\n",
            self.to[0].address.split('@').nth(1).unwrap_or("example"),
            self.date.unix_timestamp() % 100_000,
            self.to[0].address,
            hop(7),
        ));
        head.push_str(&format!(
            "Received: from workstation.{relay} ([198.51.100.14])\r\n\tby mx.{relay}; {}\r\n",
            hop(2)
        ));
        head.push_str(&format!("From: {}\r\n", mailbox(self.from)));
        let to: Vec<String> = self.to.iter().map(|p| mailbox(p)).collect();
        head.push_str(&format!("To: {}\r\n", to.join(",\r\n\t")));
        head.push_str(&format!("Subject: {}\r\n", self.subject));
        head.push_str(&format!("Date: {}\r\n", rfc2822(self.date)));
        head.push_str(&format!("Message-ID: <{}>\r\n", self.message_id));
        if let Some(parent) = &self.in_reply_to {
            head.push_str(&format!("In-Reply-To: <{parent}>\r\n"));
            let refs: Vec<String> = self.references.iter().map(|r| format!("<{r}>")).collect();
            head.push_str(&format!("References: {}\r\n", refs.join("\r\n\t")));
        }
        head.push_str("MIME-Version: 1.0\r\n");
        let body = crlf(&self.body);
        let mut out = head.into_bytes();
        match &self.attachment {
            None => {
                out.extend_from_slice(
                    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
                );
                out.extend_from_slice(body.as_bytes());
            }
            Some(attachment) => {
                let boundary = format!("=_part_{}", self.date.unix_timestamp());
                out.extend_from_slice(
                    format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n").as_bytes(),
                );
                out.extend_from_slice(b"This is a multi-part message in MIME format.\r\n\r\n");
                out.extend_from_slice(
                    format!("--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n")
                        .as_bytes(),
                );
                out.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Type: {}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                        attachment.mime,
                        name = attachment.name
                    )
                    .as_bytes(),
                );
                let encoded = BASE64.encode(&attachment.bytes);
                for line in encoded.as_bytes().chunks(76) {
                    out.extend_from_slice(line);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            }
        }
        out
    }
}

/// Appends one message to an mbox in the mboxrd variant: a `From ` line,
/// the message with every line matching `^>*From ` quoted by one more `>`,
/// and a blank line. Readers undo the quoting to get the exact bytes back.
pub fn mbox_append(mbox: &mut Vec<u8>, sender: &str, date: OffsetDateTime, message: &[u8]) {
    let asctime = format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        &date.weekday().to_string()[..3],
        &date.month().to_string()[..3],
        date.day(),
        date.hour(),
        date.minute(),
        date.second(),
        date.year()
    );
    mbox.extend_from_slice(format!("From {sender} {asctime}\n").as_bytes());
    for line in message.split_inclusive(|&b| b == b'\n') {
        let quoted = line
            .iter()
            .position(|&b| b != b'>')
            .is_some_and(|i| line[i..].starts_with(b"From "));
        if quoted {
            mbox.push(b'>');
        }
        mbox.extend_from_slice(line);
    }
    mbox.push(b'\n');
}

/// A gzip-compressed tar of `(path, bytes)` entries, with fixed owners and
/// times so that the same entries give the same bytes.
pub fn tar_gz(entries: &[(String, Vec<u8>)], mtime: u64) -> Result<Vec<u8>, CorpusError> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_uid(1000);
        header.set_gid(1000);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, bytes.as_slice())
            .map_err(|e| CorpusError::Format(format!("tar entry {path}: {e}")))?;
    }
    let gz = tar.into_inner().map_err(|e| CorpusError::Format(format!("tar: {e}")))?;
    gz.finish().map_err(|e| CorpusError::Format(format!("gzip: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mboxrd_quotes_from_lines_reversibly() {
        let message = b"Subject: x\r\n\r\nFrom the desk:\r\n>From quoted\r\nFromage\r\n";
        let mut mbox = Vec::new();
        mbox_append(
            &mut mbox,
            "a@b.example",
            time::macros::datetime!(2015-03-02 10:22:01 UTC),
            message,
        );
        let text = String::from_utf8(mbox).unwrap();
        assert!(
            text.starts_with("From a@b.example Mon Mar  2 10:22:01 2015\n"),
            "{text}"
        );
        assert!(
            text.contains("\r\n>From the desk:\r\n>>From quoted\r\nFromage\r\n\n"),
            "{text}"
        );
    }
}

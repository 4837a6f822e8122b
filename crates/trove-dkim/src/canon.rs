//! Canonicalization (RFC 6376 §3.4): what the signer hashed, rebuilt from
//! the message as received.

/// A canonicalization algorithm, for the header or the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Canon {
    Simple,
    Relaxed,
}

impl Canon {
    pub fn name(self) -> &'static str {
        match self {
            Canon::Simple => "simple",
            Canon::Relaxed => "relaxed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "simple" => Some(Canon::Simple),
            "relaxed" => Some(Canon::Relaxed),
            _ => None,
        }
    }
}

/// Splits a message at the blank line that ends its header: the header
/// block (each line with its CRLF) and the body.
pub fn split_message(message: &[u8]) -> (&[u8], &[u8]) {
    if message.starts_with(b"\r\n") {
        return (&[], &message[2..]);
    }
    match memchr::memmem::find(message, b"\r\n\r\n") {
        Some(i) => (&message[..i + 2], &message[i + 4..]),
        None => (message, &[]),
    }
}

/// Splits a header block into fields, each with its folded continuation
/// lines and its final CRLF.
pub fn header_fields(head: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut start = 0;
    for i in 0..head.len() {
        if head[i] == b'\n' && !matches!(head.get(i + 1), Some(b' ' | b'\t')) {
            fields.push(&head[start..=i]);
            start = i + 1;
        }
    }
    if start < head.len() {
        fields.push(&head[start..]);
    }
    fields
}

/// The name of a header field, as written (before the colon, trimmed).
pub fn field_name(field: &[u8]) -> &str {
    let colon = field.iter().position(|&b| b == b':').unwrap_or(field.len());
    std::str::from_utf8(&field[..colon]).unwrap_or("").trim()
}

/// One header field, canonicalized, with its CRLF.
pub fn canonical_header(field: &[u8], canon: Canon) -> Vec<u8> {
    match canon {
        Canon::Simple => field.to_vec(),
        Canon::Relaxed => {
            let colon = field.iter().position(|&b| b == b':').unwrap_or(field.len());
            let name = String::from_utf8_lossy(&field[..colon]).trim().to_ascii_lowercase();
            let value: Vec<u8> = field[(colon + 1).min(field.len())..]
                .iter()
                .copied()
                .filter(|&b| b != b'\r' && b != b'\n')
                .collect();
            let mut out = name.into_bytes();
            out.push(b':');
            out.extend(collapse_whitespace(&value).trim_ascii());
            out.extend_from_slice(b"\r\n");
            out
        }
    }
}

fn collapse_whitespace(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut in_space = false;
    for &b in bytes {
        if b == b' ' || b == b'\t' {
            in_space = true;
        } else {
            if in_space {
                out.push(b' ');
                in_space = false;
            }
            out.push(b);
        }
    }
    if in_space {
        out.push(b' ');
    }
    out
}

/// The body, canonicalized (every line with its CRLF, trailing empty
/// lines removed).
pub fn canonical_body(body: &[u8], canon: Canon) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 2);
    write_canonical_body(body, canon, &mut |piece| out.extend_from_slice(piece));
    out
}

/// The canonical body, handed to `out` piece by piece (no copy of the
/// body is made: a hash can be fed directly).
pub fn write_canonical_body(body: &[u8], canon: Canon, out: &mut dyn FnMut(&[u8])) {
    // Empty lines are held back until a non-empty line follows: trailing
    // empty lines are not part of the canonical body.
    let mut held_empty = 0usize;
    let mut wrote = false;
    let mut scratch = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line: &[u8] = match canon {
            Canon::Simple => line,
            Canon::Relaxed => relaxed_line(line, &mut scratch),
        };
        if line.is_empty() {
            held_empty += 1;
            continue;
        }
        for _ in 0..held_empty {
            out(b"\r\n");
        }
        held_empty = 0;
        out(line);
        out(b"\r\n");
        wrote = true;
    }
    if !wrote && canon == Canon::Simple {
        out(b"\r\n");
    }
}

/// A body line under relaxed canonicalization: runs of spaces and tabs
/// become one space, and trailing ones go. Most lines need no change and
/// are returned as they are.
fn relaxed_line<'a>(line: &'a [u8], scratch: &'a mut Vec<u8>) -> &'a [u8] {
    let is_space = |b: u8| b == b' ' || b == b'\t';
    let Some(last) = line.iter().rposition(|&b| !is_space(b)) else {
        return &[];
    };
    let trimmed = &line[..=last];
    // One pass to see whether anything needs to change: a tab, or two
    // spaces in a row.
    let mut previous_space = false;
    let clean = trimmed.iter().all(|&b| {
        let ok = b != b'\t' && !(previous_space && b == b' ');
        previous_space = b == b' ';
        ok
    });
    if clean {
        return trimmed;
    }
    scratch.clear();
    let mut in_space = false;
    for &b in trimmed {
        if is_space(b) {
            in_space = true;
        } else {
            if in_space {
                scratch.push(b' ');
                in_space = false;
            }
            scratch.push(b);
        }
    }
    scratch
}

/// Bare LF line ends made CRLF, as a message is on the wire: mail stored
/// in mbox files and on Unix disks has lost its CRs, and DKIM hashes the
/// wire form.
pub fn to_wire_form(message: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let bare = |i: usize| i == 0 || message[i - 1] != b'\r';
    if !memchr::memchr_iter(b'\n', message).any(bare) {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = Vec::with_capacity(message.len() + message.len() / 40);
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', message) {
        out.extend_from_slice(&message[start..i]);
        if bare(i) {
            out.push(b'\r');
        }
        out.push(b'\n');
        start = i + 1;
    }
    out.extend_from_slice(&message[start..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6376 §3.4.5's canonicalization examples.
    #[test]
    fn rfc6376_canonicalization_examples() {
        let head = b"A: X\r\nB : Y\t\r\n\tZ  \r\n";
        let fields = header_fields(head);
        let relaxed: Vec<u8> = fields
            .iter()
            .flat_map(|f| canonical_header(f, Canon::Relaxed))
            .collect();
        assert_eq!(relaxed, b"a:X\r\nb:Y Z\r\n");
        let simple: Vec<u8> = fields.iter().flat_map(|f| canonical_header(f, Canon::Simple)).collect();
        assert_eq!(simple, head);
        let body = b" C \r\nD \t E\r\n\r\n\r\n";
        assert_eq!(canonical_body(body, Canon::Relaxed), b" C\r\nD E\r\n");
        assert_eq!(canonical_body(body, Canon::Simple), b" C \r\nD \t E\r\n");
        assert_eq!(canonical_body(b"", Canon::Simple), b"\r\n");
        assert_eq!(canonical_body(b"", Canon::Relaxed), b"");
    }

    #[test]
    fn bare_line_feeds_become_crlf() {
        assert_eq!(&*to_wire_form(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert!(matches!(to_wire_form(b"a\r\n"), std::borrow::Cow::Borrowed(_)));
    }
}

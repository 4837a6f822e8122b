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
    match message.windows(4).position(|w| w == b"\r\n\r\n") {
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
    let mut lines: Vec<Vec<u8>> = body
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
        .collect();
    // `split` yields a last empty piece after a final CRLF.
    if body.ends_with(b"\n") {
        lines.pop();
    }
    if canon == Canon::Relaxed {
        for line in &mut lines {
            let collapsed = collapse_whitespace(line);
            *line = collapsed.trim_ascii_end().to_vec();
        }
    }
    while lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    if lines.is_empty() {
        return match canon {
            Canon::Simple => b"\r\n".to_vec(),
            Canon::Relaxed => Vec::new(),
        };
    }
    let mut out = Vec::with_capacity(body.len() + 2);
    for line in lines {
        out.extend(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Bare LF line ends made CRLF, as a message is on the wire: mail stored
/// in mbox files and on Unix disks has lost its CRs, and DKIM hashes the
/// wire form.
pub fn to_wire_form(message: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let bare_lf = message
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || message[i - 1] != b'\r'));
    if !bare_lf {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = Vec::with_capacity(message.len() + message.len() / 40);
    for (i, &b) in message.iter().enumerate() {
        if b == b'\n' && (i == 0 || message[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
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

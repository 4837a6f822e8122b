//! A bound on the header section of each part of a multipart form. The
//! multipart parser (multer, under axum's `Multipart`) buffers a part's
//! headers until their blank line with no limit, and upload bodies have no
//! size limit, so one client could make the intake hold any amount of
//! memory. This guard watches the body as it streams: from each boundary
//! line, the blank line that ends the part's headers must come within
//! [`MAX_PART_HEADERS`] bytes, or the body ends there (the form is then
//! treated as cut off: what completed before is kept).

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// The most bytes from a boundary to the end of its part's headers.
pub(crate) const MAX_PART_HEADERS: usize = 16 << 10;

/// Scans a multipart body for over-long part header sections.
struct Scanner {
    /// `\r\n--BOUNDARY` (the body's start counts as a line break).
    delimiter: Vec<u8>,
    /// The last bytes seen, so that a delimiter or a blank line split
    /// across chunks is found.
    tail: Vec<u8>,
    /// Bytes of the body seen so far.
    seen: usize,
    /// Where the current part's headers began (a body offset), while they
    /// have not ended.
    headers_from: Option<usize>,
}

impl Scanner {
    fn new(boundary: &str) -> Scanner {
        Scanner {
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            tail: b"\r\n".to_vec(),
            seen: 0,
            headers_from: None,
        }
    }

    /// Takes the next chunk: `Ok` if it may pass whole, or `Err(n)` when a
    /// header section grows past the bound in it, `n` being how much of it
    /// comes before that point (and may pass: it can end the part before).
    fn feed(&mut self, chunk: &[u8]) -> Result<(), usize> {
        let before = self.seen;
        // Where the current header section passes the bound, as a count of
        // this chunk's bytes (at least 0).
        let cut = |from: usize| (from + MAX_PART_HEADERS).saturating_sub(before);
        let mut window = std::mem::take(&mut self.tail);
        // The body offset of the window's first byte (the made-up line
        // break before the body sits just before offset 0).
        let window_start = before as isize - window.len() as isize;
        window.extend_from_slice(chunk);
        let mut at = 0;
        loop {
            let (needle, starts_headers) = match self.headers_from {
                None => (self.delimiter.as_slice(), true),
                Some(_) => (b"\r\n\r\n".as_slice(), false),
            };
            let Some(found) = find(&window[at..], needle) else {
                break;
            };
            at += found + needle.len();
            let offset = (window_start + at as isize).max(0) as usize;
            if let Some(from) = self.headers_from
                && offset - from > MAX_PART_HEADERS
            {
                return Err(cut(from));
            }
            self.headers_from = starts_headers.then_some(offset);
        }
        self.seen += chunk.len();
        if let Some(from) = self.headers_from
            && self.seen - from > MAX_PART_HEADERS
        {
            return Err(cut(from));
        }
        // What is kept is never before what was matched, so nothing is
        // found twice.
        let keep = self.delimiter.len().max(4);
        self.tail = window[window.len().saturating_sub(keep).max(at)..].to_vec();
        Ok(())
    }
}

/// Every chunk of an upload is scanned, so the search is memchr's.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The multipart boundary of a `Content-Type` header value.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.trim().split_once('=')?;
        name.eq_ignore_ascii_case("boundary")
            .then(|| value.trim_matches('"').to_owned())
    })
}

/// `body` with every part's header section held to [`MAX_PART_HEADERS`]:
/// the bytes up to where one passes it, and then the end of the body. (An
/// error there would reach the parser before the bytes ahead of it, and
/// cost the file those bytes complete; an early end lets it finish that
/// file and then find the form cut off.)
pub(crate) fn guard<S, E>(
    body: S,
    boundary: &str,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + use<S, E>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::fmt::Display,
{
    let scanner = Scanner::new(boundary);
    body.scan((scanner, false), |(scanner, refused), chunk| {
        let item = match chunk {
            _ if *refused => None,
            Err(e) => Some(Err(std::io::Error::other(e.to_string()))),
            Ok(chunk) => match scanner.feed(&chunk) {
                Ok(()) => Some(Ok(chunk)),
                Err(allowed) => {
                    *refused = true;
                    Some(Ok(chunk.slice(..allowed.min(chunk.len()))))
                }
            },
        };
        std::future::ready(item)
    })
}

/// The middleware of multipart routes: the request with its body guarded
/// (a request without a multipart boundary is left to its handler).
pub(crate) async fn bound_part_headers(request: axum::extract::Request) -> axum::extract::Request {
    let boundary = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(boundary);
    let Some(boundary) = boundary else { return request };
    let (parts, body) = request.into_parts();
    let guarded = guard(body.into_data_stream(), &boundary);
    axum::extract::Request::from_parts(parts, axum::body::Body::from_stream(guarded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(headers: &str, content: &[u8]) -> Vec<u8> {
        let mut body = format!("--XyZ\r\n{headers}\r\n\r\n").into_bytes();
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n--XyZ--\r\n");
        body
    }

    /// Feeds `body` in chunks of `size`; whether it passed.
    fn passes(body: &[u8], size: usize) -> bool {
        let mut scanner = Scanner::new("XyZ");
        body.chunks(size).all(|chunk| scanner.feed(chunk).is_ok())
    }

    #[test]
    fn long_part_headers_are_refused_and_long_contents_are_not() {
        let ordinary = form(
            "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"",
            &[b'x'; 100_000],
        );
        let huge_headers = form(&format!("X-Padding: {}", "y".repeat(MAX_PART_HEADERS)), b"x");
        // A content full of blank lines and near-boundaries is content.
        let mut tricky = Vec::new();
        for _ in 0..5000 {
            tricky.extend_from_slice(b"\r\n\r\n--XyX\r\n");
        }
        let tricky = form("Content-Disposition: form-data; name=\"file\"", &tricky);
        for size in [1, 7, 4096, 1 << 20] {
            assert!(passes(&ordinary, size), "ordinary form, chunks of {size}");
            assert!(passes(&tricky, size), "content with blank lines, chunks of {size}");
            assert!(!passes(&huge_headers, size), "huge headers, chunks of {size}");
        }
        // Headers that never end are refused as soon as they pass the bound.
        let mut scanner = Scanner::new("XyZ");
        assert!(scanner.feed(b"--XyZ\r\nX-A: ").is_ok());
        let endless = vec![b'a'; 4096];
        let fed = (0..100).take_while(|_| scanner.feed(&endless).is_ok()).count();
        assert_eq!(fed, (MAX_PART_HEADERS - "X-A: ".len()) / 4096);
        // What passes of the chunk that crossed the bound ends exactly there.
        let mut scanner = Scanner::new("XyZ");
        let body = form(&format!("X-Padding: {}", "y".repeat(MAX_PART_HEADERS)), b"x");
        let allowed = scanner.feed(&body).unwrap_err();
        assert_eq!(allowed, "--XyZ".len() + MAX_PART_HEADERS);
    }

    #[test]
    fn the_boundary_is_read_from_the_content_type() {
        assert_eq!(boundary("multipart/form-data; boundary=XyZ").as_deref(), Some("XyZ"));
        assert_eq!(
            boundary("multipart/form-data; charset=utf-8; BOUNDARY=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }
}

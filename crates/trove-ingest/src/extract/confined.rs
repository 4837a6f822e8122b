//! Extraction in a confined worker process ([`trove_sandbox::Pool`]): the
//! parent sends a document's type, the limits and its bytes; the worker
//! runs [`super::extract`] and answers with the text, metadata, status and
//! children. A worker that is killed, times out or crashes costs one
//! document, which is recorded as failed with the reason.
//!
//! A frame is a little-endian `u32` header length, the header as JSON
//! ([`Request`] or [`Answer`]), then the bulk bytes: the document's in a
//! request; the text's, then each child's in order, in an answer.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use trove_sandbox::{Confinement, Pool};

use super::{Child, Extracted, Status, extract};
use crate::pixels::{PixelJob, PixelSummary, render_here};
use crate::{DocType, Limits};

/// The helper programs the parsers may run.
pub const HELPERS: [&str; 4] = ["pdftotext", "pdftoppm", "tesseract", "djvutxt"];

/// What a worker is asked to do.
#[derive(Serialize, Deserialize)]
enum Job {
    Extract(Request),
    Pixels(PixelJob),
}

/// A pixel job's answer: the summary and the PDF's length (the PDF is the
/// bulk), or why it failed.
#[derive(Serialize, Deserialize)]
struct PixelAnswer {
    result: Result<(PixelSummary, u64), String>,
}

#[derive(Serialize, Deserialize)]
struct Request {
    doc_type: String,
    limits: Limits,
}

#[derive(Serialize, Deserialize)]
struct Answer {
    status: Status,
    metadata: Map<String, Value>,
    /// The text's length in bytes, if there is text.
    text: Option<u64>,
    children: Vec<AnswerChild>,
}

#[derive(Serialize, Deserialize)]
struct AnswerChild {
    name: String,
    /// The child's length in bytes, or why it has none.
    bytes: Result<u64, Status>,
}

fn frame(header: &impl Serialize, bulk: &[&[u8]]) -> Vec<u8> {
    let header = serde_json::to_vec(header).expect("plain records serialize");
    let total = 4 + header.len() + bulk.iter().map(|b| b.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    for part in bulk {
        out.extend_from_slice(part);
    }
    out
}

fn unframe<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Option<(T, &'a [u8])> {
    let length = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let header = bytes.get(4..4usize.checked_add(length)?)?;
    Some((serde_json::from_slice(header).ok()?, &bytes[4 + length..]))
}

/// A pool of confined extraction workers running `program args…` (which
/// must call [`serve_worker`]), each with `memory_bytes` of address space
/// and `seconds` of CPU and wall-clock time a document.
pub fn worker_pool(program: std::path::PathBuf, args: Vec<String>, memory_bytes: u64, seconds: u64) -> Arc<Pool> {
    let confinement = Confinement::for_helpers(&HELPERS, memory_bytes, seconds);
    // An answer holds at most the text and the children the limits allow;
    // the bound keeps a subverted worker from making the parent allocate
    // without end.
    let max_answer = memory_bytes.max(1 << 30);
    // The wall clock allows for waiting on helpers (which have their own
    // CPU limit) as well as for the parser itself.
    Arc::new(Pool::new(
        program,
        args,
        confinement,
        std::time::Duration::from_secs(seconds.saturating_mul(2)),
        max_answer,
    ))
}

/// Extracts in a worker of `pool`; what it cannot answer is a failed
/// document with the reason.
pub(crate) fn extract_in(pool: &Pool, doc_type: DocType, bytes: &[u8], limits: &Limits) -> Extracted {
    let request = Request {
        doc_type: doc_type.name().to_owned(),
        limits: limits.clone(),
    };
    let answer = match pool.run(&frame(&Job::Extract(request), &[bytes])) {
        Ok(answer) => answer,
        Err(reason) => return Extracted::failed(reason.to_string()),
    };
    decode_answer(&answer).unwrap_or_else(|| Extracted::failed("the parser's answer was malformed"))
}

fn decode_answer(bytes: &[u8]) -> Option<Extracted> {
    let (answer, mut bulk) = unframe::<Answer>(bytes)?;
    let mut take = |length: u64| -> Option<Vec<u8>> {
        let length = usize::try_from(length).ok()?;
        let part = bulk.get(..length)?.to_vec();
        bulk = &bulk[length..];
        Some(part)
    };
    let text = match answer.text {
        Some(length) => Some(String::from_utf8(take(length)?).ok()?),
        None => None,
    };
    let mut children = Vec::with_capacity(answer.children.len());
    for child in answer.children {
        let bytes = match child.bytes {
            Ok(length) => Ok(take(length)?),
            Err(status) => Err(status),
        };
        children.push(Child {
            name: child.name,
            bytes,
        });
    }
    Some(Extracted {
        text,
        metadata: answer.metadata,
        children,
        status: answer.status,
    })
}

/// Draws a document as pixels in a worker of `pool`.
pub(crate) fn pixels_in(pool: &Pool, bytes: &[u8], job: &PixelJob) -> Result<(Vec<u8>, PixelSummary), String> {
    let answer = pool
        .run(&frame(&Job::Pixels(job.clone()), &[bytes]))
        .map_err(|e| e.to_string())?;
    let (answer, bulk) = unframe::<PixelAnswer>(&answer).ok_or("the renderer's answer was malformed")?;
    let (summary, length) = answer.result?;
    let pdf = usize::try_from(length)
        .ok()
        .and_then(|length| bulk.get(..length))
        .ok_or("the renderer's answer was cut short")?;
    Ok((pdf.to_vec(), summary))
}

/// One job in the worker: a request in, an answer out.
fn answer(job: &[u8]) -> Vec<u8> {
    let extracted = match unframe::<Job>(job) {
        Some((Job::Pixels(job), bytes)) => {
            return match render_here(bytes, &job).map_err(|e| e.0) {
                Ok((pdf, summary)) => frame(
                    &PixelAnswer {
                        result: Ok((summary, pdf.len() as u64)),
                    },
                    &[&pdf],
                ),
                Err(reason) => frame(&PixelAnswer { result: Err(reason) }, &[]),
            };
        }
        Some((Job::Extract(request), bytes)) => match DocType::from_name(&request.doc_type) {
            // The limits arrive without workers: this is one.
            Some(doc_type) => extract(doc_type, bytes, &request.limits),
            None => Extracted::failed(format!("unknown document type {:?}", request.doc_type)),
        },
        None => Extracted::failed("the extraction request was malformed"),
    };
    let mut bulk: Vec<&[u8]> = Vec::new();
    if let Some(text) = &extracted.text {
        bulk.push(text.as_bytes());
    }
    let children = extracted
        .children
        .iter()
        .map(|child| AnswerChild {
            name: child.name.clone(),
            bytes: match &child.bytes {
                Ok(bytes) => {
                    bulk.push(bytes);
                    Ok(bytes.len() as u64)
                }
                Err(status) => Err(status.clone()),
            },
        })
        .collect();
    let header = Answer {
        status: extracted.status.clone(),
        metadata: extracted.metadata.clone(),
        text: extracted.text.as_ref().map(|t| t.len() as u64),
        children,
    };
    frame(&header, &bulk)
}

/// The worker process's main: confines itself as its pool asks, then
/// extracts documents until its input ends. Call it first thing in the
/// process, before any thread starts.
pub fn serve_worker() -> Result<(), trove_sandbox::SandboxError> {
    trove_sandbox::serve(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_round_trip_with_text_children_and_statuses() {
        let request = Request {
            doc_type: "zip".into(),
            limits: Limits {
                max_depth: 3,
                max_ratio: 10,
                max_document_bytes: 1 << 20,
                max_text_bytes: 1 << 20,
                ..Limits::default()
            },
        };
        let mut zip = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut zip));
            writer
                .start_file("a.txt", zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut writer, "Grüße".as_bytes()).unwrap();
            writer.finish().unwrap();
        }
        let answered = decode_answer(&answer(&frame(&Job::Extract(request), &[&zip]))).unwrap();
        let direct = extract(DocType::Zip, &zip, &Limits::default());
        assert_eq!(answered.status, direct.status);
        assert_eq!(answered.text, direct.text);
        assert_eq!(answered.children.len(), 1);
        assert_eq!(answered.children[0].name, "a.txt");
        assert_eq!(answered.children[0].bytes.as_deref().ok(), Some("Grüße".as_bytes()));

        let garbage = decode_answer(&answer(b"\xff\xff\xff\xffnot a request")).unwrap();
        assert!(matches!(garbage.status, Status::Failed(r) if r.contains("malformed")));
        assert!(
            decode_answer(b"\x05\x00\x00\x00{}").is_none(),
            "a cut answer is refused"
        );
    }
}

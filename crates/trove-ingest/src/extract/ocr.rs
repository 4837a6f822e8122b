//! OCR through tesseract and page rendering through poppler's pdftoppm:
//! bytes go through pipes, never through a file.

pub(super) fn ocr(image: &[u8], language: &str) -> Result<String, String> {
    let text = pipe_through("tesseract", &["stdin", "stdout", "-l", language], image)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// How long a helper (tesseract, pdftotext, djvutxt) may take on one
/// document before it is killed and the document recorded as partial: a
/// crafted file must not stall a submission's ingest.
const HELPER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Runs `program` with `input` on its stdin and returns its stdout: the
/// bytes go through pipes, never through a file, so no plaintext touches
/// the disk. A program still running after `HELPER_TIMEOUT` is killed.
pub(crate) fn pipe_through(program: &str, args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        // Tesseract's OpenMP threads fight the other workers for the
        // cores and make a page slower, not faster.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    // Written and read from threads: a child that fills its stdout before
    // reading all its input would otherwise deadlock with us, and the
    // clock below must run while it works.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let reader = std::thread::spawn(move || {
        let mut output = Vec::new();
        stdout.read_to_end(&mut output).map(|_| output)
    });
    let deadline = std::time::Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if std::time::Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{program} took over {} s and was stopped",
                    HELPER_TIMEOUT.as_secs()
                ));
            }
            None => std::thread::sleep(std::time::Duration::from_millis(2)),
        }
    };
    let _ = writer.join();
    let output = reader
        .join()
        .map_err(|_| format!("reading {program}'s output failed"))?
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("{program} exited with {status}"));
    }
    Ok(output)
}

/// Renders one PDF page (poppler's `pdftoppm`, 200 dpi) and reads it with
/// tesseract.
pub(super) fn ocr_pdf_page(pdf: &[u8], page: u32, language: &str) -> Result<String, String> {
    let page = page.to_string();
    let png = pipe_through("pdftoppm", &["-r", "200", "-f", &page, "-l", &page, "-png", "-"], pdf)?;
    ocr(&png, language)
}

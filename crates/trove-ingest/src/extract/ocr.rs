//! OCR through tesseract and page rendering through poppler's pdftoppm:
//! bytes go through pipes, never through a file.

pub(super) fn ocr(image: &[u8], language: &str) -> Result<String, String> {
    let text = pipe_through("tesseract", &["stdin", "stdout", "-l", language], image)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

/// Runs `program` with `input` on its stdin and returns its stdout: the
/// bytes go through pipes, never through a file, so no plaintext touches
/// the disk.
pub(super) fn pipe_through(program: &str, args: &[&str], input: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    // Written from a thread: a child that fills its stdout before reading
    // all its input would otherwise deadlock with us.
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(format!("{program} exited with {}", output.status));
    }
    Ok(output.stdout)
}

/// Renders one PDF page (poppler's `pdftoppm`, 200 dpi) and reads it with
/// tesseract.
pub(super) fn ocr_pdf_page(pdf: &[u8], page: u32, language: &str) -> Result<String, String> {
    let page = page.to_string();
    let png = pipe_through("pdftoppm", &["-r", "200", "-f", &page, "-l", &page, "-png", "-"], pdf)?;
    ocr(&png, language)
}

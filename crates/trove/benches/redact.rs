//! Publishing's costs, each beside its peer on the same files in the same
//! run, on 2 threads each:
//!
//! 1. Pages drawn for publication per second (trove's confined worker:
//!    render, burn a redacted word, whiten yellow, OCR, write the PDF),
//!    beside the same pages through `pdftoppm | tesseract … pdf` alone: the
//!    cost floor of any pixels-and-OCR redaction.
//! 2. Metadata scrubbing of office files and images per second (trove: the
//!    text re-rendered with flagged values taken out, images re-encoded
//!    from their pixels), beside `mat2` on copies of the same files, with the
//!    flagged values (author, last modified by, company) each output still
//!    carries, read back with `exiftool` and as bytes.
//!
//! Run: `cargo bench -p trove --bench redact` (TROVE_BENCH_MIB of generated
//! cache, default 16; needs poppler-utils, tesseract-ocr-eng, mat2 and
//! libimage-exiftool-perl from Debian).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use trove_ingest::pixels::{PixelJob, render_pixels};
use trove_ingest::{DocType, Limits, detect, extract_document, worker_pool};

mod measure;

const THREADS: usize = 2;
const DPI: u32 = 150;

/// Runs `work` over `items` on THREADS threads; the results in the
/// items' order.
fn parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    out.lock().unwrap().push((i, result));
                }
            });
        }
    });
    let mut out = out.into_inner().unwrap();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, result)| result).collect()
}

fn pipe(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    let _ = writer.join();
    assert!(output.status.success(), "{program} failed");
    output.stdout
}

fn files(root: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)))
        .collect();
    out.sort();
    out
}

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let scratch = tempfile::tempdir().unwrap();
    let corpus = scratch.path().join("corpus");
    let spec = trove_corpus::Spec {
        seed: 7,
        size: mib << 20,
        published_share: 0.45,
        footer: false,
    };
    trove_corpus::generate(&corpus, &spec, |_, _| {}).unwrap();
    let pool = worker_pool(
        env!("CARGO_BIN_EXE_trove").into(),
        vec!["parse-worker".into()],
        2 << 30,
        300,
    );
    let limits = Limits {
        workers: Some(pool),
        ocr_language: Some("eng".into()),
        ..Limits::default()
    };
    let machine = measure::machine();
    println!("machine: {machine}, {THREADS} threads; cache {mib} MiB (seed 7)");

    // 1. Pages drawn as pixels (TROVE_BENCH_PARTS=scrub skips them).
    let parts = std::env::var("TROVE_BENCH_PARTS").unwrap_or_default();
    if parts != "scrub" {
        pages_per_second(&corpus, &limits);
    }

    // 2. Metadata scrubbing beside mat2.
    let mut inputs = files(&corpus.join("cache"), &["docx", "xlsx"]);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    inputs.extend(files(&fixtures, &["jpg", "jpeg", "png"]));
    // Scans: first pages of generated PDFs drawn as PNG and JPEG files.
    let scans = scratch.path().join("scans");
    std::fs::create_dir_all(&scans).unwrap();
    for (i, pdf) in files(&corpus.join("cache"), &["pdf"]).iter().take(24).enumerate() {
        let format = if i % 2 == 0 { "-png" } else { "-jpeg" };
        let page = pipe(
            "pdftoppm",
            &["-r", "150", "-f", "1", "-l", "1", format, "-"],
            &std::fs::read(pdf).unwrap(),
        );
        let name = scans.join(format!("scan-{i:02}.{}", if i % 2 == 0 { "png" } else { "jpg" }));
        std::fs::write(&name, page).unwrap();
        inputs.push(name);
    }
    let copies = scratch.path().join("mat2");
    std::fs::create_dir_all(&copies).unwrap();
    let originals: Vec<(PathBuf, Vec<u8>, Vec<String>)> = inputs
        .iter()
        .enumerate()
        .map(|(i, path)| {
            let bytes = std::fs::read(path).unwrap();
            let copy = copies.join(format!("{i:04}-{}", path.file_name().unwrap().to_string_lossy()));
            std::fs::write(&copy, &bytes).unwrap();
            let doc_type = detect(&bytes);
            let extracted = extract_document(doc_type, &bytes, &Limits::default());
            let metadata = serde_json::Value::Object(extracted.metadata);
            let flagged: Vec<String> = trove_publish::flags::flags(doc_type.name(), &metadata, "")
                .into_iter()
                .filter(|f| f.is_value() && f.value.len() >= 4)
                .map(|f| f.value)
                .collect();
            (copy, bytes, flagged)
        })
        .collect();
    let office: Vec<_> = originals
        .iter()
        .filter(|(_, b, _)| detect(b) != DocType::Image)
        .collect();
    let images: Vec<_> = originals
        .iter()
        .filter(|(_, b, _)| detect(b) == DocType::Image)
        .collect();
    // Built once, as publishing builds it once a run.
    let proposer = trove_publish::Proposer::new(&[]).unwrap();
    let scrub = |(_, bytes, flagged): &&(PathBuf, Vec<u8>, Vec<String>)| -> Vec<u8> {
        let doc_type = detect(bytes);
        if doc_type == DocType::Image {
            let job = PixelJob {
                doc_type: "image".into(),
                secrets: Vec::new(),
                dpi: DPI,
                ocr_language: "eng".into(),
                max_pages: 1,
                preview: None,
            };
            return render_pixels(bytes, &job, &limits)
                .map(|(pdf, _)| pdf)
                .unwrap_or_default();
        }
        let extracted = extract_document(doc_type, bytes, &limits);
        let text = extracted.text.unwrap_or_default();
        let spans = proposer.propose(&text, flagged);
        trove_publish::redact::apply(&text, &spans)
            .unwrap_or_default()
            .into_bytes()
    };
    // trove's outputs are text or PDFs read as they are; mat2's are
    // packages whose parts are compressed, so its metadata is read with
    // exiftool (mat2 leaves body text alone by design).
    let flagged_left = |output: &[u8], exif: &str, flagged: &[String]| -> Vec<String> {
        let raw = String::from_utf8_lossy(output).to_lowercase();
        let exif = exif.to_lowercase();
        flagged
            .iter()
            .filter(|v| raw.contains(&v.to_lowercase()) || exif.contains(&v.to_lowercase()))
            .cloned()
            .collect()
    };
    for (name, set) in [("office files", &office), ("images", &images)] {
        if set.is_empty() {
            continue;
        }
        let start = Instant::now();
        let outputs = parallel(set, scrub);
        let trove_seconds = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let halves: Vec<Vec<PathBuf>> = (0..THREADS)
            .map(|t| set.iter().skip(t).step_by(THREADS).map(|(p, _, _)| p.clone()).collect())
            .collect();
        parallel(&halves, |paths| {
            if !paths.is_empty() {
                let status = Command::new("mat2")
                    .args(paths)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success() || status.code() == Some(1), "mat2 failed");
            }
        });
        let mat2_seconds = start.elapsed().as_secs_f64();
        let mut trove_left = Vec::new();
        let mut mat2_left = Vec::new();
        let mut flagged_total = 0;
        for ((path, _, flagged), output) in set.iter().zip(outputs.iter()) {
            flagged_total += flagged.len();
            trove_left.extend(flagged_left(output, "", flagged));
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let extension = path.extension().unwrap().to_string_lossy().into_owned();
            let cleaned = path.with_file_name(format!("{stem}.cleaned.{extension}"));
            let bytes = std::fs::read(&cleaned).unwrap_or_default();
            let exif = String::from_utf8_lossy(
                &Command::new("exiftool")
                    .arg("-a")
                    .arg(&cleaned)
                    .output()
                    .map(|o| o.stdout)
                    .unwrap_or_default(),
            )
            .into_owned();
            mat2_left.extend(flagged_left(&bytes, &exif, flagged));
        }
        let ours = set.len() as f64 / trove_seconds;
        let theirs = set.len() as f64 / mat2_seconds;
        println!(
            "scrubbing {name}: {} files carrying {flagged_total} flagged values\n  trove  {ours:.1} files/s ({trove_seconds:.2} s), flagged values left anywhere {} {trove_left:?}\n  mat2   {theirs:.1} files/s ({mat2_seconds:.2} s), flagged values left in metadata {} {mat2_left:?}\n  ratio {:.2}x mat2's files/s (goal >= 3)",
            set.len(),
            trove_left.len(),
            mat2_left.len(),
            ours / theirs
        );
    }
}

/// Pages drawn for publication beside `pdftoppm | tesseract pdf`.
fn pages_per_second(corpus: &Path, limits: &Limits) {
    let pdfs: Vec<(PathBuf, Vec<u8>, u32, String)> = files(&corpus.join("cache"), &["pdf"])
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            let pages = lopdf::Document::load_mem(&bytes)
                .map(|d| d.get_pages().len() as u32)
                .unwrap_or(0);
            let text = String::from_utf8_lossy(&pipe("pdftotext", &["-q", "-", "-"], &bytes)).into_owned();
            let secret = text
                .split_whitespace()
                .find(|w| w.len() >= 7)
                .unwrap_or("ministry")
                .to_owned();
            (path, bytes, pages, secret)
        })
        .filter(|(_, _, pages, _)| *pages > 0)
        .collect();
    let pages: u32 = pdfs.iter().map(|(_, _, p, _)| p).sum();
    let start = Instant::now();
    let drawn = parallel(&pdfs, |(_, bytes, _, secret)| {
        let job = PixelJob {
            doc_type: "pdf".into(),
            secrets: vec![secret.clone()],
            dpi: DPI,
            ocr_language: "eng".into(),
            max_pages: 2000,
            preview: None,
        };
        render_pixels(bytes, &job, limits)
            .map(|(_, summary)| summary.burned)
            .unwrap_or(0)
    });
    let trove_seconds = start.elapsed().as_secs_f64();
    let burned: u32 = drawn.iter().sum();
    let start = Instant::now();
    let jobs: Vec<(&Vec<u8>, u32)> = pdfs
        .iter()
        .flat_map(|(_, b, p, _)| (1..=*p).map(move |n| (b, n)))
        .collect();
    parallel(&jobs, |(bytes, page)| {
        let n = page.to_string();
        let ppm = pipe("pdftoppm", &["-r", &DPI.to_string(), "-f", &n, "-l", &n, "-"], bytes);
        pipe(
            "tesseract",
            &["stdin", "stdout", "-l", "eng", "--dpi", &DPI.to_string(), "pdf"],
            &ppm,
        )
        .len()
    });
    let floor_seconds = start.elapsed().as_secs_f64();
    let ours = pages as f64 / trove_seconds;
    let floor = pages as f64 / floor_seconds;
    println!(
        "redaction: {} PDFs, {pages} pages, {burned} word boxes burned\n  trove (confined: render, burn, whiten, OCR, PDF)  {ours:.2} pages/s ({trove_seconds:.1} s)\n  pdftoppm | tesseract pdf (the floor)              {floor:.2} pages/s ({floor_seconds:.1} s)\n  ratio {:.2} of the floor (goal >= 0.8)",
        pdfs.len(),
        ours / floor
    );
}

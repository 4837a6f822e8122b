//! Pages drawn as pixels for publication: redacted words burned in, text
//! hidden under a drawn box gone, no original metadata left. Checked by
//! reading the output back with poppler's `pdftotext` (installed by
//! scripts/test, with tesseract).

use std::path::Path;

use trove_ingest::pixels::{PixelJob, render_here};

fn pdftotext(pdf: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-q", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext is installed (scripts/test installs poppler-utils)");
    let mut stdin = child.stdin.take().unwrap();
    let input = pdf.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    String::from_utf8_lossy(&output.stdout).to_lowercase()
}

fn job(doc_type: &str, secrets: &[&str]) -> PixelJob {
    PixelJob {
        doc_type: doc_type.into(),
        secrets: secrets.iter().map(|s| s.to_string()).collect(),
        dpi: 150,
        ocr_language: "eng".into(),
        max_pages: 50,
        preview: None,
    }
}

#[test]
fn redacted_words_are_burned_and_the_rest_is_read_back_from_pixels() {
    let original =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real/pdf/testPDF.pdf")).unwrap();
    assert!(pdftotext(&original).contains("lucene pmc"));
    let (pdf, summary) = render_here(&original, &job("pdf", &["Lucene PMC", "incubator.apache.org"])).unwrap();
    let text = pdftotext(&pdf);
    assert!(!text.contains("lucene"), "a redacted word survived: {text}");
    assert!(!text.contains("incubator.apache"), "a redacted address survived");
    assert!(text.contains("toolkit"), "the rest was not read back: {text}");
    assert!(summary.burned >= 3, "{summary:?}");
    assert_eq!(summary.pages, 1);
    // Nothing of the original's metadata rides along: its author, its
    // producer, its dates.
    let raw = String::from_utf8_lossy(&pdf);
    for value in ["Delacr", "Quartz", "Firefox", "2007", "Tesseract"] {
        assert!(!raw.contains(value), "{value} is in the output's bytes");
    }
}

/// A page with a sentence and a black box drawn over part of it: the
/// classic failed redaction, whose text a reader can still copy.
fn text_under_a_box() -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let content = Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 20.into()]),
            Operation::new("Td", vec![50.into(), 700.into()]),
            Operation::new(
                "Tj",
                vec![Object::string_literal("The source is Jan de Vries of the ministry.")],
            ),
            Operation::new("ET", vec![]),
            Operation::new("rg", vec![0.into(), 0.into(), 0.into()]),
            // Over "Jan de Vries" (x 175 to 300 at 20 pt Helvetica).
            Operation::new("re", vec![170.into(), 690.into(), 140.into(), 32.into()]),
            Operation::new("f", vec![]),
        ],
    };
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! { "Author" => Object::string_literal("Anna Berg") });
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn text_hidden_under_a_drawn_box_does_not_survive_the_pixels() {
    let original = text_under_a_box();
    assert!(
        pdftotext(&original).contains("jan de vries"),
        "the box hides nothing from a text reader"
    );
    let (pdf, _) = render_here(&original, &job("pdf", &[])).unwrap();
    let text = pdftotext(&pdf);
    assert!(!text.contains("vries"), "{text}");
    assert!(text.contains("ministry"), "{text}");
    assert!(!String::from_utf8_lossy(&pdf).contains("Anna Berg"));
}

#[test]
fn images_lose_their_exif_and_their_burned_words() {
    // A real photo with EXIF (camera, dates) from the fixtures.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let jpeg = manifest
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default())
        .find(|p| p.ends_with(".jpg") || p.ends_with(".jpeg"))
        .expect("a JPEG among the real fixtures");
    let original = std::fs::read(dir.join(jpeg)).unwrap();
    let (pdf, summary) = render_here(&original, &job("image", &[])).unwrap();
    assert_eq!(summary.pages, 1);
    assert_eq!(summary.extension, "jpg");
    assert!(pdf.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!(!pdf.windows(4).any(|w| w == b"Exif"), "EXIF rode along");
    assert!(image::load_from_memory(&pdf).is_ok());
    assert!(render_here(b"not an image", &job("image", &[])).is_err());
}

/// Runs `program args` with `input` on stdin; its stdout.
fn pipe(program: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} is installed (scripts/test installs it): {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    output.stdout
}

#[test]
fn a_gray_scan_stays_gray_and_loses_its_burned_words() {
    // A real page scanned in gray: read by OCR (as a PGM) to find the
    // words to burn, published as a one-channel JPEG.
    let original =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real/pdf/testPDF.pdf")).unwrap();
    let page = pipe(
        "pdftoppm",
        &["-r", "150", "-f", "1", "-l", "1", "-gray", "-png", "-"],
        &original,
    );
    let mut scan = Vec::new();
    image::load_from_memory(&page)
        .unwrap()
        .into_luma8()
        .write_to(&mut std::io::Cursor::new(&mut scan), image::ImageFormat::Png)
        .unwrap();
    let (jpeg, summary) = render_here(&scan, &job("image", &["Lucene"])).unwrap();
    assert!(summary.burned >= 1, "{summary:?}");
    let published = image::load_from_memory(&jpeg).unwrap();
    assert_eq!(published.color(), image::ColorType::L8, "a gray page became colour");
    let read_back =
        String::from_utf8_lossy(&pipe("tesseract", &["stdin", "stdout", "-l", "eng"], &jpeg)).to_lowercase();
    assert!(!read_back.contains("lucene"), "a burned word survived: {read_back}");
    assert!(read_back.contains("toolkit"), "the rest was lost: {read_back}");
}

//! Bad input: each problem is recorded on its own document and the rest of
//! the submission is ingested. Fixtures are built here, in code.

use std::io::{Cursor, Write};

use trove_ingest::{Limits, ingest_submission};
use trove_store::{DocStatus, DocumentRecord, DocumentRepo as _};
use trove_testkit::Store;
use zip::write::SimpleFileOptions;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        zip.start_file(
            *name,
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A zip whose one entry is marked encrypted (general purpose bit 0), as
/// a password-protected archive is.
fn encrypted_zip() -> Vec<u8> {
    let mut bytes = zip_of(&[("secret.txt", b"hidden")]);
    bytes[6] |= 1;
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 8] |= 1;
    bytes
}

fn pdf_with(encrypt: bool) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let content = b"BT /F1 12 Tf 72 720 Td (Confidential memo text) Tj ET".to_vec();
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page = doc.add_object(
        dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } } },
    );
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()] },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    if encrypt {
        let encrypt = doc.add_object(dictionary! {
            "Filter" => "Standard", "V" => 1, "R" => 2, "P" => -4,
            "O" => Object::string_literal(vec![1u8; 32]), "U" => Object::string_literal(vec![2u8; 32]),
        });
        doc.trailer.set("Encrypt", encrypt);
        doc.trailer.set(
            "ID",
            vec![
                Object::string_literal(vec![3u8; 16]),
                Object::string_literal(vec![3u8; 16]),
            ],
        );
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn nested_zip(levels: usize) -> Vec<u8> {
    let mut bytes = b"the innermost memo".to_vec();
    for level in 0..levels {
        bytes = zip_of(&[(&format!("level-{level}.zip"), &bytes)]);
    }
    bytes
}

async fn ingest(files: &[(&str, Vec<u8>)]) -> (Vec<DocumentRecord>, tempfile::TempDir) {
    let store = Store::new().await;
    let record = store
        .submit(files.iter().map(|(name, bytes)| (name.to_string(), bytes.as_slice())))
        .await;
    let limits = Limits {
        max_depth: 6,
        ..Limits::default()
    };
    ingest_submission(
        store.opener.clone(),
        &store.sealer,
        &store.repo,
        &record,
        &limits,
        2,
        |_| {},
    )
    .await
    .unwrap();
    (store.repo.documents(&record.id).await.unwrap(), store.tmp)
}

fn find<'a>(docs: &'a [DocumentRecord], path: &str) -> &'a DocumentRecord {
    docs.iter().find(|d| d.path == path).unwrap_or_else(|| {
        panic!(
            "no document {path}: {:?}",
            docs.iter().map(|d| &d.path).collect::<Vec<_>>()
        )
    })
}

#[tokio::test]
async fn each_problem_is_recorded_and_the_rest_is_ingested() {
    let bomb = zip_of(&[("zeros.bin", &vec![0u8; 64 << 20])]);
    assert!(bomb.len() < 200_000, "the bomb compresses well: {}", bomb.len());
    let pdf = pdf_with(false);
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("<html><head><meta charset=\"utf-8\"><title>x</title></head><body><p>Приказ министерства внутренних дел о финансировании</p></body></html>");
    let mut truncated_gz = {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&[b'x'; 100_000]).unwrap();
        gz.finish().unwrap()
    };
    truncated_gz.truncate(truncated_gz.len() / 2);
    let files = vec![
        ("good.txt", b"An ordinary memo about the budget.".to_vec()),
        (
            "corrupt.zip",
            b"PK\x03\x04 this is not really a zip archive at all".to_vec(),
        ),
        ("bomb.zip", bomb),
        ("deep.zip", nested_zip(10)),
        (
            "slip.zip",
            zip_of(&[("../../../../etc/cron.d/evil", b"* * * * * root rm -rf /")]),
        ),
        ("locked.zip", encrypted_zip()),
        ("truncated.pdf", pdf[..pdf.len() / 2].to_vec()),
        ("locked.pdf", pdf_with(true)),
        ("readable.pdf", pdf),
        (
            "broken.eml",
            b"Subject: x\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n--\r\n\xff\xfe".to_vec(),
        ),
        ("lying-charset.html", cp1251.into_owned()),
        ("empty.bin", Vec::new()),
        ("truncated.gz", truncated_gz),
    ];
    let (docs, tmp) = ingest(&files).await;

    assert_eq!(find(&docs, "good.txt").status, DocStatus::Ok);
    assert_eq!(find(&docs, "readable.pdf").status, DocStatus::Ok);
    let corrupt = find(&docs, "corrupt.zip");
    assert_eq!(corrupt.status, DocStatus::Failed);
    assert!(
        corrupt.reason.as_deref().unwrap().contains("corrupt zip"),
        "{:?}",
        corrupt.reason
    );
    let bomb = find(&docs, "bomb.zip/zeros.bin");
    assert!(
        bomb.status == DocStatus::Failed && bomb.reason.as_deref().unwrap().contains("decompression bomb"),
        "{bomb:?}"
    );
    assert_eq!(find(&docs, "bomb.zip").status, DocStatus::Ok);
    let deepest = docs
        .iter()
        .filter(|d| d.path.starts_with("deep.zip"))
        .max_by_key(|d| d.path.len())
        .unwrap();
    assert!(
        deepest.reason.as_deref().unwrap_or("").contains("nested deeper than 6"),
        "{deepest:?}"
    );
    assert_eq!(
        find(&docs, "slip.zip/../../../../etc/cron.d/evil").status,
        DocStatus::Ok,
        "a zip-slip name is only a name"
    );
    assert!(!std::path::Path::new("/etc/cron.d/evil").exists());
    let locked = find(&docs, "locked.zip/secret.txt");
    assert_eq!(locked.status, DocStatus::Encrypted, "{locked:?}");
    let truncated = find(&docs, "truncated.pdf");
    assert!(
        truncated.status == DocStatus::Failed || truncated.status == DocStatus::Partial,
        "{truncated:?}"
    );
    let locked_pdf = find(&docs, "locked.pdf");
    assert_eq!(locked_pdf.status, DocStatus::Encrypted, "{locked_pdf:?}");
    assert!(matches!(
        find(&docs, "broken.eml").status.as_str(),
        "ok" | "partial" | "failed"
    ));
    assert_eq!(find(&docs, "empty.bin").doc_type, "empty");
    let gz = find(&docs, "truncated.gz");
    assert_eq!(gz.status, DocStatus::Failed, "{gz:?}");

    // The lying charset: the text is read as what it is, not as it claims.
    let html = find(&docs, "lying-charset.html");
    assert_eq!(html.metadata["encoding"], "windows-1251");
    drop(tmp);
}

#[tokio::test]
async fn an_encrypted_office_document_is_marked_encrypted() {
    // Office wraps a password-protected OOXML package in a compound file.
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("/EncryptionInfo")
        .unwrap()
        .write_all(&[4, 0, 4, 0, 0x40, 0, 0, 0])
        .unwrap();
    file.create_stream("/EncryptedPackage")
        .unwrap()
        .write_all(&[0x5A; 4096])
        .unwrap();
    let ole = file.into_inner().into_inner();
    // A compound-file signature over garbage is a corrupt file, not a crash.
    let mut corrupt = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    corrupt.extend([0x42; 700]);
    // A password-protected OpenDocument keeps its mimetype and manifest in
    // the clear; the manifest names the encryption of the parts.
    let manifest = br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3051">
  <manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="x">
   <manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="y"/>
   <manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" manifest:salt="z"/>
  </manifest:encryption-data>
 </manifest:file-entry>
</manifest:manifest>"#;
    let odt = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", &[0x9C; 3051]),
    ]);
    let (docs, _tmp) = ingest(&[("locked.docx", ole), ("corrupt.doc", corrupt), ("locked.odt", odt)]).await;
    assert_eq!(find(&docs, "locked.docx").status, DocStatus::Encrypted);
    let odt = find(&docs, "locked.odt");
    assert_eq!(
        (odt.doc_type.as_str(), odt.status),
        ("odt", DocStatus::Encrypted),
        "{odt:?}"
    );
    let corrupt = find(&docs, "corrupt.doc");
    assert_eq!(corrupt.status, DocStatus::Failed, "{corrupt:?}");
    assert!(
        corrupt.reason.as_deref().unwrap_or("").contains("compound file"),
        "{corrupt:?}"
    );
}

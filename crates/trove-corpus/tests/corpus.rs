//! The generator's promises, checked on generated output: determinism,
//! a truth.json that describes every file, overlaps that are what truth
//! says they are, and DKIM states confirmed by an independent verifier.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use trove_corpus::{Spec, generate, jaccard};

const SPEC: Spec = Spec {
    seed: 11,
    size: 1_500_000,
    published_share: 0.45,
    footer: false,
};

/// One corpus shared by the tests of this file (generation is the slow part).
fn corpus() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &SPEC, |_, _| {}).unwrap();
        dir
    })
    .path()
}

fn truth(root: &Path) -> Value {
    serde_json::from_slice(&fs::read(root.join("truth.json")).unwrap()).unwrap()
}

fn documents(root: &Path) -> Vec<Value> {
    truth(root)["documents"].as_array().unwrap().clone()
}

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(root).unwrap().display().to_string(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let spec = Spec { size: 400_000, ..SPEC };
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    generate(a.path(), &spec, |_, _| {}).unwrap();
    generate(b.path(), &spec, |_, _| {}).unwrap();
    generate(c.path(), &Spec { seed: 12, ..spec }, |_, _| {}).unwrap();
    let (tree_a, tree_b) = (tree(a.path()), tree(b.path()));
    assert!(tree_a.len() > 50, "{} files", tree_a.len());
    assert_eq!(tree_a.keys().collect::<Vec<_>>(), tree_b.keys().collect::<Vec<_>>());
    for (path, bytes) in &tree_a {
        assert!(
            bytes == &tree_b[path],
            "{path} differs between two runs with the same seed"
        );
    }
    assert_ne!(
        fs::read(a.path().join("truth.json")).unwrap(),
        fs::read(c.path().join("truth.json")).unwrap()
    );
}

#[test]
fn refuses_to_write_over_a_corpus() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("cache")).unwrap();
    let error = generate(dir.path(), &SPEC, |_, _| {}).unwrap_err().to_string();
    assert!(error.contains("already holds a corpus"), "{error}");
    let error = generate(
        dir.path(),
        &Spec {
            published_share: 1.5,
            footer: false,
            ..SPEC
        },
        |_, _| {},
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("published share"), "{error}");
}

#[test]
fn truth_describes_every_file_and_every_member() {
    let root = corpus();
    let docs = documents(root);
    let paths: HashSet<&str> = docs.iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths.len(), docs.len(), "provenance paths are unique");
    // Every file of the cache is a document.
    for path in tree(&root.join("cache")).keys() {
        assert!(paths.contains(path.as_str()), "{path} is not in truth.json");
    }
    // Every zip member is a document, and every listed member exists.
    let mut zips = 0;
    for doc in docs
        .iter()
        .filter(|d| d["type"] == "zip" && !d["path"].as_str().unwrap().contains(".tar.gz"))
    {
        let path = doc["path"].as_str().unwrap();
        let mut archive = zip::ZipArchive::new(fs::File::open(root.join("cache").join(path)).unwrap()).unwrap();
        for i in 0..archive.len() {
            let name = archive.by_index(i).unwrap().name().unwrap().to_string();
            assert!(paths.contains(format!("{path}/{name}").as_str()), "{path}/{name}");
        }
        let mbox = format!("{path}/mail.mbox");
        let mut bytes = Vec::new();
        archive.by_name("mail.mbox").unwrap().read_to_end(&mut bytes).unwrap();
        let messages = bytes
            .split(|&b| b == b'\n')
            .filter(|line| line.starts_with(b"From "))
            .count();
        let listed = docs
            .iter()
            .filter(|d| d["path"].as_str().unwrap().starts_with(&format!("{mbox}/#")) && d["type"] == "email")
            .count();
        assert_eq!(messages, listed, "{mbox}");
        zips += 1;
    }
    assert!(zips > 0);
    // The mix the issue asks for is there.
    let types: HashSet<&str> = docs.iter().map(|d| d["type"].as_str().unwrap()).collect();
    for kind in [
        "email", "mbox", "zip", "tar.gz", "pdf", "docx", "xlsx", "text", "csv", "html",
    ] {
        assert!(types.contains(kind), "no {kind} in the corpus");
    }
    let encodings: HashSet<&str> = docs.iter().filter_map(|d| d["encoding"].as_str()).collect();
    assert_eq!(encodings, HashSet::from(["utf-8", "windows-1251", "utf-16le"]));
    assert!(
        paths
            .iter()
            .any(|p| p.contains(".tar.gz/transfer/inner-") && p.contains(".zip/mail.mbox/#")),
        "four levels of nesting"
    );
}

#[test]
fn overlaps_are_what_truth_says() {
    let root = corpus();
    let docs = documents(root);
    let mut seen = BTreeMap::new();
    for doc in docs.iter().filter(|d| d["overlap"] != "new") {
        let path = doc["path"].as_str().unwrap();
        let published_path = doc["published_path"].as_str().unwrap();
        let class = doc["overlap"].as_str().unwrap();
        *seen.entry(class.to_owned()).or_insert(0) += 1;
        let Ok(published) = fs::read(root.join("published").join(published_path)) else {
            // An attachment published inside a published message: the
            // message is there, and it carries the attachment's bytes.
            let (message, name) = published_path.rsplit_once('/').unwrap();
            let message = fs::read(root.join("published").join(message)).unwrap();
            assert_eq!(class, "exact", "{path}");
            assert!(String::from_utf8_lossy(&message).contains(name), "{path}");
            continue;
        };
        if class == "partial" && doc["span"].is_null() {
            // A reply whose quote of a published message is published text.
            assert_eq!(doc["type"], "email", "{path}");
            assert!(
                String::from_utf8_lossy(&published).contains("\r\nMessage-ID: <"),
                "{path}: not a message"
            );
            assert!(doc["covered_bytes"].as_u64().unwrap() > 0, "{path}");
            continue;
        }
        // Top-level documents can be read straight from the cache.
        let Ok(original) = fs::read(root.join("cache").join(path)) else {
            continue;
        };
        match class {
            "exact" => assert_eq!(original, published, "{path}"),
            "near" => {
                let (original, published) = (String::from_utf8(original).unwrap(), decode(&published));
                let similarity = jaccard(&original, &published);
                assert!((0.8..1.0).contains(&similarity), "{path}: {similarity}");
                assert!(
                    (similarity - doc["similarity"].as_f64().unwrap()).abs() < 0.001,
                    "{path}"
                );
            }
            "partial" => {
                let span = doc["span"].as_array().unwrap();
                let (start, end) = (span[0].as_u64().unwrap() as usize, span[1].as_u64().unwrap() as usize);
                let quoted = String::from_utf8(original[start..end].to_vec()).unwrap();
                let folded = quoted.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(
                    decode(&published).contains(&folded),
                    "{path}: the span is not in the article"
                );
                assert_eq!(doc["covered_bytes"].as_u64().unwrap() as usize, end - start);
            }
            other => panic!("unknown overlap class {other}"),
        }
    }
    for class in ["exact", "near", "partial"] {
        assert!(
            seen.get(class).copied().unwrap_or(0) > 0,
            "no {class} overlap in {seen:?}"
        );
    }
}

/// Published reprints are UTF-8 or UTF-16LE with a BOM.
fn decode(bytes: &[u8]) -> String {
    match bytes {
        [0xFF, 0xFE, rest @ ..] => encoding_rs::UTF_16LE.decode_without_bom_handling(rest).0.into_owned(),
        _ => String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

#[test]
fn novel_shares_add_up() {
    let root = corpus();
    let truth = truth(root);
    let content: Vec<&Value> = truth["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["container"] == false)
        .collect();
    let novel = content.iter().filter(|d| d["overlap"] == "new").count() as f64 / content.len() as f64;
    assert!((novel - truth["novel_share_count"].as_f64().unwrap()).abs() < 0.0001);
    let bytes: u64 = content.iter().map(|d| d["bytes"].as_u64().unwrap()).sum();
    let covered: u64 = content.iter().map(|d| d["covered_bytes"].as_u64().unwrap()).sum();
    assert!(((bytes - covered) as f64 / bytes as f64 - truth["novel_share_bytes"].as_f64().unwrap()).abs() < 0.0001);
    // The draw follows --published-share (hundreds of documents: ±8 points).
    assert!(
        (novel - (1.0 - SPEC.published_share)).abs() < 0.08,
        "novel share {novel}"
    );
}

/// dkimpy (`pip install dkimpy pynacl`, done by .ci/run) verifies every
/// loose message as truth.json says.
#[test]
fn dkim_states_agree_with_dkimpy() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dkim_check.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(corpus())
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "dkimpy is missing: run `pip install dkimpy pynacl` (.ci/run does)\n{stderr}"
    );
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let passed: usize = stdout.split_whitespace().next().unwrap().parse().unwrap();
    assert!(passed >= 10, "{stdout}");
}

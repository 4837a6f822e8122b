//! Overlap of the generated corpus against its ground truth, and the
//! cases the issue names: a UTF-16 CRLF copy is exact by text, a 30 %
//! quotation inside an unrelated text is partial with the right span.

use std::fs;
use std::path::{Path, PathBuf};

use trove_ingest::Limits;
use trove_overlap::index::Index;
use trove_overlap::{Class, CorpusInfo, Settings, import_corpus, overlap_submission};
use trove_store::PublishedRepo as _;
use trove_store::SubmissionRecord;
use trove_testkit::Store;

/// A desk store with an overlap index beside it.
struct Desk {
    store: Store,
}

impl Desk {
    async fn new() -> Desk {
        Desk {
            store: Store::new().await,
        }
    }

    fn index_dir(&self) -> PathBuf {
        self.store.tmp.path().join("overlap")
    }

    async fn submit(&self, files: Vec<(String, Vec<u8>)>) -> SubmissionRecord {
        let record = self.store.submit_bytes(files).await;
        self.store.ingest(&record).await;
        record
    }

    async fn submit_folder(&self, root: &Path) -> SubmissionRecord {
        let record = self.store.submit_folder(root).await;
        self.store.ingest(&record).await;
        record
    }

    async fn import(&self, name: &str, path: &Path) {
        let info = CorpusInfo {
            name: name.into(),
            publisher: format!("{name} publisher"),
            date: "2015-06-18".parse().unwrap(),
            url: None,
        };
        import_corpus(
            &self.store.repo,
            &self.store.sealer,
            &self.index_dir(),
            path,
            &info,
            &Limits::default(),
            |_| {},
        )
        .await
        .unwrap();
    }

    async fn overlap(&self, record: &SubmissionRecord) -> trove_overlap::OverlapReport {
        let index = Index::open(&self.index_dir()).unwrap();
        overlap_submission(
            &self.store.opener,
            &self.store.repo,
            &index,
            record,
            &Settings::default(),
        )
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn overlap_classes_and_novel_share_match_the_truth() {
    let (_tmp, corpus) = trove_testkit::generated_corpus(13, 2_000_000);
    let desk = Desk::new().await;
    let record = desk.submit_folder(&corpus.join("cache")).await;
    for entry in fs::read_dir(corpus.join("published")).unwrap().flatten() {
        if entry.path().is_dir() {
            desk.import(&entry.file_name().to_string_lossy(), &entry.path()).await;
        }
    }
    let report = desk.overlap(&record).await;

    let truth = trove_testkit::truth(&corpus);
    let by_path: std::collections::HashMap<&str, &trove_overlap::DocumentOverlap> =
        report.documents.iter().map(|d| (d.path.as_str(), d)).collect();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for expected in truth["documents"].as_array().unwrap() {
        if expected["container"] == true {
            continue;
        }
        let path = expected["path"].as_str().unwrap();
        let doc = by_path.get(path).unwrap_or_else(|| {
            let near: Vec<_> = report
                .documents
                .iter()
                .filter(|d| d.path.contains("readme"))
                .map(|d| (&d.path, &d.doc_type))
                .collect();
            panic!("{path} has no overlap result; {near:?}")
        });
        checked += 1;
        let class = match expected["overlap"].as_str().unwrap() {
            "new" => Class::New,
            "exact" => Class::Exact,
            "near" => Class::Near,
            "partial" => Class::Partial,
            other => panic!("unknown class {other}"),
        };
        if doc.class != class {
            wrong.push(format!(
                "{path}: truth {class:?}, found {:?} {:?}",
                doc.class,
                doc.matches.first()
            ));
            continue;
        }
        match class {
            Class::Near => {
                let expected_similarity = expected["similarity"].as_f64().unwrap();
                let found = doc.matches[0].similarity;
                assert!(
                    (found - expected_similarity).abs() < 0.05,
                    "{path}: {found} vs {expected_similarity}"
                );
                assert_eq!(doc.matches[0].corpus, expected["corpus"].as_str().unwrap(), "{path}");
            }
            // Quotations drawn into articles have a byte span; a reply's
            // quote of a published message has none (its file is MIME).
            Class::Partial if expected["span"].is_array() => {
                let span = expected["span"].as_array().unwrap();
                let (start, end) = (span[0].as_u64().unwrap() as i64, span[1].as_u64().unwrap() as i64);
                let found = doc.matches[0].spans[0];
                // Word boundaries: within a few words of the quoted range.
                assert!(
                    (found.0 as i64 - start).abs() < 40 && (found.1 as i64 - end).abs() < 40,
                    "{path}: {found:?} vs {start}..{end}"
                );
            }
            _ => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} classed wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    let novel = truth["novel_share_count"].as_f64().unwrap();
    assert!(
        (report.summary.novel_share_count - novel).abs() <= 0.01,
        "{} vs {novel}",
        report.summary.novel_share_count
    );
    let novel_bytes = truth["novel_share_bytes"].as_f64().unwrap();
    assert!(
        (report.summary.novel_share_bytes - novel_bytes).abs() <= 0.01,
        "{} vs {novel_bytes}",
        report.summary.novel_share_bytes
    );
    assert!(report.summary.sentence.contains("are in no registered corpus"));
}

fn prose(seed: u64, words: usize) -> String {
    // Deterministic filler from a vocabulary of 5 000 made-up words, so
    // that two texts share a 5-word run only when one copied the other.
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..words)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            format!("w{}", (state >> 33) % 5000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn a_utf16_crlf_copy_is_exact_and_a_quotation_is_partial_with_its_span() {
    let desk = Desk::new().await;
    let original = format!("{}\n{}\n", prose(1, 120), prose(2, 120));
    let article = prose(3, 400);
    let quoted = prose(4, 300);
    // The submission holds a memo; 30 % of a second memo (words 120 to
    // 209 of 300) is a passage an article later quoted.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(quoted.match_indices(' ').map(|(i, _)| i + 1))
        .collect();
    let passage_start = starts[120];
    let passage_end = starts[210] - 1;
    let passage = &quoted[passage_start..passage_end];
    let record = desk
        .submit(vec![
            ("memo.txt".into(), original.clone().into_bytes()),
            ("quoted.txt".into(), quoted.clone().into_bytes()),
        ])
        .await;
    let published = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(original.replace('\n', "\r\n").encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    fs::write(published.path().join("memo-reprint.txt"), utf16).unwrap();
    fs::write(
        published.path().join("article.txt"),
        format!(
            "{} \"{passage}\" {}",
            &article[..article.len() / 2],
            &article[article.len() / 2..]
        ),
    )
    .unwrap();
    desk.import("courier", published.path()).await;

    let report = desk.overlap(&record).await;
    let memo = report.documents.iter().find(|d| d.path == "memo.txt").unwrap();
    assert_eq!((memo.class, memo.matches[0].by), (Class::Exact, "text"));
    let quote = report.documents.iter().find(|d| d.path == "quoted.txt").unwrap();
    assert_eq!(quote.class, Class::Partial);
    let (start, end) = quote.matches[0].spans[0];
    assert_eq!((start, end), (passage_start, passage_end));
    assert!(
        (quote.matches[0].similarity - 0.3).abs() < 0.05,
        "{}",
        quote.matches[0].similarity
    );
    // Removing the corpus removes its matches.
    let packs = desk.store.repo.remove_published_corpus("courier").await.unwrap();
    assert!(
        !packs.expect("the corpus was registered").is_empty(),
        "its texts were kept in packs"
    );
    assert!(
        desk.store
            .repo
            .remove_published_corpus("courier")
            .await
            .unwrap()
            .is_none()
    );
    let after = desk.overlap(&record).await;
    assert!(after.documents.iter().all(|d| d.class == Class::New));
    // A second import under the same name is refused.
    desk.import("again", published.path()).await;
    let info = CorpusInfo {
        name: "again".into(),
        publisher: "p".into(),
        date: "2015-06-18".parse().unwrap(),
        url: None,
    };
    let refused = import_corpus(
        &desk.store.repo,
        &desk.store.sealer,
        &desk.index_dir(),
        published.path(),
        &info,
        &Limits::default(),
        |_| {},
    )
    .await;
    assert!(refused.unwrap_err().to_string().contains("registered already"));
}

/// The measurement on real text nobody here wrote: Debian's
/// documentation cut into a submission and a publication
/// (scripts/realtext.py, which also classes every document by brute force
/// under docs/overlap.md's definition). trove's classes and novel shares
/// must be within 2 percentage points of that truth.
#[tokio::test]
async fn real_text_overlap_is_within_two_points_of_brute_force_truth() {
    let out = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/realtext.py");
    let built = std::process::Command::new("python3")
        .arg(&script)
        .arg(out.path())
        .output()
        .expect("python3 runs scripts/realtext.py");
    assert!(
        built.status.success(),
        "scripts/realtext.py failed (scripts/test installs the Debian documentation it reads):\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let truth = trove_testkit::truth(out.path());
    let desk = Desk::new().await;
    let record = desk.submit_folder(&out.path().join("submission")).await;
    desk.import("debian-docs", &out.path().join("published")).await;
    let report = desk.overlap(&record).await;

    let expected: std::collections::HashMap<&str, &serde_json::Value> = truth["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d))
        .collect();
    assert_eq!(
        report.documents.len(),
        expected.len(),
        "every submitted file is a document"
    );
    let mut disagreements = Vec::new();
    for doc in &report.documents {
        let name = doc.path.rsplit('/').next().unwrap();
        let truth = expected
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the truth"));
        let class = serde_json::to_value(doc.class).unwrap();
        if class != truth["class"] {
            disagreements.push(format!(
                "{name}: truth {} (containment {:.3}), found {class} ({:?})",
                truth["class"],
                truth["containment"].as_f64().unwrap(),
                doc.matches.first().map(|m| m.similarity)
            ));
        }
    }
    let total = report.documents.len() as f64;
    let mut report_lines = Vec::new();
    for class in ["exact", "near", "partial", "new"] {
        let found = report
            .documents
            .iter()
            .filter(|d| serde_json::to_value(d.class).unwrap() == class)
            .count() as f64
            / total;
        let expected = truth["by_class"][class].as_f64().unwrap() / total;
        report_lines.push(format!("{class}: {found:.3} vs truth {expected:.3}"));
        assert!(
            (found - expected).abs() <= 0.02,
            "{class} share {found:.3} vs truth {expected:.3}; disagreements:\n{}",
            disagreements.join("\n")
        );
    }
    for (found, field) in [
        (report.summary.novel_share_words, "novel_share_words"),
        (report.summary.novel_share_count, "novel_share_count"),
    ] {
        let expected = truth[field].as_f64().unwrap();
        assert!(
            (found - expected).abs() <= 0.02,
            "{field} {found:.3} vs truth {expected:.3}; disagreements:\n{}",
            disagreements.join("\n")
        );
    }
    // Licence paragraphs recur across the copyright files of both sides:
    // boilerplate, reported as such.
    let licences = report
        .documents
        .iter()
        .filter(|d| d.path.contains("copyright-") && !d.boilerplate.is_empty())
        .count();
    assert!(licences > 10, "{licences} copyright files with boilerplate");
    assert!(report.summary.boilerplate >= licences as u64);
    // The failure the definition fixes: counting any shared passage as
    // publication would have called far fewer documents new.
    assert!(truth["any_passage_share_count"].as_f64().unwrap() < report.summary.novel_share_count);
    eprintln!(
        "{} documents: {}; {} disagree",
        total,
        report_lines.join(", "),
        disagreements.len()
    );
}

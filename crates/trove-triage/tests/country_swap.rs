//! Country-swap invariance over a whole generated corpus: every country
//! name, capital and demonym in every document is exchanged through the
//! gazetteer (Russia ↔ Canada, Ukraine ↔ United Kingdom, Cyprus ↔ Germany,
//! Panama ↔ United States, in all five languages), and neither the
//! significance score, nor any of its contributions, nor the proposed
//! decision changes. Verification and overlap are held as they are: what
//! they measure (signatures, published copies) is not an origin.

use regex::Regex;
use trove_store::DocumentRepo as _;
use trove_store::read_texts;
use trove_triage::policy::TEMPLATE;
use trove_triage::{Case, Extractor, Gazetteer, Policy, SubmissionFacts, significance};

#[tokio::test]
async fn swapping_countries_changes_no_score_and_no_decision() {
    let (_tmp, corpus) = trove_testkit::generated_corpus(11, 3 << 20);
    let store = trove_testkit::Store::new().await;
    let record = store.submit_folder(&corpus.join("cache")).await;
    store.ingest(&record).await;
    let documents = store.repo.documents(&record.id).await.unwrap();
    let refs: Vec<_> = documents.iter().collect();
    let texts = read_texts(&store.opener, &refs).unwrap();
    assert!(texts.len() > 100, "{} texts", texts.len());

    let gazetteer = Gazetteer::shipped();
    let swap = gazetteer.swap_map(&[("RU", "CA"), ("UA", "GB"), ("CY", "DE"), ("PA", "US")]);
    assert!(swap.len() >= 40, "{swap:?}");
    let mut keys: Vec<&String> = swap.keys().collect();
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let pattern = Regex::new(&format!(
        r"\b(?:{})\b",
        keys.iter().map(|k| regex::escape(k)).collect::<Vec<_>>().join("|")
    ))
    .unwrap();
    // A watch list of people and organisations, as a newsroom would keep.
    let watch = vec!["Kovalenko".to_string(), "Northwind".to_string(), "offshore".to_string()];
    let extractor = Extractor::new(&gazetteer, &watch).unwrap();

    let mut swapped_count = 0;
    let mut original = Vec::new();
    let mut swapped = Vec::new();
    let exchange = |text: &str| {
        pattern
            .replace_all(text, |c: &regex::Captures| swap[&c[0]].clone())
            .into_owned()
    };
    for doc in &documents {
        let text = texts.get(&doc.id).map_or("", |t| t);
        let metadata = doc.metadata.to_string();
        swapped_count += pattern.find_iter(text).count() + pattern.find_iter(&metadata).count();
        let swapped_metadata: serde_json::Value = serde_json::from_str(&exchange(&metadata)).unwrap();
        original.push(extractor.extract_document(text, &doc.doc_type, &doc.metadata));
        swapped.push(extractor.extract_document(&exchange(text), &doc.doc_type, &swapped_metadata));
    }
    assert!(swapped_count > 100, "only {swapped_count} places swapped");
    // The swap did change what was found: the places differ.
    let places = |docs: &[trove_triage::DocumentEntities]| {
        docs.iter()
            .filter_map(|d| d.entities.get(&trove_triage::EntityKind::Place))
            .flatten()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_ne!(places(&original), places(&swapped));

    let mut doc_types = std::collections::BTreeMap::new();
    for doc in &documents {
        *doc_types.entry(doc.doc_type.clone()).or_insert(0u64) += 1;
    }
    let policy = Policy::parse("policy.toml", TEMPLATE).unwrap();
    // Decisions on either side of every threshold: the facts vary, the
    // swap must never matter.
    for (novel, authentic) in [(0.1, 0.8), (0.55, 0.8), (0.55, 0.1), (0.9, 0.5)] {
        let facts = SubmissionFacts {
            documents: documents.len() as u64,
            doc_types: doc_types.clone(),
            novel_share: novel,
            novel_share_by: trove_triage::NovelShareBy::Words,
            verified_share: authentic,
            consistent_share: 0.0,
        };
        let before = significance(&original, &facts);
        let after = significance(&swapped, &facts);
        assert_eq!(before.score, after.score);
        assert_eq!(before.contributions, after.contributions);
        let case = |score| Case {
            documents: facts.documents,
            authentic_share: authentic,
            suspicious_share: 0.0,
            novel_share: novel,
            significance: score,
            missing: vec![],
        };
        assert_eq!(policy.propose(&case(before.score)), policy.propose(&case(after.score)));
    }
}

//! Entity extraction alone, on the texts of a generated cache: documents/s
//! and MB/s of extracted text. Run: `cargo bench -p trove-triage --bench
//! extract` (TROVE_BENCH_MIB, default 32). The end-to-end figure on the
//! 1 GiB cache is `cargo bench -p trove --bench triage`.

use std::time::Instant;
use trove_store::DocumentRepo as _;

fn main() {
    let mib: u64 = std::env::var("TROVE_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (texts, metadata) = runtime.block_on(async {
        let (_tmp, corpus) = trove_testkit::generated_corpus(5, mib << 20);
        let store = trove_testkit::Store::new().await;
        let record = store.submit_folder(&corpus.join("cache")).await;
        store.ingest(&record).await;
        let documents = store.repo.documents(&record.id).await.unwrap();
        let refs: Vec<_> = documents.iter().collect();
        let texts = trove_store::read_texts(&store.opener, &refs).unwrap();
        let texts: Vec<String> = documents
            .iter()
            .map(|d| texts.get(&d.id).map(|t| t.to_string()).unwrap_or_default())
            .collect();
        let metadata: Vec<(String, serde_json::Value)> = documents
            .iter()
            .map(|d| (d.doc_type.clone(), d.metadata.clone()))
            .collect();
        (texts, metadata)
    });
    let bytes: usize = texts.iter().map(String::len).sum();
    let extractor = trove_triage::Extractor::new(&trove_triage::Gazetteer::shipped(), &["Kovalenko".into()]).unwrap();
    let start = Instant::now();
    let mut found = 0usize;
    for (text, (doc_type, meta)) in texts.iter().zip(&metadata) {
        found += extractor
            .extract_document(text, doc_type, meta)
            .entities
            .values()
            .map(|v| v.len())
            .sum::<usize>();
    }
    let wall = start.elapsed().as_secs_f64();
    println!(
        "extraction: {} documents, {:.1} MB of text in {wall:.2} s: {:.0} documents/s, {:.1} MB/s ({found} entities)",
        texts.len(),
        bytes as f64 / 1e6,
        texts.len() as f64 / wall,
        bytes as f64 / 1e6 / wall
    );
}

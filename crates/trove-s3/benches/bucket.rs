//! Sealing blobs into a real S3 bucket (SeaweedFS on loopback) against
//! sealing them into files, in the same run: MB/s each way and the ratio.
//! `TROVE_BENCH_MIB` (default 512) of incompressible data, as blobs of
//! `TROVE_BENCH_BLOB_MIB` (default 32) each.

use std::time::Instant;

use trove_s3::{S3Backend, S3Config};
use trove_store::{AnyBackend, BlobBackend, BlobId, BlobOpener, BlobSealer, FsBackend};
use trove_testkit::noise;
use trove_testkit::seaweedfs::{ACCESS_KEY, BUCKET, SECRET_KEY, SeaweedFs};

/// Seconds to seal every blob into `backend`, then to open them all.
fn run(backend: AnyBackend, blobs: &[Vec<u8>]) -> (f64, f64) {
    let identity = age::x25519::Identity::generate();
    let sealer = BlobSealer::new(backend.clone(), vec![Box::new(identity.to_public())]).unwrap();
    let opener = BlobOpener::new(backend, Box::new(identity));
    let start = Instant::now();
    let ids: Vec<BlobId> = blobs.iter().map(|b| sealer.put(b.as_slice()).unwrap().blob).collect();
    let put = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for id in &ids {
        opener.copy_to(id, &mut std::io::sink()).unwrap();
    }
    (put, start.elapsed().as_secs_f64())
}

fn main() {
    let env = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let mib = env("TROVE_BENCH_MIB", 512);
    let blob_mib = env("TROVE_BENCH_BLOB_MIB", 32).max(1);
    let blobs: Vec<Vec<u8>> = (0..mib.div_ceil(blob_mib))
        .map(|i| noise(blob_mib << 20, i as u64))
        .collect();
    let total = (blobs.len() * blob_mib) as f64 * 1.048_576;

    let scratch = std::env::var("TROVE_BENCH_DIR").unwrap_or_else(|_| ".".into());
    let tmp = tempfile::tempdir_in(scratch).unwrap();
    let files: AnyBackend = std::sync::Arc::new(FsBackend::open(&tmp.path().join("blobs")).unwrap());
    let (files_put, files_get) = run(files, &blobs);

    let server = SeaweedFs::start();
    let bucket = S3Backend::new(&S3Config {
        endpoint: Some(server.endpoint.clone()),
        bucket: BUCKET.into(),
        region: None,
        prefix: Some(format!("bench-{}/", std::process::id())),
        access_key_id: Some(ACCESS_KEY.into()),
        secret_access_key: Some(SECRET_KEY.into()),
    })
    .unwrap();
    bucket.check_within(std::time::Duration::from_secs(30)).unwrap();
    let s3: AnyBackend = std::sync::Arc::new(bucket.clone());
    let (s3_put, s3_get) = run(s3, &blobs);
    for id in bucket.ids().unwrap() {
        bucket.remove(&id).unwrap();
    }

    println!(
        "\n{} blobs of {blob_mib} MiB ({total:.0} MB), sealed with age and stored, then opened and checked",
        blobs.len()
    );
    println!("{:<34} {:>10} {:>10}", "", "put MB/s", "get MB/s");
    println!(
        "{:<34} {:>10.1} {:>10.1}",
        "files (FsBackend, fsync)",
        total / files_put,
        total / files_get
    );
    println!(
        "{:<34} {:>10.1} {:>10.1}",
        "SeaweedFS on loopback (S3Backend)",
        total / s3_put,
        total / s3_get
    );
    println!(
        "{:<34} {:>10.2} {:>10.2}",
        "S3 / files",
        files_put / s3_put,
        files_get / s3_get
    );
}

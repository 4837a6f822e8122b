//! The `trove` binary as a user runs it: a real data directory, a real
//! SQLite file, the real commands.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use common::{all_files, ok, trove};
use sha2::Digest;

fn fails(output: Output) -> String {
    assert!(!output.status.success(), "trove succeeded where it must fail");
    String::from_utf8(output.stderr).unwrap()
}

fn init(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    ok(trove(&data, &["init"]));
    data
}

fn blob_files(data: &Path) -> Vec<PathBuf> {
    all_files(&data.join("blobs"))
        .into_iter()
        .filter(|p| !p.starts_with(data.join("blobs/.staging")))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn submit_leaves_no_plaintext_and_no_plaintext_hash_in_the_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    let leak = tmp.path().join("leak");
    fs::create_dir_all(leak.join("inner")).unwrap();
    let secret = b"MEMO 4471: the deputy minister approved the transfer to Istmo Trust on 3 May.\n".repeat(40);
    fs::write(leak.join("inner/memo-zanzibar-4471.txt"), &secret).unwrap();
    fs::write(leak.join("empty.bin"), b"").unwrap();

    let report: serde_json::Value =
        serde_json::from_str(&ok(trove(&data, &["submit", leak.to_str().unwrap(), "--json"]))).unwrap();
    assert_eq!(report["files"], 2);
    assert_eq!(report["bytes"], secret.len());
    let submission = report["submission"].as_str().unwrap().to_owned();

    // Every file of the data dir, the SQLite WAL included.
    let needles: Vec<Vec<u8>> = {
        let blake = blake3::hash(&secret);
        let sha = sha2::Sha256::digest(&secret);
        let b64 = base64::engine::general_purpose::STANDARD;
        let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        vec![
            secret[..24].to_vec(),
            b"memo-zanzibar-4471".to_vec(),
            blake.to_hex().as_bytes().to_vec(),
            blake.to_hex().to_uppercase().into_bytes(),
            blake.as_bytes().to_vec(),
            hex(&sha).into_bytes(),
            sha.to_vec(),
            b64.encode(blake.as_bytes()).into_bytes(),
            b64.encode(sha).into_bytes(),
            b64url.encode(blake.as_bytes()).into_bytes(),
        ]
    };
    let files = all_files(&data);
    assert!(files.len() > 5);
    for file in files {
        let bytes = fs::read(&file).unwrap();
        for needle in &needles {
            assert!(
                !contains(&bytes, needle),
                "{} holds {:?}",
                file.display(),
                String::from_utf8_lossy(needle)
            );
        }
    }

    // The desk can still list and read everything back.
    let listing: serde_json::Value =
        serde_json::from_str(&ok(trove(&data, &["submissions", &submission, "--json"]))).unwrap();
    let memo = listing["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "inner/memo-zanzibar-4471.txt")
        .unwrap();
    assert_eq!(memo["digest"], blake3::hash(&secret).to_hex().as_str());
    let out = tmp.path().join("back.txt");
    ok(trove(
        &data,
        &[
            "blob",
            "get",
            memo["blobs"][0].as_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    assert_eq!(fs::read(out).unwrap(), secret);
    assert!(ok(trove(&data, &["submissions"])).contains(&submission));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn init_refuses_an_existing_data_dir_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    let message = fails(trove(&data, &["init"]));
    assert!(
        message.contains("already a trove data directory") && message.contains("--force"),
        "{message}"
    );
    ok(trove(&data, &["init", "--force"]));
    let keys = ok(trove(&data, &["keys", "list"]));
    assert!(
        keys.contains("age1")
            && keys.contains("trove.invalid/log-")
            && keys.contains("trove-intake+")
            && keys.contains("trove-editor-chief+")
    );
    assert!(!keys.contains("AGE-SECRET-KEY") && !keys.contains("PRIVATE"), "{keys}");
}

#[test]
fn the_data_dir_and_its_database_are_the_owners_alone_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // A permissive umask, as a shared server might have.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_trove"));
    command.arg("--data").arg(&data).arg("init");
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" \"$@\"")
        .arg(command.get_program())
        .args(command.get_args())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "the data dir");
    assert_eq!(mode(&data.join("trove.toml")), 0o600, "trove.toml");
    assert_eq!(mode(&data.join("trove.db")), 0o600, "trove.db");
}

#[test]
fn a_missing_data_dir_says_how_to_make_one() {
    let tmp = tempfile::tempdir().unwrap();
    let message = fails(trove(&tmp.path().join("nowhere"), &["keys", "list"]));
    assert!(
        message.contains("no trove data directory") && message.contains("trove init"),
        "{message}"
    );
    let message = fails(trove(tmp.path(), &["submit", "/etc/hostname"]));
    assert!(message.contains("trove.toml is missing"), "{message}");
}

fn put(data: &Path, tmp: &Path, content: &[u8]) -> String {
    let file = tmp.join("input.bin");
    fs::write(&file, content).unwrap();
    ok(trove(data, &["blob", "put", file.to_str().unwrap()]))
        .trim()
        .to_owned()
}

fn blob_path(data: &Path, id: &str) -> PathBuf {
    data.join("blobs").join(&id[..2]).join(&id[2..4]).join(id)
}

#[test]
fn an_open_identity_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    let id = put(&data, tmp.path(), b"memo");
    let identity = data.join("keys/newsroom.identity");
    fs::set_permissions(&identity, fs::Permissions::from_mode(0o644)).unwrap();
    let message = fails(trove(&data, &["blob", "get", &id, "--out", "/dev/null"]));
    assert!(
        message.contains("chmod 600") && message.contains("newsroom.identity"),
        "{message}"
    );
    // Sealing needs no identity and goes on working.
    put(&data, tmp.path(), b"another memo");
}

#[test]
fn damaged_blobs_are_named_and_others_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    let good = put(&data, tmp.path(), b"an intact memo");
    let changed = put(&data, tmp.path(), &vec![7u8; 100_000]);
    let truncated = put(&data, tmp.path(), &vec![8u8; 100_000]);
    let swapped = put(&data, tmp.path(), b"a memo that will be overwritten");

    let mut bytes = fs::read(blob_path(&data, &changed)).unwrap();
    let at = bytes.len() - 500;
    bytes[at] ^= 0x40;
    fs::write(blob_path(&data, &changed), bytes).unwrap();
    let bytes = fs::read(blob_path(&data, &truncated)).unwrap();
    fs::write(blob_path(&data, &truncated), &bytes[..bytes.len() / 2]).unwrap();
    fs::copy(blob_path(&data, &good), blob_path(&data, &swapped)).unwrap();

    let out = tmp.path().join("out.bin");
    let get = |id: &str| trove(&data, &["blob", "get", id, "--out", out.to_str().unwrap()]);
    for (id, expect) in [
        (&changed, "changed or truncated"),
        (&truncated, "truncated"),
        (&swapped, "does not match its id"),
    ] {
        let message = fails(get(id));
        assert!(message.contains(id.as_str()) && message.contains(expect), "{message}");
        assert!(!out.exists(), "a failed get leaves no output file");
    }
    ok(get(&good));
    assert_eq!(fs::read(&out).unwrap(), b"an intact memo");
    let message = fails(trove(&data, &["blob", "get", "not-a-blob-id"]));
    assert!(message.contains("not a valid blob id"), "{message}");
}

#[test]
fn the_wrong_identity_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    let id = put(&data, tmp.path(), b"sealed to the first keys");
    ok(trove(&data, &["init", "--force"]));
    let message = fails(trove(&data, &["blob", "get", &id, "--out", "/dev/null"]));
    assert!(
        message.contains("not encrypted to this data directory's identity"),
        "{message}"
    );
}

#[test]
fn a_non_utf8_path_stores_nothing() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    let leak = tmp.path().join("leak");
    fs::create_dir(&leak).unwrap();
    fs::write(leak.join("a-fine-name.txt"), b"fine").unwrap();
    fs::write(leak.join(std::ffi::OsStr::from_bytes(b"bad-\xff-name.txt")), b"bad").unwrap();
    let message = fails(trove(&data, &["submit", leak.to_str().unwrap()]));
    assert!(
        message.contains("not valid UTF-8") && message.contains("bad-") && message.contains("Nothing was stored"),
        "{message}"
    );
    assert!(blob_files(&data).is_empty(), "{:?}", blob_files(&data));
    assert_eq!(ok(trove(&data, &["submissions"])).trim(), "");
}

#[test]
fn an_unreadable_input_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    let message = fails(trove(
        &data,
        &["submit", tmp.path().join("missing.pdf").to_str().unwrap()],
    ));
    assert!(message.contains("missing.pdf"), "{message}");
}

#[test]
fn gen_corpus_and_demo_run_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let report: serde_json::Value = serde_json::from_str(&ok(trove(
        tmp.path(),
        &[
            "gen-corpus",
            "--out",
            corpus.to_str().unwrap(),
            "--seed",
            "3",
            "--size",
            "300K",
            "--json",
        ],
    )))
    .unwrap();
    assert!(report["documents"].as_u64().unwrap() > 20);
    assert!(corpus.join("truth.json").exists() && corpus.join("dkim-keys.txt").exists());

    let data = tmp.path().join("demo");
    let report: serde_json::Value =
        serde_json::from_str(&ok(trove(&data, &["demo", "--no-serve", "--size", "300K", "--json"]))).unwrap();
    let files = report["submission"]["files"].as_u64().unwrap();
    let on_disk = all_files(&data.join("demo-corpus/cache")).len() as u64;
    assert_eq!(files, on_disk, "the demo submits every file of its cache");
    let id = report["submission"]["submission"].as_str().unwrap();
    assert!(ok(trove(&data, &["submissions"])).contains(id));
    // An accepted submission is released: reviewed by a second user,
    // published, and its folder checked against the log.
    if report["decision"]["outcome"] == "accept" {
        let publication = &report["publication"];
        assert_eq!(publication["complete"], true, "{publication}");
        let records = publication["verified_records"].as_u64().unwrap();
        assert_eq!(
            records,
            report["ingest"]["documents"].as_u64().unwrap(),
            "{publication}"
        );
        // The public archive serves every published and redacted document.
        let counts = &publication["published"]["counts"];
        let archived = publication["published"]["archived_documents"].as_u64().unwrap();
        assert!(archived > 0, "{publication}");
        assert_eq!(
            archived,
            counts["published"].as_u64().unwrap() + counts["redacted"].as_u64().unwrap()
        );
        assert!(data.join("archive/releases.txt").exists());
    } else {
        assert!(report["publication"].is_null());
    }
}

//! The transparency log through the binary: receipts queued on submit and
//! appended in a batch, serving `/log/` with no times, an outsider verifying with only the URL and the vkey, decisions,
//! proofs and witness cosignatures.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{ok, trove};

fn json(output: Output) -> serde_json::Value {
    serde_json::from_str(&ok(output)).unwrap()
}

/// A running `trove serve`, stopped when dropped.
struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trove"))
        .arg("--data")
        .arg(data)
        .args(["serve", "--role", "desk", "--desk-addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    Server(child, format!("{url}/log/"))
}

#[test]
fn an_outsider_verifies_the_served_log_with_only_its_vkey() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(trove(&data, &["init"]));
    let leak = tmp.path().join("leak");
    fs::create_dir(&leak).unwrap();
    fs::write(leak.join("memo.txt"), b"a memo").unwrap();
    let submitted = json(trove(&data, &["submit", leak.to_str().unwrap(), "--json"]));
    let submission = submitted["submission"].as_str().unwrap().to_owned();
    // The receipt waits for the batch after its day; a batch today finds
    // nothing due, and `--today` appends it.
    assert!(submitted["receipt_queued_for"].is_string());
    let flushed = json(trove(&data, &["log", "flush", "--json"]));
    assert_eq!(flushed["appended"].as_array().map(Vec::len), Some(0));
    let flushed = json(trove(&data, &["log", "flush", "--today", "--json"]));
    assert_eq!(flushed["appended"][0]["index"], 0);
    assert_eq!(flushed["appended"][0]["submission"], submission.as_str());

    let server = serve(&data);
    // The served files carry no time that an append would change.
    for path in ["checkpoint", "tile/entries/000.p/1", "tile/0/000.p/1"] {
        let response = ureq::get(&format!("{}{path}", server.1)).call().unwrap();
        assert_eq!(response.status(), 200, "{path}");
        for header in ["last-modified", "etag"] {
            assert!(response.headers().get(header).is_none(), "{path} has {header}");
        }
    }
    let outsider = tmp.path().join("outsider");
    fs::create_dir(&outsider).unwrap();
    fs::copy(data.join("keys/log.vkey"), outsider.join("log.vkey")).unwrap();
    let verify = |outsider: &Path| {
        Command::new(env!("CARGO_BIN_EXE_trove"))
            .current_dir(outsider)
            .args([
                "log", "verify", "--from", &server.1, "--vkey", "log.vkey", "--state", "seen", "--json",
            ])
            .env_remove("TROVE_DATA")
            .output()
            .unwrap()
    };
    let report = json(verify(&outsider));
    assert_eq!(
        (report["size"].as_u64(), report["entries"]["receipt"].as_u64()),
        (Some(1), Some(1))
    );

    // A decision, signed by the editor, then the outsider again: consistent.
    let policy = "ab".repeat(32);
    let args = [
        "log",
        "append",
        "decision",
        &submission,
        "--outcome",
        "reject",
        "--reason",
        "ALREADY_PUBLIC",
        "--policy",
        &policy,
    ];
    assert_eq!(json(trove(&data, &[&args[..], &["--json"]].concat()))["index"], 1);
    let report = json(verify(&outsider));
    assert_eq!(report["size"], 2);
    assert_eq!(report["consistent_with_size"], 1);
    assert_eq!(report["entries"]["decision"], 1);

    // A wrong vkey is refused with a message that says so.
    let other = tmp.path().join("other");
    ok(trove(&other, &["init"]));
    fs::copy(other.join("keys/log.vkey"), outsider.join("log.vkey")).unwrap();
    let output = verify(&outsider);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not signed by the log key"));

    // The served index page and a missing file.
    let message =
        String::from_utf8(trove(&data, &["log", "verify", "--from", &format!("{}nowhere/", server.1)]).stderr).unwrap();
    assert!(message.contains("404"), "{message}");
}

#[test]
fn proofs_and_witness_cosignatures_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(trove(&data, &["init"]));
    for i in 0..5 {
        let document = format!("{i:064x}");
        ok(trove(
            &data,
            &[
                "log",
                "append",
                "withheld",
                "--document",
                &document,
                "--reason",
                "PRIVACY",
            ],
        ));
    }
    let proof = json(trove(&data, &["log", "prove", "3", "--json"]));
    let decode =
        |v: &serde_json::Value| -> [u8; 32] { BASE64.decode(v.as_str().unwrap()).unwrap().try_into().unwrap() };
    let path: Vec<[u8; 32]> = proof["proof"].as_array().unwrap().iter().map(decode).collect();
    assert!(trove_ledger::merkle::verify_inclusion(
        3,
        5,
        &decode(&proof["leaf_hash"]),
        &path,
        &decode(&proof["root"])
    ));
    let message = String::from_utf8(trove(&data, &["log", "prove", "9"]).stderr).unwrap();
    assert!(message.contains("no entry 9"), "{message}");

    let witness = json(trove(&data, &["keys", "add-witness", "partner", "--json"]));
    let vkey_file = tmp.path().join("partner.vkey");
    fs::write(&vkey_file, witness["vkey"].as_str().unwrap()).unwrap();
    let state = tmp.path().join("seen");
    let with_witness = |data: &Path| {
        trove(
            data,
            &[
                "log",
                "verify",
                "--witness",
                vkey_file.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
            ],
        )
    };
    let message = String::from_utf8(with_witness(&data).stderr).unwrap();
    assert!(
        message.contains("no valid cosignature") && message.contains("trove-witness-partner"),
        "{message}"
    );
    ok(trove(
        &data,
        &["log", "cosign", "--key", witness["key_file"].as_str().unwrap()],
    ));
    assert!(ok(with_witness(&data)).contains("cosigned by the witness"));
    let checkpoint = ok(trove(&data, &["log", "checkpoint"]));
    assert_eq!(checkpoint.matches("\n— ").count(), 2, "{checkpoint}");
}

#[test]
fn the_log_origin_is_chosen_at_init_and_unique_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let chosen = tmp.path().join("chosen");
    ok(trove(&chosen, &["init", "--origin", "news.example.org/log"]));
    let checkpoint = ok(trove(&chosen, &["log", "checkpoint"]));
    assert_eq!(checkpoint.lines().next(), Some("news.example.org/log"), "{checkpoint}");
    assert!(
        fs::read_to_string(chosen.join("keys/log.vkey"))
            .unwrap()
            .starts_with("news.example.org/log+")
    );

    // Two newsrooms that chose nothing still have logs of their own.
    let origins: Vec<String> = ["a", "b"]
        .iter()
        .map(|name| {
            let data = tmp.path().join(name);
            ok(trove(&data, &["init"]));
            json(trove(&data, &["log", "checkpoint", "--json"]))["origin"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_ne!(origins[0], origins[1]);
    assert!(
        origins.iter().all(|o| o.starts_with("trove.invalid/log-")),
        "{origins:?}"
    );

    // A URL with a scheme is refused, naming the flag, and nothing is made.
    let refused = tmp.path().join("refused");
    let output = trove(&refused, &["init", "--origin", "https://news.example.org/log"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("--origin") && message.contains("schema-less URL"),
        "{message}"
    );
    assert!(!refused.join("trove.toml").exists());
}

//! Helpers shared by the binary's integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `trove` binary on a data directory.
pub fn trove(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trove"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("TROVE_DATA")
        .output()
        .expect("the trove binary runs")
}

/// The stdout of a command that must succeed.
pub fn ok(output: Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "trove failed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

//! The rules of ARCHITECTURE.md that a test can keep, as rust-analyzer's
//! tidy tests keep its own: the crate order and what may depend on what,
//! a crate-level doc comment on every crate, and no public function that
//! returns a bare `String` as its error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The crate order written in ARCHITECTURE.md, between its two markers:
/// one crate a line, each after every crate it may depend on.
fn documented_order() -> Vec<String> {
    let text = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    let start = text
        .find("<!-- crate order: begin -->")
        .expect("ARCHITECTURE.md marks the crate order");
    let end = text.find("<!-- crate order: end -->").expect("the crate order ends");
    text[start..end]
        .lines()
        .skip(1)
        .filter_map(|line| {
            let name = line
                .trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.')
                .trim();
            let name = name.split_whitespace().next()?.trim_matches('`');
            name.starts_with("trove").then(|| name.to_owned())
        })
        .collect()
}

/// Every crate under `crates/` with its trove dependencies by section.
fn crates() -> BTreeMap<String, BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        let name = table["package"]["name"].as_str().unwrap().to_owned();
        let mut sections = BTreeMap::new();
        for section in ["dependencies", "build-dependencies", "dev-dependencies"] {
            let deps = table
                .get(section)
                .and_then(|d| d.as_table())
                .map(|d| d.keys().filter(|k| k.starts_with("trove")).cloned().collect())
                .unwrap_or_default();
            sections.insert(section.to_owned(), deps);
        }
        out.insert(name, sections);
    }
    out
}

/// The layer above the pipeline's stages: what serves and operates them.
/// A stage's tests may use another stage or the corpus generator, never
/// these.
const OPERATIONS: &[&str] = &["trove-web", "trove-intake", "trove-app", "trove-desk", "trove"];

#[test]
fn every_crate_depends_only_on_crates_before_it() {
    let order = documented_order();
    let crates = crates();
    let position = |name: &str| order.iter().position(|c| c == name);
    let mut problems = Vec::new();
    for name in crates.keys() {
        if position(name).is_none() {
            problems.push(format!("{name} is not in ARCHITECTURE.md's crate order"));
        }
    }
    for name in &order {
        if !crates.contains_key(name) {
            problems.push(format!("ARCHITECTURE.md names {name}, which is not a crate"));
        }
    }
    for (name, sections) in &crates {
        let Some(at) = position(name) else { continue };
        for (section, deps) in sections {
            for dep in deps {
                let dep_at = position(dep);
                let allowed = match section.as_str() {
                    "dev-dependencies" => dep_at.is_some() && !OPERATIONS.contains(&dep.as_str()) || dep_at < Some(at),
                    _ => dep_at < Some(at) && dep != "trove-testkit",
                };
                if !allowed || dep == "trove" {
                    problems.push(format!(
                        "{name} has {dep} in [{section}], but {dep} comes after it in the crate order (or may not be depended on there)"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_documented_order_puts_each_layer_where_the_rules_need_it() {
    // The order is read from prose, so check that it was read at all and
    // says what the rules above rely on.
    let order = documented_order();
    assert!(order.len() >= 14, "{order:?}");
    let at = |name: &str| order.iter().position(|c| c == name).unwrap();
    assert!(at("trove-store") < at("trove-ingest"));
    assert!(
        at("trove-intake") < at("trove-app"),
        "the intake never calls the operations layer"
    );
    assert!(
        at("trove-app") < at("trove-desk"),
        "the desk takes the operations directly"
    );
    assert_eq!(
        order.last().map(String::as_str),
        Some("trove"),
        "nothing depends on the binary"
    );
}

/// Every `.rs` file under a crate's `src/`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_crate_says_what_it_owns_and_no_public_api_returns_a_string_error() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let src = dir.join("src");
        let root = ["lib.rs", "main.rs"].iter().map(|f| src.join(f)).find(|p| p.exists());
        let Some(root) = root else { continue };
        if !std::fs::read_to_string(&root).unwrap().starts_with("//!") {
            problems.push(format!(
                "{} does not start with a //! crate doc comment",
                root.display()
            ));
        }
        let mut files = Vec::new();
        sources(&src, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (number, line) in text.lines().enumerate() {
                let line = line.trim_start();
                if line.starts_with("pub fn") || line.starts_with("pub async fn") {
                    let signature: String = text.lines().skip(number).take(6).collect::<Vec<_>>().join(" ");
                    let returns = signature.split('{').next().unwrap_or_default();
                    if returns.contains("-> Result<") && returns.trim_end().ends_with(", String>") {
                        problems.push(format!("{}:{}: returns Result<_, String>", file.display(), number + 1));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! Auditing a log from its files alone: the checkpoint, the tiles, the
//! entry bundles, the log's verifier key and the statement keys.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use trove_keys::NoteVerifierKey;

use crate::LedgerError;
use crate::checkpoint::SignedCheckpoint;
use crate::log::Fetch;
use crate::merkle::{self, Hash, LeafHashes};
use crate::statement::open_entry;
use crate::tiles::{self, TILE_HEIGHT, TILE_WIDTH};

/// What `verify` needs besides the files.
pub struct VerifyOptions {
    pub log_key: NoteVerifierKey,
    /// Keys whose signatures on entries are accepted; when empty, the key
    /// list the log publishes (signed by the log key) is used.
    pub statement_keys: Vec<NoteVerifierKey>,
    /// A witness whose cosignature the checkpoint must carry.
    pub witness: Option<NoteVerifierKey>,
    /// A folder where the last verified checkpoint of each log is
    /// remembered, for the consistency and rollback checks: one file a log,
    /// named by its origin and verifier key together, so that logs of two
    /// newsrooms (the same origin, other keys) never meet.
    pub state: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub entries_by_kind: BTreeMap<String, u64>,
    pub tiles_checked: u64,
    pub previous_size: Option<u64>,
    pub cosigned_at: Option<u64>,
}

/// Verifies everything: the checkpoint's signature (and cosignature),
/// every entry's signature, every tile against the entries, the root
/// against the checkpoint, and consistency with the last checkpoint seen.
pub fn verify_log<F: Fetch>(fetch: &F, options: &VerifyOptions) -> Result<VerifyReport, LedgerError> {
    verify_log_with(fetch, options, &mut |_, _| {})
}

/// As [`verify_log`], showing `visit` every entry's statement (its index
/// and the statement) as it is checked; nothing visited counts until the
/// whole log has verified.
pub fn verify_log_with<F: Fetch>(
    fetch: &F,
    options: &VerifyOptions,
    visit: &mut dyn FnMut(u64, &crate::statement::Statement),
) -> Result<VerifyReport, LedgerError> {
    let text = String::from_utf8(fetch.fetch("checkpoint")?)
        .map_err(|_| LedgerError::Checkpoint(crate::FormatError::NotUtf8))?;
    let signed = SignedCheckpoint::open(&text, &options.log_key)?;
    let checkpoint = &signed.checkpoint;
    let cosigned_at = match &options.witness {
        Some(witness) => Some(signed.note.cosigned_by(witness).ok_or_else(|| {
            LedgerError::Signature(format!(
                "the checkpoint carries no valid cosignature by the witness {}",
                witness.name()
            ))
        })?),
        None => None,
    };
    let size = checkpoint.size;
    let published_keys;
    let statement_keys = if options.statement_keys.is_empty() {
        published_keys = crate::keylist::read_key_list(fetch, &options.log_key)?;
        &published_keys
    } else {
        &options.statement_keys
    };

    let mut leaves: Vec<Hash> = Vec::with_capacity(size as usize);
    let mut by_kind = BTreeMap::new();
    for bundle in 0..size.div_ceil(TILE_WIDTH) {
        let width = (size - bundle * TILE_WIDTH).min(TILE_WIDTH);
        let path = tiles::bundle_path(bundle, width);
        let entries =
            tiles::decode_bundle(&fetch.fetch(&path)?, width).map_err(|reason| LedgerError::Bundle { path, reason })?;
        for (offset, entry) in entries.iter().enumerate() {
            let index = bundle * TILE_WIDTH + offset as u64;
            let (statement, _) =
                open_entry(entry, statement_keys).map_err(|reason| LedgerError::Entry { index, reason })?;
            *by_kind.entry(statement.kind().to_owned()).or_insert(0) += 1;
            visit(index, &statement);
            leaves.push(merkle::leaf_hash(entry));
        }
    }

    // Every tile, level by level, against hashes recomputed from the entries.
    let mut level_hashes = leaves.clone();
    let mut tiles_checked = 0;
    for level in 0u8.. {
        if level_hashes.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for (index, chunk) in level_hashes.chunks(TILE_WIDTH as usize).enumerate() {
            let path = tiles::tile_path(level, index as u64, chunk.len() as u64);
            if fetch.fetch(&path)? != chunk.concat() {
                return Err(LedgerError::Tile {
                    path,
                    reason: "its hashes do not match the entries".into(),
                });
            }
            tiles_checked += 1;
            if chunk.len() as u64 == TILE_WIDTH {
                next.push(merkle::root_of_complete(chunk));
            }
        }
        debug_assert!(level < 8 * TILE_HEIGHT);
        level_hashes = next;
    }

    let root = merkle::tree_root(&LeafHashes(&leaves), size).expect("infallible");
    if root != checkpoint.root {
        return Err(LedgerError::RootMismatch { size });
    }

    let previous_size = match &options.state {
        Some(dir) => check_against_state(dir, &options.log_key, &checkpoint.origin, size, &leaves)?,
        None => None,
    };
    Ok(VerifyReport {
        origin: checkpoint.origin.clone(),
        size,
        root: BASE64.encode(root),
        entries_by_kind: by_kind,
        tiles_checked,
        previous_size,
        cosigned_at,
    })
}

/// Compares with the checkpoint remembered for this log (origin and key)
/// in the folder `dir` (a file of one line: origin, size, base64 root; the
/// key on the next), then remembers this one.
fn check_against_state(
    dir: &Path,
    log_key: &NoteVerifierKey,
    origin: &str,
    size: u64,
    leaves: &[Hash],
) -> Result<Option<u64>, LedgerError> {
    use sha2::Digest;
    fs::create_dir_all(dir).map_err(|source| LedgerError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let identity = sha2::Sha256::digest(format!("{origin}\n{log_key}").as_bytes());
    let path = dir.join(hex::encode(&identity[..16]));
    let mut previous = None;
    if let Ok(text) = fs::read_to_string(&path) {
        let parts: Vec<&str> = text.lines().next().unwrap_or("").split_whitespace().collect();
        if let [seen_origin, seen_size, seen_root] = parts.as_slice()
            && *seen_origin == origin
        {
            let seen_size: u64 = seen_size.parse().map_err(|_| LedgerError::State(path.clone()))?;
            if size < seen_size {
                return Err(LedgerError::Rollback {
                    seen: seen_size,
                    now: size,
                });
            }
            let prefix_root =
                merkle::tree_root(&LeafHashes(&leaves[..seen_size as usize]), seen_size).expect("infallible");
            if BASE64.encode(prefix_root) != *seen_root {
                return Err(LedgerError::Inconsistent {
                    seen: seen_size,
                    now: size,
                });
            }
            previous = Some(seen_size);
        }
    }
    let root = merkle::tree_root(&LeafHashes(leaves), size).expect("infallible");
    fs::write(&path, format!("{origin} {size} {}\n{log_key}\n", BASE64.encode(root))).map_err(|source| {
        LedgerError::Io {
            path: path.clone(),
            source,
        }
    })?;
    Ok(previous)
}

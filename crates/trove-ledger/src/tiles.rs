//! C2SP tlog-tiles layout (<https://c2sp.org/tlog-tiles>): tiles of height 8
//! at `tile/<L>/<N>[.p/<W>]`, entry bundles at `tile/entries/<N>[.p/<W>]`,
//! N written in groups of three digits with `x` before every group but the
//! last (`x001/x234/067`).

use crate::FormatError;

/// Hashes per full tile and entries per full bundle.
pub const TILE_WIDTH: u64 = 256;
/// Merkle levels per tile level.
pub const TILE_HEIGHT: u8 = 8;

/// The x-grouped decimal path element of a tile index.
pub fn index_path(mut index: u64) -> String {
    let mut path = format!("{:03}", index % 1000);
    index /= 1000;
    while index > 0 {
        path = format!("x{:03}/{path}", index % 1000);
        index /= 1000;
    }
    path
}

fn with_width(base: String, width: u64) -> String {
    if width == TILE_WIDTH {
        base
    } else {
        format!("{base}.p/{width}")
    }
}

/// `tile/<level>/<index>[.p/<width>]`.
pub fn tile_path(level: u8, index: u64, width: u64) -> String {
    with_width(format!("tile/{level}/{}", index_path(index)), width)
}

/// `tile/entries/<index>[.p/<width>]`.
pub fn bundle_path(index: u64, width: u64) -> String {
    with_width(format!("tile/entries/{}", index_path(index)), width)
}

/// The width of tile `index` at tile level `level` in a tree of `size`
/// leaves, or 0 if the tree has no such tile.
pub fn tile_width(level: u8, index: u64, size: u64) -> u64 {
    let hashes_at_level = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
    hashes_at_level.saturating_sub(index * TILE_WIDTH).min(TILE_WIDTH)
}

/// Encodes entries into a bundle: each a big-endian u16 length and its bytes.
pub fn encode_bundle<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend_from_slice(&(entry.len() as u16).to_be_bytes());
        out.extend_from_slice(entry);
    }
    out
}

/// Decodes a bundle that must hold exactly `count` entries.
pub fn decode_bundle(bytes: &[u8], count: u64) -> Result<Vec<Vec<u8>>, FormatError> {
    let mut entries = Vec::with_capacity(count as usize);
    let mut rest = bytes;
    while !rest.is_empty() {
        let [a, b, tail @ ..] = rest else {
            return Err(FormatError::CutShort);
        };
        let len = usize::from(u16::from_be_bytes([*a, *b]));
        if tail.len() < len {
            return Err(FormatError::Overrun {
                entry: entries.len(),
                claimed: len,
                remaining: tail.len(),
            });
        }
        entries.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    if entries.len() as u64 != count {
        return Err(FormatError::EntryCount {
            found: entries.len(),
            expected: count,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_spec_examples() {
        assert_eq!(index_path(0), "000");
        assert_eq!(index_path(1234067), "x001/x234/067");
        assert_eq!(tile_path(1, 1234067, 256), "tile/1/x001/x234/067");
        assert_eq!(tile_path(0, 5, 17), "tile/0/005.p/17");
        assert_eq!(bundle_path(1000, 3), "tile/entries/x001/000.p/3");
    }

    #[test]
    fn widths() {
        assert_eq!(tile_width(0, 0, 300), 256);
        assert_eq!(tile_width(0, 1, 300), 44);
        assert_eq!(tile_width(0, 2, 300), 0);
        assert_eq!(tile_width(1, 0, 300), 1);
        assert_eq!(tile_width(1, 0, 255), 0);
    }

    #[test]
    fn bundles_round_trip_and_reject_truncation() {
        let bundle = encode_bundle([&b"one"[..], b"", b"three"]);
        assert_eq!(
            decode_bundle(&bundle, 3).unwrap(),
            vec![b"one".to_vec(), vec![], b"three".to_vec()]
        );
        assert!(matches!(
            decode_bundle(&bundle[..bundle.len() - 1], 3).unwrap_err(),
            FormatError::Overrun { entry: 2, .. }
        ));
        assert_eq!(
            decode_bundle(&bundle, 4).unwrap_err(),
            FormatError::EntryCount { found: 3, expected: 4 }
        );
    }
}

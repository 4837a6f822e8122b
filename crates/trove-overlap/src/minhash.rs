//! MinHash signatures with LSH banding, for near-duplicates.
//!
//! One-permutation hashing (Li, Owen, Zhang 2012) with optimal
//! densification (Shrivastava 2017): each shingle is hashed once into one
//! of K bins, each bin keeps its minimum, and an empty bin borrows the
//! value of a non-empty bin chosen by a hash of its index. One hash per
//! shingle instead of K makes signatures about 100× cheaper than classic
//! MinHash, with the same collision probability (the Jaccard).
//!
//! Banding: K = 126 values in B = 21 bands of R = 6. Two sets with Jaccard
//! J share a band with probability 1 − (1 − J⁶)²¹: 0.998 at J = 0.8,
//! 0.63 at 0.6, 0.08 at 0.4, so near-duplicates (J ≥ 0.8) are almost never
//! missed, and every candidate is then checked on the real shingle sets, so
//! no false positive reaches a report. (The S-curve's midpoint,
//! (1/B)^(1/R) ≈ 0.60, sits well below the 0.8 threshold on purpose: recall
//! is what banding must give; precision is the exact check's job.)

/// Bands.
pub const BANDS: usize = 21;
/// Values per band.
pub const ROWS: usize = 6;
/// Values in a signature.
pub const K: usize = BANDS * ROWS;

/// A signature: the minimum hash of each bin.
pub type Signature = [u64; K];

fn mix(x: u64) -> u64 {
    // SplitMix64's finalizer: a bijection with good avalanche.
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The signature of a shingle set (hashes); `None` for an empty set.
pub fn signature(set: &[u64]) -> Option<Signature> {
    if set.is_empty() {
        return None;
    }
    let mut bins = [u64::MAX; K];
    let mut filled = [false; K];
    for &shingle in set {
        let h = mix(shingle);
        // The high bits choose the bin (multiply-shift), the value is the
        // whole hash, so bins and values are independent enough.
        let bin = ((h as u128 * K as u128) >> 64) as usize;
        if h < bins[bin] {
            bins[bin] = h;
        }
        filled[bin] = true;
    }
    let values = bins;
    for i in 0..K {
        if filled[i] {
            continue;
        }
        // Optimal densification: probe bins by a hash of (bin, attempt)
        // until a filled one is found; the same for every set, so two sets
        // with the same filled bins borrow alike.
        let mut attempt = 0u64;
        loop {
            attempt += 1;
            let j = ((mix((i as u64) << 32 | attempt) as u128 * K as u128) >> 64) as usize;
            if filled[j] {
                bins[i] = values[j];
                break;
            }
        }
    }
    Some(bins)
}

/// One key per band: a hash of the band's index and values.
pub fn band_keys(signature: &Signature) -> [u64; BANDS] {
    let mut keys = [0u64; BANDS];
    for (band, key) in keys.iter_mut().enumerate() {
        let mut bytes = [0u8; 8 * (ROWS + 1)];
        bytes[..8].copy_from_slice(&(band as u64).to_le_bytes());
        for row in 0..ROWS {
            bytes[8 * (row + 1)..8 * (row + 2)].copy_from_slice(&signature[band * ROWS + row].to_le_bytes());
        }
        *key = xxhash_rust::xxh3::xxh3_64(&bytes);
    }
    keys
}

/// The share of equal values: an estimate of the Jaccard.
pub fn estimate(a: &Signature, b: &Signature) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / K as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(range: std::ops::Range<u64>) -> Vec<u64> {
        let mut s: Vec<u64> = range.map(|x| x.wrapping_mul(0x9E37_79B9_7F4A_7C15)).collect();
        s.sort_unstable();
        s
    }

    #[test]
    fn estimates_track_the_jaccard() {
        // |A ∩ B| = 800, |A ∪ B| = 1000: J = 0.8.
        let a = signature(&set(0..900)).unwrap();
        let b = signature(&set(100..1000)).unwrap();
        assert!((estimate(&a, &b) - 0.8).abs() < 0.1, "{}", estimate(&a, &b));
        let c = signature(&set(5000..6000)).unwrap();
        assert!(estimate(&a, &c) < 0.1);
        assert_eq!(estimate(&a, &a), 1.0);
        // Tiny sets densify to full signatures.
        let tiny = signature(&set(0..3)).unwrap();
        assert!(tiny.iter().all(|&v| v != u64::MAX));
        assert!(signature(&[]).is_none());
    }

    #[test]
    fn near_duplicates_share_a_band() {
        let a = band_keys(&signature(&set(0..900)).unwrap());
        let b = band_keys(&signature(&set(100..1000)).unwrap());
        assert!(a.iter().zip(&b).any(|(x, y)| x == y));
    }
}

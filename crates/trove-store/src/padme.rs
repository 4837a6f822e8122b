//! PADMÉ padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted
//! Files and Communication with PURBs", PETS 2019, §4).
//!
//! A length L is rounded up so that only its top ⌊log₂ ⌊log₂ L⌋⌋ + 1 bits
//! may be non-zero. The overhead is at most about 12 % and falls as L grows,
//! while a padded length leaks O(log log L) bits instead of log L.

/// The PADMÉ-padded length of `len`.
pub fn padded_len(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = 63 - u64::from(len.leading_zeros()); // ⌊log₂ L⌋
    let s = 64 - u64::from(e.leading_zeros()); // ⌊log₂ E⌋ + 1
    let last_bits = e - s;
    let mask = (1u64 << last_bits) - 1;
    len.saturating_add(mask) & !mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_paper() {
        // Small lengths are left alone (E - S ≤ 0).
        for len in 0..=8 {
            assert_eq!(padded_len(len), len);
        }
        // 9: E=3, S=2, one low bit cleared. 1000: E=9, S=4, five low bits.
        // 1 000 000: E=19, S=5, fourteen low bits.
        assert_eq!(padded_len(9), 10);
        assert_eq!(padded_len(1000), 1024);
        assert_eq!(padded_len(1_000_000), 1_015_808);
    }

    #[test]
    fn is_monotone_bounded_and_idempotent() {
        let mut previous = 0;
        for len in (0..200_000u64).chain([1 << 30, (1 << 30) + 1, 68_000_000_000, u64::MAX / 4]) {
            let padded = padded_len(len);
            assert!(padded >= len && padded >= previous, "{len} -> {padded}");
            assert!(padded as f64 <= len as f64 * 1.12 + 1.0, "{len} -> {padded}");
            assert_eq!(padded_len(padded), padded);
            previous = padded;
        }
    }
}

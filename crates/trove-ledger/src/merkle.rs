//! The Merkle tree of RFC 9162 §2.1: leaf hash SHA-256(0x00 ‖ entry), node
//! hash SHA-256(0x01 ‖ left ‖ right), and inclusion and consistency proofs.
//!
//! Proofs are computed over a [`HashSource`], which answers the hash of any
//! complete subtree; tiles store every eighth level, so a source recomputes
//! the levels in between from at most 128 stored hashes.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    hasher.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The hash of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Answers the hash of the complete subtree of 2^`level` leaves starting at
/// leaf `index` × 2^`level`.
pub trait HashSource {
    type Error;
    fn subtree(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// MTH of leaves `start..end`, where `start` is a multiple of the largest
/// power of two not above `end - start` (as every range of RFC 9162's
/// recursion is).
pub fn range_hash<S: HashSource>(source: &S, start: u64, end: u64) -> Result<Hash, S::Error> {
    let n = end - start;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() {
        let level = n.trailing_zeros() as u8;
        return source.subtree(level, start >> level);
    }
    let k = split_point(n);
    Ok(node_hash(
        &range_hash(source, start, start + k)?,
        &range_hash(source, start + k, end)?,
    ))
}

/// The root of the tree of the first `size` leaves.
pub fn tree_root<S: HashSource>(source: &S, size: u64) -> Result<Hash, S::Error> {
    range_hash(source, 0, size)
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves
/// (RFC 9162 §2.1.3.1), from the leaf's sibling upwards.
pub fn inclusion_proof<S: HashSource>(source: &S, index: u64, size: u64) -> Result<Vec<Hash>, S::Error> {
    let mut proof = Vec::new();
    path(source, index, 0, size, &mut proof)?;
    Ok(proof)
}

fn path<S: HashSource>(source: &S, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), S::Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split_point(n);
    if m < k {
        path(source, m, start, start + k, out)?;
        out.push(range_hash(source, start + k, end)?);
    } else {
        path(source, m - k, start + k, end, out)?;
        out.push(range_hash(source, start, start + k)?);
    }
    Ok(())
}

/// The consistency proof from the tree of `old` leaves to the tree of `new`
/// leaves (RFC 9162 §2.1.4.1).
pub fn consistency_proof<S: HashSource>(source: &S, old: u64, new: u64) -> Result<Vec<Hash>, S::Error> {
    let mut proof = Vec::new();
    if old > 0 && old < new {
        subproof(source, old, 0, new, true, &mut proof)?;
    }
    Ok(proof)
}

fn subproof<S: HashSource>(
    source: &S,
    m: u64,
    start: u64,
    end: u64,
    complete: bool,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = end - start;
    if m == n {
        if !complete {
            out.push(range_hash(source, start, end)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(source, m, start, start + k, complete, out)?;
        out.push(range_hash(source, start + k, end)?);
    } else {
        subproof(source, m - k, start + k, end, false, out)?;
        out.push(range_hash(source, start, start + k)?);
    }
    Ok(())
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && &r == root
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2).
pub fn verify_consistency(old: u64, new: u64, old_root: &Hash, new_root: &Hash, proof: &[Hash]) -> bool {
    if old > new {
        return false;
    }
    if old == new {
        return proof.is_empty() && old_root == new_root;
    }
    if old == 0 {
        return proof.is_empty();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    &fr == old_root && &sr == new_root && s == 0
}

/// A hash source over leaf hashes held in memory (tests, verifiers that
/// fetched every leaf).
pub struct LeafHashes<'a>(pub &'a [Hash]);

impl HashSource for LeafHashes<'_> {
    type Error = std::convert::Infallible;

    fn subtree(&self, level: u8, index: u64) -> Result<Hash, Self::Error> {
        let width = 1usize << level;
        let start = index as usize * width;
        Ok(root_of_complete(&self.0[start..start + width]))
    }
}

/// The root of a power-of-two run of hashes, combined pairwise.
pub fn root_of_complete(hashes: &[Hash]) -> Hash {
    debug_assert!(hashes.len().is_power_of_two());
    let mut level: Vec<Hash> = hashes.to_vec();
    while level.len() > 1 {
        level = level
            .chunks_exact(2)
            .map(|pair| node_hash(&pair[0], &pair[1]))
            .collect();
    }
    level[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MTH straight from RFC 9162's definition, as the independent reference.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
    }

    /// Every aligned complete subtree of the leaves, computed once: such a
    /// subtree is the same in every tree that contains it.
    struct AllSubtrees(Vec<Vec<Hash>>);

    impl AllSubtrees {
        fn new(leaves: &[Hash]) -> Self {
            let mut levels = vec![leaves.to_vec()];
            while levels.last().unwrap().len() > 1 {
                let next = levels
                    .last()
                    .unwrap()
                    .chunks_exact(2)
                    .map(|p| node_hash(&p[0], &p[1]))
                    .collect();
                levels.push(next);
            }
            AllSubtrees(levels)
        }
    }

    impl HashSource for AllSubtrees {
        type Error = std::convert::Infallible;

        fn subtree(&self, level: u8, index: u64) -> Result<Hash, Self::Error> {
            Ok(self.0[level as usize][index as usize])
        }
    }

    #[test]
    fn leaf_hashes_source_agrees() {
        let all = leaves(300);
        assert_eq!(tree_root(&LeafHashes(&all), 300).unwrap(), reference_root(&all));
    }

    #[test]
    fn rfc_test_vector_empty_and_single() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // RFC 6962's test vector: the leaf hash of the empty entry.
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn roots_and_proofs_agree_with_the_reference_for_every_size() {
        let all = leaves(2500);
        let source = AllSubtrees::new(&all);
        let references: Vec<Hash> = (0..=all.len()).map(|n| reference_root(&all[..n])).collect();
        for size in 0..=all.len() as u64 {
            let prefix = &all[..size as usize];
            let root = tree_root(&source, size).unwrap();
            assert_eq!(root, references[size as usize], "size {size}");
            // Every leaf of small trees, a spread of leaves of large ones.
            let step = if size < 70 { 1 } else { size / 23 + 1 };
            for index in (0..size).step_by(step as usize) {
                let proof = inclusion_proof(&source, index, size).unwrap();
                assert!(
                    verify_inclusion(index, size, &prefix[index as usize], &proof, &root),
                    "{index}/{size}"
                );
                assert!(!verify_inclusion(index, size, &leaf_hash(b"other"), &proof, &root));
                if size > 1 {
                    assert!(!verify_inclusion(
                        (index + 1) % size,
                        size,
                        &prefix[index as usize],
                        &proof,
                        &root
                    ));
                }
            }
            for old in (1..size).step_by(if size < 70 { 1 } else { (size / 7 + 1) as usize }) {
                let old_root = references[old as usize];
                let proof = consistency_proof(&source, old, size).unwrap();
                assert!(verify_consistency(old, size, &old_root, &root, &proof), "{old}->{size}");
                assert!(
                    !verify_consistency(old, size, &leaf_hash(b"x"), &root, &proof),
                    "{old}->{size}"
                );
            }
        }
    }
}

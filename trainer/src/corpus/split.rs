//! Package-disjoint train/valid/test splits.
//!
//! Functions of one package share names, helpers and style; splitting inside a package would let the test
//! set leak into training. So whole packages are assigned, in an order given by a stable hash of their
//! name (FNV-1a: fixed across platforms, Rust versions and runs, unlike std's randomized hasher), until test
//! and valid each hold at least [`MIN_HELD_OUT_FRACTION`] of the pairs that fit the reference limits.

use super::record::Partition;

/// Test and valid each get at least this fraction of the within-limits pairs.
pub const MIN_HELD_OUT_FRACTION: f64 = 0.10;

/// 64-bit FNV-1a.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The hash that orders packages: seed (little-endian) then the normalized name. Seed 0 is the default.
pub fn package_hash(normalized_name: &str, seed: u64) -> u64 {
    let mut bytes = seed.to_le_bytes().to_vec();
    bytes.extend_from_slice(normalized_name.as_bytes());
    fnv1a64(&bytes)
}

/// A package as the splitter sees it.
#[derive(Debug, Clone)]
pub struct SplitUnit {
    pub normalized_name: String,
    /// Its pairs that fit the reference limits.
    pub within_limits: usize,
}

/// Assigns a partition to each unit (same order as `units`).
///
/// Pass 1 walks packages in hash order and gives each to test, then valid, while that split is below its
/// target, skipping a package that would take the split past 1.5x its target (a single huge package would
/// otherwise make a lopsided split). Pass 2 tops up a split still below target from train, in hash order,
/// with no cap: the 10% minimum wins over balance.
pub fn assign(units: &[SplitUnit], seed: u64) -> Vec<Partition> {
    let total: usize = units.iter().map(|u| u.within_limits).sum();
    let target = (total as f64 * MIN_HELD_OUT_FRACTION).ceil() as usize;
    let cap = target + target / 2;
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| {
        (
            package_hash(&units[i].normalized_name, seed),
            units[i].normalized_name.clone(),
        )
    });
    let mut out = vec![Partition::Train; units.len()];
    let mut counts = [0usize; 2];
    let held_out = [Partition::Test, Partition::Valid];
    for &i in &order {
        let n = units[i].within_limits;
        if let Some(k) = (0..2).find(|&k| counts[k] < target && counts[k] + n <= cap) {
            out[i] = held_out[k];
            counts[k] += n;
        }
    }
    for k in 0..2 {
        for &i in &order {
            if counts[k] >= target {
                break;
            }
            if out[i] == Partition::Train && units[i].within_limits > 0 {
                out[i] = held_out[k];
                counts[k] += units[i].within_limits;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn held_out_splits_reach_ten_percent() {
        let units: Vec<SplitUnit> = (0..30)
            .map(|i| SplitUnit {
                normalized_name: format!("pkg{i}"),
                within_limits: 10 + i * 7,
            })
            .collect();
        let parts = assign(&units, 0);
        let total: usize = units.iter().map(|u| u.within_limits).sum();
        for p in [Partition::Test, Partition::Valid] {
            let n: usize = units
                .iter()
                .zip(&parts)
                .filter(|(_, q)| **q == p)
                .map(|(u, _)| u.within_limits)
                .sum();
            assert!(n * 10 >= total, "{p}: {n} of {total}");
        }
        assert_eq!(parts, assign(&units, 0));
    }
}

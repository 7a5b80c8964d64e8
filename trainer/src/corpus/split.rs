//! Package-disjoint train/valid/test splits.
//!
//! Functions of one package share names, helpers and style; splitting inside a package would let the test
//! set leak into training. So whole packages are assigned, in an order given by a stable hash of their
//! name (FNV-1a: fixed across platforms, Rust versions and runs, unlike std's randomized hasher), until test
//! and valid each hold at least [`MIN_HELD_OUT_FRACTION`] of the pairs that fit the reference limits.
//!
//! A corpus grows by adding packages, and a checkpoint trained on the smaller one must not find its
//! training packages in the new test split. So a build can keep the packages of an earlier one where they
//! were (a [`KeptSplits`] file, see `trainer/corpus/splits.txt`); only the new packages are assigned.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// The split an earlier build gave it, which it keeps.
    pub kept: Option<Partition>,
}

/// Packages' splits from an earlier build: `normalized-name partition` per line, `#` starts a comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptSplits(pub BTreeMap<String, Partition>);

/// A [`KeptSplits`] file that cannot be used, with the line at fault.
#[derive(Debug, thiserror::Error)]
#[error("{}:{line}: {message}", file.display())]
pub struct KeptSplitsError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl KeptSplits {
    /// Reads the file; a malformed line, an unknown partition or a package given twice is an error.
    pub fn read(file: &Path) -> Result<Self, KeptSplitsError> {
        let text = std::fs::read_to_string(file).map_err(|e| KeptSplitsError {
            file: file.to_path_buf(),
            line: 0,
            message: e.to_string(),
        })?;
        Self::parse(&text).map_err(|(line, message)| KeptSplitsError {
            file: file.to_path_buf(),
            line,
            message,
        })
    }

    /// Parses the text of a file; errors carry the 1-based line.
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut kept = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, partition] = fields[..] else {
                return Err((
                    i + 1,
                    format!("expected `package partition`, found `{line}`"),
                ));
            };
            let partition = Partition::ALL
                .into_iter()
                .find(|p| p.as_str() == partition)
                .ok_or_else(|| {
                    (
                        i + 1,
                        format!("unknown partition `{partition}` (expected train, valid or test)"),
                    )
                })?;
            if kept.insert(name.to_string(), partition).is_some() {
                return Err((i + 1, format!("package `{name}` is listed twice")));
            }
        }
        Ok(Self(kept))
    }

    /// The file's text for `packages` (normalized name, partition), in name order.
    pub fn render(packages: impl IntoIterator<Item = (String, Partition)>) -> String {
        let mut lines: Vec<String> = packages
            .into_iter()
            .map(|(name, partition)| format!("{name} {partition}\n"))
            .collect();
        lines.sort();
        lines.concat()
    }
}

/// Assigns a partition to each unit (same order as `units`).
///
/// Kept units keep their partition and count towards the targets. Of the others, pass 1 walks packages
/// in hash order and gives each to test, then valid, while that split is below its target, skipping a package that would take the split past 1.5x its target (a single huge package would
/// otherwise make a lopsided split). Pass 2 tops up a split still below target from train, in hash order,
/// with no cap: the 10% minimum wins over balance. Without kept units the result is the plain split.
pub fn assign(units: &[SplitUnit], seed: u64) -> Vec<Partition> {
    let total: usize = units.iter().map(|u| u.within_limits).sum();
    let target = (total as f64 * MIN_HELD_OUT_FRACTION).ceil() as usize;
    let cap = target + target / 2;
    let mut order: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].kept.is_none())
        .collect();
    order.sort_by_key(|&i| {
        (
            package_hash(&units[i].normalized_name, seed),
            units[i].normalized_name.clone(),
        )
    });
    let held_out = [Partition::Test, Partition::Valid];
    let mut out: Vec<Partition> = units
        .iter()
        .map(|u| u.kept.unwrap_or(Partition::Train))
        .collect();
    let mut counts = [0usize; 2];
    for (unit, partition) in units.iter().zip(&out) {
        if let Some(k) = held_out.iter().position(|p| p == partition) {
            counts[k] += unit.within_limits;
        }
    }
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
                // `order` holds no kept unit, so a kept train package stays in train.
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
                kept: None,
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

    fn units(sizes: &[usize]) -> Vec<SplitUnit> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| SplitUnit {
                normalized_name: format!("pkg{i}"),
                within_limits: n,
                kept: None,
            })
            .collect()
    }

    fn share(units: &[SplitUnit], parts: &[Partition], p: Partition) -> usize {
        units
            .iter()
            .zip(parts)
            .filter(|(_, q)| **q == p)
            .map(|(u, _)| u.within_limits)
            .sum()
    }

    #[test]
    fn kept_packages_stay_and_new_ones_top_up_the_held_out_splits() {
        let old = units(&[40, 25, 60, 15, 30, 50, 20, 35]);
        let old_parts = assign(&old, 0);
        // Twice as many pairs arrive in new packages; the old ones keep their splits.
        let mut grown: Vec<SplitUnit> = old
            .iter()
            .zip(&old_parts)
            .map(|(u, &p)| SplitUnit {
                kept: Some(p),
                ..u.clone()
            })
            .collect();
        grown.extend(
            units(&[45, 30, 55, 20, 40, 25, 60, 35, 50, 30, 40, 25, 45, 20, 30])
                .into_iter()
                .map(|u| SplitUnit {
                    normalized_name: format!("new-{}", u.normalized_name),
                    ..u
                }),
        );
        let parts = assign(&grown, 0);
        assert_eq!(&parts[..old.len()], &old_parts[..], "old packages moved");
        let total: usize = grown.iter().map(|u| u.within_limits).sum();
        for p in [Partition::Test, Partition::Valid] {
            let n = share(&grown, &parts, p);
            assert!(n * 10 >= total, "{p}: {n} of {total}");
            assert!(
                parts[old.len()..].contains(&p),
                "no new package went to {p}: {parts:?}"
            );
        }
        // A held-out package kept in train (here: all old ones) is never moved to top up.
        let all_train: Vec<SplitUnit> = grown
            .iter()
            .map(|u| SplitUnit {
                kept: u.kept.map(|_| Partition::Train),
                ..u.clone()
            })
            .collect();
        let parts = assign(&all_train, 0);
        assert!(parts[..old.len()].iter().all(|&p| p == Partition::Train));
    }

    #[test]
    fn kept_splits_files_parse_and_name_the_bad_line() {
        let text = "# an earlier build\nalpha train\nbeta-pkg test  # held out\n\ngamma valid\n";
        let kept = KeptSplits::parse(text).unwrap();
        assert_eq!(kept.0.len(), 3);
        assert_eq!(kept.0["beta-pkg"], Partition::Test);
        let rendered = KeptSplits::render(kept.0.clone());
        assert_eq!(KeptSplits::parse(&rendered).unwrap(), kept);
        assert_eq!(
            KeptSplits::parse("alpha train\nbeta tset\n").unwrap_err(),
            (
                2,
                "unknown partition `tset` (expected train, valid or test)".to_string()
            )
        );
        assert_eq!(KeptSplits::parse("alpha\n").unwrap_err().0, 1);
        assert_eq!(KeptSplits::parse("a test\na train\n").unwrap_err().0, 2);
    }
}

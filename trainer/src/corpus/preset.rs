//! Presets: deterministic subsets of a corpus' splits that experiments train and evaluate on.
//!
//! The reference design trains on 10,000 CodeSearchNet pairs and validates and tests on 1,000 each, all
//! within its length limits. `reference` draws exactly that from the embedded corpus' package-disjoint
//! splits; `full` keeps every pair within the limits (the "more data" setting). The draw is a seeded
//! shuffle, so every machine and every run gets the same pairs.

use std::fmt;
use std::str::FromStr;

use model::rng::Rng;
use serde::{Deserialize, Serialize};

use super::loader::Pair;
use super::record::within_limits;

/// The seed of the draw; part of the preset's definition.
pub const PRESET_SEED: u64 = 2026;

/// A named choice of training / validation / test pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// A small draw for trying things out: all three models train and are evaluated on a 2-core CPU in
    /// about ten minutes.
    Quick,
    /// The reference design's 10,000 / 1,000 / 1,000 pairs.
    Reference,
    /// Every pair within the limits.
    Full,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Quick, Preset::Reference, Preset::Full];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Reference => "reference",
            Preset::Full => "full",
        }
    }

    /// Pairs per split (train, valid, test); `None` = all of them.
    pub fn sizes(self) -> [Option<usize>; 3] {
        match self {
            Preset::Quick => [Some(2_000), Some(200), Some(200)],
            Preset::Reference => [Some(10_000), Some(1_000), Some(1_000)],
            Preset::Full => [None, None, None],
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown preset `{s}` (expected quick, reference or full)"))
    }
}

/// The pairs of a preset, each split in corpus order.
#[derive(Debug, Clone, Default)]
pub struct Splits {
    pub train: Vec<Pair>,
    pub valid: Vec<Pair>,
    pub test: Vec<Pair>,
}

/// Draws `preset` from `pairs` (which carry their partition): the pairs within the limits of each split,
/// shuffled with [`PRESET_SEED`] and cut to the preset's size. Fails when a split has fewer pairs than the
/// preset asks for, naming the split and both counts.
pub fn select(pairs: &[Pair], preset: Preset) -> Result<Splits, String> {
    select_sized(pairs, preset.sizes())
}

/// [`select`] with explicit sizes per split (train, valid, test); `None` = every pair within the limits.
pub fn select_sized(pairs: &[Pair], sizes: [Option<usize>; 3]) -> Result<Splits, String> {
    let [train, valid, test] = sizes;
    Ok(Splits {
        train: draw(pairs, "train", train, 0)?,
        valid: draw(pairs, "valid", valid, 1)?,
        test: draw(pairs, "test", test, 2)?,
    })
}

fn draw(
    pairs: &[Pair],
    split: &str,
    size: Option<usize>,
    stream: u64,
) -> Result<Vec<Pair>, String> {
    let mut members: Vec<usize> = (0..pairs.len())
        .filter(|&i| pairs[i].partition.as_deref() == Some(split) && within_limits(&pairs[i]))
        .collect();
    if let Some(size) = size {
        if members.len() < size {
            return Err(format!(
                "the {split} split has {} pairs within the limits; the preset needs {size}",
                members.len()
            ));
        }
        Rng::new(PRESET_SEED ^ stream).shuffle(&mut members);
        members.truncate(size);
        // Corpus order, so that a preset reads like the file it came from.
        members.sort_unstable();
    }
    Ok(members.into_iter().map(|i| pairs[i].clone()).collect())
}

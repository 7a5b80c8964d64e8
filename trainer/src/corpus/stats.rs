//! `corpus stats`: what a data file holds, in the terms the reference design cares about (pairs per split,
//! how many fit its 50/80-token limits, length percentiles, vocabulary sizes) and whether the layout-token
//! target loses anything (the round-trip rate).

use super::loader::Pair;
use super::preset::{self, Preset};
use super::record::{MAX_SRC_TOKENS, MAX_TGT_TOKENS, within_limits};
use super::roundtrip::{self, RoundTripStats};
use model::vocab::Vocab;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

/// Tokens seen fewer times than this in training data map to `<unk>` (the reference design's choice).
pub const VOCAB_MIN_FREQ: usize = 2;

/// Nearest-rank percentiles of a length distribution.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Percentiles {
    pub p50: usize,
    pub p90: usize,
    pub p95: usize,
    pub p99: usize,
    pub max: usize,
}

impl Percentiles {
    pub fn of(mut values: Vec<usize>) -> Self {
        values.sort_unstable();
        let at = |q: f64| -> usize {
            if values.is_empty() {
                return 0;
            }
            let rank = (q * values.len() as f64).ceil() as usize;
            values[rank.clamp(1, values.len()) - 1]
        };
        Percentiles {
            p50: at(0.50),
            p90: at(0.90),
            p95: at(0.95),
            p99: at(0.99),
            max: values.last().copied().unwrap_or(0),
        }
    }
}

/// One split's counts.
#[derive(Debug, Clone, Serialize)]
pub struct SplitStats {
    pub split: String,
    pub pairs: usize,
    pub within_limits: usize,
    /// Distinct `repo` values.
    pub packages: usize,
}

/// Vocabulary sizes (tokens seen at least [`VOCAB_MIN_FREQ`] times; special tokens not counted).
#[derive(Debug, Clone, Serialize)]
pub struct VocabStats {
    /// The split counted: `train` when the file has one, else every pair (`all`).
    pub split: String,
    pub min_freq: usize,
    /// Docstring tokens, all pairs of the split / only those within the limits.
    pub source: usize,
    pub source_within_limits: usize,
    /// Layout tokens, likewise.
    pub target: usize,
    pub target_within_limits: usize,
}

/// Vocabulary sizes of a preset's training pairs, specials included.
#[derive(Debug, Clone, Serialize)]
pub struct PresetVocab {
    pub preset: String,
    /// Train, valid, test pairs.
    pub pairs: [usize; 3],
    pub source: usize,
    pub target: usize,
}

/// Everything `corpus stats` reports.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusStats {
    pub file: String,
    pub max_src_tokens: usize,
    pub max_tgt_tokens: usize,
    pub splits: Vec<SplitStats>,
    pub total: SplitStats,
    pub docstring_tokens: Percentiles,
    pub code_tokens: Percentiles,
    /// Over the pairs that have layout tokens.
    pub layout_tokens: Percentiles,
    pub pairs_with_layout: usize,
    /// What the models are trained on: the decoder's maximum length must cover these.
    pub layout_tokens_within_limits: Percentiles,
    pub vocabulary: VocabStats,
    /// The vocabularies the reference preset's models get (the reference design had 2,302 / 4,691).
    pub preset_vocabulary: Option<PresetVocab>,
    /// `None` when skipped (`--no-roundtrip`): it parses every function twice, the slow part of stats.
    pub roundtrip: Option<RoundTripStats>,
}

/// The split name a pair counts under (`all` when the file has none).
fn split_of(pair: &Pair) -> &str {
    pair.partition.as_deref().unwrap_or("all")
}

fn split_stats(split: &str, pairs: &[&Pair]) -> SplitStats {
    SplitStats {
        split: split.to_string(),
        pairs: pairs.len(),
        within_limits: pairs.iter().filter(|p| within_limits(**p)).count(),
        packages: pairs
            .iter()
            .map(|p| p.repo.as_str())
            .collect::<BTreeSet<_>>()
            .len(),
    }
}

/// The size of the vocabulary `model::vocab::Vocab` builds from `sequences` (specials included: the size
/// of the model's embedding or output layer).
fn vocab_size<'a, S: IntoIterator<Item = &'a String>>(
    sequences: impl IntoIterator<Item = S>,
) -> usize {
    Vocab::build(sequences, VOCAB_MIN_FREQ, None).len()
}

/// Vocabulary sizes of the reference preset's training pairs, or `None` when the file cannot give the
/// preset (no partitions, or too few pairs).
fn preset_vocabulary(pairs: &[Pair]) -> Option<PresetVocab> {
    let splits = preset::select(pairs, Preset::Reference).ok()?;
    Some(PresetVocab {
        preset: Preset::Reference.name().to_string(),
        pairs: [splits.train.len(), splits.valid.len(), splits.test.len()],
        source: vocab_size(splits.train.iter().map(|p| &p.docstring_tokens)),
        target: vocab_size(splits.train.iter().filter_map(|p| p.layout_tokens.as_ref())),
    })
}

/// Computes the statistics of a loaded file (`file` is only its name for the report), with the round trip
/// if asked.
pub fn compute(file: &str, pairs: &[Pair], roundtrip: bool) -> CorpusStats {
    let mut names: Vec<&str> = pairs
        .iter()
        .map(split_of)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rank = |s: &str| {
        ["train", "valid", "test"]
            .iter()
            .position(|x| *x == s)
            .unwrap_or(3)
    };
    names.sort_by_key(|s| (rank(s), s.to_string()));
    let splits = names
        .iter()
        .map(|name| {
            let members: Vec<&Pair> = pairs.iter().filter(|p| split_of(p) == *name).collect();
            split_stats(name, &members)
        })
        .collect();
    let vocab_split = if names.contains(&"train") {
        "train"
    } else {
        "all"
    };
    let vocab_pairs: Vec<&Pair> = pairs
        .iter()
        .filter(|p| vocab_split == "all" || split_of(p) == "train")
        .collect();
    let within: Vec<&Pair> = vocab_pairs
        .iter()
        .copied()
        .filter(|p| within_limits(*p))
        .collect();
    let layouts =
        |ps: &[&Pair]| -> usize { vocab_size(ps.iter().filter_map(|p| p.layout_tokens.as_ref())) };
    let layout_lengths: Vec<usize> = pairs
        .iter()
        .filter_map(|p| p.layout_tokens.as_ref().map(Vec::len))
        .collect();
    CorpusStats {
        file: file.to_string(),
        max_src_tokens: MAX_SRC_TOKENS,
        max_tgt_tokens: MAX_TGT_TOKENS,
        splits,
        total: split_stats("total", &pairs.iter().collect::<Vec<_>>()),
        docstring_tokens: Percentiles::of(pairs.iter().map(|p| p.docstring_tokens.len()).collect()),
        code_tokens: Percentiles::of(pairs.iter().map(|p| p.code_tokens.len()).collect()),
        pairs_with_layout: layout_lengths.len(),
        layout_tokens: Percentiles::of(layout_lengths),
        layout_tokens_within_limits: Percentiles::of(
            pairs
                .iter()
                .filter(|p| within_limits(*p))
                .filter_map(|p| p.layout_tokens.as_ref().map(Vec::len))
                .collect(),
        ),
        preset_vocabulary: preset_vocabulary(pairs),
        vocabulary: VocabStats {
            split: vocab_split.to_string(),
            min_freq: VOCAB_MIN_FREQ,
            source: vocab_size(vocab_pairs.iter().map(|p| &p.docstring_tokens)),
            source_within_limits: vocab_size(within.iter().map(|p| &p.docstring_tokens)),
            target: layouts(&vocab_pairs),
            target_within_limits: layouts(&within),
        },
        roundtrip: roundtrip.then(|| roundtrip::check_pairs(pairs)),
    }
}

impl fmt::Display for CorpusStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "corpus: {}", self.file)?;
        writeln!(
            f,
            "{:<8} {:>9} {:>14} {:>9}",
            "split", "pairs", "within limits", "packages"
        )?;
        for s in self.splits.iter().chain([&self.total]) {
            writeln!(
                f,
                "{:<8} {:>9} {:>14} {:>9}",
                s.split, s.pairs, s.within_limits, s.packages
            )?;
        }
        writeln!(
            f,
            "(within limits: docstring <= {} tokens and code <= {} tokens)",
            self.max_src_tokens, self.max_tgt_tokens
        )?;
        writeln!(
            f,
            "{:<18} {:>6} {:>6} {:>6} {:>6} {:>6}",
            "tokens", "p50", "p90", "p95", "p99", "max"
        )?;
        for (name, p) in [
            ("docstring", &self.docstring_tokens),
            ("code (CSN)", &self.code_tokens),
            ("code (layout)", &self.layout_tokens),
            ("  within limits", &self.layout_tokens_within_limits),
        ] {
            writeln!(
                f,
                "{name:<18} {:>6} {:>6} {:>6} {:>6} {:>6}",
                p.p50, p.p90, p.p95, p.p99, p.max
            )?;
        }
        let v = &self.vocabulary;
        writeln!(
            f,
            "vocabulary ({} split, min frequency {}): source {} ({} within limits), target {} ({} within limits)",
            v.split, v.min_freq, v.source, v.source_within_limits, v.target, v.target_within_limits
        )?;
        if let Some(p) = &self.preset_vocabulary {
            writeln!(
                f,
                "{} preset ({}/{}/{} pairs), vocabulary at min frequency {}: source {}, target {}",
                p.preset, p.pairs[0], p.pairs[1], p.pairs[2], v.min_freq, p.source, p.target
            )?;
        }
        let Some(r) = &self.roundtrip else {
            return writeln!(f, "round trip: skipped");
        };
        writeln!(
            f,
            "round trip (layout tokens -> text -> tokens and tree): {}/{} ok ({:.3}%)",
            r.ok,
            r.checked,
            100.0 * r.rate()
        )?;
        for (outcome, n) in &r.failures {
            writeln!(f, "  {outcome}: {n}")?;
        }
        for e in &r.examples {
            writeln!(f, "    {e}")?;
        }
        Ok(())
    }
}

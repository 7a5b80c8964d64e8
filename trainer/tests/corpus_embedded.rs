//! The shipped corpus: it loads, its splits are package-disjoint and large enough for the reference
//! preset, and the preset draw is deterministic.

use std::collections::BTreeSet;

use trainer::corpus::preset::{self, Preset};
use trainer::corpus::{embedded_corpus_path, load_pairs, within_limits};

#[test]
fn embedded_corpus_gives_the_reference_preset() {
    let pairs = load_pairs(embedded_corpus_path()).unwrap();
    assert!(pairs.len() > 50_000, "{} pairs", pairs.len());

    let packages = |split: &str| -> BTreeSet<&str> {
        pairs
            .iter()
            .filter(|p| p.partition.as_deref() == Some(split))
            .map(|p| p.repo.as_str())
            .collect()
    };
    let (train, valid, test) = (packages("train"), packages("valid"), packages("test"));
    assert!(train.is_disjoint(&valid) && train.is_disjoint(&test) && valid.is_disjoint(&test));
    assert_eq!(train.len() + valid.len() + test.len(), 47);

    let splits = preset::select(&pairs, Preset::Reference).unwrap();
    let sizes = [splits.train.len(), splits.valid.len(), splits.test.len()];
    assert_eq!(sizes, [10_000, 1_000, 1_000]);
    assert!(splits.train.iter().all(within_limits));
    assert!(
        splits
            .test
            .iter()
            .all(|p| p.partition.as_deref() == Some("test"))
    );
    // Every target has its layout tokens (the models' target form).
    assert!(splits.train.iter().all(|p| p.layout_tokens.is_some()));

    let again = preset::select(&pairs, Preset::Reference).unwrap();
    assert_eq!(again.train, splits.train);
    assert_eq!(again.test, splits.test);

    let full = preset::select(&pairs, Preset::Full).unwrap();
    assert!(full.train.len() > 25_000 && full.valid.len() > 3_000 && full.test.len() > 3_000);
}

#[test]
fn presets_name_what_is_missing() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/csn.jsonl");
    let few = load_pairs(fixture).unwrap();
    let err = preset::select(&few, Preset::Reference).unwrap_err();
    assert!(
        err.contains("split has") && err.contains("needs 10000"),
        "{err}"
    );
    assert_eq!("reference".parse::<Preset>().unwrap(), Preset::Reference);
    let unknown = "huge".parse::<Preset>().unwrap_err();
    assert!(unknown.contains("unknown preset `huge`"), "{unknown}");
}

//! The shipped corpus: it loads, its splits are package-disjoint and large enough for the reference
//! preset, the preset draw is deterministic, and every package sits in the split `splits.txt` pins.

use std::collections::BTreeSet;
use std::path::Path;

use trainer::corpus::metadata::normalize_name;
use trainer::corpus::preset::{self, Preset};
use trainer::corpus::{KeptSplits, embedded_corpus_path, load_pairs, within_limits};

#[test]
fn every_package_sits_in_the_split_that_splits_txt_pins() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/splits.txt");
    let kept = KeptSplits::read(&file).unwrap();
    let pairs = load_pairs(embedded_corpus_path()).unwrap();
    let mut seen = BTreeSet::new();
    for pair in &pairs {
        let name = normalize_name(pair.repo.split("==").next().unwrap());
        let pinned = kept.0.get(&name).map(|p| p.as_str());
        assert_eq!(pinned, pair.partition.as_deref(), "{}", pair.repo);
        seen.insert(name);
    }
    // A package with no pair left (all filtered or duplicates) may be pinned without appearing.
    assert!(
        seen.len() + 5 >= kept.0.len(),
        "{} of {}",
        seen.len(),
        kept.0.len()
    );
}

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
    // Each held-out split holds at least 10% of the pairs within the limits.
    let within = full.train.len() + full.valid.len() + full.test.len();
    assert!(within > 30_000, "{within} pairs within the limits");
    assert!(full.valid.len() * 10 >= within && full.test.len() * 10 >= within);
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

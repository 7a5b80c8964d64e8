//! `corpus stats` and the layout-token round trip.

use std::path::{Path, PathBuf};
use trainer::corpus::load_pairs;
use trainer::corpus::roundtrip::{RoundTrip, check, tree_signature};
use trainer::corpus::stats::{Percentiles, compute};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn percentiles_use_nearest_rank() {
    let p = Percentiles::of((1..=100).collect());
    assert_eq!((p.p50, p.p90, p.p95, p.p99, p.max), (50, 90, 95, 99, 100));
    assert_eq!(Percentiles::of(vec![]), Percentiles::default());
    assert_eq!(Percentiles::of(vec![7]).p50, 7);
}

#[test]
fn stats_of_a_split_file() {
    let pairs = load_pairs(fixture("csn.jsonl")).unwrap();
    let stats = compute("csn.jsonl", &pairs, true);
    let splits: Vec<(&str, usize, usize)> = stats
        .splits
        .iter()
        .map(|s| (s.split.as_str(), s.pairs, s.packages))
        .collect();
    assert_eq!(splits, [("train", 1, 1), ("valid", 1, 1), ("test", 1, 1)]);
    assert_eq!(
        (
            stats.total.pairs,
            stats.total.within_limits,
            stats.total.packages
        ),
        (3, 3, 2)
    );
    assert_eq!(stats.vocabulary.split, "train");
    // One training pair: no token is seen twice, so only the four specials are in the vocabulary.
    assert_eq!(stats.vocabulary.source, 4);
    // Three pairs cannot give the reference preset's 10,000 / 1,000 / 1,000.
    assert!(stats.preset_vocabulary.is_none());
    assert_eq!(stats.roundtrip.as_ref().unwrap().checked, 3);
    assert_eq!(
        stats.roundtrip.as_ref().unwrap().ok,
        3,
        "{:?}",
        stats.roundtrip
    );
    assert!(compute("csn.jsonl", &pairs, false).roundtrip.is_none());
    let table = stats.to_string();
    assert!(table.contains("round trip"), "{table}");
}

#[test]
fn files_without_splits_count_as_all() {
    let pairs = load_pairs(fixture("eval.jsonl")).unwrap();
    let stats = compute("eval.jsonl", &pairs, true);
    assert_eq!(stats.splits.len(), 1);
    assert_eq!(stats.splits[0].split, "all");
    assert_eq!(stats.vocabulary.split, "all");
    assert_eq!(stats.pairs_with_layout, 1);
    assert_eq!(stats.roundtrip.as_ref().unwrap().checked, 1);
}

#[test]
fn round_trip_outcomes() {
    assert_eq!(check("def f(x):\n    return x"), RoundTrip::Ok);
    // Backslash continuations and bracketed continuation lines are layout: dropped, same tree.
    assert_eq!(
        check("def f(x):\n    y = x + \\\n        1\n    return [y,\n        2]"),
        RoundTrip::Ok
    );
    // Multi-line strings survive verbatim.
    assert_eq!(check("def f():\n    return '''a\n  b\nc'''"), RoundTrip::Ok);
    assert_eq!(check("x = 'abc"), RoundTrip::SourceDoesNotLex);
    assert!(tree_signature("def f(:").is_none());
    assert_eq!(tree_signature("x  =  1"), tree_signature("x = 1"));
    assert_ne!(tree_signature("x = 1"), tree_signature("x = 2"));
}

#[test]
fn command_line_stats_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(["corpus", "stats", "--json", "--data"])
        .arg(fixture("csn.jsonl.gz"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["total"]["pairs"], 3);
    assert_eq!(json["roundtrip"]["ok"], 3);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(["corpus", "stats", "--data", "/nonexistent.jsonl"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent.jsonl"));
}

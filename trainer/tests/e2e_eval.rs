//! `trainer eval` end to end: a checkpoint scores on its own run's test split without being told
//! where the data is, on any corpus file given, and writes its predictions for inspection; `--json`
//! carries the fields scripts read.

mod corpus_common;
mod e2e_common;

use e2e_common::{TempDir, fails, ok, path, trained_run};

#[test]
fn eval_on_the_runs_test_split_prints_the_json_fields() {
    let tmp = TempDir::new("e2e-eval-split");
    let run = trained_run(&tmp);
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["eval", "--checkpoint", path(&run.best), "--json"])).unwrap();
    assert_eq!(json["n"], 8);
    for field in [
        "bleu",
        "token_accuracy",
        "exact_match",
        "syntax_valid",
        "repetition_rate",
    ] {
        assert!(json[field].is_number(), "{field} in {json}");
    }
    // An attention model: where it looked, as fractions and shares that can be checked.
    let spread = &json["attention"];
    let normalised = spread["normalised_entropy"].as_f64().unwrap();
    let last_two = spread["last_two_share"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&normalised), "{spread}");
    assert!((0.0..=100.0).contains(&last_two), "{spread}");
    assert!(
        spread["mean_p_gen"].is_null(),
        "no copy, no p_gen: {spread}"
    );
}

#[test]
fn eval_with_another_preset_draws_that_presets_split() {
    let tmp = TempDir::new("e2e-eval-preset");
    let run = trained_run(&tmp);
    let own = &["eval", "--checkpoint", path(&run.best), "--json"];
    let same: serde_json::Value =
        serde_json::from_str(&ok(&[own, &["--preset", "full"][..]].concat())).unwrap();
    assert_eq!(same["n"], 8, "full is the run's own preset: {same}");
    // The toy corpus is far smaller than the quick preset, so drawing it must fail, naming its size.
    fails(
        &[own, &["--preset", "quick"][..]].concat(),
        "the train split has 48 pairs within the limits; the preset needs 2000",
    );
}

#[test]
fn eval_on_a_file_writes_a_prediction_per_pair() {
    let tmp = TempDir::new("e2e-eval-file");
    let run = trained_run(&tmp);
    let predictions = tmp.path().join("pred.jsonl");
    ok(&[
        "eval",
        "--checkpoint",
        path(&run.best),
        "--data",
        path(&run.data),
        "--beam",
        "2",
        "--predictions",
        path(&predictions),
    ]);
    assert_eq!(
        std::fs::read_to_string(&predictions)
            .unwrap()
            .lines()
            .count(),
        64
    );
}

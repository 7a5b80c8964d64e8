//! `evaluate`: every metric of the report over a small test set worked out by hand.

use trainer::metrics::{EvalSummary, Example, bucket_label, corpus_bleu, evaluate};

fn tokens(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

fn example(docstring_len: usize, reference: &str, hypothesis_layout: &str) -> Example {
    Example {
        docstring_len,
        reference: tokens(reference),
        hypothesis_layout: tokens(hypothesis_layout),
        seed_reference: None,
    }
}

/// Four outputs: one perfect, one with a missing `)`, one looping, one empty.
fn test_set() -> Vec<Example> {
    vec![
        example(
            5,
            "def f ( x ) : return x",
            "def f ( x ) : <newline> <indent> return x",
        ),
        example(
            15,
            "def g ( ) : return 1",
            "def g ( : <newline> <indent> return 1",
        ),
        example(55, "def h ( a ) : return a + a", "x = x = x = x ="),
        example(12, "def k ( ) : pass", ""),
    ]
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "got {actual}, expected {expected}"
    );
}

#[test]
fn evaluate_computes_every_metric() {
    let summary = evaluate(&test_set());
    assert_eq!(summary.n, 4);
    // Only the first output is identical to its reference and parses.
    assert_close(summary.exact_match, 25.0);
    assert_close(summary.syntax_valid, 25.0);
    // Token accuracy per example: 8/8, 3/7 (def g ( then off by one), 0, 0; mean in percent.
    assert_close(summary.token_accuracy, 100.0 * (1.0 + 3.0 / 7.0) / 4.0);
    // Lengths without layout: 8, 6, 8, 0 and references 8, 7, 10, 6.
    assert_close(summary.mean_length, 5.5);
    assert_close(summary.reference_mean_length, 7.75);
    // seq-rep-4 over the three outputs with a 4-gram: 0, 0, 1 - 2/5.
    assert_close(summary.repetition_rate, 100.0 * 0.6 / 3.0);
    assert_close(summary.reference_repetition_rate, 0.0);
    // Only "def g ( :" leaves a bracket open.
    assert_close(summary.unbalanced_brackets, 25.0);
}

#[test]
fn bleu_is_corpus_bleu_of_the_stripped_tokens() {
    let examples = test_set();
    let references: Vec<_> = examples.iter().map(|e| e.reference.clone()).collect();
    let hypotheses: Vec<_> = examples
        .iter()
        .map(|e| model::tokenizer::strip_layout(&e.hypothesis_layout))
        .collect();
    assert_close(
        evaluate(&examples).bleu,
        corpus_bleu(&references, &hypotheses).bleu,
    );
}

#[test]
fn bleu_by_length_lists_every_bucket_in_order() {
    let summary = evaluate(&test_set());
    let buckets: Vec<(&str, usize)> = summary
        .bleu_by_length
        .iter()
        .map(|b| (b.bucket.as_str(), b.n))
        .collect();
    assert_eq!(
        buckets,
        [
            ("1-10", 1),
            ("11-20", 2),
            ("21-30", 0),
            ("31-40", 0),
            ("41-50", 0),
            ("51+", 1)
        ]
    );
    let bleu = |i: usize| summary.bleu_by_length[i].bleu;
    assert_close(bleu(0).unwrap(), 100.0);
    assert_eq!(bleu(2), None);
    let second = &test_set()[1..2];
    let refs = [second[0].reference.clone(), tokens("def k ( ) : pass")];
    let hyps = [tokens("def g ( : return 1"), Vec::new()];
    assert_close(bleu(1).unwrap(), corpus_bleu(&refs, &hyps).bleu);
}

#[test]
fn no_long_docstring_means_no_last_bucket() {
    let summary = evaluate(&test_set()[..2]);
    let last = summary.bleu_by_length.last().unwrap();
    assert_eq!(last.bucket, "41-50");
}

#[test]
fn bucket_labels() {
    assert_eq!(bucket_label(0), "1-10");
    assert_eq!(bucket_label(1), "1-10");
    assert_eq!(bucket_label(10), "1-10");
    assert_eq!(bucket_label(11), "11-20");
    assert_eq!(bucket_label(50), "41-50");
    assert_eq!(bucket_label(51), "51+");
}

#[test]
fn empty_test_set_gives_zeros_not_nan() {
    let summary = evaluate(&[]);
    assert_eq!(summary.n, 0);
    for value in [
        summary.bleu,
        summary.token_accuracy,
        summary.exact_match,
        summary.syntax_valid,
    ] {
        assert_eq!(value, 0.0);
    }
    assert_eq!(summary.mean_length, 0.0);
    assert!(
        summary
            .bleu_by_length
            .iter()
            .all(|b| b.n == 0 && b.bleu.is_none())
    );
}

#[test]
fn summary_round_trips_through_json() {
    let summary = evaluate(&test_set());
    let json = serde_json::to_value(&summary).unwrap();
    for key in [
        "n",
        "bleu",
        "token_accuracy",
        "exact_match",
        "syntax_valid",
        "mean_length",
        "repetition_rate",
        "unbalanced_brackets",
        "bleu_by_length",
    ] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
    assert_eq!(json["bleu_by_length"][0]["bucket"], "1-10");
    // serde_json may read a float back 1 ulp off, so compare with a tolerance.
    let back: EvalSummary = serde_json::from_value(json).unwrap();
    assert_eq!(
        (back.n, back.bleu_by_length.len()),
        (summary.n, summary.bleu_by_length.len())
    );
    assert_close(back.bleu, summary.bleu);
    assert_close(back.token_accuracy, summary.token_accuracy);
}

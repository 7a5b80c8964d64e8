//! Corpus BLEU-4 against values worked out by hand and against the Python reference implementation.
//!
//! The "python" values were obtained once by running a scratch copy of `compute_bleu` from
//! microsoft/CodeXGLUE `Text-Code/text-to-code/evaluator/bleu.py` (TensorFlow NMT) with
//! `max_order=4, smooth=True` on the same whitespace-split corpora, printing `100 * bleu`.

use trainer::metrics::{BleuScore, corpus_bleu, seed_bleu};

fn tokens(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// BLEU of `(reference, hypothesis)` pairs.
fn bleu(pairs: &[(&str, &str)]) -> BleuScore {
    let references: Vec<_> = pairs.iter().map(|(r, _)| tokens(r)).collect();
    let hypotheses: Vec<_> = pairs.iter().map(|(_, h)| tokens(h)).collect();
    corpus_bleu(&references, &hypotheses)
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "got {actual}, expected {expected}"
    );
}

#[test]
fn perfect_match_is_100() {
    // Every n-gram matches: p_n = (m + 1) / (m + 1) = 1 for all n, ratio 1, bp 1. python: 100.0
    let score = bleu(&[("def f ( x ) : return x", "def f ( x ) : return x")]);
    assert_close(score.bleu, 100.0);
    assert_eq!(score.precisions, [1.0; 4]);
    assert_eq!((score.hypothesis_length, score.reference_length), (8, 8));
}

#[test]
fn no_overlap_is_not_zero_because_of_smoothing() {
    // 0 matches of 4, 3, 2, 1 possible: p = 1/5, 1/4, 1/3, 1/2; product 1/120;
    // (1/120)^(1/4) = exp(-ln(120) / 4) = 0.302137...; ratio 1, bp 1.  python: 30.21375397356768
    let score = bleu(&[("a b c d", "w x y z")]);
    assert_close(score.bleu, 100.0 * (1.0f64 / 120.0).powf(0.25));
    assert_close(score.bleu, 30.21375397356768);
    assert_close(score.brevity_penalty, 1.0);
}

#[test]
fn short_hypothesis_gets_the_brevity_penalty() {
    // "a b c" against "a b c d e f": matches 3, 2, 1, 0 of possible 3, 2, 1, 0, so
    // p = 4/4, 3/3, 2/2, 1/1 = 1; ratio 3/6 = 0.5; bp = exp(1 - 1/0.5) = e^-1 = 0.367879...
    // python: 36.787944117144235
    let score = bleu(&[("a b c d e f", "a b c")]);
    assert_close(score.ratio, 0.5);
    assert_close(score.brevity_penalty, (-1.0f64).exp());
    assert_close(score.bleu, 100.0 * (-1.0f64).exp());
    assert_close(score.bleu, 36.787944117144235);
}

#[test]
fn repeated_tokens_are_clipped() {
    // "a a a a" against "a b a c": the reference has "a" twice, so 2 unigram matches (not 4); no
    // bigram "a a" in the reference, so 0 bigram, trigram and 4-gram matches.
    // p = 3/5, 1/4, 1/3, 1/2; product 3/120 = 1/40; (1/40)^(1/4) = 0.397635...; ratio 1.
    // python: 39.76353643835253
    let score = bleu(&[("a b a c", "a a a a")]);
    assert_close(score.precisions[0], 3.0 / 5.0);
    assert_close(score.bleu, 100.0 * (1.0f64 / 40.0).powf(0.25));
    assert_close(score.bleu, 39.76353643835253);
}

#[test]
fn counts_are_summed_over_the_corpus_before_dividing() {
    // Pair 1 matches 5, 4, 3, 2 of 5, 4, 3, 2; pair 2 matches nothing of 2, 1, 0, 0.
    // Summed: p = 6/8, 5/6, 4/4, 3/3; product 0.625; 0.625^(1/4) = 0.889139...; ratio 7/7.
    // (The mean of the two sentence scores would be (100 + 30.2...) / 2 instead.)
    // python: 88.91397050194614
    let score = bleu(&[("a b c d e", "a b c d e"), ("p q", "r s")]);
    assert_close(score.bleu, 100.0 * 0.625f64.powf(0.25));
    assert_close(score.bleu, 88.91397050194614);
}

#[test]
fn long_hypothesis_has_no_brevity_penalty() {
    // "return x + 1" against "return x": matches 2, 1, 0, 0 of 4, 3, 2, 1:
    // p = 3/5, 2/4, 1/3, 1/2; product 1/20; ratio 2 > 1 so bp = 1. python: 47.28708045015878
    let score = bleu(&[("return x", "return x + 1")]);
    assert_close(score.brevity_penalty, 1.0);
    assert_close(score.bleu, 47.28708045015878);
}

#[test]
fn matches_the_python_reference_on_code() {
    // python: bleu=65.18233672622593 precisions=[0.8409090909090909, 0.75, 0.6944444444444444, 0.65625]
    // bp=0.8902267532558452 ratio=0.8958333333333334 lengths 43, 48
    let score = bleu(&[
        (
            "def add ( a , b ) : return a + b",
            "def add ( a , b ) : return a - b",
        ),
        (
            "def get_name ( self ) : return self . name",
            "def get_name ( self ) : return self . _name",
        ),
        (
            "def is_empty ( items ) : if not items : return True return False",
            "def is_empty ( items ) : return len ( items ) == 0",
        ),
        (
            "def area ( r ) : return 3.14 * r * r",
            "def area ( r ) : return r",
        ),
    ]);
    assert_close(score.bleu, 65.18233672622593);
    let python_precisions = [0.8409090909090909, 0.75, 0.6944444444444444, 0.65625];
    for (actual, expected) in score.precisions.iter().zip(python_precisions) {
        assert_close(*actual, expected);
    }
    assert_close(score.brevity_penalty, 0.8902267532558452);
    assert_eq!((score.hypothesis_length, score.reference_length), (43, 48));
}

#[test]
fn empty_corpus_and_empty_hypotheses_score_zero() {
    // The Python raises ZeroDivisionError for these; we define them as 0.
    let none: Vec<Vec<String>> = Vec::new();
    assert_eq!(corpus_bleu(&none, &none).bleu, 0.0);
    let score = bleu(&[("a b c", "")]);
    assert_eq!(score.bleu, 0.0);
    assert_eq!(score.ratio, 0.0);
}

#[test]
#[should_panic(expected = "one reference per hypothesis")]
fn mismatched_corpora_panic() {
    corpus_bleu(&[tokens("a")], &[tokens("a"), tokens("b")]);
}

/// Values printed by nltk 3.9: `100 * corpus_bleu([[ref.split()] ...], [hyp.split() ...],
/// smoothing_function=SmoothingFunction().method1)`.
#[test]
fn seed_bleu_matches_nltk() {
    let refs = [
        tokens("def f ( x ) : return x + 1"),
        tokens("a = b"),
        tokens("print ( <unk> )"),
    ];
    let hyps = [
        tokens("def f ( y ) : return y"),
        tokens("a = c"),
        tokens("print ( <unk> ) ) x"),
    ];
    assert_close(seed_bleu(&refs, &hyps), 35.729732781624016);
    // A hypothesis shorter than 4 tokens counts 1 possible n-gram per order.
    assert_close(seed_bleu(&refs[1..2], &[tokens("a")]), 2.406639476314542);
    // No unigram in common: 0, not smoothed.
    assert_eq!(seed_bleu(&refs[..1], &[tokens("zzz")]), 0.0);
}

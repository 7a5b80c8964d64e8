//! Metrics of the output's shape rather than its agreement with the reference: repetition and bracket
//! balance. They name the typical failures of small seq2seq decoders (looping on a phrase, stopping
//! in the middle of a call) that BLEU only shows as a lower number.

/// The n-gram order [`repetition_rate`] looks at when called from the report.
pub const REPETITION_ORDER: usize = 4;

/// Share of the n-grams of `tokens` that repeat an earlier n-gram of the same sequence, in `0.0..=1.0`:
/// `1 - distinct n-grams / n-grams`. `None` when the sequence is shorter than `n` (no n-gram at all).
///
/// This is "seq-rep-n" from Welleck et al. 2020, *Neural Text Generation with Unlikelihood Training*,
/// the usual measure of degenerate looping (`self . x = self . x = self . x`). Real code repeats
/// some 4-grams too (`self . name =` twice in a constructor), so compare a model's rate with the
/// references' rate, not with 0.
pub fn repetition_rate<S: AsRef<str>>(tokens: &[S], n: usize) -> Option<f64> {
    assert!(n > 0, "repetition_rate needs an n-gram order of at least 1");
    let tokens: Vec<&str> = tokens.iter().map(AsRef::as_ref).collect();
    let total = tokens.len().checked_sub(n)? + 1;
    let distinct: std::collections::HashSet<&[&str]> = tokens.windows(n).collect();
    Some(1.0 - distinct.len() as f64 / total as f64)
}

/// Whether every `(`, `[` and `{` token is closed by the matching token in the right order, and
/// nothing is closed that was not opened.
///
/// Works on code tokens: a string literal is one token, so brackets inside strings never count.
pub fn brackets_balanced<S: AsRef<str>>(tokens: &[S]) -> bool {
    const PAIRS: [(&str, &str); 3] = [("(", ")"), ("[", "]"), ("{", "}")];
    // The closers still expected, innermost last.
    let mut expected = Vec::new();
    for token in tokens.iter().map(AsRef::as_ref) {
        if let Some((_, closer)) = PAIRS.iter().find(|(opener, _)| *opener == token) {
            expected.push(*closer);
        } else if PAIRS.iter().any(|(_, closer)| *closer == token) && expected.pop() != Some(token)
        {
            return false;
        }
    }
    expected.is_empty()
}

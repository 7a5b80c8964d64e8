//! Token accuracy and exact match: the two per-example metrics of the reference design's results table.
//!
//! Both compare code tokens (no layout markers), so a hypothesis that differs from its reference only
//! in where a line breaks still counts as identical.

/// Position-wise token accuracy of one example, in `0.0..=1.0`: the number of positions `i` where
/// `hypothesis[i] == reference[i]`, divided by the reference length.
///
/// Reference positions the hypothesis does not reach count as misses; extra hypothesis tokens past the
/// end of the reference are ignored (they are already penalised by BLEU and exact match). An empty
/// reference scores 1 against an empty hypothesis and 0 otherwise.
///
/// Being position-wise, one inserted token early on shifts everything after it and zeroes the rest of
/// the example: this is a strict metric, which is why the reference design's numbers are low.
pub fn token_accuracy<S: AsRef<str>>(reference: &[S], hypothesis: &[S]) -> f64 {
    if reference.is_empty() {
        return if hypothesis.is_empty() { 1.0 } else { 0.0 };
    }
    let matches = reference
        .iter()
        .zip(hypothesis)
        .filter(|(r, h)| r.as_ref() == h.as_ref())
        .count();
    matches as f64 / reference.len() as f64
}

/// Whether the hypothesis is token for token identical to the reference.
pub fn exact_match<S: AsRef<str>>(reference: &[S], hypothesis: &[S]) -> bool {
    reference.len() == hypothesis.len()
        && reference
            .iter()
            .zip(hypothesis)
            .all(|(r, h)| r.as_ref() == h.as_ref())
}

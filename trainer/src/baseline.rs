//! The nearest-neighbour baseline every model has to beat: no training at all, the answer to a
//! description is the code of the training pair whose docstring is closest by BM25 (Robertson et al.;
//! `k1 = 1.2`, `b = 0.75`, lower-cased docstring tokens, Lucene's non-negative idf).

use model::retrieval::Bm25;

use crate::corpus::Pair;

/// The baseline's answers: for each pair of `queries`, the layout tokens of the closest pair of
/// `pool` that has code (empty when nothing matches).
pub fn bm25_answers(pool: &[Pair], queries: &[Pair]) -> Vec<Vec<String>> {
    let pool: Vec<&Pair> = pool.iter().filter(|p| p.layout_tokens.is_some()).collect();
    let index = Bm25::new(pool.iter().map(|p| p.docstring_tokens.as_slice()));
    queries
        .iter()
        .map(|q| match index.top(&q.docstring_tokens) {
            Some((doc, _)) => pool[doc].layout_tokens.clone().unwrap_or_default(),
            None => Vec::new(),
        })
        .collect()
}

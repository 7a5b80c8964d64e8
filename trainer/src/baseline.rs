//! The nearest-neighbour baseline every model has to beat: no training at all, the answer to a
//! description is the code of the training pair whose docstring is closest by BM25 (Robertson et al.;
//! `k1 = 1.2`, `b = 0.75`, lower-cased docstring tokens, Lucene's non-negative idf).

use std::collections::HashMap;

use crate::corpus::Pair;

/// BM25's term-frequency saturation.
pub const K1: f64 = 1.2;
/// BM25's length normalisation.
pub const B: f64 = 0.75;

/// An index over a pool of documents (token lists).
#[derive(Debug, Clone)]
pub struct Bm25 {
    /// Term -> (document, term frequency), documents ascending.
    postings: HashMap<String, Vec<(usize, u32)>>,
    lengths: Vec<usize>,
    mean_length: f64,
}

fn lower(tokens: &[String]) -> impl Iterator<Item = String> + '_ {
    tokens.iter().map(|t| t.to_lowercase())
}

impl Bm25 {
    pub fn new<'a>(documents: impl IntoIterator<Item = &'a [String]>) -> Self {
        let mut postings: HashMap<String, Vec<(usize, u32)>> = HashMap::new();
        let mut lengths = Vec::new();
        for (doc, tokens) in documents.into_iter().enumerate() {
            let mut counts: HashMap<String, u32> = HashMap::new();
            for token in lower(tokens) {
                *counts.entry(token).or_default() += 1;
            }
            for (term, tf) in counts {
                postings.entry(term).or_default().push((doc, tf));
            }
            lengths.push(tokens.len());
        }
        let mean_length = lengths.iter().sum::<usize>() as f64 / lengths.len().max(1) as f64;
        Self {
            postings,
            lengths,
            mean_length,
        }
    }

    fn idf(&self, documents_with_term: usize) -> f64 {
        let (n, df) = (self.lengths.len() as f64, documents_with_term as f64);
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// The best-scoring document for `query` and its score (ties: the first); `None` if no document
    /// shares a term with it.
    pub fn top(&self, query: &[String]) -> Option<(usize, f64)> {
        let mut scores: HashMap<usize, f64> = HashMap::new();
        for term in lower(query) {
            let Some(postings) = self.postings.get(&term) else {
                continue;
            };
            let idf = self.idf(postings.len());
            for &(doc, tf) in postings {
                let tf = tf as f64;
                let norm = 1.0 - B + B * self.lengths[doc] as f64 / self.mean_length;
                *scores.entry(doc).or_default() += idf * tf * (K1 + 1.0) / (tf + K1 * norm);
            }
        }
        scores
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn rare_shared_terms_outweigh_common_ones() {
        let pool = [
            words("Return the name of the user"),
            words("Return the size of the file"),
            words("Open the file and return it"),
        ];
        let index = Bm25::new(pool.iter().map(Vec::as_slice));
        assert_eq!(index.top(&words("the file size")).unwrap().0, 1);
        assert_eq!(index.top(&words("USER")).unwrap().0, 0, "lower-cased");
        assert_eq!(index.top(&words("open it")).unwrap().0, 2);
        assert!(index.top(&words("nothing shared")).is_none());
    }

    #[test]
    fn longer_documents_score_lower_for_the_same_match() {
        let pool = [
            words("parse the date string given in any format"),
            words("parse date"),
        ];
        let index = Bm25::new(pool.iter().map(Vec::as_slice));
        assert_eq!(index.top(&words("parse date")).unwrap().0, 1);
    }
}

//! BM25 (Robertson et al.; `k1 = 1.2`, `b = 0.75`, lower-cased tokens, Lucene's non-negative idf):
//! the ranking of the retriever and of the nearest-neighbour baseline.

use std::collections::HashMap;

/// BM25's term-frequency saturation.
pub const K1: f64 = 1.2;
/// BM25's length normalisation.
pub const B: f64 = 0.75;

/// An index over a pool of documents (token lists).
#[derive(Debug, Clone, PartialEq)]
pub struct Bm25 {
    /// Term -> (document, term frequency), documents ascending.
    postings: HashMap<String, Vec<(usize, u32)>>,
    lengths: Vec<usize>,
    mean_length: f64,
}

fn lower<S: AsRef<str>>(tokens: &[S]) -> impl Iterator<Item = String> + '_ {
    tokens.iter().map(|t| t.as_ref().to_lowercase())
}

impl Bm25 {
    pub fn new<'a, S: AsRef<str> + 'a>(documents: impl IntoIterator<Item = &'a [S]>) -> Self {
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

    /// Documents in the pool.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    fn idf(&self, documents_with_term: usize) -> f64 {
        let (n, df) = (self.lengths.len() as f64, documents_with_term as f64);
        ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
    }

    /// Every document sharing a term with `query`, with its score, in no particular order.
    fn scores<S: AsRef<str>>(&self, query: &[S]) -> HashMap<usize, f64> {
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
    }

    /// The best-scoring document for `query` and its score (ties: the first); `None` if no document
    /// shares a term with it.
    pub fn top<S: AsRef<str>>(&self, query: &[S]) -> Option<(usize, f64)> {
        self.top_k(query, 1, |_| false).into_iter().next()
    }

    /// The `k` best documents for `query` that `exclude` lets through, best first (ties: the first
    /// document), with their scores.
    pub fn top_k<S: AsRef<str>>(
        &self,
        query: &[S],
        k: usize,
        exclude: impl Fn(usize) -> bool,
    ) -> Vec<(usize, f64)> {
        let mut ranked: Vec<(usize, f64)> = self
            .scores(query)
            .into_iter()
            .filter(|&(doc, _)| !exclude(doc))
            .collect();
        let order = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if k == 0 {
            return Vec::new();
        }
        if ranked.len() > k {
            // Only the best k need sorting: thousands of documents can share a common word.
            ranked.select_nth_unstable_by(k - 1, order);
            ranked.truncate(k);
        }
        ranked.sort_by(order);
        ranked
    }
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

    #[test]
    fn top_k_ranks_best_first_and_skips_the_excluded() {
        let pool = [
            words("read the file"),
            words("read the config file"),
            words("write the file"),
            words("read"),
        ];
        let index = Bm25::new(pool.iter().map(Vec::as_slice));
        let query = words("read the file");
        let ranked: Vec<usize> = index
            .top_k(&query, 3, |_| false)
            .iter()
            .map(|r| r.0)
            .collect();
        assert_eq!(ranked[0], 0);
        assert_eq!(ranked.len(), 3);
        let without_self: Vec<usize> = index
            .top_k(&query, 4, |d| d == 0)
            .iter()
            .map(|r| r.0)
            .collect();
        assert!(!without_self.contains(&0));
        assert_eq!(without_self.len(), 3);
        let scores: Vec<f64> = index
            .top_k(&query, 4, |_| false)
            .iter()
            .map(|r| r.1)
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    }
}

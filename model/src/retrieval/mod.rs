//! Retrieve and edit: a retrieval model reads the description together with the most similar
//! training functions, found by BM25 over their docstrings, and copies names, structure and idioms
//! from them (its copy attention covers every source position, the neighbours' code included).
//!
//! - [`bm25`]: the ranking (also the nearest-neighbour baseline's);
//! - [`index`]: the pool of training functions, saved with the checkpoint as `retrieval.json`;
//! - this file: the model's source, `<sos> description (<sos> neighbour)* <eos>` as ids of the shared
//!   subword vocabulary, so a neighbour's piece is copied as the id it has.

pub mod bm25;
pub mod index;

use serde::{Deserialize, Serialize};

pub use bm25::Bm25;
pub use index::{Document, Hit, IndexError, RETRIEVAL_FILE, RetrievalIndex};

use crate::tokenizer::{Encoding, Tokenizer};
use crate::vocab::{SOS, SPECIALS};

/// How a retrieval model builds its source (saved in its [`crate::models::ModelConfig`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrievalConfig {
    /// Neighbours read beside the description.
    pub neighbours: usize,
    /// Each neighbour's code is cut to this many pieces (a function has 70 on average, 142 at the
    /// 95th percentile with 4,000 subwords).
    pub max_neighbour_pieces: usize,
    /// While training, a pair's neighbours never come from its own package (test pairs come from
    /// packages the pool does not hold, so this trains under test conditions). A pair itself and
    /// exact duplicates of its code are always left out.
    #[serde(default)]
    pub exclude_own_package: bool,
}

impl Default for RetrievalConfig {
    fn default() -> Self {
        Self {
            neighbours: 1,
            max_neighbour_pieces: 128,
            exclude_own_package: false,
        }
    }
}

/// A description's source with its neighbours, and which they were.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieved {
    pub source: Encoding,
    pub hits: Vec<Hit>,
}

/// The source of a retrieval model for the description `words` (docstring tokens): the description's
/// ids, then for each neighbour `<sos>` and its code's ids. `exclude` leaves documents out of the
/// search (while training: the pair itself and its duplicates).
pub fn retrieve(
    index: &RetrievalIndex,
    config: &RetrievalConfig,
    tokenizers: (&dyn Tokenizer, &dyn Tokenizer),
    words: &[String],
    exclude: impl Fn(&Document) -> bool,
) -> Retrieved {
    let (source, target) = tokenizers;
    let mut encoding = source.encode_words(words);
    let hits = index.nearest(words, config.neighbours, exclude);
    for hit in &hits {
        let code = target.encode_words(&index.document(hit).layout_tokens());
        let kept = code.ids.len().min(config.max_neighbour_pieces);
        encoding.ids.push(SOS);
        encoding.tokens.push(SPECIALS[SOS].to_string());
        encoding.ids.extend_from_slice(&code.ids[..kept]);
        encoding.tokens.extend_from_slice(&code.tokens[..kept]);
    }
    Retrieved {
        source: encoding,
        hits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::{Subwords, layout_tokens};

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn the_source_is_the_description_then_each_neighbour_after_sos() {
        let code = [
            "def size(f):\n    return f.size\n",
            "def user_name(u):\n    return u.name\n",
        ];
        let docstrings = ["Return the size of the file", "Return the user name"];
        let layouts: Vec<Vec<String>> = code.iter().map(|c| layout_tokens(c).unwrap()).collect();
        let descriptions: Vec<Vec<String>> = docstrings.iter().map(|d| words(d)).collect();
        let (source, target) = Subwords::train(
            descriptions.iter().map(Vec::as_slice),
            layouts.iter().map(Vec::as_slice),
            300,
        );
        let documents = (0..2)
            .map(|i| Document::new(&format!("f{i}"), "pkg", &descriptions[i], &layouts[i]).unwrap())
            .collect();
        let index = RetrievalIndex::new(documents);
        let config = RetrievalConfig::default();
        let query = words("the user name");
        let retrieved = retrieve(&index, &config, (&source, &target), &query, |_| false);
        let description = source.encode_words(&query);
        let neighbour = target.encode_words(&layouts[1]);
        assert_eq!(retrieved.hits.len(), 1);
        assert_eq!(index.document(&retrieved.hits[0]).name, "f1");
        let expected = [description.ids.clone(), vec![SOS], neighbour.ids.clone()].concat();
        assert_eq!(retrieved.source.ids, expected);
        assert_eq!(retrieved.source.tokens.len(), expected.len());
        assert_eq!(retrieved.source.tokens[description.ids.len()], "<sos>");

        // Excluding the best match (as training excludes a pair itself) gives the other function;
        // a cut keeps the first pieces of the neighbour.
        let short = RetrievalConfig {
            max_neighbour_pieces: 3,
            ..config
        };
        let other = retrieve(&index, &short, (&source, &target), &query, |d| {
            d.name == "f1"
        });
        assert_eq!(index.document(&other.hits[0]).name, "f0");
        let first = target.encode_words(&layouts[0]).ids;
        assert_eq!(other.source.ids[description.ids.len() + 1..], first[..3]);
    }
}

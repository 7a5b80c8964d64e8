//! The pool a retrieval model looks neighbours up in, saved with its checkpoint as `retrieval.json`:
//! the training functions (name, package, docstring tokens, code), from which the BM25 index is
//! rebuilt on load (a fraction of a second for 10,000 functions), so the file holds nothing twice.

use serde::{Deserialize, Serialize};

use super::bm25::Bm25;
use crate::tokenizer::{detokenize, layout_tokens};

/// The checkpoint file of the pool.
pub const RETRIEVAL_FILE: &str = "retrieval.json";

/// One function of the pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The function's name as the corpus gives it (e.g. `Client.get`).
    pub name: String,
    /// Its package (the corpus' `repo`).
    pub package: String,
    /// The docstring's tokens: what BM25 matches descriptions against.
    pub docstring: Vec<String>,
    /// The function as the models see it (docstring and comments removed, 4-space indents), so that
    /// lexing it gives back the layout tokens it was made from.
    pub code: String,
}

impl Document {
    /// A document from a corpus pair's layout tokens; `None` if its code would not lex back to the
    /// same tokens (the pool keeps only functions the model can be shown exactly).
    pub fn new(name: &str, package: &str, docstring: &[String], layout: &[String]) -> Option<Self> {
        let code = detokenize(layout);
        (layout_tokens(&code).ok()?.as_slice() == layout).then(|| Self {
            name: name.to_string(),
            package: package.to_string(),
            docstring: docstring.to_vec(),
            code,
        })
    }

    /// The code's layout tokens (lexing cannot fail: [`Document::new`] checked it).
    pub fn layout_tokens(&self) -> Vec<String> {
        layout_tokens(&self.code).unwrap_or_default()
    }
}

/// The pool and its BM25 index over the docstrings.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrievalIndex {
    documents: Vec<Document>,
    bm25: Bm25,
}

/// What `retrieval.json` holds.
#[derive(Serialize, Deserialize)]
struct IndexFile {
    /// BM25's parameters, for readers of the file (the code uses [`super::bm25`]'s).
    k1: f64,
    b: f64,
    documents: Vec<Document>,
}

/// Why `retrieval.json` could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {source}")]
pub struct IndexError {
    pub file: String,
    #[source]
    pub source: serde_json::Error,
}

/// One retrieved function: its place in the pool and its BM25 score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub document: usize,
    pub score: f64,
}

impl RetrievalIndex {
    pub fn new(documents: Vec<Document>) -> Self {
        let bm25 = Bm25::new(documents.iter().map(|d| d.docstring.as_slice()));
        Self { documents, bm25 }
    }

    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    pub fn document(&self, hit: &Hit) -> &Document {
        &self.documents[hit.document]
    }

    /// The `k` documents whose docstrings are closest to `query` (docstring tokens), best first,
    /// leaving out those `exclude` names (e.g. the query's own pair while training).
    pub fn nearest<S: AsRef<str>>(
        &self,
        query: &[S],
        k: usize,
        exclude: impl Fn(&Document) -> bool,
    ) -> Vec<Hit> {
        self.bm25
            .top_k(query, k, |d| exclude(&self.documents[d]))
            .into_iter()
            .map(|(document, score)| Hit { document, score })
            .collect()
    }

    pub fn to_json(&self) -> Vec<u8> {
        let file = IndexFile {
            k1: super::bm25::K1,
            b: super::bm25::B,
            documents: self.documents.clone(),
        };
        serde_json::to_vec(&file).expect("an index always serializes")
    }

    /// Parses `retrieval.json`; `file` names it in errors.
    pub fn from_json(bytes: &[u8], file: &str) -> Result<Self, IndexError> {
        let parsed: IndexFile = serde_json::from_slice(bytes).map_err(|source| IndexError {
            file: file.to_string(),
            source,
        })?;
        Ok(Self::new(parsed.documents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(str::to_string).collect()
    }

    fn document(name: &str, docstring: &str, code: &str) -> Document {
        let layout = layout_tokens(code).unwrap();
        Document::new(name, "pkg", &words(docstring), &layout).unwrap()
    }

    #[test]
    fn finds_the_closest_docstring_and_round_trips_through_json() {
        let index = RetrievalIndex::new(vec![
            document(
                "size",
                "Return the size of the file",
                "def size(f):\n    return f.size\n",
            ),
            document(
                "name",
                "Return the user name",
                "def name(u):\n    return u.name\n",
            ),
        ]);
        let hits = index.nearest(&words("user name"), 2, |_| false);
        assert_eq!(index.document(&hits[0]).name, "name");
        let without: Vec<Hit> = index.nearest(&words("user name"), 2, |d| d.name == "name");
        assert!(without.iter().all(|h| index.document(h).name != "name"));
        let again = RetrievalIndex::from_json(&index.to_json(), RETRIEVAL_FILE).unwrap();
        assert_eq!(again, index);
        assert_eq!(
            index.documents()[0].layout_tokens(),
            layout_tokens("def size(f):\n    return f.size\n").unwrap()
        );
        let error = RetrievalIndex::from_json(b"{\"documents\": 3}", RETRIEVAL_FILE).unwrap_err();
        assert!(error.to_string().starts_with("retrieval.json: "), "{error}");
    }
}

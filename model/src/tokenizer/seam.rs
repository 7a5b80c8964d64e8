//! The [`Tokenizer`] trait that batching, generation, evaluation and the web app go through, and the
//! registry of tokenizers a checkpoint can name ([`TokenizerConfig`]).
//!
//! A tokenizer owns the pre- and post-processing of one side of the task: text (or a corpus' already
//! split words) to ids, ids back to tokens and to text, its vocabulary and its files. Ids 0..4 are
//! always the specials of [`crate::vocab`] (`<pad>`, `<sos>`, `<eos>`, `<unk>`), which the models and
//! the search rely on.
//!
//! A new tokenizer is a new file implementing [`Tokenizer`] plus one variant of [`TokenizerConfig`]
//! (its entry in `config.json`) and its arm in [`TokenizerConfig::load`].

use serde::{Deserialize, Serialize};

use super::{DocstringWords, LayoutWords, Side, Subwords};
use crate::syntax::Piece;
use crate::vocab::VocabError;

/// Ids of one text, without `<sos>`/`<eos>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoding {
    pub ids: Vec<usize>,
    /// The token each id stands for (as the text had it, also where the id is `<unk>`): what a heatmap
    /// labels its columns with.
    pub tokens: Vec<String>,
    /// Whether the text had more tokens than the tokenizer keeps, and was cut.
    pub truncated: bool,
}

/// Why a text could not be tokenized (the target tokenizer lexes Python).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct TokenizeError(pub String);

/// One side's tokenizer.
pub trait Tokenizer: std::fmt::Debug + Send + Sync {
    /// Its entry in `config.json`: which tokenizer, its options and the files it is saved as.
    fn config(&self) -> TokenizerConfig;

    /// The contents of the files [`TokenizerConfig::files`] names, in that order.
    fn to_files(&self) -> Vec<Vec<u8>>;

    /// Tokens in the vocabulary, specials included: the size of the embedding / output layer.
    fn vocab_size(&self) -> usize;

    /// Text to ids.
    fn encode(&self, text: &str) -> Result<Encoding, TokenizeError>;

    /// Words already split the way this tokenizer splits text (a corpus' `docstring_tokens`, a
    /// function's layout tokens) to ids.
    fn encode_words(&self, words: &[String]) -> Encoding;

    /// The tokens of `ids` up to the first `<eos>`, without `<pad>` and `<sos>`: for the code side,
    /// Python's lexical tokens with layout markers (what the metrics compare and [`Tokenizer::text`]
    /// lays out).
    fn tokens(&self, ids: &[usize]) -> Vec<String>;

    /// One label per id of [`Tokenizer::tokens`]'s ids (the rows of a heatmap): the tokens themselves
    /// for word tokenizers, the pieces for subword ones.
    fn pieces(&self, ids: &[usize]) -> Vec<String> {
        self.tokens(ids)
    }

    /// What each id of the vocabulary spells, for syntax-aware decoding (the target side). Word
    /// tokenizers: every id starts a token.
    fn syntax_pieces(&self) -> Vec<Piece> {
        (0..self.vocab_size())
            .map(|id| match self.pieces(&[id]).first() {
                Some(token) => Piece::of_token(token),
                None => Piece::Special,
            })
            .collect()
    }

    /// How many ids decoding may generate by default (the target side): the reference design's 80 for
    /// one id per token.
    fn max_output_len(&self) -> usize {
        crate::decode::DEFAULT_MAX_LEN
    }

    /// The text of `ids` (see [`Tokenizer::tokens`]).
    fn text(&self, ids: &[usize]) -> String;
}

/// Which tokenizer a checkpoint side uses, with its options and file names (serialised as
/// `{"kind": ..., ...}` in `config.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TokenizerConfig {
    /// CodeSearchNet's docstring words, one id per word ([`DocstringWords`]).
    DocstringWords {
        /// The vocabulary file.
        vocab: String,
        /// Longer descriptions are cut to this many tokens.
        max_len: usize,
    },
    /// Python's lexical tokens with layout markers, one id per token ([`LayoutWords`]).
    LayoutWords {
        /// The vocabulary file.
        vocab: String,
    },
    /// Learned subword pieces of either side, in Hugging Face's `tokenizer.json` ([`Subwords`]).
    Subwords {
        /// The `tokenizer.json` (one file for both sides).
        file: String,
        side: Side,
        /// Longer inputs are cut to this many pieces.
        #[serde(default)]
        max_len: Option<usize>,
    },
}

impl TokenizerConfig {
    /// The files this tokenizer is saved as, relative to the checkpoint folder.
    pub fn files(&self) -> Vec<&str> {
        match self {
            TokenizerConfig::DocstringWords { vocab, .. }
            | TokenizerConfig::LayoutWords { vocab }
            | TokenizerConfig::Subwords { file: vocab, .. } => vec![vocab],
        }
    }

    /// The tokenizer from the contents of its [`TokenizerConfig::files`], in that order.
    pub fn load(&self, files: &[&[u8]]) -> Result<Box<dyn Tokenizer>, VocabError> {
        let text = |i: usize, name: &str| -> Result<String, VocabError> {
            String::from_utf8(files[i].to_vec()).map_err(|e| VocabError::Json {
                context: name.to_string(),
                source: serde::de::Error::custom(e),
            })
        };
        Ok(match self {
            TokenizerConfig::DocstringWords { vocab, max_len } => Box::new(
                DocstringWords::from_json(&text(0, vocab)?, vocab, *max_len)?,
            ),
            TokenizerConfig::LayoutWords { vocab } => {
                Box::new(LayoutWords::from_json(&text(0, vocab)?, vocab)?)
            }
            TokenizerConfig::Subwords {
                file,
                side,
                max_len,
            } => Box::new(Subwords::from_json(&text(0, file)?, file, *side, *max_len)?),
        })
    }
}

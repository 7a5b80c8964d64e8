//! Subword tokens: the words of a description or the lexical tokens of a function, each split into
//! learned [`Bpe`] pieces. Every function round-trips exactly and nothing is ever `<unk>` (characters
//! the training split lacked become byte tokens); `<newline>` / `<indent>` / `<dedent>` stay one piece.
//!
//! One vocabulary (one `tokenizer.json`) serves both sides, so a source piece and the same target
//! piece have one id: what copy attention copies.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::bpe::{Bpe, BpeError, WORD_START, piece_byte};
use super::seam::{Encoding, TokenizeError, Tokenizer, TokenizerConfig};
use super::{DEDENT, INDENT, MAX_SRC_LEN, NEWLINE, detokenize, docstring_tokens, layout_tokens};
use crate::syntax::Piece;
use crate::vocab::{EOS, PAD, SOS, SPECIALS};

/// The file both sides are saved as.
pub const SUBWORDS_FILE: &str = "tokenizer.json";

/// The most pieces a description is cut to (after its first [`MAX_SRC_LEN`] words).
pub const MAX_SRC_PIECES: usize = 96;

/// How many pieces decoding generates at most by default.
pub const MAX_OUTPUT_PIECES: usize = 256;

/// Which side of the task a [`Subwords`] tokenizer splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Descriptions, split into words as CodeSearchNet did, cut to [`MAX_SRC_LEN`] words and
    /// `max_len` pieces.
    Docstring,
    /// Python: lexical tokens with layout markers, never cut.
    Code,
}

/// A side's subword tokenizer over a shared [`Bpe`].
#[derive(Debug, Clone)]
pub struct Subwords {
    pub bpe: Arc<Bpe>,
    pub side: Side,
    /// Docstrings: the most pieces kept.
    pub max_len: Option<usize>,
    file: String,
}

/// The layout markers: one piece each, whatever the merges.
pub const ATOMIC_WORDS: [&str; 3] = ["▁<newline>", "▁<indent>", "▁<dedent>"];

impl Subwords {
    /// The two sides over one encoding learned from the training split's descriptions and code:
    /// `vocab_size` pieces in all.
    pub fn train<'a>(
        descriptions: impl IntoIterator<Item = &'a [String]>,
        code: impl IntoIterator<Item = &'a [String]>,
        vocab_size: usize,
    ) -> (Self, Self) {
        let mut counts: HashMap<String, usize> = HashMap::new();
        let descriptions = descriptions
            .into_iter()
            .map(|words| &words[..words.len().min(MAX_SRC_LEN)]);
        for word in descriptions.chain(code).flatten() {
            if !is_marker(word) {
                *counts.entry(start_word(word)).or_default() += 1;
            }
        }
        let bpe = Arc::new(Bpe::train(&counts, &ATOMIC_WORDS, vocab_size));
        Self::pair(bpe, SUBWORDS_FILE)
    }

    /// The docstring and code tokenizers over `bpe`, saved as `file`.
    pub fn pair(bpe: Arc<Bpe>, file: &str) -> (Self, Self) {
        let side = |side, max_len| Self {
            bpe: bpe.clone(),
            side,
            max_len,
            file: file.to_string(),
        };
        (
            side(Side::Docstring, Some(MAX_SRC_PIECES)),
            side(Side::Code, None),
        )
    }

    /// Reads `tokenizer.json` (named `file` in errors) for one side.
    pub fn from_json(
        json: &str,
        file: &str,
        side: Side,
        max_len: Option<usize>,
    ) -> Result<Self, BpeError> {
        Ok(Self {
            bpe: Arc::new(Bpe::from_json(json, file)?),
            side,
            max_len,
            file: file.to_string(),
        })
    }

    /// One label per id: the piece, with layout markers and specials as they are spelled.
    pub fn piece_labels(&self, ids: &[usize]) -> Vec<String> {
        ids.iter()
            .map(|&id| self.bpe.piece(id).to_string())
            .collect()
    }
}

fn is_marker(word: &str) -> bool {
    [NEWLINE, INDENT, DEDENT].contains(&word)
}

/// The word as the encoding sees it: `▁` first.
fn start_word(word: &str) -> String {
    format!("{WORD_START}{word}")
}

/// The ids of the output: up to the first `<eos>`, without `<pad>` and `<sos>`.
fn generated(ids: &[usize]) -> impl Iterator<Item = usize> + '_ {
    ids.iter()
        .copied()
        .take_while(|&id| id != EOS)
        .filter(|&id| id != PAD && id != SOS)
}

/// Joins pieces back into words: a piece starting with `▁` starts a word, a byte token adds its byte,
/// anything else continues the word before it.
fn join_words<'a>(pieces: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    for piece in pieces {
        if let Some(byte) = piece_byte(piece) {
            match words.last_mut() {
                Some(word) => word.push(byte),
                None => words.push(vec![byte]),
            }
        } else if let Some(rest) = piece.strip_prefix(WORD_START) {
            words.push(rest.as_bytes().to_vec());
        } else {
            match words.last_mut() {
                Some(word) => word.extend_from_slice(piece.as_bytes()),
                None => words.push(piece.as_bytes().to_vec()),
            }
        }
    }
    words
        .into_iter()
        .map(|w| String::from_utf8_lossy(&w).into_owned())
        .collect()
}

impl Tokenizer for Subwords {
    fn config(&self) -> TokenizerConfig {
        TokenizerConfig::Subwords {
            file: self.file.clone(),
            side: self.side,
            max_len: self.max_len,
        }
    }

    fn to_files(&self) -> Vec<Vec<u8>> {
        vec![self.bpe.to_json().into_bytes()]
    }

    fn vocab_size(&self) -> usize {
        self.bpe.vocab_size()
    }

    fn encode(&self, text: &str) -> Result<Encoding, TokenizeError> {
        let words = match self.side {
            Side::Docstring => docstring_tokens(text),
            Side::Code => layout_tokens(text).map_err(|e| TokenizeError(e.to_string()))?,
        };
        Ok(self.encode_words(&words))
    }

    fn encode_words(&self, words: &[String]) -> Encoding {
        let kept = match self.side {
            Side::Docstring => &words[..words.len().min(MAX_SRC_LEN)],
            Side::Code => words,
        };
        let mut ids = Vec::new();
        for word in kept {
            self.bpe.encode_word(&start_word(word), &mut ids);
        }
        let limit = self.max_len.unwrap_or(usize::MAX);
        let truncated = kept.len() < words.len() || ids.len() > limit;
        ids.truncate(limit);
        Encoding {
            tokens: self.piece_labels(&ids),
            ids,
            truncated,
        }
    }

    fn tokens(&self, ids: &[usize]) -> Vec<String> {
        join_words(generated(ids).map(|id| self.bpe.piece(id)))
    }

    fn pieces(&self, ids: &[usize]) -> Vec<String> {
        let kept: Vec<usize> = generated(ids).collect();
        self.piece_labels(&kept)
    }

    fn syntax_pieces(&self) -> Vec<Piece> {
        (0..self.bpe.vocab_size())
            .map(|id| {
                let piece = self.bpe.piece(id);
                if id < SPECIALS.len() {
                    return Piece::Special;
                }
                if let Some(byte) = piece_byte(piece) {
                    return Piece::Continue(byte.is_ascii().then(|| char::from(byte).to_string()));
                }
                match piece.strip_prefix(WORD_START) {
                    Some(word) => Piece::of_token(word),
                    None => Piece::Continue(Some(piece.to_string())),
                }
            })
            .collect()
    }

    /// The 95th percentile of the reference preset's test functions is about 140 pieces (4,000 pieces).
    fn max_output_len(&self) -> usize {
        MAX_OUTPUT_PIECES
    }

    fn text(&self, ids: &[usize]) -> String {
        let tokens = self.tokens(ids);
        match self.side {
            Side::Docstring => tokens.join(" "),
            Side::Code => detokenize(&tokens),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::UNK;

    fn tokens(code: &str) -> Vec<String> {
        layout_tokens(code).unwrap()
    }

    fn toy() -> (Subwords, Subwords) {
        let descriptions = [vec![
            "Return".to_string(),
            "the".into(),
            "user".into(),
            "name".into(),
        ]];
        let code = [tokens(
            "def get_user_name(self):\n    return self.user_name\n",
        )];
        Subwords::train(
            descriptions.iter().map(Vec::as_slice),
            code.iter().map(Vec::as_slice),
            330,
        )
    }

    #[test]
    fn code_round_trips_also_with_characters_never_seen() {
        let (_, code) = toy();
        let source = "def f(x):\n    if x:\n        return 'é ✓'\n    return None\n";
        let encoding = code.encode(source).unwrap();
        assert!(!encoding.ids.contains(&UNK));
        assert_eq!(code.tokens(&encoding.ids), tokens(source));
        assert_eq!(code.text(&encoding.ids), source);
        let newline = code.bpe.id("▁<newline>").unwrap();
        assert_eq!(encoding.ids.iter().filter(|&&i| i == newline).count(), 3);
    }

    #[test]
    fn sides_share_ids_and_descriptions_are_cut() {
        let (docstring, code) = toy();
        let from_text = docstring.encode("user name").unwrap();
        let from_code = code.encode_words(&["user".to_string(), "name".to_string()]);
        assert_eq!(from_text.ids, from_code.ids);
        let long = vec!["user".to_string(); MAX_SRC_LEN + 5];
        let encoding = docstring.encode_words(&long);
        assert!(encoding.truncated);
        assert_eq!(docstring.tokens(&encoding.ids).len(), MAX_SRC_LEN);
        assert_eq!(
            encoding.tokens.len(),
            encoding.ids.len(),
            "one label per id"
        );
    }

    #[test]
    fn decoding_stops_at_eos_and_a_leading_continuation_starts_a_word() {
        let (_, code) = toy();
        let name = code.bpe.id("n").unwrap();
        let ret = code.encode_words(&["return".to_string()]).ids;
        let ids = [vec![SOS, name], ret, vec![EOS, name]].concat();
        assert_eq!(code.tokens(&ids), ["n", "return"]);
        assert_eq!(
            code.pieces(&ids).len(),
            1 + code.encode_words(&["return".into()]).ids.len()
        );
    }
}

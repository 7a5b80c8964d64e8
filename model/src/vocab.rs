//! Token <-> id vocabularies, one for sources (docstrings) and one for targets (code).
//!
//! Built from the training split only, so that validation and test tokens the model never saw map to
//! `<unk>` exactly as they would for a real user. Saved as JSON beside every checkpoint: the ids are part
//! of the model, and a checkpoint without its vocabularies could not be used.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Padding: fills batches to a common length; never predicted, ignored by the loss.
pub const PAD: usize = 0;
/// Start of sequence: the decoder's first input.
pub const SOS: usize = 1;
/// End of sequence: ends a source and a generated target.
pub const EOS: usize = 2;
/// Unknown: every token outside the vocabulary.
pub const UNK: usize = 3;
/// The special tokens, at the ids above.
pub const SPECIALS: [&str; 4] = ["<pad>", "<sos>", "<eos>", "<unk>"];

/// Why a vocabulary could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VocabError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{context}: invalid vocabulary JSON: {source}")]
    Json {
        context: String,
        source: serde_json::Error,
    },
    #[error(transparent)]
    Subwords(#[from] crate::tokenizer::bpe::BpeError),
}

/// A vocabulary: ids are positions in `tokens`; ids 0..4 are [`SPECIALS`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "VocabFile", into = "VocabFile")]
pub struct Vocab {
    tokens: Vec<String>,
    index: HashMap<String, usize>,
    min_freq: usize,
}

/// The on-disk form: the token list is the whole vocabulary; the index is rebuilt on load.
#[derive(Serialize, Deserialize)]
struct VocabFile {
    min_freq: usize,
    tokens: Vec<String>,
}

impl Vocab {
    /// Builds a vocabulary from token sequences: the specials, then every token seen at least `min_freq`
    /// times, most frequent first (ties by token text, so the result is the same on every run), cut to
    /// `max_size` entries in all when given.
    pub fn build<I, S, T>(sequences: I, min_freq: usize, max_size: Option<usize>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for sequence in sequences {
            for token in sequence {
                *counts.entry(token.as_ref().to_owned()).or_default() += 1;
            }
        }
        let mut frequent: Vec<(String, usize)> = counts
            .into_iter()
            .filter(|(token, count)| *count >= min_freq && !SPECIALS.contains(&token.as_str()))
            .collect();
        frequent.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let limit = max_size.map_or(usize::MAX, |max| max.saturating_sub(SPECIALS.len()));
        let tokens = SPECIALS
            .iter()
            .map(|s| s.to_string())
            .chain(frequent.into_iter().take(limit).map(|(token, _)| token))
            .collect();
        Self::from_tokens(tokens, min_freq).expect("built vocabularies are valid")
    }

    fn from_tokens(tokens: Vec<String>, min_freq: usize) -> Result<Self, String> {
        if tokens.len() < SPECIALS.len() || tokens[..SPECIALS.len()] != SPECIALS {
            return Err(format!("must start with the special tokens {SPECIALS:?}"));
        }
        let mut index = HashMap::with_capacity(tokens.len());
        for (id, token) in tokens.iter().enumerate() {
            if index.insert(token.clone(), id).is_some() {
                return Err(format!("token {token:?} appears twice"));
            }
        }
        Ok(Self {
            tokens,
            index,
            min_freq,
        })
    }

    /// Number of tokens, specials included: the size of the embedding / output layer.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Always false: a vocabulary holds at least the special tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The minimum frequency this vocabulary was built with (recorded for reports).
    pub fn min_freq(&self) -> usize {
        self.min_freq
    }

    /// The id of `token`, or [`UNK`].
    pub fn id(&self, token: &str) -> usize {
        self.index.get(token).copied().unwrap_or(UNK)
    }

    /// The token with id `id`; `<unk>` for an id outside the vocabulary.
    pub fn token(&self, id: usize) -> &str {
        self.tokens.get(id).map_or(SPECIALS[UNK], String::as_str)
    }

    /// Ids of `tokens`, without `<sos>`/`<eos>`.
    pub fn ids<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<usize> {
        tokens.iter().map(|t| self.id(t.as_ref())).collect()
    }

    /// Tokens of `ids` up to the first `<eos>`, skipping `<pad>` and `<sos>`.
    pub fn tokens(&self, ids: &[usize]) -> Vec<String> {
        ids.iter()
            .take_while(|&&id| id != EOS)
            .filter(|&&id| id != PAD && id != SOS)
            .map(|&id| self.token(id).to_owned())
            .collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a vocabulary always serializes")
    }

    /// Parses a vocabulary; `context` (a file name, say) is named in errors.
    pub fn from_json(json: &str, context: &str) -> Result<Self, VocabError> {
        serde_json::from_str(json).map_err(|source| VocabError::Json {
            context: context.to_owned(),
            source,
        })
    }

    pub fn save(&self, path: &Path) -> Result<(), VocabError> {
        std::fs::write(path, self.to_json()).map_err(|source| VocabError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    pub fn load(path: &Path) -> Result<Self, VocabError> {
        let json = std::fs::read_to_string(path).map_err(|source| VocabError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&json, &path.display().to_string())
    }
}

impl TryFrom<VocabFile> for Vocab {
    type Error = String;

    fn try_from(file: VocabFile) -> Result<Self, String> {
        Self::from_tokens(file.tokens, file.min_freq)
    }
}

impl From<Vocab> for VocabFile {
    fn from(vocab: Vocab) -> Self {
        Self {
            min_freq: vocab.min_freq,
            tokens: vocab.tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vocab {
        let sequences = [
            vec!["return", "x", "+", "y"],
            vec!["return", "x"],
            vec!["pass", "x"],
        ];
        Vocab::build(sequences, 2, None)
    }

    #[test]
    fn specials_first_then_by_frequency() {
        let vocab = toy();
        let tokens: Vec<&str> = (0..vocab.len()).map(|i| vocab.token(i)).collect();
        assert_eq!(tokens, ["<pad>", "<sos>", "<eos>", "<unk>", "x", "return"]);
        assert_eq!(vocab.id("pass"), UNK, "below min_freq");
    }

    #[test]
    fn ties_break_by_text_and_max_size_cuts() {
        let vocab = Vocab::build([["b", "a", "c", "a", "b", "c", "d"]], 1, Some(6));
        assert_eq!(vocab.len(), 6);
        assert_eq!((vocab.token(4), vocab.token(5)), ("a", "b"));
    }

    #[test]
    fn encode_decode_round_trip() {
        let vocab = toy();
        let ids = vocab.ids(&["return", "x", "pass"]);
        assert_eq!(ids, vec![5, 4, UNK]);
        assert_eq!(vocab.tokens(&ids), ["return", "x", "<unk>"]);
        // Decoding stops at <eos> and drops <sos>/<pad>.
        assert_eq!(vocab.tokens(&[SOS, 5, PAD, 4, EOS, 5]), ["return", "x"]);
    }

    #[test]
    fn json_round_trip_and_errors() {
        let vocab = toy();
        let back = Vocab::from_json(&vocab.to_json(), "toy").unwrap();
        assert_eq!(back, vocab);
        assert_eq!(back.id("return"), 5);

        let err = Vocab::from_json(r#"{"min_freq":2,"tokens":["a"]}"#, "src_vocab.json");
        let message = err.unwrap_err().to_string();
        assert!(message.starts_with("src_vocab.json: "), "{message}");
        assert!(message.contains("special tokens"), "{message}");

        let dup = r#"{"min_freq":1,"tokens":["<pad>","<sos>","<eos>","<unk>","x","x"]}"#;
        let message = Vocab::from_json(dup, "v.json").unwrap_err().to_string();
        assert!(message.contains("\"x\" appears twice"), "{message}");
    }

    #[test]
    fn save_and_load_files() {
        let dir = std::env::temp_dir().join(format!("vocab-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tgt_vocab.json");
        toy().save(&path).unwrap();
        assert_eq!(Vocab::load(&path).unwrap(), toy());
        let missing = Vocab::load(&dir.join("missing.json"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("missing.json"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
